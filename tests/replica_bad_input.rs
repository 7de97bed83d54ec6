//! The replica's server against clients that misbehave: malformed and
//! oversized requests, silence, slow trickles, half-closed sockets and
//! garbage. Each gets a `400`/`431` or a closed connection, well-behaved
//! clients keep being served meanwhile, and nothing panics.
//!
//! The clients here are blocking `std::net` sockets with read timeouts, so
//! every test is bounded even if the server misbehaves.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant};

use tinyloop::replica::{ReplicaHandle, ReplicaServer};

/// The idle timeout of the replicas in these tests: short, so tests that
/// wait for it are fast.
const IDLE: Duration = Duration::from_millis(300);

/// The longest any single read may block before the test gives up.
const READ_LIMIT: Duration = Duration::from_secs(5);

/// A plain-HTTP replica with the short idle timeout.
fn replica() -> ReplicaHandle {
    ReplicaServer::builder()
        .tls(false)
        .idle_timeout(IDLE)
        .start()
        .expect("the replica starts")
}

fn connect(replica: &ReplicaHandle) -> TcpStream {
    let stream = TcpStream::connect(replica.addr()).expect("connects");
    stream.set_read_timeout(Some(READ_LIMIT)).unwrap();
    stream.set_write_timeout(Some(READ_LIMIT)).unwrap();
    stream
}

/// Reads until the server closes (or resets) the connection, and how long
/// that took. Panics if a read blocks for [`READ_LIMIT`].
fn read_until_closed(stream: &mut TcpStream) -> (Vec<u8>, Duration) {
    let start = Instant::now();
    let mut received = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => received.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => break,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => panic!("the server did not close the connection: {e}"),
        }
    }
    (received, start.elapsed())
}

/// Sends `bytes` on a fresh connection and returns everything received
/// until the server closes.
fn send_and_collect(replica: &ReplicaHandle, bytes: &[u8]) -> String {
    let mut stream = connect(replica);
    stream.write_all(bytes).unwrap();
    String::from_utf8_lossy(&read_until_closed(&mut stream).0).into_owned()
}

/// Reads one response whose body is `Content-Length` bytes long.
fn read_response(stream: &mut TcpStream) -> String {
    let mut received = Vec::new();
    let mut byte = [0u8; 1];
    while !received.ends_with(b"\r\n\r\n") {
        assert_eq!(
            stream.read(&mut byte).unwrap(),
            1,
            "connection closed early"
        );
        received.push(byte[0]);
    }
    let head = String::from_utf8(received.clone()).unwrap();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .map_or(0, |v| v.trim().parse().unwrap());
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).unwrap();
    received.extend_from_slice(&body);
    String::from_utf8(received).unwrap()
}

fn get(path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: swapi.test\r\n\r\n").into_bytes()
}

fn assert_no_panics(replica: &ReplicaHandle) {
    assert_eq!(replica.stats().panics, 0, "a connection task panicked");
}

#[test]
fn a_malformed_request_line_gets_400_and_the_connection_closed() {
    let replica = replica();
    for line in [
        "GARBAGE\r\n\r\n",
        "GET /api/\r\n\r\n",
        "GET api/ HTTP/1.1\r\nHost: h\r\n\r\n",
    ] {
        let answer = send_and_collect(&replica, line.as_bytes());
        assert!(
            answer.starts_with("HTTP/1.1 400 Bad Request\r\n"),
            "{line:?}: {answer}"
        );
        assert!(answer.contains("\r\nConnection: close\r\n"), "{line:?}");
    }
    assert_eq!(replica.stats().bad_requests, 3);
    assert_no_panics(&replica);
}

#[test]
fn an_oversized_head_gets_431_and_the_connection_closed() {
    let replica = replica();
    let mut long = b"GET /api/ HTTP/1.1\r\nHost: swapi.test\r\nX-Padding: ".to_vec();
    long.resize(long.len() + 20 * 1024, b'a');
    let answer = send_and_collect(&replica, &long);
    assert!(answer.starts_with("HTTP/1.1 431 "), "{answer}");
    assert!(answer.contains("\r\nConnection: close\r\n"));

    let mut many = String::from("GET /api/ HTTP/1.1\r\nHost: swapi.test\r\n");
    for i in 0..100 {
        many.push_str(&format!("X-Field-{i}: {i}\r\n"));
    }
    many.push_str("\r\n");
    let answer = send_and_collect(&replica, many.as_bytes());
    assert!(answer.starts_with("HTTP/1.1 431 "), "{answer}");
    assert_no_panics(&replica);
}

