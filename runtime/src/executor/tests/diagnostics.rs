use std::time::Duration;

use super::{lint_off, Gate};
use crate::net::{TcpListener, TcpStream};
use crate::trace::{Event, Recorder, TaskId};
use crate::{Runtime, WaitsOn};

/// A traced runtime with the stderr lint off (the event is what the tests check).
fn quiet() -> (Runtime, Recorder) {
    let recorder = Recorder::new();
    (lint_off(&recorder), recorder)
}

fn lost_wakers(recorder: &Recorder) -> Vec<Event> {
    recorder
        .events()
        .into_iter()
        .filter(|e| matches!(e, Event::LostWaker { .. }))
        .collect()
}

#[test]
fn the_lint_fires_when_a_future_drops_its_waker() {
    let (rt, rec) = quiet();
    rt.block_on(async {
        let forgotten = crate::spawn(std::future::pending::<()>());
        crate::yield_now().await;
        forgotten.abort();
    });
    assert_eq!(
        lost_wakers(&rec),
        [Event::LostWaker {
            task: TaskId(1),
            poll: 1
        }]
    );
}

#[test]
fn the_lint_is_silent_for_timers_sockets_channels_blocking_jobs_and_threads() {
    let (rt, rec) = quiet();
    rt.block_on(async {
        // A timer holds the waker.
        let sleeper = crate::spawn(crate::time::sleep(Duration::from_millis(5)));
        // A socket holds the waker.
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut client = TcpStream::connect_addr(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (mut server, _) = listener.accept().await.unwrap();
        let reader = crate::spawn(async move {
            let mut byte = [0u8; 1];
            server.read_exact(&mut byte).await.unwrap();
        });
        // A channel holds the waker.
        let (tx, rx) = crate::sync::oneshot::channel::<u8>();
        let receiver = crate::spawn(rx);
        // A blocking job holds the waker (through its channel).
        let blocking = crate::spawn_blocking(|| std::thread::sleep(Duration::from_millis(5)));
        // Another thread holds the waker.
        let gate = Gate::default();
        let waiter = crate::spawn({
            let gate = gate.clone();
            async move { gate.wait().await }
        });
        crate::yield_now().await;
        let opener = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(5));
            gate.open();
        });
        client.write_all(b"x").await.unwrap();
        tx.send(1).unwrap();
        sleeper.await.unwrap();
        reader.await.unwrap();
        receiver.await.unwrap().unwrap();
        blocking.await.unwrap();
        waiter.await.unwrap();
        opener.join().unwrap();
    });
    assert_eq!(lost_wakers(&rec), []);
}

#[test]
fn a_pending_block_on_with_nothing_left_to_wake_it_reports_stuck_instead_of_hanging() {
    let (rt, _rec) = quiet();
    let stuck = rt.try_block_on(std::future::pending::<()>()).unwrap_err();
    assert_eq!(stuck.tasks.len(), 1);
    assert_eq!(stuck.tasks[0].id, TaskId::MAIN);
    assert_eq!(stuck.tasks[0].waits_on, WaitsOn::UNKNOWN);
}

#[test]
fn the_stuck_report_names_the_stuck_task_and_what_each_task_waits_on() {
    let (rt, _rec) = quiet();
    let stuck = rt
        .try_block_on(async {
            let handle = crate::spawn_named("forgetful", std::future::pending::<()>());
            handle.await
        })
        .unwrap_err();
    let text = stuck.to_string();
    let spawned = format!("{}:{}", file!(), line!() - 5);
    let expected = format!(
        "  main: parked, 1 poll (block_on's future)\n    waits on join t1 ({spawned}): the end \
         of t1 \"forgetful\"\n  t1 \"forgetful\": parked, 1 poll, spawned at {spawned} \
         (core::future::pending::Pending)\n    no waker for it is alive: nothing can wake it\n"
    );
    assert!(text.contains(&expected), "{text}");
}

#[test]
fn a_task_waiting_on_a_timer_is_not_stuck() {
    let (rt, _rec) = quiet();
    let result = rt.try_block_on(async {
        crate::spawn(crate::time::sleep(Duration::from_secs(60)))
            .await
            .unwrap();
        "woke"
    });
    assert_eq!(result.unwrap(), "woke");
}

#[test]
#[should_panic(expected = "block_on is stuck")]
fn block_on_panics_with_the_report_when_stuck() {
    let (rt, _rec) = quiet();
    rt.block_on(std::future::pending::<()>());
}

#[test]
fn a_task_waiting_on_a_socket_is_not_stuck_and_the_waiter_count_returns_to_zero() {
    let (rt, _rec) = quiet();
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut client = TcpStream::connect_addr(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (mut server, _) = listener.accept().await.unwrap();
        // The reader waits on the socket while the writer sleeps: nothing else is runnable,
        // so only the socket's waiter keeps the runtime from reporting itself stuck.
        let reader = crate::spawn(async move {
            let mut byte = [0u8; 1];
            server.read_exact(&mut byte).await.unwrap();
            server
        });
        crate::spawn_blocking(|| std::thread::sleep(Duration::from_millis(5)))
            .await
            .unwrap();
        client.write_all(b"x").await.unwrap();
        drop(reader.await.unwrap());
    });
    let core = rt.core_for_tests();
    assert!(!core.reactor().has_waiters());
}

#[test]
fn a_stuck_report_counts_the_wakers_that_sit_in_stuck_tasks_join_slots() {
    let (rt, _rec) = quiet();
    let stuck = rt
        .try_block_on(async { crate::spawn(std::future::pending::<()>()).await })
        .unwrap_err();
    let live: Vec<(TaskId, usize)> = stuck.tasks.iter().map(|t| (t.id, t.live_wakers)).collect();
    // main's waker is in t1's join slot; t1's own was dropped by `pending`.
    assert_eq!(live, [(TaskId::MAIN, 1), (TaskId(1), 0)]);
    let outside: Vec<usize> = stuck.tasks.iter().map(|t| t.outside_wakers).collect();
    assert_eq!(outside, [0, 0]);
    assert_eq!(stuck.tasks[0].parked[0].waits_for, [TaskId(1)]);
}
