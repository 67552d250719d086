//! The column buffers of the span batch: raw offsets and bytes per column,
//! sized from the request and grown by extrapolation, turned into Arrow
//! arrays without a second UTF-8 check.

use arrow_array::{StringArray, UInt32Array};
use arrow_buffer::{Buffer, NullBufferBuilder, OffsetBuffer, ScalarBuffer};

use crate::decode::attr_text::put;
use crate::errors::{Error, Result};

/// A utf8 column built from raw offsets + bytes. Every byte written is
/// UTF-8-checked where it comes from (`attr_text::utf8` on each protobuf
/// string field, JSON text being UTF-8 already, our own ASCII JSON syntax),
/// so `finish` does not validate again (that was 13% of the build time).
pub(crate) struct Utf8Col {
    pub(crate) offsets: Vec<i32>,
    pub(crate) data: Vec<u8>,
}

impl Utf8Col {
    fn new(rows: usize, bytes: usize) -> Self {
        let mut offsets = Vec::with_capacity(rows + 1);
        offsets.push(0);
        Utf8Col {
            offsets,
            data: Vec::with_capacity(bytes),
        }
    }
    /// Ends the current value (whatever was written to `data` since the last one).
    /// Always inlined: ~40 calls per span, from other modules (`span_row`),
    /// where LLVM left some as calls (callgrind: +2% instructions per span).
    #[inline(always)]
    pub(crate) fn end(&mut self) -> Result<()> {
        let end = i32::try_from(self.data.len()).map_err(|_| Error::BatchTooLarge)?;
        self.offsets.push(end);
        Ok(())
    }
    #[inline]
    pub(crate) fn push(&mut self, s: &str) -> Result<()> {
        put(&mut self.data, s.as_bytes());
        self.end()
    }
    pub(super) fn finish(mut self) -> StringArray {
        debug_assert!(std::str::from_utf8(&self.data).is_ok());
        debug_assert!(self.offsets.windows(2).all(|w| w[0] <= w[1]));
        // The buffers were reserved from guesses (up to the body's length):
        // give the unused tail back before the batch waits in the queue for
        // its insert (a shrinking realloc does not copy).
        self.data.shrink_to_fit();
        self.offsets.shrink_to_fit();
        let offsets = ScalarBuffer::from(self.offsets);
        // SAFETY: offsets start at 0, never decrease and end at data.len()
        // (`end` pushes data.len()); each value is a run of whole UTF-8 strings.
        unsafe {
            StringArray::new_unchecked(
                OffsetBuffer::new_unchecked(offsets),
                Buffer::from_vec(self.data),
                None,
            )
        }
    }
}

/// A nullable uint32 column.
pub(crate) struct OptU32 {
    values: Vec<u32>,
    nulls: NullBufferBuilder,
}

impl OptU32 {
    fn new(rows: usize) -> Self {
        OptU32 {
            values: Vec::with_capacity(rows),
            nulls: NullBufferBuilder::new(rows),
        }
    }
    #[inline]
    pub(crate) fn push(&mut self, v: Option<u32>) {
        self.values.push(v.unwrap_or(0));
        self.nulls.append(v.is_some());
    }
    pub(super) fn finish(mut self) -> UInt32Array {
        UInt32Array::new(self.values.into(), self.nulls.finish())
    }
}

/// All the column buffers of the batch.
pub(crate) struct Builder {
    pub(crate) project: Utf8Col,
    pub(crate) trace_id: Vec<u8>,
    pub(crate) span_id: Vec<u8>,
    pub(crate) parent_span_id: Vec<u8>,
    pub(crate) trace_state: Utf8Col,
    pub(crate) flags: Vec<u32>,
    pub(crate) name: Utf8Col,
    pub(crate) kind: Vec<u8>,
    pub(crate) span_type: Utf8Col,
    pub(crate) service_name: Utf8Col,
    pub(crate) scope_name: Utf8Col,
    pub(crate) scope_version: Utf8Col,
    pub(crate) start_time: Vec<i64>,
    pub(crate) end_time: Vec<i64>,
    pub(crate) duration_ns: Vec<i64>,
    pub(crate) status_code: Vec<u8>,
    pub(crate) status_message: Utf8Col,
    pub(crate) model: Utf8Col,
    pub(crate) provider: Utf8Col,
    pub(crate) input_tokens: OptU32,
    pub(crate) output_tokens: OptU32,
    pub(crate) cached_tokens: OptU32,
    pub(crate) reasoning_tokens: OptU32,
    pub(crate) total_tokens: OptU32,
    pub(crate) chain: Utf8Col,
    pub(crate) agent: Utf8Col,
    pub(crate) user_id: Utf8Col,
    pub(crate) session_id: Utf8Col,
    pub(crate) environment: Utf8Col,
    pub(crate) tags_offsets: Vec<i32>,
    pub(crate) tags_items: Utf8Col,
    pub(crate) input: Utf8Col,
    pub(crate) output: Utf8Col,
    pub(crate) input_key: Utf8Col,
    pub(crate) output_key: Utf8Col,
    pub(crate) attr_offsets: Vec<i32>,
    pub(crate) attr_keys: Utf8Col,
    pub(crate) attr_values: Utf8Col,
    pub(crate) type_offsets: Vec<i32>,
    pub(crate) type_keys: Utf8Col,
    pub(crate) type_values: Vec<u8>,
    pub(crate) resource_attributes: Utf8Col,
    pub(crate) scope_attributes: Utf8Col,
    pub(crate) events: Utf8Col,
    pub(crate) links: Utf8Col,
    pub(crate) dropped_attributes_count: Vec<u32>,
    pub(crate) dropped_events_count: Vec<u32>,
    pub(crate) dropped_links_count: Vec<u32>,
}

