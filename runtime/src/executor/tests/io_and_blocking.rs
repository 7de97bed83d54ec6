use super::traced;
use crate::net::{TcpListener, TcpStream};
use crate::Runtime;

#[test]
fn tcp_echo_on_loopback_round_trips_bytes() {
    let rt = Runtime::new().unwrap();
    // Large enough to fill the socket buffers, so both sides really wait on readiness.
    let message: Vec<u8> = (0..1_000_000u32).map(|i| (i % 251) as u8).collect();
    let echoed = rt.block_on({
        let message = message.clone();
        async move {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            let server = crate::spawn(async move {
                let (mut stream, _) = listener.accept().await.unwrap();
                let mut buf = vec![0u8; 64 * 1024];
                loop {
                    let n = stream.read(&mut buf).await.unwrap();
                    if n == 0 {
                        break;
                    }
                    stream.write_all(&buf[..n]).await.unwrap();
                }
            });
            let mut client = TcpStream::connect(&addr.to_string()).await.unwrap();
            let (mut reader, mut writer) = client.split();
            let write = async {
                writer.write_all(&message).await.unwrap();
                writer.shutdown().unwrap();
            };
            let read = async {
                let mut echoed = Vec::new();
                let mut buf = vec![0u8; 64 * 1024];
                loop {
                    let n = reader.read(&mut buf).await.unwrap();
                    if n == 0 {
                        return echoed;
                    }
                    echoed.extend_from_slice(&buf[..n]);
                }
            };
            let echoed = both(write, read).await.1;
            server.await.unwrap();
            echoed
        }
    });
    assert!(echoed == message, "echo differs");
}

/// Runs two futures concurrently in one task until both finish.
async fn both<A: std::future::Future, B: std::future::Future>(
    a: A,
    b: B,
) -> (A::Output, B::Output) {
    let (mut a, mut b) = (std::pin::pin!(a), std::pin::pin!(b));
    let (mut out_a, mut out_b) = (None, None);
    std::future::poll_fn(|cx| {
        if out_a.is_none() {
            if let std::task::Poll::Ready(v) = a.as_mut().poll(cx) {
                out_a = Some(v);
            }
        }
        if out_b.is_none() {
            if let std::task::Poll::Ready(v) = b.as_mut().poll(cx) {
                out_b = Some(v);
            }
        }
        if out_a.is_some() && out_b.is_some() {
            std::task::Poll::Ready((out_a.take().unwrap(), out_b.take().unwrap()))
        } else {
            std::task::Poll::Pending
        }
    })
    .await
}

#[test]
fn a_readable_socket_wakes_its_reader_with_the_token_as_cause() {
    let (rt, rec) = traced();
    let token = rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let mut client = TcpStream::connect_addr(addr).await.unwrap();
        let (mut server, _) = listener.accept().await.unwrap();
        let token = server.token();
        let reader = crate::spawn(async move {
            let mut buf = [0u8; 5];
            server.read_exact(&mut buf).await.unwrap();
            buf
        });
        crate::yield_now().await; // the reader polls and waits for readiness
        client.write_all(b"hello").await.unwrap();
        assert_eq!(&reader.await.unwrap(), b"hello");
        token
    });
    let lines = rec.lines();
    let wake = format!("wake t1 by io(token {token}, readable");
    assert!(
        lines.iter().any(|l| l.starts_with(&wake)),
        "no readiness wake for token {token} in {lines:#?}"
    );
}

#[test]
fn connect_to_a_closed_port_fails_with_a_message_naming_the_address() {
    let rt = Runtime::new().unwrap();
    let error = rt.block_on(async {
        // Bind then drop, so the port is (almost certainly) closed.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        TcpStream::connect(&format!("127.0.0.1:{port}"))
            .await
            .unwrap_err()
    });
    assert_eq!(error.kind(), std::io::ErrorKind::ConnectionRefused);
    assert!(error.to_string().contains("127.0.0.1"), "{error}");
}

#[test]
fn spawn_blocking_delivers_its_result_through_the_cross_thread_path() {
    let (rt, rec) = traced();
    let (release, released) = std::sync::mpsc::channel::<()>();
    let value = rt.block_on(async {
        // The job waits until its task is pending, so the result must come back by a wake.
        let job = crate::spawn_blocking(move || {
            released.recv().unwrap();
            std::thread::current().name().map(str::to_owned)
        });
        crate::yield_now().await;
        release.send(()).unwrap();
        job.await.unwrap()
    });
    assert_eq!(value.as_deref(), Some("tinyloop-blocking"));
    assert!(rec
        .lines()
        .contains(&"wake t1 by another thread".to_string()));
}

#[test]
fn a_panic_in_spawn_blocking_becomes_a_join_error() {
    let rt = Runtime::new().unwrap();
    let error = rt.block_on(async {
        crate::spawn_blocking(|| -> u8 { panic!("disk on fire") })
            .await
            .unwrap_err()
    });
    assert_eq!(error.panic_message(), Some("disk on fire"));
}

#[test]
fn connect_resolves_localhost_on_the_blocking_pool() {
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let accept = crate::spawn(async move { listener.accept().await.map(|_| ()) });
        // "localhost" may resolve to ::1 first; every address is tried in order.
        TcpStream::connect(&format!("localhost:{port}"))
            .await
            .unwrap();
        accept.await.unwrap().unwrap();
    });
}
