//! Timing: warm up, then interleaved rounds of individually timed iterations.
//!
//! Each runtime is warmed up, then every round runs a batch of iterations of each runtime in
//! turn. Interleaving spreads background load (other processes on the machine) over all
//! runtimes instead of letting it land on whichever one happened to run at the time.

use std::time::{Duration, Instant};

use crate::shapes::Rt;

/// How long and how often to measure.
#[derive(Clone, Copy, Debug)]
pub struct Config {
    /// Measured time per shape and runtime, over all rounds.
    pub target: Duration,
    /// Untimed warm-up per shape and runtime.
    pub warmup: Duration,
    /// Interleaved rounds.
    pub rounds: usize,
}

/// One iteration of a shape on one runtime (the runtime is built before, and captured).
pub type Iteration = Box<dyn FnMut()>;

/// `n` sequential sleeps on one runtime, pushing how late each one woke up.
pub type Lateness = Box<dyn FnMut(usize, &mut Vec<Duration>)>;

/// The result for one shape and runtime.
#[derive(Clone, Debug)]
pub struct Timing {
    /// Median over every timed iteration, in microseconds.
    pub median_us: f64,
    /// Median of each round, in microseconds.
    pub round_medians_us: Vec<f64>,
    /// Timed iterations, over all rounds.
    pub iterations: usize,
}

impl Timing {
    /// `(max - min) / median` of the round medians: how much the rounds disagree.
    pub fn spread(&self) -> f64 {
        let min = self
            .round_medians_us
            .iter()
            .copied()
            .fold(f64::MAX, f64::min);
        let max = self.round_medians_us.iter().copied().fold(0.0, f64::max);
        (max - min) / self.median_us
    }
}

/// Times `runners` (one iteration per call), interleaved; one [`Timing`] per runner.
pub fn time(runners: &mut [(Rt, Iteration)], config: &Config) -> Vec<Timing> {
    let rounds = config.rounds.max(1);
    let per_round: Vec<usize> = runners
        .iter_mut()
        .map(|(_, iteration)| {
            let estimate = warm_up(iteration, config.warmup);
            let budget = config.target.as_secs_f64() / rounds as f64;
            ((budget / estimate.as_secs_f64().max(1e-9)) as usize).clamp(3, 1_000_000)
        })
        .collect();
    let mut samples: Vec<Vec<f64>> = vec![Vec::new(); runners.len()];
    let mut round_medians: Vec<Vec<f64>> = vec![Vec::new(); runners.len()];
    for _ in 0..rounds {
        for (i, (_, iteration)) in runners.iter_mut().enumerate() {
            let mut round = Vec::with_capacity(per_round[i]);
            for _ in 0..per_round[i] {
                let start = Instant::now();
                iteration();
                round.push(start.elapsed().as_secs_f64() * 1e6);
            }
            round_medians[i].push(median(&mut round.clone()));
            samples[i].extend(round);
        }
    }
    samples
        .into_iter()
        .zip(round_medians)
        .map(|(mut all, round_medians_us)| Timing {
            iterations: all.len(),
            median_us: median(&mut all),
            round_medians_us,
        })
        .collect()
}

/// Measures `samples` sleeps per runtime in `rounds` interleaved batches (so background load
/// lands on every runtime alike); returns every runtime's lateness samples.
pub fn lateness(
    runners: &mut [(Rt, Lateness)],
    samples: usize,
    rounds: usize,
) -> Vec<Vec<Duration>> {
    let rounds = rounds.max(1);
    let mut late = vec![Vec::with_capacity(samples); runners.len()];
    for (_, run) in runners.iter_mut() {
        run(5, &mut Vec::new()); // warm-up
    }
    for round in 0..rounds {
        let n = samples / rounds + usize::from(round < samples % rounds);
        for (i, (_, run)) in runners.iter_mut().enumerate() {
            run(n, &mut late[i]);
        }
    }
    late
}

/// Runs `iteration` for at least `warmup` (and at least three times); returns the mean time
/// of one iteration.
fn warm_up(iteration: &mut dyn FnMut(), warmup: Duration) -> Duration {
    let start = Instant::now();
    let mut n = 0u32;
    while n < 3 || start.elapsed() < warmup {
        iteration();
        n += 1;
    }
    start.elapsed() / n
}

/// The median of `values` (sorts them).
pub fn median(values: &mut [f64]) -> f64 {
    percentile(values, 50.0)
}

/// The `p`th percentile of `values` by nearest rank (sorts them).
pub fn percentile(values: &mut [f64], p: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * values.len() as f64).ceil() as usize;
    values[rank.clamp(1, values.len()) - 1]
}
