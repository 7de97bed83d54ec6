//! Combinator children in the event stream: numbered, labelled, every poll and wake and
//! end recorded, with the leaf each parked on.

use std::time::Duration;

use runtime::instrument::{label, span};
use runtime::sync::{oneshot, thread_oneshot};
use runtime::time::sleep;
use runtime::trace::Recorder;
use runtime::Runtime;

mod support;

use support::traced_all as traced;

#[test]
fn a_gather_records_each_child_from_first_poll_to_finish() {
    let (rt, rec) = traced();
    rt.block_on(async {
        let (tx, rx) = oneshot::channel();
        let sleeper = async move {
            span("nap", sleep(Duration::from_millis(10))).await;
            tx.send(7).unwrap();
            0
        };
        let waiter = async move { rx.await.unwrap() };
        runtime::join(label("sleeper", sleeper), label("waiter", waiter)).await
    });
    assert_eq!(
        rec.lines(),
        [
            "poll main",
            "join g1 of 2 in main", // numbered at its first poll
            "poll main child 0",
            "label main child 0 \"sleeper\"",
            "span main child 0 \"nap\"",
            "pending main child 0",
            "poll main child 1",
            "label main child 1 \"waiter\"",
            "pending main child 1",
            "pending main",
            "clock jumps to 10ms",
            "timer#0 fired",
            "wake main child 0 by timer#0", // the child's wake, then the task's
            "wake main by timer#0",
            "poll main",
            "poll main child 0",
            "end span main child 0",
            "wake main child 1 by main", // the send wakes the other child...
            "wake main by main",         // ...and so main, during its own poll
            "ready main child 0",
            "finish main child 0 Completed",
            "pending main",
            "requeue main",
            "poll main",
            "poll main child 1",
            "ready main child 1",
            "finish main child 1 Completed",
            "ready main",
        ]
    );
}

#[test]
fn a_wake_of_a_child_whose_task_is_already_woken_is_still_recorded() {
    let (rt, rec) = traced();
    rt.block_on(async {
        let (tx0, rx0) = oneshot::channel();
        let (tx1, rx1) = oneshot::channel();
        let receive = |rx: oneshot::Receiver<u8>| async move { rx.await.unwrap() };
        let send = async move {
            runtime::yield_now().await;
            tx0.send(0).unwrap();
            tx1.send(1).unwrap();
            2
        };
        runtime::join3(receive(rx0), receive(rx1), send).await
    });
    let wakes: Vec<String> = rec
        .lines()
        .into_iter()
        .filter(|line| line.starts_with("wake"))
        .collect();
    // Child 2's two sends wake children 0 and 1 in one poll: the first wake queues main,
    // the second finds main woken already and shows only as the child's line.
    assert_eq!(
        wakes,
        [
            "wake main child 2 by main", // yield_now
            "wake main by main",
            "wake main child 0 by main",
            "wake main by main",
            "wake main child 1 by main",
        ]
    );
}

#[test]
fn the_task_level_recorder_keeps_its_lines_unchanged() {
    let rt_rec = Recorder::new();
    let rt = Runtime::builder()
        .virtual_clock(true)
        .on_event(rt_rec.clone())
        .build()
        .unwrap();
    rt.block_on(runtime::gather([label("a", async {})]));
    assert_eq!(
        rt_rec.lines(),
        ["poll main", "poll main child 0", "ready main"]
    );
}

#[test]
fn a_span_dropped_before_it_finishes_ends_cancelled_and_nested_spans_close_inside_out() {
    let (rt, rec) = traced();
    rt.block_on(async {
        let outer = span("outer", async {
            span("inner", sleep(Duration::from_millis(1))).await;
            // Dropped after one poll: a timeout that never waited for it.
            let never = span("dropped", std::future::pending::<()>());
            runtime::time::timeout(Duration::from_millis(1), never)
                .await
                .unwrap_err();
        });
        outer.await;
    });
    let spans: Vec<String> = rec
        .lines()
        .into_iter()
        .filter(|line| line.contains("span"))
        .collect();
    assert_eq!(
        spans,
        [
            "span main \"outer\"",
            "span main \"inner\"",
            "end span main",
            "span main \"dropped\"",
            "end span main cancelled",
            "end span main",
        ]
    );
}

#[test]
fn a_label_outside_a_combinator_records_nothing_and_changes_no_output() {
    let (rt, rec) = traced();
    let out = rt.block_on(label("not a child", async { 5 }));
    assert_eq!(out, 5);
    assert_eq!(rec.lines(), ["poll main", "ready main"]);
}

#[test]
fn nested_combinators_name_their_parent_child() {
    let (rt, rec) = traced();
    rt.block_on(runtime::gather([label(
        "outer",
        runtime::join(async {}, async {}),
    )]));
    let lines = rec.lines();
    assert!(
        lines.contains(&"join g2 of 2 in main child 0".to_string()),
        "{lines:#?}"
    );
}

