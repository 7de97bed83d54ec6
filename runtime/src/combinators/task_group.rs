//! Structured concurrency: tasks that live and fail together.

use std::cell::{Cell, RefCell};
use std::error::Error;
use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::rc::{Rc, Weak};
use std::task::{Context, Poll, Waker};

mod child_handle;

pub use self::child_handle::ChildHandle;

use self::child_handle::AbortChild;
use super::ready_list::{ReadyList, Round};
use crate::executor::JoinHandle;
use crate::sync::oneshot;
use crate::trace::TaskId;

/// The ready-list index of the body of [`TaskGroup::run`]; child `i` (from 0, in spawn
/// order) is index `i + 1`, and appears in the trace as `child i+1`.
const BODY: usize = 0;

/// A set of spawned tasks that succeed together or fail together: asyncio's `TaskGroup`,
/// trio's nursery.
///
/// [`spawn`](TaskGroup::spawn) starts a child task at once. [`run`](TaskGroup::run) runs a
/// body future next to the children and waits for the body and every child;
/// [`join`](TaskGroup::join) just waits for the children. Children return `Result<T, E>`:
///
/// - **the first child error or panic (or body error) aborts every other child and the
///   body**, and `run`/`join` returns it once the aborted children are gone. Later errors
///   are consequences of the first and are dropped.
/// - a child aborted through its [`ChildHandle`] is not an error: the others go on.
/// - **no child outlives the group**: dropping the `TaskGroup`, or the `run`/`join`
///   future before it finished (the group was cancelled from outside), aborts every
///   unfinished child. The runtime drops an aborted task's future the next time it would
///   have run it.
///
/// A failure is noticed while `run` or `join` is being awaited, so put the work that should
/// be cancelled along with the children in `run`'s body.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use runtime::time::sleep;
/// use runtime::{GroupError, TaskGroup};
///
/// let rt = runtime::Runtime::builder().virtual_clock(true).build()?;
/// rt.block_on(async {
///     let group = TaskGroup::new();
///     let fast = group.spawn(async { sleep(Duration::from_secs(1)).await; Ok(42) });
///     let result = group
///         .run(async {
///             group.spawn(async { sleep(Duration::from_secs(2)).await; Err::<(), _>("boom") });
///             sleep(Duration::from_secs(3600)).await; // cancelled at 2 s
///             Ok(())
///         })
///         .await;
///     assert_eq!(result, Err(GroupError::Failed("boom")));
///     assert_eq!(fast.await, Some(42)); // finished before the failure
/// });
/// # Ok::<(), std::io::Error>(())
/// ```
#[must_use = "dropping a TaskGroup aborts its children"]
pub struct TaskGroup<E> {
    group: Rc<Group<E>>,
}

/// What the group and its `run` share.
struct Group<E> {
    /// Which of the body (index 0) and the children (index `i + 1`) were woken. Never
    /// borrowed while user code runs.
    ready: RefCell<ReadyList>,
    /// The body's waker (ready-list index 0).
    body_waker: Waker,
    /// Every child spawned, in spawn order. Never borrowed while user code runs.
    children: RefCell<Vec<Child<E>>>,
    /// How many children `run` has not yet seen finish.
    unfinished: Cell<usize>,
    /// The first failure since the current `run` started; its siblings were aborted.
    failure: RefCell<Option<GroupError<E>>>,
    /// Whether a `run` (or `join`) is in progress: the body slot is taken.
    running: Cell<bool>,
}

struct Child<E> {
    /// The handle of the child's task, until `run` sees it finish.
    handle: Option<JoinHandle<Result<(), E>>>,
    /// The child's own waker, given to its handle.
    waker: Waker,
}

/// Why a [`TaskGroup`] failed. Its other children were aborted.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum GroupError<E> {
    /// A child, or the body of [`TaskGroup::run`], returned this error.
    Failed(E),
    /// A child panicked.
    Panicked {
        /// The child's task.
        task: TaskId,
        /// The panic's message.
        message: String,
    },
}

