//! A protobuf wire-format reader over a borrowed buffer: fields come out as
//! `(number, value)` with length-delimited values as sub-slices of the input
//! (no copy, no allocation). Follows prost's decoding rules: varints of at
//! most 10 bytes (the 10th < 2), keys <= u32::MAX, wire types 0..=5, field
//! number >= 1; groups (wire type 3/4) are skipped, matching their end tag,
//! without recursion.

use crate::errors::{Error, Result};

/// One field value. `Group` is a skipped group (never a known field of OTLP).
#[derive(Clone, Copy, Debug)]
pub enum Field<'a> {
    Varint(u64),
    I64(u64),
    Len(&'a [u8]),
    I32(u32),
    Group,
}

const WIRE_NAMES: [&str; 6] = [
    "Varint",
    "SixtyFourBit",
    "LengthDelimited",
    "StartGroup",
    "EndGroup",
    "ThirtyTwoBit",
];

#[cold]
#[inline(never)]
pub fn err(msg: &str) -> Error {
    Error::InvalidProtobuf(msg.to_owned())
}

#[cold]
#[inline(never)]
fn key_err(key: u64) -> Error {
    Error::InvalidProtobuf(if key > u64::from(u32::MAX) {
        format!("invalid key value: {key}")
    } else if key & 7 > 5 {
        format!("invalid wire type value: {}", key & 7)
    } else {
        "invalid tag value: 0".to_owned()
    })
}

#[cold]
#[inline(never)]
fn wire_type_err(actual: usize, expected: usize) -> Error {
    Error::InvalidProtobuf(format!(
        "invalid wire type: {} (expected {})",
        WIRE_NAMES[actual], WIRE_NAMES[expected]
    ))
}

impl<'a> Field<'a> {
    fn wire(&self) -> usize {
        match self {
            Field::Varint(_) => 0,
            Field::I64(_) => 1,
            Field::Len(_) => 2,
            Field::Group => 3,
            Field::I32(_) => 5,
        }
    }
    /// The value of a `string` / `bytes` / message field.
    #[inline(always)]
    pub fn bytes(self) -> Result<&'a [u8]> {
        match self {
            Field::Len(b) => Ok(b),
            other => Err(wire_type_err(other.wire(), 2)),
        }
    }
    #[inline(always)]
    pub fn varint(self) -> Result<u64> {
        match self {
            Field::Varint(v) => Ok(v),
            other => Err(wire_type_err(other.wire(), 0)),
        }
    }
    #[inline(always)]
    pub fn fixed64(self) -> Result<u64> {
        match self {
            Field::I64(v) => Ok(v),
            other => Err(wire_type_err(other.wire(), 1)),
        }
    }
    #[inline(always)]
    pub fn fixed32(self) -> Result<u32> {
        match self {
            Field::I32(v) => Ok(v),
            other => Err(wire_type_err(other.wire(), 5)),
        }
    }
}

