//! One event stream for every scheduling decision.
//!
//! The runtime calls a single hook for everything it decides: a task spawned, a poll started
//! and what it returned, a waker called (and by whom), the reactor parking and waking up, a
//! timer firing, a task finishing. With no hook attached this costs one branch per decision.
//!
//! [`Recorder`] is the hook the tests use: it keeps every [`Event`] in memory so a test can
//! assert the exact sequence.
//!
//! ```
//! use runtime::trace::Recorder;
//! use runtime::Runtime;
//!
//! let recorder = Recorder::new();
//! let rt = Runtime::builder().on_event(recorder.clone()).build().unwrap();
//! rt.block_on(async {
//!     runtime::spawn(async {}).await.unwrap();
//! });
//! assert_eq!(
//!     recorder.lines(),
//!     [
//!         "poll main",           // block_on polls its future,
//!         "spawn t1 by main",    // which spawns task 1 (queued at the back)
//!         "pending main",        // and waits for it;
//!         "poll t1",             // task 1 runs to completion,
//!         "ready t1",
//!         "finish t1 Completed",
//!         "wake main by t1",     // its JoinHandle's waker queues main,
//!         "poll main",           // and main completes.
//!         "ready main",
//!     ]
//! );
//! ```
//!
//! # Watching a program run
//!
//! Four more hooks turn the stream into something to read:
//!
//! - [`Timeline`] prints aligned lines (time, task or combinator child, what happened, why):
//!   compact by default, one line per step a learner follows (a child's poll with what it
//!   parked on and where), or one per event with [`Detail::Full`]; and, when the runtime is
//!   dropped, a [`Summary`] with a row per task and per child: polls, wakes by cause, busy
//!   time, wake→poll latency.
//! - [`ChromeTrace`] writes the events in the Chrome Trace Event Format, for
//!   Chromium DevTools' Performance panel (offline) or [Perfetto](https://ui.perfetto.dev): a
//!   track per task and per combinator child, polls as slices, phases on their own tracks,
//!   wakes as arrows from their cause.
//! - [`HtmlTrace`] writes one self-contained HTML page that steps through the run: a
//!   waterfall of every task and child, and at each event the task being polled, the run
//!   queue, the sockets the reactor watches for whom, the timers armed, the blocking jobs in
//!   flight. [`Stepper`] applies the page's rules in Rust, for tests. The page needs four
//!   events the others leave out: [`Event::TimerArmed`], [`Event::TimerCancelled`],
//!   [`Event::Interest`] and [`Event::Deregistered`].
//! - [`Config`] reads which of them to attach from the `RUNTIME_TRACE` environment variable
//!   (`1`, `chrome:PATH`, `html:PATH`, or `1,chrome:PATH`) or from `--trace` /
//!   `--trace-json PATH` / `--trace-html PATH` command-line flags; a runtime honours `RUNTIME_TRACE` unless built with
//!   [`Builder::trace_from_env(false)`](crate::Builder::trace_from_env).
//!
//! ```
//! use runtime::trace::Timeline;
//! use runtime::Runtime;
//!
//! // Without colour, under the virtual clock, the output is the same on every run.
//! let rt = Runtime::builder()
//!     .virtual_clock(true)
//!     .on_event(Timeline::to_writer(std::io::stdout(), false))
//!     .build()?;
//! rt.block_on(async { runtime::yield_now().await });
//! drop(rt); // prints the per-task summary
//! # Ok::<(), std::io::Error>(())
//! ```

mod chrome;
mod config;
mod event;
mod html;
mod kind;
mod recorder;
mod stepper;
mod summary;
mod timeline;
mod tracer;

pub use crate::reactor::{Readiness, UnparkReason};
pub use crate::task::{Await, AwaitPoint, ChildId, TaskId};
pub use chrome::ChromeTrace;
pub(crate) use config::resolve;
pub use config::{Config, ConfigError, ENV_VAR};
pub use event::{Event, IgnoredBecause, Outcome, PollResult, WakeCause};
pub use html::HtmlTrace;
pub use kind::EventKind;
pub use recorder::{Record, Recorder};
pub use stepper::{ArmedTimer, BlockingWait, SocketWait, Stepper};
pub use summary::{ChildStats, Summary, TaskStats, WakesByCause};
pub use timeline::{Detail, Timeline};
pub(crate) use tracer::Tracer;

use std::time::Duration;

/// Receives every scheduling decision of one runtime, on the runtime's thread.
///
/// Attach one with [`Builder::on_event`](crate::Builder::on_event). A hook must not block;
/// it may keep the events (as [`Recorder`] does) or print them.
pub trait Hook {
    /// Called once per event. `at` is the time since the runtime was built: real time, or
    /// virtual time under the virtual clock.
    fn on_event(&self, at: Duration, event: &Event);

    /// Called once when the runtime is dropped, after its last event (the `Finished` of
    /// every task it drops). Hooks that print a summary or write a file do it here; the
    /// default does nothing.
    fn finish(&self) {}
}
