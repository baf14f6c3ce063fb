//! xoshiro256++ (Blackman and Vigna, public domain): the generator for the
//! bulk of both simulators' draws.
//!
//! A cascade over a million-member graph needs millions of 32-bit draws per
//! run, and member-by-member campaign sampling several per member; ChaCha8
//! spends about 1.3 ns on each, xoshiro256++ a fraction of that. Each run's
//! generator is still derived from ChaCha8 keyed by `(rng_seed, run)`, so
//! runs stay independent and reproducible. Written out here rather than
//! taken from a crate so the stream can never change under a dependency
//! upgrade.

use rand::RngCore;

/// xoshiro256++ state.
#[derive(Debug, Clone)]
pub(crate) struct Xoshiro256PlusPlus {
    s: [u64; 4],
}

impl Xoshiro256PlusPlus {
    /// Seeds from 256 bits of `seeder` (an all-zero state, probability
    /// 2^-256, would be a fixed point and is replaced).
    pub fn from_rng(seeder: &mut impl RngCore) -> Self {
        let mut s = [0_u64; 4];
        for word in &mut s {
            *word = seeder.next_u64();
        }
        if s == [0; 4] {
            s[0] = 1;
        }
        Self { s }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let result = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Fills `out` with uniform 32-bit draws, two per 64-bit output.
    pub fn fill_u32(&mut self, out: &mut [u32]) {
        let mut pairs = out.chunks_exact_mut(2);
        for pair in &mut pairs {
            let x = self.next_u64();
            pair[0] = x as u32;
            pair[1] = (x >> 32) as u32;
        }
        for last in pairs.into_remainder() {
            *last = (self.next_u64() >> 32) as u32;
        }
    }
}

/// So `rand_distr` samplers (the binomial for the ask count) can draw from
/// it too.
impl RngCore for Xoshiro256PlusPlus {
    fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }

    fn next_u64(&mut self) -> u64 {
        Xoshiro256PlusPlus::next_u64(self)
    }

    fn fill_bytes(&mut self, dst: &mut [u8]) {
        let mut chunks = dst.chunks_exact_mut(8);
        for chunk in &mut chunks {
            chunk.copy_from_slice(&Xoshiro256PlusPlus::next_u64(self).to_le_bytes());
        }
        let rest = chunks.into_remainder();
        if !rest.is_empty() {
            let bytes = Xoshiro256PlusPlus::next_u64(self).to_le_bytes();
            for (d, b) in rest.iter_mut().zip(bytes) {
                *d = b;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_reference_implementation() {
        // Reference outputs of xoshiro256plusplus.c from state [1, 2, 3, 4]
        // (the vector rand_xoshiro and other ports test against).
        let mut rng = Xoshiro256PlusPlus { s: [1, 2, 3, 4] };
        let expected = [
            41943041,
            58720359,
            3588806011781223,
            3591011842654386,
            9228616714210784205,
            9973669472204895162,
            14011001112246962877,
            12406186145184390807,
            15849039046786891736,
            10450023813501588000,
        ];
        for e in expected {
            assert_eq!(rng.next_u64(), e);
        }
    }

    #[test]
    fn fill_splits_words_and_handles_odd_lengths() {
        let mut a = Xoshiro256PlusPlus { s: [1, 2, 3, 4] };
        let mut out = [0_u32; 3];
        a.fill_u32(&mut out);
        assert_eq!(out[0], 41943041_u64 as u32);
        assert_eq!(out[1], (41943041_u64 >> 32) as u32);
        assert_eq!(out[2], (58720359_u64 >> 32) as u32);
    }
}