#[test]
fn a_slowloris_trickle_is_closed_at_the_idle_deadline_without_an_answer() {
    let replica = replica();
    let mut stream = connect(&replica);
    let start = Instant::now();
    // A byte every 50 ms never completes the head; the deadline does not move.
    let head = b"GET /api/people/1/ HTTP/1.1\r\nHost: swapi.test\r\n";
    for byte in head.iter().take(10) {
        if stream.write_all(&[*byte]).is_err() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let (received, _) = read_until_closed(&mut stream);
    let elapsed = start.elapsed();
    assert!(received.is_empty(), "no answer for an incomplete request");
    assert!(
        elapsed >= IDLE,
        "closed after {elapsed:?}, before the deadline"
    );
    assert!(
        elapsed < IDLE + Duration::from_secs(2),
        "closed only after {elapsed:?}"
    );
    assert_eq!(replica.stats().timeouts, 1);
    assert_no_panics(&replica);
}

#[test]
fn a_silent_connection_and_an_idle_kept_alive_one_are_closed_after_the_timeout() {
    let replica = replica();
    let mut silent = connect(&replica);
    let (received, waited) = read_until_closed(&mut silent);
    assert!(received.is_empty());
    assert!(waited >= IDLE - Duration::from_millis(50), "{waited:?}");

    let mut kept = connect(&replica);
    kept.write_all(&get("/api/")).unwrap();
    assert!(read_response(&mut kept).starts_with("HTTP/1.1 200 OK\r\n"));
    let (after, waited) = read_until_closed(&mut kept);
    assert!(after.is_empty());
    assert!(waited >= IDLE - Duration::from_millis(50), "{waited:?}");
    assert_eq!(replica.stats().timeouts, 2);
}

#[test]
fn a_half_closed_client_still_gets_its_answer() {
    let replica = replica();
    let mut stream = connect(&replica);
    stream.write_all(&get("/api/people/1/")).unwrap();
    stream.shutdown(Shutdown::Write).unwrap();
    let (received, waited) = read_until_closed(&mut stream);
    let answer = String::from_utf8(received).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(answer.ends_with(r#""url":"http://swapi.test/api/people/1/"}"#));
    assert!(
        waited < IDLE,
        "closed at end of stream, not at the deadline"
    );
}

#[test]
fn a_client_that_half_closes_mid_request_is_closed_without_an_answer() {
    let replica = replica();
    let mut stream = connect(&replica);
    stream
        .write_all(b"GET /api/people/1/ HTTP/1.1\r\nHo")
        .unwrap();
    stream.shutdown(Shutdown::Write).unwrap();
    let (received, waited) = read_until_closed(&mut stream);
    assert!(received.is_empty());
    assert!(waited < IDLE);
    assert_no_panics(&replica);
}

#[test]
fn pipelined_requests_are_answered_in_order_until_a_bad_one() {
    let replica = replica();
    let mut bytes = get("/api/people/2/");
    bytes.extend(get("/api/people/17/"));
    bytes.extend(b"NOT A REQUEST\r\n\r\n");
    bytes.extend(get("/api/people/3/"));
    let answer = send_and_collect(&replica, &bytes);
    let statuses: Vec<&str> = answer
        .match_indices("HTTP/1.1 ")
        .map(|(i, _)| &answer[i + 9..i + 12])
        .collect();
    assert_eq!(statuses, ["200", "404", "400"]);
    assert_eq!(replica.served(), ["/api/people/2/", "/api/people/17/"]);
}

#[test]
fn garbage_bytes_get_an_error_or_a_close_and_never_a_panic() {
    let replica = replica();
    // A fixed pseudo-random stream (xorshift), so failures can be replayed.
    let mut state = 0x2545_F491_4F6C_DD1D_u64;
    let mut noise = |len: usize| -> Vec<u8> {
        (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect()
    };
    let mut inputs: Vec<Vec<u8>> = vec![
        vec![0; 64],
        vec![0xFF; 300],
        b"\r\n\r\n\r\n".to_vec(),
        b"GET / HTTP/1.1\r\nHost: \x00\r\n\r\n".to_vec(),
        b"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: -5\r\n\r\n".to_vec(),
        b"GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec(),
        b"GET / HTTP/9.9\r\nHost: a\r\n\r\n".to_vec(),
        // A TLS ClientHello's first bytes, sent to a plain-HTTP server.
        vec![
            0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03,
        ],
    ];
    for len in [1, 17, 512, 5000, 40_000] {
        inputs.push(noise(len));
    }
    for input in &inputs {
        let mut stream = connect(&replica);
        // The server may close before reading everything; that is allowed.
        let _ = stream.write_all(input);
        let _ = stream.shutdown(Shutdown::Write);
        let answer = String::from_utf8_lossy(&read_until_closed(&mut stream).0).into_owned();
        assert!(
            answer.is_empty()
                || answer.starts_with("HTTP/1.1 400 ")
                || answer.starts_with("HTTP/1.1 431 "),
            "{} bytes got: {answer:?}",
            input.len()
        );
    }
    assert_no_panics(&replica);
    assert_eq!(replica.stats().requests, 0);
}

#[test]
fn well_behaved_clients_are_served_while_bad_ones_hang_around() {
    let replica = ReplicaServer::builder()
        .tls(false)
        .idle_timeout(Duration::from_secs(5))
        .start()
        .unwrap();
    // Five connections stall mid-head, one sends garbage and one half a body.
    let mut stalled: Vec<TcpStream> = (0..5)
        .map(|_| {
            let mut s = connect(&replica);
            s.write_all(b"GET /api/ HTTP/1.1\r\nHost: x\r\n").unwrap();
            s
        })
        .collect();
    let mut body = connect(&replica);
    body.write_all(b"GET /api/ HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
        .unwrap();
    stalled.push(body);
    let mut garbage = connect(&replica);
    garbage.write_all(&[0xAB; 100]).unwrap();

    let mut good = connect(&replica);
    let start = Instant::now();
    for id in 1..=10 {
        good.write_all(&get(&format!("/api/people/{id}/"))).unwrap();
        let answer = read_response(&mut good);
        assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    }
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
    assert!(read_until_closed(&mut garbage)
        .0
        .starts_with(b"HTTP/1.1 400 "));
    assert!(
        replica.stats().open >= 7,
        "the stalled connections are still open"
    );
    assert_no_panics(&replica);
}

#[test]
fn a_client_speaking_plain_http_to_the_tls_replica_is_dropped() {
    let replica = ReplicaServer::builder().idle_timeout(IDLE).start().unwrap();
    let answer = send_and_collect(&replica, &get("/api/"));
    assert!(!answer.starts_with("HTTP/1.1 200"), "{answer:?}");
    // Then a proper TLS client is served as usual.
    let client = fetcher::Client::builder()
        .add_root_certificate_pem(replica.ca_pem().unwrap())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let response = runtime::block_on(client.get(&replica.base_url())).unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(replica.stats().failures, 1);
    assert_no_panics(&replica);
}

#[test]
fn a_tls_handshake_that_stalls_is_closed_at_the_idle_deadline() {
    let replica = ReplicaServer::builder().idle_timeout(IDLE).start().unwrap();
    let mut stream = connect(&replica);
    // The first bytes of a ClientHello record, and then nothing.
    stream
        .write_all(&[0x16, 0x03, 0x01, 0x02, 0x00, 0x01])
        .unwrap();
    let (received, waited) = read_until_closed(&mut stream);
    // At most a TLS alert record (content type 21) saying goodbye.
    assert!(received.first().is_none_or(|&t| t == 21), "{received:?}");
    assert!(waited >= IDLE - Duration::from_millis(50), "{waited:?}");
    assert!(waited < IDLE + Duration::from_secs(2), "{waited:?}");
    assert_eq!(replica.stats().timeouts, 1);
    assert_no_panics(&replica);
}
