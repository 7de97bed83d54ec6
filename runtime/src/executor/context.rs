//! Which runtime, if any, is running on this thread.

use std::cell::RefCell;
use std::rc::Rc;

use super::core::Core;

thread_local! {
    /// The runtime whose `block_on` (or drop) is running on this thread. Set only by
    /// [`enter`] and restored by dropping its guard.
    static CURRENT: RefCell<Option<Rc<Core>>> = const { RefCell::new(None) };
}

/// Restores the previous context when dropped, also on unwind.
pub(crate) struct EnterGuard {
    previous: Option<Rc<Core>>,
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        let _ = CURRENT.try_with(|c| *c.borrow_mut() = previous);
    }
}

/// Makes `core` the current runtime for `block_on`.
///
/// # Panics
/// If this thread is already inside a runtime's `block_on`: blocking the thread inside a
/// task would stop every other task of that runtime.
pub(crate) fn enter(core: Rc<Core>) -> EnterGuard {
    CURRENT.with(|c| {
        let mut current = c.borrow_mut();
        if current.is_some() {
            panic!(
                "block_on called inside a running tinyloop runtime: a nested block_on would \
                 stop every other task on this thread. Use `.await` (or runtime::spawn) instead"
            );
        }
        EnterGuard {
            previous: current.replace(core),
        }
    })
}

/// Makes `core` current whatever was current before (used while dropping a runtime, which
/// may happen inside another runtime's task).
pub(crate) fn enter_for_drop(core: Rc<Core>) -> EnterGuard {
    let previous = CURRENT
        .try_with(|c| c.borrow_mut().replace(core))
        .ok()
        .flatten();
    EnterGuard { previous }
}

/// Runs `f` on the current runtime without touching its reference count (the wake path's
/// lookup). `f` must not enter or leave a runtime.
pub(crate) fn with_current<R>(f: impl FnOnce(Option<&Core>) -> R) -> R {
    let mut f = Some(f);
    let result = CURRENT.try_with(|c| {
        let core = c.borrow();
        (f.take().expect("called once"))(core.as_deref())
    });
    match result {
        Ok(result) => result,
        // The thread is exiting and its context is gone: there is no runtime.
        Err(_) => (f.take().expect("not called"))(None),
    }
}

/// The current runtime, if any.
pub(crate) fn current() -> Option<Rc<Core>> {
    CURRENT.try_with(|c| c.borrow().clone()).ok().flatten()
}
