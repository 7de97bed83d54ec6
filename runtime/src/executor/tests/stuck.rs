//! The wait-for graph's verdict and report: every deadlock the runtime can prove is
//! reported at once, with the resource, the line and who could release it; nothing that a
//! timer, a socket, a blocking job or another thread can still wake is.

use std::future::Future;
use std::rc::Rc;
use std::sync::mpsc as std_mpsc;
use std::time::Duration;

use super::Gate;
use crate::instrument::{label, span};
use crate::net::TcpListener;
use crate::sync::{mpsc, oneshot, thread_oneshot, Semaphore};
use crate::{Runtime, Stuck, Verdict};

/// A runtime on the virtual clock, lint off (these tests look at the report).
fn runtime() -> Runtime {
    Runtime::builder()
        .virtual_clock(true)
        .lost_waker_lint(false)
        .build()
        .unwrap()
}

/// Runs `program` on a fresh runtime in a thread of its own and returns the report it got
/// stuck with; fails (instead of hanging the suite) if it is not reported within 10 s.
fn stuck<F, Fut>(program: F) -> String
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future,
{
    let (tx, rx) = std_mpsc::channel();
    std::thread::spawn(move || {
        let result = runtime().try_block_on(program()).map(drop);
        let _ = tx.send(result.map_err(|stuck: Stuck| stuck.to_string()));
    });
    match rx.recv_timeout(Duration::from_secs(10)) {
        Ok(Err(report)) => report,
        Ok(Ok(())) => panic!("the program finished: it was not stuck"),
        Err(_) => panic!("no report within 10 s: the runtime hangs"),
    }
}

/// `file:line` in this file.
fn at(line: u32) -> String {
    format!("{}:{line}", file!())
}

#[test]
fn main_acquiring_a_semaphore_with_no_permits_is_reported_with_the_line_and_no_holder() {
    let line = at(line!() + 1);
    let report = stuck(|| async { Semaphore::new(0).acquire().await.map(drop) });
    let expected = format!(
        "  main: parked, 1 poll (block_on's future)\n    waits on semaphore acquire \
         ({line}): semaphore created at {line}, no task holds a permit (only \
         add_permits or close can let it in)\n"
    );
    assert!(report.contains(&expected), "{report}");
    assert!(report.starts_with("block_on is stuck"), "{report}");
}

#[test]
fn a_spawned_task_on_a_semaphore_that_main_awaits_is_a_chain_from_main() {
    let l = line!();
    let report = stuck(|| async {
        crate::spawn_named("starved", async {
            Semaphore::new(0).acquire().await.map(drop)
        })
        .await
    });
    let (spawned, acquire) = (at(l + 2), at(l + 3));
    assert!(
        report.contains(&format!(
            "why: main waits on join t1 ({spawned}); t1 \"starved\" waits on semaphore \
             acquire ({acquire}), no task holds a permit"
        )),
        "{report}"
    );
    let task = format!(
        "  t1 \"starved\": parked, 1 poll, spawned at {spawned} (async code in \
         runtime::executor::tests::stuck::a_spawned_task_on_a_semaphore_that_main_awaits_is_a_chain_from_main)"
    );
    assert!(report.contains(&task), "{report}");
    let main = format!("    waits on join t1 ({spawned}): the end of t1 \"starved\"\n");
    assert!(report.contains(&main), "{report}");
}

#[test]
fn receiving_on_a_channel_whose_only_sender_the_receiver_holds_itself_is_reported() {
    let l = line!();
    let report = stuck(|| async {
        let (tx, mut rx) = mpsc::channel::<u8>(1);
        let _keep = tx; // the only sender, held by the future that waits
        rx.recv().await
    });
    let (made, recv) = (at(l + 2), at(l + 4));
    assert!(
        report.contains(&format!(
            "    waits on channel recv ({recv}): mpsc channel created at {made}, whose \
             sender (created at {made}, last seen in main) is still alive\n"
        )),
        "{report}"
    );
}

