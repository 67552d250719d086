import { useCallback, useEffect, useRef, useState } from "react";
import { listProjects } from "./api";
import { useRoute } from "./route";
import { CostCarbon } from "./CostCarbon";
import { SpanSearch } from "./SpanSearch";
import { TraceList } from "./TraceList";
import { TraceView } from "./TraceView";

export function App() {
  const route = useRoute();
  const [projects, setProjects] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);

  // Once per visit, and not while the first page loads: the project list counts
  // every project's traces (the whole summary table), so it would only slow the
  // list down. Opening the selector asks for it at once.
  const asked = useRef(false);
  const loadProjects = useCallback(() => {
    if (asked.current) return;
    asked.current = true;
    listProjects()
      .then((r) => setProjects(r.projects.map((p) => p.name)))
      .catch((e: Error) => setError(e.message));
  }, []);
  useEffect(() => {
    const later = setTimeout(loadProjects, 1500);
    return () => clearTimeout(later);
  }, [loadProjects]);

  const project = route.project ?? projects[0] ?? "default";
  return (
    <div className="app">
      <header>
        <a className="brand" href={`#/${encodeURIComponent(project)}`}>
          GreenLang Studio
        </a>
        <label>
          Project{" "}
          <select
            aria-label="project"
            value={project}
            onFocus={loadProjects}
            onMouseDown={loadProjects}
            onChange={(e) => (location.hash = `#/${encodeURIComponent(e.target.value)}`)}
          >
            {[...new Set([project, ...projects])].map((p) => (
              <option key={p}>{p}</option>
            ))}
          </select>
        </label>
        <nav>
          {(
            [
              ["traces", "Traces", ""],
              ["spans", "Spans", "/spans"],
              ["costs", "Cost & carbon", "/costs"],
            ] as const
          ).map(([page, label, path]) => (
            <a
              key={page}
              className={route.page === page || (page === "traces" && route.page === "trace") ? "current" : ""}
              href={`#/${encodeURIComponent(project)}${path}`}
            >
              {label}
            </a>
          ))}
        </nav>
      </header>
      {error && <p className="error">Projects could not be listed: {error}</p>}
      <main>
        {route.page === "trace" ? (
          <TraceView project={route.project} traceId={route.traceId} window={route.window} />
        ) : route.page === "spans" ? (
          <SpanSearch project={project} />
        ) : route.page === "costs" ? (
          <CostCarbon project={project} />
        ) : (
          <TraceList project={project} />
        )}
      </main>
    </div>
  );
}
