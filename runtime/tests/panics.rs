//! Code the runtime calls that panics (a waker, a trace hook) loses no other wake and
//! leaves no task wedged; the runtime goes on.

mod support;

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use runtime::net::{TcpListener, TcpStream};
use runtime::time::{sleep, Sleep};
use runtime::trace::{Event, Hook, TaskId};
use runtime::Runtime;
use support::bounded;

/// A waker whose `wake` panics.
struct PanickingWake;

impl Wake for PanickingWake {
    fn wake(self: Arc<Self>) {
        panic!("this waker panics");
    }
}

/// Polls `inner` with a [`PanickingWake`] instead of the task's own waker.
struct WithPanickingWaker<F>(Pin<Box<F>>);

impl<F: Future> Future for WithPanickingWaker<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<F::Output> {
        let waker = Waker::from(Arc::new(PanickingWake));
        self.0.as_mut().poll(&mut Context::from_waker(&waker))
    }
}

fn virtual_runtime(hook: Option<PanicsOnFirstTaskPoll>) -> Runtime {
    let builder = Runtime::builder()
        .virtual_clock(true)
        .lost_waker_lint(false);
    match hook {
        Some(hook) => builder.on_event(hook).build().unwrap(),
        None => builder.build().unwrap(),
    }
}

#[test]
fn a_timer_waker_that_panics_loses_no_other_timers_wake() {
    bounded(|| {
        let rt = virtual_runtime(None);
        // Two timers with the same deadline; the first one's waker panics when it fires.
        let _bad = rt.spawn(async {
            let timer: Sleep = sleep(Duration::from_millis(10));
            WithPanickingWaker(Box::pin(timer)).await;
        });
        let innocent = rt.spawn(async {
            sleep(Duration::from_millis(10)).await;
            "woken"
        });
        let outcome = rt.try_block_on(innocent).map_err(|stuck| stuck.to_string());
        assert_eq!(outcome, Ok(Ok("woken")));
        let after = rt.try_block_on(async { runtime::spawn(async { 7 }).await.unwrap() });
        assert_eq!(after.ok(), Some(7), "the runtime keeps working");
    });
}

#[test]
fn a_socket_waker_that_panics_loses_no_other_sockets_wake() {
    bounded(|| {
        let rt = virtual_runtime(None);
        let got = rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            let mut bad_client = TcpStream::connect_addr(addr).await.unwrap();
            let (mut bad_server, _) = listener.accept().await.unwrap();
            let mut client = TcpStream::connect_addr(addr).await.unwrap();
            let (mut server, _) = listener.accept().await.unwrap();
            // One reader leaves a waker that panics with the reactor, the other its own.
            let _bad = runtime::spawn(WithPanickingWaker(Box::pin(async move {
                let mut byte = [0u8; 1];
                bad_server.read_exact(&mut byte).await
            })));
            let innocent = runtime::spawn(async move {
                let mut byte = [0u8; 1];
                server.read_exact(&mut byte).await.map(|()| byte[0])
            });
            runtime::yield_now().await; // both readers wait on their sockets
                                        // Both become readable before the runtime next waits: one reactor turn
                                        // delivers both, and the panicking waker comes first.
            bad_client.write_all(b"x").await.unwrap();
            client.write_all(b"y").await.unwrap();
            innocent.await
        });
        assert_eq!(got.unwrap().unwrap(), b'y');
    });
}

#[test]
fn a_join_waker_that_panics_does_not_take_the_runtime_down() {
    bounded(|| {
        let rt = virtual_runtime(None);
        let watched = rt.spawn(async {
            sleep(Duration::from_millis(5)).await;
            1
        });
        // Awaited through a waker that panics when the task finishes and wakes it.
        let _watcher = rt.spawn(WithPanickingWaker(Box::pin(watched)));
        let other = rt.spawn(async {
            sleep(Duration::from_millis(10)).await;
            2
        });
        assert_eq!(rt.block_on(other), Ok(2));
        assert_eq!(rt.block_on(async { 3 }), 3);
    });
}

/// Panics on the first `PollStart` of a spawned task.
struct PanicsOnFirstTaskPoll {
    armed: Cell<bool>,
}

