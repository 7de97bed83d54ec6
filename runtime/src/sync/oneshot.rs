//! A one-shot channel: one value, sent once, by a task on the runtime's thread.
//!
//! Both halves are `!Send`, like the rest of [`sync`](super): whoever holds the sender
//! lives on the runtime's thread. For a value made on another thread, use
//! [`thread_oneshot`](super::thread_oneshot).

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use crate::task::parking::{self, ParkSlot};
use crate::task::TaskId;
use crate::task::{note_await, Await, AwaitPoint};

/// Creates a one-shot channel: the [`Sender`] sets the value once, the [`Receiver`] awaits it.
///
/// This is the analogue of asyncio's `Future`: a placeholder for a result that someone else
/// will set. Ownership does the bookkeeping asyncio does at run time: `send` consumes the
/// sender, so a value cannot be set twice, and dropping either side is observable by the
/// other ([`RecvError`], [`Sender::is_closed`]).
///
/// ```
/// use runtime::sync::oneshot;
///
/// runtime::block_on(async {
///     let (tx, rx) = oneshot::channel();
///     let _setter = runtime::spawn(async move { tx.send("from a task").unwrap() });
///     assert_eq!(rx.await, Ok("from a task"));
/// });
/// ```
///
/// Setting the value a second time, which raises `InvalidStateError` in asyncio, does not
/// compile:
///
/// ```compile_fail,E0382
/// let (tx, _rx) = runtime::sync::oneshot::channel();
/// let _ = tx.send(1);
/// let _ = tx.send(2); // error[E0382]: use of moved value: `tx`
/// ```
///
/// Nor does handing the sender to another thread: its holder must stay on the runtime's
/// thread (a value from another thread goes through
/// [`thread_oneshot`](super::thread_oneshot)):
///
/// ```compile_fail,E0277
/// let (tx, _rx) = runtime::sync::oneshot::channel::<u8>();
/// std::thread::spawn(move || tx.send(1)); // error[E0277]: `Rc<…>` cannot be sent between threads
/// ```
///
/// The receiver is itself the future, so a trace shows a task waiting on it as `pending on
/// channel recv (src/x.rs:12)`, the line that called `channel`.
#[track_caller]
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let at = Location::caller();
    let waiter = Parked {
        slot: ParkSlot::default(),
        at,
        // The report names the sender by where, and in which task, it was made.
        sender_by: parking::current_task(),
    };
    let inner = Rc::new(RefCell::new(OneshotState::new(waiter)));
    (
        Sender {
            inner: inner.clone(),
        },
        Receiver {
            inner,
            created_at: at,
        },
    )
}

/// Where a one-shot keeps the waker of the task awaiting its receiver.
pub(super) trait Waiter {
    /// Keeps `cx`'s waker (unless the one kept already wakes the same task).
    fn keep(&mut self, cx: &Context<'_>);
    /// Takes the waker out, to be woken.
    fn take(&mut self) -> Option<Waker>;
}

/// A cross-thread one-shot keeps the waker itself: its sender may be on another thread, so
/// the waiting task counts as one that something outside the runtime can wake.
impl Waiter for Option<Waker> {
    fn keep(&mut self, cx: &Context<'_>) {
        match self {
            Some(waker) if waker.will_wake(cx.waker()) => {}
            _ => *self = Some(cx.waker().clone()),
        }
    }

    fn take(&mut self) -> Option<Waker> {
        Option::take(self)
    }
}

/// A one-shot of the runtime's thread parks the waker in the lot, with what the report
/// says of the channel, so the wait-for graph sees who waits on it and that only its
/// sender can wake it.
pub(super) struct Parked {
    slot: ParkSlot,
    /// The line that created the channel.
    at: &'static Location<'static>,
    /// The task its sender was made in, for the report.
    sender_by: Option<TaskId>,
}

impl Waiter for Parked {
    fn keep(&mut self, cx: &Context<'_>) {
        let point = AwaitPoint {
            what: Await::Recv,
            at: self.at,
        };
        self.slot.park(cx.waker(), point, self.at, self.sender_by);
    }

