"""Reading traces back: trace lists with facets, one trace, span search."""