impl Builder {
    pub(crate) fn new(n: usize, body_len: usize) -> Self {
        let s = |bytes_per_row: usize| Utf8Col::new(n, n * bytes_per_row);
        let mut zero = Vec::with_capacity(n + 1);
        zero.push(0i32);
        Builder {
            project: s(8),
            trace_id: Vec::with_capacity(n * 16),
            span_id: Vec::with_capacity(n * 8),
            parent_span_id: Vec::with_capacity(n * 8),
            trace_state: s(0),
            flags: Vec::with_capacity(n),
            name: s(16),
            kind: Vec::with_capacity(n),
            span_type: s(4),
            service_name: s(16),
            scope_name: s(16),
            scope_version: s(8),
            start_time: Vec::with_capacity(n),
            end_time: Vec::with_capacity(n),
            duration_ns: Vec::with_capacity(n),
            status_code: Vec::with_capacity(n),
            status_message: s(0),
            model: s(16),
            provider: s(8),
            input_tokens: OptU32::new(n),
            output_tokens: OptU32::new(n),
            cached_tokens: OptU32::new(n),
            reasoning_tokens: OptU32::new(n),
            total_tokens: OptU32::new(n),
            chain: s(0),
            agent: s(0),
            user_id: s(12),
            session_id: s(16),
            environment: s(8),
            tags_offsets: zero.clone(),
            tags_items: Utf8Col::new(n, 0),
            input: Utf8Col::new(n, body_len / 4),
            output: Utf8Col::new(n, body_len / 4),
            input_key: s(12),
            output_key: s(12),
            attr_offsets: zero.clone(),
            attr_keys: Utf8Col::new(n * 16, n * 16 * 24),
            attr_values: Utf8Col::new(n * 16, body_len),
            type_offsets: zero,
            type_keys: Utf8Col::new(n * 4, n * 4 * 24),
            type_values: Vec::with_capacity(n * 4),
            resource_attributes: s(0), // reserved per scope
            scope_attributes: s(2),
            events: s(2),
            links: s(2),
            dropped_attributes_count: Vec::with_capacity(n),
            dropped_events_count: Vec::with_capacity(n),
            dropped_links_count: Vec::with_capacity(n),
        }
    }

    /// After `done` spans, reserves room for `more` like them in every
    /// variable-size buffer (the initial sizes are guesses; growing by
    /// doubling copied ~4% of the build).
    pub(super) fn extrapolate(&mut self, done: usize, more: usize) {
        fn grow<T: Copy>(v: &mut Vec<T>, done: usize, more: usize) {
            let add = v.len() / done * more;
            let need = v.len() + add + add / 8;
            if need > v.capacity() {
                // a new buffer: `reserve` would realloc, which copies the
                // whole old capacity, not just what is used
                let mut bigger = Vec::with_capacity(need);
                bigger.extend_from_slice(v);
                *v = bigger;
            }
        }
        for c in [
            &mut self.project,
            &mut self.trace_state,
            &mut self.name,
            &mut self.span_type,
            &mut self.service_name,
            &mut self.scope_name,
            &mut self.scope_version,
            &mut self.status_message,
            &mut self.model,
            &mut self.provider,
            &mut self.chain,
            &mut self.agent,
            &mut self.user_id,
            &mut self.session_id,
            &mut self.environment,
            &mut self.tags_items,
            &mut self.input,
            &mut self.output,
            &mut self.input_key,
            &mut self.output_key,
            &mut self.attr_keys,
            &mut self.attr_values,
            &mut self.type_keys,
            &mut self.scope_attributes,
            &mut self.events,
            &mut self.links,
        ] {
            grow(&mut c.data, done, more);
            grow(&mut c.offsets, done, more);
        }
        grow(&mut self.type_values, done, more);
    }
}

#[inline]
pub(crate) fn offset(n: usize) -> Result<i32> {
    i32::try_from(n).map_err(|_| Error::BatchTooLarge)
}
