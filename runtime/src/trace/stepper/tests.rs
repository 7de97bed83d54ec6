use std::time::Duration;

use super::Stepper;
use crate::task::{ChildId, TaskId};
use crate::time::sleep;
use crate::trace::{Event, Recorder};
use crate::Runtime;

/// Runs `body` on a virtual-clock runtime recording every event; the events.
fn record<F: std::future::Future<Output = ()>>(body: F) -> Vec<Event> {
    let recorder = Recorder::all();
    let rt = Runtime::builder()
        .virtual_clock(true)
        .trace_from_env(false)
        .on_event(recorder.clone())
        .build()
        .unwrap();
    rt.block_on(body);
    drop(rt);
    recorder.events()
}

/// The state after the first event `at` matches.
fn state_at(events: &[Event], at: impl Fn(&Event) -> bool) -> Stepper {
    let mut stepper = Stepper::new();
    for event in events {
        stepper.apply(event);
        if at(event) {
            return stepper;
        }
    }
    panic!("no such event in {events:#?}");
}

const MS: fn(u64) -> Duration = Duration::from_millis;

#[test]
fn spawned_tasks_queue_in_order_and_leave_the_queue_when_polled() {
    let events = record(async {
        let tasks: Vec<_> = (0..3).map(|_| crate::spawn(async {})).collect();
        for task in tasks {
            task.await.unwrap();
        }
    });
    let parked = state_at(&events, |e| {
        matches!(
            e,
            Event::PollEnd {
                task: TaskId(0),
                ..
            }
        )
    });
    assert_eq!(parked.run_queue(), [TaskId(1), TaskId(2), TaskId(3)]);
    assert_eq!(parked.polling(), None);
    let second = state_at(&events, |e| {
        matches!(e, Event::PollStart { task: TaskId(2) })
    });
    // t1 finished and woke main, which awaits it: main queues behind t3.
    assert_eq!(second.run_queue(), [TaskId(3), TaskId(0)]);
    assert_eq!(second.polling(), Some((TaskId(2), None)));
}

#[test]
fn armed_timers_are_listed_by_deadline_with_their_owner_until_they_fire_or_are_dropped() {
    let events = record(async {
        let slow = crate::spawn(async { sleep(MS(10)).await });
        let fast = crate::spawn(async { sleep(MS(5)).await });
        let dropped = crate::time::timeout(MS(1), sleep(MS(50))).await;
        assert!(dropped.is_err());
        let _ = (slow.await, fast.await);
    });
    let armed = state_at(&events, |e| {
        matches!(
            e,
            Event::PollEnd {
                task: TaskId(2),
                ..
            }
        )
    });
    let timers: Vec<_> = armed
        .timers()
        .iter()
        .map(|t| (t.deadline, t.task))
        .collect();
    let (main, t1, t2) = (Some(TaskId(0)), Some(TaskId(1)), Some(TaskId(2)));
    // main armed its timeout's deadline and the sleep inside it first.
    assert_eq!(
        timers,
        [(MS(1), main), (MS(5), t2), (MS(10), t1), (MS(50), main)]
    );
    // main's timeout arms two more (the deadline and the inner sleep); both are gone
    // once the deadline fired and dropped the sleep.
    let after = state_at(&events, |e| matches!(e, Event::TimerCancelled { .. }));
    assert!(after
        .timers()
        .iter()
        .all(|t| t.task != Some(TaskId(0)) || t.deadline == MS(1)));
    let done = state_at(&events, |e| {
        matches!(
            e,
            Event::Finished {
                task: TaskId(1),
                ..
            }
        )
    });
    assert!(done.timers().is_empty(), "{:?}", done.timers());
}

