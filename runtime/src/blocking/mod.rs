//! Running blocking code without stalling the runtime.

mod pool;

pub(crate) use pool::BlockingPool;

use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::Arc;

use crate::executor::current_or_panic;
use crate::sync::oneshot;
use crate::task::JoinHandle;

/// Runs `f` on the runtime's blocking thread pool and returns a handle to its result.
///
/// Use it for work that would block the runtime's thread: file I/O, DNS lookups, heavy
/// computation. The pool is small and bounded (see
/// [`Builder::max_blocking_threads`](crate::Builder::max_blocking_threads)); jobs beyond it
/// wait in a queue. The result comes back through the cross-thread wake path, and awaiting
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
    let core = current_or_panic("runtime::spawn_blocking");
    let (tx, rx) = oneshot::channel();
    let job = Box::new(move || {
        let result = catch_unwind(AssertUnwindSafe(f));
        let _ = tx.send(result);
    });
    let started = core.blocking.spawn(job);
    core.spawn(
        async move {
            if let Err(e) = started {
                panic!("spawn_blocking could not start a thread: {e}");
            }
            match rx.await {
                Ok(Ok(value)) => value,
                Ok(Err(payload)) => resume_unwind(payload),
                Err(_) => panic!("the blocking pool dropped the job without running it"),
            }
        },
        Some(Arc::from("spawn_blocking")),
        std::panic::Location::caller(),
    )
}
