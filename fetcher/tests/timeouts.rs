//! Deadlines: each phase that runs out of time is named in the error, the
//! error comes on time, and other tasks keep running meanwhile.

mod support;

use std::time::Duration;

use fetcher::{Client, Error, Phase, Request};
use support::raw::{send, RawServer, Step};
use support::run;

const TIMEOUT: Duration = Duration::from_millis(300);

fn client() -> Client {
    Client::builder().timeout(TIMEOUT).build().unwrap()
}

/// Asserts the error is a timeout in `phase`, reported close to
/// [`TIMEOUT`], while a ticking task kept running.
fn assert_timed_out(run: support::Run<Result<fetcher::Response, Error>>, phase: Phase) {
    match run.output {
        Err(Error::Timeout(p)) if p == phase => {}
        other => panic!("expected a {phase} timeout, got {other:?}"),
    }
    assert!(run.elapsed >= TIMEOUT, "too early: {:?}", run.elapsed);
    assert!(run.elapsed < TIMEOUT * 3, "too late: {:?}", run.elapsed);
    assert!(run.ticks >= 20, "other tasks starved: {} ticks", run.ticks);
}

#[test]
fn a_server_that_never_answers_times_out_waiting_for_the_response() {
    let server = RawServer::start(vec![vec![Step::ReadRequest, Step::Hang]]);
    let (client, url) = (client(), server.url("/"));
    assert_timed_out(run(|| client.get(&url)), Phase::Response);
}

#[test]
fn a_body_that_drips_past_the_deadline_times_out() {
    let server = RawServer::start(vec![vec![
        Step::ReadRequest,
        send("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"),
        Step::Drip(vec![b'x'; 100], Duration::from_millis(20)),
    ]]);
    let (client, url) = (client(), server.url("/"));
    assert_timed_out(run(|| client.get(&url)), Phase::Response);
}

#[test]
fn a_head_that_drips_past_the_deadline_times_out() {
    let server = RawServer::start(vec![vec![
        Step::ReadRequest,
        Step::Drip(
            b"HTTP/1.1 200 OK\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaa".to_vec(),
            Duration::from_millis(20),
        ),
    ]]);
    let (client, url) = (client(), server.url("/"));
    assert_timed_out(run(|| client.get(&url)), Phase::Response);
}

#[test]
fn the_deadline_covers_all_redirects_together() {
    // Each hop takes 100 ms, under the timeout alone; four of them do not.
    let hop = |next: &str| {
        vec![
            Step::ReadRequest,
            Step::Sleep(Duration::from_millis(100)),
            send(format!(
                "HTTP/1.1 302 Found\r\nLocation: {next}\r\nContent-Length: 0\r\n\r\n"
            )),
        ]
    };
    let script = [hop("/2"), hop("/3"), hop("/4"), hop("/5")].concat();
    let server = RawServer::start(vec![script]);
    let (client, url) = (client(), server.url("/1"));
    assert_timed_out(run(|| client.get(&url)), Phase::Response);
}

#[test]
fn a_server_that_does_not_read_the_body_times_out_writing_the_request() {
    let server = RawServer::start(vec![vec![Step::Sleep(Duration::from_secs(2))]]);
    let (client, url) = (client(), server.url("/upload"));
    let body = vec![b'x'; 32 * 1024 * 1024];
    assert_timed_out(
        run(|| client.send(Request::new("PUT", url).body(body))),
        Phase::Request,
    );
}

#[test]
fn after_a_timeout_the_client_goes_on_working() {
    let silent = RawServer::start(vec![vec![Step::ReadRequest, Step::Hang]]);
    let healthy = RawServer::always("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    let client = client();
    let (first, second) = run(|| async {
        let first = client.get(&silent.url("/")).await;
        let second = client.get(&healthy.url("/")).await;
        (first, second)
    })
    .output;
    assert!(matches!(first, Err(Error::Timeout(Phase::Response))));
    assert_eq!(second.unwrap().text(), "ok");
}
