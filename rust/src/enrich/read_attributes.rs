//! The span and resource attributes enrichment reads (zone hints, compute
//! usage, rate-card inputs), gathered once per span.

use arrow_array::StringArray;

use super::{BYTES_READ_ATTRIBUTE, TOOL_NAME_ATTRIBUTES};
use crate::energy::{
    CLOUD_PROVIDER_ATTRIBUTE, CLOUD_REGION_ATTRIBUTE, CPU_SECONDS_ATTRIBUTES,
    CPU_UTILIZATION_ATTRIBUTE, GPU_MODEL_ATTRIBUTE, GPU_SECONDS_ATTRIBUTE,
    GPU_UTILIZATION_ATTRIBUTE, LLM_PROVIDER_ATTRIBUTES, ZONE_ATTRIBUTE,
};

/// Every attribute enrichment reads: zone hints, compute usage, rate-card
/// inputs. A span's other keys are skipped by length before any compare.
const READ_KEYS: [&str; 17] = [
    ZONE_ATTRIBUTE,
    CLOUD_PROVIDER_ATTRIBUTE,
    CLOUD_REGION_ATTRIBUTE,
    LLM_PROVIDER_ATTRIBUTES[0],
    LLM_PROVIDER_ATTRIBUTES[1],
    LLM_PROVIDER_ATTRIBUTES[2],
    LLM_PROVIDER_ATTRIBUTES[3],
    CPU_SECONDS_ATTRIBUTES[0],
    CPU_SECONDS_ATTRIBUTES[1],
    CPU_UTILIZATION_ATTRIBUTE,
    GPU_SECONDS_ATTRIBUTE,
    GPU_UTILIZATION_ATTRIBUTE,
    GPU_MODEL_ATTRIBUTE,
    TOOL_NAME_ATTRIBUTES[0],
    TOOL_NAME_ATTRIBUTES[1],
    BYTES_READ_ATTRIBUTE,
    "",
];

/// Bit `n` set when some key of READ_KEYS is `n` bytes long.
const READ_KEY_LENGTHS: u64 = {
    let mut mask = 0u64;
    let mut i = 0;
    while i < READ_KEYS.len() {
        if READ_KEYS[i].len() < 64 {
            mask |= 1 << READ_KEYS[i].len();
        }
        i += 1;
    }
    mask & !1 // the "" filler matches nothing
};

#[inline]
fn is_read_key(key: &str) -> bool {
    let n = key.len();
    n < 64 && (READ_KEY_LENGTHS >> n) & 1 == 1 && READ_KEYS.contains(&key)
}

/// The attributes of a span enrichment reads, span first then resource.
/// Gathered in one pass over the span's keys (a length check each) instead of
/// ~14 binary searches plus resource scans per span, which were most of
/// enrichment's instructions (callgrind, BENCHMARKS.md).
pub(super) struct AttrLookup<'s, 'a> {
    pub(super) span: &'s [(&'a str, &'a str)],
    pub(super) resource: &'a [(String, String)],
}

/// The span attributes of `range` (one span's map entries) enrichment reads.
#[inline]
pub(super) fn gather_read_keys<'a>(
    keys: &'a StringArray,
    values: &'a StringArray,
    range: std::ops::Range<usize>,
    out: &mut Vec<(&'a str, &'a str)>,
) {
    out.clear();
    for j in range {
        let key = keys.value(j);
        if is_read_key(key) {
            out.push((key, values.value(j)));
        }
    }
}

impl<'a> AttrLookup<'_, 'a> {
    pub(super) fn span(&self, key: &str) -> Option<&'a str> {
        self.span.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }

    fn resource(&self, key: &str) -> Option<&'a str> {
        self.resource
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub(super) fn any(&self, key: &str) -> Option<&'a str> {
        self.span(key).or_else(|| self.resource(key))
    }
}

/// String-valued attributes of an OTLP/JSON KeyValue array (resource attributes).
pub(super) fn resource_strings(json: &str) -> Vec<(String, String)> {
    #[derive(serde::Deserialize)]
    struct Kv {
        key: String,
        #[serde(default)]
        value: serde_json::Value,
    }
    let Ok(kvs) = serde_json::from_str::<Vec<Kv>>(json) else {
        return Vec::new();
    };
    kvs.into_iter()
        .filter(|kv| is_read_key(&kv.key))
        .filter_map(|kv| {
            let v = kv.value.get("stringValue")?.as_str()?.to_owned();
            Some((kv.key, v))
        })
        .collect()
}
