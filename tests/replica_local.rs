//! A replica spawned onto the caller's runtime: it answers from that
//! runtime's tasks, on its clock, with no thread and no blocking pool, and
//! stops when its handle is dropped.

use std::time::Duration;

use runtime::net::{TcpListener, TcpStream};
use runtime::time::{timeout, Instant};
use runtime::trace::{Event, Recorder, WakeCause};
use runtime::Runtime;
use tinyloop::replica::{Latency, LocalReplica, ReplicaServer, Scheme, SIM_HOST};

/// A client trusting `replica`'s CA.
fn client_for(replica: &LocalReplica) -> fetcher::Client {
    fetcher::Client::builder()
        .add_root_certificate_der(replica.ca_der().expect("TLS is on"))
        .build()
        .expect("a client")
}

/// A listener on a free loopback port.
fn loopback() -> TcpListener {
    TcpListener::bind("127.0.0.1:0").expect("a free port")
}

#[test]
fn a_spawned_replica_answers_over_tls_from_the_callers_runtime() {
    runtime::block_on(async {
        let replica = ReplicaServer::builder().spawn(loopback()).unwrap();
        let client = client_for(&replica);
        for id in [1, 4] {
            let hero = client
                .get(&format!("{}{id}/", replica.people_url()))
                .await
                .unwrap();
            assert_eq!(hero.status(), 200);
            let links_home = format!("https://127.0.0.1:{}/api/planets/", replica.port());
            assert!(hero.text().contains(&links_home), "{}", hero.text());
        }
        assert_eq!(replica.served(), ["/api/people/1/", "/api/people/4/"]);
        let stats = replica.stats();
        assert_eq!((stats.accepted, stats.requests, stats.panics), (1, 2, 0));
    });
}

#[test]
fn urls_name_the_url_host_and_the_listeners_port() {
    runtime::block_on(async {
        let listener = loopback();
        let port = listener.local_addr().unwrap().port();
        let replica = ReplicaServer::builder()
            .url_host(SIM_HOST)
            .spawn(listener)
            .unwrap();
        assert_eq!(replica.port(), port);
        assert_eq!(replica.scheme(), Scheme::Https);
        assert_eq!(replica.base_url(), format!("https://swapi.sim:{port}/api/"));
        assert_eq!(
            replica.people_url(),
            format!("https://swapi.sim:{port}/api/people/")
        );

        let plain = ReplicaServer::builder()
            .tls(false)
            .spawn(loopback())
            .unwrap();
        assert_eq!(plain.scheme(), Scheme::Http);
        assert_eq!((plain.ca_pem(), plain.ca_der()), (None, None));
        assert!(plain.base_url().starts_with("http://127.0.0.1:"));
    });
}

#[test]
fn spawned_and_started_replicas_present_the_processs_one_ca() {
    let started = ReplicaServer::builder().start().unwrap();
    runtime::block_on(async {
        let spawned = ReplicaServer::builder().spawn(loopback()).unwrap();
        assert_eq!(spawned.ca_pem(), started.ca_pem());
        assert_eq!(spawned.ca_der(), started.ca_der());
    });
}

#[test]
fn the_replicas_tasks_are_named_tasks_of_the_callers_runtime_and_no_thread_wakes_them() {
    let recorder = Recorder::all();
    let rt = Runtime::builder()
        .trace_from_env(false)
        .on_event(recorder.clone())
        .build()
        .unwrap();
    rt.block_on(async {
        let replica = ReplicaServer::builder().spawn(loopback()).unwrap();
        let client = client_for(&replica);
        let answer = client.get(&replica.base_url()).await.unwrap();
        assert_eq!(answer.status(), 200);
    });
    let events = recorder.events();
    let names: Vec<String> = events
        .iter()
        .filter_map(|event| match event {
            Event::Spawned { name, .. } => name.as_deref().map(str::to_owned),
            _ => None,
        })
        .collect();
    assert!(
        names.contains(&"replica accept loop".to_owned()),
        "{names:?}"
    );
    assert!(
        names.contains(&"replica connection 1".to_owned()),
        "{names:?}"
    );
    assert!(
        !names.iter().any(|name| name == "spawn_blocking"),
        "{names:?}"
    );
    let from_threads = events.iter().filter(|event| {
        matches!(
            event,
            Event::Woken {
                cause: WakeCause::Thread,
                ..
            }
        )
    });
    assert_eq!(from_threads.count(), 0);
}

