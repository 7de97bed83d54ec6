//! The parking lot: where the runtime's own primitives keep the wakers of the futures that
//! wait on them, so that the runtime can tell who waits on what.
//!
//! A [`Semaphore`](crate::sync::Semaphore), a [`oneshot`](crate::sync::oneshot) or an
//! [`mpsc`](crate::sync::mpsc) channel does not keep a waiter's `Waker` itself: it parks
//! it here and keeps the key. Each primitive is a *resource* (what it is, the line that made
//! it), and each handle that could release its waiters is a *releaser* of it: a permit
//! (held by the task that acquired it), a sender, a receiver making room.
//!
//! ```text
//!   t1: sem_b.acquire().await ──park──► lot: [t1's waker, "semaphore acquire (x.rs:20)", sem B]
//!   t2 holds a permit of sem B ──────► lot: releaser of sem B: permit held by t2
//! ```
//!
//! The lot is per thread, like the primitives (they are `!Send`): every waker in it was
//! parked by code on this thread, and can only be woken by code on this thread. That is
//! what makes the stuck report exact (`executor/wait_graph.rs`): a waker parked here fires
//! only if some task of this thread runs, so if every waker of every task is here (or in a
//! join slot, or nowhere) and no timer, socket, blocking job or other thread can wake
//! anything, nothing will ever run again.
//!
//! Nothing here calls a waker or drops one while the lot is borrowed: wakers are handed out
//! and called (or dropped) after the borrow ends, so a waker that parks again finds the
//! lot free.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::panic::Location;
use std::sync::{Arc, Weak};
use std::task::Waker;

use slab::Slab;

use super::{AwaitPoint, TaskId};

/// What a resource is, as a report names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ResourceKind {
    /// A [`Semaphore`](crate::sync::Semaphore).
    Semaphore,
    /// A [`oneshot`](crate::sync::oneshot) channel.
    Oneshot,
    /// An [`mpsc`](crate::sync::mpsc) channel.
    Mpsc,
}

/// What a releaser is to its resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    /// A permit of a semaphore: dropping it lets a waiter in.
    Permit,
    /// A sender: sending (or dropping it) wakes the receiver.
    Sender,
    /// A receiver: receiving makes room for a waiting sender (dropping it fails them).
    Receiver,
}

/// A primitive the runtime owns.
pub(crate) struct Resource {
    pub(crate) kind: ResourceKind,
    /// The line that created it.
    pub(crate) created_at: &'static Location<'static>,
}

/// A named frame of a task's async stack: a combinator child's label, or an open span
/// ([`instrument`](crate::instrument)).
pub(crate) type Frame = Arc<str>;

/// A waker parked on a resource.
pub(crate) struct Parked {
    pub(crate) waker: Waker,
    /// The leaf future that parked it, and the line that created that future.
    pub(crate) point: AwaitPoint,
    /// The labels and spans the poll was inside when it parked, outermost first.
    pub(crate) frames: Vec<Frame>,
    /// The resource it waits on (a key of [`Lot::resources`]).
    pub(crate) resource: u32,
}

/// A handle that could release a resource's waiters.
pub(crate) struct Releaser {
    /// The resource (a key of [`Lot::resources`]).
    pub(crate) resource: u32,
    pub(crate) role: Role,
    /// The task that created it (or acquired the permit), or, for a handle that says when
    /// it is used, the task that used it last; `None` outside any task.
    pub(crate) by: Option<TaskId>,
    /// The line that created it.
    pub(crate) at: &'static Location<'static>,
}

/// What a combinator's wake stack tells the wait-for graph: the one copy of the parent's
/// waker that every child waker leads to.
pub(crate) trait ParentWaker: Send + Sync {
    /// The data pointer of the parent's waker, if it has one.
    fn parent_data(&self) -> Option<*const ()>;
}

/// A combinator whose parent returned `Pending`: its children's wakers (each counted on its
/// own) and the parent's waker they lead to.
pub(crate) struct Group {
    /// Tells a moved combinator's registration from a newer one in the same slot.
    pub(crate) serial: u64,
    /// `"gather"`, `"join"`, ...
    pub(crate) name: &'static str,
    pub(crate) parent: Weak<dyn ParentWaker>,
    /// Child `i`'s waker node (a waker's data pointer is `Weak::as_ptr` of it; its
    /// strong count, less the combinator's own, is how many clones are alive).
    pub(crate) children: Vec<Weak<dyn Any + Send + Sync>>,
}

