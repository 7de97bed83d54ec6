//! TLS for the tests: a certificate authority made at test time, and an
//! HTTPS server that runs on its own thread and runtime, on
//! `fetcher::tls::TlsStream` (the server side of the same driver the
//! client uses).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;

use fetcher::tls::{self, TlsStream};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};
use runtime::net::TcpListener;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::ServerConfig;

/// A private certificate authority, generated fresh for each test run.
pub struct TestPki {
    ca: CertifiedIssuer<'static, KeyPair>,
}

impl TestPki {
    /// A new CA called "tinyloop test CA".
    pub fn new() -> TestPki {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "tinyloop test CA");
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let key = KeyPair::generate().expect("CA key");
        let ca = CertifiedIssuer::self_signed(params, key).expect("self-signed CA");
        TestPki { ca }
    }

    /// The CA certificate in PEM, as a client's extra root.
    pub fn ca_pem(&self) -> String {
        self.ca.pem()
    }

    /// The CA certificate in DER.
    pub fn ca_der(&self) -> Vec<u8> {
        self.ca.der().to_vec()
    }

    /// A server configuration with a leaf certificate for `names` (DNS
    /// names or IP addresses) signed by this CA.
    pub fn server_config(&self, names: &[&str]) -> Arc<ServerConfig> {
        let params = CertificateParams::new(to_strings(names)).expect("leaf params");
        self.config_for(params)
    }

    /// Like [`server_config`](Self::server_config), with a certificate
    /// that expired in 2001.
    pub fn expired_server_config(&self, names: &[&str]) -> Arc<ServerConfig> {
        let mut params = CertificateParams::new(to_strings(names)).expect("leaf params");
        params.not_before = rcgen::date_time_ymd(2000, 1, 1);
        params.not_after = rcgen::date_time_ymd(2001, 1, 1);
        self.config_for(params)
    }

    fn config_for(&self, mut params: CertificateParams) -> Arc<ServerConfig> {
        params
            .distinguished_name
            .push(DnType::CommonName, "tinyloop test server");
        let key = KeyPair::generate().expect("leaf key");
        let cert = params.signed_by(&key, &self.ca).expect("sign the leaf");
        let chain = vec![CertificateDer::from(cert.der().to_vec())];
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        tls::server_config(chain, key).expect("server config")
    }
}

fn to_strings(names: &[&str]) -> Vec<String> {
    names.iter().map(|name| (*name).to_owned()).collect()
}

/// What the HTTPS server answers to a request, given the request head.
pub type Respond = dyn Fn(&str) -> Vec<u8> + Send + Sync;

/// An HTTPS server on 127.0.0.1, answering each request on a connection
/// (kept alive) with what `respond` returns.
#[derive(Debug)]
pub struct HttpsServer {
    addr: SocketAddr,
    accepted: Arc<AtomicUsize>,
}

impl HttpsServer {
    /// Starts the server on its own thread and runtime.
    pub fn start(config: Arc<ServerConfig>, respond: Arc<Respond>) -> HttpsServer {
        HttpsServer::start_serving(config, respond, Serve::KeepAlive)
    }

    /// A server that answers the first request head on each connection
    /// with `response` at once, without reading any body, then ends the
    /// session and closes the socket, whatever the client still sends.
    pub fn answer_and_close(config: Arc<ServerConfig>, response: &'static str) -> HttpsServer {
        let respond = Arc::new(move |_: &str| response.as_bytes().to_vec());
        HttpsServer::start_serving(config, respond, Serve::AnswerAndClose)
    }

    fn start_serving(config: Arc<ServerConfig>, respond: Arc<Respond>, mode: Serve) -> HttpsServer {
        let accepted = Arc::new(AtomicUsize::new(0));
        let count = Arc::clone(&accepted);
        let (addr_tx, addr_rx) = mpsc::channel();
        thread::spawn(move || {
            runtime::block_on(async move {
                let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
                addr_tx
                    .send(listener.local_addr().expect("listener address"))
                    .expect("the test waits for the address");
                while let Ok((socket, _)) = listener.accept().await {
                    count.fetch_add(1, Ordering::SeqCst);
                    let config = Arc::clone(&config);
                    let respond = Arc::clone(&respond);
                    // A failed handshake or a vanished client ends only
                    // that connection's task.
                    let _detached = runtime::spawn(async move {
                        let _ = serve(socket, config, &*respond, mode).await;
                    });
                }
            });
        });
        let addr = addr_rx.recv().expect("the server thread sends its address");
        HttpsServer { addr, accepted }
    }

    /// A server whose every response is `200 OK` with body `body`.
    pub fn ok(config: Arc<ServerConfig>, body: &'static str) -> HttpsServer {
        let response = format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        HttpsServer::start(config, Arc::new(move |_| response.clone().into_bytes()))
    }

    /// `https://HOST:PORT` followed by `path`.
    pub fn url(&self, host: &str, path: &str) -> String {
        format!("https://{host}:{}{path}", self.addr.port())
    }

    /// How many TCP connections the server has accepted.
    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

/// How the server treats a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Serve {
    /// Answers request heads in order until the client goes away.
    KeepAlive,
    /// Answers the first head, then closes.
    AnswerAndClose,
}

/// Serves one connection: handshake, then request heads answered in order
/// until the client goes away (or, with [`Serve::AnswerAndClose`], the
/// first one answered). Request bodies are not expected: bytes after a
/// head are searched for the next head, and discarded while none is found.
async fn serve(
    socket: runtime::net::TcpStream,
    config: Arc<ServerConfig>,
    respond: &Respond,
    mode: Serve,
) -> std::io::Result<()> {
    let mut tls = TlsStream::accept(socket, config).await?;
    let mut pending = Vec::new();
    let mut buf = [0; 4096];
    loop {
        while let Some(end) = pending.windows(4).position(|w| w == b"\r\n\r\n") {
            let head: Vec<u8> = pending.drain(..end + 4).collect();
            let response = respond(&String::from_utf8_lossy(&head));
            tls.write_all(&response).await?;
            if mode == Serve::AnswerAndClose {
                return tls.shutdown().await;
            }
        }
        // Searched in full and no head in it: keep only what may begin
        // one, so an unexpected body is neither kept nor searched again.
        pending.drain(..pending.len().saturating_sub(3));
        match tls.read(&mut buf).await {
            Ok(0) | Err(_) => return tls.shutdown().await,
            Ok(n) => pending.extend_from_slice(&buf[..n]),
        }
    }
}
