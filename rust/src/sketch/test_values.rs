//! Deterministic values and the exact quantiles the sketch tests compare with.

/// splitmix64: a deterministic generator, so the tests need no crate.
pub struct Rng(pub u64);
impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in (0, 1).
    pub fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    pub fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

/// The exact order statistic with ClickHouse's quantileExact rank.
pub fn exact(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len();
    let rank = if q < 1.0 {
        ((q * n as f64) as usize).min(n - 1)
    } else {
        n - 1
    };
    sorted[rank]
}

pub const LEVELS: [f64; 9] = [0.0, 0.01, 0.1, 0.25, 0.5, 0.9, 0.99, 0.999, 1.0];
