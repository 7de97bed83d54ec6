//! The stall watchdog: a report for what the wait-for graph cannot prove.
//!
//! The stuck check (`wait_graph.rs`) is exact, so it stays silent while a waker is held
//! where the runtime cannot see: a future of the program's own that keeps its waker, a
//! thread that may or may not call it. When such a runtime has been idle for the chosen
//! time, with no timer, socket or blocking job pending, the watchdog prints the same
//! report marked "possibly stuck", once per stall. It is off unless asked for:
//! [`Builder::stall_watchdog`](super::Builder::stall_watchdog) or
//! `RUNTIME_STALL_WATCHDOG=2s`.

use std::cell::Cell;
use std::fmt;
use std::io::{self, Write};
use std::rc::Rc;
use std::time::{Duration, Instant};

use std::sync::Arc;

use super::cell::MainTask;
use super::core::Core;
use crate::task::Report;

/// The environment variable that turns the watchdog on: a duration such as `2s`,
/// `500ms` or `1.5` (seconds).
pub const STALL_WATCHDOG_ENV: &str = "RUNTIME_STALL_WATCHDOG";

/// What a stall report is given to.
pub(crate) type OnStall = Rc<dyn Fn(&Report)>;

/// A runtime's watchdog.
pub(crate) struct Watchdog {
    /// How long the runtime must be idle, with nothing external pending, to report.
    limit: Duration,
    on_stall: OnStall,
    /// When the current stall began; `None` while something runs or can wake a task.
    since: Cell<Option<Instant>>,
    /// Whether this stall was reported already.
    reported: Cell<bool>,
}

impl Watchdog {
    /// A watchdog that gives its report to `on_stall` (or prints it to stderr).
    pub(crate) fn new(limit: Duration, on_stall: Option<OnStall>) -> Watchdog {
        Watchdog {
            limit,
            on_stall: on_stall.unwrap_or_else(|| Rc::new(print)),
            since: Cell::new(None),
            reported: Cell::new(false),
        }
    }

    /// Something ran, or something outside can wake a task: no stall.
    pub(crate) fn reset(&self) {
        self.since.set(None);
        self.reported.set(false);
    }

    /// The runtime is idle with nothing external pending: how long it may wait before the
    /// watchdog must look again (`None`: it reported this stall already).
    pub(crate) fn wait_limit(&self) -> Option<Duration> {
        if self.reported.get() {
            return None;
        }
        let since = *self.since.get().get_or_insert_with(Instant::now);
        self.since.set(Some(since));
        Some(self.limit.saturating_sub(since.elapsed()))
    }

    /// After a wait: whether the stall has lasted long enough to report.
    pub(crate) fn is_due(&self) -> bool {
        let due =
            !self.reported.get() && self.since.get().is_some_and(|s| s.elapsed() >= self.limit);
        if due {
            self.reported.set(true);
        }
        due
    }

    /// Gives the report to whoever wants it.
    pub(crate) fn report(&self, report: &Report) {
        (self.on_stall)(report);
    }

    /// How long the runtime waits before it reports.
    pub(crate) fn limit(&self) -> Duration {
        self.limit
    }
}

impl Core {
    /// The same core, with a stall watchdog.
    pub(crate) fn with_watchdog(mut self, watchdog: Option<Watchdog>) -> Core {
        self.watchdog = watchdog;
        self
    }

    fn watchdog(&self) -> Option<&Watchdog> {
        self.watchdog.as_ref()
    }

    /// Before the reactor waits: how long it may, if the watchdog watches this stall (the
    /// runtime is `idle`, and no timer, socket or blocking job is pending).
    pub(crate) fn stall_wait(&self, idle: bool) -> Option<Duration> {
        let watchdog = self.watchdog()?;
        if idle && !self.can_wake_from_outside() {
            return watchdog.wait_limit();
        }
        watchdog.reset();
        None
    }

    /// After the wait: reports the stall if nothing woke and the time is up.
    pub(crate) fn check_stall(&self, main: &Arc<MainTask>) {
        let Some(watchdog) = self.watchdog() else {
            return;
        };
        if !self.has_runnable() && watchdog.is_due() {
            // `run_until` holds one reference to `main` besides its wakers.
            let mut report = self.dump(Some((main, 1)));
            if let crate::task::Verdict::PossiblyStuck(reason) = &mut report.verdict {
                let idle = watchdog.limit().as_secs_f64();
                *reason = format!("idle for {idle} s; {reason}");
            }
            watchdog.report(&report);
        }
    }
}

/// The default: the report on stderr.
fn print(report: &Report) {
    let _ = write!(io::stderr(), "{report}");
}

impl fmt::Debug for Watchdog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Watchdog")
            .field("limit", &self.limit)
            .finish_non_exhaustive()
    }
}

/// Reads a duration as `RUNTIME_STALL_WATCHDOG` gives it: `2s`, `500ms`, `1.5` (seconds).
///
/// # Errors
/// A message saying what was expected, for a value that is not such a duration (or is 0).
pub(crate) fn parse_duration(value: &str) -> Result<Duration, String> {
    let value = value.trim();
    let (number, unit) = match value.strip_suffix("ms") {
        Some(number) => (number, 0.001),
        None => (value.strip_suffix('s').unwrap_or(value), 1.0),
    };
    let seconds = number
        .trim()
        .parse::<f64>()
        .ok()
        .map(|n| n * unit)
        .filter(|s| s.is_finite() && *s > 0.0 && *s < 1e9)
        .ok_or_else(|| {
            format!("`{value}` is not a duration (expected e.g. `2s`, `500ms` or `1.5`)")
        })?;
    Ok(Duration::from_secs_f64(seconds))
}

/// The watchdog's limit from the environment, if it is set; a bad value is reported on
/// stderr and ignored.
pub(crate) fn limit_from_env() -> Option<Duration> {
    let value = std::env::var(STALL_WATCHDOG_ENV).ok()?;
    match parse_duration(&value) {
        Ok(limit) => Some(limit),
        Err(e) => {
            let _ = writeln!(io::stderr(), "tinyloop: ignoring {STALL_WATCHDOG_ENV}: {e}");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::parse_duration;

    #[test]
    fn a_watchdog_duration_reads_seconds_milliseconds_or_a_bare_number() {
        assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration(" 1.5 "), Ok(Duration::from_millis(1500)));
        for bad in ["", "0", "-1s", "soon", "1h", "inf"] {
            assert!(parse_duration(bad).is_err(), "{bad} accepted");
        }
    }
}