#[test]
fn a_timer_armed_inside_a_combinator_child_names_the_child() {
    let events = record(async {
        let children = (0..2u64).map(|i| sleep(MS(1 + i)));
        crate::gather(children.collect::<Vec<_>>()).await;
    });
    let armed = state_at(&events, |e| {
        matches!(
            e,
            Event::PollEnd {
                task: TaskId(0),
                ..
            }
        )
    });
    let owners: Vec<_> = armed.timers().iter().map(|t| t.child).collect();
    assert_eq!(
        owners,
        [
            Some(ChildId { group: 1, index: 0 }),
            Some(ChildId { group: 1, index: 1 })
        ]
    );
}

#[test]
fn a_socket_waited_on_is_an_interest_until_its_readiness_wakes_the_task() {
    let events = record(async {
        let listener = crate::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let accepted = crate::spawn(async move { listener.accept().await.map(drop) });
        let client = crate::net::TcpStream::connect(&addr.to_string())
            .await
            .unwrap();
        accepted.await.unwrap().unwrap();
        drop(client);
    });
    let waiting = state_at(&events, |e| matches!(e, Event::Interest { .. }));
    let wait = waiting.interests()[0];
    assert_eq!(wait.task, Some(TaskId(0)), "{wait:?}");
    let token = wait.token;
    let woken = state_at(
        &events,
        |e| matches!(e, Event::Woken { cause: crate::trace::WakeCause::Io { token: t, .. }, .. } if *t == token),
    );
    assert!(woken
        .interests()
        .iter()
        .all(|i| i.token != token || !i.writable || wait.writable != i.writable));
    let gone = state_at(&events, |e| matches!(e, Event::Deregistered { .. }));
    assert!(gone.interests().len() < waiting.interests().len() + 2);
}

#[test]
fn a_blocking_job_is_in_flight_until_its_thread_wakes_the_task() {
    let events = record(async {
        crate::spawn_blocking(|| std::thread::sleep(MS(5)))
            .await
            .unwrap();
    });
    // The job's handle is task t1, which awaits the job on the pool's thread; main awaits
    // it through t1, and says so.
    let waiting = state_at(&events, |e| {
        matches!(
            e,
            Event::PollEnd {
                task: TaskId(1),
                ..
            }
        )
    });
    let waits = |s: &Stepper| {
        s.blocking()
            .iter()
            .map(|b| (b.task, b.child))
            .collect::<Vec<_>>()
    };
    assert_eq!(waits(&waiting), [(TaskId(0), None), (TaskId(1), None)]);
    assert!(waiting.blocking()[0]
        .wait
        .starts_with("blocking job (runtime/src/trace/stepper/tests.rs:"));
    let woken = state_at(&events, |e| {
        matches!(
            e,
            Event::Woken {
                task: TaskId(1),
                cause: crate::trace::WakeCause::Thread
            }
        )
    });
    assert_eq!(waits(&woken), [(TaskId(0), None)], "{events:#?}");
    let main = state_at(&events, |e| {
        matches!(
            e,
            Event::Woken {
                task: TaskId(0),
                ..
            }
        )
    });
    assert!(main.blocking().is_empty());
}

#[test]
fn a_task_woken_during_its_own_poll_queues_after_the_poll_behind_what_it_spawned() {
    let events = record(async {
        let yielder = crate::spawn(async {
            let waker = std::future::poll_fn(|cx| std::task::Poll::Ready(cx.waker().clone())).await;
            waker.wake(); // queued again only after this poll...
            let spawned = crate::spawn(async {}); // ...behind this task
            crate::yield_now().await;
            spawned.await.unwrap();
        });
        yielder.await.unwrap();
    });
    let requeued = state_at(&events, |e| {
        matches!(e, Event::Requeued { task: TaskId(1) })
    });
    assert_eq!(requeued.run_queue(), [TaskId(2), TaskId(1)]);
    let woken = state_at(&events, |e| {
        matches!(
            e,
            Event::Woken {
                task: TaskId(1),
                ..
            }
        )
    });
    assert!(
        !woken.run_queue().contains(&TaskId(1)),
        "{:?}",
        woken.run_queue()
    );
}
