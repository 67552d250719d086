//! Python bindings of `crate::pricing` (placeholder until the module lands).

use pyo3::prelude::*;

/// Adds this concept's classes and functions to `_core`; returns their names for `__all__`.
pub(crate) fn register(_m: &Bound<'_, PyModule>) -> PyResult<Vec<&'static str>> {
    Ok(Vec::new())
}
