//! Testing scheduler behaviour: run a test body under many seeded schedules, and one
//! schedule again ([`crate::sim`] has the machinery: the schedules and the network).
//!
//! Each schedule runs the body in a fresh runtime: seeded, on the virtual clock, with a
//! simulated network, so nothing outside the seed decides what happens. The first
//! schedule that fails (a panic, a failed assertion, a [`Stuck`](crate::Stuck) report)
//! stops the exploration, which then runs that seed once more with the timeline on (the
//! same seed runs the same way) and reports the seed, the call that replays it, and the
//! timeline.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::io::{self, Write};
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;

use crate::executor::Runtime;
use crate::sim::Schedule;
use crate::task::JoinError;
use crate::trace::{Detail, Timeline};

/// The environment variable that sets how many schedules [`explore`] runs, overriding the
/// count in the code: `RUNTIME_SCHEDULES=10000 cargo test` explores more than CI does.
pub const SCHEDULES_ENV: &str = "RUNTIME_SCHEDULES";

/// The environment variable that makes [`explore`] run one seed, with its timeline on
/// standard error: `RUNTIME_SEED=37 cargo test overdraft` replays a failure. (A value that
/// is not a number, here or in [`SCHEDULES_ENV`], stops the test with a message.)
pub const SEED_ENV: &str = "RUNTIME_SEED";

