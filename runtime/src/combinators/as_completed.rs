//! Outputs in the order the futures finish.
//!
//! The [`AsCompleted`] owns the children and a few counters in one shared `Engine`. Two
//! ways take items out of it, and may be mixed:
//!
//! ```text
//!   ac.next().await           ─► the next output, or None when none is left
//!   for c in &mut ac { .. }   ─► one future per remaining output; awaiting any of them
//!                                gives the next output to finish, whichever it is
//! ```
//!
//! Every yielded future is a *promise* of one output. `unpromised` counts the outputs not
//! yet claimed by `next` nor promised to a yielded future; `next` returns `None` once it is
//! zero, so it never takes an output a yielded future is owed.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_core::Stream;

mod deadline;
mod engine;

use self::deadline::Deadline;
use self::engine::Engine;
use crate::time::Elapsed;

/// Runs every future of `futures` concurrently and gives their outputs one by one, in
/// the order they finish: asyncio's `as_completed`.
///
/// Take the outputs with [`next`](AsCompleted::next), or iterate: the `AsCompleted` yields
/// one future per output, and **each yielded future resolves to the next output to
/// finish**, not to a particular child (as in asyncio, awaiting the second yielded future
/// first gives the earliest output). Iteration can stop with `break` and resume later with
/// another `for c in &mut ac` or with `next`.
///
/// Like [`gather`](crate::gather), each child has its own waker. It is fair: one poll
/// polls each woken child at most once (and at most 128 in all), so a child that wakes
/// itself on every poll cannot starve the others, and children that finish on the same
/// poll come out in the order they were woken.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use runtime::time::sleep;
///
/// let rt = runtime::Runtime::builder().virtual_clock(true).build()?;
/// rt.block_on(async {
///     let nap = |secs| async move { sleep(Duration::from_secs(secs)).await; secs };
///     let mut ac = runtime::as_completed([3, 1, 2].map(nap));
///     assert_eq!(ac.next().await, Some(1));
///     for next in &mut ac {
///         let secs = next.await; // 2, then 3
///         assert!(secs >= 2);
///     }
///     assert_eq!(ac.next().await, None);
/// });
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn as_completed<I>(futures: I) -> AsCompleted<I::Item>
where
    I: IntoIterator,
    I::Item: Future,
{
    AsCompleted::new(futures, None, never_elapses)
}

/// Like [`as_completed`], with an overall deadline `duration` from now: the outputs that
/// finish by it are `Ok`, and once it passes **every remaining item is `Err(Elapsed)`**
/// and the unfinished children are dropped. asyncio's version leaves the unfinished tasks
/// running; a plain future cannot run without its owner, so this one drops them (pass
/// [`JoinHandle`](crate::JoinHandle)s to leave spawned tasks running).
///
/// **Asking after the deadline** gives what waiting at the deadline would have given: a
/// child counts as finished in time only if it finishes from wakes that came at or before
/// the deadline. Children woken by then are still polled (one whose timer fired exactly at
/// the deadline gives `Ok`), children woken later are not, and every other item is
/// `Err(Elapsed)`. Children run only while you wait, so one that needs another wake after
/// such a late poll is `Elapsed`: that wake comes after the deadline. Under the virtual
/// clock this is exact. Under the real clock a wake is at or before the deadline if the
/// runtime's clock, read as the waker is called, says so, or if it came before the
/// deadline's own timer fired (timers due together fire in deadline order, so a child's
/// timer due just before the deadline still counts).
///
/// The deadline is fixed by the clock of the runtime running on this thread when this
/// function is called.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use runtime::time::{sleep, Elapsed};
///
/// let rt = runtime::Runtime::builder().virtual_clock(true).build()?;
/// rt.block_on(async {
///     let nap = |secs| async move { sleep(Duration::from_secs(secs)).await; secs };
///     let mut ac = runtime::as_completed_timeout(Duration::from_secs(2), [1, 5, 9].map(nap));
///     assert_eq!(ac.next().await, Some(Ok(1)));
///     assert_eq!(ac.next().await, Some(Err(Elapsed)));
///     assert_eq!(ac.next().await, Some(Err(Elapsed)));
///     assert_eq!(ac.next().await, None);
///
///     // Asking late: the 2 s child was woken before the 3 s deadline, the 5 s one after.
///     let mut ac = runtime::as_completed_timeout(Duration::from_secs(3), [1, 2, 5].map(nap));
///     assert_eq!(ac.next().await, Some(Ok(1)));
///     sleep(Duration::from_secs(10)).await;
///     assert_eq!(ac.next().await, Some(Ok(2)));
///     assert_eq!(ac.next().await, Some(Err(Elapsed)));
/// });
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn as_completed_timeout<I>(
    duration: Duration,
    futures: I,
) -> AsCompleted<I::Item, Result<<I::Item as Future>::Output, Elapsed>>
where
    I: IntoIterator,
    I::Item: Future,
{
    AsCompleted::new(futures, Some(Deadline::after(duration)), |item| item)
}

