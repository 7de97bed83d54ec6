use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use super::json::json_str;
use super::{display_times, ChromeTrace, REACTOR_TID, RUNTIME_TID, TIMERS_TID};
use crate::instrument::{label, span};
use crate::net::{TcpListener, TcpStream};
use crate::sync::oneshot;
use crate::time::sleep;
use crate::trace::{Event, Record};
use crate::Runtime;

#[path = "../../../tests/chrome_check/mod.rs"]
mod chrome_check;

use chrome_check::{check, check_child_polls_inside_task_polls, is_poll, Trace};

/// A future that a std thread completes after a short sleep: a wake from another
/// thread.
struct FromThread {
    done: Arc<Mutex<(bool, Option<Waker>)>>,
    started: bool,
}

impl Future for FromThread {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = self.done.lock().unwrap();
        if state.0 {
            return Poll::Ready(());
        }
        state.1 = Some(cx.waker().clone());
        drop(state);
        if !self.started {
            self.started = true;
            let done = self.done.clone();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(2));
                let waker = {
                    let mut state = done.lock().unwrap();
                    state.0 = true;
                    state.1.take()
                };
                if let Some(waker) = waker {
                    waker.wake();
                }
            });
        }
        Poll::Pending
    }
}

/// Runs `future` on a runtime traced by a [`ChromeTrace`]; the trace once the runtime is
/// dropped.
fn trace_of<F: Future>(virtual_clock: bool, future: F) -> String {
    let trace = ChromeTrace::new();
    let rt = Runtime::builder()
        .virtual_clock(virtual_clock)
        .on_event(trace.clone())
        .build()
        .unwrap();
    rt.block_on(future);
    drop(rt);
    trace.json()
}

/// Spawn, sleep, yield, a join, a wake from a std thread and, under the real clock, a
/// socket's readiness.
fn traced_program(virtual_clock: bool) -> String {
    trace_of(virtual_clock, async move {
        // Long enough that the timer is still pending after every other step, even on a
        // slow (sanitized, loaded) machine, or under Miri, which is slower still.
        let nap = Duration::from_millis(if cfg!(miri) { 3_000 } else { 50 });
        let sleeper = crate::spawn_named("sleeper", sleep(nap));
        let yielder = crate::spawn_named("yielder", crate::yield_now());
        let waiter = crate::spawn_named(
            "from \"thread\"",
            FromThread {
                done: Arc::default(),
                started: false,
            },
        );
        if !virtual_clock {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            let server = crate::spawn_named("server", async move {
                let (mut stream, _) = listener.accept().await.unwrap();
                let mut buf = [0u8; 5];
                stream.read_exact(&mut buf).await.unwrap();
            });
            let mut client = TcpStream::connect_addr(addr).await.unwrap();
            client.write_all(b"hello").await.unwrap();
            server.await.unwrap();
        }
        yielder.await.unwrap();
        waiter.await.unwrap();
        sleeper.await.unwrap();
    })
}

/// Each flow as (the track it starts on, the track it ends on), by name.
fn flow_tracks(trace: &Trace, name: &str) -> Vec<(u64, u64)> {
    let flows = trace.flows().into_iter().filter(|[s, ..]| s.name == name);
    flows.map(|[s, _, f, _]| (s.tid, f.tid)).collect()
}

#[test]
fn a_virtual_clock_trace_follows_the_format_rules() {
    let trace = check(&traced_program(true));
    let timers: Vec<&str> = (trace.slices_on(TIMERS_TID).into_iter())
        .map(|e| e.name.as_str())
        .collect();
    assert!(timers.contains(&"timer#0 fired"), "{timers:?}");
    assert!(timers.iter().any(|n| n.starts_with("clock jumps to")));
    assert!(!trace.slices_on(REACTOR_TID).is_empty(), "no park");
    assert_eq!(trace.names[&REACTOR_TID], "reactor");
    assert_eq!(trace.names[&TIMERS_TID], "timers");
}

#[test]
fn a_real_clock_trace_with_io_and_a_thread_follows_the_format_rules() {
    let trace = check(&traced_program(false));
    let starts_on = |tid: u64| trace.flows().iter().any(|[s, ..]| s.tid == tid);
    assert!(starts_on(REACTOR_TID), "no flow from socket readiness");
    assert!(starts_on(TIMERS_TID), "no flow from a timer");
    assert!(starts_on(RUNTIME_TID), "no flow from another thread");
}

