//! Servers that send exact bytes, one case per test, each answered by the
//! right typed error (or the right response) well within its deadline.

mod support;

use std::io;
use std::time::Duration;

use fetcher::{Client, Error, Limit};
use support::raw::{send, RawServer, Step};
use support::{expect_error, run};

/// The error a default client gets from a server playing `steps`.
fn error_for(steps: Vec<Step>) -> Error {
    let server = RawServer::start(vec![steps]);
    expect_error(&Client::new(), &server.url("/"))
}

const LATER: Duration = Duration::from_millis(50);

#[test]
fn reset_before_the_head_is_an_io_error() {
    let error = error_for(vec![Step::Reset]);
    assert!(
        matches!(&error, Error::Io(e) if e.kind() == io::ErrorKind::ConnectionReset),
        "{error:?}"
    );
}

#[test]
fn close_before_the_head_is_connection_closed() {
    let error = error_for(vec![Step::ReadRequest, Step::Close]);
    assert!(matches!(error, Error::ConnectionClosed), "{error:?}");
}

#[test]
fn close_within_the_head_is_connection_closed() {
    let error = error_for(vec![
        Step::ReadRequest,
        send("HTTP/1.1 200 OK\r\nContent-Len"),
        Step::Close,
    ]);
    assert!(matches!(error, Error::ConnectionClosed), "{error:?}");
}

#[test]
fn reset_in_the_middle_of_the_body_is_an_io_error() {
    let error = error_for(vec![
        send("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello"),
        Step::Sleep(LATER),
        Step::Reset,
    ]);
    assert!(
        matches!(&error, Error::Io(e) if e.kind() == io::ErrorKind::ConnectionReset),
        "{error:?}"
    );
}

#[test]
fn close_in_the_middle_of_a_sized_body_is_connection_closed() {
    let error = error_for(vec![
        Step::ReadRequest,
        send("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello"),
        Step::Close,
    ]);
    assert!(matches!(error, Error::ConnectionClosed), "{error:?}");
}

#[test]
fn truncated_chunked_body_is_connection_closed() {
    let error = error_for(vec![
        Step::ReadRequest,
        send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel"),
        Step::Close,
    ]);
    assert!(matches!(error, Error::ConnectionClosed), "{error:?}");
}

#[test]
fn chunked_body_without_its_last_chunk_is_connection_closed() {
    let error = error_for(vec![
        Step::ReadRequest,
        send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"),
        Step::Close,
    ]);
    assert!(matches!(error, Error::ConnectionClosed), "{error:?}");
}

#[test]
fn bad_chunk_size_is_a_protocol_error() {
    let error = error_for(vec![
        Step::ReadRequest,
        send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"),
        Step::Sleep(LATER),
    ]);
    assert!(matches!(error, Error::Protocol(_)), "{error:?}");
}

#[test]
fn conflicting_content_lengths_are_a_protocol_error() {
    let error = error_for(vec![
        Step::ReadRequest,
        send("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"),
        Step::Sleep(LATER),
    ]);
    assert!(matches!(error, Error::Protocol(_)), "{error:?}");
}

#[test]
fn malformed_status_line_is_a_protocol_error() {
    let error = error_for(vec![
        Step::ReadRequest,
        send("HTTP/1.1 OK 200\r\n\r\n"),
        Step::Sleep(LATER),
    ]);
    assert!(matches!(error, Error::Protocol(_)), "{error:?}");
}

#[test]
fn transfer_encoding_with_content_length_is_read_as_chunked_and_not_reused() {
    // RFC 9112 section 6.3: chunked wins, and the connection must close
    // after the response, since the two framings disagree on its end.
    let response = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n\
                    5\r\nhello\r\n0\r\n\r\n";
    let server = RawServer::start(vec![vec![Step::ReadRequest, send(response), Step::Hang]]);
    let client = Client::new();
    let url = server.url("/");
    run(|| async {
        for _ in 0..2 {
            let response = client.get(&url).await.unwrap();
            assert_eq!(response.body(), b"hello");
        }
    });
    assert_eq!(server.accepted(), 2, "the first connection was not reused");
}

