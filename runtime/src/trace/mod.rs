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

mod event;
mod recorder;

pub use event::{
    Event, IgnoredBecause, Outcome, PollResult, Readiness, TaskId, UnparkReason, WakeCause,
};
pub use recorder::{Record, Recorder};

use std::time::Duration;

/// Receives every scheduling decision of one runtime, on the runtime's thread.
///
/// Attach one with [`Builder::on_event`](crate::Builder::on_event). A hook must not block;
/// it may keep the events (as [`Recorder`] does) or print them.
pub trait Hook {
    /// Called once per event. `at` is the time since the runtime was built: real time, or
    /// virtual time under the virtual clock.
    fn on_event(&self, at: Duration, event: &Event);
}
