//! Two futures, the first to finish wins.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::ready_list::ReadyList;

/// Runs `a` and `b` concurrently and returns the output of the first to finish; the loser
/// is dropped (cancelled) at once, before `race` returns.
///
/// Every poll of the `Race` polls `a` first, then `b`, so **when both are ready on the same
/// poll, `a` wins**: put the branch that must win ties (a shutdown signal, a cache hit)
/// first. Each has a waker of its own, so the trace can say which one was woken, but both
/// are polled on every poll. In the trace they are `child 0` and `child 1`.
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
    let mut ready = ReadyList::new("race");
    ready.add_child();
    ready.add_child();
    Race {
        contenders: Some(Contenders {
            a: Box::pin(a),
            b: Box::pin(b),
        }),
        ready,
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
    /// The wakers of `a` (0) and `b` (1): which was woken is only read by the trace, since
    /// both are always polled.
    ready: ReadyList,
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

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let this = self.get_mut();
        let Contenders { a, b } = this
            .contenders
            .as_mut()
            .expect("a race was polled after it finished");
        // Both are polled whichever was woken: empty the list, so the next wake of a child
        // wakes the race again.
        let mut round = this.ready.start_round(cx);
        while this.ready.next(&mut round).is_some() {}
        let waker_a = this.ready.waker(0);
        let mut winner =
            round.poll_child(0, || a.as_mut().poll(&mut Context::from_waker(&waker_a)));
        if winner.is_pending() {
            let waker_b = this.ready.waker(1);
            winner = round.poll_child(1, || b.as_mut().poll(&mut Context::from_waker(&waker_b)));
        }
        match winner.is_ready() {
            // Drop the loser now, not whenever the `Race` itself is dropped.
            true => this.contenders = None,
            false => this.ready.note_parked(),
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