impl Hook for PanicsOnFirstTaskPoll {
    fn on_event(&self, _at: Duration, event: &Event) {
        if let Event::PollStart { task } = event {
            if *task != TaskId::MAIN && self.armed.replace(false) {
                panic!("this hook panics on {task}'s first poll");
            }
        }
    }
}

#[test]
fn a_hook_that_panics_leaves_no_task_wedged() {
    bounded(|| {
        let rt = virtual_runtime(Some(PanicsOnFirstTaskPoll {
            armed: Cell::new(true),
        }));
        let task = rt.spawn(async { 42 });
        let first = catch_unwind(AssertUnwindSafe(|| rt.try_block_on(task)));
        let outcome = first.expect("the hook's panic stays in the runtime");
        assert_eq!(outcome.map_err(|stuck| stuck.to_string()), Ok(Ok(42)));
        let after = rt.try_block_on(async { runtime::spawn(async { 7 }).await.unwrap() });
        assert_eq!(after.ok(), Some(7), "the runtime keeps working");
    });
}

/// On the first `Woken` event, calls `runtime::block_on`, which must refuse: a runtime is
/// running on this thread.
struct BlocksOnInAHook {
    refused: Rc<Cell<Option<bool>>>,
}

impl Hook for BlocksOnInAHook {
    fn on_event(&self, _at: Duration, event: &Event) {
        if matches!(event, Event::Woken { .. }) && self.refused.get().is_none() {
            let nested = catch_unwind(|| runtime::block_on(async {}));
            self.refused.set(Some(nested.is_err()));
        }
    }
}

#[test]
fn a_hook_that_calls_block_on_gets_the_nested_block_on_panic_and_the_runtime_goes_on() {
    bounded(|| {
        let refused = Rc::new(Cell::new(None));
        let rt = Runtime::builder()
            .on_event(BlocksOnInAHook {
                refused: refused.clone(),
            })
            .build()
            .unwrap();
        let value = rt.block_on(async { runtime::spawn(async { 7 }).await.unwrap() });
        assert_eq!((value, refused.get()), (7, Some(true)));
    });
}

/// On the first `Woken` event, drops the runtime it holds.
struct DropsARuntime(RefCell<Option<Runtime>>);

impl Hook for DropsARuntime {
    fn on_event(&self, _at: Duration, event: &Event) {
        if matches!(event, Event::Woken { .. }) {
            drop(self.0.borrow_mut().take());
        }
    }
}

#[test]
fn a_runtime_dropped_by_another_runtimes_hook_drops_its_tasks_on_this_thread() {
    bounded(|| {
        let dropped_on = Arc::new(Mutex::new(None));
        let other = Runtime::builder().lost_waker_lint(false).build().unwrap();
        let notes = DroppedOn {
            on: dropped_on.clone(),
            _not_send: Rc::new(()),
        };
        let (tx, rx) = std::sync::mpsc::channel();
        let _detached = other.spawn(async move {
            let _notes = notes;
            // Another thread keeps the waker: it could be the task's last reference.
            std::future::poll_fn(|cx| {
                let _ = tx.send(cx.waker().clone());
                Poll::<()>::Pending
            })
            .await;
        });
        other.block_on(runtime::yield_now());
        let waker = rx.recv().unwrap();
        let keeper = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            drop(waker);
        });
        let rt = Runtime::builder()
            .on_event(DropsARuntime(RefCell::new(Some(other))))
            .build()
            .unwrap();
        rt.block_on(async { runtime::spawn(async {}).await.unwrap() });
        keeper.join().unwrap();
        let here = std::thread::current().id();
        assert_eq!(*dropped_on.lock().unwrap(), Some(here));
    });
}

/// Notes the thread it is dropped on; its `Rc` makes the future holding it `!Send`.
struct DroppedOn {
    on: Arc<Mutex<Option<std::thread::ThreadId>>>,
    _not_send: Rc<()>,
}

impl Drop for DroppedOn {
    fn drop(&mut self) {
        *self.on.lock().unwrap() = Some(std::thread::current().id());
    }
}
