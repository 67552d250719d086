// The header's notification centre: the server's notifications for the project and
// time range (error-rate and cost spikes against the previous period, the Studio's
// ingest refusals and rejected spans), each linking to the traces behind it.
import { Notification } from "./api";
import { useNotifications } from "./queries";
import { pageHref, ViewState } from "./route";
import { Badge, BadgeTone } from "./ui/Badge";
import { Button } from "./ui/Button";
import { Popover, PopoverClose } from "./ui/Popover";

const SEVERITY_TONES: Record<Notification["severity"], BadgeTone> = {
  critical: "red",
  error: "red",
  warning: "amber",
  info: "blue",
};

/** The trace list showing the traces behind a notification (its period and status, every environment). */
export function tracesBehind(state: ViewState, query: Record<string, string>): string {
  const from = Number(query.start);
  const to = Number(query.end);
  return pageHref(state, "traces", {
    range: Number.isFinite(from) && Number.isFinite(to) && from < to ? { from, to } : state.range,
    environment: "",
    status: query.status ?? "",
  });
}

export function NotificationCentre({ state, project, after }: { state: ViewState; project: string; after: boolean }) {
  const answer = useNotifications(project, state.range, after);
  const items = answer.data?.items ?? [];
  const urgent = items.some((n) => n.severity === "critical" || n.severity === "error");
  return (
    <Popover
      className="w-96 p-0"
      trigger={
        <Button variant="ghost" size="sm" aria-label="notifications" className="relative w-8 px-0">
          <svg width="16" height="16" viewBox="0 0 24 24" aria-hidden="true">
            <path
              d="M6 8a6 6 0 1 1 12 0c0 7 3 9 3 9H3s3-2 3-9M10.3 21a1.94 1.94 0 0 0 3.4 0"
              fill="none"
              stroke="currentColor"
              strokeWidth="1.8"
              strokeLinecap="round"
              strokeLinejoin="round"
            />
          </svg>
          {items.length > 0 && (
            <span
              data-testid="notification-count"
              className={`absolute -top-0.5 -right-0.5 min-w-4 rounded-full px-1 text-[10px] leading-4 font-semibold text-white ${urgent ? "bg-red-500" : "bg-amber-500"}`}
            >
              {items.length}
            </span>
          )}
        </Button>
      }
    >
      <div className="border-b border-zinc-200 px-4 py-2.5 dark:border-zinc-800">
        <h2 className="text-sm font-semibold">Notifications</h2>
        <p className="text-xs text-zinc-500">This project in the chosen range, against the period before it</p>
      </div>
      {answer.error && <p className="error px-4 py-3 text-sm text-red-600 dark:text-red-400">{answer.error.message}</p>}
      {answer.data && items.length === 0 && <p className="px-4 py-6 text-center text-sm text-zinc-500">Nothing to report.</p>}
      {!answer.data && !answer.error && <p className="px-4 py-6 text-center text-sm text-zinc-500">Loading…</p>}
      <ul className="max-h-96 divide-y divide-zinc-100 overflow-y-auto dark:divide-zinc-800" data-testid="notifications">
        {items.map((n) => (
          <li key={n.id} className="flex flex-col gap-1 px-4 py-3 text-sm" data-kind={n.kind}>
            <div className="flex items-center gap-2">
              <Badge tone={SEVERITY_TONES[n.severity]}>{n.severity}</Badge>
              <span className="text-xs text-zinc-500">{n.scope === "studio" ? "whole Studio" : "this project"}</span>
            </div>
            <p>{n.message}</p>
            {n.traces_query && (
              <PopoverClose asChild>
                <a
                  className="self-start text-xs font-medium text-brand-600 hover:underline dark:text-brand-500"
                  href={tracesBehind(state, n.traces_query)}
                >
                  Show the traces →
                </a>
              </PopoverClose>
            )}
          </li>
        ))}
      </ul>
    </Popover>
  );
}
