//! Running blocking code without stalling the runtime: `spawn_blocking` and a small,
//! bounded pool of threads.

use std::any::TypeId;
use std::collections::VecDeque;
use std::future::Future;
use std::io;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe, Location};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};
use std::thread;
use std::time::Duration;

use super::{current_or_panic, JoinHandle};
use crate::sync::thread_oneshot;
use crate::task::{note_await, Await, AwaitPoint};

/// Runs `f` on the runtime's blocking thread pool and returns a handle to its result.
///
/// Use it for work that would block the runtime's thread: file I/O, DNS lookups, heavy
/// computation. The pool is small and bounded (see
/// [`Builder::max_blocking_threads`](crate::Builder::max_blocking_threads)); jobs beyond it
/// wait in a queue. The result comes back through a
/// [`thread_oneshot`](crate::sync::thread_oneshot) (the cross-thread wake path), and awaiting
/// the handle is an ordinary task in the trace (named `spawn_blocking`).
///
/// A panic in `f` is caught and returned as [`JoinError::Panicked`](crate::JoinError).
/// Aborting the handle stops the wait, not `f`: a thread cannot be interrupted.
///
/// # Panics
/// If no runtime is running on this thread.
///
/// ```
/// runtime::block_on(async {
///     let sum = runtime::spawn_blocking(|| (1..=100u32).sum::<u32>()).await.unwrap();
///     assert_eq!(sum, 5050);
/// });
/// ```
#[track_caller]
pub fn spawn_blocking<F, T>(f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    spawn_blocking_at(f, Location::caller())
}

/// [`spawn_blocking`] on behalf of the code at `location`, which the trace names as the
/// task's spawn and as the await point of whoever waits for the job.
pub(crate) fn spawn_blocking_at<F, T>(f: F, location: &'static Location<'static>) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let (tx, result) = thread_oneshot::channel_at(location);
    let job = Box::new(move || {
        let result = catch_unwind(AssertUnwindSafe(f));
        let _ = tx.send(result);
    });
    let core = current_or_panic("runtime::spawn_blocking");
    let wait = JobResult {
        failed_start: core.blocking().spawn(job).err(),
        result,
    };
    core.spawn(wait, Some(Arc::from("spawn_blocking")), location)
}

/// The future of a `spawn_blocking` task: the job's result, when a pool thread sends it.
/// A panic of the job is raised again here, so the task ends as panicked, with the payload.
struct JobResult<T> {
    /// Why no thread could run the job; raised as the task's panic on its first poll.
    failed_start: Option<io::Error>,
    /// The job's return value, or its panic; the receiver names the `spawn_blocking` line.
    result: thread_oneshot::Receiver<thread::Result<T>>,
}

impl<T> Future for JobResult<T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let this = self.get_mut();
        if let Some(e) = this.failed_start.take() {
            panic!("spawn_blocking could not start a thread: {e}");
        }
        match Pin::new(&mut this.result).poll(cx) {
            Poll::Ready(Ok(Ok(value))) => Poll::Ready(value),
            Poll::Ready(Ok(Err(payload))) => resume_unwind(payload),
            Poll::Ready(Err(_)) => panic!("the blocking pool dropped the job without running it"),
            Poll::Pending => {
                // The channel noted `channel recv`; what the task waits for is the job.
                note_await(AwaitPoint {
                    what: Await::Blocking,
                    at: this.result.created_at(),
                });
                Poll::Pending
            }
        }
    }
}

/// Whether a task whose future is `F` is a `spawn_blocking` job's: its handle then waits on
/// the job ([`Await::Blocking`]) rather than on a task the user spawned. The future's type
/// tells, at compile time, so a `JoinHandle` needs no field for it.
pub(crate) fn is_blocking_job<F: Future + 'static>() -> bool
where
    F::Output: 'static,
{
    TypeId::of::<F>() == TypeId::of::<JobResult<F::Output>>()
}

