//! The runtime: a run queue of tasks (FIFO unless a seeded schedule picks) in front of the
//! reactor, on one thread.
//!
//! The core, in reading order: this file (the public API), `core.rs` (the loop),
//! `cell.rs` (a task), `wake.rs` (the wake path), `run_queue.rs` (where a wake lands, and
//! which entry goes next), `shared.rs` (what other threads reach),
//! then the reactor's two files (see the
//! crate docs). `join_handle.rs` (awaiting a task), `builder.rs`, `blocking.rs`,
//! `diagnostics.rs` (the lost-waker lint), `wait_graph.rs` (the stuck report),
//! `watchdog.rs` and `simulation.rs` (the seeded picker and the simulated network) build on
//! them.

mod blocking;
mod builder;
mod cell;
pub(crate) mod core;
mod diagnostics;
mod join_handle;
pub(crate) mod run_queue;
pub(crate) mod shared;
mod simulation;
mod wait_graph;
pub(crate) mod wake;
mod watchdog;

#[cfg(all(test, loom))]
mod loom_models;
#[cfg(test)]
mod tests;

pub use blocking::spawn_blocking;
pub(crate) use blocking::spawn_blocking_at;
pub use builder::Builder;
pub use join_handle::JoinHandle;
pub use watchdog::STALL_WATCHDOG_ENV;

use std::fmt;
use std::future::Future;
use std::io;
use std::panic::Location;
use std::rc::Rc;
use std::sync::Arc;

use self::core::Core;
use crate::sim::{self, Network};
use crate::task::{Report, RuntimeId, Stuck};

/// How many tasks the runtime polls, at most, between two polls of the reactor.
///
/// Neither a task that keeps waking itself nor a long run queue can starve I/O or timers:
/// after this many polls the runtime polls the reactor without blocking (and fires expired
/// timers) before it continues with the queue. The value is tokio's, chosen there as a
/// prime that balances fairness against the cost of a syscall per batch. Change it with
/// [`Builder::event_interval`].
pub const EVENT_INTERVAL: u32 = 61;

/// A single-threaded async runtime: an executor and a reactor.
///
/// Tasks run on the thread that owns the runtime, one at a time, each until its next
/// `.await` that is not ready. `Runtime` is `!Send`: it and its tasks stay on that thread,
/// so tasks need not be `Send`.
///
/// Dropping the runtime drops every unfinished task's future exactly once, in place and
/// inside the runtime (so destructors can still deregister sockets and timers, and tasks
/// they spawn are dropped too); a waker that fires during or after that does nothing, and
/// a [`JoinHandle`] awaited meanwhile or later reports
/// [`JoinError::Cancelled`](crate::JoinError::Cancelled).
///
/// ```
/// let rt = runtime::Runtime::new()?;
/// let handle = rt.spawn(async { 6 * 7 });
/// assert_eq!(rt.block_on(handle)?, 42);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Runtime {
    /// Shared with the thread-local context while `block_on` (or the runtime's drop) runs.
    core: Rc<Core>,
}

impl Runtime {
    /// A runtime with the default settings: real time, no trace hook.
    ///
    /// # Errors
    /// If the operating system refuses an epoll instance, an eventfd or a timerfd.
    pub fn new() -> io::Result<Runtime> {
        Builder::new().build()
    }

    /// A [`Builder`] to configure a runtime (virtual clock, event hooks, blocking pool).
    pub fn builder() -> Builder {
        Builder::new()
    }

    pub(crate) fn from_core(core: Core) -> Runtime {
        Runtime {
            core: Rc::new(core),
        }
    }

