//! A server that answers before it has read the whole request body (a
//! `413 Payload Too Large`, say) and stops reading: the client stops
//! sending and returns that answer (RFC 9112 section 9.5), as curl does,
//! rather than failing on the write, and never reuses the connection.

mod support;

use std::time::Duration;

use fetcher::{Client, Request};
use support::https::{HttpsServer, TestPki};
use support::raw::{send, RawServer, Step};
use support::run;

/// More than the socket buffers on both sides hold together, so the
/// client is still sending when the answer comes.
const BIG: usize = 16 * 1024 * 1024;

const TOO_LARGE: &str =
    "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 9\r\nConnection: close\r\n\r\ntoo large";

fn client() -> Client {
    Client::builder()
        .read_timeout(Duration::from_secs(2))
        .build()
        .unwrap()
}

fn upload(url: &str) -> Request {
    Request::new("POST", url).body(vec![b'x'; BIG])
}

#[test]
fn a_server_that_answers_413_and_closes_unread_gets_its_answer_returned() {
    let server = RawServer::start(vec![vec![Step::ReadHead, send(TOO_LARGE), Step::Close]]);
    let (client, url) = (client(), server.url("/upload"));
    let response = run(|| client.send(upload(&url))).output.unwrap();
    assert_eq!(response.status(), 413);
    assert_eq!(response.text(), "too large");
    assert!(server.requests()[0].starts_with("POST /upload HTTP/1.1\r\n"));
}

#[test]
fn a_server_that_answers_early_and_stays_silent_gets_its_answer_returned() {
    // No `Connection: close`, and the server neither reads nor closes: the
    // complete answer alone ends the upload.
    let server = RawServer::start(vec![vec![
        Step::ReadHead,
        send("HTTP/1.1 501 Not Implemented\r\nContent-Length: 0\r\n\r\n"),
        Step::Sleep(Duration::from_secs(3)),
    ]]);
    let (client, url) = (client(), server.url("/"));
    let response = run(|| client.send(upload(&url))).output.unwrap();
    assert_eq!(response.status(), 501);
}

#[test]
fn after_an_early_answer_the_connection_is_not_reused() {
    let server = RawServer::start(vec![
        vec![
            Step::ReadHead,
            send("HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\n\r\n"),
            Step::Sleep(Duration::from_secs(3)),
        ],
        vec![
            Step::ReadRequest,
            send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
            Step::Hang,
        ],
    ]);
    let (client, url) = (client(), server.url("/"));
    let (first, second) = run(|| async {
        let first = client.send(upload(&url)).await;
        let second = client.get(&url).await;
        (first, second)
    })
    .output;
    assert_eq!(first.unwrap().status(), 413);
    assert_eq!(second.unwrap().text(), "ok");
    assert_eq!(server.accepted(), 2);
}

#[test]
fn over_tls_a_server_that_answers_413_and_closes_unread_gets_its_answer_returned() {
    let pki = TestPki::new();
    let server = HttpsServer::answer_and_close(pki.server_config(&["localhost"]), TOO_LARGE);
    let client = Client::builder()
        .read_timeout(Duration::from_secs(2))
        .add_root_certificate_pem(pki.ca_pem())
        .build()
        .unwrap();
    let url = server.url("localhost", "/upload");
    let response = run(|| client.send(upload(&url))).output.unwrap();
    assert_eq!(response.status(), 413);
    assert_eq!(response.text(), "too large");
}

#[test]
fn over_tls_a_server_that_answers_early_while_still_reading_gets_its_answer_returned() {
    // This server reads on (and discards) what follows the head: only the
    // final 413 head makes the client stop sending.
    let pki = TestPki::new();
    let answer = "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\n\r\n";
    let server = HttpsServer::start(
        pki.server_config(&["localhost"]),
        std::sync::Arc::new(move |_: &str| answer.as_bytes().to_vec()),
    );
    let client = Client::builder()
        .read_timeout(Duration::from_secs(2))
        .add_root_certificate_pem(pki.ca_pem())
        .build()
        .unwrap();
    let url = server.url("localhost", "/upload");
    let (first, second) = run(|| async {
        let first = client.send(upload(&url)).await;
        let second = client.get(&url).await;
        (first, second)
    })
    .output;
    assert_eq!(first.unwrap().status(), 413);
    assert_eq!(second.unwrap().status(), 413);
    assert_eq!(server.accepted(), 2, "the first connection was not reused");
}
