//! What each benchmark does, independent of the runtime that runs it.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::latch::Latch;

/// `spawn_many_local`, `spawn_many_remote_idle`: tasks per iteration (tokio's `NUM_SPAWN`).
pub const NUM_SPAWN: usize = 1_000;
/// `yield_many`: tasks per iteration (tokio's `TASKS`).
pub const YIELD_TASKS: usize = 200;
/// `yield_many`: yields per task (tokio's `NUM_YIELD`).
pub const NUM_YIELD: usize = 1_000;
/// `ping_pong`: round trips per iteration (tokio's `NUM_PINGS`).
pub const NUM_PINGS: usize = 1_000;
/// `chained_spawn`: depth of the spawn chain (tokio's `ITER`).
pub const CHAIN: usize = 1_000;
/// `sleep_lateness`: the requested sleep.
pub const SLEEP: Duration = Duration::from_millis(1);

/// The scheduler shapes, timed per iteration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    SpawnManyLocal,
    SpawnManyRemoteIdle,
    YieldMany,
    PingPong,
    ChainedSpawn,
}

impl Shape {
    pub const ALL: [Shape; 5] = [
        Shape::SpawnManyLocal,
        Shape::SpawnManyRemoteIdle,
        Shape::YieldMany,
        Shape::PingPong,
        Shape::ChainedSpawn,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Shape::SpawnManyLocal => "spawn_many_local",
            Shape::SpawnManyRemoteIdle => "spawn_many_remote_idle",
            Shape::YieldMany => "yield_many",
            Shape::PingPong => "ping_pong",
            Shape::ChainedSpawn => "chained_spawn",
        }
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The runtimes under comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rt {
    Tinyloop,
    Tokio,
    Smol,
}

impl Rt {
    pub const ALL: [Rt; 3] = [Rt::Tinyloop, Rt::Tokio, Rt::Smol];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Rt::Tinyloop => "tinyloop",
            Rt::Tokio => "tokio",
            Rt::Smol => "smol",
        }
    }

    /// The column heading.
    pub fn label(self) -> &'static str {
        match self {
            Rt::Tinyloop => "tinyloop",
            Rt::Tokio => "tokio current_thread",
            Rt::Smol => "smol LocalExecutor",
        }
    }

    pub fn parse(s: &str) -> Option<Rt> {
        Rt::ALL.into_iter().find(|rt| rt.name() == s)
    }
}

/// Shared by the million sleeping tasks of the `sleepers` shape.
pub struct Sleepers {
    /// Tasks that have been polled once (and so registered their timer).
    pub started: AtomicUsize,
    /// Opens when every task has woken up and finished.
    pub finished: Arc<Latch>,
}

impl Sleepers {
    pub fn new(n: usize) -> Arc<Sleepers> {
        Arc::new(Sleepers {
            started: AtomicUsize::new(0),
            finished: Latch::new(n),
        })
    }

    pub fn started(&self) -> usize {
        self.started.load(Ordering::Acquire)
    }
}

/// What one runtime measured in the `sleepers` shape (run in its own process).
#[derive(Clone, Copy, Debug, Default)]
pub struct SleepersReport {
    /// Tasks spawned.
    pub tasks: usize,
    /// Time to spawn them all (the spawn loop alone).
    pub spawn: Duration,
    /// Time from the first spawn until every task had been polled once and was asleep.
    pub asleep: Duration,
    /// Resident memory before the first spawn, in KiB.
    pub baseline_kib: u64,
    /// Peak resident memory (`VmHWM`) once every task was asleep, in KiB.
    pub peak_kib: u64,
    /// Tasks that had already finished when the peak was read (should be zero).
    pub early: usize,
    /// Time from the shared deadline until the last task finished.
    pub wake_all: Duration,
}

impl SleepersReport {
    /// The median of each figure over several runs (`early`: the worst run).
    pub fn median(runs: &[SleepersReport]) -> SleepersReport {
        fn mid<T: Copy + Ord>(runs: &[SleepersReport], f: impl Fn(&SleepersReport) -> T) -> T {
            let mut values: Vec<T> = runs.iter().map(f).collect();
            values.sort();
            values[(values.len() - 1) / 2]
        }
        SleepersReport {
            tasks: mid(runs, |r| r.tasks),
            spawn: mid(runs, |r| r.spawn),
            asleep: mid(runs, |r| r.asleep),
            baseline_kib: mid(runs, |r| r.baseline_kib),
            peak_kib: mid(runs, |r| r.peak_kib),
            early: runs.iter().map(|r| r.early).max().unwrap_or(0),
            wake_all: mid(runs, |r| r.wake_all),
        }
    }

    /// One line on stdout that the parent process parses.
    pub fn to_line(self, rt: Rt) -> String {
        format!(
            "SLEEPERS {} {} {} {} {} {} {} {}",
            rt.name(),
            self.tasks,
            self.spawn.as_nanos(),
            self.asleep.as_nanos(),
            self.baseline_kib,
            self.peak_kib,
            self.early,
            self.wake_all.as_nanos()
        )
    }

    pub fn from_line(line: &str) -> Option<(Rt, SleepersReport)> {
        let mut it = line.strip_prefix("SLEEPERS ")?.split_whitespace();
        let rt = Rt::parse(it.next()?)?;
        let mut num = || it.next()?.parse::<u64>().ok();
        let tasks = num()? as usize;
        let spawn = Duration::from_nanos(num()?);
        let asleep = Duration::from_nanos(num()?);
        let baseline_kib = num()?;
        let peak_kib = num()?;
        let early = num()? as usize;
        let wake_all = Duration::from_nanos(num()?);
        Some((
            rt,
            SleepersReport {
                tasks,
                spawn,
                asleep,
                baseline_kib,
                peak_kib,
                early,
                wake_all,
            },
        ))
    }
}

/// `(VmRSS, VmHWM)` of this process in KiB, from `/proc/self/status`.
pub fn memory_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|kib| kib.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}
