//! Reading requests from a connection's bytes.

use super::super::{
    respond, HttpError, Latency, Request, RequestReader, Scheme, Version, MAX_HEADERS,
    MAX_HEAD_BYTES,
};
use super::dataset;

fn reader() -> RequestReader {
    RequestReader::new(Scheme::Http, "127.0.0.1:8000")
}

/// Feeds `bytes` in chunks of `chunk` bytes, collecting every request until
/// the reader needs more or fails.
fn read_all(bytes: &[u8], chunk: usize) -> (Vec<Request>, Option<HttpError>) {
    let mut reader = reader();
    let mut requests = Vec::new();
    for piece in bytes.chunks(chunk.max(1)) {
        reader.feed(piece);
        loop {
            match reader.next_request() {
                Ok(Some(request)) => requests.push(request),
                Ok(None) => break,
                Err(error) => return (requests, Some(error)),
            }
        }
    }
    (requests, None)
}

/// The first thing the reader makes of `bytes` fed at once.
fn first(bytes: &[u8]) -> Result<Option<Request>, HttpError> {
    let mut reader = reader();
    reader.feed(bytes);
    reader.next_request()
}

const PIPELINE: &[u8] =
    b"GET /api/people/1/ HTTP/1.1\r\nHost: swapi.dev\r\nAccept: application/json\r\n\r\n\
POST /api/people/ HTTP/1.1\r\nHost: swapi.dev\r\nContent-Length: 11\r\n\r\nhello world\
HEAD /api/ HTTP/1.1\r\nhost: swapi.dev\r\nIf-None-Match: \"a\"\r\nIf-None-Match: \"b\"\r\n\r\n\
GET /api/films/ HTTP/1.0\r\n\r\n";

#[test]
fn a_simple_get_keeps_what_the_router_needs() {
    let request =
        first(b"GET /api/people/?page=2 HTTP/1.1\r\nHost: swapi.dev\r\nAccept: */*\r\n\r\n")
            .unwrap()
            .unwrap();
    assert_eq!(request.method, "GET");
    assert_eq!(request.target, "/api/people/?page=2");
    assert_eq!(
        (request.version, request.scheme),
        (Version::Http11, Scheme::Http)
    );
    assert_eq!(request.host, "swapi.dev");
    assert_eq!(request.accept.as_deref(), Some("*/*"));
    assert_eq!(request.if_none_match, None);
    assert!(request.keep_alive);
}

#[test]
fn pipelined_requests_come_out_one_by_one_in_order() {
    let (requests, error) = read_all(PIPELINE, PIPELINE.len());
    assert_eq!(error, None);
    let lines: Vec<(&str, &str)> = requests
        .iter()
        .map(|r| (r.method.as_str(), r.target.as_str()))
        .collect();
    assert_eq!(
        lines,
        [
            ("GET", "/api/people/1/"),
            ("POST", "/api/people/"),
            ("HEAD", "/api/"),
            ("GET", "/api/films/")
        ]
    );
    assert_eq!(requests[2].if_none_match.as_deref(), Some("\"a\", \"b\""));
    assert_eq!(requests[3].host, "127.0.0.1:8000");
    assert!(!requests[3].keep_alive);
}

#[test]
fn feeding_byte_by_byte_gives_the_same_requests_as_feeding_at_once() {
    let (whole, _) = read_all(PIPELINE, PIPELINE.len());
    for chunk in [1, 2, 3, 7, 64] {
        assert_eq!(
            read_all(PIPELINE, chunk),
            (whole.clone(), None),
            "chunks of {chunk}"
        );
    }
}

#[test]
fn a_body_is_skipped_even_when_it_arrives_after_its_head() {
    let mut reader = reader();
    reader.feed(b"POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nab");
    assert_eq!(reader.next_request().unwrap().unwrap().method, "POST");
    assert!(!reader.is_idle());
    reader.feed(b"c");
    assert_eq!(reader.next_request(), Ok(None));
    reader.feed(b"deGET /y HTTP/1.1\r\nHost: h\r\n\r\n");
    assert_eq!(reader.next_request().unwrap().unwrap().target, "/y");
    assert!(reader.is_idle());
}

#[test]
fn leftover_bytes_stay_buffered_for_the_next_request() {
    let mut reader = reader();
    reader.feed(b"GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HT");
    assert_eq!(reader.next_request().unwrap().unwrap().target, "/a");
    assert_eq!(reader.buffered(), b"GET /b HT");
    assert_eq!(reader.next_request(), Ok(None));
}

#[test]
fn keep_alive_follows_the_version_and_connection_header() {
    let keep = |head: &str| first(head.as_bytes()).unwrap().unwrap().keep_alive;
    assert!(keep("GET / HTTP/1.1\r\nHost: h\r\n\r\n"));
    assert!(!keep(
        "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
    ));
    assert!(!keep(
        "GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade, CLOSE\r\n\r\n"
    ));
    assert!(!keep("GET / HTTP/1.0\r\n\r\n"));
    assert!(keep("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"));
}

