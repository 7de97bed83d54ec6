//! A `JoinHandle` awaited inside another runtime on the same thread: an error at once,
//! where waiting would hang.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use crate::{JoinError, OtherRuntime, Runtime, RuntimeId};

fn named(name: &str) -> Runtime {
    Runtime::builder().name(name).build().unwrap()
}

#[test]
fn every_runtime_gets_its_own_id_and_keeps_its_name() {
    let (a, b, c) = (named("a"), named("b"), Runtime::new().unwrap());
    assert!(
        a.id() < b.id() && b.id() < c.id(),
        "numbered in build order"
    );
    assert_eq!((a.name(), c.name()), (Some("a"), None));
    assert_eq!(RuntimeId(7).to_string(), "runtime 7");
}

#[test]
fn block_on_of_another_runtimes_unfinished_task_returns_other_runtime_at_once() {
    let (rt1, rt2) = (named("a"), named("b"));
    let handle = rt1.spawn(async { 1 });
    let task = handle.id();
    let error = rt2.try_block_on(handle).unwrap().unwrap_err();
    assert_eq!(
        error,
        JoinError::OtherRuntime(Box::new(OtherRuntime {
            task,
            owner: rt1.id(),
            owner_name: Some("a".into()),
            awaited_in: rt2.id(),
            awaited_in_name: Some("b".into()),
        }))
    );
    let (one, two) = (rt1.id().0, rt2.id().0);
    assert_eq!(
        error.to_string(),
        format!(
            "t1 belongs to runtime {one} \"a\", but was awaited in runtime {two} \"b\" on the \
             same thread: runtime {one} cannot run its tasks while runtime {two} blocks this \
             thread (await it inside runtime {one}'s block_on)"
        )
    );
    assert!(!error.is_cancelled() && !error.is_panic() && error.panic_message().is_none());
    // The task was not harmed: its own runtime still runs it.
    assert_eq!(rt1.live_tasks(), 1);
    rt1.block_on(crate::yield_now());
    assert_eq!(rt1.live_tasks(), 0);
}

#[test]
fn a_task_of_another_runtime_awaiting_the_handle_gets_the_error_too() {
    let (rt1, rt2) = (Runtime::new().unwrap(), Runtime::new().unwrap());
    let handle = rt1.spawn(std::future::pending::<()>());
    let waiter = rt2.spawn(handle);
    let error = rt2.block_on(waiter).unwrap().unwrap_err();
    let (one, two) = (rt1.id().0, rt2.id().0);
    assert!(
        error.to_string().starts_with(&format!(
            "t1 belongs to runtime {one}, but was awaited in runtime {two} on the same thread"
        )),
        "{error}"
    );
}

#[test]
fn a_finished_tasks_handle_still_gives_its_output_in_another_runtime() {
    let (rt1, rt2) = (named("a"), named("b"));
    let handle = rt1.spawn(async { 42 });
    rt1.block_on(async {});
    assert!(handle.is_finished());
    assert_eq!(rt2.block_on(handle), Ok(42));
}

#[test]
fn a_handle_polled_outside_any_runtime_still_waits() {
    let rt = Runtime::new().unwrap();
    let mut handle = pin!(rt.spawn(async { 5 }));
    let mut cx = Context::from_waker(Waker::noop());
    // A foreign executor may run the task's runtime meanwhile: no error.
    assert_eq!(handle.as_mut().poll(&mut cx), Poll::Pending);
    assert_eq!(rt.block_on(handle), Ok(5));
}