/// Everything parked on this thread.
#[derive(Default)]
pub(crate) struct Lot {
    pub(crate) resources: Slab<Resource>,
    pub(crate) parked: Slab<Parked>,
    pub(crate) releasers: Slab<Releaser>,
    pub(crate) groups: Slab<Group>,
    /// The serial of the last group registered.
    serials: u64,
}

thread_local! {
    static LOT: RefCell<Lot> = const {
        RefCell::new(Lot {
            resources: Slab::new(),
            parked: Slab::new(),
            releasers: Slab::new(),
            groups: Slab::new(),
            serials: 0,
        })
    };
    /// The task being polled on this thread, set by the runtime around each poll.
    static POLLING: Cell<Option<TaskId>> = const { Cell::new(None) };
    /// The labels and spans being polled on this thread, outermost first.
    static FRAMES: RefCell<Vec<Frame>> = const { RefCell::new(Vec::new()) };
}

/// Runs `poll` inside `frame`: a waker parked meanwhile records it in its async stack.
pub(crate) fn in_frame<R>(frame: Frame, poll: impl FnOnce() -> R) -> R {
    /// Pops the frame when the poll returns or unwinds.
    struct Pop;
    impl Drop for Pop {
        fn drop(&mut self) {
            let _ = FRAMES.try_with(|frames| frames.borrow_mut().pop());
        }
    }
    if FRAMES
        .try_with(|frames| frames.borrow_mut().push(frame))
        .is_err()
    {
        return poll();
    }
    let _pop = Pop;
    poll()
}

/// The frames being polled now.
fn frames() -> Vec<Frame> {
    FRAMES
        .try_with(|frames| frames.borrow().clone())
        .unwrap_or_default()
}

/// Runs `f` on this thread's lot; `None` when the thread is exiting and the lot is gone
/// (then nothing is parked: the caller keeps or drops the waker itself).
fn with<R>(f: impl FnOnce(&mut Lot) -> R) -> Option<R> {
    LOT.try_with(|lot| f(&mut lot.borrow_mut())).ok()
}

/// Reads this thread's lot, for the stuck check and the dump.
pub(crate) fn inspect<R>(f: impl FnOnce(&Lot) -> R) -> Option<R> {
    LOT.try_with(|lot| f(&lot.borrow())).ok()
}

/// Runs `poll` as the poll of `task`: releasers made meanwhile are the task's.
#[inline]
pub(crate) fn polling<R>(task: TaskId, poll: impl FnOnce() -> R) -> R {
    let outer = POLLING.try_with(|p| p.replace(Some(task))).ok().flatten();
    let result = poll();
    let _ = POLLING.try_with(|p| p.set(outer));
    result
}

/// The task being polled on this thread.
pub(crate) fn current_task() -> Option<TaskId> {
    POLLING.try_with(Cell::get).ok().flatten()
}

/// A resource's registration in the lot, made when it is first needed and removed when
/// the resource is dropped.
#[derive(Debug, Default)]
pub(crate) struct ResourceSlot(Cell<Option<u32>>);

impl ResourceSlot {
    /// The resource's key, registering it as `kind`, created at `at`, the first time.
    pub(crate) fn key(&self, kind: ResourceKind, at: &'static Location<'static>) -> Option<u32> {
        if let Some(key) = self.0.get() {
            return Some(key);
        }
        let resource = Resource {
            kind,
            created_at: at,
        };
        let key = with(|lot| lot.resources.insert(resource) as u32)?;
        self.0.set(Some(key));
        Some(key)
    }
}

impl Drop for ResourceSlot {
    fn drop(&mut self) {
        if let Some(key) = self.0.get() {
            with(|lot| lot.resources.try_remove(key as usize));
        }
    }
}

/// A waiter's place in the lot: the key of its parked waker, if it has one.
#[derive(Debug, Default)]
pub(crate) struct ParkSlot(Option<u32>);

impl ParkSlot {
    /// Parks `waker` (a clone of it) on `resource` at `point`, or, if this slot is parked
    /// already, keeps the waker there unless `waker` wakes another task.
    pub(crate) fn park(&mut self, waker: &Waker, point: AwaitPoint, resource: Option<u32>) {
        let Some(resource) = resource else {
            return; // the thread is exiting: nothing can wait any more
        };
        let frames = frames();
        let replaced = with(
            |lot| match self.0.and_then(|key| lot.parked.get_mut(key as usize)) {
                Some(parked) => {
                    parked.point = point;
                    parked.frames = frames;
                    match parked.waker.will_wake(waker) {
                        true => None,
                        false => Some(std::mem::replace(&mut parked.waker, waker.clone())),
                    }
                }
                None => {
                    let parked = Parked {
                        waker: waker.clone(),
                        point,
                        frames,
                        resource,
                    };
                    self.0 = Some(lot.parked.insert(parked) as u32);
                    None
                }
            },
        );
        drop(replaced); // after the borrow: a waker's destructor may park again
    }

