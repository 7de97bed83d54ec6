//! The keep-alive pool: when a connection carries the next request, when it
//! must not, and what happens when the server closed it while it was idle.

mod support;

use std::time::Duration;

use fetcher::{Client, Error, Request};
use runtime::time::sleep;
use support::raw::{send, RawServer, Step};
use support::run;

const OK: &str = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

fn ok(body: &str) -> Step {
    send(format!(
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    ))
}

/// Fetches `url` with `client` `n` times in a row, pausing `pause` between.
fn get_n_times(client: &Client, url: &str, n: usize, pause: Duration) -> Vec<String> {
    run(|| async {
        let mut bodies = Vec::new();
        for _ in 0..n {
            bodies.push(client.get(url).await.unwrap().text());
            sleep(pause).await;
        }
        bodies
    })
    .output
}

#[test]
fn two_requests_in_a_row_share_one_connection() {
    let server = RawServer::always(OK);
    get_n_times(&Client::new(), &server.url("/"), 2, Duration::ZERO);
    assert_eq!(server.accepted(), 1);
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn head_with_content_length_reads_no_body_and_the_next_get_reuses_the_connection() {
    let server = RawServer::start(vec![vec![
        Step::ReadRequest,
        send("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"),
        Step::ReadRequest,
        ok("body"),
        Step::Hang,
    ]]);
    let client = Client::new();
    let url = server.url("/");
    let (head, get) = run(|| async {
        let head = client.head(&url).await.unwrap();
        let get = client.get(&url).await.unwrap();
        (head, get)
    })
    .output;
    assert_eq!(head.headers().get("content-length"), Some("1000"));
    assert!(head.body().is_empty());
    assert_eq!(get.text(), "body");
    assert_eq!(server.accepted(), 1);
}

#[test]
fn connection_close_from_the_server_is_honoured() {
    let server =
        RawServer::always("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok");
    get_n_times(&Client::new(), &server.url("/"), 2, Duration::ZERO);
    assert_eq!(server.accepted(), 2);
}

#[test]
fn bytes_after_the_response_make_the_connection_single_use() {
    let server = RawServer::start(vec![
        vec![
            Step::ReadRequest,
            send(format!("{OK}HTTP/1.1 200 OK\r\n")),
            Step::Hang,
        ],
        vec![Step::ReadRequest, ok("second"), Step::Hang],
    ]);
    let bodies = get_n_times(&Client::new(), &server.url("/"), 2, Duration::ZERO);
    assert_eq!(bodies, ["ok", "second"]);
    assert_eq!(server.accepted(), 2);
}

#[test]
fn server_closes_after_reading_the_second_get_and_the_get_is_resent_on_a_new_connection() {
    let server = RawServer::start(vec![
        vec![
            Step::ReadRequest,
            ok("first"),
            Step::ReadRequest,
            Step::Close,
        ],
        vec![Step::ReadRequest, ok("fresh"), Step::Hang],
    ]);
    let bodies = get_n_times(&Client::new(), &server.url("/"), 2, Duration::ZERO);
    assert_eq!(bodies, ["first", "fresh"]);
    assert_eq!(server.accepted(), 2);
    assert_eq!(server.requests().len(), 3, "the second GET was sent twice");
}

#[test]
fn server_closes_after_reading_a_post_and_the_post_is_not_resent() {
    let server = RawServer::start(vec![
        vec![
            Step::ReadRequest,
            ok("first"),
            Step::ReadRequest,
            Step::Close,
        ],
        vec![Step::ReadRequest, ok("fresh"), Step::Hang],
    ]);
    let client = Client::new();
    let url = server.url("/");
    let second = run(|| async {
        client.get(&url).await.unwrap();
        client.send(Request::new("POST", &*url).body("once")).await
    })
    .output;
    assert!(matches!(second, Err(Error::ConnectionClosed)), "{second:?}");
    assert_eq!(server.accepted(), 1);
}

#[test]
fn server_closes_while_idle_and_checkout_notices_before_sending() {
    let server = RawServer::start(vec![
        vec![Step::ReadRequest, ok("first"), Step::Close],
        vec![Step::ReadRequest, ok("fresh"), Step::Hang],
    ]);
    let client = Client::new();
    let url = server.url("/");
    let second = run(|| async {
        client.get(&url).await.unwrap();
        sleep(Duration::from_millis(50)).await; // the server's FIN arrives
                                                // A POST is never resent, so success means the closed connection
                                                // was never used.
        client.send(Request::new("POST", &*url).body("once")).await
    })
    .output;
    assert_eq!(second.unwrap().text(), "fresh");
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn server_sends_unasked_bytes_while_idle_and_they_are_not_taken_for_the_next_response() {
    let server = RawServer::start(vec![
        vec![
            Step::ReadRequest,
            ok("first"),
            send("HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\n\r\n"),
            Step::Hang,
        ],
        vec![Step::ReadRequest, ok("fresh"), Step::Hang],
    ]);
    let bodies = get_n_times(
        &Client::new(),
        &server.url("/"),
        2,
        Duration::from_millis(50),
    );
    assert_eq!(bodies, ["first", "fresh"]);
    assert_eq!(server.accepted(), 2);
}

#[test]
fn a_connection_idle_longer_than_the_idle_timeout_is_not_reused() {
    let server = RawServer::always(OK);
    let client = Client::builder()
        .idle_timeout(Duration::from_millis(30))
        .build()
        .unwrap();
    get_n_times(&client, &server.url("/"), 2, Duration::from_millis(60));
    assert_eq!(server.accepted(), 2);
}

#[test]
fn with_no_idle_connections_allowed_every_request_asks_to_close() {
    let server = RawServer::always(OK);
    let client = Client::builder().max_idle_per_host(0).build().unwrap();
    get_n_times(&client, &server.url("/"), 2, Duration::ZERO);
    assert_eq!(server.accepted(), 2);
    assert!(server.requests()[0].contains("\r\nConnection: close\r\n"));
}

#[test]
fn two_concurrent_requests_use_two_connections_and_both_return_to_the_pool() {
    let server = RawServer::always(OK);
    let client = Client::new();
    let url = server.url("/");
    run(|| async {
        let tasks: Vec<_> = (0..2)
            .map(|_| {
                let (client, url) = (client.clone(), url.clone());
                runtime::spawn(async move { client.get(&url).await.map(|r| r.text()) })
            })
            .collect();
        for task in tasks {
            assert_eq!(task.await.unwrap().unwrap(), "ok");
        }
        for _ in 0..4 {
            client.get(&url).await.unwrap();
        }
    });
    assert_eq!(server.accepted(), 2);
    assert_eq!(server.requests().len(), 6);
}
