// The trace list's filters as the list and facets endpoints take them: the
// state's own fields plus listFilters (repeated values), one object that also
// keys the cached queries, so a filter change asks again.
import type { TraceFilters } from "../queries";
import type { ViewState } from "../route";

/** The queries spread the object into the request's parameters; lists are sent
 * as repeated parameters. */
export function listFilters(state: ViewState): TraceFilters {
  const { model, ...others } = state.listFilters;
  // model repeats: all the chosen values (state.model alone from older links)
  const models = model?.length ? model : state.model ? [state.model] : [];
  return {
    status: state.status,
    name: state.name,
    environment: state.environment,
    ...others,
    model: models.length === 0 ? "" : models.length === 1 ? models[0] : models,
  };
}

/** The facets' filters: those of the list, so a count is the rows a tick shows.
 * With none set it is the key the shell's unfiltered counts use, so they share one
 * request; with any, each facet counts over the other filters only (disjunctive),
 * so a ticked value's neighbours keep their counts and can be ticked too. */
export function facetFilters(filters: TraceFilters): TraceFilters {
  const { name, ...rest } = filters;
  const filtered = Object.values(filters).some((v) => (Array.isArray(v) ? v.length > 0 : v !== ""));
  if (!filtered) return rest;
  return { ...rest, name, disjunctive: "true" };
}