/// Hints the CPU to load `b` into the (L2) cache: a request body is usually
/// not in cache, and reading the span headers one after the other is a
/// chain of dependent cache misses; prefetching each span as its header is
/// read brings in the next header too, and the span itself for later.
#[inline(always)]
pub fn prefetch(b: &[u8]) {
    #[cfg(target_arch = "x86_64")]
    for line in b.chunks(64) {
        // SAFETY: `_mm_prefetch` only needs SSE, which every x86_64 CPU has;
        // a prefetch is a hint that never faults and changes no memory
        // visible to the program; the address is inside `b` anyway.
        unsafe {
            std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T1 }>(
                line.as_ptr() as *const i8
            )
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = b;
}

/// Iterates the fields of one message.
#[derive(Clone, Copy)]
pub struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    #[inline]
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf }
    }

    #[inline(always)]
    fn varint(&mut self) -> Result<u64> {
        if let [b0, rest @ ..] = self.buf {
            if *b0 < 0x80 {
                self.buf = rest;
                return Ok(*b0 as u64);
            }
            if let [b1, rest @ ..] = rest {
                if *b1 < 0x80 {
                    self.buf = rest;
                    return Ok((*b0 as u64 & 0x7f) | (*b1 as u64) << 7);
                }
            }
        }
        self.varint_slow()
    }

    #[inline(never)]
    fn varint_slow(&mut self) -> Result<u64> {
        let mut value = 0u64;
        for (i, &b) in self.buf.iter().take(10).enumerate() {
            value |= u64::from(b & 0x7f) << (i * 7);
            if b < 0x80 {
                if i == 9 && b >= 2 {
                    break;
                }
                self.buf = &self.buf[i + 1..];
                return Ok(value);
            }
        }
        Err(err("invalid varint"))
    }

    #[inline(always)]
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.buf.len() {
            return Err(err("buffer underflow"));
        }
        let (head, rest) = self.buf.split_at(n);
        self.buf = rest;
        Ok(head)
    }

    /// (field number, wire type)
    #[inline(always)]
    fn key(&mut self) -> Result<(u32, u8)> {
        let key = self.varint()?;
        let wire = (key & 7) as u8;
        let tag = (key >> 3) as u32;
        if key > u64::from(u32::MAX) || wire > 5 || tag == 0 {
            return Err(key_err(key));
        }
        Ok((tag, wire))
    }

    /// The next field, or `None` at the end of the message.
    #[inline(always)]
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<Option<(u32, Field<'a>)>> {
        // fast path: a 1-byte key (field 1..=15) of a length-delimited value
        // shorter than 128 bytes, which is most fields of a span
        if let [k, l, rest @ ..] = self.buf {
            if *k & 7 == 2 && *k >= 8 && *k < 0x80 && *l < 0x80 && (*l as usize) <= rest.len() {
                let (v, rest) = rest.split_at(*l as usize);
                self.buf = rest;
                return Ok(Some(((*k >> 3) as u32, Field::Len(v))));
            }
        }
        self.next_general()
    }

    #[inline(always)]
    fn next_general(&mut self) -> Result<Option<(u32, Field<'a>)>> {
        if self.buf.is_empty() {
            return Ok(None);
        }
        let (tag, wire) = self.key()?;
        let f = match wire {
            0 => Field::Varint(self.varint()?),
            1 => Field::I64(u64::from_le_bytes(self.take(8)?.try_into().unwrap())),
            2 => {
                let len = self.varint()?;
                if len > self.buf.len() as u64 {
                    return Err(err("buffer underflow"));
                }
                Field::Len(self.take(len as usize)?)
            }
            3 => {
                self.skip_group(tag)?;
                Field::Group
            }
            4 => return Err(err("unexpected end group tag")),
            _ => Field::I32(u32::from_le_bytes(self.take(4)?.try_into().unwrap())),
        };
        Ok(Some((tag, f)))
    }

    /// Skips the rest of a group started by field `tag`, nested groups
    /// included (an explicit stack: hostile nesting cannot overflow ours).
    #[cold]
    fn skip_group(&mut self, tag: u32) -> Result<()> {
        let mut open: Vec<u32> = vec![tag];
        while let Some(&top) = open.last() {
            if self.buf.is_empty() {
                return Err(err("buffer underflow"));
            }
            let (t, wire) = self.key()?;
            match wire {
                0 => {
                    self.varint()?;
                }
                1 => {
                    self.take(8)?;
                }
                2 => {
                    let len = self.varint()?;
                    if len > self.buf.len() as u64 {
                        return Err(err("buffer underflow"));
                    }
                    self.take(len as usize)?;
                }
                3 => open.push(t),
                4 => {
                    if t != top {
                        return Err(err("unexpected end group tag"));
                    }
                    open.pop();
                }
                _ => {
                    self.take(4)?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(b: &[u8]) -> Result<Vec<(u32, String)>> {
        let mut r = Reader::new(b);
        let mut out = vec![];
        while let Some((t, f)) = r.next()? {
            out.push((t, format!("{f:?}")));
        }
        Ok(out)
    }

    #[test]
    fn varints_and_errors() {
        assert_eq!(
            fields(b"\x08\x96\x01").unwrap(),
            vec![(1, "Varint(150)".into())]
        );
        // 10-byte varint: u64::MAX ok, overflow refused
        let mut max = b"\x08".to_vec();
        max.extend_from_slice(&[0xff; 9]);
        max.push(0x01);
        assert_eq!(fields(&max).unwrap()[0].1, format!("Varint({})", u64::MAX));
        let mut over = max.clone();
        *over.last_mut().unwrap() = 0x02;
        assert!(fields(&over).is_err());
        assert!(fields(b"\x08\x80").is_err()); // truncated varint
        assert!(fields(b"\x12\x05abc").is_err()); // length past the end
        assert!(fields(b"\x09abc").is_err()); // short fixed64
        assert!(fields(b"\x0d\x01\x02\x03").is_err()); // short fixed32
        assert!(fields(b"\x0e").is_err()); // wire type 6
        assert!(fields(b"\x00").is_err()); // tag 0
        assert!(fields(b"\x0c").is_err()); // stray end group
        let e = fields(b"\xff\xff\xff\xff").unwrap_err();
        assert!(e.to_string().starts_with("invalid protobuf: "), "{e}");
    }

    #[test]
    fn groups_are_skipped_without_recursion() {
        // field 1 group { field 2 varint, field 3 group {} } then field 4 varint
        let b = b"\x0b\x10\x01\x1b\x1c\x0c\x20\x07";
        assert_eq!(
            fields(b).unwrap(),
            vec![(1, "Group".into()), (4, "Varint(7)".into())]
        );
        assert!(fields(b"\x0b\x10\x01\x14").is_err()); // mismatched end
        assert!(fields(b"\x0b\x10\x01").is_err()); // unterminated
        let mut deep = vec![0x0b; 100_000];
        assert!(fields(&deep).is_err());
        deep.extend(std::iter::repeat_n(0x0c, 100_000));
        assert_eq!(fields(&deep).unwrap().len(), 1);
    }
}
