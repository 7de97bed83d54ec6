//! The phases of a request in the runtime's trace: one span per phase, in
//! order, each ended, named as the timeout errors name the phases.

mod support;

use std::sync::Arc;

use fetcher::{Client, Phase};
use runtime::trace::{Await, Event, Recorder, TaskId};
use runtime::Runtime;
use support::https::{HttpsServer, TestPki};

/// One span as the trace tells it: its name, where its start and its end
/// are in the event list, and whether it was cancelled.
#[derive(Debug)]
struct Span {
    name: String,
    start: usize,
    end: Option<usize>,
    cancelled: bool,
}

/// Fetches `url` with `client` on a runtime that records everything, and
/// returns the events.
fn traced_get(client: &Client, url: &str) -> Vec<Event> {
    let recorder = Recorder::all();
    let rt = Runtime::builder()
        .on_event(recorder.clone())
        .build()
        .unwrap();
    let response = rt.block_on(client.get(url)).unwrap();
    assert_eq!(response.status(), 200);
    recorder.events()
}

/// The spans in the order they started.
fn spans(events: &[Event]) -> Vec<Span> {
    let mut spans: Vec<(u64, Span)> = Vec::new();
    for (at, event) in events.iter().enumerate() {
        match event {
            Event::SpanStart { span, name, .. } => spans.push((
                *span,
                Span {
                    name: name.to_string(),
                    start: at,
                    end: None,
                    cancelled: false,
                },
            )),
            Event::SpanEnd {
                span, cancelled, ..
            } => {
                let (_, open) = spans
                    .iter_mut()
                    .find(|(id, _)| id == span)
                    .expect("a span ends after it starts");
                open.end = Some(at);
                open.cancelled = *cancelled;
            }
            _ => {}
        }
    }
    spans.into_iter().map(|(_, span)| span).collect()
}

fn names(spans: &[Span]) -> Vec<&str> {
    spans.iter().map(|span| span.name.as_str()).collect()
}

fn assert_all_ended(spans: &[Span]) {
    for span in spans {
        assert!(span.end.is_some() && !span.cancelled, "{span:?}");
    }
}

fn trusting(pki: &TestPki) -> Client {
    Client::builder()
        .add_root_certificate_pem(pki.ca_pem())
        .build()
        .unwrap()
}

#[test]
fn a_fetch_over_tls_shows_each_phase_as_a_span_in_order_and_each_ends() {
    let pki = TestPki::new();
    let server = HttpsServer::ok(pki.server_config(&["127.0.0.1"]), "secret");
    let events = traced_get(&trusting(&pki), &server.url("127.0.0.1", "/x"));
    let spans = spans(&events);
    let phases = [
        Phase::Resolve,
        Phase::Connect,
        Phase::Handshake,
        Phase::Request,
        Phase::ResponseHead,
        Phase::Body,
    ];
    assert_eq!(names(&spans), phases.map(|phase| phase.name()));
    assert_all_ended(&spans);
    // One after the other: each phase ends before the next begins.
    for pair in spans.windows(2) {
        assert!(pair[0].end < Some(pair[1].start), "{pair:?}");
    }
    // While the handshake runs, the client parks on its socket in the TLS
    // layer, which names its own line as the await point.
    let handshake = &spans[2];
    let parked_in_tls_layer = events[handshake.start..handshake.end.unwrap()]
        .iter()
        .any(|event| match event {
            Event::PollEnd {
                task: TaskId::MAIN,
                waits_on: Some(point),
                ..
            } => point.what == Await::Read && point.at.file().ends_with("tls/stream.rs"),
            _ => false,
        });
    assert!(parked_in_tls_layer, "{events:#?}");
}

#[test]
fn a_redirect_is_a_span_around_the_next_hop_and_its_phases() {
    let pki = TestPki::new();
    let respond = Arc::new(|head: &str| {
        let response = if head.starts_with("GET /old ") {
            "HTTP/1.1 301 Moved Permanently\r\nLocation: /new\r\nContent-Length: 0\r\n\r\n"
        } else {
            "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nnew"
        };
        response.as_bytes().to_vec()
    });
    let server = HttpsServer::start(pki.server_config(&["127.0.0.1"]), respond);
    let events = traced_get(&trusting(&pki), &server.url("127.0.0.1", "/old"));
    let spans = spans(&events);
    assert_eq!(
        names(&spans),
        [
            "resolve",
            "connect",
            "tls handshake",
            "request",
            "response head",
            "body",
            // The second hop reuses the kept-alive connection.
            "redirect",
            "request",
            "response head",
            "body",
        ]
    );
    assert_all_ended(&spans);
    let redirect = &spans[6];
    for inner in &spans[7..] {
        assert!(redirect.start < inner.start, "{inner:?}");
        assert!(inner.end < redirect.end, "{inner:?}");
    }
}
