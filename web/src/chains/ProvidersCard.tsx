// The project's LLM providers: name, endpoint and whether a key is stored (only its
// hint: the key is never answered). Add one with its key (a password field), replace
// one's endpoint or key (left empty, the stored key stays), delete one.
import { useState } from "react";
import { Dialog, ErrorText, Field } from "../datasets/Dialog";
import { when } from "../datasets/when";
import { Button } from "../ui/Button";
import { Card, CardHeader } from "../ui/Card";
import { Input } from "../ui/Input";
import { Table, TD, TH, THead, TR } from "../ui/Table";
import { ConfirmButton } from "./ConfirmButton";
import { useProviders, useRefreshChains } from "./chainQueries";
import { createProvider, deleteProvider, LlmProvider, replaceProvider } from "./chainsApi";

export function ProvidersCard({ project }: { project: string }) {
  const providers = useProviders(project);
  const refresh = useRefreshChains(project);
  const [editing, setEditing] = useState<LlmProvider | "new" | null>(null);
  return (
    <Card data-testid="providers">
      <CardHeader title="LLM providers">
        <Button variant="primary" size="sm" onClick={() => setEditing("new")}>
          Add provider
        </Button>
      </CardHeader>
      <ErrorText error={providers.error} />
      {providers.data?.length === 0 && (
        <p className="px-4 py-6 text-center text-sm text-zinc-500">
          No providers yet. An LLM step calls one by name: any OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, LiteLLM...).
        </p>
      )}
      {providers.data && providers.data.length > 0 && (
        <Table aria-label="providers">
          <THead>
            <tr>
              <TH>Name</TH>
              <TH>Endpoint</TH>
              <TH>Key</TH>
              <TH>Updated</TH>
              <TH />
            </tr>
          </THead>
          <tbody>
            {providers.data.map((p) => (
              <TR key={p.name} className="provider-row">
                <TD className="font-medium">{p.name}</TD>
                <TD className="font-mono text-xs">{p.base_url}</TD>
                <TD className="font-mono text-xs" data-testid="key-hint">
                  {p.has_api_key ? p.api_key_hint : <span className="text-zinc-400">none</span>}
                </TD>
                <TD className="whitespace-nowrap text-zinc-500">{when(p.updated_at)}</TD>
                <TD className="text-right whitespace-nowrap">
                  <Button size="sm" variant="ghost" onClick={() => setEditing(p)}>
                    Replace
                  </Button>
                  <ConfirmButton
                    label="Delete"
                    variant="ghost"
                    ariaLabel={`delete provider ${p.name}`}
                    title={`Delete the provider ${p.name}?`}
                    description="Its key goes with it. Chains calling it stay as saved; a run of one fails at its LLM step."
                    confirm="Delete"
                    onConfirm={async () => {
                      await deleteProvider(project, p.name);
                      await refresh();
                    }}
                  />
                </TD>
              </TR>
            ))}
          </tbody>
        </Table>
      )}
      {editing && (
        <ProviderDialog
          project={project}
          provider={editing === "new" ? null : editing}
          onDone={async () => {
            setEditing(null);
            await refresh();
          }}
          onCancel={() => setEditing(null)}
        />
      )}
    </Card>
  );
}

function ProviderDialog(props: { project: string; provider: LlmProvider | null; onDone: () => void; onCancel: () => void }) {
  const [name, setName] = useState(props.provider?.name ?? "");
  const [baseUrl, setBaseUrl] = useState(props.provider?.base_url ?? "https://api.openai.com/v1");
  const [key, setKey] = useState("");
  const [removeKey, setRemoveKey] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const replacing = props.provider !== null;
  return (
    <Dialog
      open
      onOpenChange={(open) => !open && props.onCancel()}
      title={replacing ? `Replace ${props.provider!.name}` : "Add an LLM provider"}
      description="Any OpenAI-compatible chat-completions endpoint. The key is sealed on the server and never shown again."
    >
      <form
        aria-label="provider"
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError(null);
          try {
            if (replacing)
              await replaceProvider(props.project, props.provider!.name, {
                base_url: baseUrl,
                ...(removeKey ? { api_key: null } : key ? { api_key: key } : {}),
              });
            else await createProvider(props.project, { name, base_url: baseUrl, ...(key ? { api_key: key } : {}) });
            props.onDone();
          } catch (err) {
            setError(err);
          } finally {
            setBusy(false);
          }
        }}
      >
        {!replacing && (
          <Field label="Name">
            <Input aria-label="provider name" value={name} onChange={(e) => setName(e.target.value)} placeholder="openai" required />
          </Field>
        )}
        <Field label="Base URL">
          <Input aria-label="base URL" value={baseUrl} onChange={(e) => setBaseUrl(e.target.value)} required />
        </Field>
        <Field label={replacing ? `API key (stored: ${props.provider!.api_key_hint ?? "none"}; empty keeps it)` : "API key"}>
          <Input
            aria-label="API key"
            type="password"
            autoComplete="off"
            value={key}
            disabled={removeKey}
            onChange={(e) => setKey(e.target.value)}
          />
        </Field>
        {replacing && props.provider!.has_api_key && (
          <label className="mb-3 flex items-center gap-2 text-sm">
            <input type="checkbox" checked={removeKey} onChange={(e) => setRemoveKey(e.target.checked)} /> Remove the stored key
          </label>
        )}
        <ErrorText error={error} />
        <div className="mt-4 flex justify-end gap-2">
          <Button onClick={props.onCancel}>Cancel</Button>
          <Button type="submit" variant="primary" disabled={busy}>
            {replacing ? "Replace" : "Add"}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
