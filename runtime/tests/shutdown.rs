//! Dropping the runtime: every unfinished future is dropped exactly once, in place, inside
//! the runtime, whatever the futures' destructors do meanwhile.
//!
//! Each test here was undefined behaviour or a wrong answer before the shutdown kept
//! `COMPLETE` for futures that are really gone. The first two are visible only to Miri
//! (the bytes of a moved future land back where they were):
//!
//! ```text
//! cargo +nightly miri test -p runtime --test shutdown
//! ```

mod support;

use std::cell::RefCell;
use std::future::{pending, Future};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use runtime::sync::oneshot;
use runtime::{JoinError, JoinHandle, Runtime};
use support::{bounded, panic_message, Counted, Drops};

fn quiet_runtime() -> Runtime {
    Runtime::builder()
        .virtual_clock(true)
        .lost_waker_lint(false)
        .build()
        .expect("runtime")
}

/// Lets every queued task run until it waits.
fn settle(rt: &Runtime) {
    rt.block_on(async {
        for _ in 0..4 {
            runtime::yield_now().await;
        }
    });
}

/// Held across an `.await` by a future, pointing at another local of the same future: the
/// future is self-referential, and moving it would leave `local` dangling. Its destructor
/// writes through the reference.
struct SelfRef<'a> {
    local: &'a mut u64,
    _counted: Counted,
}

impl Drop for SelfRef<'_> {
    fn drop(&mut self) {
        *self.local += 1;
    }
}

#[test]
fn dropping_a_task_that_holds_a_pending_tasks_handle_never_moves_that_tasks_future() {
    bounded(|| {
        let rt = quiet_runtime();
        let (a_drops, b_drops) = (Drops::default(), Drops::default());
        let (a, b) = (a_drops.counted(), b_drops.clone());
        // A is spawned first, so the runtime drops it first: its handle of B is dropped
        // while B's self-referential future is still alive.
        let _detached = rt.spawn(async move {
            let _a = a;
            let handle_b: JoinHandle<()> = runtime::spawn(async move {
                let mut local = 0u64;
                let _guard = SelfRef {
                    local: &mut local,
                    _counted: b.counted(),
                };
                pending::<()>().await;
            });
            pending::<()>().await;
            drop(handle_b);
        });
        settle(&rt);
        assert_eq!(rt.live_tasks(), 2);
        drop(rt);
        assert_eq!((a_drops.count(), b_drops.count()), (1, 1));
    });
}

#[test]
fn dropping_a_task_that_holds_its_own_handle_drops_it_once() {
    bounded(|| {
        let rt = quiet_runtime();
        let drops = Drops::default();
        let (tx, rx) = oneshot::channel::<JoinHandle<()>>();
        let counted = drops.counted();
        let handle = rt.spawn(async move {
            let _counted = counted;
            let _me = rx.await.unwrap();
            pending::<()>().await;
        });
        tx.send(handle).unwrap();
        settle(&rt);
        assert_eq!(rt.live_tasks(), 1);
        drop(rt); // the future's destructor drops the task's own handle
        assert_eq!(drops.count(), 1);
    });
}

/// Polls the handle it owns when dropped, and records what the poll said.
struct PollOnDrop {
    handle: JoinHandle<u32>,
    seen: Rc<RefCell<Option<String>>>,
}

impl Drop for PollOnDrop {
    fn drop(&mut self) {
        let mut cx = Context::from_waker(Waker::noop());
        let polled = catch_unwind(AssertUnwindSafe(|| {
            Pin::new(&mut self.handle).poll(&mut cx)
        }));
        *self.seen.borrow_mut() = Some(match polled {
            Ok(poll) => format!("{poll:?}"),
            Err(payload) => format!("panicked: {}", panic_message(&*payload)),
        });
    }
}

#[test]
fn a_pending_tasks_handle_polled_during_runtime_drop_reports_cancelled() {
    bounded(|| {
        let rt = quiet_runtime();
        let seen = Rc::new(RefCell::new(None));
        let recorder = seen.clone();
        let _detached = rt.spawn(async move {
            let handle = runtime::spawn(pending::<u32>());
            let _guard = PollOnDrop {
                handle,
                seen: recorder,
            };
            pending::<()>().await;
        });
        settle(&rt);
        drop(rt);
        let cancelled: Poll<Result<u32, JoinError>> = Poll::Ready(Err(JoinError::Cancelled));
        assert_eq!(*seen.borrow(), Some(format!("{cancelled:?}")));
    });
}

/// Spawns a task when dropped and lets its handle escape.
struct SpawnOnDrop {
    escaped: Rc<RefCell<Option<JoinHandle<()>>>>,
    drops: Drops,
}

impl Drop for SpawnOnDrop {
    fn drop(&mut self) {
        let counted = self.drops.counted();
        let late = runtime::spawn(async move {
            let _counted = counted;
            pending::<()>().await;
        });
        *self.escaped.borrow_mut() = Some(late);
    }
}

#[test]
fn a_task_spawned_while_the_runtime_drops_its_tasks_is_dropped_too() {
    bounded(|| {
        let rt = quiet_runtime();
        let escaped = Rc::new(RefCell::new(None));
        let late_drops = Drops::default();
        let guard = SpawnOnDrop {
            escaped: escaped.clone(),
            drops: late_drops.clone(),
        };
        let _detached = rt.spawn(async move {
            let _guard = guard;
            pending::<()>().await;
        });
        settle(&rt);
        drop(rt);
        assert_eq!(late_drops.count(), 1, "dropped with the runtime");
        let late = escaped.borrow_mut().take().expect("the handle escaped");
        assert!(late.is_finished());
        assert_eq!(runtime::block_on(late), Err(JoinError::Cancelled));
    });
}