    /// Runs `future` to completion on this thread, running spawned tasks meanwhile.
    ///
    /// Tasks still pending when `future` completes stay in the runtime: the next `block_on`
    /// continues them, and dropping the runtime drops them.
    ///
    /// # Panics
    /// If called inside another `block_on` on the same thread (it would stop that runtime's
    /// tasks), if `future` panics, and — instead of hanging forever — if the runtime gets
    /// [`Stuck`]: `future` is pending and nothing can ever wake any task. The panic message
    /// is the report of every task. [`try_block_on`](Runtime::try_block_on) returns it.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.try_block_on(future)
            .unwrap_or_else(|stuck| panic!("{stuck}"))
    }

    /// Like [`block_on`](Runtime::block_on), but returns the report when the runtime is
    /// stuck instead of panicking.
    ///
    /// # Errors
    /// [`Stuck`] when `future` is pending, no task is runnable, no timer is pending, no
    /// socket has a waiting task, no blocking job is running, and every waker still alive
    /// sits in the runtime's own primitives (a semaphore, a channel, a join slot), where
    /// only a task could release it. The report names, for each task, what it waits on,
    /// the line, and who could release it.
    ///
    /// ```
    /// use runtime::sync::Semaphore;
    ///
    /// let rt = runtime::Runtime::new()?;
    /// let stuck = rt.try_block_on(async { Semaphore::new(0).acquire().await.is_ok() });
    /// let report = stuck.unwrap_err().to_string();
    /// assert!(report.contains("main: parked, 1 poll"), "{report}");
    /// assert!(report.contains("waits on semaphore acquire"), "{report}");
    /// assert!(report.contains("no task holds a permit"), "{report}");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn try_block_on<F: Future>(&self, future: F) -> Result<F::Output, Stuck> {
        let _enter = enter(self.core.clone());
        self.core.run_until(future)
    }

    /// Spawns a task onto this runtime, from inside or outside `block_on`.
    ///
    /// The task is queued at the back of the run queue; it first runs during a `block_on`.
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.core.spawn(future, None, Location::caller())
    }

    /// Like [`spawn`](Runtime::spawn), giving the task a name for traces and reports.
    #[track_caller]
    pub fn spawn_named<F>(&self, name: &str, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.core
            .spawn(future, Some(Arc::from(name)), Location::caller())
    }

    /// The runtime's core, for the crate's own tests.
    #[cfg(test)]
    pub(crate) fn core_for_tests(&self) -> &Core {
        &self.core
    }

    /// Every unfinished task: its state, polls, where it waits (the resource, the line of
    /// the await, who could release it), and a verdict on whether anything can still wake
    /// a task. Call it from outside `block_on` (between runs), or from inside one of its
    /// tasks.
    ///
    /// ```
    /// use runtime::sync::Semaphore;
    ///
    /// let rt = runtime::Runtime::new()?;
    /// let gate = std::rc::Rc::new(Semaphore::new(0));
    /// let waiter = gate.clone();
    /// let _task = rt.spawn_named("waiter", async move { waiter.acquire().await.map(drop) });
    /// rt.block_on(runtime::yield_now()); // the task runs once and parks on the semaphore
    /// let report = rt.dump().to_string();
    /// assert!(report.contains("t1 \"waiter\": parked, 1 poll"), "{report}");
    /// assert!(report.contains("waits on semaphore acquire"), "{report}");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn dump(&self) -> Report {
        self.core.dump_now()
    }

    /// How many spawned tasks have not finished yet.
    pub fn live_tasks(&self) -> usize {
        self.core.live_tasks()
    }

    /// The runtime's number, unique in this process (see [`RuntimeId`]).
    pub fn id(&self) -> RuntimeId {
        self.core.shared().id
    }

    /// The first spawned task that panicked since the last call, and its message (for
    /// `testing::explore`, which fails a schedule on it).
    pub(crate) fn take_task_panic(&self) -> Option<(crate::task::TaskId, String)> {
        self.core.take_first_panic()
    }

    /// The name given with [`Builder::name`], if any.
    pub fn name(&self) -> Option<&str> {
        self.core.shared().name.as_deref()
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        // Entered even inside another runtime's task: the futures are dropped in their own
        // runtime, so their destructors can still deregister sockets and timers.
        let _enter = enter_for_drop(self.core.clone());
        self.core.shutdown();
    }
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("id", &self.id())
            .field("name", &self.name())
            .field("live_tasks", &self.core.live_tasks())
            .field("virtual_clock", &self.core.time().is_virtual())
            .finish()
    }
}

