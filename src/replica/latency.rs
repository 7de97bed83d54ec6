//! Reproducible, jittery latency.
//!
//! The real SWAPI answers in tens to hundreds of milliseconds, and the
//! interesting behaviour of an async client (overlap, ordering, timeouts)
//! only shows when answers take time and do not all take the same time. The
//! replica's server therefore waits before answering each request, for a
//! delay drawn from [`Latency`]: uniform between `min` and `max`, from a
//! seeded generator, so the same seed and the same request order give the
//! same delays on every run.
//!
//! The generator is SplitMix64: one 64-bit counter, advanced by a fixed odd
//! constant and scrambled by two multiply-xorshift rounds. It is tiny, fast
//! and statistically good enough for jitter; it is not for cryptography.

use std::time::Duration;

/// How long the replica waits before answering: a delay uniformly
/// distributed between `min` and `max` (inclusive), from a generator seeded
/// with `seed`.
///
/// ```
/// use std::time::Duration;
/// use tinyloop::replica::Latency;
///
/// let latency = Latency::between(Duration::from_millis(20), Duration::from_millis(80), 7);
/// let first: Vec<Duration> = latency.jitter().take(3).collect();
/// let again: Vec<Duration> = latency.jitter().take(3).collect();
/// assert_eq!(first, again);
/// assert!(first.iter().all(|d| (20..=80).contains(&d.as_millis())));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Latency {
    /// The shortest delay.
    pub min: Duration,
    /// The longest delay. If it is less than `min`, every delay is `min`.
    pub max: Duration,
    /// The generator's seed: equal seeds give equal sequences of delays.
    pub seed: u64,
}

impl Latency {
    /// No delay at all.
    pub const NONE: Latency = Latency {
        min: Duration::ZERO,
        max: Duration::ZERO,
        seed: 0,
    };

    /// Delays uniform in `min..=max`, drawn from a generator seeded with `seed`.
    pub fn between(min: Duration, max: Duration, seed: u64) -> Latency {
        Latency { min, max, seed }
    }

    /// Always the same delay.
    pub fn fixed(delay: Duration) -> Latency {
        Latency {
            min: delay,
            max: delay,
            seed: 0,
        }
    }

    /// A fresh, endless sequence of delays for this latency. Draw one delay
    /// per request, in the order requests arrive.
    pub fn jitter(&self) -> Jitter {
        let span = self.max.saturating_sub(self.min).as_nanos();
        Jitter {
            state: self.seed,
            min: self.min,
            span_nanos: u64::try_from(span).unwrap_or(u64::MAX),
        }
    }
}

impl Default for Latency {
    /// [`Latency::NONE`].
    fn default() -> Latency {
        Latency::NONE
    }
}

/// An endless, reproducible sequence of delays, made by [`Latency::jitter`].
///
/// As an [`Iterator`] it never returns `None`.
#[derive(Debug, Clone)]
pub struct Jitter {
    /// SplitMix64's counter.
    state: u64,
    /// The shortest delay.
    min: Duration,
    /// How many nanoseconds the longest delay exceeds `min` by.
    span_nanos: u64,
}

impl Jitter {
    /// The next delay, in `min..=max`.
    pub fn next_delay(&mut self) -> Duration {
        let extra = scale(self.next_u64(), self.span_nanos);
        self.min.saturating_add(Duration::from_nanos(extra))
    }

    /// SplitMix64: advance the counter, then scramble it.
    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

impl Iterator for Jitter {
    type Item = Duration;

    fn next(&mut self) -> Option<Duration> {
        Some(self.next_delay())
    }
}

/// Maps a uniformly random `u64` onto `0..=span` by taking the high half of
/// a 128-bit product, which avoids the skew of `random % (span + 1)`.
fn scale(random: u64, span: u64) -> u64 {
    let product = u128::from(random) * (u128::from(span) + 1);
    // The high half is at most `span`, so it always fits.
    u64::try_from(product >> 64).unwrap_or(span)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn the_same_seed_gives_the_same_delays() {
        let latency = Latency::between(10 * MS, 90 * MS, 42);
        let a: Vec<Duration> = latency.jitter().take(100).collect();
        let b: Vec<Duration> = latency.jitter().take(100).collect();
        assert_eq!(a, b);
    }

    #[test]
    fn different_seeds_give_different_delays() {
        let a: Vec<Duration> = Latency::between(10 * MS, 90 * MS, 1)
            .jitter()
            .take(10)
            .collect();
        let b: Vec<Duration> = Latency::between(10 * MS, 90 * MS, 2)
            .jitter()
            .take(10)
            .collect();
        assert_ne!(a, b);
    }

    #[test]
    fn delays_stay_within_bounds_and_spread_across_them() {
        let delays: Vec<Duration> = Latency::between(10 * MS, 90 * MS, 9)
            .jitter()
            .take(1000)
            .collect();
        assert!(delays.iter().all(|d| (10 * MS..=90 * MS).contains(d)));
        assert!(delays.iter().any(|d| *d < 20 * MS));
        assert!(delays.iter().any(|d| *d > 80 * MS));
    }

    #[test]
    fn fixed_none_and_inverted_bounds_are_constant() {
        assert!(Latency::fixed(5 * MS)
            .jitter()
            .take(10)
            .all(|d| d == 5 * MS));
        assert!(Latency::NONE.jitter().take(10).all(|d| d == Duration::ZERO));
        assert!(Latency::between(9 * MS, 3 * MS, 1)
            .jitter()
            .take(10)
            .all(|d| d == 9 * MS));
    }

    #[test]
    fn splitmix_matches_its_published_first_output_for_seed_zero() {
        let mut jitter = Latency::NONE.jitter();
        assert_eq!(jitter.next_u64(), 0xE220_A839_7B1D_CDAF);
    }

    #[test]
    fn scale_reaches_both_ends_of_the_span() {
        assert_eq!(scale(0, 80), 0);
        assert_eq!(scale(u64::MAX, 80), 80);
        assert_eq!(scale(u64::MAX, u64::MAX), u64::MAX);
    }
}
