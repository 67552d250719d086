// The project's chains (name, description, latest version, labels) and LLM providers.
import { when } from "../datasets/when";
import { ErrorText } from "../datasets/Dialog";
import { pageHref, ViewState } from "../route";
import { Badge } from "../ui/Badge";
import { Card, CardHeader } from "../ui/Card";
import { Table, TD, TH, THead, TR } from "../ui/Table";
import { useChains } from "./chainQueries";
import { ProvidersCard } from "./ProvidersCard";

export function ChainsPage({ state, project }: { state: ViewState; project: string }) {
  const chains = useChains(project);
  return (
    <div className="flex flex-col gap-4">
      <div className="flex items-center justify-between">
        <h1 className="text-lg font-semibold">Chains</h1>
        <a
          className="inline-flex h-8 items-center rounded-md bg-brand-600 px-3 text-sm font-medium text-white shadow-sm hover:bg-brand-700"
          href={pageHref(state, "playground")}
        >
          New chain in the Playground
        </a>
      </div>
      <Card data-testid="chains">
        <CardHeader title="Saved chains" />
        <ErrorText error={chains.error} />
        {chains.data?.length === 0 && (
          <p className="px-4 py-8 text-center text-sm text-zinc-500">
            No chains yet. Build one in the Playground, import a GreenLang workflow there, or save one with the SDK.
          </p>
        )}
        {chains.data && chains.data.length > 0 && (
          <Table aria-label="chains">
            <THead>
              <tr>
                <TH>Name</TH>
                <TH>Latest version</TH>
                <TH>Labels</TH>
                <TH>Updated</TH>
                <TH />
              </tr>
            </THead>
            <tbody>
              {chains.data.map((c) => (
                <TR key={c.name} className="chain-row">
                  <TD>
                    <a className="font-medium text-brand-700 hover:underline dark:text-brand-400" href={pageHref(state, "chain", { chain: c.name })}>
                      {c.name}
                    </a>
                    {c.description && <div className="max-w-md truncate text-xs text-zinc-500">{c.description}</div>}
                  </TD>
                  <TD className="tabular-nums">v{c.latest_version}</TD>
                  <TD>
                    <div className="flex flex-wrap gap-1">
                      {Object.entries(c.labels).map(([label, version]) => (
                        <Badge key={label} tone={label === "production" ? "green" : "blue"}>
                          {label} → v{version}
                        </Badge>
                      ))}
                    </div>
                  </TD>
                  <TD className="whitespace-nowrap text-zinc-500">{when(c.updated_at)}</TD>
                  <TD className="text-right">
                    <a className="text-sm hover:underline" href={pageHref(state, "playground", { chain: c.name })}>
                      Open in Playground
                    </a>
                  </TD>
                </TR>
              ))}
            </tbody>
          </Table>
        )}
      </Card>
      <ProvidersCard project={project} />
    </div>
  );
}
