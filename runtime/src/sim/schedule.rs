//! Which runnable task goes next: first come first served, or drawn from a seed.
//!
//! The run queue holds the tasks that are ready to run. Under [`Schedule::Fifo`] (the
//! default) the oldest goes first, which makes one order the only order a test ever sees.
//! The seeded schedules pick another way, and the same seed always picks the same way:
//!
//! - [`Schedule::Random`]: any runnable task, uniformly. I/O readiness reported in one
//!   reactor turn and timers due at the same instant are shuffled too.
//! - [`Schedule::Pct`]: after *probabilistic concurrency testing* (Burckhardt et al.,
//!   ASPLOS 2010). Each task gets a random priority when first seen and the highest
//!   runnable one runs; at `depth - 1` random steps the running task drops below all
//!   others. For threads that never yield, PCT finds a bug that needs `depth` ordering
//!   constraints among `n` threads, in a run of `k` steps, with probability at least
//!   `1 / (n · k^(depth-1))` per run. Tasks yield (a task woken during its own poll), and
//!   here a yield drops the task too, or a task spinning on `yield_now` would starve the
//!   others; those extra drops are outside the paper's analysis, so the bound is a guide
//!   here, not a guarantee.

use std::collections::{HashMap, VecDeque};

use super::rng::Rng;
use crate::task::TaskId;

/// How the runtime picks the next task to poll (see [`Builder::schedule`]).
///
/// [`Builder::schedule`]: crate::Builder::schedule
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Schedule {
    /// The task woken first runs first; I/O and timers wake in the order they are found.
    /// The default.
    #[default]
    Fifo,
    /// Any runnable task, drawn from the seed; I/O wakes of one reactor turn and timers of
    /// one instant in an order drawn from it as well.
    Random(u64),
    /// The highest-priority runnable task, with priorities drawn from `seed` and `depth - 1`
    /// priority drops at steps drawn from `0..steps` (the length of a run, estimated).
    /// Timers and I/O are shuffled as under [`Random`](Schedule::Random).
    Pct {
        /// Seeds the priorities, the change points and the shuffles.
        seed: u64,
        /// How many ordering constraints the bugs sought need (1 or more; 2 or 3 finds most).
        depth: u32,
        /// How many polls a run is expected to take; change points fall in `0..steps`.
        steps: u32,
    },
}

impl Schedule {
    /// The seed, for a seeded schedule.
    pub fn seed(&self) -> Option<u64> {
        match *self {
            Schedule::Fifo => None,
            Schedule::Random(seed) | Schedule::Pct { seed, .. } => Some(seed),
        }
    }
}

/// The draws of the streams of one seed (see [`Rng::new`]).
const QUEUE_STREAM: u64 = 1;
const REACTOR_STREAM: u64 = 2;

/// Picks from the run queue under a seeded schedule; `None` in the run queue under FIFO.
#[derive(Debug)]
pub(crate) struct Picker {
    /// Draws which task runs.
    queue: Rng,
    /// Draws the order of the wakes of one reactor turn, and of timers due together.
    reactor: Rng,
    /// The priorities, under PCT.
    pct: Option<Pct>,
}

/// The state of a PCT schedule.
#[derive(Debug)]
struct Pct {
    /// Each task's priority, drawn when it is first picked from; higher runs first. Drawn
    /// priorities have the top bit set, dropped ones do not, so every drop goes below them.
    priorities: HashMap<TaskId, u64>,
    /// The steps at which the task picked drops, ascending.
    change_points: Vec<u64>,
    /// How many picks so far.
    step: u64,
    /// The priority the next drop gives: lower than every earlier drop.
    next_low: u64,
}

impl Picker {
    /// The picker of `schedule`, or `None` for FIFO.
    pub(crate) fn new(schedule: Schedule) -> Option<Picker> {
        let seed = schedule.seed()?;
        let mut queue = Rng::new(seed, QUEUE_STREAM);
        let pct = match schedule {
            Schedule::Pct { depth, steps, .. } => {
                let mut change_points: Vec<u64> = (1..depth.max(1))
                    .map(|_| queue.below(steps.max(1) as usize) as u64)
                    .collect();
                change_points.sort_unstable();
                Some(Pct {
                    priorities: HashMap::new(),
                    change_points,
                    step: 0,
                    next_low: 1 << 62,
                })
            }
            _ => None,
        };
        Some(Picker {
            queue,
            reactor: Rng::new(seed, REACTOR_STREAM),
            pct,
        })
    }

    /// Removes the entry to run next from `queue` (not empty).
    pub(crate) fn pick<T>(&mut self, queue: &mut VecDeque<T>, id: impl Fn(&T) -> TaskId) -> T {
        let Some(pct) = &mut self.pct else {
            let i = self.queue.below(queue.len());
            return queue.swap_remove_back(i).expect("picked within the queue");
        };
        let rng = &mut self.queue;
        let mut best = (0, 0);
        for (i, entry) in queue.iter().enumerate() {
            let priority = *pct
                .priorities
                .entry(id(entry))
                .or_insert_with(|| rng.next_u64() | 1 << 63);
            if priority > best.1 {
                best = (i, priority);
            }
        }
        let entry = queue.remove(best.0).expect("picked within the queue");
        while pct.change_points.first() == Some(&pct.step) {
            pct.change_points.remove(0);
            pct.drop_priority(id(&entry));
        }
        pct.step += 1;
        entry
    }

    /// Task `id` woke itself during its poll (it yielded). Under PCT it drops below the
    /// others, or a task spinning on `yield_now` would never let them run.
    pub(crate) fn yielded(&mut self, id: TaskId) {
        if let Some(pct) = &mut self.pct {
            pct.drop_priority(id);
        }
    }

    /// Shuffles wakes that happened together (one reactor turn's, one instant's timers).
    pub(crate) fn shuffle<T>(&mut self, wakes: &mut [T]) {
        self.reactor.shuffle(wakes);
    }
}

impl Pct {
    fn drop_priority(&mut self, id: TaskId) {
        self.priorities.insert(id, self.next_low);
        self.next_low -= 1;
    }
}
