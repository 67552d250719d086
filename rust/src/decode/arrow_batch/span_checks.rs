//! Which spans are refused and why: ids, times against the receipt time and
//! the store's retention, and the message that counts them by reason.

use super::DecodeOptions;

/// Why a span was rejected; the order is the order of the message.
#[derive(Clone, Copy)]
pub(crate) enum Reject {
    TraceId,
    SpanId,
    ParentSpanId,
    StartTime,
    EndBeforeStart,
    EndTime,
    Project,
    BeforeRetention,
}

/// One count per `Reject`.
pub(crate) const REJECT_REASONS: usize = 8;

pub(crate) const REJECT_TEXT: [&str; REJECT_REASONS] = [
    "invalid trace_id (must be 16 bytes, not all zero)",
    "invalid span_id (must be 8 bytes, not all zero)",
    "invalid parent_span_id (must be empty or 8 bytes)",
    "invalid start_time (zero, before 1990-01-01 or more than 1 day after receipt)",
    "end_time before start_time",
    "end_time more than 1 day after receipt",
    "invalid project name (must be 1-128 characters of [A-Za-z0-9._-])",
    "start_time older than the store keeps (retention)",
];

const NS_1990: u64 = 631_152_000 * 1_000_000_000;
pub(crate) const NS_DAY: u64 = 86_400 * 1_000_000_000;

/// The bounds a span's times are checked against, from the decode options.
#[derive(Clone, Copy)]
pub(crate) struct TimeBounds {
    /// Spans starting earlier are past the retention (0: none).
    pub(crate) oldest_start: u64,
    pub(crate) max_time: u64,
}

impl TimeBounds {
    pub(crate) fn of(opts: &DecodeOptions) -> Self {
        TimeBounds {
            oldest_start: u64::try_from(opts.oldest_start_ns).unwrap_or(0),
            max_time: u64::try_from(opts.received_ns)
                .unwrap_or(0)
                .saturating_add(NS_DAY),
        }
    }
}

#[inline]
pub(crate) fn check_span(
    trace_id: &[u8],
    span_id: &[u8],
    parent_span_id: &[u8],
    start: u64,
    end: u64,
    bounds: TimeBounds,
) -> Option<Reject> {
    let max_time = bounds.max_time;
    let valid_id = |id: &[u8], n: usize| id.len() == n && id.iter().any(|&b| b != 0);
    if !valid_id(trace_id, 16) {
        return Some(Reject::TraceId);
    }
    if !valid_id(span_id, 8) {
        return Some(Reject::SpanId);
    }
    if !(parent_span_id.is_empty() || parent_span_id.len() == 8) {
        return Some(Reject::ParentSpanId);
    }
    if start < NS_1990 || start > max_time {
        return Some(Reject::StartTime);
    }
    if end < start {
        return Some(Reject::EndBeforeStart);
    }
    if end > max_time {
        return Some(Reject::EndTime);
    }
    if start < bounds.oldest_start {
        return Some(Reject::BeforeRetention);
    }
    None
}

/// Rejected spans counted by reason.
#[derive(Default)]
pub(crate) struct Rejections([usize; REJECT_REASONS]);

impl Rejections {
    #[inline]
    pub(crate) fn add(&mut self, reason: Reject) {
        self.0[reason as usize] += 1;
    }

    pub(crate) fn total(&self) -> usize {
        self.0.iter().sum()
    }

    /// "" when none was rejected, else
    /// "rejected N of TOTAL spans: n reason; m reason", reasons in `Reject` order.
    pub(crate) fn message(&self, total: usize) -> String {
        let rejected_spans = self.total();
        if rejected_spans == 0 {
            return String::new();
        }
        let parts: Vec<String> = self
            .0
            .iter()
            .zip(REJECT_TEXT)
            .filter(|(n, _)| **n > 0)
            .map(|(n, t)| format!("{n} {t}"))
            .collect();
        format!(
            "rejected {rejected_spans} of {total} spans: {}",
            parts.join("; ")
        )
    }
}
