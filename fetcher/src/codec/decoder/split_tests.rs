//! The decoder's result must not depend on how the input is split into
//! reads: fixed cases tried at every split point, and random bodies
//! encoded, split at random and decoded again.

use proptest::prelude::*;

use super::tests::{run, Outcome};
use super::*;

/// A response to decode: the request method, the bytes, and whether the
/// server closes the connection after them.
struct Case {
    method: &'static str,
    input: &'static [u8],
    eof: bool,
}

const fn case(method: &'static str, input: &'static [u8], eof: bool) -> Case {
    Case { method, input, eof }
}

/// Valid responses covering every state and framing, and a few invalid
/// ones: an error must not depend on the split either.
const CASES: &[Case] = &[
    case(
        "GET",
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloNEXT",
        false,
    ),
    case(
        "GET",
        b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
        false,
    ),
    case(
        "GET",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
          4;a=b\r\nWiki\r\n5\r\npedia\r\n0\r\nX-Sum: 1\r\n\r\nHTTP/1.1 200",
        false,
    ),
    case(
        "GET",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        false,
    ),
    case(
        "GET",
        b"HTTP/1.0 200 OK\r\nServer: x\r\n\r\nuntil the end",
        true,
    ),
    case(
        "HEAD",
        b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nleft",
        false,
    ),
    case(
        "GET",
        b"HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n",
        false,
    ),
    case(
        "GET",
        b"\r\nHTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\nLink: </a>\n\n\
          HTTP/1.1 200 OK\nContent-Length: 2\n\nok",
        false,
    ),
    case(
        "GET",
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n\
          2\r\nab\r\n0\r\n\r\n",
        false,
    ),
    case(
        "GET",
        b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx",
        false,
    ),
    case(
        "GET",
        b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\ncut",
        true,
    ),
    case(
        "GET",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX",
        false,
    ),
    case(
        "GET",
        b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        false,
    ),
    case(
        "GET",
        b"HTTP/1.1 200 OK\r\nX-Pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\
          X-Pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n",
        false,
    ),
    case(
        "GET",
        b"HTTP/1.1 200 OK\r\n\r\n0123456789012345678901234567890123456789\
          0123456789012345678901234567890123456789",
        true,
    ),
];

/// Small limits, so that some cases run into them.
fn limits() -> Limits {
    Limits {
        max_head_bytes: 128,
        max_body_bytes: 64,
        ..Limits::default()
    }
}

/// Runs `case`'s method and end of input with `reads` as the input (its
/// bytes cut up, or changed); errors are compared by message, since
/// `Error` holds values that cannot be compared.
fn outcome(case: &Case, reads: &[&[u8]]) -> Result<Outcome, String> {
    run(case.method, limits(), reads, case.eof).map_err(|error| error.to_string())
}

#[test]
fn any_split_gives_the_same_result() {
    for case in CASES {
        let whole = outcome(case, &[case.input]);
        let label = String::from_utf8_lossy(case.input);

        let bytes: Vec<&[u8]> = case.input.chunks(1).collect();
        assert_eq!(outcome(case, &bytes), whole, "byte by byte: {label}");

        for at in 0..=case.input.len() {
            let (first, second) = case.input.split_at(at);
            assert_eq!(
                outcome(case, &[first, second]),
                whole,
                "split at {at}: {label}"
            );
        }
    }
}

#[test]
fn split_cases_include_successes_and_failures() {
    let results: Vec<_> = CASES
        .iter()
        .map(|case| outcome(case, &[case.input]))
        .collect();
    assert!(results.iter().filter(|result| result.is_ok()).count() >= 10);
    let errors: Vec<_> = results
        .iter()
        .filter_map(|result| result.as_ref().err())
        .collect();
    for expected in ["closed", "protocol", "head size", "body size"] {
        assert!(
            errors.iter().any(|error| error.contains(expected)),
            "no case fails with {expected:?}"
        );
    }
}

