// The span inspector's Scores section: the trace's scores (the span's marked), and a
// form for a person to add one to the span or the whole trace, typed by data type.
// A person's own scores (their name, kept in this browser) can be deleted; a judge's
// score links to the judge's own trace.
import { useState } from "react";
import { Button } from "../ui/Button";
import { Input } from "../ui/Input";
import { Select } from "../ui/Select";
import { cn } from "../ui/cn";
import { EvaluateTrace } from "./EvaluateTrace";
import { JudgeTraceLink } from "./JudgeTraceLink";
import { scoreValueText } from "./scoreText";
import type { ScoreDataType, ScoreInput, StoredScore } from "./scoresApi";
import { useScoreChanges, useScoreConfigs, useScoreNames, useTraceScores } from "./useScores";

const AUTHOR_KEY = "gls.scoreAuthor";
const TYPES = [
  { value: "numeric", label: "Number" },
  { value: "categorical", label: "Label" },
  { value: "boolean", label: "True / false" },
];

function storedAuthor(): string {
  try {
    return localStorage.getItem(AUTHOR_KEY) ?? "";
  } catch {
    return "";
  }
}

export function ScoresSection({ project, traceId, spanId }: { project: string; traceId: string; spanId: string }) {
  const scores = useTraceScores(project, traceId);
  const [author, setAuthor] = useState(storedAuthor);
  const { remove } = useScoreChanges(project, traceId);
  const list = scores.data ?? [];
  return (
    <section className="border-t border-zinc-200 px-4 py-3 dark:border-zinc-800" data-testid="span-scores" aria-label="scores">
      <h3 className="mb-2 text-[11px] font-medium tracking-wide text-zinc-500 uppercase">Scores</h3>
      {scores.error && <p className="error text-sm text-red-600">{scores.error.message}</p>}
      {list.length === 0 && !scores.isPending && <p className="text-sm text-zinc-500">No scores yet.</p>}
      <ul className="mb-3 flex flex-col gap-1 text-sm">
        {list.map((score) => (
          <ScoreRow
            key={score.id}
            score={score}
            here={score.span_id === spanId}
            deletable={score.source === "human" && !!author && score.author === author}
            onDelete={() => remove.mutate(score.id)}
          />
        ))}
      </ul>
      {remove.error && <p className="error text-sm text-red-600">{remove.error.message}</p>}
      <AddScore project={project} traceId={traceId} spanId={spanId} author={author} setAuthor={setAuthor} />
      <EvaluateTrace project={project} traceId={traceId} spanId={spanId} />
    </section>
  );
}

function ScoreRow({ score, here, deletable, onDelete }: { score: StoredScore; here: boolean; deletable: boolean; onDelete: () => void }) {
  const who = score.source === "human" ? score.author || "a person" : score.source === "evaluator" ? score.evaluator || "an evaluator" : "the API";
  return (
    <li className={cn("score flex flex-col rounded px-1 py-0.5", here && "bg-violet-50 dark:bg-violet-950/40")} data-score-id={score.id}>
      <div className="flex items-center gap-2">
        <bdi className="score-name font-medium">{score.name}</bdi>
        <bdi className="score-value tabular-nums">{scoreValueText(score)}</bdi>
        <span className="text-xs text-zinc-500">
          {score.span_id ? (here ? "this span" : "a span") : "trace"} · {who}
        </span>
        <JudgeTraceLink traceId={score.judge_trace_id} />
        {deletable && (
          <Button size="sm" variant="ghost" className="ml-auto" aria-label={`Delete score ${score.name}`} onClick={onDelete}>
            Delete
          </Button>
        )}
      </div>
      {score.comment && <p className="score-comment text-xs whitespace-pre-wrap text-zinc-600 dark:text-zinc-400">{score.comment}</p>}
    </li>
  );
}

