// A summary card: a figure, its change against the period before, a note.
import { Card } from "../ui/Card";
import { cn } from "../ui/cn";
import { changeText } from "./metricFigures";

/** `goodWhenUp`: whether a rise is good news (success rate) or bad (cost). */
export function Change({ value, goodWhenUp = false, text }: { value: number | null | undefined; goodWhenUp?: boolean; text?: string }) {
  if (value === null || value === undefined) return null;
  const good = value === 0 ? true : value > 0 === goodWhenUp;
  return (
    <span
      className={cn(
        "change ml-1.5 text-xs font-medium",
        good ? "text-emerald-600 dark:text-emerald-400" : "text-red-600 dark:text-red-400",
      )}
      title="against the period before"
    >
      {text ?? changeText(value)}
    </span>
  );
}

export function FigureCard(props: {
  testId: string;
  title: string;
  value: string;
  change?: React.ReactNode;
  children?: React.ReactNode;
}) {
  return (
    <Card className="card flex flex-col gap-1 px-4 py-3" data-testid={props.testId}>
      <h3 className="text-xs font-medium text-zinc-500">{props.title}</h3>
      <div className="flex items-baseline">
        <strong className="text-2xl font-semibold tracking-tight tabular-nums">{props.value}</strong>
        {props.change}
      </div>
      {props.children && <p className="text-xs text-zinc-500">{props.children}</p>}
    </Card>
  );
}