/// Runs `body` under `schedules` random schedules (seeds `0..schedules`; see
/// [`SCHEDULES_ENV`] and [`SEED_ENV`]), each in a fresh simulated runtime.
///
/// # Panics
/// At the first schedule that fails (its body panics, or the runtime is stuck, or a
/// spawned task panics: see [`Explore::task_panics_fail`]), with the seed, the call that
/// replays it, and that run's timeline (see [`Failure`]).
///
/// ```
/// use std::{cell::Cell, rc::Rc};
///
/// // Two tasks add to a counter, reading and writing it around a yield: a lost update
/// // some schedules show (FIFO never does).
/// let failure = runtime::testing::Explore::new(100).find(|| async {
///     let counter = Rc::new(Cell::new(0));
///     let add = |counter: Rc<Cell<i32>>| async move {
///         let seen = counter.get();
///         runtime::yield_now().await;
///         counter.set(seen + 1);
///     };
///     let (a, b) = (runtime::spawn(add(counter.clone())), runtime::spawn(add(counter.clone())));
///     let _ = (a.await, b.await);
///     assert_eq!(counter.get(), 2, "an update was lost");
/// });
/// let failure = failure.expect("some schedule loses an update");
/// assert!(failure.reason.contains("an update was lost"));
/// assert!(failure.to_string().contains("runtime::testing::replay("));
/// ```
#[track_caller]
pub fn explore<F, Fut>(schedules: u32, body: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()>,
{
    Explore::new(schedules).run(body);
}

/// Runs `body` once under `schedule` (a seed for [`Schedule::Random`], or any
/// [`Schedule`]) in a fresh simulated runtime, with its timeline on standard error: the
/// run [`explore`] reported, exactly.
///
/// # Panics
/// As the run does: with its panic, or with its [`Stuck`](crate::Stuck) report.
pub fn replay<F, Fut>(schedule: impl Into<Schedule>, body: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()>,
{
    let schedule = schedule.into();
    let (outcome, _) = run_once(schedule, &body, Some(Box::new(io::stderr())), true);
    if let Err(reason) = outcome {
        panic!("replay of {schedule:?} failed: {reason}");
    }
}

impl From<u64> for Schedule {
    /// A seed means [`Schedule::Random`] with it.
    fn from(seed: u64) -> Schedule {
        Schedule::Random(seed)
    }
}

/// An exploration: how many schedules, of which kind.
#[derive(Clone, Debug)]
#[must_use = "an Explore does nothing until `run` or `find`"]
pub struct Explore {
    schedules: u32,
    /// `Some((depth, steps))` for PCT schedules; random otherwise.
    pct: Option<(u32, u32)>,
    /// Whether the environment may override the count or pick one seed.
    from_env: bool,
    /// Whether a spawned task's panic fails the schedule, awaited or not.
    task_panics_fail: bool,
}

/// The first schedule that failed, and how.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Failure {
    /// The schedule; pass it (or its seed) to [`replay`].
    pub schedule: Schedule,
    /// How many schedules ran, this one included.
    pub runs: u32,
    /// The panic message or the stuck report.
    pub reason: String,
    /// The failing run's terminal timeline (compact), from a second run of the seed.
    pub timeline: String,
}

impl Explore {
    /// An exploration of `schedules` random schedules (the count [`SCHEDULES_ENV`] gives
    /// wins, unless [`from_env(false)`](Explore::from_env)).
    pub fn new(schedules: u32) -> Explore {
        Explore {
            schedules,
            pct: None,
            from_env: true,
            task_panics_fail: true,
        }
    }

    /// Whether a spawned task that panics fails the schedule even if nobody awaits its
    /// handle (default: yes; a panic in a server task would otherwise pass unseen). Turn it
    /// off for a test that expects a task to panic and checks its `JoinError`.
    pub fn task_panics_fail(mut self, enabled: bool) -> Explore {
        self.task_panics_fail = enabled;
        self
    }

    /// Explores PCT schedules instead ([`Schedule::Pct`]) of the given depth, with change
    /// points spread over runs of about `steps` polls.
    pub fn pct(mut self, depth: u32, steps: u32) -> Explore {
        self.pct = Some((depth, steps));
        self
    }

    /// Whether [`SCHEDULES_ENV`] and [`SEED_ENV`] apply (default: yes).
    pub fn from_env(mut self, enabled: bool) -> Explore {
        self.from_env = enabled;
        self
    }

    /// The schedule of seed `seed`.
    fn schedule(&self, seed: u64) -> Schedule {
        match self.pct {
            Some((depth, steps)) => Schedule::Pct { seed, depth, steps },
            None => Schedule::Random(seed),
        }
    }

    /// The seeds to run: `0..count`, or the one seed the environment names (then `true`:
    /// that run shows its timeline).
    ///
    /// # Panics
    /// If [`SEED_ENV`] or [`SCHEDULES_ENV`] is set to something that is not a number.
    fn seeds(&self) -> (std::ops::Range<u64>, bool) {
        fn var<T: std::str::FromStr>(name: &str) -> Option<T> {
            let text = std::env::var(name).ok()?;
            let parsed = text.trim().parse().ok();
            assert!(parsed.is_some(), "{name}={text:?} is not a whole number");
            parsed
        }
        if !self.from_env {
            return (0..u64::from(self.schedules), false);
        }
        if let Some(seed) = var::<u64>(SEED_ENV) {
            return (seed..seed.saturating_add(1), true);
        }
        let count = var::<u32>(SCHEDULES_ENV).unwrap_or(self.schedules);
        (0..u64::from(count), false)
    }

    /// Runs `body` under each schedule until one fails.
    ///
    /// # Panics
    /// With the [`Failure`], printed.
    #[track_caller]
    pub fn run<F, Fut>(&self, body: F)
    where
        F: Fn() -> Fut,
        Fut: Future<Output = ()>,
    {
        if let Some(failure) = self.find(body) {
            panic!("{failure}");
        }
    }

    /// Runs `body` under each schedule until one fails, and returns that failure (`None`
    /// if every schedule passed).
    pub fn find<F, Fut>(&self, body: F) -> Option<Failure>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = ()>,
    {
        let (seeds, one_seed) = self.seeds();
        let fail = self.task_panics_fail;
        for (runs, seed) in (1..).zip(seeds) {
            let schedule = self.schedule(seed);
            let out = one_seed.then(|| Box::new(io::stderr()) as Box<dyn Write>);
            let (outcome, _) = run_once(schedule, &body, out, fail);
            let Err(reason) = outcome else { continue };
            // The same seed runs the same way: again, with the timeline on.
            let (again, timeline) = run_once(schedule, &body, Some(Box::new(io::sink())), fail);
            let mut timeline = timeline.unwrap_or_default();
            if again.as_ref().err() != Some(&reason) {
                timeline.push_str(&format!(
                    "(the second run of this seed ended differently: {again:?}; something \
                     outside the seed, such as a real socket, a thread or the wall clock, \
                     takes part)\n"
                ));
            }
            return Some(Failure {
                schedule,
                runs,
                reason,
                timeline,
            });
        }
        None
    }
}

/// Runs `body` once under `schedule`, with a timeline written to `out` if given (and
/// captured). Returns the failure's reason, if it failed (with `task_panics_fail`, a
/// spawned task's panic is one), and the captured timeline.
fn run_once<F, Fut>(
    schedule: Schedule,
    body: &F,
    out: Option<Box<dyn Write>>,
    task_panics_fail: bool,
) -> (Result<(), String>, Option<String>)
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()>,
{
    let mut builder = Runtime::builder()
        .schedule(schedule)
        .simulated_network(true)
        .trace_from_env(false)
        .lost_waker_lint(false);
    let captured = Buffer::default();
    if let Some(out) = out {
        let tee = Tee(out, captured.clone());
        builder = builder.on_event(Timeline::to_writer(tee, false).detail(Detail::Compact));
    }
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
        let rt = builder
            .build()
            .map_err(|e| format!("cannot build a runtime: {e}"))?;
        let result = rt.try_block_on(body()).map_err(|stuck| stuck.to_string());
        let task_panic = rt.take_task_panic().filter(|_| task_panics_fail);
        drop(rt); // the timeline's summary is written as the runtime drops
        match (result, task_panic) {
            (Ok(()), Some((task, message))) => Err(format!("{task} panicked: {message}")),
            (result, _) => result,
        }
    }));
    let outcome = match outcome {
        Ok(result) => result,
        Err(payload) => Err(match JoinError::from_panic(payload) {
            JoinError::Panicked { message } => format!("panicked: {message}"),
            other => other.to_string(),
        }),
    };
    (outcome, Some(captured.take()).filter(|t| !t.is_empty()))
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (call, which) = match self.schedule {
            Schedule::Random(seed) => (
                format!("runtime::testing::replay({seed}, body)"),
                format!("seed {seed}"),
            ),
            other => (
                format!("runtime::testing::replay({other:?}, body)"),
                format!("{other:?}"),
            ),
        };
        let nth = match self.runs {
            1 => "the first schedule tried".to_owned(),
            n => format!("schedule {n} of those tried"),
        };
        writeln!(f, "{which} failed ({nth}): {}", self.reason)?;
        writeln!(f, "replay it with {call}")?;
        if let Some(seed) = self.schedule.seed() {
            writeln!(f, "  or run the test again with {SEED_ENV}={seed}")?;
        }
        writeln!(f, "the failing run, step by step:")?;
        f.write_str(&self.timeline)
    }
}

/// A timeline's text, kept in memory.
#[derive(Clone, Default)]
struct Buffer(Rc<RefCell<Vec<u8>>>);

impl Buffer {
    fn take(&self) -> String {
        String::from_utf8_lossy(&self.0.take()).into_owned()
    }
}

impl Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Writes to an output and to a buffer.
struct Tee(Box<dyn Write>, Buffer);

impl Write for Tee {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.1.write_all(bytes)?;
        let _ = self.0.write_all(bytes); // a closed stderr must not fail the run
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}
