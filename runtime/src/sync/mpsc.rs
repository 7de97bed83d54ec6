//! A bounded multi-producer, single-consumer queue with backpressure.
//!
//! asyncio's `Queue(maxsize)`: [`Sender::send`] waits while the queue is full, so a fast
//! producer is held back to the pace of the consumer instead of filling memory.
//!
//! The free slots are the permits of a [`Semaphore`]: a send first takes a permit (waiting
//! in line, first come first served, while none is free), then pushes its value and keeps
//! the permit out of the semaphore; a receive pops a value and adds a permit back. The
//! capacity logic and its fairness live in the semaphore alone.
//!
//! Like the semaphore, both halves are `!Send`: every producer is a task (or the runtime's
//! own code) on the runtime's thread.
//!
//! ```
//! use runtime::sync::mpsc;
//!
//! runtime::block_on(async {
//!     let (tx, mut rx) = mpsc::channel(2);
//!     let producer = runtime::spawn(async move {
//!         for i in 0..5 {
//!             tx.send(i).await.expect("the receiver is alive"); // waits while 2 are queued
//!         }
//!         // Dropping `tx` here ends the stream for the receiver.
//!     });
//!     let mut got = Vec::new();
//!     while let Some(i) = rx.recv().await {
//!         got.push(i);
//!     }
//!     assert_eq!(got, [0, 1, 2, 3, 4]);
//!     producer.await.unwrap();
//! });
//! ```

use std::cell::{Cell, RefCell, RefMut};
use std::collections::VecDeque;
use std::fmt;
use std::panic::Location;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::Semaphore;
use crate::task::parking::{self, ResourceKind, Role};
use crate::task::TaskId;
use crate::task::{note_await, Await, AwaitPoint};

mod error;
mod future;

pub use error::{SendError, TryRecvError, TrySendError};
pub use future::{Recv, SendFuture};

/// Creates a queue holding at most `capacity` values, with one [`Sender`] (clone it for
/// more producers) and its [`Receiver`].
///
/// # Panics
///
/// If `capacity` is zero: a queue that holds nothing cannot pass anything on (asyncio's
/// `maxsize=0` means unbounded, which defeats backpressure; pick a bound).
#[track_caller]
pub fn channel<T>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    assert!(
        capacity > 0,
        "an mpsc channel needs a capacity of at least 1"
    );
    let at = Location::caller();
    let shared = Rc::new(Channel {
        slots: Semaphore::with_kind(capacity, ResourceKind::Mpsc, at),
        state: RefCell::new(Buffer {
            queue: VecDeque::with_capacity(capacity),
            senders: 1,
            receiver_alive: true,
        }),
        capacity,
    });
    (
        Sender {
            handle: Handle::new(&shared, Role::Sender, at),
            shared: shared.clone(),
        },
        Receiver {
            handle: Handle::new(&shared, Role::Receiver, at),
            shared,
            created_at: at,
        },
    )
}

struct Channel<T> {
    /// One permit per free slot. Closed when the receiver is dropped, which fails every
    /// waiting send.
    slots: Semaphore,
    state: RefCell<Buffer<T>>,
    /// The most values the queue holds.
    capacity: usize,
}

struct Buffer<T> {
    /// The values sent and not yet received. Never longer than the capacity: each holds
    /// a permit taken out of `slots`.
    queue: VecDeque<T>,
    /// How many `Sender`s are alive; at zero the receiver gets `None` once the queue is
    /// empty.
    senders: usize,
    /// Whether the `Receiver` is alive; when it is not, sends fail.
    receiver_alive: bool,
}

impl<T> Channel<T> {
    fn state(&self) -> RefMut<'_, Buffer<T>> {
        // No user code runs while the buffer is borrowed (wakers are called, and values
        // dropped, after the borrow ends), so this never finds it borrowed already.
        self.state.borrow_mut()
    }

    /// Queues `value` (a permit was taken for it) and wakes the receiver.
    fn push(&self, value: T) -> Result<(), T> {
        {
            let mut state = self.state();
            if !state.receiver_alive {
                return Err(value);
            }
            state.queue.push_back(value);
        }
        if let Some(waker) = self.slots.take_receiver() {
            waker.wake();
        }
        Ok(())
    }
}

/// The sending half of a [`channel`]. Clone it for more producers; when every clone is
/// dropped, the receiver sees the end of the stream.
pub struct Sender<T> {
    shared: Rc<Channel<T>>,
    /// The sender in the report: where it was created, and the task it was last seen in.
    handle: Handle,
}

/// A sender's or receiver's entry among the channel's handles, for the report.
struct Handle {
    key: usize,
    /// The task the channel names as its last user (to skip the update when unchanged).
    seen: Cell<Option<TaskId>>,
}

impl Handle {
    fn new<T>(channel: &Channel<T>, role: Role, at: &'static Location<'static>) -> Handle {
        Handle {
            key: channel.slots.add_handle(role, at),
            seen: Cell::new(parking::current_task()),
        }
    }

    /// The handle is used by the task being polled: a handle may move between tasks, and
    /// its use says where it is now.
    #[inline]
    fn used<T>(&self, channel: &Channel<T>) {
        let Some(task) = parking::current_task() else {
            return;
        };
        if self.seen.get() != Some(task) {
            self.seen.set(Some(task));
            channel.slots.touch_handle(self.key, task);
        }
    }
}

