//! Waiting for a few futures of different types: the tuple form of `gather`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use super::ready_list::{ReadyList, Round};

/// Runs two futures of any types concurrently and returns both outputs as a tuple, once
/// both have finished: `gather(a, b)` for futures of different types.
///
/// Like [`gather`](crate::gather), each future has its own waker and only woken futures are
/// polled (trace lines `poll t1 child 0` and `child 1`); dropping the `Join` drops the
/// unfinished ones. For three futures use [`join3`]; for more, nest them
/// (`join(join3(a, b, c), join(d, e))`), or use `gather` over one type.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use runtime::time::sleep;
///
/// let rt = runtime::Runtime::builder().virtual_clock(true).build()?;
/// let (n, s) = rt.block_on(runtime::join(
///     async { sleep(Duration::from_secs(2)).await; 7 },
///     async { sleep(Duration::from_secs(1)).await; "seven" },
/// ));
/// assert_eq!((n, s), (7, "seven"));
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn join<A: Future, B: Future>(a: A, b: B) -> Join<A, B> {
    let mut ready = ReadyList::new("join");
    ready.add_child();
    ready.add_child();
    Join {
        a: MaybeDone::new(a),
        b: MaybeDone::new(b),
        ready,
    }
}

/// Like [`join`], for three futures.
///
/// # Examples
///
/// ```
/// let (a, b, c) = runtime::block_on(runtime::join3(async { 1 }, async { 'b' }, async { "c" }));
/// assert_eq!((a, b, c), (1, 'b', "c"));
/// ```
pub fn join3<A: Future, B: Future, C: Future>(a: A, b: B, c: C) -> Join3<A, B, C> {
    let mut ready = ReadyList::new("join3");
    ready.add_child();
    ready.add_child();
    ready.add_child();
    Join3 {
        a: MaybeDone::new(a),
        b: MaybeDone::new(b),
        c: MaybeDone::new(c),
        ready,
    }
}

/// The future returned by [`join`]. **Dropping it drops the unfinished futures.**
#[must_use = "futures do nothing unless you `.await` them; dropping a Join drops its unfinished futures"]
pub struct Join<A: Future, B: Future> {
    a: MaybeDone<A>,
    b: MaybeDone<B>,
    /// Which of `a` (0) and `b` (1) were woken since their last poll, and their wakers.
    ready: ReadyList,
}

/// The future returned by [`join3`]. **Dropping it drops the unfinished futures.**
#[must_use = "futures do nothing unless you `.await` them; dropping a Join3 drops its unfinished futures"]
pub struct Join3<A: Future, B: Future, C: Future> {
    a: MaybeDone<A>,
    b: MaybeDone<B>,
    c: MaybeDone<C>,
    /// Which of `a` (0), `b` (1) and `c` (2) were woken since their last poll, and their
    /// wakers.
    ready: ReadyList,
}

impl<A: Future, B: Future> Future for Join<A, B> {
    type Output = (A::Output, B::Output);

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        this.a.assert_not_taken();
        let mut round = this.ready.start_round(cx);
        while let Some(index) = this.ready.next(&mut round) {
            let waker = this.ready.waker(index);
            match index {
                0 => this.a.poll(&round, index, &waker),
                _ => this.b.poll(&round, index, &waker),
            }
        }
        if this.a.is_done() && this.b.is_done() {
            return Poll::Ready((this.a.take(), this.b.take()));
        }
        this.ready.end_round(cx);
        Poll::Pending
    }
}

impl<A: Future, B: Future, C: Future> Future for Join3<A, B, C> {
    type Output = (A::Output, B::Output, C::Output);

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        this.a.assert_not_taken();
        let mut round = this.ready.start_round(cx);
        while let Some(index) = this.ready.next(&mut round) {
            let waker = this.ready.waker(index);
            match index {
                0 => this.a.poll(&round, index, &waker),
                1 => this.b.poll(&round, index, &waker),
                _ => this.c.poll(&round, index, &waker),
            }
        }
        if this.a.is_done() && this.b.is_done() && this.c.is_done() {
            return Poll::Ready((this.a.take(), this.b.take(), this.c.take()));
        }
        this.ready.end_round(cx);
        Poll::Pending
    }
}

/// One future of a join, through its life.
enum MaybeDone<F: Future> {
    /// Not finished; boxed so it stays pinned without `unsafe` projection.
    Running(Pin<Box<F>>),
    /// Finished: its output waits for the others.
    Done(F::Output),
    /// The output was returned.
    Taken,
}

impl<F: Future> MaybeDone<F> {
    fn new(future: F) -> MaybeDone<F> {
        MaybeDone::Running(Box::pin(future))
    }

    /// Polls the future if it is still running.
    fn poll(&mut self, round: &Round, index: usize, waker: &Waker) {
        match self {
            MaybeDone::Running(future) => {
                let mut cx = Context::from_waker(waker);
                if let Poll::Ready(output) =
                    round.poll_child(index, || future.as_mut().poll(&mut cx))
                {
                    *self = MaybeDone::Done(output);
                }
            }
            MaybeDone::Done(_) | MaybeDone::Taken => {}
        }
    }

    fn is_done(&self) -> bool {
        matches!(self, MaybeDone::Done(_))
    }

    /// Panics with a clear message if the join returned its outputs already.
    fn assert_not_taken(&self) {
        assert!(
            !matches!(self, MaybeDone::Taken),
            "a join was polled after it completed"
        );
    }

    fn take(&mut self) -> F::Output {
        match std::mem::replace(self, MaybeDone::Taken) {
            MaybeDone::Done(output) => output,
            _ => unreachable!("only a finished future's output is taken"),
        }
    }
}

// The joins are `Unpin`: the futures are boxed and the outputs are only stored.
impl<A: Future, B: Future> Unpin for Join<A, B> {}
impl<A: Future, B: Future, C: Future> Unpin for Join3<A, B, C> {}

impl<F: Future> fmt::Debug for MaybeDone<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MaybeDone::Running(_) => "Running",
            MaybeDone::Done(_) => "Done",
            MaybeDone::Taken => "Taken",
        })
    }
}

impl<A: Future, B: Future> fmt::Debug for Join<A, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Join").field(&self.a).field(&self.b).finish()
    }
}

impl<A: Future, B: Future, C: Future> fmt::Debug for Join3<A, B, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Join3")
            .field(&self.a)
            .field(&self.b)
            .field(&self.c)
            .finish()
    }
}
