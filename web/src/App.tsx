import { useEffect, useState } from "react";
import { listProjects } from "./api";
import { useRoute } from "./route";
import { TraceList } from "./TraceList";
import { TraceView } from "./TraceView";

export function App() {
  const route = useRoute();
  const [projects, setProjects] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    listProjects()
      .then((r) => setProjects(r.projects.map((p) => p.name)))
      .catch((e: Error) => setError(e.message));
  }, [route.project]);

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
            onChange={(e) => (location.hash = `#/${encodeURIComponent(e.target.value)}`)}
          >
            {[...new Set([project, ...projects])].map((p) => (
              <option key={p}>{p}</option>
            ))}
          </select>
        </label>
      </header>
      {error && <p className="error">Projects could not be listed: {error}</p>}
      <main>
        {route.page === "trace" ? (
          <TraceView project={route.project} traceId={route.traceId} window={route.window} />
        ) : (
          <TraceList project={project} />
        )}
      </main>
    </div>
  );
}