/// A job for the pool: it runs on a pool thread and reports its result itself (through a
/// channel whose waker wakes the awaiting task from that thread).
pub(crate) type Job = Box<dyn FnOnce() + Send + 'static>;

/// The blocking pool of one runtime. Threads start on demand, up to a bound, and exit after
/// sitting idle for the keep-alive time.
pub(crate) struct BlockingPool {
    inner: Arc<Pool>,
}

struct Pool {
    state: Mutex<PoolState>,
    /// Signalled when a job is queued or the pool shuts down.
    work: Condvar,
    /// The most threads alive at once.
    max_threads: usize,
    /// How long an idle thread waits for a job before exiting.
    keep_alive: Duration,
    /// Jobs queued or running; zero means no blocking job can still wake a task.
    in_flight: AtomicUsize,
}

struct PoolState {
    /// Jobs not yet picked up, oldest first.
    queue: VecDeque<Job>,
    /// Threads alive (running a job or waiting for one); never above `max_threads`.
    threads: usize,
    /// Threads waiting on `work`; a queued job needs a new thread only when this is zero.
    idle: usize,
    /// Set when the runtime is dropped: idle threads exit, queued jobs still run.
    shutdown: bool,
}

impl BlockingPool {
    pub(crate) fn new(max_threads: usize, keep_alive: Duration) -> BlockingPool {
        BlockingPool {
            inner: Arc::new(Pool {
                state: Mutex::new(PoolState {
                    queue: VecDeque::new(),
                    threads: 0,
                    idle: 0,
                    shutdown: false,
                }),
                work: Condvar::new(),
                max_threads,
                keep_alive,
                in_flight: AtomicUsize::new(0),
            }),
        }
    }

    /// Queues `job`, starting a thread for it if none is idle and the bound allows.
    ///
    /// # Errors
    /// If no thread is running and the operating system refuses to start one.
    pub(crate) fn spawn(&self, job: Job) -> std::io::Result<()> {
        let mut state = self.inner.lock();
        self.inner.in_flight.fetch_add(1, Ordering::AcqRel);
        state.queue.push_back(job);
        if state.idle > 0 {
            drop(state);
            self.inner.work.notify_one();
            return Ok(());
        }
        if state.threads < self.inner.max_threads {
            state.threads += 1;
            let inner = self.inner.clone();
            let started = thread::Builder::new()
                .name("tinyloop-blocking".into())
                .spawn(move || inner.worker());
            if let Err(e) = started {
                state.threads -= 1;
                if state.threads == 0 {
                    state.queue.pop_back();
                    self.inner.in_flight.fetch_sub(1, Ordering::AcqRel);
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    /// Jobs queued or running.
    pub(crate) fn in_flight(&self) -> usize {
        self.inner.in_flight.load(Ordering::Acquire)
    }

    /// Lets idle threads exit; threads finish their queued jobs first and are not joined
    /// (a job may block for a long time).
    pub(crate) fn shutdown(&self) {
        self.inner.lock().shutdown = true;
        self.inner.work.notify_all();
    }
}

impl Pool {
    fn lock(&self) -> MutexGuard<'_, PoolState> {
        // Jobs run outside the lock, so a panic cannot poison it mid-update.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A pool thread: take jobs until idle for `keep_alive` or shut down.
    fn worker(&self) {
        let mut state = self.lock();
        loop {
            if let Some(job) = state.queue.pop_front() {
                drop(state);
                // The job catches its own panics (it reports them to its task).
                job();
                self.in_flight.fetch_sub(1, Ordering::AcqRel);
                state = self.lock();
                continue;
            }
            if state.shutdown {
                break;
            }
            state.idle += 1;
            let (next, timeout) = self
                .work
                .wait_timeout(state, self.keep_alive)
                .unwrap_or_else(PoisonError::into_inner);
            state = next;
            state.idle -= 1;
            if timeout.timed_out() && state.queue.is_empty() {
                break;
            }
        }
        state.threads -= 1;
    }
}