#[test]
fn an_absolute_form_target_names_the_host() {
    let request = first(b"GET http://example.test:81/api/?x HTTP/1.1\r\nHost: other\r\n\r\n")
        .unwrap()
        .unwrap();
    assert_eq!(
        (request.target.as_str(), request.host.as_str()),
        ("/api/?x", "example.test:81")
    );
}

#[test]
fn an_oversized_head_is_431_and_closes() {
    let mut reader = reader();
    reader.feed(b"GET / HTTP/1.1\r\nHost: h\r\nX-Long: ");
    reader.feed(&vec![b'a'; MAX_HEAD_BYTES]);
    let error = reader.next_request().unwrap_err();
    assert_eq!(error, HttpError::HeadTooLarge);
    let response = error.response();
    assert_eq!((response.status, response.close), (431, true));
    assert_eq!(response.header("Connection"), Some("close"));
    assert_eq!(reader.buffered(), b"", "nothing more is buffered");
}

#[test]
fn a_head_of_exactly_the_limit_is_accepted() {
    let start = b"GET / HTTP/1.1\r\nHost: h\r\nX-Pad: ";
    let padding = MAX_HEAD_BYTES - start.len() - 4;
    let head = [&start[..], &vec![b'p'; padding], b"\r\n\r\n"].concat();
    assert_eq!(head.len(), MAX_HEAD_BYTES);
    assert!(first(&head).unwrap().is_some());
    let longer = [&start[..], &vec![b'p'; padding + 1], b"\r\n\r\n"].concat();
    assert_eq!(first(&longer), Err(HttpError::HeadTooLarge));
}

#[test]
fn too_many_header_fields_are_431() {
    let fields: String = (0..=MAX_HEADERS).map(|i| format!("X-{i}: v\r\n")).collect();
    let head = format!("GET / HTTP/1.1\r\nHost: h\r\n{fields}\r\n");
    assert_eq!(first(head.as_bytes()), Err(HttpError::HeadTooLarge));
}

#[test]
fn bad_requests_are_400_and_say_why() {
    let cases: [(&[u8], HttpError); 10] = [
        (
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
            HttpError::Malformed,
        ),
        (b"GET / HTTP/2.0\r\nHost: h\r\n\r\n", HttpError::Malformed),
        (b"GET  / HTTP/1.1\r\nHost: h\r\n\r\n", HttpError::Malformed),
        (
            b"GET api/ HTTP/1.1\r\nHost: h\r\n\r\n",
            HttpError::Malformed,
        ),
        (b"GET / HTTP/1.1\r\n\r\n", HttpError::MissingHost),
        (
            b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
            HttpError::InvalidHost,
        ),
        (
            b"GET / HTTP/1.1\r\nHost: evil.test/x?\r\n\r\n",
            HttpError::InvalidHost,
        ),
        (
            b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n",
            HttpError::TransferEncoding,
        ),
        (
            b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: ten\r\n\r\n",
            HttpError::InvalidContentLength,
        ),
        (
            b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            HttpError::InvalidContentLength,
        ),
    ];
    for (bytes, expected) in cases {
        assert_eq!(
            first(bytes),
            Err(expected),
            "{}",
            String::from_utf8_lossy(bytes)
        );
        let response = expected.response();
        assert_eq!((response.status, response.close), (400, true));
    }
}

#[test]
fn errors_are_sticky_and_later_bytes_are_ignored() {
    let mut reader = reader();
    reader.feed(b"BROKEN\x00\r\n\r\n");
    assert_eq!(reader.next_request(), Err(HttpError::Malformed));
    reader.feed(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n");
    assert_eq!(reader.next_request(), Err(HttpError::Malformed));
}

#[test]
fn never_panics_on_arbitrary_or_mangled_bytes() {
    // A seeded stream of random numbers; the latency generator is a fine one.
    let mut random = Latency::between(
        std::time::Duration::ZERO,
        std::time::Duration::from_nanos(255),
        1,
    )
    .jitter();
    let mut byte = move || u8::try_from(random.next_delay().as_nanos()).unwrap_or(0);
    for round in 0..2000 {
        let mut bytes: Vec<u8> = if round % 2 == 0 {
            (0..usize::from(byte()) * 2).map(|_| byte()).collect()
        } else {
            PIPELINE.to_vec()
        };
        for _ in 0..usize::from(byte() % 8) {
            let at = usize::from(byte()) * bytes.len() / 256;
            if let Some(slot) = bytes.get_mut(at) {
                *slot = byte();
            }
        }
        let (requests, _) = read_all(&bytes, usize::from(byte() % 16) + 1);
        for request in requests {
            assert!(request.target.starts_with('/'));
            let response = respond(dataset(), &request);
            assert!(response.to_bytes().starts_with(b"HTTP/1.1 "));
        }
    }
}
