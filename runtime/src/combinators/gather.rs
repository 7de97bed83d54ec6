//! Waiting for every future of a list, results in input order.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::children::Children;

/// Runs every future of `futures` concurrently and returns their outputs in input order,
/// once all have finished: asyncio's `gather`.
///
/// The futures run inside the task that awaits the `Gather` (they are not spawned), so they
/// need not be `'static`. Pass [`JoinHandle`](crate::JoinHandle)s to wait for spawned tasks.
///
/// Each child gets its own waker: waking it re-polls that child alone, so `n` children
/// woken once each cost `O(n)` polls in total, however large `n` is. Children are polled
/// in the order they were woken; one poll of the `Gather` polls each woken child at most
/// once and at most 128 children in all, then yields to the rest of the runtime. In the
/// trace, each child poll is a line `poll t1 child 3`, numbered by input position.
///
/// To stop at the first error, see [`try_gather`](crate::try_gather); for outputs in
/// completion order, [`as_completed`](crate::as_completed); for a handful of futures of
/// different types, [`join`](crate::join).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use runtime::time::sleep;
///
/// let rt = runtime::Runtime::builder().virtual_clock(true).build()?;
/// let names = rt.block_on(runtime::gather([3, 1, 2].map(|secs| async move {
///     sleep(Duration::from_secs(secs)).await;
///     format!("slept {secs}s")
/// })));
/// // Input order, although the 1 s sleep finished first.
/// assert_eq!(names, ["slept 3s", "slept 1s", "slept 2s"]);
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn gather<I>(futures: I) -> Gather<I::Item>
where
    I: IntoIterator,
    I::Item: Future,
{
    let children = Children::new("gather", futures);
    let outputs = std::iter::repeat_with(|| None)
        .take(children.len())
        .collect();
    Gather { children, outputs }
}

/// The future returned by [`gather`].
///
/// **Dropping it drops every child that has not finished** (cancelling it, in asyncio's
/// words), together with the outputs of those that have. A dropped
/// [`JoinHandle`](crate::JoinHandle) detaches its task rather than cancelling it; wrap
/// handles in [`abort_on_drop`](crate::abort_on_drop) to cancel them too.
#[must_use = "futures do nothing unless you `.await` them; dropping a Gather drops its unfinished children"]
pub struct Gather<F: Future> {
    children: Children<F>,
    /// The output of each finished child, by input position.
    outputs: Vec<Option<F::Output>>,
}

impl<F: Future> Future for Gather<F> {
    type Output = Vec<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Vec<F::Output>> {
        let this = self.get_mut();
        let mut round = this.children.start_round(cx);
        while let Some((index, output)) = this.children.poll_next(&mut round) {
            this.outputs[index] = Some(output);
        }
        if this.children.unfinished() > 0 {
            this.children.end_round(cx);
            return Poll::Pending;
        }
        let outputs = std::mem::take(&mut this.outputs);
        Poll::Ready(outputs.into_iter().flatten().collect())
    }
}

// `Gather` is `Unpin`: the children live in a heap slice that moving the `Gather` does not
// move, and the outputs are only stored, never pinned.
impl<F: Future> Unpin for Gather<F> {}

impl<F: Future> fmt::Debug for Gather<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Gather")
            .field("children", &self.children)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::gather;
    use crate::combinators::tests::{child_polls, traced};
    use crate::time::sleep;
    use crate::trace::Event;

    #[test]
    fn each_child_poll_is_in_the_trace_and_a_timer_re_polls_only_its_child() {
        let (rt, rec) = traced();
        let out = rt.block_on(async {
            gather([20, 10].map(|ms| async move {
                sleep(Duration::from_millis(ms)).await;
                ms
            }))
            .await
        });
        assert_eq!(out, [20, 10]);
        assert_eq!(
            rec.lines(),
            [
                "poll main",
                "poll main child 0", // first polls, in input order
                "poll main child 1",
                "pending main",
                "clock jumps to 10ms",
                "timer#1 fired",
                "wake main by timer#1", // child 1's waker wakes main...
                "poll main",
                "poll main child 1", // ...and main polls child 1 alone
                "pending main",
                "clock jumps to 20ms",
                "timer#0 fired",
                "wake main by timer#0",
                "poll main",
                "poll main child 0",
                "ready main",
            ]
        );
    }

    #[test]
    fn a_gather_of_one_thousand_ready_children_yields_every_budget() {
        let (rt, rec) = traced();
        let out = rt.block_on(gather((0..1000).map(|i| async move { i })));
        assert_eq!(out, (0..1000).collect::<Vec<_>>());
        assert_eq!(child_polls(&rec), 1000);
        let main_polls = rec
            .events()
            .iter()
            .filter(|e| matches!(e, Event::PollStart { .. }))
            .count();
        // 1000 children, 128 per poll: 8 polls.
        assert_eq!(
            main_polls,
            1000_usize.div_ceil(super::super::ready_list::BUDGET)
        );
    }
}
