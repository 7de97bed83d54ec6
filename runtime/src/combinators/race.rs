//! Two futures, the first to finish wins.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::executor::wake;

/// Runs `a` and `b` concurrently and returns the output of the first to finish; the loser
/// is dropped (cancelled) at once, before `race` returns.
///
/// Every poll of the `Race` polls `a` first, then `b`, so **when both are ready on the same
/// poll, `a` wins**: put the branch that must win ties (a shutdown signal, a cache hit)
/// first. Both futures share the `Race`'s waker; with two children a per-child waker would
/// save at most one poll. In the trace they are `child 0` and `child 1`.
///
/// Both must have the same output type. For different ones, wrap each in an `async` block
/// that maps its output into an enum of your own.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use runtime::time::sleep;
///
/// let rt = runtime::Runtime::builder().virtual_clock(true).build()?;
/// let winner = rt.block_on(runtime::race(
///     async { sleep(Duration::from_secs(2)).await; "slow" },
///     async { sleep(Duration::from_secs(1)).await; "fast" },
/// ));
/// assert_eq!(winner, "fast");
/// // Both ready at once: `a` wins.
/// assert_eq!(rt.block_on(runtime::race(async { 'a' }, async { 'b' })), 'a');
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn race<T, A, B>(a: A, b: B) -> Race<A, B>
where
    A: Future<Output = T>,
    B: Future<Output = T>,
{
    Race {
        contenders: Some(Contenders {
            a: Box::pin(a),
            b: Box::pin(b),
        }),
    }
}

/// The future returned by [`race`].
///
/// **Dropping it drops both futures**; finishing drops the loser.
///
/// # Panics
///
/// If polled again after it returned.
#[must_use = "futures do nothing unless you `.await` them; dropping a Race drops both futures"]
pub struct Race<A, B> {
    /// Both futures, until one wins.
    contenders: Option<Contenders<A, B>>,
}

/// The two futures of a race, boxed so they stay pinned without `unsafe` projection.
struct Contenders<A, B> {
    a: Pin<Box<A>>,
    b: Pin<Box<B>>,
}

impl<T, A, B> Future for Race<A, B>
where
    A: Future<Output = T>,
    B: Future<Output = T>,
{
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let Contenders { a, b } = self
            .contenders
            .as_mut()
            .expect("a race was polled after it finished");
        let core = wake::current();
        let note = |child| {
            if let Some(core) = &core {
                core.trace().note_child_poll(child);
            }
        };
        note(0);
        let mut winner = a.as_mut().poll(cx);
        if winner.is_pending() {
            note(1);
            winner = b.as_mut().poll(cx);
        }
        if winner.is_ready() {
            // Drop the loser now, not whenever the `Race` itself is dropped.
            self.contenders = None;
        }
        winner
    }
}

impl<A, B> fmt::Debug for Race<A, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Race")
            .field("finished", &self.contenders.is_none())
            .finish()
    }
}
