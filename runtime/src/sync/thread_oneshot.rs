//! A one-shot channel whose sender may live on another thread: the way in for values
//! made outside the runtime (a `spawn_blocking` job, a std thread).
//!
//! Every other primitive in [`sync`](super) is single-threaded, so that each handle that
//! could release a waiting task is known to live on the runtime's thread. This one is the
//! exception, and it says so in its name: `thread_oneshot` rather than `oneshot`, so that
//! the one place a wake can come from outside the runtime is visible wherever it is
//! created. Its [`Sender`] is `Send`; its [`Receiver`] is too, but the task awaiting it
//! waits on an *external source of wakes*: nothing on the runtime's thread can tell
//! whether the other thread will ever send, so a report of a stuck runtime can only say
//! that the task waits on another thread, not that nothing will release it.
//!
//! The state is an `Arc<Mutex<…>>`, as any value shared between threads must be; the
//! single-threaded [`oneshot`](super::oneshot) is the same logic in an `Rc<RefCell<…>>`.

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

pub use super::oneshot::RecvError;
use super::oneshot::{note_recv, OneshotState};

/// Creates a one-shot channel whose [`Sender`] may be sent to another thread: the value is
/// set there, once, and the [`Receiver`] awaits it on the runtime.
///
/// The same API as [`oneshot::channel`](super::oneshot::channel); use that one unless the
/// value really comes from another thread.
///
/// ```
/// use runtime::sync::thread_oneshot;
///
/// runtime::block_on(async {
///     let (tx, rx) = thread_oneshot::channel();
///     std::thread::spawn(move || tx.send("from a thread").unwrap());
///     assert_eq!(rx.await, Ok("from a thread"));
/// });
/// ```
///
/// The wake arrives through the runtime's cross-thread path (an injection queue and a
/// wakeup of the reactor), and a trace records it as a wake `by another thread`. The
/// receiver is itself the future, so a trace shows a task waiting on it as `pending on
/// channel recv (src/x.rs:12)`, the line that called `channel`.
#[track_caller]
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    channel_at(Location::caller())
}

/// A [`channel`] whose receiver names `created_at` as its await point: for the runtime's
/// own channels, created on behalf of a caller further out (`spawn_blocking`).
pub(crate) fn channel_at<T>(created_at: &'static Location<'static>) -> (Sender<T>, Receiver<T>) {
    let inner = Arc::new(Mutex::new(OneshotState::new(None)));
    (
        Sender {
            inner: inner.clone(),
        },
        Receiver { inner, created_at },
    )
}

fn lock<T>(
    inner: &Mutex<OneshotState<T, Option<Waker>>>,
) -> MutexGuard<'_, OneshotState<T, Option<Waker>>> {
    // No user code runs under the lock (wakers are called after it is released).
    inner.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The sending half of a [`channel`]; it may be sent to another thread.
pub struct Sender<T> {
    inner: Arc<Mutex<OneshotState<T, Option<Waker>>>>,
}

impl<T> Sender<T> {
    /// Sets the value and wakes the receiver.
    ///
    /// # Errors
    /// Gives the value back if the receiver was dropped.
    pub fn send(self, value: T) -> Result<(), T> {
        lock(&self.inner).send(value)
        // `Drop` marks the sender gone and wakes the receiver.
    }

    /// Whether the receiver was dropped (a send would fail).
    pub fn is_closed(&self) -> bool {
        lock(&self.inner).is_closed()
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let waker = lock(&self.inner).close_sender();
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

/// The receiving half of a [`channel`]: a future of the value. The task awaiting it waits
/// on an external source of wakes (see the [module docs](self)).
#[must_use = "futures do nothing unless you `.await` them"]
pub struct Receiver<T> {
    inner: Arc<Mutex<OneshotState<T, Option<Waker>>>>,
    /// The line that called [`channel`]: where the trace says a task waits for the value.
    created_at: &'static Location<'static>,
}

impl<T> Receiver<T> {
    /// The line that created the channel.
    pub(crate) fn created_at(&self) -> &'static Location<'static> {
        self.created_at
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let polled = lock(&self.inner).poll_recv(cx);
        if polled.is_pending() {
            note_recv(self.created_at);
        }
        polled
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let value = lock(&self.inner).close_receiver();
        drop(value); // after the lock: its destructor may run arbitrary code
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver").finish_non_exhaustive()
    }
}