#[test]
fn a_child_woken_from_another_thread_is_recorded_at_its_next_round_as_a_thread_wake() {
    let (rt, rec) = traced();
    let (tx, mut rx) = thread_oneshot::channel();
    let (parked_tx, parked_rx) = std::sync::mpsc::channel();
    // The thread sends only once the child has parked on the channel, however slow the
    // runtime is (under Miri, say).
    let sender = std::thread::spawn(move || {
        parked_rx.recv().unwrap();
        tx.send(1).unwrap();
    });
    let child = std::future::poll_fn(move |cx| {
        let polled = std::future::Future::poll(std::pin::Pin::new(&mut rx), cx);
        if polled.is_pending() {
            let _ = parked_tx.send(());
        }
        polled
    });
    rt.block_on(runtime::gather([child]));
    sender.join().unwrap();
    let lines = rec.lines();
    let child_wake = lines
        .iter()
        .position(|line| line == "wake main child 0 by another thread")
        .unwrap_or_else(|| panic!("no thread wake of the child in {lines:#?}"));
    // Recorded when main runs the gather again, just before it polls the child.
    assert_eq!(lines[child_wake - 1], "poll main");
    assert_eq!(lines[child_wake + 1], "poll main child 0");
}

/// Socket children on loopback: delivery timing varies, so the events are checked by
/// structure, not by exact order.
#[test]
fn socket_children_record_polls_parks_io_wakes_and_ends() {
    use runtime::net::{TcpListener, TcpStream};
    use runtime::trace::{Await, ChildId, Event, Outcome, PollResult, WakeCause};

    let rec = Recorder::all();
    let rt = Runtime::builder().on_event(rec.clone()).build().unwrap();
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 5];
            stream.read_exact(&mut buf).await.unwrap();
            buf
        };
        let client = async move {
            let mut stream = TcpStream::connect_addr(addr).await.unwrap();
            stream.write_all(b"hello").await.unwrap();
        };
        let (got, ()) = runtime::join(label("server", server), label("client", client)).await;
        assert_eq!(&got, b"hello");
    });
    let events = rec.events();
    let child = |index| ChildId { group: 1, index };
    for index in [0, 1] {
        let polls = events
            .iter()
            .filter(|e| matches!(e, Event::ChildPoll { child: c, .. } if *c == child(index)))
            .count();
        let ends = events
            .iter()
            .filter(|e| matches!(e, Event::ChildPollEnd { child: c, .. } if *c == child(index)))
            .count();
        assert!(
            polls >= 2 && polls == ends,
            "child {index}: {polls} polls, {ends} ends"
        );
        let finished = events.iter().any(|e| {
            matches!(e, Event::ChildFinished { child: c, outcome: Outcome::Completed, .. }
                if *c == child(index))
        });
        assert!(finished, "child {index} never finished");
        let io_wake = events.iter().any(|e| {
            matches!(e, Event::ChildWoken { child: c, cause: WakeCause::Io { .. }, .. }
                if *c == child(index))
        });
        assert!(io_wake, "child {index} was never woken by the reactor");
    }
    let parks: Vec<(u32, Await)> = events
        .iter()
        .filter_map(|e| match e {
            Event::ChildPollEnd {
                child,
                result: PollResult::Pending,
                waits_on: Some(point),
                ..
            } => Some((child.index, point.what)),
            _ => None,
        })
        .collect();
    assert!(parks.contains(&(0, Await::Accept)), "{parks:?}");
    // The client connects; the server may or may not wait for the bytes.
    assert!(parks.contains(&(1, Await::Connect)), "{parks:?}");
    // Every pending child poll said what it waits on.
    let unknown = events.iter().any(|e| {
        matches!(
            e,
            Event::ChildPollEnd {
                result: PollResult::Pending,
                waits_on: None,
                ..
            }
        )
    });
    assert!(!unknown, "a child parked without an await point");
}

#[test]
fn children_dropped_unfinished_end_as_aborted() {
    let (rt, rec) = traced();
    let out = rt.block_on(runtime::try_gather([
        label(
            "fails",
            Box::pin(async { Err::<(), _>("no") })
                as std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), &str>>>>,
        ),
        label(
            "waits",
            Box::pin(async {
                sleep(Duration::from_secs(1)).await;
                Ok(())
            }),
        ),
    ]));
    assert_eq!(out, Err("no"));
    let ends: Vec<String> = rec
        .lines()
        .into_iter()
        .filter(|line| line.starts_with("finish main child"))
        .collect();
    // The first error ends try_gather, which drops the child still sleeping.
    assert_eq!(
        ends,
        [
            "finish main child 0 Completed",
            "finish main child 1 Aborted"
        ]
    );
}
