//! Fuzzes the sans-IO HTTP/1.1 response decoder with arbitrary bytes split arbitrarily.
//!
//! Run with (nightly): `cargo +nightly fuzz run response_decoder -- -runs=10000000`
//! from the `fuzz/` folder. Besides crashes and panics, it checks that the outcome (head,
//! body, trailers, reusability, leftover bytes, or the error) does not depend on how the
//! input was split into reads.
//!
//! Input layout: byte 0 picks the method (bit 0: GET or HEAD) and whether end of input is
//! signalled (bit 1); byte 1 says how many of the following bytes are split points; the
//! rest is what the "server" sends.

#![no_main]

use fetcher::codec::{Limits, ResponseDecoder};
use libfuzzer_sys::fuzz_target;

/// Everything observable about one decode, as text so outcomes compare with `==`.
fn decode(method: &str, data: &[u8], cuts: &[u8], eof: bool) -> String {
    let limits = Limits {
        max_head_bytes: 2048,
        max_headers: 16,
        max_body_bytes: 4096,
        max_chunk_line_bytes: 64,
        max_trailer_bytes: 512,
    };
    let mut decoder = ResponseDecoder::new(method, limits);
    let mut body = Vec::new();
    let mut rest = data;
    let mut cuts = cuts.iter();
    while !rest.is_empty() {
        let take = match cuts.next() {
            Some(&cut) => usize::from(cut).clamp(1, rest.len()),
            None => rest.len(),
        };
        let (chunk, tail) = rest.split_at(take);
        rest = tail;
        if let Err(e) = decoder.feed(chunk) {
            return format!("error {e:?}");
        }
        body.extend(decoder.take_body());
        if decoder.is_complete() {
            break;
        }
    }
    if eof && !decoder.is_complete() {
        if let Err(e) = decoder.feed_eof() {
            return format!("error {e:?}");
        }
        body.extend(decoder.take_body());
    }
    // Bytes the loop did not feed (after completion) belong to the next response.
    let unfed = rest.to_vec();
    let complete = decoder.is_complete();
    let head = decoder.head().map(|h| format!("{} {:?} {:?}", h.status(), h.reason(), h.headers()));
    let trailers = decoder.trailers().map(|t| format!("{t:?}"));
    let reusable = decoder.reusable();
    let mut leftover = decoder.into_leftover();
    leftover.extend(unfed);
    format!("complete={complete} head={head:?} body={body:?} trailers={trailers:?} reusable={reusable} leftover={leftover:?}")
}

fuzz_target!(|input: &[u8]| {
    let [flags, ncuts, rest @ ..] = input else {
        return;
    };
    let method = if flags & 1 == 0 { "GET" } else { "HEAD" };
    let eof = flags & 2 != 0;
    let (cuts, data) = rest.split_at(usize::from(*ncuts).min(rest.len()));
    let whole = decode(method, data, &[], eof);
    let split = decode(method, data, cuts, eof);
    let bytewise = decode(method, data, &[1; 4096][..data.len().min(4096)], eof);
    assert_eq!(whole, split, "outcome depends on the split");
    if data.len() <= 4096 {
        assert_eq!(whole, bytewise, "outcome depends on byte-by-byte feeding");
    }
});