#[test]
fn a_sender_moved_into_a_task_is_last_seen_in_the_task_that_used_it() {
    let l = line!();
    let report = stuck(|| async {
        let (tx, mut rx) = mpsc::channel::<u8>(1);
        let _producer = crate::spawn(async move {
            tx.send(1).await.unwrap();
            std::future::pending::<()>().await; // keeps `tx`, sends no more
        });
        rx.recv().await;
        rx.recv().await
    });
    let (made, recv) = (at(l + 2), at(l + 8));
    assert!(
        report.contains(&format!(
            "why: main waits on channel recv ({recv}), whose sender (created at {made}, last \
             seen in t1) is still alive; t1 is parked with no waker alive: nothing can wake \
             it\n"
        )),
        "{report}"
    );
}

#[test]
fn a_oneshot_whose_sender_sits_in_a_task_parked_forever_names_both() {
    let l = line!();
    let report = stuck(|| async {
        let (tx, rx) = oneshot::channel::<u8>();
        let _holder = crate::spawn(async move {
            let _tx = tx;
            std::future::pending::<()>().await;
        });
        rx.await
    });
    let made = at(l + 2);
    let why = format!(
        "why: main waits on channel recv ({made}), whose sender (created at {made}, last \
         seen in main) is still alive\nwhy: t1 is parked with no waker alive: nothing can wake it\n"
    );
    assert!(report.ends_with(&why), "{report}");
    assert!(
        report.contains("    no waker for it is alive: nothing can wake it"),
        "{report}"
    );
}

#[test]
fn two_tasks_each_holding_the_semaphore_the_other_wants_are_a_cycle() {
    let l = line!();
    let report = stuck(|| async {
        let (a, b) = (Rc::new(Semaphore::new(1)), Rc::new(Semaphore::new(1)));
        let (a2, b2) = (a.clone(), b.clone());
        let left = crate::spawn_named("left", async move {
            let _a = a.acquire().await;
            crate::yield_now().await;
            let _b = b.acquire().await;
        });
        let right = crate::spawn_named("right", async move {
            let _b = b2.acquire().await;
            crate::yield_now().await;
            let _a = a2.acquire().await;
        });
        let _ = (left.await, right.await);
    });
    let (made, left, left_b, right_a) = (at(l + 2), at(l + 4), at(l + 7), at(l + 12));
    assert!(
        report.contains(&format!(
            "why: main waits on join t1 ({left}); t1 \"left\" waits on semaphore acquire \
             ({left_b}), held by t2; t2 \"right\" waits on semaphore acquire ({right_a}), \
             held by t1: a cycle back to t1 \"left\", so none of them can go on"
        )),
        "{report}"
    );
    assert!(
        report.contains(&format!(
            "    waits on semaphore acquire ({left_b}): semaphore created at {made}, held by t2\n"
        )),
        "{report}"
    );
}

#[test]
fn gather_children_parked_on_semaphores_are_reported_child_by_child_with_labels_and_spans() {
    let report = stuck(|| async {
        let (a, b) = (Semaphore::new(0), Semaphore::new(0));
        crate::gather([
            label("hero 1", span("request", a.acquire())),
            label("hero 2", span("request", b.acquire())),
        ])
        .await
    });
    for child in 0..2 {
        let line = format!(
            "    child {child} of its gather › hero {} › request: waits on semaphore acquire (",
            child + 1
        );
        assert!(report.contains(&line), "{report}");
    }
    assert!(
        report.contains(
            "why: main (child 0 of its gather › hero 1 › request) waits on semaphore acquire ("
        ),
        "{report}"
    );
}

