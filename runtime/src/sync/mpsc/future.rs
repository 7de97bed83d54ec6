//! The futures of [`Sender::send`](super::Sender::send) and [`Receiver::recv`]: named
//! structs rather than `async fn`s, so that each can say where it was created when it
//! parks (`#[track_caller]` has no effect on an `async fn`).

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::{Channel, Receiver, SendError};
use crate::sync::Acquire;

/// The future returned by [`Sender::send`](super::Sender::send): takes a free slot
/// (waiting in line while the queue is full), then queues the value. Dropped before it
/// finished, it sends nothing and gives up its place in line.
///
/// (Not called `Send`, which would hide the marker trait wherever it is imported.)
#[must_use = "futures do nothing unless you `.await` them"]
pub struct SendFuture<'a, T> {
    pub(super) channel: &'a Channel<T>,
    /// The wait for a slot; it holds the line that called `send`.
    pub(super) slot: Acquire<'a>,
    /// The value, until it is queued or given back.
    pub(super) value: Option<T>,
}

// The value is never pinned: it is moved into the queue, or back out in the error.
impl<T> Unpin for SendFuture<'_, T> {}

impl<T> Future for SendFuture<'_, T> {
    type Output = Result<(), SendError<T>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        // The slot's wait parks as `channel send`: what the task waits for is room.
        let Poll::Ready(permit) = Pin::new(&mut this.slot).poll(cx) else {
            return Poll::Pending;
        };
        let value = this
            .value
            .take()
            .expect("SendFuture polled after it finished");
        let Ok(permit) = permit else {
            return Poll::Ready(Err(SendError(value)));
        };
        if let Err(value) = this.channel.push(value) {
            return Poll::Ready(Err(SendError(value)));
        }
        // The slot stays taken until the receiver pops the value.
        permit.forget();
        Poll::Ready(Ok(()))
    }
}

/// The future returned by [`Receiver::recv`]: the next value, or `None` once the queue is
/// empty and every sender is gone. Dropped before it finished, it loses nothing.
#[must_use = "futures do nothing unless you `.await` them"]
pub struct Recv<'a, T> {
    pub(super) receiver: &'a mut Receiver<T>,
    /// The line that called `recv`, for the trace's `pending on channel recv (…)`.
    pub(super) created_at: &'static Location<'static>,
}

impl<T> Future for Recv<'_, T> {
    type Output = Option<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.get_mut();
        this.receiver.poll_recv_at(cx, this.created_at)
    }
}

impl<T> fmt::Debug for SendFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendFuture")
            .field("slot", &self.slot)
            .field("sent", &self.value.is_none())
            .finish()
    }
}

impl<T> fmt::Debug for Recv<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Recv")
            .field("receiver", &self.receiver)
            .finish()
    }
}
