//! Whole responses through the decoder, one test per state and rule.

use super::*;

/// What decoding a response produced, gathered for comparison.
#[derive(Debug, PartialEq)]
pub(super) struct Outcome {
    pub(super) head: Option<ResponseHead>,
    pub(super) body: Vec<u8>,
    pub(super) trailers: Option<Headers>,
    pub(super) complete: bool,
    pub(super) reusable: bool,
    pub(super) leftover: Vec<u8>,
}

/// Feeds `reads` one after the other, then end of input if `eof`, and
/// gathers the outcome. Body bytes are taken after every read.
pub(super) fn run(
    method: &str,
    limits: Limits,
    reads: &[&[u8]],
    eof: bool,
) -> Result<Outcome, Error> {
    let mut decoder = ResponseDecoder::new(method, limits);
    let mut body = Vec::new();
    for read in reads {
        decoder.feed(read)?;
        body.extend(decoder.take_body());
    }
    if eof {
        decoder.feed_eof()?;
    }
    Ok(Outcome {
        head: decoder.head().cloned(),
        body,
        trailers: decoder.trailers().cloned(),
        complete: decoder.is_complete(),
        reusable: decoder.reusable(),
        leftover: decoder.into_leftover(),
    })
}

fn get(input: &[u8]) -> Result<Outcome, Error> {
    run("GET", Limits::default(), &[input], false)
}

fn get_then_eof(input: &[u8]) -> Result<Outcome, Error> {
    run("GET", Limits::default(), &[input], true)
}

fn status(outcome: &Outcome) -> Option<u16> {
    outcome.head.as_ref().map(ResponseHead::status)
}

