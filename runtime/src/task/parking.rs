//! Where the runtime can see who waits on what: the waiting rooms of its own primitives.
//!
//! A [`Semaphore`](crate::sync::Semaphore) or an [`mpsc`](crate::sync::mpsc) channel keeps
//! each waiter as a [`Waiter`]: the waker, the await point that parked it, and the labels
//! and spans it parked inside. It also keeps who could release its waiters: the tasks
//! holding its permits, where each sender and receiver was made and in which task it was
//! last seen. The first time someone waits, the primitive registers its *room* in this
//! thread's lot (a `Weak` reference), and the stuck check reads every room through the
//! [`Room`] trait. A [`oneshot`](crate::sync::oneshot) channel, whose value type makes it
//! generic, parks its one waiter in the lot itself ([`ParkSlot`]).
//!
//! ```text
//!   t1: sem_b.acquire().await ──► sem B's room: waiter t1 at "semaphore acquire (x.rs:20)"
//!   t2 holds a permit of sem B ─► sem B's room: holder t2        (the lot: a Weak to the room)
//! ```
//!
//! Rooms are per thread, like the primitives (they are `!Send`): every waker in them was
//! parked by code on this thread, and can only be woken by code on this thread. That is
//! what makes the stuck report exact (`executor/wait_graph.rs`): a waker in a room fires
//! only if some task of this thread runs, so if every waker of every task is in a room (or
//! a join slot, or nowhere) and no timer, socket, blocking job or other thread can wake
//! anything, nothing will ever run again.
//!
//! Nothing here calls a waker or drops one while the lot is borrowed: wakers are handed out
//! and called (or dropped) after the borrow ends.

use std::cell::{Cell, RefCell};
use std::panic::Location;
use std::rc::Weak as RcWeak;
use std::sync::{Arc, OnceLock, Weak};
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
    /// A connection on the [simulated network](crate::sim).
    Connection,
    /// A listener on the simulated network.
    Listener,
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
    /// The other end of a simulated connection: sending, reading or closing wakes its peer.
    Peer,
}

/// A named frame of a task's async stack: a combinator child's label, or an open span
/// ([`instrument`](crate::instrument)).
pub(crate) type Frame = Arc<str>;

/// A waiting future as a primitive keeps it.
pub(crate) struct Waiter {
    pub(crate) waker: Waker,
    /// The leaf future that parked it, and the line that created that future.
    pub(crate) point: AwaitPoint,
    /// The labels and spans the poll was inside when it parked, outermost first.
    /// (A boxed slice: an empty one, the usual case, allocates nothing.)
    pub(crate) frames: Box<[Frame]>,
}

impl Waiter {
    /// The waiter of the poll running now: a clone of `waker`, at `point`.
    #[inline]
    pub(crate) fn new(waker: &Waker, point: AwaitPoint) -> Waiter {
        Waiter {
            waker: waker.clone(),
            point,
            frames: frames(),
        }
    }

    /// The same future parks again: keeps `waker` (unless the one kept wakes the same
    /// task) and the new point. Returns the replaced waker, to be dropped by the caller
    /// once its borrows end.
    #[inline]
    pub(crate) fn update(&mut self, waker: &Waker, point: AwaitPoint) -> Option<Waker> {
        self.point = point;
        self.frames = frames();
        match self.waker.will_wake(waker) {
            true => None,
            false => Some(std::mem::replace(&mut self.waker, waker.clone())),
        }
    }
}

/// A handle that could release a resource's waiters.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Releaser {
    pub(crate) role: Role,
    /// The task that made it (or acquired the permit), or, for a handle that says when it
    /// is used, the task that used it last; `None` outside any task.
    pub(crate) by: Option<TaskId>,
    /// The line that created it.
    pub(crate) at: &'static Location<'static>,
}

/// What the stuck check learns from one resource.
pub(crate) struct RoomView {
    pub(crate) kind: ResourceKind,
    pub(crate) created_at: &'static Location<'static>,
    /// Each waiter: whose its waker is, its await point and frames.
    pub(crate) waiters: Vec<(WakerId, AwaitPoint, Vec<Frame>)>,
    pub(crate) releasers: Vec<Releaser>,
}

