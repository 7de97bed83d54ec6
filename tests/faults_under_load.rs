//! Faults under load: 1,000 concurrent requests reach the replica through a fault injector
//! on loopback that resets, truncates, stalls or corrupts a share of the connections.
//!
//! Every request must end with the correct body or a typed error, none may outlive its
//! timeout, the client's runtime must stay responsive (a ticking timer's lateness stays
//! bounded), and nothing may leak: open file descriptors and live tasks are counted before
//! and after.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::mpsc;
use std::time::Duration;

use fetcher::{Client, Error};
use runtime::net::{TcpListener, TcpStream};
use runtime::time::{sleep, timeout, Instant};
use runtime::Runtime;
use tinyloop::replica::{ReplicaHandle, ReplicaServer};

const REQUESTS: usize = 1_000;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(3);

/// What the injector does to one connection, chosen by the connection's number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Fault {
    /// Close the client's connection before reading its request.
    Reset,
    /// Forward only the first half of the response, then close.
    Truncate,
    /// Never forward the response; wait for the client to give up.
    Stall,
    /// Garble the response's status line.
    Corrupt,
    /// Forward everything untouched.
    None,
}

fn fault_of(connection: usize) -> Fault {
    match connection % 10 {
        0 => Fault::Reset,
        1 => Fault::Truncate,
        2 => Fault::Stall,
        3 => Fault::Corrupt,
        _ => Fault::None,
    }
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, |dir| dir.count())
}

/// Reads a request head (up to the blank line) from `client`.
async fn read_head(client: &mut TcpStream) -> Option<Vec<u8>> {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match client.read(&mut buf).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    Some(head)
}

/// One proxied connection with its fault.
async fn proxy(mut client: TcpStream, upstream: SocketAddr, fault: Fault) {
    if fault == Fault::Reset {
        return; // dropping the socket closes it before the request is read
    }
    let Some(request) = read_head(&mut client).await else {
        return;
    };
    let Ok(mut server) = TcpStream::connect_addr(upstream).await else {
        return;
    };
    if server.write_all(&request).await.is_err() {
        return;
    }
    // The client sends `Connection: close`, so the replica's answer ends at its EOF.
    let mut response = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        match server.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => response.extend_from_slice(&buf[..n]),
        }
    }
    let _ = match fault {
        Fault::Truncate => client.write_all(&response[..response.len() / 2]).await,
        Fault::Corrupt => {
            response[..4].copy_from_slice(b"XTTP");
            client.write_all(&response).await
        }
        Fault::Stall => {
            // Hold the connection until the client hangs up.
            let _ = client.read(&mut buf).await;
            Ok(())
        }
        Fault::None | Fault::Reset => client.write_all(&response).await,
    };
}

/// Starts the fault injector on its own thread and runtime; returns its address and a
/// sender that stops it.
fn start_injector(
    upstream: SocketAddr,
) -> (SocketAddr, mpsc::Sender<()>, std::thread::JoinHandle<()>) {
    let (addr_tx, addr_rx) = mpsc::channel();
    let (stop_tx, stop_rx) = mpsc::channel::<()>();
    let thread = std::thread::spawn(move || {
        let rt = Runtime::new().unwrap();
        rt.block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            addr_tx.send(listener.local_addr().unwrap()).unwrap();
            let mut connection = 0;
            loop {
                let accepted = timeout(Duration::from_millis(20), listener.accept()).await;
                if stop_rx.try_recv().is_ok() {
                    break;
                }
                if let Ok(Ok((client, _))) = accepted {
                    let fault = fault_of(connection);
                    connection += 1;
                    drop(runtime::spawn(proxy(client, upstream, fault)));
                }
            }
        });
        // Dropping the runtime drops every connection still open.
    });
    (addr_rx.recv().unwrap(), stop_tx, thread)
}

fn expected_bodies(replica: &ReplicaHandle, client: &Client) -> HashMap<u32, Vec<u8>> {
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        let mut bodies = HashMap::new();
        for id in 1..=10 {
            let url = replica.url(&format!("/api/people/{id}/"));
            let response = client.get(&url).await.unwrap();
            bodies.insert(id, response.into_body());
        }
        bodies
    })
}