#[test]
fn oversized_head_is_too_large() {
    let huge = format!(
        "HTTP/1.1 200 OK\r\nX-Big: {}\r\n\r\n",
        "a".repeat(70 * 1024)
    );
    let error = error_for(vec![Step::ReadRequest, send(huge), Step::Sleep(LATER)]);
    assert!(matches!(error, Error::TooLarge(Limit::Head)), "{error:?}");
}

#[test]
fn an_endless_head_stops_at_the_limit_without_waiting_for_its_end() {
    let server = RawServer::start(vec![vec![
        Step::ReadRequest,
        send(format!("HTTP/1.1 200 OK\r\nX-Big: {}", "a".repeat(2048))),
        Step::Hang,
    ]]);
    let client = Client::builder().max_head_bytes(1024).build().unwrap();
    let error = expect_error(&client, &server.url("/"));
    assert!(matches!(error, Error::TooLarge(Limit::Head)), "{error:?}");
}

#[test]
fn too_many_headers_is_too_large() {
    let fields: String = (0..101).map(|i| format!("X-F{i}: {i}\r\n")).collect();
    let error = error_for(vec![
        Step::ReadRequest,
        send(format!(
            "HTTP/1.1 200 OK\r\n{fields}Content-Length: 0\r\n\r\n"
        )),
        Step::Sleep(LATER),
    ]);
    assert!(
        matches!(error, Error::TooLarge(Limit::Headers)),
        "{error:?}"
    );
}

#[test]
fn a_body_over_the_limit_is_refused_from_its_content_length() {
    let server = RawServer::start(vec![vec![
        Step::ReadRequest,
        send("HTTP/1.1 200 OK\r\nContent-Length: 2048\r\n\r\n"),
        Step::Hang,
    ]]);
    let client = Client::builder().max_body_bytes(1024).build().unwrap();
    let error = expect_error(&client, &server.url("/"));
    assert!(matches!(error, Error::TooLarge(Limit::Body)), "{error:?}");
}

#[test]
fn interim_responses_before_the_final_one_are_skipped() {
    let server = RawServer::start(vec![vec![
        Step::ReadRequest,
        send("HTTP/1.1 100 Continue\r\n\r\n"),
        Step::Sleep(Duration::from_millis(10)),
        send("HTTP/1.1 103 Early Hints\r\nLink: </style.css>\r\n\r\n"),
        send("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal"),
        Step::Hang,
    ]]);
    let url = server.url("/");
    let response = run(|| fetcher::get(&url)).output.unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        !response.headers().contains("Link"),
        "interim fields are dropped"
    );
    assert_eq!(response.text(), "final");
}

#[test]
fn a_body_read_until_close_is_complete_at_the_close() {
    let server = RawServer::start(vec![vec![
        Step::ReadRequest,
        send("HTTP/1.1 200 OK\r\n\r\nuntil "),
        Step::Sleep(Duration::from_millis(10)),
        send("close"),
        Step::Close,
    ]]);
    let url = server.url("/");
    let response = run(|| fetcher::get(&url)).output.unwrap();
    assert_eq!(response.text(), "until close");
}

#[test]
fn chunked_bodies_and_trailers_arrive_whole() {
    let server = RawServer::start(vec![vec![
        Step::ReadRequest,
        send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nLuke\r\n"),
        Step::Sleep(Duration::from_millis(10)),
        send("a;ext=1\r\n Skywalker\r\n0\r\nX-Checksum: 42\r\n\r\n"),
        Step::Hang,
    ]]);
    let url = server.url("/");
    let response = run(|| fetcher::get(&url)).output.unwrap();
    assert_eq!(response.text(), "Luke Skywalker");
    assert_eq!(response.trailers().get("x-checksum"), Some("42"));
}

#[test]
fn a_4xx_is_a_response_until_error_for_status() {
    let server = RawServer::always("HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\n\r\nnope");
    let url = server.url("/missing");
    let response = run(|| fetcher::get(&url)).output.unwrap();
    assert_eq!((response.status(), response.text().as_str()), (404, "nope"));
    let error = response.error_for_status().unwrap_err();
    assert!(
        matches!(error, Error::Status { code: 404, .. }),
        "{error:?}"
    );
}