#[test]
fn content_length_body_is_read_exactly() {
    let outcome = get(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello").unwrap();
    assert_eq!(status(&outcome), Some(200));
    assert_eq!(outcome.body, b"hello");
    assert!(outcome.complete);
    assert!(outcome.reusable);
    assert!(outcome.leftover.is_empty());
}

#[test]
fn content_length_zero_is_complete_after_the_head() {
    let outcome = get(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n").unwrap();
    assert!(outcome.complete && outcome.reusable && outcome.body.is_empty());
}

#[test]
fn chunked_body_with_extensions_and_trailers_is_decoded() {
    let input = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n\
                  4;ext=1\r\nWiki\r\n5\r\npedia\r\n0\r\nX-Sum: 42\r\n\r\n";
    let outcome = get(input).unwrap();
    assert_eq!(outcome.body, b"Wikipedia");
    assert_eq!(outcome.trailers.unwrap().get("x-sum"), Some("42"));
    assert!(outcome.complete && outcome.reusable);
}

#[test]
fn body_without_framing_is_read_until_close_and_not_reusable() {
    let input = b"HTTP/1.1 200 OK\r\n\r\nall of this";
    let before_eof = get(input).unwrap();
    assert!(!before_eof.complete);
    let outcome = get_then_eof(input).unwrap();
    assert_eq!(outcome.body, b"all of this");
    assert!(outcome.complete);
    assert!(!outcome.reusable);
}

#[test]
fn transfer_encoding_not_ending_in_chunked_is_read_until_close() {
    let outcome = get_then_eof(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nzz").unwrap();
    assert_eq!(outcome.body, b"zz");
    assert!(outcome.complete && !outcome.reusable);
}

#[test]
fn head_response_with_content_length_has_no_body() {
    let input = b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nHTTP/1.1";
    let outcome = run("HEAD", Limits::default(), &[input], false).unwrap();
    assert!(outcome.complete && outcome.reusable);
    assert!(outcome.body.is_empty());
    assert_eq!(outcome.leftover, b"HTTP/1.1");
}

#[test]
fn responses_204_and_304_have_no_body() {
    for status_line in ["204 No Content", "304 Not Modified"] {
        let input = format!("HTTP/1.1 {status_line}\r\nContent-Length: 3\r\n\r\nabc");
        let outcome = get(input.as_bytes()).unwrap();
        assert!(outcome.complete && outcome.reusable && outcome.body.is_empty());
        assert_eq!(
            outcome.leftover, b"abc",
            "bytes after the head are not body"
        );
    }
}

#[test]
fn interim_100_and_103_responses_are_skipped() {
    let input = b"HTTP/1.1 100 Continue\r\n\r\n\
                  HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n\
                  HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok";
    let outcome = get(input).unwrap();
    assert_eq!(status(&outcome), Some(201));
    assert!(!outcome.head.unwrap().headers().contains("Link"));
    assert_eq!(outcome.body, b"ok");
}

#[test]
fn switching_protocols_is_a_protocol_error() {
    let result = get(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n");
    assert!(matches!(result, Err(Error::Protocol(_))));
}

#[test]
fn chunked_wins_over_content_length_and_connection_is_not_reused() {
    let input = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n\
                  3\r\nabc\r\n0\r\n\r\n";
    let outcome = get(input).unwrap();
    assert_eq!(outcome.body, b"abc");
    assert!(outcome.complete);
    assert!(!outcome.reusable);
}

#[test]
fn conflicting_content_lengths_are_a_protocol_error() {
    let input = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd";
    assert!(matches!(get(input), Err(Error::Protocol(_))));
}

#[test]
fn identical_content_lengths_are_accepted() {
    let input = b"HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\nContent-Length: 5\r\n\r\nhello";
    assert_eq!(get(input).unwrap().body, b"hello");
}

#[test]
fn content_length_body_cut_short_is_connection_closed() {
    let result = get_then_eof(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort");
    assert!(matches!(result, Err(Error::ConnectionClosed)));
}

#[test]
fn chunked_body_cut_short_is_connection_closed() {
    for input in [
        &b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel"[..],
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n",
    ] {
        assert!(matches!(get_then_eof(input), Err(Error::ConnectionClosed)));
    }
}

#[test]
fn end_of_input_before_or_within_the_head_is_connection_closed() {
    assert!(matches!(get_then_eof(b""), Err(Error::ConnectionClosed)));
    assert!(matches!(
        get_then_eof(b"HTTP/1.1 200 OK\r\nContent-"),
        Err(Error::ConnectionClosed)
    ));
}

#[test]
fn bad_chunk_size_is_a_protocol_error() {
    let input = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n";
    assert!(matches!(get(input), Err(Error::Protocol(_))));
}

#[test]
fn oversized_head_is_too_large() {
    let limits = Limits {
        max_head_bytes: 64,
        ..Limits::default()
    };
    let head = format!("HTTP/1.1 200 OK\r\nX-Pad: {}\r\n\r\n", "a".repeat(100));
    let result = run("GET", limits, &[head.as_bytes()], false);
    assert!(matches!(result, Err(Error::TooLarge(Limit::Head))));

    let unfinished = run("GET", limits, &[&[b'a'; 64]], false);
    assert!(matches!(unfinished, Err(Error::TooLarge(Limit::Head))));
}

#[test]
fn head_of_exactly_the_limit_is_accepted() {
    let head = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    let limits = Limits {
        max_head_bytes: head.len(),
        ..Limits::default()
    };
    assert!(run("GET", limits, &[head], false).unwrap().complete);
}

#[test]
fn interim_heads_count_towards_the_head_limit() {
    let limits = Limits {
        max_head_bytes: 80,
        ..Limits::default()
    };
    let interim = b"HTTP/1.1 100 Continue\r\n\r\n".repeat(4);
    let result = run("GET", limits, &[&interim], false);
    assert!(matches!(result, Err(Error::TooLarge(Limit::Head))));
}

#[test]
fn too_many_headers_is_too_large() {
    let limits = Limits {
        max_headers: 3,
        ..Limits::default()
    };
    let input = b"HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n";
    let result = run("GET", limits, &[input], false);
    assert!(matches!(result, Err(Error::TooLarge(Limit::Headers))));
}

#[test]
fn body_over_the_limit_is_too_large() {
    let limits = Limits {
        max_body_bytes: 4,
        ..Limits::default()
    };
    let inputs = [
        &b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"[..],
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\n",
        b"HTTP/1.1 200 OK\r\n\r\nabcde",
    ];
    for input in inputs {
        let result = run("GET", limits, &[input], false);
        assert!(matches!(result, Err(Error::TooLarge(Limit::Body))));
    }
    let fits = b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabcd";
    assert!(run("GET", limits, &[fits], false).unwrap().complete);
}

#[test]
fn pipelined_bytes_are_left_for_the_next_response() {
    let first = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none";
    let second = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\ntwo\r\n0\r\n\r\n";
    let third = b"HTTP/1.1 204 No Content\r\n\r\n";
    let all = [&first[..], second, third].concat();

    let mut bodies = Vec::new();
    let mut leftover = all;
    for _ in 0..3 {
        let outcome = get(&leftover).unwrap();
        assert!(outcome.complete && outcome.reusable);
        bodies.push(outcome.body);
        leftover = outcome.leftover;
    }
    assert_eq!(bodies, [&b"one"[..], b"two", b""]);
    assert!(leftover.is_empty());
}

#[test]
fn http10_response_without_keep_alive_is_not_reusable() {
    let outcome = get(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi").unwrap();
    assert!(outcome.complete && !outcome.reusable);
    let kept = b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nhi";
    assert!(get(kept).unwrap().reusable);
}

#[test]
fn connection_close_is_not_reusable() {
    let outcome =
        get(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nhi").unwrap();
    assert!(outcome.complete && !outcome.reusable);
}

#[test]
fn end_of_input_after_a_complete_response_forbids_reuse() {
    let outcome = get_then_eof(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi").unwrap();
    assert!(outcome.complete && !outcome.reusable);
}

#[test]
fn empty_lines_before_the_status_line_are_skipped() {
    let outcome = get(b"\r\n\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n").unwrap();
    assert_eq!(status(&outcome), Some(200));
}

#[test]
fn body_can_be_taken_as_it_arrives() {
    let mut decoder = ResponseDecoder::new("GET", Limits::default());
    decoder
        .feed(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nabc")
        .unwrap();
    assert_eq!(decoder.take_body(), b"abc");
    assert!(!decoder.is_complete());
    assert!(
        !decoder.reusable(),
        "an incomplete response never allows reuse"
    );
    decoder.feed(b"def").unwrap();
    assert_eq!(decoder.take_body(), b"def");
    assert!(decoder.is_complete());
}

#[test]
fn incomplete_decoder_has_no_leftover() {
    let mut decoder = ResponseDecoder::new("GET", Limits::default());
    decoder.feed(b"HTTP/1.1 200 OK\r\n").unwrap();
    assert!(decoder.into_leftover().is_empty());
}

#[test]
fn every_call_after_an_error_fails() {
    let mut decoder = ResponseDecoder::new("GET", Limits::default());
    assert!(decoder.feed(b"NOT HTTP\r\n\r\n").is_err());
    assert!(matches!(
        decoder.feed(b"HTTP/1.1 200 OK\r\n\r\n"),
        Err(Error::Protocol(_))
    ));
    assert!(decoder.feed_eof().is_err());
    assert!(!decoder.is_complete());
}