/// Restores the previous current runtime (and its simulated network) when dropped, also
/// on unwind.
struct EnterGuard(Option<Rc<Core>>, Option<Network>);

impl Drop for EnterGuard {
    fn drop(&mut self) {
        let previous = self.0.take();
        let _ = wake::CURRENT.try_with(|current| {
            if let Ok(mut current) = current.try_borrow_mut() {
                *current = previous;
            }
        });
        sim::enter(self.1.take());
    }
}

/// Makes `core` this thread's current runtime for `block_on`.
///
/// # Panics
/// If a runtime is current already: a `block_on` inside a task would stop every other task
/// of its runtime.
fn enter(core: Rc<Core>) -> EnterGuard {
    let network = sim::enter(core.network().cloned());
    let guard = EnterGuard(
        wake::CURRENT.with(|current| current.borrow_mut().replace(core)),
        network,
    );
    if guard.0.is_some() {
        panic!(
            "block_on called inside a running tinyloop runtime: a nested block_on would \
             stop every other task on this thread. Use `.await` (or runtime::spawn) instead"
        );
    }
    guard
}

/// Makes `core` this thread's current runtime while it drops its tasks, whatever runtime
/// was current (a runtime may be dropped inside another's task). `None` when the thread's
/// context is gone (a runtime kept in a thread-local, dropped as the thread exits): the
/// tasks are dropped all the same, outside any context.
fn enter_for_drop(core: Rc<Core>) -> Option<EnterGuard> {
    let network = core.network().cloned();
    let previous = wake::CURRENT.try_with(|current| {
        let mut current = current.try_borrow_mut().ok()?;
        Some(current.replace(core))
    });
    let previous = previous.ok().flatten()?;
    Some(EnterGuard(previous, sim::enter(network)))
}

/// Runs `future` to completion on a new default [`Runtime`], then drops the runtime.
///
/// # Panics
/// If the runtime cannot be created (see [`Runtime::new`]), if called inside a running
/// runtime, and if `future` panics.
///
/// ```
/// let answer = runtime::block_on(async { 42 });
/// assert_eq!(answer, 42);
/// ```
pub fn block_on<F: Future>(future: F) -> F::Output {
    let rt = Runtime::new().unwrap_or_else(|e| panic!("cannot create a tinyloop runtime: {e}"));
    rt.block_on(future)
}

/// The [`Runtime::dump`] of the runtime running on this thread: call it from a task.
///
/// # Panics
/// If no runtime is running on this thread.
pub fn dump() -> Report {
    current_or_panic("runtime::dump").dump_now()
}

/// Spawns a task onto the runtime running on this thread.
///
/// # Panics
/// If no runtime is running on this thread: call it inside [`Runtime::block_on`] (or
/// [`block_on`]), or use [`Runtime::spawn`] to spawn from outside.
///
/// ```
/// runtime::block_on(async {
///     let handle = runtime::spawn(async { "done" });
///     assert_eq!(handle.await.unwrap(), "done");
/// });
/// ```
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    // The runtime is looked up first and the future moved once, into its task.
    current_or_panic("runtime::spawn").spawn(future, None, Location::caller())
}

/// Like [`spawn`], giving the task a name for traces and reports.
///
/// # Panics
/// If no runtime is running on this thread (see [`spawn`]).
#[track_caller]
pub fn spawn_named<F>(name: &str, future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let name = Some(Arc::from(name));
    current_or_panic("runtime::spawn_named").spawn(future, name, Location::caller())
}

/// The runtime running on this thread.
///
/// # Panics
/// With a message naming `what` and saying how to fix it, if there is none.
#[track_caller]
pub(crate) fn current_or_panic(what: &str) -> Rc<Core> {
    wake::current().unwrap_or_else(|| {
        panic!(
            "{what} called outside a tinyloop runtime: call it from inside \
             Runtime::block_on (or runtime::block_on), or spawn with Runtime::spawn"
        )
    })
}
