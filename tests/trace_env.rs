//! `RUNTIME_TRACE` traces the program's own runtime, not the replica's running beside it
//! on another thread: one timeline, one summary, one Chrome trace that is the client's. A
//! Chrome trace path it cannot write stops the program at once. The replica is traced only
//! when asked for explicitly.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

use runtime::trace::Config;
use serde_json::Value;
use support::{example, wait, Run, TempDir};
use tinyloop::replica::ReplicaServer;

/// Runs `gather --count 2` in `dir` with `RUNTIME_TRACE` set to `value`.
fn gather_with(dir: &TempDir, value: &str) -> Run {
    let child = Command::new(example("gather"))
        .args(["--count", "2"])
        .current_dir(dir.path())
        .env(runtime::trace::ENV_VAR, value)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the example starts");
    wait(child, &format!("RUNTIME_TRACE={value} gather --count 2"))
}

/// The names of the tracks (tasks, reactor, ...) of a Chrome trace, by track id.
fn tracks(json: &Value) -> Vec<(u64, String)> {
    events(json)
        .filter(|event| event["ph"] == "M" && event["name"] == "thread_name")
        .map(|event| {
            let tid = event["tid"].as_u64().expect("a track id");
            (tid, event["args"]["name"].as_str().unwrap_or("").to_owned())
        })
        .collect()
}

fn events(json: &Value) -> impl Iterator<Item = &Value> {
    json["traceEvents"].as_array().expect("traceEvents").iter()
}

#[test]
fn runtime_trace_1_prints_one_timeline_and_one_summary_the_clients() {
    let dir = TempDir::new("trace-env-terminal");
    let run = gather_with(&dir, "1");
    assert_eq!(run.code(), 0, "{run:#?}");
    let summaries = run.stderr.matches("per-task summary").count();
    assert_eq!(summaries, 1, "one runtime traced: {}", run.stderr);
    assert!(
        run.stderr.lines().any(|line| line.contains(" main ")),
        "the client's main task: {}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("replica connection"),
        "no task of the replica's runtime: {}",
        run.stderr
    );
}

#[test]
fn runtime_trace_chrome_writes_the_clients_trace_once() {
    let dir = TempDir::new("trace-env-chrome");
    let path = dir.path().join("client.json");
    let run = gather_with(&dir, &format!("chrome:{}", path.display()));
    assert_eq!(run.code(), 0, "{run:#?}");
    let path_text = path.display().to_string();
    assert_eq!(
        run.stderr.matches(&path_text).count(),
        1,
        "one runtime writes the file: {run:#?}"
    );
    let json: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap())
        .expect("the file is a whole trace");
    let tracks = tracks(&json);
    let main = tracks
        .iter()
        .find(|(_, name)| name == "main")
        .unwrap_or_else(|| panic!("a track for the main task: {tracks:?}"))
        .0;
    let main_polls = events(&json)
        .filter(|event| {
            event["tid"] == main && event["name"].as_str().unwrap_or("").starts_with("poll")
        })
        .count();
    assert!(main_polls >= 2, "the main task's polls: {main_polls}");
    assert!(
        !tracks.iter().any(|(_, name)| name.contains("replica")),
        "no task of the replica's runtime: {tracks:?}"
    );
}

#[test]
fn runtime_trace_chrome_in_a_missing_directory_stops_the_program_in_one_line() {
    let dir = TempDir::new("trace-env-unwritable");
    let path = dir.path().join("missing/x.json");
    let run = gather_with(&dir, &format!("chrome:{}", path.display()));
    assert_eq!(run.code(), 1, "{run:#?}");
    assert_eq!(run.stdout, "", "no fetch starts: {run:#?}");
    assert_eq!(run.stderr.lines().count(), 1, "{run:#?}");
    let expected = format!(
        "gather: cannot start the runtime: RUNTIME_TRACE=chrome:{}: cannot write there: ",
        path.display()
    );
    assert!(run.stderr.starts_with(&expected), "{run:#?}");
    assert!(!dir.path().join("missing").exists(), "no directory made");
}

#[test]
fn the_replica_is_traced_only_when_asked_and_writes_its_trace_when_it_stops() {
    let dir = TempDir::new("trace-env-replica");
    let path = dir.path().join("replica.json");
    let mut config = Config::new();
    config.chrome = Some(path.clone());
    let replica = ReplicaServer::builder()
        .tls(false)
        .trace(config)
        .start()
        .unwrap();
    let mut client = TcpStream::connect(replica.addr()).unwrap();
    client
        .write_all(b"GET /api/people/1/ HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    client.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    drop(replica);
    let json: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let tracks = tracks(&json);
    assert!(
        tracks
            .iter()
            .any(|(_, name)| name.contains("replica connection 1")),
        "the replica's connection task: {tracks:?}"
    );
}

#[test]
fn swapi_replica_trace_prints_its_runtimes_timeline() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_swapi-replica"))
        .args(["--port", "0", "--http", "--trace"])
        .env_remove(runtime::trace::ENV_VAR)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let url = first
        .trim()
        .strip_prefix("SWAPI replica listening on ")
        .unwrap_or_else(|| panic!("the first line names the URL: {first:?}"))
        .to_owned();
    // http://localhost:PORT/api/
    let host_port = url.trim_start_matches("http://").split('/').next().unwrap();
    let addr = host_port.replace("localhost", "127.0.0.1");
    let mut client = TcpStream::connect(&addr).unwrap();
    client
        .write_all(b"GET /api/people/1/ HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    client.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    // The replica runs until killed, as Ctrl-C would.
    child.kill().unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    child.wait().unwrap();
    assert!(
        stderr.contains("replica connection 1"),
        "the timeline shows the connection's task: {stderr}"
    );
}

#[test]
fn the_compact_timeline_follows_each_hero_from_connect_to_its_answer() {
    let dir = TempDir::new("trace-env-heroes");
    let run = gather_with(&dir, "1");
    assert_eq!(run.code(), 0, "{run:#?}");
    for hero in ["main › hero 1", "main › hero 2"] {
        let polls: Vec<&str> = run
            .stderr
            .lines()
            .filter(|line| line.contains(hero) && line.contains(" poll "))
            .collect();
        let first = polls
            .first()
            .unwrap_or_else(|| panic!("no poll of {hero}: {}", run.stderr));
        // It parks on the connect first, in the connect phase, at the fetcher's line.
        assert!(
            first.contains("→ pending on connect (fetcher/src/") && first.ends_with("in connect"),
            "{first}"
        );
        assert!(
            polls.iter().any(|line| line.contains("in tls handshake")),
            "{polls:#?}"
        );
        assert!(
            polls
                .iter()
                .any(|line| line.contains("in redirect › response head")),
            "the second answer, after the 301: {polls:#?}"
        );
        let last = polls.last().expect("a last poll");
        assert!(last.contains("→ ready after "), "{last}");
        // Its own row in the summary.
        assert!(
            run.stderr
                .lines()
                .any(|line| line.trim_start().starts_with(hero)
                    && line.trim_end().ends_with("completed")),
            "no summary row for {hero}: {}",
            run.stderr
        );
    }
}
