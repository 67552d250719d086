//! A span's attribute keys in byte order, for the `attributes` and
//! `attribute_types` maps (sorted keys, last duplicate wins).

use crate::decode::otlp_views::Kv;

/// The first 8 bytes of a key, zero-padded, as a big-endian number: keys
/// compare as (prefix, key), which is their byte order.
#[inline]
fn key_prefix(k: &[u8]) -> u64 {
    if let Some(b) = k.first_chunk::<8>() {
        return u64::from_be_bytes(*b);
    }
    let mut b = [0u8; 8];
    let n = k.len().min(8);
    b[..n].copy_from_slice(&k[..n]);
    u64::from_be_bytes(b)
}

/// Puts the indices of a span's attributes in key order (stable: equal
/// keys keep their order), as (key prefix, index) pairs.
///
/// Spans of one instrumentation have their keys in the same order, so the
/// permutations that sorted the last few spans are tried first: applying
/// one and checking the result is sorted costs n integer compares (whole
/// keys only for equal 8-byte prefixes), against ~n²/4 moves for sorting.
#[derive(Default)]
pub(super) struct KeySorter {
    pub(super) order: Vec<(u64, u32)>,
    cand: Vec<(u64, u32)>,
    /// recent permutations (indices into the unsorted pairs), newest first
    recent: Vec<Vec<u32>>,
}

const RECENT_PERMUTATIONS: usize = 4;

impl KeySorter {
    #[inline]
    pub(super) fn sort(&mut self, attrs: &[Kv]) {
        let order = &mut self.order;
        order.clear();
        order.extend(
            attrs
                .iter()
                .enumerate()
                .map(|(i, kv)| (key_prefix(kv.key), i as u32)),
        );
        // strictly before: by prefix, then whole key, then index
        let before = |a: &(u64, u32), b: &(u64, u32)| {
            a.0 < b.0
                || (a.0 == b.0 && {
                    let (ka, kb) = (attrs[a.1 as usize].key, attrs[b.1 as usize].key);
                    ka < kb || (ka == kb && a.1 < b.1)
                })
        };
        let sorted = |v: &[(u64, u32)]| v.windows(2).all(|w| before(&w[0], &w[1]));
        if sorted(order) {
            return;
        }
        for (r, perm) in self.recent.iter().enumerate() {
            if perm.len() != order.len() {
                continue;
            }
            self.cand.clear();
            self.cand.extend(perm.iter().map(|&i| order[i as usize]));
            if sorted(&self.cand) {
                std::mem::swap(order, &mut self.cand);
                self.recent[..=r].rotate_right(1);
                return;
            }
        }
        // unstable sort on (prefix, index) = stable on the prefix; then runs
        // of equal prefixes in whole key order (stable)
        order.sort_unstable();
        let mut i = 0;
        while i < order.len() {
            let mut j = i + 1;
            while j < order.len() && order[j].0 == order[i].0 {
                j += 1;
            }
            if j - i > 1 {
                order[i..j].sort_by(|a, b| attrs[a.1 as usize].key.cmp(attrs[b.1 as usize].key));
            }
            i = j;
        }
        let mut perm = if self.recent.len() < RECENT_PERMUTATIONS {
            Vec::new()
        } else {
            self.recent.pop().unwrap_or_default()
        };
        perm.clear();
        perm.extend(order.iter().map(|p| p.1));
        self.recent.insert(0, perm);
    }
}
