//! Streaming percentiles: mergeable quantile sketches ([`quantile`]), collected
//! per project, minute and group from span batches ([`accumulator`]) and
//! persisted as delta rows that ClickHouse adds up ([`delta_rows`]).

mod accumulator;
mod delta_rows;
mod quantile;
mod row_keys;
#[cfg(test)]
mod test_values;

pub use accumulator::*;
pub use delta_rows::sketch_delta_schema;
pub use quantile::*;
pub use row_keys::{GroupKind, Metric, Population};
