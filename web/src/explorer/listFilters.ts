// The trace list's filters as the list and facets endpoints take them: the
// state's own fields plus listFilters (repeated values), one object that also
// keys the cached queries, so a filter change asks again.
import type { TraceFilters } from "../queries";
import type { ViewState } from "../route";

type Filters = Record<string, string | string[]>;

/** Typed as queries.ts's TraceFilters (the four filters it was written for): the
 * queries spread the object into the request's parameters, so the others (and
 * lists, sent as repeated parameters) pass through as they are. */
export function listFilters(state: ViewState): TraceFilters {
  const { model, ...others } = state.listFilters;
  // model repeats: all the chosen values (state.model alone from older links)
  const models = model?.length ? model : state.model ? [state.model] : [];
  const filters: Filters = {
    status: state.status,
    name: state.name,
    environment: state.environment,
    ...others,
    model: models.length === 0 ? "" : models.length === 1 ? models[0] : models,
  };
  return filters as unknown as TraceFilters;
}

/** The facets' filters: those of the list, so a count is the rows a tick shows.
 * With none set it is the key the shell's unfiltered counts use, so they share one
 * request; with any, each facet counts over the other filters only (disjunctive),
 * so a ticked value's neighbours keep their counts and can be ticked too. */
export function facetFilters(filters: TraceFilters): Omit<TraceFilters, "name"> {
  const { name, ...rest } = filters as unknown as Filters;
  const filtered = Object.values(filters as unknown as Filters).some((v) => (Array.isArray(v) ? v.length > 0 : v !== ""));
  if (!filtered) return rest as unknown as Omit<TraceFilters, "name">;
  return { ...rest, name, disjunctive: "true" } as unknown as Omit<TraceFilters, "name">;
}
