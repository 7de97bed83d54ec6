use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use serde_json::Value;

use super::writer::json_str;
use super::{ChromeTrace, REACTOR_TID, TASK_TID_BASE, TIMERS_TID};
use crate::net::{TcpListener, TcpStream};
use crate::time::sleep;
use crate::Runtime;

/// One parsed trace event, timestamps in ns.
#[derive(Debug)]
struct Parsed {
    ph: String,
    name: String,
    tid: u64,
    ts: i64,
    dur: Option<i64>,
    id: Option<u64>,
    raw: Value,
}

fn ns(value: &Value) -> i64 {
    (value.as_f64().expect("a number") * 1000.0).round() as i64
}

fn parse(json: &str) -> Vec<Parsed> {
    let document: Value = serde_json::from_str(json).expect("valid JSON");
    document["traceEvents"]
        .as_array()
        .expect("a traceEvents array")
        .iter()
        .map(|e| Parsed {
            ph: e["ph"].as_str().expect("ph").to_string(),
            name: e["name"].as_str().expect("name").to_string(),
            tid: e["tid"].as_u64().expect("tid"),
            ts: e.get("ts").map_or(0, ns),
            dur: e.get("dur").map(ns),
            id: e.get("id").and_then(Value::as_u64),
            raw: e.clone(),
        })
        .collect()
}

/// Checks the rules of the format the viewers depend on; returns the events.
fn check_structure(json: &str) -> Vec<Parsed> {
    let events = parse(json);
    let slices: Vec<&Parsed> = events.iter().filter(|e| e.ph == "X").collect();
    let slices_on = |tid: u64| slices.iter().filter(move |s| s.tid == tid);
    let encloses = |s: &Parsed, ts: i64| s.ts < ts && ts < s.ts + s.dur.unwrap();

    // Every slice has a timestamp and a positive duration.
    for slice in &slices {
        assert!(slice.raw["ts"].is_number(), "{:?}", slice.raw);
        assert!(slice.dur.is_some_and(|d| d > 0), "{:?}", slice.raw);
    }

    // Slices on one track never overlap: the viewers need them nested or disjoint.
    let tids: BTreeSet<u64> = events
        .iter()
        .filter(|e| e.ph != "M")
        .map(|e| e.tid)
        .collect();
    for &tid in &tids {
        let mut track: Vec<&&Parsed> = slices_on(tid).collect();
        track.sort_by_key(|s| s.ts);
        for pair in track.windows(2) {
            let end = pair[0].ts + pair[0].dur.unwrap();
            assert!(
                end <= pair[1].ts,
                "overlap: {:?} {:?}",
                pair[0].raw,
                pair[1].raw
            );
        }
    }

    // A thread_name for every track in use, the reactor's and the timers' included.
    let named: HashMap<u64, &str> = events
        .iter()
        .filter(|e| e.ph == "M" && e.name == "thread_name")
        .map(|e| (e.tid, e.raw["args"]["name"].as_str().unwrap()))
        .collect();
    assert_eq!(named.get(&REACTOR_TID), Some(&"reactor"));
    assert_eq!(named.get(&TIMERS_TID), Some(&"timers"));
    assert_eq!(named.get(&TASK_TID_BASE), Some(&"main"));
    for tid in &tids {
        assert!(named.contains_key(tid), "track {tid} has no thread_name");
    }

    // Flows: ids unique, each `s` has exactly one `f` with its id and name.
    let starts: Vec<&Parsed> = events.iter().filter(|e| e.ph == "s").collect();
    let ends: Vec<&Parsed> = events.iter().filter(|e| e.ph == "f").collect();
    assert!(!starts.is_empty(), "no flows");
    assert_eq!(starts.len(), ends.len());
    let ids: BTreeSet<u64> = starts.iter().map(|s| s.id.expect("flow id")).collect();
    assert_eq!(ids.len(), starts.len(), "flow ids repeat");
    for start in &starts {
        let matching: Vec<&&Parsed> = ends.iter().filter(|f| f.id == start.id).collect();
        assert_eq!(matching.len(), 1, "flow {:?}", start.raw);
        let end = matching[0];
        assert_eq!(end.name, start.name);
        assert_eq!(end.raw["cat"], start.raw["cat"]);
        assert_eq!(end.raw["bp"], "e");

        // The start lies inside a slice on its own track.
        assert!(
            slices_on(start.tid).any(|s| encloses(s, start.ts)),
            "flow start outside any slice: {:?}",
            start.raw
        );

        // The end lies inside the woken task's next poll after the start.
        let next_poll = slices_on(end.tid)
            .filter(|s| s.name.starts_with("poll") && s.ts > start.ts)
            .min_by_key(|s| s.ts)
            .unwrap_or_else(|| panic!("no poll after {:?}", start.raw));
        assert!(
            encloses(next_poll, end.ts),
            "{:?} not in {:?}",
            end.raw,
            next_poll.raw
        );
    }

    // Every poll slice carries its result.
    for slice in slices.iter().filter(|s| s.name.starts_with("poll")) {
        assert!(slice.raw["args"]["result"].is_string(), "{:?}", slice.raw);
    }
    events
}

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

