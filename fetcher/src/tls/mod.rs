//! TLS over the runtime's [`TcpStream`](runtime::net::TcpStream): rustls's
//! state machine, driven by the reactor.
//!
//! rustls does no I/O. A [`rustls::ConnectionCommon`] (the shared part of a
//! [`rustls::ClientConnection`] and a [`rustls::ServerConnection`]) holds two queues: TLS
//! records waiting to be sent, and decrypted plaintext waiting to be read.
//! [`TlsStream`] is the thin loop that moves bytes between those queues and
//! a non-blocking socket, asking rustls each turn what it needs next:
//!
//! ```text
//!            plaintext                       TLS records
//!  caller  ------------> writer()  ...  write_tls() ------> socket
//!  caller  <------------ reader()  <--  process_new_packets()
//!                                         ^
//!                                         |  read_tls() <--- socket
//!
//!  each turn:  wants_write()? -> write_tls() until the queue is empty or the
//!                                socket would block (wake on writable)
//!              wants_read()?  -> read_tls() + process_new_packets() until
//!                                plaintext appears or the socket would block
//!                                (wake on readable)
//! ```
//!
//! The same code serves both sides. A client wraps a connected socket with
//! [`TlsStream::connect`], a server wraps an accepted one with
//! [`TlsStream::accept`]; both finish the handshake before returning. After
//! that, [`read`](TlsStream::read), [`write_all`](TlsStream::write_all) and
//! [`shutdown`](TlsStream::shutdown) behave like the plain socket's, and the
//! `futures-io` [`AsyncRead`](futures_io::AsyncRead) and
//! [`AsyncWrite`](futures_io::AsyncWrite) traits are implemented too.
//!
//! # Errors
//!
//! Every method returns [`io::Error`], so the stream can stand wherever a
//! socket does. When rustls itself refuses something (a certificate with an
//! unknown issuer, a name mismatch, a bad record), the error has kind
//! [`io::ErrorKind::InvalidData`] and carries the [`rustls::Error`] inside;
//! [`tls_error`] gets it back, and converting the `io::Error` into
//! [`crate::Error`] turns it into [`Error::Tls`].
//!
//! # Example: both ends on one runtime
//!
//! ```
//! use fetcher::tls::{self, TlsStream};
//! use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
//! use runtime::net::{TcpListener, TcpStream};
//!
//! // A self-signed certificate for "localhost", made on the spot.
//! let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()])?;
//! let der = CertificateDer::from(cert.cert.der().to_vec());
//! let key = PrivateKeyDer::try_from(cert.signing_key.serialize_der())?;
//! let server_config = tls::server_config(vec![der.clone()], key)?;
//! let client_config = tls::client_config(&[der])?;
//!
//! runtime::block_on(async {
//!     let listener = TcpListener::bind("127.0.0.1:0")?;
//!     let addr = listener.local_addr()?;
//!     let server = runtime::spawn(async move {
//!         let (socket, _) = listener.accept().await?;
//!         let mut tls = TlsStream::accept(socket, server_config).await?;
//!         let mut buf = [0; 5];
//!         let n = tls.read(&mut buf).await?;
//!         tls.write_all(&buf[..n]).await?;
//!         tls.shutdown().await
//!     });
//!
//!     let socket = TcpStream::connect_addr(addr).await?;
//!     let name = ServerName::try_from("localhost").expect("valid dns name");
//!     let mut tls = TlsStream::connect(socket, client_config, name).await?;
//!     tls.write_all(b"hello").await?;
//!     let mut echo = Vec::new();
//!     let mut buf = [0; 16];
//!     loop {
//!         match tls.read(&mut buf).await? {
//!             0 => break, // the server's close_notify: a clean end
//!             n => echo.extend_from_slice(&buf[..n]),
//!         }
//!     }
//!     assert_eq!(echo, b"hello");
//!     server.await.expect("server task finished")
//! })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod stream;

use std::io;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ClientConfig, RootCertStore, ServerConfig};

use crate::Error;

pub use stream::TlsStream;

/// The [`rustls::Error`] inside an error returned by a [`TlsStream`], if
/// rustls caused it.
///
/// ```
/// let error = std::io::Error::new(
///     std::io::ErrorKind::InvalidData,
///     rustls::Error::DecryptError,
/// );
/// assert_eq!(fetcher::tls::tls_error(&error), Some(&rustls::Error::DecryptError));
/// ```
pub fn tls_error(error: &io::Error) -> Option<&rustls::Error> {
    error.get_ref()?.downcast_ref::<rustls::Error>()
}

/// Wraps a rustls error for the `io::Error` world, recoverably: see
/// [`tls_error`].
pub(crate) fn into_io(error: rustls::Error) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, error)
}

/// The rustls crypto provider this crate uses: *ring*. Passed explicitly to
/// every configuration, so nothing depends on a process-wide default.
#[must_use]
pub fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A client configuration that trusts the Mozilla roots (`webpki-roots`)
/// and `extra_roots`, offers ALPN `http/1.1`, and verifies every server
/// certificate and host name.
///
/// # Errors
/// [`Error::Tls`] if an extra root is not a usable CA certificate.
pub fn client_config(extra_roots: &[CertificateDer<'static>]) -> Result<Arc<ClientConfig>, Error> {
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for root in extra_roots {
        roots.add(root.clone())?;
    }
    let mut config = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// A server configuration presenting `cert_chain` (leaf first) with `key`,
/// without client authentication, offering ALPN `http/1.1`.
///
/// # Errors
/// [`Error::Tls`] if the key does not fit the certificate or is of an
/// unsupported type.
pub fn server_config(
    cert_chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<Arc<ServerConfig>, Error> {
    let mut config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(cert_chain, key)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Every certificate in a PEM file's contents (`-----BEGIN CERTIFICATE-----`
/// sections; anything else is skipped).
///
/// # Errors
/// [`Error::Config`] if a section is malformed or there is none.
pub fn certificates_from_pem(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, Error> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Error::Config(format!("bad PEM certificate: {e}")))?;
    if certs.is_empty() {
        return Err(Error::Config("no certificate found in PEM input".into()));
    }
    Ok(certs)
}

/// The first private key (PKCS#8, PKCS#1 or SEC1) in a PEM file's contents.
///
/// # Errors
/// [`Error::Config`] if there is no key or it is malformed.
pub fn private_key_from_pem(pem: &[u8]) -> Result<PrivateKeyDer<'static>, Error> {
    PrivateKeyDer::from_pem_slice(pem)
        .map_err(|e| Error::Config(format!("bad PEM private key: {e}")))
}
