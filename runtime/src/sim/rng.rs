//! The one source of randomness of a simulation: a small, seeded generator.
//!
//! SplitMix64 (Steele, Lea and Flood, 2014): a 64-bit counter stepped by an odd constant,
//! then mixed. It is fast, has no bad seeds, and its output is a pure function of the seed
//! and the number of draws, which is all a simulation asks: the same seed, the same draws,
//! the same run. It is not for cryptography.

/// A seeded pseudo-random generator.
#[derive(Clone, Debug)]
pub(crate) struct Rng {
    /// The counter; advanced by the golden-ratio increment at every draw.
    state: u64,
}

impl Rng {
    /// A generator for `seed`; `stream` separates the draws of different parts (the run
    /// queue, the reactor, the network), so that one part drawing more often does not
    /// shift what the others draw.
    pub(crate) fn new(seed: u64, stream: u64) -> Rng {
        let mut rng = Rng {
            state: seed ^ stream.wrapping_mul(0xa076_1d64_78bd_642f),
        };
        rng.next_u64(); // mixes the stream into the first draw
        rng
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0), by Lemire's multiply-shift: nearly uniform, no division.
    pub(crate) fn below(&mut self, n: usize) -> usize {
        debug_assert!(n > 0, "below(0) has no answer");
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// Shuffles `items` in place (Fisher–Yates).
    pub(crate) fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Rng;

    #[test]
    fn the_same_seed_draws_the_same_numbers_and_streams_differ() {
        let draws = |seed, stream| {
            let mut rng = Rng::new(seed, stream);
            (0..8).map(|_| rng.below(1000)).collect::<Vec<_>>()
        };
        assert_eq!(draws(7, 0), draws(7, 0));
        assert_ne!(draws(7, 0), draws(8, 0));
        assert_ne!(draws(7, 0), draws(7, 1));
    }

    #[test]
    fn below_covers_its_range_evenly() {
        let mut rng = Rng::new(1, 0);
        let mut counts = [0u32; 6];
        for _ in 0..60_000 {
            counts[rng.below(6)] += 1;
        }
        // Each face expects 10,000; 5 standard deviations is about 460.
        assert!(
            counts.iter().all(|&c| c.abs_diff(10_000) < 500),
            "{counts:?}"
        );
    }

    #[test]
    fn shuffle_keeps_every_item_and_reaches_every_order() {
        let mut seen = std::collections::HashSet::new();
        let mut rng = Rng::new(3, 0);
        for _ in 0..200 {
            let mut items = [1, 2, 3];
            rng.shuffle(&mut items);
            let mut sorted = items;
            sorted.sort_unstable();
            assert_eq!(sorted, [1, 2, 3]);
            seen.insert(items);
        }
        assert_eq!(seen.len(), 6, "all 3! orders appear");
    }
}
