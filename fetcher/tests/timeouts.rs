//! Deadlines: each phase that runs out of time is named in the error, the
//! error comes on time, and other tasks keep running meanwhile. The read
//! timeout, on by default, ends every wait on a silent server, plain or TLS.

mod support;

use std::sync::Arc;
use std::time::Duration;

use fetcher::{Client, ClientBuilder, Error, Phase, Request};
use support::https::{HttpsServer, TestPki};
use support::raw::{send, RawServer, Step};
use support::run;

const TIMEOUT: Duration = Duration::from_millis(300);

fn client() -> Client {
    Client::builder().timeout(TIMEOUT).build().unwrap()
}

/// A client with only a read timeout of [`TIMEOUT`]: no bound on the
/// whole request.
fn reading_client() -> ClientBuilder {
    Client::builder().read_timeout(TIMEOUT)
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
fn the_default_client_bounds_connecting_and_every_read_and_write() {
    let client = Client::new();
    assert_eq!(
        client.read_timeout(),
        Some(ClientBuilder::DEFAULT_READ_TIMEOUT)
    );
    assert_eq!(
        client.connect_timeout(),
        Some(ClientBuilder::DEFAULT_CONNECT_TIMEOUT)
    );
    assert_eq!(ClientBuilder::DEFAULT_READ_TIMEOUT, Duration::from_secs(30));
    assert_eq!(
        ClientBuilder::DEFAULT_CONNECT_TIMEOUT,
        Duration::from_secs(30)
    );
    assert_eq!(client.timeout(), None);
}

#[test]
fn duration_max_turns_the_read_timeout_off() {
    let client = Client::builder()
        .read_timeout(Duration::MAX)
        .build()
        .unwrap();
    assert_eq!(client.read_timeout(), None);
}

#[test]
fn a_plain_server_that_accepts_and_never_answers_fails_at_the_read_timeout() {
    let server = RawServer::start(vec![vec![Step::Hang]]);
    let (client, url) = (reading_client().build().unwrap(), server.url("/"));
    assert_timed_out(run(|| client.get(&url)), Phase::ResponseHead);
}

#[test]
fn a_tls_server_that_shakes_hands_and_never_answers_fails_at_the_read_timeout() {
    let pki = TestPki::new();
    let silent = HttpsServer::start(pki.server_config(&["localhost"]), Arc::new(|_| Vec::new()));
    let client = reading_client()
        .add_root_certificate_pem(pki.ca_pem())
        .build()
        .unwrap();
    let url = silent.url("localhost", "/");
    assert_timed_out(run(|| client.get(&url)), Phase::ResponseHead);
    assert_eq!(silent.accepted(), 1);
}

#[test]
fn a_body_slower_in_total_than_the_read_timeout_but_steady_is_read_in_full() {
    // 20 bytes 30 ms apart: 600 ms in all, never 300 ms without a byte.
    let server = RawServer::start(vec![vec![
        Step::ReadRequest,
        send("HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n"),
        Step::Drip(vec![b'x'; 20], Duration::from_millis(30)),
        Step::Hang,
    ]]);
    let (client, url) = (reading_client().build().unwrap(), server.url("/"));
    let run = run(|| client.get(&url));
    assert_eq!(run.output.unwrap().body(), [b'x'; 20]);
    assert!(run.elapsed > TIMEOUT, "{:?}", run.elapsed);
}

#[test]
fn a_server_that_stops_reading_the_body_fails_at_the_read_timeout_while_sending() {
    let server = RawServer::start(vec![vec![Step::Sleep(Duration::from_secs(2))]]);
    let (client, url) = (reading_client().build().unwrap(), server.url("/upload"));
    let body = vec![b'x'; 32 * 1024 * 1024];
    assert_timed_out(
        run(|| client.send(Request::new("PUT", url).body(body))),
        Phase::Request,
    );
}

#[test]
fn a_server_that_never_answers_times_out_waiting_for_the_response() {
    let server = RawServer::start(vec![vec![Step::ReadRequest, Step::Hang]]);
    let (client, url) = (client(), server.url("/"));
    assert_timed_out(run(|| client.get(&url)), Phase::ResponseHead);
}

#[test]
fn a_body_that_drips_past_the_deadline_times_out() {
    let server = RawServer::start(vec![vec![
        Step::ReadRequest,
        send("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"),
        Step::Drip(vec![b'x'; 100], Duration::from_millis(20)),
    ]]);
    let (client, url) = (client(), server.url("/"));
    assert_timed_out(run(|| client.get(&url)), Phase::Body);
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
    assert_timed_out(run(|| client.get(&url)), Phase::ResponseHead);
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
    assert_timed_out(run(|| client.get(&url)), Phase::ResponseHead);
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
    assert!(matches!(first, Err(Error::Timeout(Phase::ResponseHead))));
    assert_eq!(second.unwrap().text(), "ok");
}
