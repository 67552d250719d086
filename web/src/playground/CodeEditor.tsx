// A Monaco editor for a template, a JSON value or a JMESPath expression: controlled
// (value in, onChange out), in the page's light or dark theme, growing with its text up
// to a height. Monaco itself loads with the playground's chunk (monaco.ts).
import { useEffect, useRef } from "react";
import { useDark } from "../theme";
import { cn } from "../ui/cn";
import { monaco } from "./monaco";

export type EditorLanguage = "jinja" | "json" | "jmespath" | "yaml";

const LINE_PX = 19;

export function CodeEditor(props: {
  value: string;
  onChange?: (value: string) => void;
  language: EditorLanguage;
  /** the accessible name of the editor's text area */
  label: string;
  minLines?: number;
  maxLines?: number;
  readOnly?: boolean;
  invalid?: boolean;
  className?: string;
}) {
  const host = useRef<HTMLDivElement>(null);
  const editor = useRef<monaco.editor.IStandaloneCodeEditor | null>(null);
  const onChange = useRef(props.onChange);
  onChange.current = props.onChange;
  const dark = useDark();
  const minLines = props.minLines ?? 2;
  const maxLines = props.maxLines ?? 16;

  useEffect(() => {
    if (!host.current) return;
    const e = monaco.editor.create(host.current, {
      value: props.value,
      language: props.language,
      readOnly: props.readOnly,
      minimap: { enabled: false },
      lineNumbers: props.language === "jmespath" ? "off" : "on",
      lineNumbersMinChars: 3,
      folding: false,
      glyphMargin: false,
      scrollBeyondLastLine: false,
      wordWrap: "on",
      automaticLayout: true,
      fontSize: 12,
      lineHeight: LINE_PX,
      tabSize: 2,
      renderLineHighlight: "none",
      overviewRulerLanes: 0,
      scrollbar: { alwaysConsumeMouseWheel: false },
      ariaLabel: props.label,
      fixedOverflowWidgets: true,
    });
    editor.current = e;
    const fit = () => {
      const lines = Math.min(maxLines, Math.max(minLines, e.getModel()?.getLineCount() ?? 1));
      if (host.current) host.current.style.height = `${lines * LINE_PX + 8}px`;
      e.layout();
    };
    fit();
    const changed = e.onDidChangeModelContent(() => {
      fit();
      onChange.current?.(e.getValue());
    });
    return () => {
      changed.dispose();
      e.getModel()?.dispose();
      e.dispose();
      editor.current = null;
    };
    // created once per mount; value and options follow below
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    const e = editor.current;
    if (e && e.getValue() !== props.value) e.setValue(props.value);
  }, [props.value]);

  useEffect(() => {
    editor.current?.updateOptions({ readOnly: props.readOnly });
  }, [props.readOnly]);

  useEffect(() => {
    monaco.editor.setTheme(dark ? "vs-dark" : "vs");
  }, [dark]);

  return (
    <div
      ref={host}
      data-testid="code-editor"
      data-language={props.language}
      className={cn(
        "monaco-host overflow-hidden rounded-md border bg-white dark:bg-[#1e1e1e]",
        props.invalid ? "border-red-400 dark:border-red-700" : "border-zinc-200 dark:border-zinc-700",
        props.className,
      )}
    />
  );
}