/// The items of an [`as_completed`] (each of type `T`) in completion order.
///
/// `T` is the children's output, or `Result<output, Elapsed>` for
/// [`as_completed_timeout`].
///
/// **Dropping it drops every unfinished child** — once the futures it yielded (which share
/// the children with it) are dropped too.
#[must_use = "an AsCompleted does nothing unless you take its items; dropping it drops its unfinished children"]
pub struct AsCompleted<F: Future, T = <F as Future>::Output> {
    engine: Rc<RefCell<Engine<F>>>,
    /// Turns what the engine produces into an item (drops the `Result` without a deadline).
    item: fn(Result<F::Output, Elapsed>) -> T,
    /// The key of the waiter polled as a [`Stream`], while it is registered.
    stream_key: Option<usize>,
}

/// The item function of [`as_completed`], which has no deadline.
fn never_elapses<O>(item: Result<O, Elapsed>) -> O {
    match item {
        Ok(output) => output,
        Err(Elapsed) => unreachable!("an as_completed without a deadline cannot elapse"),
    }
}

impl<F: Future, T> AsCompleted<F, T> {
    fn new(
        futures: impl IntoIterator<Item = F>,
        deadline: Option<Deadline>,
        item: fn(Result<F::Output, Elapsed>) -> T,
    ) -> AsCompleted<F, T> {
        let engine = Engine::new(futures, deadline);
        AsCompleted {
            engine: Rc::new(RefCell::new(engine)),
            item,
            stream_key: None,
        }
    }

    /// Waits for the next item in completion order; `None` when every item was taken (or
    /// promised to a future this `AsCompleted` yielded).
    ///
    /// Dropping the returned future before it is ready loses nothing: the item stays for
    /// the next call.
    // reason: asyncio's spelling; an async `next` cannot be `Iterator::next`, and iterating
    // an `AsCompleted` yields futures instead (`IntoIterator`).
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Next<'_, F, T> {
        Next {
            owner: self,
            key: None,
        }
    }

    /// How many items [`next`](AsCompleted::next) or iteration can still give.
    pub fn remaining(&self) -> usize {
        self.engine.borrow().unpromised
    }
}

/// The items in completion order, as a [`Stream`]: `poll_next` is
/// [`next`](AsCompleted::next) without the borrow, so `StreamExt` adapters work.
///
/// ```
/// use futures_util::StreamExt;
/// use std::time::Duration;
/// use runtime::time::sleep;
///
/// let rt = runtime::Runtime::builder().virtual_clock(true).build()?;
/// let naps = [30, 10, 20].map(|ms| async move {
///     sleep(Duration::from_millis(ms)).await;
///     ms
/// });
/// let order: Vec<u64> = rt.block_on(runtime::as_completed(naps).collect());
/// assert_eq!(order, [10, 20, 30]);
/// # Ok::<(), std::io::Error>(())
/// ```
impl<F: Future, T> Stream for AsCompleted<F, T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.get_mut();
        let (poll, wake) = this
            .engine
            .borrow_mut()
            .poll_waiter(cx, &mut this.stream_key, false);
        if let Some(waker) = wake {
            waker.wake();
        }
        poll.map(|found| found.map(this.item))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.remaining();
        (left, Some(left))
    }
}

impl<F: Future, T> Drop for AsCompleted<F, T> {
    fn drop(&mut self) {
        if self.stream_key.is_some() {
            forget(&self.engine, &mut self.stream_key);
        }
    }
}

/// The future returned by [`AsCompleted::next`].
#[must_use = "futures do nothing unless you `.await` them"]
pub struct Next<'a, F: Future, T> {
    owner: &'a mut AsCompleted<F, T>,
    /// This waiter's key among the engine's waiters, while it is registered.
    key: Option<usize>,
}

impl<F: Future, T> Future for Next<'_, F, T> {
    type Output = Option<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.get_mut();
        let item = this.owner.item;
        let (poll, wake) = this
            .owner
            .engine
            .borrow_mut()
            .poll_waiter(cx, &mut this.key, false);
        if let Some(waker) = wake {
            waker.wake();
        }
        poll.map(|found| found.map(item))
    }
}

impl<F: Future, T> Drop for Next<'_, F, T> {
    fn drop(&mut self) {
        if self.key.is_some() {
            forget(&self.owner.engine, &mut self.key);
        }
    }
}