#[test]
fn a_future_that_keeps_its_own_waker_is_not_proven_stuck_but_possibly_stuck() {
    let rt = runtime();
    let gate = Gate::default();
    let keeper = gate.clone();
    let _task = rt.spawn_named("keeper", async move { keeper.wait().await });
    rt.block_on(crate::yield_now());
    let report = rt.dump();
    assert!(
        matches!(&report.verdict, Verdict::PossiblyStuck(reason) if reason.contains("t1 \"keeper\"")),
        "{report}"
    );
    assert!(
        report
            .to_string()
            .contains("    1 waker held outside the runtime's primitives"),
        "{report}"
    );
    gate.open();
}

#[test]
fn nothing_is_stuck_while_a_timer_an_hour_away_is_pending_under_the_real_clock() {
    let rt = Runtime::new().unwrap();
    let _sleeper = rt.spawn(crate::time::sleep(Duration::from_secs(3600)));
    rt.block_on(crate::yield_now());
    assert_eq!(rt.dump().verdict, Verdict::Running);
}

#[test]
fn nothing_is_stuck_while_a_task_waits_on_a_socket() {
    let rt = runtime();
    let _acceptor = rt.spawn(async move {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.accept().await.map(drop)
    });
    rt.block_on(crate::yield_now());
    assert_eq!(rt.dump().verdict, Verdict::Running);
}

#[test]
fn a_channel_whose_sender_a_blocking_job_or_a_thread_or_a_timer_releases_is_not_stuck() {
    let rt = runtime();
    let got = rt.block_on(async {
        // A blocking job sends.
        let (tx, rx) = thread_oneshot::channel();
        let job = crate::spawn_blocking(move || {
            std::thread::sleep(Duration::from_millis(20));
            tx.send(1).unwrap();
        });
        let one = rx.await.unwrap();
        job.await.unwrap();
        // A waker handed to another thread wakes.
        let gate = Gate::default();
        let opener = gate.clone();
        let thread = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            opener.open();
        });
        gate.wait().await;
        thread.join().unwrap();
        // A task that a timer wakes holds the sender.
        let (tx, rx) = oneshot::channel();
        let _sender = crate::spawn(async move {
            crate::time::sleep(Duration::from_secs(3600)).await;
            tx.send(2).unwrap();
        });
        one + rx.await.unwrap()
    });
    assert_eq!(got, 3);
}

#[test]
fn the_dump_of_a_program_parked_at_known_places_reads_line_by_line() {
    let rt = runtime();
    let gate = Rc::new(Semaphore::new(0));
    let waiter = gate.clone();
    let l = line!();
    let (tx, rx) = oneshot::channel::<u8>();
    let _t1 = rt.spawn_named("waiter", async move { waiter.acquire().await.map(drop) });
    let _t2 = rt.spawn_named("listener", rx);
    let _t3 = rt.spawn(crate::time::sleep(Duration::from_secs(1)));
    rt.block_on(crate::yield_now());
    let report = rt.dump().to_string();
    let lines: Vec<&str> = report.lines().collect();
    let (sem, chan, t1, t2, t3) = (at(l - 2), at(l + 1), at(l + 2), at(l + 3), at(l + 4));
    let expected = [
        "tinyloop: 3 tasks unfinished".to_owned(),
        format!(
            "  t1 \"waiter\": parked, 1 poll, spawned at {t1} (async code in \
             runtime::executor::tests::stuck::the_dump_of_a_program_parked_at_known_places_reads_line_by_line)"
        ),
        format!(
            "    waits on semaphore acquire ({t1}): semaphore created at {sem}, no task holds \
             a permit (only add_permits or close can let it in)"
        ),
        format!("  t2 \"listener\": parked, 1 poll, spawned at {t2} (runtime::sync::oneshot::Receiver)"),
        format!(
            "    waits on channel recv ({chan}): oneshot channel created at {chan}, whose \
             sender (created at {chan}) is still alive"
        ),
        format!("  t3: parked, 1 poll, spawned at {t3} (runtime::time::sleep::Sleep)"),
        "    1 waker held outside the runtime's primitives (waits on timer)".to_owned(),
    ];
    assert_eq!(lines, expected, "{report}");
    drop(tx);
}
