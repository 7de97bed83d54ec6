//! The HTTPS server every client in the `http` shape talks to: keep-alive HTTP/1.1 over
//! TLS on 127.0.0.1, answering every GET with the same SWAPI person as JSON.
//!
//! It runs on its own thread with its own tinyloop runtime and `fetcher::tls::TlsStream`
//! (the server side of the client's own TLS driver), one task per connection. The client
//! under test runs on the benchmark's main thread, so on a two-core machine each side has a
//! core.

use std::net::SocketAddr;
use std::sync::{mpsc, Arc};
use std::thread;

use fetcher::tls::{self, TlsStream};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use runtime::net::{TcpListener, TcpStream};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::ServerConfig;

/// The body of every response: SWAPI's answer for `people/1/`.
pub const BODY: &str = r#"{"name":"Luke Skywalker","height":"172","mass":"77","hair_color":"blond","skin_color":"fair","eye_color":"blue","birth_year":"19BBY","gender":"male","homeworld":"https://swapi.dev/api/planets/1/","films":["https://swapi.dev/api/films/1/","https://swapi.dev/api/films/2/","https://swapi.dev/api/films/3/","https://swapi.dev/api/films/6/"],"species":[],"vehicles":["https://swapi.dev/api/vehicles/14/","https://swapi.dev/api/vehicles/30/"],"starships":["https://swapi.dev/api/starships/12/","https://swapi.dev/api/starships/22/"],"created":"2014-12-09T13:50:51.644000Z","edited":"2014-12-20T21:17:56.891000Z","url":"https://swapi.dev/api/people/1/"}"#;

/// A running server and the CA its certificate chains to.
pub struct Server {
    pub addr: SocketAddr,
    /// The test CA, PEM: what the clients must trust.
    pub ca_pem: String,
}

impl Server {
    /// `https://127.0.0.1:PORT/api/people/1/`.
    pub fn url(&self) -> String {
        format!("https://{}/api/people/1/", self.addr)
    }
}

/// Makes a CA and a certificate for 127.0.0.1, and starts the server thread.
pub fn start() -> Server {
    let (config, ca_pem) = pki();
    let (addr_tx, addr_rx) = mpsc::channel();
    thread::Builder::new()
        .name("https-server".into())
        .spawn(move || serve(config, addr_tx))
        .expect("cannot start the server thread");
    let addr = addr_rx.recv().expect("the server thread sends its address");
    Server { addr, ca_pem }
}

/// A fresh CA, and a server configuration whose certificate it signed.
fn pki() -> (Arc<ServerConfig>, String) {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "tinyloop bench CA");
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().expect("CA key"))
        .expect("CA certificate");
    let leaf_key = KeyPair::generate().expect("leaf key");
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
        .expect("leaf params")
        .signed_by(&leaf_key, &ca)
        .expect("leaf certificate");
    let chain = vec![CertificateDer::from(leaf.der().to_vec())];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    let config = tls::server_config(chain, key).expect("server config");
    (config, ca.pem())
}

/// The server thread: accept forever, one task per connection.
fn serve(config: Arc<ServerConfig>, addr_tx: mpsc::Sender<SocketAddr>) {
    let rt = runtime::Runtime::new().expect("cannot build the server's runtime");
    rt.block_on(async move {
        let listener = TcpListener::bind("127.0.0.1:0").expect("cannot bind the server");
        let _ = addr_tx.send(listener.local_addr().expect("server address"));
        let response = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{BODY}",
            BODY.len()
        );
        let response: Arc<[u8]> = Arc::from(response.into_bytes());
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                continue;
            };
            let (config, response) = (Arc::clone(&config), Arc::clone(&response));
            // A client that goes away (or fails its handshake) ends only its own task.
            drop(runtime::spawn(async move {
                let _ = connection(socket, config, &response).await;
            }));
        }
    });
}

/// One connection: handshake, then answer each request head until the client leaves.
async fn connection(
    socket: TcpStream,
    config: Arc<ServerConfig>,
    response: &[u8],
) -> std::io::Result<()> {
    socket.set_nodelay(true)?;
    let mut tls = TlsStream::accept(socket, config).await?;
    let mut pending: Vec<u8> = Vec::with_capacity(4096);
    let mut buf = vec![0; 16 * 1024];
    loop {
        let n = tls.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        pending.extend_from_slice(&buf[..n]);
        // Every complete request head gets an answer; the clients send no bodies.
        let mut answered = 0;
        let mut searched = 0;
        while let Some(at) = find_head_end(&pending[searched..]) {
            searched += at;
            answered += 1;
        }
        if answered > 0 {
            pending.drain(..searched);
            let mut out = Vec::with_capacity(response.len() * answered);
            for _ in 0..answered {
                out.extend_from_slice(response);
            }
            tls.write_all(&out).await?;
        }
    }
}

/// The length of the first request head in `bytes`, up to and including its empty line.
fn find_head_end(bytes: &[u8]) -> Option<usize> {
    bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|at| at + 4)
}