function AddScore(props: { project: string; traceId: string; spanId: string; author: string; setAuthor: (a: string) => void }) {
  const { project, traceId, spanId, author, setAuthor } = props;
  const names = useScoreNames(project);
  const configs = useScoreConfigs(project);
  const { add } = useScoreChanges(project, traceId);
  const [name, setName] = useState("");
  const [dataType, setDataType] = useState<ScoreDataType>("numeric");
  const [value, setValue] = useState("");
  const [comment, setComment] = useState("");
  const [target, setTarget] = useState<"span" | "trace">("span");
  const known = names.data?.find((n) => n.name === name.trim());
  const config = configs.data?.find((c) => c.name === name.trim());
  // a name keeps its type in a project (its config's, or its scores'): the form follows it
  const type = config?.data_type ?? known?.data_type ?? dataType;
  const bounds = config && type === "numeric" ? [config.min_value, config.max_value] : [null, null];
  const number = Number(value);
  const inBounds = (bounds[0] === null || number >= bounds[0]) && (bounds[1] === null || number <= bounds[1]);
  const valid =
    name.trim() !== "" &&
    (type === "boolean"
      ? value === "true" || value === "false"
      : type === "numeric"
        ? value.trim() !== "" && Number.isFinite(number) && inBounds
        : value.trim() !== "" && (!config?.categories || config.categories.includes(value)));
  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    if (!valid) return;
    try {
      localStorage.setItem(AUTHOR_KEY, author);
    } catch {
      // storage refused: the name lasts this page
    }
    const score: ScoreInput = {
      trace_id: traceId,
      span_id: target === "span" ? spanId : null,
      name: name.trim(),
      data_type: type,
      value: type === "numeric" ? number : type === "boolean" ? value === "true" : value.trim(),
      comment: comment.trim() || null,
      source: "human",
      author: author.trim() || null,
    };
    add.mutate(score, {
      onSuccess: () => {
        setValue("");
        setComment("");
      },
    });
  };
  return (
    <form className="add-score flex flex-col gap-1.5 text-sm" aria-label="add a score" onSubmit={submit}>
      <div className="flex flex-wrap gap-1.5">
        <Input aria-label="score name" placeholder="name" list="score-names" value={name} onChange={(e) => setName(e.target.value)} className="w-32" />
        <datalist id="score-names">
          {[...new Set([...(configs.data ?? []).map((c) => c.name), ...(names.data ?? []).map((n) => n.name)])].map((n) => (
            <option key={n} value={n} />
          ))}
        </datalist>
        <Select label="score type" value={type} options={TYPES} onValueChange={(v) => setDataType(v as ScoreDataType)} />
        {type === "categorical" && config?.categories ? (
          <Select
            label="score value"
            value={value}
            options={config.categories.map((c) => ({ value: c, label: c }))}
            onValueChange={setValue}
          />
        ) : type === "boolean" ? (
          <Select
            label="score value"
            value={value}
            options={[
              { value: "true", label: "true" },
              { value: "false", label: "false" },
            ]}
            onValueChange={setValue}
          />
        ) : (
          <Input
            aria-label="score value"
            placeholder={type === "numeric" ? (bounds[0] !== null || bounds[1] !== null ? `${bounds[0] ?? "…"} to ${bounds[1] ?? "…"}` : "0.8") : "label"}
            inputMode={type === "numeric" ? "decimal" : undefined}
            list={type === "categorical" ? "score-labels" : undefined}
            value={value}
            onChange={(e) => setValue(e.target.value)}
            className="w-28"
          />
        )}
        <datalist id="score-labels">
          {known?.labels.map((l) => (
            <option key={l.label} value={l.label} />
          ))}
        </datalist>
      </div>
      <Input aria-label="score comment" placeholder="comment (optional)" value={comment} onChange={(e) => setComment(e.target.value)} maxLength={5000} />
      <div className="flex flex-wrap items-center gap-1.5">
        <Input aria-label="your name" placeholder="your name" value={author} onChange={(e) => setAuthor(e.target.value)} className="w-32" maxLength={200} />
        <Select
          label="score target"
          value={target}
          options={[
            { value: "span", label: "This span" },
            { value: "trace", label: "Whole trace" },
          ]}
          onValueChange={(v) => setTarget(v as "span" | "trace")}
        />
        <Button type="submit" variant="primary" size="sm" disabled={!valid || add.isPending}>
          Add score
        </Button>
      </div>
      {add.error && <p className="error text-red-600">{add.error.message}</p>}
    </form>
  );
}
