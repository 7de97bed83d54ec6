//! tinyloop's runtime: a single-threaded async executor and a mio reactor, small enough to
//! read in an afternoon, that records every scheduling decision it makes.
//!
//! # From `block_on` to a wakeup
//!
//! [`block_on`] runs a future on the current thread. Futures it [`spawn`]s become *tasks*:
//! each is one allocation holding the future and a small state word, queued at the back of
//! a FIFO *run queue*. The loop takes tasks from the front and polls each once:
//!
//! - a poll that returns `Ready` finishes the task and wakes whoever awaits its
//!   [`JoinHandle`];
//! - a poll that returns `Pending` leaves the task idle. Before returning, the future gave
//!   a clone of its [`Waker`](std::task::Waker) to whatever it waits on: a timer, a socket,
//!   a channel, another thread.
//!
//! When the queue is empty, the *reactor* waits (in `epoll_wait`) for a socket to become
//! ready, the next timer deadline, or another thread's wake. What it learns, it turns into
//! waker calls, which put tasks back into the run queue, and the loop goes on.
//!
//! ```
//! use std::time::Duration;
//! use runtime::time::sleep;
//!
//! let order = runtime::block_on(async {
//!     let slow = runtime::spawn(async {
//!         sleep(Duration::from_millis(20)).await; // Pending: the waker goes to a timer
//!         "slow"
//!     });
//!     let fast = runtime::spawn(async { "fast" });  // Ready on its first poll
//!     // While `main` awaits, the two tasks run; the timer wakes `slow` later.
//!     (fast.await.unwrap(), slow.await.unwrap())
//! });
//! assert_eq!(order, ("fast", "slow"));
//! ```
//!
//! # Watching it think
//!
//! Every decision (spawn, poll, what the poll returned, wake and its cause, reactor park
//! and unpark, timer fired, task finished) passes through one hook; see [`trace`]. Tests
//! attach a [`trace::Recorder`] and assert the exact sequence.
//!
//! # Rules the scheduler keeps
//!
//! - The run queue is FIFO. A task woken while already queued is queued once; a task woken
//!   during its own poll goes to the back after the poll; waking a finished task does
//!   nothing.
//! - A wake on the runtime's thread takes no lock and makes no syscall. A wake from another
//!   thread goes through an injection queue and interrupts the reactor.
//! - At least every [`EVENT_INTERVAL`] polls, the reactor is polled without blocking, so
//!   busy tasks cannot starve I/O or timers.
//! - A panicking task is caught: its [`JoinHandle`] returns [`JoinError::Panicked`], and
//!   every other task keeps running.
//! - Dropping the [`Runtime`] drops every unfinished future, inside the runtime.
//!
//! The runtime is Linux-only: it uses a timerfd for timer precision.

#![deny(missing_docs)]
#![warn(missing_debug_implementations, rust_2018_idioms)]
#![warn(clippy::undocumented_unsafe_blocks)]
#![doc(test(attr(deny(warnings))))]

mod blocking;
mod executor;
mod loom;
mod reactor;
mod task;

pub mod net;
pub mod sync;
pub mod time;
pub mod trace;

pub use blocking::spawn_blocking;
pub use executor::{block_on, spawn, spawn_named, Builder, Runtime, EVENT_INTERVAL};
pub use task::{yield_now, JoinError, JoinHandle, Stuck, TaskReport, WaitsOn, YieldNow};