/// A primitive's waiting room, as the stuck check reads it.
pub(crate) trait Room {
    /// Who waits and who could release them; `None` if the room is in use right now (it
    /// never is while the runtime checks: no primitive code runs then).
    fn view(&self) -> Option<RoomView>;
}

/// A oneshot's waiter, kept in the lot with what the report says of its channel.
pub(crate) struct Parked {
    pub(crate) waiter: Waiter,
    /// The line that created the channel.
    pub(crate) created_at: &'static Location<'static>,
    /// The task its sender was made in. The sender is alive while the receiver waits (its
    /// drop wakes the receiver), and was made where the channel was.
    pub(crate) sender_by: Option<TaskId>,
}

/// What this thread's primitives have registered.
pub(crate) struct Lot {
    /// The rooms of semaphores and mpsc channels someone has waited on.
    pub(crate) rooms: Slab<RcWeak<dyn Room>>,
    /// Oneshot receivers waiting.
    pub(crate) parked: Slab<Parked>,
    /// Combinators whose parent has returned `Pending`.
    pub(crate) groups: Slab<Group>,
    /// The serial of the last group registered.
    serials: u64,
}

thread_local! {
    static LOT: RefCell<Lot> = const {
        RefCell::new(Lot {
            rooms: Slab::new(),
            parked: Slab::new(),
            groups: Slab::new(),
            serials: 0,
        })
    };
    /// The task being polled on this thread, set by the runtime around each poll.
    static POLLING: Cell<Option<TaskId>> = const { Cell::new(None) };
    /// The labels and spans being polled on this thread, outermost first.
    static FRAMES: RefCell<Vec<Frame>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` on this thread's lot; `None` when the thread is exiting and the lot is gone.
fn with<R>(f: impl FnOnce(&mut Lot) -> R) -> Option<R> {
    LOT.try_with(|lot| f(&mut lot.borrow_mut())).ok()
}

/// Reads this thread's lot, for the stuck check and the dump.
pub(crate) fn inspect<R>(f: impl FnOnce(&Lot) -> R) -> Option<R> {
    LOT.try_with(|lot| f(&lot.borrow())).ok()
}

/// Runs `poll` as the poll of `task`: handles made or used meanwhile are the task's.
#[inline]
pub(crate) fn polling<R>(task: TaskId, poll: impl FnOnce() -> R) -> R {
    let outer = POLLING.try_with(|p| p.replace(Some(task))).ok().flatten();
    let result = poll();
    let _ = POLLING.try_with(|p| p.set(outer));
    result
}

/// The task being polled on this thread.
#[inline]
pub(crate) fn current_task() -> Option<TaskId> {
    POLLING.try_with(Cell::get).ok().flatten()
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

/// The frames being polled now (none, and no allocation, outside any label or span).
#[inline]
pub(crate) fn frames() -> Box<[Frame]> {
    FRAMES
        .try_with(|frames| match frames.try_borrow() {
            Ok(frames) if !frames.is_empty() => frames.as_slice().into(),
            _ => Box::default(),
        })
        .unwrap_or_default()
}

/// A room's registration in the lot: made the first time someone waits, removed when the
/// primitive is dropped.
#[derive(Debug, Default)]
pub(crate) struct RoomSlot(Cell<Option<u32>>);

impl RoomSlot {
    /// Registers the room, unless it is already.
    #[inline]
    pub(crate) fn register(&self, room: impl FnOnce() -> RcWeak<dyn Room>) {
        if self.0.get().is_none() {
            self.0.set(with(|lot| lot.rooms.insert(room()) as u32));
        }
    }
}

impl Drop for RoomSlot {
    #[inline]
    fn drop(&mut self) {
        if let Some(key) = self.0.get() {
            forget_room(key);
        }
    }
}

/// Removes room `key` from the lot.
#[cold]
fn forget_room(key: u32) {
    let removed = with(|lot| lot.rooms.try_remove(key as usize));
    drop(removed); // after the borrow
}

/// A oneshot receiver's place in the lot: the key of its parked waiter, if it waits.
#[derive(Debug, Default)]
pub(crate) struct ParkSlot(Option<u32>);

impl ParkSlot {
    /// Parks `cx`'s waker at `point`, on a channel created at `created_at` whose sender
    /// was made in `sender_by`; or, if parked already, updates the waiter.
    pub(crate) fn park(
        &mut self,
        waker: &Waker,
        point: AwaitPoint,
        created_at: &'static Location<'static>,
        sender_by: Option<TaskId>,
    ) {
        let replaced = with(
            |lot| match self.0.and_then(|k| lot.parked.get_mut(k as usize)) {
                Some(parked) => parked.waiter.update(waker, point),
                None => {
                    let waiter = Waiter::new(waker, point);
                    let parked = Parked {
                        waiter,
                        created_at,
                        sender_by,
                    };
                    self.0 = Some(lot.parked.insert(parked) as u32);
                    None
                }
            },
        );
        drop(replaced); // after the borrow: a waker's destructor may park again
    }

    /// Takes the waker out of the lot, for the caller to wake or drop.
    #[inline]
    pub(crate) fn unpark(&mut self) -> Option<Waker> {
        // Most receivers never wait: that path must cost a test, not a call.
        let key = self.0.take()?;
        unpark_slow(key)
    }
}

/// Takes waiter `key` out of the lot.
#[cold]
fn unpark_slow(key: u32) -> Option<Waker> {
    with(|lot| lot.parked.try_remove(key as usize))
        .flatten()
        .map(|parked| parked.waiter.waker)
}

impl Drop for ParkSlot {
    #[inline]
    fn drop(&mut self) {
        if self.0.is_some() {
            drop(self.unpark());
        }
    }
}

/// A waker as the wait-for graph tells it apart: whose it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct WakerId {
    /// Its data pointer: a task's address, for a task's waker.
    pub(crate) data: *const (),
    /// For a combinator child's waker: its wake stack's address and the child's index.
    pub(crate) child: Option<(*const (), u32)>,
}

/// How to tell a combinator child's waker (set by the combinators, which own that vtable,
/// when the first of them parks).
static CHILD_OF: OnceLock<ChildOf> = OnceLock::new();

/// Which combinator child a waker wakes, if it is a child waker: its wake stack's address
/// and the child's index.
pub(crate) type ChildOf = fn(&Waker) -> Option<(*const (), u32)>;

/// Tells the graph how to recognise a combinator child's waker.
pub(crate) fn recognise_children(child_of: ChildOf) {
    if CHILD_OF.get().is_none() {
        let _ = CHILD_OF.set(child_of);
    }
}

/// Whose `waker` is.
pub(crate) fn identify(waker: &Waker) -> WakerId {
    WakerId {
        data: waker.data(),
        child: CHILD_OF.get().and_then(|child_of| child_of(waker)),
    }
}

/// What a combinator's wake stack tells the wait-for graph.
pub(crate) trait ParentWaker: Send + Sync {
    /// Whose the parent's waker (the one copy every child waker leads to) is.
    fn parent_waker(&self) -> Option<WakerId>;
    /// How many owned child wakers are alive.
    fn clones(&self) -> usize;
}

/// A combinator whose parent returned `Pending`.
pub(crate) struct Group {
    /// Tells a moved combinator's registration from a newer one in the same slot.
    pub(crate) serial: u64,
    /// `"gather"`, `"join"`, ...
    pub(crate) name: &'static str,
    /// Its wake stack; `Weak::as_ptr` is the address its child wakers name.
    pub(crate) stack: Weak<dyn ParentWaker>,
}

/// A combinator's registration as a [`Group`]: made when its parent first returns
/// `Pending`, removed when it is dropped.
#[derive(Debug, Default)]
pub(crate) struct GroupSlot(Cell<Option<(u32, u64)>>);

impl GroupSlot {
    /// Registers the combinator, unless it is already.
    pub(crate) fn register(
        &self,
        name: &'static str,
        stack: impl FnOnce() -> Weak<dyn ParentWaker>,
    ) {
        if self.0.get().is_some() {
            return;
        }
        let key = with(|lot| {
            lot.serials += 1;
            let serial = lot.serials;
            let stack = stack();
            (
                lot.groups.insert(Group {
                    serial,
                    name,
                    stack,
                }) as u32,
                serial,
            )
        });
        self.0.set(key);
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