/// A response carrying `body` with `Content-Length`.
fn with_content_length(body: &[u8]) -> Vec<u8> {
    let mut response =
        format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len()).into_bytes();
    response.extend_from_slice(body);
    response
}

/// A response carrying `body` in chunks whose sizes cycle through
/// `sizes`, with extensions on some chunks and a trailer section.
fn chunked(body: &[u8], sizes: &[usize]) -> Vec<u8> {
    let mut response = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    let mut rest = body;
    for (index, &size) in sizes.iter().cycle().enumerate() {
        if rest.is_empty() {
            break;
        }
        let (chunk, after) = rest.split_at(size.min(rest.len()));
        let extension = if index % 3 == 0 { ";n=v" } else { "" };
        response.extend_from_slice(format!("{:x}{extension}\r\n", chunk.len()).as_bytes());
        response.extend_from_slice(chunk);
        response.extend_from_slice(b"\r\n");
        rest = after;
    }
    response.extend_from_slice(b"0\r\nX-Done: yes\r\n\r\n");
    response
}

/// Cuts `input` at the given points (taken modulo its length, sorted).
fn split<'a>(input: &'a [u8], points: &[usize]) -> Vec<&'a [u8]> {
    let mut cuts: Vec<usize> = points
        .iter()
        .map(|point| point % (input.len() + 1))
        .collect();
    cuts.sort_unstable();
    let mut pieces = Vec::new();
    let mut start = 0;
    for cut in cuts.into_iter().chain([input.len()]) {
        pieces.push(input.get(start..cut).unwrap_or_default());
        start = cut;
    }
    pieces
}

proptest! {
    #[test]
    fn content_length_bodies_round_trip_under_any_split(
        body in proptest::collection::vec(any::<u8>(), 0..2048),
        points in proptest::collection::vec(any::<usize>(), 0..8),
    ) {
        let mut input = with_content_length(&body);
        input.extend_from_slice(b"NEXT");
        let outcome = run("GET", Limits::default(), &split(&input, &points), false).unwrap();
        prop_assert_eq!(outcome.body, body);
        prop_assert!(outcome.complete && outcome.reusable);
        prop_assert_eq!(outcome.leftover, b"NEXT");
    }

    #[test]
    fn chunked_bodies_round_trip_under_any_split(
        body in proptest::collection::vec(any::<u8>(), 0..2048),
        sizes in proptest::collection::vec(1..300usize, 1..8),
        points in proptest::collection::vec(any::<usize>(), 0..8),
    ) {
        let mut input = chunked(&body, &sizes);
        input.extend_from_slice(b"NEXT");
        let outcome = run("GET", Limits::default(), &split(&input, &points), false).unwrap();
        prop_assert_eq!(outcome.body, body);
        prop_assert_eq!(outcome.trailers.as_ref().and_then(|t| t.get("x-done")), Some("yes"));
        prop_assert!(outcome.complete && outcome.reusable);
        prop_assert_eq!(outcome.leftover, b"NEXT");
    }

    #[test]
    fn mutated_responses_never_panic_and_ignore_splits(
        index in 0..CASES.len(),
        changes in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..4),
        points in proptest::collection::vec(any::<usize>(), 0..6),
    ) {
        let case = CASES.get(index).expect("index is in range");
        let mut input = case.input.to_vec();
        for (at, byte) in changes {
            let len = input.len();
            if let Some(slot) = input.get_mut(at % len.max(1)) {
                *slot = byte;
            }
        }
        let whole = outcome(case, &[&input]);
        prop_assert_eq!(outcome(case, &split(&input, &points)), whole);
    }

    #[test]
    fn arbitrary_input_never_panics(
        input in proptest::collection::vec(any::<u8>(), 0..512),
        points in proptest::collection::vec(any::<usize>(), 0..4),
        eof in any::<bool>(),
    ) {
        let _ = run("GET", limits(), &split(&input, &points), eof);
    }
}
