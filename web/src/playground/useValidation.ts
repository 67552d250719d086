// Validation as the person types: the builder's definition, once it has been still for
// a moment, checked by POST .../chains/validate (as a save would, cycles included when
// it is a chain's new version). Fields that are not JSON are named here first, without
// asking the server.
import { useEffect, useState } from "react";
import { ApiError } from "../api";
import { ChainDefinitionJson, validateChain } from "../chains/chainsApi";
import type { BuilderProblem } from "./builder";
import { Located, locateError } from "./validationErrors";

export type Validation =
  | { state: "checking" }
  | { state: "valid" }
  | { state: "invalid"; errors: Located[] }
  | { state: "unavailable"; message: string };

const WAIT_MS = 350;

export function useValidation(project: string, definition: ChainDefinitionJson, problems: BuilderProblem[], chain: string | null): Validation {
  const text = JSON.stringify(definition);
  const problemText = JSON.stringify(problems);
  const [result, setResult] = useState<Validation>({ state: "checking" });
  useEffect(() => {
    if (problems.length) {
      setResult({
        state: "invalid",
        errors: problems.map((p) => ({
          step: p.step,
          stepId: null,
          field: p.field,
          message: `${p.step === null ? "" : `steps[${p.step}].`}${p.field}: ${p.message}`,
        })),
      });
      return;
    }
    setResult({ state: "checking" });
    const abort = new AbortController();
    const later = setTimeout(async () => {
      try {
        await validateChain(project, JSON.parse(text), chain, abort.signal);
        setResult({ state: "valid" });
      } catch (e) {
        if (abort.signal.aborted) return;
        if (e instanceof ApiError && e.status === 400) setResult({ state: "invalid", errors: [locateError(e.message)] });
        else setResult({ state: "unavailable", message: e instanceof Error ? e.message : String(e) });
      }
    }, WAIT_MS);
    return () => {
      clearTimeout(later);
      abort.abort();
    };
    // the texts stand for the objects (new each render)
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [project, text, problemText, chain]);
  return result;
}
