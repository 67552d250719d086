// Monaco, bundled with the app (nothing loads from elsewhere: the page's CSP allows only
// its own origin). Its web workers are Vite `?worker` builds, files of their own under
// /assets, which `worker-src` (falling back to `script-src 'self'`) allows; the editor's
// styles are injected <style> elements, which `style-src 'unsafe-inline'` allows.
// Loaded with the playground's chunk, never with the trace list. Only what the page
// uses: the editor with its features, JSON (with its worker) and YAML; not Monaco's
// TypeScript, CSS and HTML services, whose workers would add ~10 MB to the build.
import * as monaco from "monaco-editor/editor/editor.api";
import "monaco-editor/features/register.all";
import "monaco-editor/languages/features/json/register";
import "monaco-editor/languages/definitions/yaml/register";
import EditorWorker from "monaco-editor/editor/editor.worker?worker";
import JsonWorker from "monaco-editor/languages/features/json/json.worker?worker";

(self as unknown as { MonacoEnvironment: monaco.Environment }).MonacoEnvironment = {
  getWorker: (_moduleId: string, label: string) => (label === "json" ? new JsonWorker() : new EditorWorker()),
};

// JMESPath (transforms, conditions, mappings): identifiers, quoted names, raw strings,
// JSON literals in backticks, functions and operators.
monaco.languages.register({ id: "jmespath" });
monaco.languages.setMonarchTokensProvider("jmespath", {
  tokenizer: {
    root: [
      [/'(?:[^'\\]|\\.)*'/, "string"],
      [/"(?:[^"\\]|\\.)*"/, "string"],
      [/`(?:[^`\\]|\\.)*`/, "number"],
      [/-?\d+/, "number"],
      [/[A-Za-z_][A-Za-z0-9_]*(?=\s*\()/, "keyword"],
      [/[A-Za-z_][A-Za-z0-9_]*/, "identifier"],
      [/&&|\|\||==|!=|<=|>=|[<>!|&@*.?:,]/, "operator"],
      [/[[\]{}()]/, "@brackets"],
    ],
  },
});

// Jinja (LLM messages): text, {{ expressions }}, {% statements %}, {# comments #}.
monaco.languages.register({ id: "jinja" });
monaco.languages.setMonarchTokensProvider("jinja", {
  tokenizer: {
    root: [
      [/\{#/, "comment", "@comment"],
      [/\{\{-?/, "delimiter.bracket", "@code"],
      [/\{%-?/, "delimiter.bracket", "@code"],
      [/[^{]+/, ""],
      [/\{/, ""],
    ],
    comment: [
      [/#\}/, "comment", "@pop"],
      [/[^#]+/, "comment"],
      [/#/, "comment"],
    ],
    code: [
      [/-?\}\}/, "delimiter.bracket", "@pop"],
      [/-?%\}/, "delimiter.bracket", "@pop"],
      [/\b(if|elif|else|endif|for|in|endfor|set|not|and|or|is|true|false|none)\b/, "keyword"],
      [/'[^']*'|"[^"]*"/, "string"],
      [/\d+(\.\d+)?/, "number"],
      [/[A-Za-z_][A-Za-z0-9_]*/, "variable"],
      [/\|/, "operator"],
      [/./, ""],
    ],
  },
});

export { monaco };
