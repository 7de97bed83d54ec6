//! tinyloop's runtime: a single-threaded async executor and a mio reactor, small enough to
//! read in an afternoon, that records every scheduling decision it makes.
//!
//! # From `block_on` to a wakeup
//!
//! [`block_on`] runs a future on the current thread. Futures it [`spawn`]s become *tasks*:
//! each is one allocation holding the future and a small state word, queued at the back of
//! a FIFO *run queue*. `block_on`'s own future is an entry of that queue too. The loop
//! takes entries from the front and polls each once:
//!
//! - a poll that returns `Ready` finishes the task and wakes whoever awaits its
//!   [`JoinHandle`];
//! - a poll that returns `Pending` leaves the task idle. Before returning, the future gave
//!   a clone of its [`Waker`](std::task::Waker) to whatever it waits on: a timer, a socket,
//!   a channel, another thread.
//!
//! When the queue is empty, the *reactor* waits (in `epoll_wait`, or kqueue) for a socket
//! to become ready, the next timer deadline, or another thread's wake. What it learns, it
//! turns into waker calls, which put tasks back into the run queue, and the loop goes on.
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
//! # Reading order
//!
//! The core is eight files, read top to bottom in this order:
//!
//! 1. `executor/mod.rs`: [`Runtime`], [`block_on`] and [`spawn`], the front door.
//! 2. `executor/core.rs`: the loop. Pop an entry, poll it with the bookkeeping every poll
//!    shares, and when nothing is runnable, turn the reactor in labelled steps.
//! 3. `executor/cell.rs`: a task. Its header, its cell (the future, then its output), and
//!    the rule that says who may touch the future when.
//! 4. `executor/wake.rs`: the wake path. The state word, the waker vtable, and where a
//!    wake lands.
//! 5. `executor/run_queue.rs`: the run queue a wake lands in, and which entry goes next
//!    (first in, first out, unless a seeded schedule picks).
//! 6. `executor/shared.rs`: what other threads reach. The injection queue for their wakes,
//!    the interrupt that ends the reactor's wait.
//! 7. `reactor/mod.rs`: I/O readiness. Sources, edge-triggered readiness, the one wait.
//! 8. `reactor/time.rs`: the time driver. The clock, the timers, the wakeup at the
//!    earliest deadline.
//!
//! Then `executor/join_handle.rs`, the other side of the cell's rule: awaiting a task's
//! output, or aborting it.
//!
//! A wake from epoll to the next poll crosses three of them: `reactor/mod.rs` collects the
//! waker, `executor/wake.rs` queues its task, `executor/core.rs` polls it. The modules form
//! layers that import downward only: `task/` and `reactor/` (which know nothing of the
//! executor), then `trace/` and `sync/`, then `executor/`, then everything built on it
//! (`time/`, `net/`, `combinators/`, `instrument.rs`, `testing.rs`); `sim/` sits below the
//! executor, beside `reactor/`. Around the core, and not needed to follow it:
//! `executor/diagnostics.rs` (the lost-waker lint), `executor/wait_graph.rs` with
//! `task/parking.rs` (the stuck report: see below), `executor/watchdog.rs`, `executor/builder.rs`,
//! `executor/blocking.rs` ([`spawn_blocking`]), `task/` and `reactor/readiness.rs` (the
//! vocabulary: ids, errors, flags), and the modules below.
//!
//! # When nothing can wake anything
//!
//! [`sync`]'s semaphore and channels keep their waiters with the line that parked them
//! and who could release them, and register their *waiting room* in a per-thread lot the
//! first time someone waits. When no task is runnable and no timer, socket or blocking job
//! is pending, the runtime counts where every task's wakers sit: if each is in a waiting
//! room, in a join slot or in a combinator whose children's wakers all are, only a task
//! could release it, and none will ever run. [`Runtime::try_block_on`] then returns a
//! [`Stuck`] report instead of hanging: each task, where it waits, who holds what it needs,
//! and the cycle.
//!
//! ```
//! use std::rc::Rc;
//! use runtime::sync::Semaphore;
//!
//! let rt = runtime::Runtime::new()?;
//! let stuck = rt.try_block_on(async {
//!     let (a, b) = (Rc::new(Semaphore::new(1)), Rc::new(Semaphore::new(1)));
//!     let (a2, b2) = (a.clone(), b.clone());
//!     let left = runtime::spawn_named("left", async move {
//!         let _a = a.acquire().await;
//!         runtime::yield_now().await;
//!         let _b = b.acquire().await; // held by right
//!     });
//!     let right = runtime::spawn_named("right", async move {
//!         let _b = b2.acquire().await;
//!         runtime::yield_now().await;
//!         let _a = a2.acquire().await; // held by left
//!     });
//!     let _ = (left.await, right.await);
//! });
//! let report = stuck.unwrap_err().to_string();
//! assert!(report.contains("a cycle back to t1 \"left\""), "{report}");
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! A waker held anywhere else (a timer, a socket, another thread, the program's own code)
//! could still fire, so the report never fires then; [`Runtime::dump`] shows the same
//! report for any running program, and [`Builder::stall_watchdog`] prints it when such a
//! program has been idle for a while.
//!
//! # Watching it think
//!
//! Every decision (spawn, poll, what the poll returned, wake and its cause, reactor park
//! and unpark, timer fired, task finished) passes through one hook; see [`trace`]. Tests
//! attach a [`trace::Recorder`] and assert the exact sequence.
//!
//! Inside a task, the combinators record each child (`main › hero 4`: its polls, what each
//! `Pending` parked on and where, every wake, its end), and every leaf future the runtime
//! owns says what it waits on (`pending on socket read (fetcher/src/…:88)`). Programs name
//! what only they know with [`instrument::label`] (a child's name) and [`instrument::span`]
//! (a phase, such as the fetcher's `connect` and `tls handshake`).
//!
//! # Other orders
//!
//! A test sees the one order FIFO gives. [`sim`] makes the order an input: a seeded
//! [`sim::Schedule`] draws the next task, a simulated network runs the sockets in virtual
//! time, and [`testing::explore`] runs a test under many seeds and reports the first that
//! fails with the call that replays it.
//!
//! # Rules the scheduler keeps
//!
//! - The run queue is FIFO (unless a seeded [`sim::Schedule`] is asked for). A task woken while already queued is queued once; a task woken
//!   during its own poll goes to the back after the poll; waking a finished task does
//!   nothing.
//! - A wake on the runtime's thread takes no lock and makes no syscall. A wake from another
//!   thread goes through an injection queue and interrupts the reactor; so does dropping a
//!   waker there, since it may have been the last one and the runtime must check again
//!   whether anything can still wake its tasks.
//! - The [`sync`] primitives are single-threaded (`!Send`): every holder of a sender, a
//!   receiver or a permit lives on the runtime's thread, so a report can tell exactly who
//!   could release what. A value from another thread comes in through [`sync::thread_oneshot`].
//! - At least every [`EVENT_INTERVAL`] polls, the reactor is polled without blocking, so
//!   busy tasks cannot starve I/O or timers.
//! - A panicking task is caught: its [`JoinHandle`] returns [`JoinError::Panicked`], and
//!   every other task keeps running.
//! - A [`JoinHandle`] awaited inside another runtime on its thread, before its task
//!   finished, returns [`JoinError::OtherRuntime`] at once: its own runtime cannot run
//!   while the other one's `block_on` holds the thread, so waiting would never end.
//! - A waker or a trace hook that panics is caught too: no other wake is lost and no task
//!   is left half polled.
//! - Dropping the [`Runtime`] drops every unfinished future exactly once, in place, inside
//!   the runtime, including futures spawned by destructors meanwhile; a [`JoinHandle`]
//!   polled during or after that reports [`JoinError::Cancelled`].
//!
//! # From asyncio
//!
//! Many futures at once: [`gather`] waits for all and keeps input order, [`as_completed`]
//! hands outputs over as they finish, [`TaskGroup`] makes spawned tasks fail together.
//! Each child of these gets a waker of its own, so a wake re-polls that child alone (see
//! [`combinators`]). In Rust, dropping a future cancels it; the last column says what
//! dropping each one does.
//!
//! | asyncio | tinyloop | differences | dropping it |
//! |---|---|---|---|
//! | `create_task(coro)` | [`spawn`] | | detaches the task ([`abort_on_drop`] cancels it) |
//! | `task.cancel()` | [`JoinHandle::abort`] | the future is dropped, not sent an exception | |
//! | `gather(*aws)` | [`gather`] | children run in the caller's task, need not be `'static` | drops the unfinished children |
//! | `gather(*aws)`, first error | [`try_gather`] | returns the first `Err` at once and drops the other children (asyncio leaves them running and loses their errors) | drops the unfinished children |
//! | `gather(*aws, return_exceptions=True)` | [`gather`] of futures returning `Result` | every outcome is a value | drops the unfinished children |
//! | `gather(a, b)` of mixed types | [`join`], [`join3`] | a tuple of outputs | drops the unfinished futures |
//! | `as_completed(aws)` | [`as_completed`] | `next().await`, or iterate over futures that each resolve to the next output | drops the unfinished children |
//! | `as_completed(aws, timeout=t)` | [`as_completed_timeout`] | items are `Result<_, Elapsed>`; at the deadline the unfinished children are dropped (asyncio leaves them running) | drops the unfinished children |
//! | `wait(aws, return_when=..., timeout=t)` | [`wait`], [`Wait::timeout`](combinators::Wait::timeout) | returns the outputs and the unfinished futures themselves; no `FIRST_EXCEPTION` | drops the futures it holds |
//! | `wait(..., FIRST_COMPLETED)` then cancel | [`race`] | two futures of one output type; `a` wins ties | drops both futures |
//! | `wait_for(aw, t)`, `timeout(t)` | [`time::timeout`] | the future is polled before the timer: one ready at the deadline wins | drops the future |
//! | `TaskGroup()` | [`TaskGroup`] | children return `Result`; the first failure is returned, not an `ExceptionGroup` | aborts every unfinished child |
//! | `Future()` | [`sync::oneshot`] | `send` consumes the sender: setting twice does not compile | the other side sees it |
//! | `Queue(maxsize)` | [`sync::mpsc`] | one receiver; `maxsize` must be at least 1 | dropping the receiver fails the sends |
//! | `Semaphore(n)` | [`sync::Semaphore`] | a permit is a guard; waiters served in order | a `Permit` gives its permit back |
//!
//! # Platforms
//!
//! Linux is where tinyloop is built and tested: epoll, and a timerfd so that timers fire
//! to the microsecond rather than epoll's millisecond. On macOS and the BSDs, mio's kqueue
//! takes a precise timeout, so no timerfd is needed; the crate compiles there (checked by
//! `scripts/check-targets`), untested. Under Miri the deadline goes through epoll's
//! timeout and wakes up to a millisecond late.

#![deny(missing_docs)]
#![warn(missing_debug_implementations, rust_2018_idioms)]
#![warn(clippy::undocumented_unsafe_blocks)]
#![doc(test(attr(deny(warnings))))]

mod executor;
mod flags;
mod loom;
mod reactor;
mod task;

#[cfg(test)]
mod tests;

pub mod combinators;
pub mod instrument;
pub mod net;
pub mod sim;
pub mod sync;
pub mod testing;
pub mod time;
pub mod trace;

pub use combinators::{
    abort_on_drop, as_completed, as_completed_timeout, gather, join, join3, race, try_gather, wait,
    ChildHandle, GroupError, ReturnWhen, TaskGroup,
};
pub use executor::{
    block_on, dump, spawn, spawn_blocking, spawn_named, Builder, JoinHandle, Runtime,
    EVENT_INTERVAL, STALL_WATCHDOG_ENV,
};
pub use task::{
    yield_now, JoinError, OtherRuntime, Report, RuntimeId, Stuck, TaskReport, TaskState, Verdict,
    Wait, WaitsOn, YieldNow,
};
