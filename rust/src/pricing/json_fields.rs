//! Reading fields of the price-data JSON, with errors that say where
//! (shared by the loader, the model clauses and the unit table).

use serde_json::{Map, Value};

use crate::errors::{Error, Result};

pub(crate) fn invalid(message: String) -> Error {
    Error::InvalidPriceData(message)
}

pub(crate) fn field_str<'a>(obj: &'a Map<String, Value>, key: &str, ctx: &str) -> Result<&'a str> {
    obj.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| invalid(format!("{ctx}: `{key}` must be a string")))
}

pub(crate) fn field_u64(obj: &Map<String, Value>, key: &str, ctx: &str) -> Result<u64> {
    obj.get(key)
        .and_then(Value::as_u64)
        .ok_or_else(|| invalid(format!("{ctx}: `{key}` must be a non-negative integer")))
}

pub(crate) fn object<'a>(value: &'a Value, ctx: &str) -> Result<&'a Map<String, Value>> {
    value
        .as_object()
        .ok_or_else(|| invalid(format!("{ctx}: expected an object")))
}

pub(crate) fn array<'a>(value: &'a Value, ctx: &str) -> Result<&'a Vec<Value>> {
    value
        .as_array()
        .ok_or_else(|| invalid(format!("{ctx}: expected a list")))
}
