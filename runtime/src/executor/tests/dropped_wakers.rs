//! A waker dropped without waking: on another thread it makes the runtime look again (so a
//! runtime left with nothing to wake it reports [`Stuck`](crate::Stuck) instead of
//! waiting for ever); on the runtime's thread it costs no interrupt.

use std::future::{poll_fn, Future};
use std::sync::mpsc;
use std::task::Poll;
use std::thread;
use std::time::Duration;

use crate::reactor::UnparkReason;
use crate::time::{sleep, timeout};
use crate::trace::{Event, EventKind, Recorder, TaskId};
use crate::{gather, Runtime};

/// Pending for ever. Its first poll hands a clone of its waker to a thread, which drops it
/// without waking after `delay`, or at once and before the poll returns when `delay` is
/// `None`.
fn hand_off(delay: Option<Duration>) -> impl Future<Output = ()> {
    let mut sent = false;
    poll_fn(move |cx| {
        if !std::mem::replace(&mut sent, true) {
            let waker = cx.waker().clone();
            let thread = thread::spawn(move || {
                thread::sleep(delay.unwrap_or_default());
                drop(waker);
            });
            if delay.is_none() {
                thread.join().unwrap();
            }
        }
        Poll::Pending
    })
}

/// Ready at once, after dropping a clone of its waker here or on another thread.
fn drop_a_clone(on_another_thread: bool) -> impl Future<Output = ()> {
    poll_fn(move |cx| {
        let waker = cx.waker().clone();
        match on_another_thread {
            true => thread::spawn(move || drop(waker)).join().unwrap(),
            false => drop(waker),
        }
        Poll::Ready(())
    })
}

/// Runs `f` on a thread of its own and returns its result, failing instead of hanging
/// when it takes more than 10 s (the thread is left behind).
fn within_10s<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || drop(tx.send(f())));
    rx.recv_timeout(Duration::from_secs(10))
        .expect("the runtime hung instead of reporting that it is stuck")
}

fn quiet() -> Runtime {
    Runtime::builder().lost_waker_lint(false).build().unwrap()
}

/// A traced runtime under the virtual clock, recording `kinds`.
fn recording(kinds: &[EventKind]) -> (Runtime, Recorder) {
    let recorder = Recorder::only(kinds);
    (super::lint_off(&recorder), recorder)
}

const SOON: Option<Duration> = Some(Duration::from_millis(200));

#[test]
fn the_last_waker_dropped_on_another_thread_ends_the_wait_with_a_stuck_report() {
    let stuck = within_10s(|| quiet().try_block_on(hand_off(SOON)));
    let stuck = stuck.unwrap_err();
    assert_eq!(stuck.tasks.len(), 1);
    assert_eq!(stuck.tasks[0].live_wakers, 0);
}

#[test]
fn a_spawned_tasks_last_waker_dropped_on_another_thread_ends_the_wait_too() {
    let stuck = within_10s(|| {
        let rt = quiet();
        let task = rt.spawn(hand_off(SOON));
        rt.try_block_on(task).map(drop)
    });
    let text = stuck.unwrap_err().to_string();
    assert!(
        text.contains("  t1: parked, 1 poll, spawned at ")
            && text.contains("    no waker for it is alive: nothing can wake it"),
        "{text}"
    );
}

#[test]
fn the_last_waker_of_a_gather_child_dropped_on_another_thread_ends_the_wait_too() {
    let stuck = within_10s(|| quiet().try_block_on(gather([hand_off(SOON)])).map(drop));
    let stuck = stuck.unwrap_err();
    assert_eq!(stuck.tasks[0].outside_wakers, 0, "{stuck}");
}

#[test]
fn a_waker_dropped_on_another_thread_interrupts_the_reactor() {
    let (rt, recorder) = recording(&[EventKind::Unpark]);
    rt.block_on(async {
        drop_a_clone(true).await;
        sleep(Duration::from_secs(1)).await;
    });
    let notified = |e: &Event| {
        matches!(
            e,
            Event::Unpark {
                reason: UnparkReason::Notified,
                ..
            }
        )
    };
    assert!(recorder.events().iter().any(notified), "{recorder:?}");
}

#[test]
fn a_waker_dropped_on_the_runtime_thread_does_not_interrupt_the_reactor() {
    let (rt, recorder) = recording(&[EventKind::Unpark]);
    rt.block_on(async {
        drop_a_clone(false).await;
        sleep(Duration::from_secs(1)).await;
    });
    let reasons: Vec<UnparkReason> = recorder
        .events()
        .into_iter()
        .map(|e| match e {
            Event::Unpark { reason, .. } => reason,
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(reasons, [UnparkReason::Timeout]);
}

#[test]
fn a_gather_childs_waker_dropped_on_another_thread_wakes_the_parent_once() {
    let (rt, recorder) = recording(&[EventKind::PollStart]);
    // The child's waker is dropped during the first poll; the timeout ends the wait
    // whatever the stuck check makes of the child.
    let gathered = timeout(Duration::from_secs(1), gather([hand_off(None)]));
    assert!(rt.block_on(gathered).is_err());
    let poll = Event::PollStart { task: TaskId::MAIN };
    // The first poll, the one the dropped waker asked for, and the timer's.
    assert_eq!(recorder.events(), vec![poll; 3]);
}
