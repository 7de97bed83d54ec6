//! Waiting for some or all futures of a list, without cancelling any.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use super::children::Children;
use crate::time::{sleep, Sleep};

/// When [`wait`] returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReturnWhen {
    /// As soon as at least one future finished (every future that finished on the same
    /// poll is in `done`).
    FirstCompleted,
    /// When every future finished.
    AllCompleted,
}

/// Runs `futures` concurrently until `return_when` is met (or the [`timeout`](Wait::timeout)
/// passes), then hands back the outputs of those that finished **and the unfinished futures
/// themselves**: asyncio's `wait`, which never cancels anything.
///
/// The unfinished futures come back boxed and pinned (they were polled, so they must not
/// move), ready to be awaited, dropped or passed to another `wait`.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use runtime::time::sleep;
/// use runtime::ReturnWhen;
///
/// let rt = runtime::Runtime::builder().virtual_clock(true).build()?;
/// rt.block_on(async {
///     let nap = |secs| async move { sleep(Duration::from_secs(secs)).await; secs };
///     let first = runtime::wait([3, 1, 2].map(nap), ReturnWhen::FirstCompleted).await;
///     assert_eq!(first.done, [(1, 1)]); // (input position, output)
///     assert_eq!(first.pending.len(), 2);
///     // Nothing was cancelled: wait for the rest, giving up after 1.5 s more.
///     let rest = runtime::wait(first.pending.into_iter().map(|(_, f)| f), ReturnWhen::AllCompleted)
///         .timeout(Duration::from_millis(1500))
///         .await;
///     assert_eq!(rest.done, [(1, 2)]);
///     assert_eq!(rest.pending.len(), 1); // the 3 s one, still unfinished
/// });
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn wait<I>(futures: I, return_when: ReturnWhen) -> Wait<I::Item>
where
    I: IntoIterator,
    I::Item: Future,
{
    Wait {
        // Boxed, so that the unfinished ones can be handed back after being polled.
        children: Children::new("wait", futures.into_iter().map(Box::pin)),
        return_when,
        deadline: None,
        done: Vec::new(),
    }
}

/// What [`wait`] returns: what finished, and what did not.
#[non_exhaustive]
pub struct Waited<F: Future> {
    /// The outputs of the futures that finished, each with its input position, in the
    /// order they finished.
    pub done: Vec<(usize, F::Output)>,
    /// The futures that did not finish, each with its input position, in input order.
    pub pending: Vec<(usize, Pin<Box<F>>)>,
}

/// The future returned by [`wait`].
///
/// **Dropping it drops the futures it holds** (finishing hands them back instead).
#[must_use = "futures do nothing unless you `.await` them; dropping a Wait drops its futures"]
pub struct Wait<F: Future> {
    children: Children<Pin<Box<F>>>,
    return_when: ReturnWhen,
    /// Returns early when it passes; `None` without a timeout.
    deadline: Option<Sleep>,
    /// The outputs so far, in completion order.
    done: Vec<(usize, F::Output)>,
}

impl<F: Future> Wait<F> {
    /// Returns after `duration` (counted from this call) at the latest, whatever has
    /// finished by then. Cancels nothing.
    pub fn timeout(mut self, duration: Duration) -> Wait<F> {
        self.deadline = Some(sleep(duration));
        self
    }

    fn finish(&mut self) -> Waited<F> {
        Waited {
            done: std::mem::take(&mut self.done),
            pending: self.children.take_unfinished(),
        }
    }
}

impl<F: Future> Future for Wait<F> {
    type Output = Waited<F>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Waited<F>> {
        let this = self.get_mut();
        let mut round = this.children.start_round(cx);
        while let Some(finished) = this.children.poll_next(&mut round) {
            this.done.push(finished);
        }
        let met = match this.return_when {
            ReturnWhen::FirstCompleted => !this.done.is_empty(),
            ReturnWhen::AllCompleted => this.children.unfinished() == 0,
        };
        let timed_out = match &mut this.deadline {
            Some(deadline) => !met && Pin::new(deadline).poll(cx).is_ready(),
            None => false,
        };
        // An empty list has nothing to wait for, whatever `return_when` says.
        if met || timed_out || this.children.unfinished() == 0 {
            return Poll::Ready(this.finish());
        }
        this.children.end_round(cx);
        Poll::Pending
    }
}

// `Wait` is `Unpin`: the futures are boxed, and the outputs are only stored.
impl<F: Future> Unpin for Wait<F> {}

impl<F: Future> fmt::Debug for Waited<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let done: Vec<usize> = self.done.iter().map(|(index, _)| *index).collect();
        let pending: Vec<usize> = self.pending.iter().map(|(index, _)| *index).collect();
        f.debug_struct("Waited")
            .field("done", &done)
            .field("pending", &pending)
            .finish()
    }
}

impl<F: Future> fmt::Debug for Wait<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wait")
            .field("children", &self.children)
            .field("return_when", &self.return_when)
            .field("done", &self.done.len())
            .finish()
    }
}