/// Unregisters a waiter that is dropped while waiting, and wakes another waiter to drive
/// the children in its place.
///
/// The engine is borrowed only while a waiter polls the children. A waiter dropped by one
/// of those children (a cycle) finds it borrowed and leaves quietly: `drop` must not panic.
fn forget<F: Future>(engine: &RefCell<Engine<F>>, key: &mut Option<usize>) {
    let Ok(mut engine) = engine.try_borrow_mut() else {
        return;
    };
    let wake = engine.forget_waiter(key);
    drop(engine);
    if let Some(waker) = wake {
        waker.wake();
    }
}

/// Iterates over one future per remaining item; see [`as_completed`].
impl<F: Future, T> IntoIterator for AsCompleted<F, T> {
    type Item = Completion<F, T>;
    type IntoIter = Completions<F, T>;

    fn into_iter(mut self) -> Completions<F, T> {
        (&mut self).into_iter()
    }
}

/// Iterates over one future per remaining item, leaving the `AsCompleted` usable after a
/// `break`.
impl<F: Future, T> IntoIterator for &mut AsCompleted<F, T> {
    type Item = Completion<F, T>;
    type IntoIter = Completions<F, T>;

    fn into_iter(self) -> Completions<F, T> {
        Completions {
            engine: self.engine.clone(),
            item: self.item,
        }
    }
}

/// The iterator over an [`AsCompleted`]'s remaining items: one [`Completion`] future per
/// item not yet taken.
#[must_use = "iterators do nothing unless iterated"]
pub struct Completions<F: Future, T> {
    engine: Rc<RefCell<Engine<F>>>,
    item: fn(Result<F::Output, Elapsed>) -> T,
}

impl<F: Future, T> Iterator for Completions<F, T> {
    type Item = Completion<F, T>;

    fn next(&mut self) -> Option<Completion<F, T>> {
        let mut engine = self.engine.borrow_mut();
        engine.unpromised = engine.unpromised.checked_sub(1)?;
        Some(Completion {
            engine: self.engine.clone(),
            item: self.item,
            key: None,
            resolved: false,
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.engine.borrow().unpromised;
        (left, Some(left))
    }
}

impl<F: Future, T> ExactSizeIterator for Completions<F, T> {}

/// A future yielded by iterating an [`AsCompleted`]: resolves to the next item to finish
/// (whichever child that is), like the awaitables asyncio's `as_completed` yields.
///
/// Each `Completion` is owed one item. Dropping it before it resolves gives the item back
/// to the `AsCompleted`. While it is alive, the children are too.
///
/// # Panics
///
/// If polled again after it resolved.
#[must_use = "futures do nothing unless you `.await` them"]
pub struct Completion<F: Future, T> {
    engine: Rc<RefCell<Engine<F>>>,
    item: fn(Result<F::Output, Elapsed>) -> T,
    /// This waiter's key among the engine's waiters, while it is registered.
    key: Option<usize>,
    /// Whether it returned its item.
    resolved: bool,
}

impl<F: Future, T> Future for Completion<F, T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let this = self.get_mut();
        assert!(!this.resolved, "a Completion was polled after it resolved");
        let (poll, wake) = this
            .engine
            .borrow_mut()
            .poll_waiter(cx, &mut this.key, true);
        if let Some(waker) = wake {
            waker.wake();
        }
        poll.map(|found| {
            this.resolved = true;
            let found = found.expect("a promised item exists: promises never exceed the items");
            (this.item)(found)
        })
    }
}

impl<F: Future, T> Drop for Completion<F, T> {
    fn drop(&mut self) {
        if !self.resolved {
            // Give the promised item back (see `forget` for why the engine may be busy).
            if let Ok(mut engine) = self.engine.try_borrow_mut() {
                engine.unpromised += 1;
            }
        }
        if self.key.is_some() {
            forget(&self.engine, &mut self.key);
        }
    }
}

// None of these pin anything: the children are boxed inside the engine.
impl<F: Future, T> Unpin for AsCompleted<F, T> {}
impl<F: Future, T> Unpin for Next<'_, F, T> {}
impl<F: Future, T> Unpin for Completion<F, T> {}

impl<F: Future, T> fmt::Debug for AsCompleted<F, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let engine = self.engine.borrow();
        f.debug_struct("AsCompleted")
            .field("children", &engine.children)
            .field("unpromised", &engine.unpromised)
            .field("elapsed", &engine.elapsed)
            .finish()
    }
}

impl<F: Future, T> fmt::Debug for Next<'_, F, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Next").field("owner", &self.owner).finish()
    }
}

impl<F: Future, T> fmt::Debug for Completions<F, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Completions")
            .field("left", &self.engine.borrow().unpromised)
            .finish()
    }
}

impl<F: Future, T> fmt::Debug for Completion<F, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Completion")
            .field("resolved", &self.resolved)
            .finish()
    }
}
