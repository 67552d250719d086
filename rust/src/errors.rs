//! The one error type of the core, and (with the `python` feature) its mapping
//! to the Python exceptions `CoreError`, `DecodeError`, `BodyTooLargeError`.

use std::fmt;

/// Deepest allowed nesting of `AnyValue` (a top-level attribute value is level 1).
pub const MAX_ANYVALUE_DEPTH: usize = 64;

pub(crate) const NESTING_MESSAGE: &str = "attribute value nested deeper than 64 levels";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// Truncated or garbage protobuf (includes prost's recursion limit).
    InvalidProtobuf(String),
    /// Not valid OTLP/JSON; line and column are 1-based (0 when unknown).
    InvalidJson {
        line: usize,
        column: usize,
        message: String,
    },
    /// The gzip stream is corrupt or truncated.
    InvalidGzip(String),
    /// The (inflated) body is larger than `max_body_bytes`.
    BodyTooLarge { limit: usize },
    /// A string field (name of the field given) is not valid UTF-8.
    InvalidUtf8(&'static str),
    /// An `AnyValue` is nested deeper than [`MAX_ANYVALUE_DEPTH`].
    NestingTooDeep,
    /// A text column of the batch would pass Arrow's 2 GiB offset limit.
    BatchTooLarge,
    /// A bad argument from the server itself (e.g. an invalid default project).
    InvalidArgument(String),
    /// The price data (genai-prices export) cannot be read.
    InvalidPriceData(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidProtobuf(m) => write!(f, "invalid protobuf: {m}"),
            Error::InvalidJson {
                line,
                column,
                message,
            } => {
                write!(f, "invalid JSON at line {line} column {column}: {message}")
            }
            Error::InvalidGzip(m) => write!(f, "invalid gzip stream: {m}"),
            Error::BodyTooLarge { limit } => {
                write!(f, "request body is larger than the limit of {limit} bytes")
            }
            Error::InvalidUtf8(field) => write!(f, "string field is not valid UTF-8 ({field})"),
            Error::NestingTooDeep => f.write_str(NESTING_MESSAGE),
            Error::BatchTooLarge => {
                f.write_str("request decodes to more than 2 GiB of text in one column")
            }
            Error::InvalidArgument(m) => f.write_str(m),
            Error::InvalidPriceData(m) => write!(f, "invalid price data: {m}"),
        }
    }
}

impl std::error::Error for Error {}

impl Error {
    pub(crate) fn from_prost(e: prost::DecodeError) -> Self {
        let s = e.to_string();
        let s = s
            .strip_prefix("failed to decode Protobuf message: ")
            .unwrap_or(&s);
        Error::InvalidProtobuf(s.to_owned())
    }

    pub(crate) fn from_json(e: serde_json::Error) -> Self {
        let full = e.to_string();
        let (line, column) = (e.line(), e.column());
        let suffix = format!(" at line {line} column {column}");
        let message = full.strip_suffix(&suffix).unwrap_or(&full);
        if message == NESTING_MESSAGE {
            return Error::NestingTooDeep;
        }
        Error::InvalidJson {
            line,
            column,
            message: message.to_owned(),
        }
    }

    /// Is this a client error (the request is bad) rather than a server one?
    pub fn is_decode_error(&self) -> bool {
        !matches!(self, Error::InvalidArgument(_) | Error::InvalidPriceData(_))
    }
}

#[cfg(feature = "python")]
mod python {
    use super::Error;
    use pyo3::exceptions::{PyException, PyValueError};
    use pyo3::prelude::*;
    use pyo3::sync::PyOnceLock;
    use pyo3::types::{PyDict, PyTuple, PyType};

    pub(crate) struct ExceptionTypes {
        pub core: Py<PyType>,
        pub decode: Py<PyType>,
        pub too_large: Py<PyType>,
    }

    static TYPES: PyOnceLock<ExceptionTypes> = PyOnceLock::new();

    fn make(
        py: Python<'_>,
        name: &str,
        bases: Bound<'_, PyTuple>,
        doc: &str,
    ) -> PyResult<Py<PyType>> {
        let ns = PyDict::new(py);
        ns.set_item("__module__", "gls_engine._core")?;
        ns.set_item("__doc__", doc)?;
        let builtins = py.import("builtins")?;
        let ty = builtins.getattr("type")?.call1((name, bases, ns))?;
        Ok(ty.cast_into::<PyType>()?.unbind())
    }

    /// The exception classes (created once; `DecodeError` has two bases,
    /// which `create_exception!` cannot express).
    pub(crate) fn exception_types(py: Python<'_>) -> PyResult<&ExceptionTypes> {
        TYPES.get_or_try_init(py, || {
            let core = make(
                py,
                "CoreError",
                PyTuple::new(py, [py.get_type::<PyException>()])?,
                "Base class of every error raised by gls_engine._core.",
            )?;
            let decode = make(
                py,
                "DecodeError",
                PyTuple::new(py, [core.bind(py).clone(), py.get_type::<PyValueError>()])?,
                "The request cannot be decoded at all (HTTP 400 / gRPC INVALID_ARGUMENT).",
            )?;
            let too_large = make(
                py,
                "BodyTooLargeError",
                PyTuple::new(py, [decode.bind(py).clone()])?,
                "The (inflated) request body is larger than max_body_bytes (HTTP 413).",
            )?;
            Ok(ExceptionTypes {
                core,
                decode,
                too_large,
            })
        })
    }

    impl From<Error> for PyErr {
        fn from(e: Error) -> PyErr {
            Python::attach(|py| {
                let types = match exception_types(py) {
                    Ok(t) => t,
                    Err(err) => return err,
                };
                let ty = match &e {
                    Error::BodyTooLarge { .. } | Error::BatchTooLarge => &types.too_large,
                    Error::InvalidArgument(_) | Error::InvalidPriceData(_) => &types.core,
                    _ => &types.decode,
                };
                PyErr::from_type(ty.bind(py).clone(), e.to_string())
            })
        }
    }
}

#[cfg(feature = "python")]
pub(crate) use python::exception_types;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_error_message_has_position() {
        let e = serde_json::from_str::<serde_json::Value>("{\"a\": tru}").unwrap_err();
        let e = Error::from_json(e);
        let s = e.to_string();
        assert!(s.starts_with("invalid JSON at line 1 column "), "{s}");
        assert!(!s.ends_with("column 8"), "{s}");
    }

    #[test]
    fn messages() {
        assert_eq!(Error::NestingTooDeep.to_string(), NESTING_MESSAGE);
        assert!(Error::InvalidUtf8("span name")
            .to_string()
            .starts_with("string field is not valid UTF-8"));
        assert!(Error::InvalidGzip("x".into())
            .to_string()
            .starts_with("invalid gzip stream: "));
    }
}