impl<E: fmt::Display> fmt::Display for GroupError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GroupError::Failed(error) => write!(f, "task group failed: {error}"),
            GroupError::Panicked { task, message } => {
                write!(f, "task group child {task} panicked: {message}")
            }
        }
    }
}

impl<E: Error + 'static> Error for GroupError<E> {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            GroupError::Failed(error) => Some(error),
            GroupError::Panicked { .. } => None,
        }
    }
}

impl<E: 'static> TaskGroup<E> {
    /// An empty group.
    pub fn new() -> TaskGroup<E> {
        let mut ready = ReadyList::new("task_group");
        let body = ready.add_child();
        let body_waker = ready.waker(body).clone();
        TaskGroup {
            group: Rc::new(Group {
                ready: RefCell::new(ready),
                body_waker,
                children: RefCell::new(Vec::new()),
                unfinished: Cell::new(0),
                failure: RefCell::new(None),
                running: Cell::new(false),
            }),
        }
    }

    /// Spawns `future` as a child task of the group; it starts running at once.
    ///
    /// The returned handle gives the child's value (after the group, or before), or aborts
    /// the child alone.
    ///
    /// # Panics
    ///
    /// If no runtime is running on this thread (see [`spawn`](crate::spawn)).
    #[track_caller]
    pub fn spawn<F, T>(&self, future: F) -> ChildHandle<T>
    where
        F: Future<Output = Result<T, E>> + 'static,
        T: 'static,
    {
        let (sender, output) = oneshot::channel();
        let handle = crate::executor::spawn(async move {
            let value = future.await?;
            // The `ChildHandle` may be gone: then nobody wants the value.
            let _ = sender.send(value);
            Ok(())
        });
        let task = handle.id();
        let mut children = self.group.children.borrow_mut();
        let waker = {
            let mut ready = self.group.ready.borrow_mut();
            let index = ready.add_child();
            ready.waker(index).clone()
        };
        children.push(Child {
            handle: Some(handle),
            waker,
        });
        self.group.unfinished.set(self.group.unfinished.get() + 1);
        let group: Weak<dyn AbortChild> = Rc::downgrade(&self.group) as Weak<dyn AbortChild>;
        ChildHandle {
            task,
            output,
            index: children.len() - 1,
            group,
        }
    }

    /// Runs `body` while the children run, then waits for every child: the body of
    /// asyncio's `async with TaskGroup() as group:`. The body may spawn more children.
    ///
    /// Returns the body's value once the body and every child finished successfully.
    ///
    /// # Errors
    ///
    /// The first failure, once every child is gone: a child's or the body's `Err`
    /// ([`GroupError::Failed`]), or a child's panic ([`GroupError::Panicked`]). The failure
    /// aborted the other children and dropped the body.
    ///
    /// # Panics
    ///
    /// If another `run` or `join` of this group is in progress, and if the body panics
    /// (after aborting the children).
    pub async fn run<B, R>(&self, body: B) -> Result<R, GroupError<E>>
    where
        B: Future<Output = Result<R, E>>,
    {
        assert!(
            !self.group.running.replace(true),
            "a TaskGroup runs one `run` or `join` at a time"
        );
        // Dropped when `run` returns or is cancelled: aborts whatever is still running.
        let _scope = Scope(&self.group);
        let mut body = pin!(Some(body));
        let mut value = None;
        self.group.ready.borrow().schedule(BODY);
        poll_fn(|cx| self.group.poll_run(cx, body.as_mut(), &mut value)).await
    }

    /// Waits for every child; the same as [`run`](TaskGroup::run) with an empty body.
    ///
    /// # Errors
    ///
    /// As for `run`: the first child failure, after the others were aborted.
    ///
    /// # Panics
    ///
    /// If another `run` or `join` of this group is in progress.
    pub async fn join(&self) -> Result<(), GroupError<E>> {
        self.run(async { Ok(()) }).await
    }

    /// Aborts every unfinished child. Being aborted is not a failure: a `run` in progress
    /// returns the body's value once the children are gone.
    pub fn abort_all(&self) {
        self.group.abort_all();
    }
}