    fn take(&mut self) -> Option<Waker> {
        self.slot.unpark()
    }
}

/// What the two halves share: the one-shot's whole logic. The handles keep it in an
/// `Rc<RefCell<…>>` here, in an `Arc<Mutex<…>>` in [`thread_oneshot`](super::thread_oneshot).
/// Its methods never call a waker or drop a value: they hand them back, to be called or
/// dropped once the borrow (or lock) is released.
pub(super) struct OneshotState<T, W> {
    /// The value, between `send` and the receiver taking it.
    value: Option<T>,
    /// The waker of the task awaiting the receiver.
    receiver: W,
    /// The sender is gone (it sent, or was dropped without sending).
    sender_dropped: bool,
    /// The receiver is gone: a send would be lost, so it fails.
    receiver_dropped: bool,
}

impl<T, W: Waiter> OneshotState<T, W> {
    /// Both halves alive, no value yet; the receiver's waker will go to `receiver`.
    pub(super) fn new(receiver: W) -> OneshotState<T, W> {
        OneshotState {
            value: None,
            receiver,
            sender_dropped: false,
            receiver_dropped: false,
        }
    }

    /// Stores the value, or gives it back if the receiver is gone.
    pub(super) fn send(&mut self, value: T) -> Result<(), T> {
        if self.receiver_dropped {
            return Err(value);
        }
        self.value = Some(value);
        Ok(())
    }

    /// Whether the receiver is gone.
    pub(super) fn is_closed(&self) -> bool {
        self.receiver_dropped
    }

    /// The sender is gone: returns the receiver's waker, to be woken.
    pub(super) fn close_sender(&mut self) -> Option<Waker> {
        self.sender_dropped = true;
        self.receiver.take()
    }

    /// The value, the sender's absence, or `Pending` with `cx`'s waker stored.
    pub(super) fn poll_recv(&mut self, cx: &Context<'_>) -> Poll<Result<T, RecvError>> {
        if let Some(value) = self.value.take() {
            return Poll::Ready(Ok(value));
        }
        if self.sender_dropped {
            return Poll::Ready(Err(RecvError));
        }
        self.receiver.keep(cx);
        Poll::Pending
    }

    /// The receiver is gone: returns a value sent and never taken, and the receiver's
    /// waker, to be dropped.
    pub(super) fn close_receiver(&mut self) -> (Option<T>, Option<Waker>) {
        self.receiver_dropped = true;
        (self.value.take(), self.receiver.take())
    }
}

// No user code runs while the state is borrowed: wakers are called, and values dropped,
// after the borrow ends, so a waker or a destructor that touches the channel again finds
// it free.

/// The sending half of a [`channel`].
pub struct Sender<T> {
    inner: Rc<RefCell<OneshotState<T, Parked>>>,
}

impl<T> Sender<T> {
    /// Sets the value and wakes the receiver.
    ///
    /// # Errors
    /// Gives the value back if the receiver was dropped.
    pub fn send(self, value: T) -> Result<(), T> {
        self.inner.borrow_mut().send(value)
        // `Drop` marks the sender gone and wakes the receiver.
    }

    /// Whether the receiver was dropped (a send would fail).
    pub fn is_closed(&self) -> bool {
        self.inner.borrow().is_closed()
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let waker = self.inner.borrow_mut().close_sender();
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

/// The receiving half of a [`channel`]: a future of the value.
#[must_use = "futures do nothing unless you `.await` them"]
pub struct Receiver<T> {
    inner: Rc<RefCell<OneshotState<T, Parked>>>,
    /// The line that called [`channel`]: where the trace says a task waits for the value.
    created_at: &'static Location<'static>,
}

/// The sender was dropped without sending a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecvError;

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the sender was dropped without sending")
    }
}

impl std::error::Error for RecvError {}

impl<T> Future for Receiver<T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let polled = self.inner.borrow_mut().poll_recv(cx);
        if polled.is_pending() {
            note_recv(self.created_at);
        }
        polled
    }
}

/// Records for the trace that a task parked on a one-shot made at `created_at`.
pub(super) fn note_recv(created_at: &'static Location<'static>) {
    note_await(AwaitPoint {
        what: Await::Recv,
        at: created_at,
    });
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let value = self.inner.borrow_mut().close_receiver();
        drop(value); // after the borrow: a destructor may use the channel
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