impl<T> Sender<T> {
    /// Sends `value`, waiting while the queue is full. Waiting senders are served in the
    /// order they started waiting.
    ///
    /// Dropping the future before it finished sends nothing.
    ///
    /// # Errors
    ///
    /// [`SendError`] with the value, if the receiver was dropped (before or while waiting).
    #[track_caller]
    pub fn send(&self, value: T) -> SendFuture<'_, T> {
        self.handle.used(&self.shared);
        SendFuture {
            channel: &self.shared,
            slot: self
                .shared
                .slots
                .acquire_as(Await::Send, Location::caller()),
            value: Some(value),
        }
    }

    /// Sends `value` if a slot is free now.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] when no slot is free, [`TrySendError::Closed`] when the
    /// receiver was dropped; both give the value back.
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        self.handle.used(&self.shared);
        let Some(permit) = self.shared.slots.try_acquire() else {
            return Err(if self.shared.slots.is_closed() {
                TrySendError::Closed(value)
            } else {
                TrySendError::Full(value)
            });
        };
        self.shared.push(value).map_err(TrySendError::Closed)?;
        permit.forget();
        Ok(())
    }

    /// Whether the receiver was dropped (every send would fail).
    pub fn is_closed(&self) -> bool {
        !self.shared.state().receiver_alive
    }

    /// The most values the queue holds.
    pub fn capacity(&self) -> usize {
        self.shared.capacity
    }
}

impl<T> Clone for Sender<T> {
    /// Another sender; the wait-for graph names it by the line that cloned it.
    #[track_caller]
    fn clone(&self) -> Sender<T> {
        self.shared.state().senders += 1;
        Sender {
            shared: self.shared.clone(),
            handle: Handle::new(&self.shared, Role::Sender, Location::caller()),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let waker = {
            let mut state = self.shared.state();
            state.senders -= 1;
            state.senders == 0
        };
        self.shared.slots.remove_handle(self.handle.key);
        let waker = match waker {
            true => self.shared.slots.take_receiver(),
            false => None,
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

/// The receiving half of a [`channel`]. Dropping it fails every send, waiting or later,
/// and drops the values still queued.
pub struct Receiver<T> {
    shared: Rc<Channel<T>>,
    /// The receiver in the report: receiving makes room for waiting senders.
    handle: Handle,
    /// The line that called [`channel`]: the await point of the [`Stream`] impl, whose
    /// poller is usually an adapter in another crate (`StreamExt::next`), not the user.
    ///
    /// [`Stream`]: futures_core::Stream
    created_at: &'static Location<'static>,
}

impl<T> Receiver<T> {
    /// Waits for the next value: `None` once the queue is empty and every sender is gone.
    ///
    /// Dropping the future before it finished loses nothing.
    #[track_caller]
    pub fn recv(&mut self) -> Recv<'_, T> {
        Recv {
            receiver: self,
            created_at: Location::caller(),
        }
    }

    /// Polls for the next value (the building block of [`recv`](Receiver::recv)). On
    /// `Pending`, the trace names the line that called this.
    #[track_caller]
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.poll_recv_at(cx, Location::caller())
    }

    /// [`poll_recv`](Receiver::poll_recv), naming `at` as the await point on `Pending`.
    fn poll_recv_at(
        &mut self,
        cx: &mut Context<'_>,
        at: &'static Location<'static>,
    ) -> Poll<Option<T>> {
        self.handle.used(&self.shared);
        let mut state = self.shared.state();
        if let Some(value) = state.queue.pop_front() {
            drop(state);
            self.shared.slots.add_permits(1); // the slot is free again
            return Poll::Ready(Some(value));
        }
        if state.senders == 0 {
            return Poll::Ready(None);
        }
        drop(state);
        let point = AwaitPoint {
            what: Await::Recv,
            at,
        };
        self.shared.slots.park_receiver(cx.waker(), point);
        note_await(point);
        Poll::Pending
    }

    /// Takes the next value if one is queued.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`] if nothing is queued, [`TryRecvError::Disconnected`] if
    /// nothing is queued and every sender is gone.
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let mut state = self.shared.state();
        match state.queue.pop_front() {
            Some(value) => {
                drop(state);
                self.shared.slots.add_permits(1); // the slot is free again
                Ok(value)
            }
            None if state.senders == 0 => Err(TryRecvError::Disconnected),
            None => Err(TryRecvError::Empty),
        }
    }

    /// How many values are queued.
    pub fn len(&self) -> usize {
        self.shared.state().queue.len()
    }

    /// Whether no value is queued.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The values as a [`Stream`](futures_core::Stream), ending when every sender is gone:
/// `poll_next` is [`poll_recv`](Receiver::poll_recv), so `StreamExt` adapters work. A task
/// waiting on the stream parks on the line that created the channel.
///
/// ```
/// use futures_util::StreamExt;
///
/// runtime::block_on(async {
///     let (tx, rx) = runtime::sync::mpsc::channel(4);
///     let _sender = runtime::spawn(async move {
///         for n in 1..=3 {
///             tx.send(n).await.unwrap();
///         }
///     });
///     let doubled: Vec<i32> = rx.map(|n| 2 * n).collect().await;
///     assert_eq!(doubled, [2, 4, 6]);
/// });
/// ```
impl<T> futures_core::Stream for Receiver<T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.get_mut();
        let at = this.created_at;
        this.poll_recv_at(cx, at)
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let queued = {
            let mut state = self.shared.state();
            state.receiver_alive = false;
            std::mem::take(&mut state.queue)
        };
        let waker = self.shared.slots.take_receiver();
        self.shared.slots.remove_handle(self.handle.key);
        self.shared.slots.close();
        drop((queued, waker));
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("capacity", &self.shared.capacity)
            .finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("queued", &self.len())
            .finish_non_exhaustive()
    }
}
