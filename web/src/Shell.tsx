// The header on every page: logo, project and environment, navigation, the time
// range shared by all pages, and the theme. Everything it sets lives in the URL.
import { useEffect, useState } from "react";
import { count } from "./format";
import { useFacets, useProjects } from "./queries";
import { navigate, Page, pageHref, ViewState } from "./route";
import { NotificationCentre } from "./NotificationCentre";
import { RangePicker } from "./RangePicker";
import { setThemeChoice, ThemeChoice, useThemeChoice } from "./theme";
import { Button } from "./ui/Button";
import { cn } from "./ui/cn";
import { ChoiceMenu } from "./ui/Menu";
import { Select } from "./ui/Select";

/** The navigation, by section. Only pages that are built appear. */
const NAVIGATION: { section: string | null; items: { page: Page; label: string; also?: Page[] }[] }[] = [
  {
    section: null,
    items: [
      { page: "traces", label: "Traces", also: ["trace"] },
      { page: "spans", label: "Spans" },
    ],
  },
  {
    section: "Analytics",
    items: [
      { page: "performance", label: "Performance" },
      { page: "costs", label: "Cost" },
      { page: "tokens", label: "Tokens" },
      { page: "carbon", label: "Carbon" },
    ],
  },
  {
    section: "Testing",
    items: [
      { page: "datasets", label: "Datasets", also: ["dataset"] },
      { page: "experiments", label: "Experiments", also: ["experiment", "compare"] },
    ],
  },
  {
    section: "Build",
    items: [
      { page: "playground", label: "Playground" },
      { page: "chains", label: "Chains", also: ["chain"] },
    ],
  },
];

export function Logo() {
  return (
    <svg width="22" height="22" viewBox="0 0 24 24" aria-hidden="true">
      <rect width="24" height="24" rx="6" className="fill-brand-600" />
      <path
        d="M7 15.5c0-4.5 3.5-8 10-8.5-.4 6.5-4 10-8.5 10-.6 0-1-.1-1.5-.3M7 17.5l4.5-4.5"
        fill="none"
        stroke="white"
        strokeWidth="1.8"
        strokeLinecap="round"
      />
    </svg>
  );
}

function useSettled(ms: number): boolean {
  const [settled, setSettled] = useState(false);
  useEffect(() => {
    const later = setTimeout(() => setSettled(true), ms);
    return () => clearTimeout(later);
  }, [ms]);
  return settled;
}

export function Shell({ state, project, children }: { state: ViewState; project: string; children: React.ReactNode }) {
  // The project list reads much (every project's traces): asked when its selector
  // opens, or once the page has settled, so it never slows the first answer down.
  // The environments are the range's facet counts: the unfiltered trace list asks
  // for the same query (shared by key); elsewhere they are asked when the selector opens.
  const settled = useSettled(1500);
  const [projectsWanted, setProjectsWanted] = useState(false);
  const [environmentsWanted, setEnvironmentsWanted] = useState(false);
  const projects = useProjects(settled || projectsWanted);
  const environments = useFacets(project, state.range, { status: "", model: "", environment: "" }, environmentsWanted);
  const projectNames = [...new Set([project, ...(projects.data?.projects.map((p) => p.name) ?? [])])];
  const environmentCounts = environments.data?.environment ?? [];
  const environmentOptions = [
    { value: "", label: "All environments" },
    ...environmentCounts.map((e) => ({ value: e.value, label: `${e.value} (${count(e.count)})` })),
  ];
  if (state.environment && !environmentCounts.some((e) => e.value === state.environment)) {
    environmentOptions.push({ value: state.environment, label: state.environment });
  }

  return (
    <div className="flex min-h-screen flex-col">
      <header className="sticky top-0 z-40 border-b border-zinc-200 bg-white/90 backdrop-blur dark:border-zinc-800 dark:bg-zinc-950/90">
        <div className="flex h-12 items-center gap-3 px-4">
          <a href={pageHref({ ...state, project }, "traces")} className="flex items-center gap-2 font-semibold tracking-tight">
            <Logo />
            <span className="hidden whitespace-nowrap sm:inline">GreenLang Studio</span>
          </a>
          <span className="text-zinc-300 dark:text-zinc-700">/</span>
          <Select
            label="project"
            value={project}
            options={projectNames.map((p) => ({ value: p, label: p }))}
            onOpenChange={(open) => open && setProjectsWanted(true)}
            onValueChange={(p) => {
              location.hash = pageHref({ ...state, project: p }, state.page === "trace" ? "traces" : state.page);
            }}
            triggerClassName="border-transparent shadow-none font-medium"
          />
          <Select
            label="environment"
            value={state.environment}
            options={environmentOptions}
            onOpenChange={(open) => open && setEnvironmentsWanted(true)}
            onValueChange={(environment) => navigate({ environment })}
            icon={
              <span
                className={cn("size-2 rounded-full", state.environment ? "bg-amber-500" : "bg-zinc-300 dark:bg-zinc-600")}
                aria-hidden="true"
              />
            }
            triggerClassName="text-xs h-7"
          />
          <nav aria-label="pages" className="ml-4 flex items-center gap-1 text-sm">
            {NAVIGATION.map(({ section, items }) => (
              <div key={section ?? "main"} className="flex items-center gap-1">
                {/* the section names show where the window has room for them (1536 px) */}
                {section && (
                  <span className="ml-2 flex h-4 items-center border-l border-zinc-200 pl-2 text-[11px] font-medium tracking-wide text-zinc-400 uppercase 2xl:pl-3 dark:border-zinc-800">
                    <span className="hidden 2xl:inline">{section}</span>
                  </span>
                )}
                {items.map((item) => {
                  const current = state.page === item.page || item.also?.includes(state.page);
                  return (
                    <a
                      key={item.page}
                      href={pageHref({ ...state, project }, item.page)}
                      aria-current={current ? "page" : undefined}
                      className={cn(
                        "rounded-md px-2.5 py-1.5 font-medium whitespace-nowrap",
                        current
                          ? "bg-zinc-100 text-zinc-900 dark:bg-zinc-800 dark:text-white"
                          : "text-zinc-500 hover:text-zinc-900 dark:text-zinc-400 dark:hover:text-white",
                      )}
                    >
                      {item.label}
                    </a>
                  );
                })}
              </div>
            ))}
          </nav>
          <div className="ml-auto flex items-center gap-2">
            <RangePicker range={state.range} />
            <NotificationCentre state={state} project={project} after={settled} />
            <ThemeMenu />
          </div>
        </div>
      </header>
      <main className="flex-1 px-4 py-4">{children}</main>
    </div>
  );
}

function ThemeMenu() {
  const choice = useThemeChoice();
  return (
    <ChoiceMenu
      label="Theme"
      value={choice}
      choices={[
        { value: "system", label: "System" },
        { value: "light", label: "Light" },
        { value: "dark", label: "Dark" },
      ]}
      onValueChange={(v) => setThemeChoice(v as ThemeChoice)}
      trigger={
        <Button variant="ghost" size="sm" aria-label="theme" className="w-8 px-0">
          <svg width="16" height="16" viewBox="0 0 24 24" aria-hidden="true">
            <path
              d="M12 3a9 9 0 1 0 9 9A7 7 0 0 1 12 3Z"
              fill="none"
              stroke="currentColor"
              strokeWidth="1.8"
              strokeLinejoin="round"
            />
          </svg>
        </Button>
      }
    />
  );
}
