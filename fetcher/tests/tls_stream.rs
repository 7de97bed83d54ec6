//! `fetcher::tls::TlsStream` on its own, both sides on one runtime: the
//! handshake, clean and unclean ends, and large transfers both ways.

mod support;

use std::io;
use std::sync::Arc;

use fetcher::tls::{self, TlsStream};
use runtime::net::{TcpListener, TcpStream};
use rustls::pki_types::ServerName;
use rustls::{ClientConnection, ServerConnection};
use support::https::TestPki;
use support::run;

/// A connected pair of sockets on loopback: (client side, server side).
async fn socket_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect_addr(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    (client, server)
}

fn localhost() -> ServerName<'static> {
    ServerName::try_from("localhost").unwrap()
}

/// Reads until the end of the stream; the error, if the end was unclean.
async fn read_to_end<C, S>(stream: &mut TlsStream<C>) -> (Vec<u8>, Option<io::Error>)
where
    C: std::ops::DerefMut<Target = rustls::ConnectionCommon<S>>,
    S: rustls::SideData,
{
    let mut all = Vec::new();
    let mut buf = vec![0; 8192];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) => return (all, None),
            Ok(n) => all.extend_from_slice(&buf[..n]),
            Err(e) => return (all, Some(e)),
        }
    }
}

#[test]
fn streams_made_with_new_handshake_on_their_first_write_and_read() {
    let pki = TestPki::new();
    let server_config = pki.server_config(&["localhost"]);
    let client_config = tls::client_config(&[pki.ca_der().into()]).unwrap();
    run(|| async {
        let (client_socket, server_socket) = socket_pair().await;
        let server = runtime::spawn(async move {
            let conn = ServerConnection::new(server_config).unwrap();
            let mut tls = TlsStream::new(server_socket, conn);
            let mut buf = [0; 4];
            let n = tls.read(&mut buf).await.unwrap();
            tls.write_all(&buf[..n]).await.unwrap();
            tls.shutdown().await.unwrap();
        });
        let conn = ClientConnection::new(client_config, localhost()).unwrap();
        let mut tls = TlsStream::new(client_socket, conn);
        tls.write_all(b"ping").await.unwrap();
        let (echo, unclean) = read_to_end(&mut tls).await;
        assert_eq!(echo, b"ping");
        assert!(unclean.is_none(), "close_notify is a clean end");
        server.await.unwrap();
        assert!(!tls.connection().is_handshaking());
    });
}

#[test]
fn a_peer_that_drops_without_close_notify_reads_as_unexpected_eof() {
    let pki = TestPki::new();
    let server_config = pki.server_config(&["localhost"]);
    let client_config = tls::client_config(&[pki.ca_der().into()]).unwrap();
    run(|| async {
        let (client_socket, server_socket) = socket_pair().await;
        let server = runtime::spawn(async move {
            let mut tls = TlsStream::accept(server_socket, server_config)
                .await
                .unwrap();
            tls.write_all(b"partial").await.unwrap();
            drop(tls);
        });
        let mut tls = TlsStream::connect(client_socket, client_config, localhost())
            .await
            .unwrap();
        server.await.unwrap();
        let (data, unclean) = read_to_end(&mut tls).await;
        assert_eq!(data, b"partial");
        assert_eq!(
            unclean.map(|e| e.kind()),
            Some(io::ErrorKind::UnexpectedEof)
        );
    });
}

#[test]
fn a_read_after_a_failed_write_still_returns_what_the_peer_said_before_hanging_up() {
    let pki = TestPki::new();
    let server_config = pki.server_config(&["localhost"]);
    let client_config = tls::client_config(&[pki.ca_der().into()]).unwrap();
    run(|| async {
        let (client_socket, server_socket) = socket_pair().await;
        let server = runtime::spawn(async move {
            let mut tls = TlsStream::accept(server_socket, server_config)
                .await
                .unwrap();
            let mut first = [0; 1];
            tls.read(&mut first).await.unwrap();
            tls.write_all(b"no more").await.unwrap();
            tls.shutdown().await.unwrap();
            // Dropped with the client's bytes unread: the kernel resets.
        });
        let mut tls = TlsStream::connect(client_socket, client_config, localhost())
            .await
            .unwrap();
        let chunk = vec![b'x'; 64 * 1024];
        let write_error = loop {
            if let Err(e) = tls.write_all(&chunk).await {
                break e;
            }
        };
        server.await.unwrap();
        assert!(
            matches!(
                write_error.kind(),
                io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset
            ),
            "{write_error:?}"
        );
        // rustls still holds records that could not be sent; reading must
        // not fail on them.
        let mut answer = [0; 16];
        let n = tls.read(&mut answer).await.unwrap();
        assert_eq!(&answer[..n], b"no more");
    });
}

#[test]
fn a_client_that_rejects_the_certificate_fails_the_servers_accept_with_the_alert() {
    let pki = TestPki::new();
    let server_config = pki.server_config(&["localhost"]);
    let stranger = tls::client_config(&[]).unwrap();
    run(|| async {
        let (client_socket, server_socket) = socket_pair().await;
        let server = runtime::spawn(async move {
            TlsStream::accept(server_socket, server_config)
                .await
                .map(drop)
        });
        let client = TlsStream::connect(client_socket, stranger, localhost()).await;
        let client_error = client.expect_err("unknown issuer");
        assert!(matches!(
            tls::tls_error(&client_error),
            Some(rustls::Error::InvalidCertificate(
                rustls::CertificateError::UnknownIssuer
            ))
        ));
        let server_error = server.await.unwrap().expect_err("the client's alert");
        assert!(
            matches!(
                tls::tls_error(&server_error),
                Some(rustls::Error::AlertReceived(
                    rustls::AlertDescription::UnknownCA
                ))
            ),
            "{server_error:?}"
        );
    });
}

#[test]
fn megabytes_each_way_arrive_intact() {
    let pki = TestPki::new();
    let server_config = pki.server_config(&["localhost"]);
    let client_config = tls::client_config(&[pki.ca_der().into()]).unwrap();
    let payload: Arc<Vec<u8>> = Arc::new((0..4 * 1024 * 1024).map(|i| (i % 251) as u8).collect());
    run(|| async {
        let (client_socket, server_socket) = socket_pair().await;
        let expected = Arc::clone(&payload);
        let server = runtime::spawn(async move {
            let mut tls = TlsStream::accept(server_socket, server_config)
                .await
                .unwrap();
            // 4 MiB is more than the socket buffers hold: this write waits,
            // again and again, for the client to read (backpressure through
            // rustls's buffer and the reactor's writable wakes).
            tls.write_all(&expected).await.unwrap();
            tls.shutdown().await.unwrap();
            let (received, unclean) = read_to_end(&mut tls).await;
            assert!(unclean.is_none());
            assert!(
                received == *expected,
                "server received {} bytes",
                received.len()
            );
        });
        let mut tls = TlsStream::connect(client_socket, client_config, localhost())
            .await
            .unwrap();
        let (received, unclean) = read_to_end(&mut tls).await;
        assert!(unclean.is_none());
        assert!(
            received == *payload,
            "client received {} bytes",
            received.len()
        );
        tls.write_all(&payload).await.unwrap();
        tls.shutdown().await.unwrap();
        server.await.unwrap();
    });
}
