//! How a child's [`ChildWaker`] becomes a `Waker`: a hand-written vtable, so that the
//! parent can poll a child with a waker it only *borrows*.
//!
//! `impl Wake for ChildWaker` would need no `unsafe`, but every `Waker` it makes owns a
//! reference to the child's `Arc`. Then the parent would keep one owned waker per child
//! (16 bytes in every slot, and a reference count bumped when the child is added and
//! dropped when it goes) just to lend it out for each poll. With its own vtable the parent
//! builds a [`WakerRef`] from the `Arc` it keeps anyway, at no cost; a child that stores
//! its waker clones it, which takes a reference then, as any clone does.
//!
//! Every waker made here has `Arc::as_ptr` of a live `Arc<ChildWaker>` as its data: an
//! owned one owns one strong reference; a `WakerRef` borrows the parent's.

use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ops::Deref;
use std::sync::Arc;
use std::task::{RawWaker, RawWakerVTable, Waker};

use super::wake_stack::ChildWaker;
use crate::executor::wake::with_current;

/// The vtable of every child waker: waking pushes the child (see [`ChildWaker::push`]).
/// A `static`, not a `const`: one address, so that `Waker::will_wake` sees two wakers of
/// the same child as the same.
static VTABLE: RawWakerVTable = RawWakerVTable::new(clone_raw, wake_raw, wake_by_ref_raw, drop_raw);

/// A waker borrowed from the parent's `Arc<ChildWaker>`, valid while that `Arc` is.
pub(super) struct WakerRef<'a> {
    /// Never dropped: it owns no reference to release.
    waker: ManuallyDrop<Waker>,
    _node: PhantomData<&'a Arc<ChildWaker>>,
}

impl Deref for WakerRef<'_> {
    type Target = Waker;

    fn deref(&self) -> &Waker {
        &self.waker
    }
}

/// A waker for `node`'s child that borrows `node`: making it changes no reference count.
pub(super) fn waker_ref(node: &Arc<ChildWaker>) -> WakerRef<'_> {
    let data = Arc::as_ptr(node).cast::<()>();
    // SAFETY: `data` is the pointer of a live `Arc<ChildWaker>`, which stays alive while
    // `node` is borrowed (the returned lifetime), and the vtable's functions expect exactly
    // such a pointer. `ManuallyDrop`: this waker owns no reference, so must release none.
    let waker = unsafe { Waker::new(data, &VTABLE) };
    WakerRef {
        waker: ManuallyDrop::new(waker),
        _node: PhantomData,
    }
}

/// The combinator child `waker` wakes, if it is a child waker: its stack's address (the
/// same as the wait-for graph's `Weak` to it) and the child's index.
pub(super) fn child_of(waker: &Waker) -> Option<(*const (), u32)> {
    if !std::ptr::eq(waker.vtable(), &VTABLE) {
        return None;
    }
    // SAFETY: every waker with this vtable has as data the pointer of a live
    // `Arc<ChildWaker>` (module docs), kept alive by `waker` while it is borrowed here.
    let node = unsafe { &*waker.data().cast::<ChildWaker>() };
    Some((Arc::as_ptr(node.stack()).cast(), node.index()))
}

/// # Safety
/// `data` points to a live `ChildWaker` in an `Arc`.
unsafe fn clone_raw(data: *const ()) -> RawWaker {
    // SAFETY: the node is alive (caller); the new waker owns the reference added here.
    unsafe { Arc::increment_strong_count(data.cast::<ChildWaker>()) };
    // SAFETY: the node is alive (caller), and is only read.
    unsafe { &*data.cast::<ChildWaker>() }.stack().count_clone();
    RawWaker::new(data, &VTABLE)
}

/// # Safety
/// `data` is a reference owned by the waker being consumed.
unsafe fn wake_raw(data: *const ()) {
    // SAFETY: the consumed waker's reference moves into this `Arc`, released at the end.
    let node = unsafe { Arc::from_raw(data.cast::<ChildWaker>()) };
    node.push();
    node.stack().uncount_clone(); // after the push: see `uncount_clone`
}

/// # Safety
/// `data` points to a live `ChildWaker` in an `Arc`.
unsafe fn wake_by_ref_raw(data: *const ()) {
    // SAFETY: the node is alive for the whole call (caller), and is only read.
    let node = unsafe { &*data.cast::<ChildWaker>() };
    node.push();
}

/// # Safety
/// `data` is a reference owned by the waker being dropped.
///
/// Dropped on a thread where no runtime runs, it may have been the last waker of a child
/// whose runtime waits without a timeout: nothing would end that wait, so the runtime
/// could never find out that it is stuck. So the drop wakes the parent, after the release
/// (unless a push has woken it since its current poll started: the poll that wake brings
/// comes after this release too); the parent's poll finds no child queued, and the runtime
/// checks again. (A child waker cannot tell which runtime it belongs to; a drop on a thread
/// where *some* runtime runs is taken to be on its own runtime's thread.)
unsafe fn drop_raw(data: *const ()) {
    // SAFETY: the node is alive: the dropped waker still owns its reference.
    unsafe { &*data.cast::<ChildWaker>() }
        .stack()
        .uncount_clone();
    if with_current(|core| core.is_some()) {
        // SAFETY: the dropped waker owned one reference; release it.
        unsafe { Arc::decrement_strong_count(data.cast::<ChildWaker>()) };
        return;
    }
    // SAFETY: the node is alive: the dropped waker still owns its reference. The stack is
    // kept alive for the wake, since the release may free the node.
    let stack = Arc::clone(unsafe { &*data.cast::<ChildWaker>() }.stack());
    // SAFETY: as above; `stack` no longer borrows from the node.
    unsafe { Arc::decrement_strong_count(data.cast::<ChildWaker>()) };
    // Cloned under the lock, woken after it: a waker may run arbitrary code.
    let parent = {
        let parent = stack.parent();
        parent.waker.clone().filter(|_| !parent.woken)
    };
    if let Some(parent) = parent {
        parent.wake();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::waker_ref;
    use crate::combinators::wake_stack::{ChildWaker, WakeStack};

    #[test]
    fn a_borrowed_waker_takes_no_reference_and_each_clone_owns_one() {
        let node = Arc::new(ChildWaker::new(0, Arc::new(WakeStack::new()), false));
        let borrowed = waker_ref(&node);
        assert_eq!(Arc::strong_count(&node), 1);
        let kept = borrowed.clone();
        let other = kept.clone();
        assert_eq!(Arc::strong_count(&node), 3);
        assert!(kept.will_wake(&borrowed), "one child, one waker identity");
        kept.wake_by_ref();
        borrowed.wake_by_ref();
        other.wake(); // consumes its reference
        drop(kept);
        assert_eq!(Arc::strong_count(&node), 1);
    }
}
