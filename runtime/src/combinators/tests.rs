//! Combinator behaviour, asserted on the runtime's recorded trace.

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

pub(super) use crate::tests::traced;
use crate::trace::{Event, Recorder};
use crate::{as_completed, yield_now, TaskGroup};

/// How many child polls the recorder saw.
pub(super) fn child_polls(recorder: &Recorder) -> usize {
    recorder
        .events()
        .iter()
        .filter(|e| matches!(e, Event::ChildPoll { .. }))
        .count()
}

/// The children polled by each poll of `main`, one list per poll.
fn child_polls_per_main_poll(recorder: &Recorder) -> Vec<Vec<usize>> {
    let mut polls = Vec::new();
    for event in recorder.events() {
        match event {
            Event::PollStart { task } if task.0 == 0 => polls.push(Vec::new()),
            Event::ChildPoll { task, child } if task.0 == 0 => polls
                .last_mut()
                .expect("inside a poll")
                .push(child.index as usize),
            _ => {}
        }
    }
    polls
}

type Boxed = Pin<Box<dyn Future<Output = &'static str>>>;

#[test]
fn a_child_that_always_wakes_itself_is_polled_once_per_round_and_starves_no_one() {
    let (rt, rec) = traced();
    let first = rt.block_on(async {
        let spinner: Boxed = Box::pin(async {
            loop {
                yield_now().await;
            }
        });
        let worker = || -> Boxed {
            Box::pin(async {
                yield_now().await;
                yield_now().await;
                "worker"
            })
        };
        as_completed([spinner, worker(), worker()]).next().await
    });
    assert_eq!(first, Some("worker"));
    assert_eq!(
        child_polls_per_main_poll(&rec),
        [vec![0, 1, 2], vec![0, 1, 2], vec![0, 1]],
        "each child once per round, in wake order; the first worker finishes in round 3"
    );
}

#[test]
fn a_child_woken_twice_before_the_parent_runs_is_polled_once() {
    let (rt, rec) = traced();
    let mut polls = 0;
    rt.block_on(async {
        let wakes_twice = std::future::poll_fn(|cx| {
            polls += 1;
            if polls > 1 {
                return Poll::Ready(());
            }
            cx.waker().wake_by_ref();
            cx.waker().wake_by_ref();
            Poll::Pending
        });
        crate::gather([wakes_twice]).await;
    });
    assert_eq!(
        rec.lines(),
        [
            "poll main",
            "poll main child 0",
            "wake main by main", // the first wake queues child 0 and wakes main;
            "pending main",      // the second finds child 0 queued and does nothing
            "requeue main",
            "poll main",
            "poll main child 0", // child 0 is polled once
            "ready main",
        ]
    );
}

#[test]
fn a_task_group_polls_its_body_as_child_0_and_its_children_from_1() {
    let (rt, rec) = traced();
    rt.block_on(async {
        let group = TaskGroup::<()>::new();
        group.spawn(async { Ok(()) });
        group.join().await.unwrap();
    });
    let lines = rec.lines();
    assert_eq!(
        lines,
        [
            "poll main",
            "spawn t1 by main",
            "poll main child 0", // the (empty) body of `join`
            "poll main child 1", // t1's handle: t1 has not run yet
            "pending main",
            "poll t1",
            "ready t1",
            "finish t1 Completed",
            "wake main by t1", // t1's handle woke child 1's waker, which woke main
            "poll main",
            "poll main child 1",
            "ready main",
        ]
    );
}
