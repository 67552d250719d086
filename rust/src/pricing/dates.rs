//! The dates and times of day of price constraints: ISO text -> days since
//! 1970 and microseconds of the UTC day.

use super::schedule::US_PER_DAY;

/// `YYYY-MM-DD` -> days since 1970-01-01.
pub(crate) fn parse_date(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| text.get(r)?.parse::<i64>().ok();
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

pub(crate) fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Howard Hinnant's days_from_civil (proleptic Gregorian).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Python's `time.isoformat()`: `HH:MM[:SS[.ffffff]]` with an optional
/// `Z` / `±HH:MM[:SS]` offset -> microseconds of the UTC day (a naive time
/// is UTC, as in genai-prices).
pub(crate) fn parse_utc_time_of_day(text: &str) -> Option<i64> {
    let (clock, offset_us) = match text.find(['+', '-', 'Z']) {
        Some(i) => {
            let (clock, zone) = text.split_at(i);
            let offset = match zone {
                "Z" => 0,
                _ => {
                    let sign = if zone.starts_with('-') { -1 } else { 1 };
                    sign * parse_clock(&zone[1..])?
                }
            };
            (clock, offset)
        }
        None => (text, 0),
    };
    Some((parse_clock(clock)? - offset_us).rem_euclid(US_PER_DAY))
}

/// `HH:MM[:SS[.ffffff]]` -> microseconds.
fn parse_clock(text: &str) -> Option<i64> {
    let (hms, frac) = match text.split_once('.') {
        Some((hms, frac)) => (hms, Some(frac)),
        None => (text, None),
    };
    let mut parts = hms.split(':');
    let mut next = |max: i64| -> Option<i64> {
        let p = parts.next()?;
        let v = (p.len() == 2).then(|| p.parse::<i64>().ok())??;
        (v < max).then_some(v)
    };
    let h = next(24)?;
    let m = next(60)?;
    let s = if hms.len() > 5 { next(60)? } else { 0 };
    let micros = match frac {
        Some(f) if !f.is_empty() && f.len() <= 6 && f.bytes().all(|b| b.is_ascii_digit()) => {
            f.parse::<i64>().ok()? * 10_i64.pow(6 - f.len() as u32)
        }
        Some(_) => return None,
        None => 0,
    };
    Some(((h * 60 + m) * 60 + s) * 1_000_000 + micros)
}