#[test]
fn a_thousand_requests_through_a_fault_injector_end_correctly_or_with_typed_errors() {
    let fds_before = open_fds();
    let replica = ReplicaServer::builder().tls(false).start().unwrap();
    let client = Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .max_idle_per_host(0) // one connection per request: each gets its own fault
        .build()
        .unwrap();
    let direct = expected_bodies(&replica, &client);
    let (proxy_addr, stop, injector) = start_injector(replica.addr());
    // Bodies name the host the request was sent to; through the injector, that is it.
    let expected: HashMap<u32, Vec<u8>> = direct
        .into_iter()
        .map(|(id, body)| {
            let text = String::from_utf8(body).unwrap();
            let text = text.replace(&replica.addr().to_string(), &proxy_addr.to_string());
            (id, text.into_bytes())
        })
        .collect();

    let rt = Runtime::new().unwrap();
    let outcomes: Rc<RefCell<HashMap<&'static str, usize>>> = Rc::default();
    let (slowest, worst_lateness) = rt.block_on(async {
        let done = Rc::new(Cell::new(false));
        // A ticker: how late can a 10 ms timer get while the requests run?
        let ticker = runtime::spawn({
            let done = done.clone();
            async move {
                let mut worst = Duration::ZERO;
                while !done.get() {
                    let start = Instant::now();
                    sleep(Duration::from_millis(10)).await;
                    worst = worst.max(start.elapsed().saturating_sub(Duration::from_millis(10)));
                }
                worst
            }
        });
        let requests = (0..REQUESTS).map(|i| {
            let id = 1 + (i % 10) as u32;
            let (client, expected, outcomes) = (client.clone(), &expected, outcomes.clone());
            let url = format!("http://{proxy_addr}/api/people/{id}/");
            async move {
                let start = Instant::now();
                let result = client.get(&url).await;
                let kind = match result {
                    Ok(response) => {
                        assert_eq!(response.status(), 200);
                        assert!(response.body() == expected[&id], "wrong body for {id}");
                        "ok"
                    }
                    Err(Error::Timeout(_)) => "timeout",
                    Err(Error::ConnectionClosed) => "closed",
                    Err(Error::Protocol(_)) => "protocol",
                    Err(Error::Io(_)) => "io",
                    Err(other) => panic!("unexpected error kind: {other:?}"),
                };
                *outcomes.borrow_mut().entry(kind).or_default() += 1;
                start.elapsed()
            }
        });
        let durations = runtime::gather(requests).await;
        done.set(true);
        let worst = ticker.await.unwrap();
        (durations.into_iter().max().unwrap(), worst)
    });
    let outcomes = outcomes.borrow().clone();
    assert_eq!(outcomes.values().sum::<usize>(), REQUESTS);
    // Six connections in ten pass untouched; the stalled tenth times out.
    assert_eq!(
        outcomes.get("ok"),
        Some(&(REQUESTS * 6 / 10)),
        "{outcomes:?}"
    );
    assert_eq!(
        outcomes.get("timeout"),
        Some(&(REQUESTS / 10)),
        "{outcomes:?}"
    );
    assert!(
        slowest < REQUEST_TIMEOUT + Duration::from_secs(2),
        "a request took {slowest:?}"
    );
    assert!(
        worst_lateness < Duration::from_millis(500),
        "a 10 ms timer was {worst_lateness:?} late"
    );
    assert_eq!(rt.live_tasks(), 0, "a task outlived its request");

    drop(rt);
    drop(client);
    stop.send(()).unwrap();
    injector.join().unwrap();
    replica.shutdown();
    // Give the kernel a moment to release closed sockets, then compare.
    let mut fds_after = open_fds();
    for _ in 0..50 {
        if fds_after <= fds_before {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
        fds_after = open_fds();
    }
    assert!(
        fds_after <= fds_before,
        "file descriptors leaked: {fds_before} before, {fds_after} after"
    );
    eprintln!("outcomes: {outcomes:?}; slowest request {slowest:?}; worst timer lateness {worst_lateness:?}");
}
