//! Which delay each request gets.
//!
//! A client that sends ten requests at once over ten connections cannot
//! control the order in which they reach the server: that depends on
//! handshakes, the kernel and the scheduler. If delays were drawn from one
//! sequence in arrival order, two runs with the same seed could hand the
//! same request different delays. So each request *target* gets a
//! [`Jitter`] of its own, seeded from the server's seed and the target: a
//! request's delay depends only on the seed, its target, and how many
//! requests for that target came before it. The same program against the
//! same seed sees the same delays, and so the same completion order.

use std::collections::HashMap;
use std::time::Duration;

use crate::replica::{Jitter, Latency};

/// How many targets get a sequence of their own. Past this, a target not
/// yet seen gets the first delay of its sequence every time, so a client
/// inventing endless targets cannot grow the table without bound.
const MAX_TARGETS: usize = 4096;

/// Per-target delay sequences for one server.
#[derive(Debug)]
pub(crate) struct Delays {
    /// The range and seed every sequence derives from.
    latency: Latency,
    /// The sequence of each target seen so far, at most [`MAX_TARGETS`].
    by_target: HashMap<String, Jitter>,
}

impl Delays {
    /// Delays drawn from `latency`.
    pub(crate) fn new(latency: Latency) -> Delays {
        Delays {
            latency,
            by_target: HashMap::new(),
        }
    }

    /// The delay for the next request for `target`.
    pub(crate) fn next_for(&mut self, target: &str) -> Duration {
        if self.latency.max.is_zero() && self.latency.min.is_zero() {
            return Duration::ZERO;
        }
        if let Some(jitter) = self.by_target.get_mut(target) {
            return jitter.next_delay();
        }
        let mut jitter = self.jitter_for(target);
        let delay = jitter.next_delay();
        if self.by_target.len() < MAX_TARGETS {
            self.by_target.insert(target.to_owned(), jitter);
        }
        delay
    }

    /// A fresh sequence for `target`: the server's seed mixed with an FNV-1a
    /// hash of the target (stable across runs and platforms, unlike the
    /// standard library's randomly keyed hasher).
    fn jitter_for(&self, target: &str) -> Jitter {
        let hash = target.bytes().fold(0xCBF2_9CE4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01B3)
        });
        Latency {
            seed: self.latency.seed ^ hash,
            ..self.latency
        }
        .jitter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn a_targets_delays_do_not_depend_on_other_targets() {
        let latency = Latency::between(10 * MS, 90 * MS, 5);
        let mut alone = Delays::new(latency);
        let a: Vec<Duration> = (0..3).map(|_| alone.next_for("/a/")).collect();
        let mut mixed = Delays::new(latency);
        let mut b = Vec::new();
        for _ in 0..3 {
            mixed.next_for("/other/");
            b.push(mixed.next_for("/a/"));
        }
        assert_eq!(a, b);
    }

    #[test]
    fn targets_and_seeds_change_the_delays() {
        let one = |seed, target| {
            Delays::new(Latency::between(Duration::ZERO, 1000 * MS, seed)).next_for(target)
        };
        assert_ne!(one(1, "/api/people/1/"), one(1, "/api/people/2/"));
        assert_ne!(one(1, "/api/people/1/"), one(2, "/api/people/1/"));
        assert_eq!(one(3, "/api/people/1/"), one(3, "/api/people/1/"));
    }

    #[test]
    fn no_latency_means_no_delay() {
        let mut delays = Delays::new(Latency::NONE);
        assert_eq!(delays.next_for("/api/"), Duration::ZERO);
        assert!(delays.by_target.is_empty());
    }

    #[test]
    fn the_table_stops_growing_at_its_cap() {
        let mut delays = Delays::new(Latency::fixed(MS));
        for i in 0..MAX_TARGETS + 10 {
            delays.next_for(&format!("/{i}"));
        }
        assert_eq!(delays.by_target.len(), MAX_TARGETS);
    }
}
