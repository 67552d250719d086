import { Badge } from "../ui/Badge";
import type { Experiment } from "./experimentsApi";

const TONES = { pending: "neutral", running: "blue", completed: "green", completed_with_errors: "amber" } as const;

/** An experiment's status, worked out by the server from its runs. */
export function StatusBadge({ experiment }: { experiment: Experiment }) {
  return <Badge tone={TONES[experiment.status]}>{experiment.status.replaceAll("_", " ")}</Badge>;
}
