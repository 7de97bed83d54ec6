//! The in-process replica's handle: its URLs and CA, starting errors, and
//! what stopping it does.

mod support;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tinyloop::replica::{ReplicaServer, Scheme};

#[test]
fn urls_name_the_scheme_host_and_bound_port() {
    let tls = ReplicaServer::builder().start().unwrap();
    let port = tls.port();
    assert_ne!(port, 0);
    assert_eq!(tls.scheme(), Scheme::Https);
    assert_eq!(tls.base_url(), format!("https://127.0.0.1:{port}/api/"));
    assert_eq!(
        tls.people_url(),
        format!("https://127.0.0.1:{port}/api/people/")
    );
    assert_eq!(
        tls.url("api/films/1/"),
        format!("https://127.0.0.1:{port}/api/films/1/")
    );
    assert!(tls.addr().ip().is_loopback());

    let plain = ReplicaServer::builder()
        .tls(false)
        .url_host("localhost")
        .start()
        .unwrap();
    assert_eq!(plain.scheme(), Scheme::Http);
    assert_eq!(
        plain.base_url(),
        format!("http://localhost:{}/api/", plain.port())
    );
    let v6 = ReplicaServer::builder().url_host("::1").start().unwrap();
    assert_eq!(v6.base_url(), format!("https://[::1]:{}/api/", v6.port()));
}

#[test]
fn the_ca_is_available_with_tls_only_and_written_where_asked() {
    let path = std::env::temp_dir()
        .join(format!("tinyloop-replica-handle-{}", std::process::id()))
        .join("ca.pem");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let tls = ReplicaServer::builder().ca_path(&path).start().unwrap();
    let pem = tls.ca_pem().expect("a CA with TLS");
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));
    assert!(!tls.ca_der().expect("a CA with TLS").is_empty());
    assert_eq!(tls.ca_path(), Some(path.as_path()));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), pem);

    let plain = ReplicaServer::builder()
        .tls(false)
        .ca_path(&path)
        .start()
        .unwrap();
    assert_eq!(
        (plain.ca_pem(), plain.ca_der(), plain.ca_path()),
        (None, None, None)
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), pem, "left alone");
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

#[test]
fn a_port_in_use_is_an_error_and_leaves_the_running_replicas_ca_alone() {
    let path = std::env::temp_dir().join(format!(
        "tinyloop-replica-in-use-{}.pem",
        std::process::id()
    ));
    let first = ReplicaServer::builder().ca_path(&path).start().unwrap();
    let second = ReplicaServer::builder()
        .port(first.port())
        .ca_path(&path)
        .start();
    let error = second.expect_err("the port is taken");
    assert_eq!(error.kind(), ErrorKind::AddrInUse);
    assert!(
        error.to_string().contains(&first.port().to_string()),
        "{error}"
    );
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        first.ca_pem().unwrap()
    );
    let _ = std::fs::remove_file(&path);
}

#[test]
fn a_ca_path_in_a_missing_directory_is_an_error_and_no_directory_is_made() {
    let dir = support::TempDir::new("replica-ca-missing-dir");
    let missing = dir.path().join("missing");
    let error = ReplicaServer::builder()
        .ca_path(missing.join("ca.pem"))
        .start()
        .expect_err("the directory does not exist");
    assert_eq!(error.kind(), ErrorKind::NotFound, "{error}");
    assert!(
        error.to_string().starts_with(&format!(
            "cannot write the CA to {}: ",
            missing.join("ca.pem").display()
        )),
        "{error}"
    );
    assert!(!missing.exists(), "no directory made");
}

#[test]
fn swapi_replica_ca_out_in_a_missing_directory_fails_in_one_line() {
    let dir = support::TempDir::new("swapi-replica-ca-out");
    let missing = dir.path().join("missing");
    let ca_out = missing.join("x.pem");
    let child = Command::new(env!("CARGO_BIN_EXE_swapi-replica"))
        .args(["--port", "0", "--ca-out"])
        .arg(&ca_out)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let run = support::wait(child, "swapi-replica --ca-out");
    assert_eq!(run.code(), 1, "{run:#?}");
    assert_eq!(run.stdout, "", "{run:#?}");
    assert_eq!(run.stderr.lines().count(), 1, "{run:#?}");
    let prefix = format!(
        "swapi-replica: cannot start: cannot write the CA to {}: ",
        ca_out.display()
    );
    assert!(run.stderr.starts_with(&prefix), "{run:#?}");
    assert!(!missing.exists(), "no directory made");
}

#[test]
fn dropping_the_handle_closes_open_connections_and_frees_the_port() {
    let replica = ReplicaServer::builder().tls(false).start().unwrap();
    let addr = replica.addr();
    let mut idle = TcpStream::connect(addr).unwrap();
    idle.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    idle.write_all(b"GET /api/ HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut buf = [0u8; 4096];
    assert!(idle.read(&mut buf).unwrap() > 0, "answered");
    while replica.stats().requests == 0 {
        std::thread::yield_now();
    }

    let start = Instant::now();
    drop(replica);
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    // The kept-alive connection was dropped with the server's runtime.
    let mut rest = Vec::new();
    match idle.read_to_end(&mut rest) {
        Ok(_) => assert!(rest.is_empty()),
        Err(e) => assert_eq!(e.kind(), ErrorKind::ConnectionReset),
    }
    let refused = TcpStream::connect(addr).expect_err("nobody listens any more");
    assert_eq!(refused.kind(), ErrorKind::ConnectionRefused);
}

#[test]
fn shutdown_stops_a_replica_that_was_never_used() {
    let replica = ReplicaServer::builder().start().unwrap();
    let addr = replica.addr();
    replica.shutdown();
    assert!(TcpStream::connect(addr).is_err());
}

#[test]
fn the_handle_can_move_to_and_be_shared_with_other_threads() {
    fn send_and_sync<T: Send + Sync>() {}
    send_and_sync::<tinyloop::replica::ReplicaHandle>();
    send_and_sync::<tinyloop::replica::ReplicaBuilder>();
}
