//! Scalar fields of OTLP/JSON: strings, hex ids, base64 bytes, booleans,
//! integers (JSON numbers or decimal strings), numbers (with `NaN` and the
//! infinities as strings), and enums (their integer or their name).

use std::fmt;

use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;
use bytes::Bytes;
use serde::de::{self, DeserializeSeed, Deserializer, Visitor};

macro_rules! scalar_seed {
    ($name:ident, $ty:ty, $expecting:expr, { $($body:tt)* }) => {
        #[derive(Clone, Copy)]
        pub(super) struct $name;
        impl<'de> DeserializeSeed<'de> for $name {
            type Value = $ty;
            fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<$ty, D::Error> {
                d.deserialize_any(self)
            }
        }
        impl<'de> Visitor<'de> for $name {
            type Value = $ty;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str($expecting)
            }
            fn visit_unit<E: de::Error>(self) -> Result<$ty, E> {
                Ok(<$ty>::default())
            }
            $($body)*
        }
    };
}

scalar_seed!(StrSeed, Bytes, "a string", {
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Bytes, E> {
        Ok(Bytes::copy_from_slice(s.as_bytes()))
    }
    fn visit_string<E: de::Error>(self, s: String) -> Result<Bytes, E> {
        Ok(Bytes::from(s.into_bytes()))
    }
});

scalar_seed!(HexSeed, Bytes, "a hex string", {
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Bytes, E> {
        decode_hex(s)
            .map(Bytes::from)
            .ok_or_else(|| E::custom(format!("id is not a hex string: {s:?}")))
    }
});

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    if b.len() % 2 != 0 {
        return None;
    }
    fn nib(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }
    b.chunks_exact(2)
        .map(|p| Some(nib(p[0])? << 4 | nib(p[1])?))
        .collect()
}

const B64_STD: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);
const B64_URL: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

scalar_seed!(B64Seed, Bytes, "a base64 string", {
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Bytes, E> {
        B64_STD
            .decode(s)
            .or_else(|_| B64_URL.decode(s))
            .map(Bytes::from)
            .map_err(|_| E::custom("bytesValue is not base64"))
    }
});

scalar_seed!(BoolSeed, bool, "a boolean", {
    fn visit_bool<E: de::Error>(self, b: bool) -> Result<bool, E> {
        Ok(b)
    }
});

/// Integers: JSON numbers (integral) or decimal strings.
macro_rules! int_seed {
    ($name:ident, $ty:ty, $expecting:expr) => {
        scalar_seed!($name, $ty, $expecting, {
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<$ty, E> {
                <$ty>::try_from(v)
                    .map_err(|_| E::custom(format!("{v} is out of range for {}", $expecting)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<$ty, E> {
                <$ty>::try_from(v)
                    .map_err(|_| E::custom(format!("{v} is out of range for {}", $expecting)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<$ty, E> {
                if v.fract() == 0.0 && v >= <$ty>::MIN as f64 && v <= <$ty>::MAX as f64 {
                    Ok(v as $ty)
                } else {
                    Err(E::custom(format!("{v} is not {}", $expecting)))
                }
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<$ty, E> {
                s.parse::<$ty>()
                    .map_err(|_| E::custom(format!("{s:?} is not {}", $expecting)))
            }
        });
    };
}

int_seed!(U64Seed, u64, "an unsigned 64-bit integer");
int_seed!(I64Seed, i64, "a 64-bit integer");
int_seed!(U32Seed, u32, "an unsigned 32-bit integer");

scalar_seed!(F64Seed, f64, "a number", {
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<f64, E> {
        Ok(v as f64)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<f64, E> {
        Ok(v as f64)
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<f64, E> {
        Ok(v)
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<f64, E> {
        match s {
            "NaN" => Ok(f64::NAN),
            "Infinity" => Ok(f64::INFINITY),
            "-Infinity" => Ok(f64::NEG_INFINITY),
            _ => s
                .parse()
                .map_err(|_| E::custom(format!("{s:?} is not a number"))),
        }
    }
});

/// An enum: its integer, or its name (`SPAN_KIND_SERVER`, `STATUS_CODE_ERROR`).
#[derive(Clone, Copy)]
pub(super) struct EnumSeed(pub(super) &'static [&'static str]);

impl<'de> DeserializeSeed<'de> for EnumSeed {
    type Value = i32;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<i32, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for EnumSeed {
    type Value = i32;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an enum integer or name")
    }
    fn visit_unit<E: de::Error>(self) -> Result<i32, E> {
        Ok(0)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<i32, E> {
        i32::try_from(v).map_err(|_| E::custom(format!("enum value {v} out of range")))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<i32, E> {
        i32::try_from(v).map_err(|_| E::custom(format!("enum value {v} out of range")))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<i32, E> {
        if let Some(i) = self.0.iter().position(|n| *n == s) {
            return Ok(i as i32);
        }
        s.parse::<i32>()
            .map_err(|_| E::custom(format!("unknown enum value {s:?}")))
    }
}

pub(super) const SPAN_KINDS: &[&str] = &[
    "SPAN_KIND_UNSPECIFIED",
    "SPAN_KIND_INTERNAL",
    "SPAN_KIND_SERVER",
    "SPAN_KIND_CLIENT",
    "SPAN_KIND_PRODUCER",
    "SPAN_KIND_CONSUMER",
];
pub(super) const STATUS_CODES: &[&str] =
    &["STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"];
