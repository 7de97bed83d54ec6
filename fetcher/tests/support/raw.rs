//! A TCP server that plays scripts of exact bytes, one script per connection.
//!
//! Written with std threads and blocking sockets, so it shares nothing with
//! the runtime under test.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::Duration;

/// One thing the server does on a connection.
#[derive(Debug, Clone)]
pub enum Step {
    /// Reads one request (head, and a body if it has a `Content-Length`)
    /// and records it. If the client closes instead, the script ends.
    ReadRequest,
    /// Reads one request head (up to the empty line) and records it,
    /// leaving any body unread. If the client closes instead, the script
    /// ends.
    ReadHead,
    /// Writes these bytes.
    Send(Vec<u8>),
    /// Writes these bytes one at a time, pausing between them.
    Drip(Vec<u8>, Duration),
    /// Waits.
    Sleep(Duration),
    /// Closes the connection: the client reads a clean end of stream, as
    /// long as every byte it sent was read (else the kernel sends a reset).
    Close,
    /// Waits until the client's request has arrived, leaves it unread and
    /// closes: unread data makes the kernel send a reset (RST).
    Reset,
    /// Reads and discards until the client goes away, never answering.
    Hang,
}

/// Shorthand for [`Step::Send`].
pub fn send(bytes: impl AsRef<[u8]>) -> Step {
    Step::Send(bytes.as_ref().to_vec())
}

/// A running script server on 127.0.0.1.
#[derive(Debug)]
pub struct RawServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
}

#[derive(Debug, Default)]
struct Shared {
    /// Connections accepted so far.
    accepted: AtomicUsize,
    /// Every request read, in order, as text.
    requests: Mutex<Vec<String>>,
}

impl RawServer {
    /// Starts a server. Connection `n` plays `scripts[n]`; connections
    /// beyond the list play the last script again.
    pub fn start(scripts: Vec<Vec<Step>>) -> RawServer {
        RawServer::start_with(|_| scripts)
    }

    /// Like [`start`](Self::start), with scripts that depend on the
    /// server's own address (e.g. a redirect to itself by another name).
    pub fn start_with(scripts: impl FnOnce(SocketAddr) -> Vec<Vec<Step>>) -> RawServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let addr = listener.local_addr().expect("listener address");
        let scripts = scripts(addr);
        let shared = Arc::new(Shared::default());
        let server = RawServer {
            addr,
            shared: Arc::clone(&shared),
        };
        thread::spawn(move || {
            for socket in listener.incoming() {
                let Ok(socket) = socket else { return };
                let n = shared.accepted.fetch_add(1, Ordering::SeqCst);
                let script = scripts
                    .get(n)
                    .or(scripts.last())
                    .cloned()
                    .unwrap_or_default();
                let shared = Arc::clone(&shared);
                thread::spawn(move || {
                    // A test that failed may leave its client hanging;
                    // the server gives up after a while either way.
                    let _ = play(socket, &script, &shared);
                });
            }
        });
        server
    }

    /// One server that answers every request on every connection with
    /// `response` and keeps the connection open.
    pub fn always(response: impl AsRef<[u8]>) -> RawServer {
        let steps = (0..64)
            .flat_map(|_| [Step::ReadRequest, send(response.as_ref())])
            .collect();
        RawServer::start(vec![steps])
    }

    /// `http://127.0.0.1:PORT` followed by `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The server's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// How many connections the server has accepted.
    pub fn accepted(&self) -> usize {
        self.shared.accepted.load(Ordering::SeqCst)
    }

    /// Every request read so far, as text.
    pub fn requests(&self) -> Vec<String> {
        self.shared
            .requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// Plays `script` on one connection.
fn play(mut socket: TcpStream, script: &[Step], shared: &Shared) -> io::Result<()> {
    socket.set_read_timeout(Some(Duration::from_secs(5)))?;
    socket.set_nodelay(true)?;
    let mut pending = Vec::new();
    for step in script {
        match step {
            Step::ReadRequest => match read_request(&mut socket, &mut pending)? {
                Some(request) => record(shared, request),
                None => return Ok(()),
            },
            Step::ReadHead => match read_head(&mut socket, &mut pending)? {
                Some(head_end) => {
                    let head = String::from_utf8_lossy(&pending[..head_end]).into_owned();
                    pending.drain(..head_end);
                    record(shared, head);
                }
                None => return Ok(()),
            },
            Step::Send(bytes) => socket.write_all(bytes)?,
            Step::Drip(bytes, pause) => {
                for byte in bytes {
                    socket.write_all(&[*byte])?;
                    thread::sleep(*pause);
                }
            }
            Step::Sleep(duration) => thread::sleep(*duration),
            Step::Close => return Ok(()),
            Step::Reset => {
                let mut probe = [0; 1];
                socket.peek(&mut probe)?;
                return Ok(());
            }
            Step::Hang => {
                let mut sink = [0; 1024];
                while socket.read(&mut sink)? > 0 {}
                return Ok(());
            }
        }
    }
    Ok(())
}

/// Adds a request (or request head) to those read.
fn record(shared: &Shared, request: String) {
    shared
        .requests
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(request);
}

/// Reads until `pending` holds a whole head; where it ends. `None` if the
/// client closed first.
fn read_head(socket: &mut TcpStream, pending: &mut Vec<u8>) -> io::Result<Option<usize>> {
    let mut buf = [0; 4096];
    loop {
        if let Some(at) = pending.windows(4).position(|w| w == b"\r\n\r\n") {
            return Ok(Some(at + 4));
        }
        match socket.read(&mut buf)? {
            0 => return Ok(None),
            n => pending.extend_from_slice(&buf[..n]),
        }
    }
}

/// Reads one request: the head up to the empty line, then as many body
/// bytes as its `Content-Length` says. `None` if the client closed first.
fn read_request(socket: &mut TcpStream, pending: &mut Vec<u8>) -> io::Result<Option<String>> {
    let mut buf = [0; 4096];
    let Some(head_end) = read_head(socket, pending)? else {
        return Ok(None);
    };
    let head = String::from_utf8_lossy(&pending[..head_end]).into_owned();
    let length = head
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse::<usize>().ok())
        .unwrap_or(0);
    while pending.len() < head_end + length {
        match socket.read(&mut buf)? {
            0 => return Ok(None),
            n => pending.extend_from_slice(&buf[..n]),
        }
    }
    let request = String::from_utf8_lossy(&pending[..head_end + length]).into_owned();
    pending.drain(..head_end + length);
    Ok(Some(request))
}