#[test]
fn spawns_and_wakes_draw_arrows_from_their_cause() {
    let trace = check(&traced_program(true));
    let main = trace.track("main");
    let sleeper = trace.track("t1 \"sleeper\"");
    let yielder = trace.track("t2 \"yielder\"");
    // main spawned t1 and t2; the timer woke the sleeper; the yielder woke itself;
    // the yielder, once finished, woke main through its JoinHandle.
    let spawns = flow_tracks(&trace, "spawn");
    assert!(spawns.contains(&(main, sleeper)) && spawns.contains(&(main, yielder)));
    let wakes = flow_tracks(&trace, "wake");
    assert!(wakes.contains(&(TIMERS_TID, sleeper)), "{wakes:?}");
    assert!(wakes.contains(&(yielder, yielder)), "{wakes:?}");
    assert!(wakes.contains(&(yielder, main)), "{wakes:?}");
}

#[test]
fn task_names_are_escaped_in_the_json() {
    assert_eq!(json_str("a \"b\"\n\\"), r#""a \"b\"\n\\""#);
    let json = traced_program(true);
    assert!(
        json.contains(r#"{"name":"t3 \"from \\\"thread\\\"\""}"#),
        "{json}"
    );
}

/// Under the virtual clock: a `gather` of a labelled sleeper, whose phases nest and
/// follow each other inside one poll, and a labelled receiver the sleeper's send wakes.
fn gather_of_a_sleep_and_a_channel() -> Trace {
    let (tx, rx) = oneshot::channel();
    let sleeper = async move {
        let nap = span("inner", sleep(Duration::from_millis(10)));
        span("nap", nap).await;
        // In the poll the timer leads to: `inner` and `nap` end, `send` starts and ends.
        span("send", async { tx.send(7).unwrap() }).await;
        1
    };
    let receiver = async move { span("receive", rx).await.unwrap() };
    let children: [Pin<Box<dyn Future<Output = u32>>>; 2] = [
        Box::pin(label("sleeper", sleeper)),
        Box::pin(label("receiver", receiver)),
    ];
    check(&trace_of(true, crate::gather(children)))
}

#[test]
fn each_labelled_child_has_a_track_of_polls_inside_its_tasks_polls() {
    let trace = gather_of_a_sleep_and_a_channel();
    for name in ["sleeper", "receiver"] {
        let polls = trace.polls_on(trace.track(name));
        assert!(polls.len() >= 2, "{name}: {polls:?}");
        assert!(polls.iter().all(|p| p.args["task"] == "main"), "{polls:?}");
    }
    assert_eq!(check_child_polls_inside_task_polls(&trace), 4);
    // The sleeper's first poll parked on its sleep, and says where.
    let first = trace.polls_on(trace.track("sleeper"))[0];
    assert_eq!(first.name, "poll #1 → pending");
    assert_eq!(first.args["poll"], 1);
    assert_eq!(first.args["child"], "main › sleeper");
    let waits_on = first.args["waits_on"].as_str().unwrap();
    assert!(
        waits_on.starts_with("sleep 10 ms (runtime/src/"),
        "{waits_on}"
    );
}

#[test]
fn an_unlabelled_child_is_named_by_its_task_and_the_children_above_it() {
    let inner = crate::join(async {}, crate::yield_now());
    let trace = check(&trace_of(true, crate::gather([label("outer", inner)])));
    let polls = trace.polls_on(trace.track("main › outer › child 1"));
    assert_eq!(polls.len(), 2, "yield_now: pending, then ready");
    let outer = trace.polls_on(trace.track("outer"));
    assert!(polls.iter().all(|p| outer.iter().any(|o| o.contains(p))));
    check_child_polls_inside_task_polls(&trace);
}

#[test]
fn phases_nest_and_follow_each_other_on_the_childs_phases_track() {
    let trace = gather_of_a_sleep_and_a_channel();
    let phases = trace.slices_on(trace.track("sleeper · phases"));
    let find = |name: &str| *phases.iter().find(|s| s.name == name).unwrap();
    let (nap, inner, send) = (find("nap"), find("inner"), find("send"));
    assert!(nap.contains(inner) && inner.ts > nap.ts && inner.end() < nap.end());
    assert!(send.ts > nap.end(), "send follows nap: {nap:?} {send:?}");
    assert!(phases.iter().all(|s| s.cat == "span"));
    let receive = trace.slices_on(trace.track("receiver · phases"));
    assert_eq!(receive.len(), 1);
    assert!(!trace.names.values().any(|n| n.contains("phases 2")));
}

#[test]
fn wakes_of_children_draw_arrows_to_the_childs_next_poll() {
    let trace = gather_of_a_sleep_and_a_channel();
    let (sleeper, receiver) = (trace.track("sleeper"), trace.track("receiver"));
    let main = trace.track("main");
    let wakes = flow_tracks(&trace, "wake");
    // The timer wakes the sleeper and so main; the sleeper's send, run inside its
    // poll, wakes the receiver (and main, which its own poll requeues).
    assert!(wakes.contains(&(TIMERS_TID, sleeper)), "{wakes:?}");
    assert!(wakes.contains(&(TIMERS_TID, main)), "{wakes:?}");
    assert!(wakes.contains(&(sleeper, receiver)), "{wakes:?}");
    for [_, start, _, end] in trace.flows() {
        if start.tid == sleeper {
            // `wake receiver` and `wake main` lie inside the sleeper's poll.
            let polls = trace.polls_on(sleeper);
            assert!(polls.iter().any(|p| p.contains(start)), "{start:?}");
            assert!([receiver, main].contains(&end.tid), "{end:?}");
        }
    }
}

#[test]
fn spans_that_overlap_or_end_out_of_order_go_to_another_track() {
    use futures_util::future::join;
    let json = trace_of(true, async {
        // Two spans of one task polled side by side: `b` starts inside `a`, ends after.
        let a = span("a", sleep(Duration::from_millis(10)));
        let b = span("b", sleep(Duration::from_millis(20)));
        join(a, b).await;
        // Dropped by the timeout: `outer` records its end before `inner` inside it.
        let nested = span("outer", span("inner", sleep(Duration::from_secs(1))));
        let _ = crate::time::timeout(Duration::from_millis(5), nested).await;
    });
    let trace = check(&json);
    let lane = |name: &str| trace.slices_on(trace.track(name));
    let names = |slices: Vec<&chrome_check::Ev>| -> Vec<String> {
        slices.iter().map(|s| s.name.clone()).collect()
    };
    assert_eq!(names(lane("main · phases")), ["a", "outer"]);
    assert_eq!(names(lane("main · phases 2")), ["b", "inner"]);
    let inner = lane("main · phases 2")[1];
    assert_eq!(inner.args["ended"], "cancelled");
}

#[test]
fn a_trace_taken_mid_run_closes_its_open_polls_and_spans() {
    let trace = ChromeTrace::new();
    let rt = Runtime::builder()
        .virtual_clock(true)
        .on_event(trace.clone())
        .build()
        .unwrap();
    rt.block_on(async {
        let pending = crate::spawn(span("forever", std::future::pending::<()>()));
        let pending = label("stuck", async move { pending.await.unwrap() });
        let _ = crate::time::timeout(Duration::from_millis(1), crate::gather([pending])).await;
    });
    let trace = check(&trace.json());
    let span = trace.slices_on(trace.track("t1 · phases"))[0];
    assert_eq!(
        (span.name.as_str(), &span.args["ended"]),
        ("forever", &"unfinished".into())
    );
    drop(rt);
}

#[test]
fn nothing_is_drawn_at_zero_and_events_are_spread_apart() {
    let record = |ms: u64| Record {
        at: Duration::from_millis(ms),
        event: Event::Requeued {
            task: crate::trace::TaskId::MAIN,
        },
    };
    let times = display_times(&[record(0), record(0), record(2), record(2)]);
    assert_eq!(times, [1_000, 2_000, 2_000_000, 2_001_000]);
    let times = display_times(&[record(3)]);
    assert_eq!(times, [3_000_000]);
}

#[test]
fn a_runtime_built_with_trace_chrome_writes_the_file_when_dropped() {
    let path =
        std::env::temp_dir().join(format!("tinyloop-chrome-test-{}.json", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let rt = Runtime::builder()
        .virtual_clock(true)
        .trace_chrome(&path)
        .build()
        .unwrap();
    rt.block_on(async { crate::spawn(crate::yield_now()).await.unwrap() });
    assert!(!path.exists(), "written before the runtime was dropped");
    drop(rt);
    let json = std::fs::read_to_string(&path).expect("the trace file");
    std::fs::remove_file(&path).unwrap();
    let trace = check(&json);
    assert!(trace.events.iter().any(is_poll));
}

#[test]
fn an_empty_trace_is_a_valid_document() {
    let trace = check(&ChromeTrace::new().json());
    assert!(trace.events.iter().all(|e| e.ph == "M"));
}

#[test]
fn a_child_that_panics_ends_its_poll_with_its_tasks() {
    let json = trace_of(true, async {
        let boom = label("boom", async { panic!("a child panics") });
        let result = crate::spawn(crate::gather([boom])).await;
        assert!(result.is_err());
    });
    let trace = check(&json);
    let boom = trace.polls_on(trace.track("boom"));
    assert_eq!(boom.len(), 1);
    assert_eq!(boom[0].name, "poll #1 → panicked");
    let task = trace.polls_on(trace.track("t1"));
    assert_eq!(task[0].name, "poll #1 → panicked");
    assert_eq!(check_child_polls_inside_task_polls(&trace), 1);
}