/// Spawn, sleep, yield, a join, a wake from a std thread and, under the real clock, a
/// socket's readiness.
fn traced_program(virtual_clock: bool) -> String {
    let trace = ChromeTrace::new();
    let rt = Runtime::builder()
        .virtual_clock(virtual_clock)
        .on_event(trace.clone())
        .build()
        .unwrap();
    rt.block_on(async move {
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
    });
    drop(rt);
    trace.json()
}

#[test]
fn a_virtual_clock_trace_follows_the_format_rules() {
    let events = check_structure(&traced_program(true));
    let instants: Vec<&str> = events
        .iter()
        .filter(|e| e.ph == "i" && e.tid == TIMERS_TID)
        .map(|e| e.name.as_str())
        .collect();
    assert!(instants.contains(&"timer#0 fired"), "{instants:?}");
    assert!(
        instants.iter().any(|n| n.starts_with("clock jumps to")),
        "{instants:?}"
    );
    let parks = events
        .iter()
        .filter(|e| e.ph == "X" && e.tid == REACTOR_TID);
    assert!(parks.count() > 0);
}

#[test]
fn a_real_clock_trace_with_io_and_a_thread_follows_the_format_rules() {
    let events = check_structure(&traced_program(false));
    let host = |tid: u64| events.iter().any(|e| e.ph == "s" && e.tid == tid);
    assert!(host(REACTOR_TID), "no flow from socket readiness");
    assert!(host(TIMERS_TID), "no flow from a timer");
    assert!(host(super::RUNTIME_TID), "no flow from another thread");
}

#[test]
fn spawns_and_wakes_draw_arrows_from_their_cause() {
    let events = check_structure(&traced_program(true));
    let flow_tracks = |name: &str| -> BTreeSet<(u64, u64)> {
        let starts = events.iter().filter(|e| e.ph == "s" && e.name == name);
        starts
            .map(|s| {
                let end = events.iter().find(|f| f.ph == "f" && f.id == s.id).unwrap();
                (s.tid, end.tid)
            })
            .collect()
    };
    let (main, t1, t2) = (TASK_TID_BASE, TASK_TID_BASE + 1, TASK_TID_BASE + 2);
    // main spawned t1 and t2; the timer woke the sleeper; the yielder woke itself;
    // the yielder, once finished, woke main through its JoinHandle.
    let spawns = flow_tracks("spawn");
    assert!(spawns.contains(&(main, t1)) && spawns.contains(&(main, t2)));
    let wakes = flow_tracks("wake");
    assert!(wakes.contains(&(TIMERS_TID, t1)), "{wakes:?}");
    assert!(wakes.contains(&(t2, t2)), "{wakes:?}");
    assert!(wakes.contains(&(t2, main)), "{wakes:?}");
}

#[test]
fn task_names_are_escaped_in_the_json() {
    assert_eq!(json_str("a \"b\"\n\\"), r#""a \"b\"\n\\""#);
    let json = traced_program(true);
    assert!(
        json.contains(r#""name":"t3 \"from \\\"thread\\\"\"""#),
        "{json}"
    );
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
    check_structure(&json);
}

#[test]
fn an_empty_trace_is_a_valid_document() {
    let events = parse(&ChromeTrace::new().json());
    assert!(events.iter().all(|e| e.ph == "M"));
}