#[test]
fn a_runtime_dropped_while_unwinding_still_drops_every_task() {
    bounded(|| {
        let drops = Drops::default();
        let counted = drops.counted();
        let unwound = catch_unwind(AssertUnwindSafe(|| {
            let rt = quiet_runtime();
            let _detached = rt.spawn(async move {
                let _counted = counted;
                pending::<()>().await;
            });
            settle(&rt);
            panic!("unwinding with a live runtime");
        }));
        assert!(unwound.is_err());
        assert_eq!(drops.count(), 1);
    });
}

/// A panic payload whose own destructor panics.
struct Bomb;

impl Drop for Bomb {
    fn drop(&mut self) {
        panic!("the panic payload's destructor panics too");
    }
}

/// Panics with a [`Bomb`] the first time it is dropped, and counts its drops; its heap
/// allocation makes a second drop a double free, which Miri reports.
struct PanicsWithABomb {
    _counted: Counted,
    _heap: Box<u64>,
    armed: bool,
}

impl Drop for PanicsWithABomb {
    fn drop(&mut self) {
        if std::mem::take(&mut self.armed) {
            std::panic::panic_any(Bomb);
        }
    }
}

/// A task that waits forever holding a [`PanicsWithABomb`].
fn bomb_holder(rt: &Runtime, drops: &Drops) -> JoinHandle<()> {
    let bomb = PanicsWithABomb {
        _counted: drops.counted(),
        _heap: Box::new(7),
        armed: true,
    };
    rt.spawn(async move {
        let _bomb = bomb;
        pending::<()>().await;
    })
}

#[test]
fn a_future_whose_destructor_panics_with_a_payload_that_panics_is_dropped_once_on_abort() {
    bounded(|| {
        let rt = quiet_runtime();
        let drops = Drops::default();
        let handle = bomb_holder(&rt, &drops);
        settle(&rt);
        handle.abort();
        let aborted = rt.block_on(handle);
        assert!(aborted.unwrap_err().is_cancelled());
        drop(rt);
        assert_eq!(drops.count(), 1);
    });
}

#[test]
fn a_future_whose_destructor_panics_with_a_payload_that_panics_is_dropped_once_on_runtime_drop() {
    bounded(|| {
        let rt = quiet_runtime();
        let drops = Drops::default();
        drop(bomb_holder(&rt, &drops));
        settle(&rt);
        let dropped = catch_unwind(AssertUnwindSafe(|| drop(rt)));
        assert!(dropped.is_ok(), "nothing escapes the runtime's drop");
        assert_eq!(drops.count(), 1);
    });
}

thread_local! {
    /// A runtime kept for the thread's life, dropped as the thread exits.
    static THREAD_RUNTIME: Runtime = quiet_runtime();
}

#[test]
fn a_runtime_in_a_thread_local_drops_its_tasks_when_the_thread_exits() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    struct CountsDrops(Arc<AtomicUsize>);
    impl Drop for CountsDrops {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let drops = Arc::new(AtomicUsize::new(0));
    let counted = CountsDrops(drops.clone());
    let thread = std::thread::spawn(move || {
        THREAD_RUNTIME.with(|rt| {
            let _detached = rt.spawn(async move {
                let _counted = counted;
                pending::<()>().await;
            });
            rt.block_on(runtime::yield_now());
        });
    });
    assert!(thread.join().is_ok(), "the thread exits cleanly");
    assert_eq!(drops.load(Ordering::SeqCst), 1);
}

/// Spawns a task from its `finish`, which the runtime calls as it is dropped.
struct SpawnsInFinish {
    late: Drops,
    inside: Rc<RefCell<Option<bool>>>,
}

/// Notes whether it was dropped while a runtime was running on this thread.
struct NotesWhereDropped {
    inside: Rc<RefCell<Option<bool>>>,
    _counted: Counted,
}

impl Drop for NotesWhereDropped {
    fn drop(&mut self) {
        // `runtime::spawn` works only where a runtime is current.
        let inside = catch_unwind(|| drop(runtime::spawn(async {}))).is_ok();
        *self.inside.borrow_mut() = Some(inside);
    }
}

impl runtime::trace::Hook for SpawnsInFinish {
    fn on_event(&self, _: std::time::Duration, _: &runtime::trace::Event) {}

    fn finish(&self) {
        let notes = NotesWhereDropped {
            inside: self.inside.clone(),
            _counted: self.late.counted(),
        };
        let _detached = runtime::spawn(async move {
            let _notes = notes;
            pending::<()>().await;
        });
    }
}

#[test]
fn a_task_a_hook_spawns_as_the_runtime_finishes_is_dropped_inside_it() {
    bounded(|| {
        let late = Drops::default();
        let inside = Rc::new(RefCell::new(None));
        let hook = SpawnsInFinish {
            late: late.clone(),
            inside: inside.clone(),
        };
        let rt = Runtime::builder()
            .virtual_clock(true)
            .lost_waker_lint(false)
            .on_event(hook)
            .build()
            .unwrap();
        drop(rt);
        assert_eq!(late.count(), 1);
        assert_eq!(
            *inside.borrow(),
            Some(true),
            "dropped with its runtime current"
        );
    });
}
