//! gzip request bodies, inflated with a hard cap so that a gzip bomb is
//! refused after at most `max_bytes + 1` bytes were produced (and allocated).

use std::io::Read;

use flate2::read::MultiGzDecoder;

use crate::errors::{Error, Result};

/// Inflates a gzip body (one or more members). Fails with
/// [`Error::BodyTooLarge`] as soon as the output would pass `max_bytes`, and
/// with [`Error::InvalidGzip`] when the stream is corrupt or truncated.
pub fn gunzip(input: &[u8], max_bytes: usize) -> Result<Vec<u8>> {
    if input.is_empty() {
        return Err(Error::InvalidGzip("empty body".into()));
    }
    let hard_cap = max_bytes.saturating_add(1);
    // Typical compression ratio of OTLP payloads is 5-10x; start there but
    // never above the cap, and grow at most to the cap.
    let mut out: Vec<u8> =
        Vec::with_capacity(input.len().saturating_mul(8).max(4096).min(hard_cap));
    let mut dec = MultiGzDecoder::new(input);
    loop {
        if out.len() == out.capacity() {
            if out.len() >= hard_cap {
                break;
            }
            let grow = out.capacity().max(4096).min(hard_cap - out.len());
            out.reserve_exact(grow);
        }
        let len = out.len();
        let room = (out.capacity() - len).min(hard_cap - len);
        out.resize(len + room, 0);
        match dec.read(&mut out[len..]) {
            Ok(0) => {
                out.truncate(len);
                break;
            }
            Ok(n) => out.truncate(len + n),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => out.truncate(len),
            Err(e) => return Err(Error::InvalidGzip(e.to_string())),
        }
    }
    if out.len() > max_bytes {
        return Err(Error::BodyTooLarge { limit: max_bytes });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use flate2::Compression;
    use std::io::Write;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn roundtrip() {
        let data: Vec<u8> = (0..100_000u32).flat_map(|i| i.to_le_bytes()).collect();
        assert_eq!(gunzip(&gz(&data), data.len()).unwrap(), data);
        assert_eq!(gunzip(&gz(b""), 10).unwrap(), b"");
    }

    #[test]
    fn multiple_members() {
        let mut two = gz(b"hello ");
        two.extend(gz(b"world"));
        assert_eq!(gunzip(&two, 100).unwrap(), b"hello world");
    }

    #[test]
    fn bomb_is_refused_without_allocating_it() {
        // 64 MiB of zeros compress to ~64 KiB; we must stop at the 1 MiB limit.
        let chunk = vec![0u8; 1 << 20];
        let mut e = GzEncoder::new(Vec::new(), Compression::fast());
        for _ in 0..64 {
            e.write_all(&chunk).unwrap();
        }
        let bomb = e.finish().unwrap();
        assert!(bomb.len() < 1 << 20);
        let err = gunzip(&bomb, 1 << 20).unwrap_err();
        assert_eq!(err, Error::BodyTooLarge { limit: 1 << 20 });
    }

    #[test]
    fn exactly_at_limit_is_fine() {
        let data = vec![7u8; 1000];
        assert_eq!(gunzip(&gz(&data), 1000).unwrap().len(), 1000);
        assert!(matches!(
            gunzip(&gz(&data), 999),
            Err(Error::BodyTooLarge { .. })
        ));
    }

    #[test]
    fn invalid_streams() {
        for bad in [&b"not gzip at all"[..], &b""[..]] {
            let e = gunzip(bad, 1000).unwrap_err();
            assert!(e.to_string().starts_with("invalid gzip stream: "), "{e}");
        }
        let good = gz(&vec![1u8; 10_000]);
        let e = gunzip(&good[..good.len() / 2], 100_000).unwrap_err();
        assert!(e.to_string().starts_with("invalid gzip stream: "), "{e}");
        let mut corrupt = good.clone();
        let n = corrupt.len();
        corrupt[n - 6] ^= 0xff; // CRC
        let e = gunzip(&corrupt, 100_000).unwrap_err();
        assert!(e.to_string().starts_with("invalid gzip stream: "), "{e}");
    }
}