    /// Takes the waker out of the lot, for the caller to wake or drop.
    pub(crate) fn unpark(&mut self) -> Option<Waker> {
        let key = self.0.take()?;
        with(|lot| lot.parked.try_remove(key as usize))
            .flatten()
            .map(|parked| parked.waker)
    }

    /// A clone of the parked waker, leaving it parked.
    pub(crate) fn waker(&self) -> Option<Waker> {
        let key = self.0?;
        with(|lot| lot.parked.get(key as usize).map(|p| p.waker.clone())).flatten()
    }
}

impl Drop for ParkSlot {
    fn drop(&mut self) {
        drop(self.unpark());
    }
}

/// A releaser's registration: removed when the handle is dropped.
#[derive(Debug)]
pub(crate) struct ReleaserSlot {
    key: Option<u32>,
    /// The task the lot names as its last user, to skip the lot when it has not changed.
    by: Cell<Option<TaskId>>,
}

impl ReleaserSlot {
    /// Registers a releaser of `resource` with `role`, made at `at` by the task being
    /// polled.
    pub(crate) fn new(resource: Option<u32>, role: Role, at: &'static Location<'static>) -> Self {
        let by = current_task();
        let key = resource.and_then(|resource| {
            let releaser = Releaser {
                resource,
                role,
                by,
                at,
            };
            with(|lot| lot.releasers.insert(releaser) as u32)
        });
        ReleaserSlot {
            key,
            by: Cell::new(by),
        }
    }

    /// No registration (a handle whose resource is not tracked).
    pub(crate) fn none() -> ReleaserSlot {
        ReleaserSlot {
            key: None,
            by: Cell::new(None),
        }
    }

    /// The handle is used by the task being polled: the report names that task as the
    /// one that last used it (a handle may move between tasks; its use says where it is).
    #[inline]
    pub(crate) fn used(&self) {
        let Some(task) = current_task() else {
            return;
        };
        if self.by.get() == Some(task) {
            return;
        }
        self.by.set(Some(task));
        if let Some(key) = self.key {
            with(|lot| {
                if let Some(releaser) = lot.releasers.get_mut(key as usize) {
                    releaser.by = Some(task);
                }
            });
        }
    }
}

impl Drop for ReleaserSlot {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            with(|lot| lot.releasers.try_remove(key as usize));
        }
    }
}

/// A combinator's registration as a [`Group`]: made when its parent first returns
/// `Pending`, removed when it is dropped.
#[derive(Debug, Default)]
pub(crate) struct GroupSlot(Cell<Option<(u32, u64)>>);

impl GroupSlot {
    /// Registers the combinator, unless it is already, with its children so far.
    pub(crate) fn register(
        &self,
        name: &'static str,
        parent: Weak<dyn ParentWaker>,
        children: impl Iterator<Item = Weak<dyn Any + Send + Sync>>,
    ) {
        if self.0.get().is_some() {
            return;
        }
        let children = children.collect();
        let key = with(|lot| {
            lot.serials += 1;
            let serial = lot.serials;
            let group = Group {
                serial,
                name,
                parent,
                children,
            };
            (lot.groups.insert(group) as u32, serial)
        });
        self.0.set(key);
    }

    /// Adds a child to a registered combinator.
    pub(crate) fn add_child(&self, child: impl FnOnce() -> Weak<dyn Any + Send + Sync>) {
        if let Some((key, serial)) = self.0.get() {
            with(|lot| match lot.groups.get_mut(key as usize) {
                Some(group) if group.serial == serial => group.children.push(child()),
                _ => {}
            });
        }
    }
}

impl Drop for GroupSlot {
    fn drop(&mut self) {
        let Some((key, serial)) = self.0.get() else {
            return;
        };
        let removed = with(|lot| match lot.groups.get(key as usize) {
            Some(group) if group.serial == serial => lot.groups.try_remove(key as usize),
            _ => None, // moved to another thread: its entry there is left, dead
        });
        drop(removed); // after the borrow
    }
}
