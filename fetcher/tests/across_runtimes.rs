//! One client used from one runtime after another (each `block_on` makes a
//! new one): a connection kept alive in the pool carries the next
//! runtime's request, over plain TCP and over TLS.

mod support;

use std::time::Duration;

use fetcher::{Client, ClientBuilder, Request};
use support::https::{HttpsServer, TestPki};
use support::raw::{send, RawServer, Step};
use support::run;

/// A read timeout short enough that a request stuck on a connection nobody
/// polls fails the test instead of hanging it.
fn bounded() -> ClientBuilder {
    Client::builder().read_timeout(Duration::from_secs(2))
}

fn ok(body: &str) -> Step {
    send(format!(
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    ))
}

#[test]
fn a_plain_keep_alive_connection_carries_requests_from_two_runtimes_in_turn() {
    let server = RawServer::always("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    let client = bounded().build().unwrap();
    let url = server.url("/");
    for _ in 0..2 {
        // `run` makes a new runtime each time.
        assert_eq!(run(|| client.get(&url)).output.unwrap().text(), "ok");
    }
    assert_eq!(server.requests().len(), 2);
    assert_eq!(
        server.accepted(),
        1,
        "the second runtime reused the connection"
    );
}

#[test]
fn a_tls_keep_alive_connection_carries_requests_from_two_runtimes_in_turn() {
    let pki = TestPki::new();
    let server = HttpsServer::ok(pki.server_config(&["localhost"]), "again");
    let client = bounded()
        .add_root_certificate_pem(pki.ca_pem())
        .build()
        .unwrap();
    let url = server.url("localhost", "/");
    for _ in 0..2 {
        assert_eq!(run(|| client.get(&url)).output.unwrap().text(), "again");
    }
    assert_eq!(
        server.accepted(),
        1,
        "the second runtime reused the connection"
    );
}

#[test]
fn a_connection_the_server_closed_between_runtimes_is_not_used_by_the_next() {
    let server = RawServer::start(vec![
        vec![Step::ReadRequest, ok("first"), Step::Close],
        vec![Step::ReadRequest, ok("fresh"), Step::Hang],
    ]);
    let client = bounded().build().unwrap();
    let url = server.url("/");
    assert_eq!(run(|| client.get(&url)).output.unwrap().text(), "first");
    std::thread::sleep(Duration::from_millis(50)); // the server's FIN arrives
                                                   // A POST is never resent, so success means the closed connection was
                                                   // never used.
    let second = run(|| client.send(Request::new("POST", &*url).body("once"))).output;
    assert_eq!(second.unwrap().text(), "fresh");
    assert_eq!(server.requests().len(), 2);
}
