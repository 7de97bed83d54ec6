//! Waiting for every future of a list, or for the first error.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::children::Children;

/// Like [`gather`](crate::gather) for futures that return `Result`: `Ok` with every value
/// in input order once all succeeded, or the first `Err` as soon as it happens.
///
/// "First" means first in completion order. When a child fails, the `TryGather` returns at
/// once and **drops every other unfinished child** before returning, so none of them keeps
/// running (asyncio's `gather` leaves them running and forgets their later errors).
///
/// # Errors
///
/// The first error any child returns.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use runtime::time::sleep;
///
/// let rt = runtime::Runtime::builder().virtual_clock(true).build()?;
/// let result = rt.block_on(runtime::try_gather([1, 2, 3].map(|n| async move {
///     sleep(Duration::from_secs(n)).await;
///     if n == 2 { Err(format!("{n} failed")) } else { Ok(n) }
/// })));
/// // Returned at 2 s; the 3 s child was dropped unfinished.
/// assert_eq!(result, Err("2 failed".to_string()));
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn try_gather<I, T, E>(futures: I) -> TryGather<I::Item, T>
where
    I: IntoIterator,
    I::Item: Future<Output = Result<T, E>>,
{
    let children = Children::new("try_gather", futures);
    let values = std::iter::repeat_with(|| None)
        .take(children.len())
        .collect();
    TryGather { children, values }
}

/// The future returned by [`try_gather`].
///
/// **Dropping it drops every child that has not finished**; so does the first error.
#[must_use = "futures do nothing unless you `.await` them; dropping a TryGather drops its unfinished children"]
pub struct TryGather<F, T> {
    children: Children<F>,
    /// The value of each child that succeeded, by input position.
    values: Vec<Option<T>>,
}

impl<F, T, E> Future for TryGather<F, T>
where
    F: Future<Output = Result<T, E>>,
{
    type Output = Result<Vec<T>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let mut round = this.children.start_round(cx);
        while let Some((index, output)) = this.children.poll_next(&mut round) {
            match output {
                Ok(value) => this.values[index] = Some(value),
                Err(error) => {
                    this.children.drop_all();
                    this.values.clear();
                    return Poll::Ready(Err(error));
                }
            }
        }
        if this.children.unfinished() > 0 {
            this.children.end_round(cx);
            return Poll::Pending;
        }
        let values = std::mem::take(&mut this.values);
        Poll::Ready(Ok(values.into_iter().flatten().collect()))
    }
}

// `TryGather` is `Unpin`: the children live in a heap slice that moving the `TryGather`
// does not move, and `T` is only stored, never pinned.
impl<F, T> Unpin for TryGather<F, T> {}

impl<F, T> fmt::Debug for TryGather<F, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TryGather")
            .field("children", &self.children)
            .finish()
    }
}