#[test]
fn a_spawned_replicas_delays_run_on_the_callers_virtual_clock() {
    let rt = Runtime::builder()
        .trace_from_env(false)
        .virtual_clock(true)
        .build()
        .unwrap();
    let wall = std::time::Instant::now();
    let waited = rt.block_on(async {
        let replica = ReplicaServer::builder()
            .tls(false)
            .latency(Latency::fixed(Duration::from_secs(5)))
            .spawn(loopback())
            .unwrap();
        let start = Instant::now();
        let answer = fetcher::get(&replica.base_url()).await.unwrap();
        assert_eq!(answer.status(), 200);
        start.elapsed()
    });
    assert!(
        waited >= Duration::from_secs(5),
        "{waited:?} of virtual time"
    );
    assert!(
        wall.elapsed() < Duration::from_secs(4),
        "{:?} of wall time",
        wall.elapsed()
    );
}

/// Reads one whole response (its head and a `Content-Length` body) from
/// `stream`, and returns it as text.
async fn read_response(stream: &mut TcpStream) -> String {
    let mut bytes = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = stream.read(&mut buf).await.unwrap();
        assert_ne!(n, 0, "the connection ended mid-response");
        bytes.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&bytes).into_owned();
        if let Some(head_end) = text.find("\r\n\r\n") {
            let length: usize = text[..head_end]
                .lines()
                .find_map(|line| line.strip_prefix("Content-Length: "))
                .expect("a Content-Length")
                .parse()
                .unwrap();
            if bytes.len() >= head_end + 4 + length {
                return text;
            }
        }
    }
}

#[test]
fn dropping_a_spawned_replica_closes_its_connections_and_its_listener() {
    let rt = Runtime::builder().trace_from_env(false).build().unwrap();
    rt.block_on(async {
        let replica = ReplicaServer::builder()
            .tls(false)
            .spawn(loopback())
            .unwrap();
        let addr = replica.addr();
        let mut kept = TcpStream::connect_addr(addr).await.unwrap();
        kept.write_all(b"GET /api/ HTTP/1.1\r\nHost: swapi.test\r\n\r\n")
            .await
            .unwrap();
        assert!(read_response(&mut kept)
            .await
            .starts_with("HTTP/1.1 200 OK"));
        assert_eq!(replica.stats().open, 1, "kept alive for the next request");

        drop(replica);
        let mut buf = [0u8; 16];
        // The aborted connection's task dropped its socket: the end of the
        // stream, or a reset, rather than an answer.
        let read = timeout(Duration::from_secs(2), kept.read(&mut buf)).await;
        let read = read.expect("closed at once, not at the idle timeout");
        assert!(!matches!(read, Ok(n) if n > 0), "{read:?}");
        let refused = TcpStream::connect_addr(addr).await;
        assert!(refused.is_err(), "the listener is closed");
    });
    assert_eq!(rt.live_tasks(), 0, "no task of the replica is left");
}

#[test]
fn a_spawned_replica_serves_in_every_block_on_of_its_runtime() {
    let rt = Runtime::builder().trace_from_env(false).build().unwrap();
    let replica = rt.block_on(async {
        ReplicaServer::builder()
            .tls(false)
            .spawn(loopback())
            .unwrap()
    });
    for id in [1, 2] {
        let status = rt.block_on(async {
            let url = format!("{}{id}/", replica.people_url());
            fetcher::get(&url).await.unwrap().status()
        });
        assert_eq!(status, 200);
    }
    assert_eq!(replica.served(), ["/api/people/1/", "/api/people/2/"]);
    // Dropped after its runtime: the tasks are gone already, and the handle
    // only remembers.
    drop(rt);
    assert_eq!(replica.stats().open, 0);
    drop(replica);
}