impl<E> Group<E> {
    fn abort_all(&self) {
        for child in self.children.borrow().iter() {
            if let Some(handle) = &child.handle {
                handle.abort();
            }
        }
    }

    /// Records the first failure and aborts every other child.
    fn fail(&self, error: GroupError<E>) {
        let mut failure = self.failure.borrow_mut();
        if failure.is_none() {
            *failure = Some(error);
            drop(failure);
            self.abort_all();
        }
    }

    /// One poll of `run`: polls the body and the children that were woken.
    fn poll_run<B, R>(
        &self,
        cx: &mut Context<'_>,
        mut body: Pin<&mut Option<B>>,
        value: &mut Option<R>,
    ) -> Poll<Result<R, GroupError<E>>>
    where
        B: Future<Output = Result<R, E>>,
    {
        let mut round = self.ready.borrow_mut().start_round(cx);
        loop {
            // Its own statement: the borrow must end before the child's poll.
            let next = self.ready.borrow_mut().next(&mut round);
            let Some(index) = next else { break };
            if index != BODY {
                self.poll_child(&round, index);
                continue;
            }
            // A stale wake of a body that already finished (or of an earlier run's body).
            let Some(future) = body.as_mut().as_pin_mut() else {
                continue;
            };
            let mut cx = Context::from_waker(&self.body_waker);
            match round.poll_child(BODY, || future.poll(&mut cx)) {
                Poll::Ready(Ok(output)) => *value = Some(output),
                Poll::Ready(Err(error)) => self.fail(GroupError::Failed(error)),
                Poll::Pending => continue,
            }
            body.set(None);
        }
        if self.failure.borrow().is_some() {
            body.set(None); // a failure cancels the body
        }
        // (`as_pin_mut`, not `is_some`: a shared reference to the body would read a future
        // that holds references into itself, which Miri's aliasing models reject.)
        let body_running = body.as_mut().as_pin_mut().is_some();
        if body_running || self.unfinished.get() > 0 {
            self.ready.borrow().end_round(cx);
            return Poll::Pending;
        }
        Poll::Ready(match self.failure.borrow_mut().take() {
            Some(failure) => Err(failure),
            None => Ok(value
                .take()
                .expect("with no failure, the body returned a value")),
        })
    }

    /// Polls the child at ready-list `index` and handles its end.
    fn poll_child(&self, round: &Round, index: usize) {
        let mut children = self.children.borrow_mut();
        let child = &mut children[index - 1];
        let Some(handle) = &mut child.handle else {
            return;
        };
        let task = handle.id();
        let mut cx = Context::from_waker(&child.waker);
        let Poll::Ready(result) = round.poll_child(index, || Pin::new(handle).poll(&mut cx)) else {
            return;
        };
        child.handle = None;
        drop(children);
        self.unfinished.set(self.unfinished.get() - 1);
        match result {
            Ok(Ok(())) => {}
            Ok(Err(error)) => self.fail(GroupError::Failed(error)),
            // Not panicked: aborted, by this group after a failure or through its
            // `ChildHandle`. That is not a failure.
            Err(error) => {
                if let Some(message) = error.panic_message() {
                    self.fail(GroupError::Panicked {
                        task,
                        message: message.to_owned(),
                    });
                }
            }
        }
    }
}

/// Ends a `run`: aborts the children still running (there are some only when the `run`
/// future is dropped before it finished) and frees the body slot.
struct Scope<'a, E>(&'a Group<E>);

impl<E> Drop for Scope<'_, E> {
    fn drop(&mut self) {
        self.0.abort_all();
        self.0.running.set(false);
        self.0.failure.borrow_mut().take();
    }
}

impl<E> Drop for TaskGroup<E> {
    fn drop(&mut self) {
        self.group.abort_all();
    }
}

impl<E: 'static> Default for TaskGroup<E> {
    fn default() -> TaskGroup<E> {
        TaskGroup::new()
    }
}

impl<E> fmt::Debug for TaskGroup<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskGroup")
            .field("children", &self.group.children.borrow().len())
            .field("unfinished", &self.group.unfinished.get())
            .field("running", &self.group.running.get())
            .finish()
    }
}
