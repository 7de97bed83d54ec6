//! The futures of [`TcpStream::connect`], [`connect_first`](TcpStream::connect_first) and
//! [`connect_addr`](TcpStream::connect_addr).
//!
//! They are named structs rather than `async fn`s so that each remembers the line that
//! created it (`#[track_caller]` has no effect on an `async fn`): a task waiting on one shows
//! `pending on connect (src/x.rs:12)`, or, while a host name is looked up,
//! `pending on blocking job (src/x.rs:12)`.

use std::fmt;
use std::future::Future;
use std::io;
use std::mem;
use std::net::SocketAddr;
use std::panic::Location;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::vec;

use mio::Interest;

use super::resolve::{lookup_result, named, resolve, Resolution};
use super::source::IoSource;
use super::TcpStream;
use crate::executor::JoinHandle;
use crate::reactor::Direction;
use crate::sim::SimConnect;
use crate::task::{Await, AwaitPoint};

/// The future returned by [`TcpStream::connect_addr`]: one address's connection.
#[must_use = "futures do nothing unless you `.await` them"]
pub struct ConnectAddr {
    attempt: Attempt,
    /// The line that called `connect_addr`, for the trace's `pending on connect (…)`.
    created_at: &'static Location<'static>,
}

/// The future returned by [`TcpStream::connect_first`]: each address in turn, until one
/// connects.
#[must_use = "futures do nothing unless you `.await` them"]
pub struct ConnectFirst<I> {
    candidates: Candidates<I>,
    /// The line that called `connect_first`.
    created_at: &'static Location<'static>,
}

/// The future returned by [`TcpStream::connect`]: resolve `host:port`, then connect to
/// each address in turn.
#[must_use = "futures do nothing unless you `.await` them"]
pub struct Connect<'a> {
    /// The address as given, for the error messages.
    addr: &'a str,
    stage: Stage,
    /// The line that called `connect`; also the spawn line of the host name's lookup.
    created_at: &'static Location<'static>,
}

/// Where a [`Connect`] is.
enum Stage {
    /// Not polled yet: the first poll starts resolving (inside the runtime).
    Start,
    /// A host name is being looked up on the blocking pool.
    Resolving(JoinHandle<io::Result<Vec<SocketAddr>>>),
    /// Trying the addresses found.
    Connecting(Candidates<vec::IntoIter<SocketAddr>>),
}

impl ConnectAddr {
    pub(super) fn new(addr: SocketAddr, created_at: &'static Location<'static>) -> ConnectAddr {
        ConnectAddr {
            attempt: Attempt::Start(addr),
            created_at,
        }
    }
}

impl<I: Iterator<Item = SocketAddr>> ConnectFirst<I> {
    pub(super) fn new(addrs: I, created_at: &'static Location<'static>) -> ConnectFirst<I> {
        ConnectFirst {
            candidates: Candidates::new(addrs),
            created_at,
        }
    }
}

impl<'a> Connect<'a> {
    pub(super) fn new(addr: &'a str, created_at: &'static Location<'static>) -> Connect<'a> {
        Connect {
            addr,
            stage: Stage::Start,
            created_at,
        }
    }
}

impl Future for ConnectAddr {
    type Output = io::Result<TcpStream>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        this.attempt.poll(cx, this.created_at)
    }
}

// The addresses are never pinned: the iterator is only called, never polled.
impl<I> Unpin for ConnectFirst<I> {}

impl<I: Iterator<Item = SocketAddr>> Future for ConnectFirst<I> {
    type Output = io::Result<TcpStream>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        this.candidates.poll(cx, this.created_at)
    }
}

impl Future for Connect<'_> {
    type Output = io::Result<TcpStream>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        loop {
            let addrs = match &mut this.stage {
                Stage::Start => match resolve(this.addr, this.created_at) {
                    Resolution::Known(addrs) => addrs.map_err(|e| named(this.addr, e))?,
                    Resolution::Lookup(lookup) => {
                        this.stage = Stage::Resolving(lookup);
                        continue;
                    }
                },
                // The handle notes `blocking job` at our line while the lookup runs.
                Stage::Resolving(lookup) => {
                    let found = lookup_result(ready!(Pin::new(lookup).poll(cx)));
                    found.map_err(|e| named(this.addr, e))?
                }
                Stage::Connecting(candidates) => {
                    let addr = this.addr;
                    return candidates.poll(cx, this.created_at).map_err(|e| {
                        io::Error::new(e.kind(), format!("cannot connect to {addr}: {e}"))
                    });
                }
            };
            this.stage = Stage::Connecting(Candidates::new(addrs.into_iter()));
        }
    }
}

/// Addresses to try in order, and the attempt under way.
struct Candidates<I> {
    addrs: I,
    /// The attempt under way; `Done` between two.
    attempt: Attempt,
    /// The error of the last address that failed.
    last: Option<io::Error>,
}

impl<I: Iterator<Item = SocketAddr>> Candidates<I> {
    fn new(addrs: I) -> Candidates<I> {
        Candidates {
            addrs,
            attempt: Attempt::Done,
            last: None,
        }
    }

    /// The first address that connects, or the last error (`InvalidInput` if there was no
    /// address at all).
    fn poll(
        &mut self,
        cx: &mut Context<'_>,
        at: &'static Location<'static>,
    ) -> Poll<io::Result<TcpStream>> {
        loop {
            if let Attempt::Done = self.attempt {
                let Some(addr) = self.addrs.next() else {
                    let none =
                        || io::Error::new(io::ErrorKind::InvalidInput, "no address to connect to");
                    return Poll::Ready(Err(self.last.take().unwrap_or_else(none)));
                };
                self.attempt = Attempt::Start(addr);
            }
            match ready!(self.attempt.poll(cx, at)) {
                Ok(stream) => return Poll::Ready(Ok(stream)),
                Err(e) => self.last = Some(e),
            }
        }
    }
}

/// One address's connection attempt.
enum Attempt {
    /// Not started: the first poll opens the socket (inside the runtime).
    Start(SocketAddr),
    /// The non-blocking connect is under way; it ends when the socket becomes writable.
    Waiting(IoSource<mio::net::TcpStream>),
    /// A connect on the simulated network, under way.
    Simulated(SimConnect),
    /// Finished (the stream or the error was returned), or not begun.
    Done,
}

impl Attempt {
    /// Polls the connection; `at` is the line named while it waits.
    fn poll(
        &mut self,
        cx: &mut Context<'_>,
        at: &'static Location<'static>,
    ) -> Poll<io::Result<TcpStream>> {
        let op = AwaitPoint {
            what: Await::Connect,
            at,
        };
        if let Attempt::Start(addr) = *self {
            *self = Attempt::Done;
            if let Some(network) = crate::sim::try_network() {
                *self = Attempt::Simulated(SimConnect::start(&network, addr, at)?);
            } else {
                let stream = mio::net::TcpStream::connect(addr)?;
                let source = IoSource::new(stream, Interest::READABLE | Interest::WRITABLE)?;
                *self = Attempt::Waiting(source);
            }
        }
        if let Attempt::Simulated(connect) = self {
            let connected = ready!(connect.poll(cx, op));
            *self = Attempt::Done;
            return Poll::Ready(connected.map(TcpStream::from_sim));
        }
        let Attempt::Waiting(source) = self else {
            panic!("a connect future was polled after it finished");
        };
        let connected = loop {
            if let Err(e) = ready!(source.poll_ready(cx, op)) {
                break Err(e);
            }
            match source.get_ref().take_error() {
                Ok(None) => {}
                Ok(Some(e)) | Err(e) => break Err(e),
            }
            let peer = source.get_ref().peer_addr();
            match peer {
                Ok(_) => break Ok(()),
                // Not connected yet: the writable event was spurious; wait again.
                Err(e) if e.kind() == io::ErrorKind::NotConnected => {
                    source.clear_ready(Direction::Write)
                }
                Err(e) => break Err(e),
            }
        };
        let Attempt::Waiting(source) = mem::replace(self, Attempt::Done) else {
            unreachable!("the attempt was waiting above");
        };
        // On an error the socket is dropped here, closing it.
        Poll::Ready(connected.map(|()| TcpStream::from_source(source)))
    }
}

impl fmt::Debug for ConnectAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectAddr")
            .field("attempt", &self.attempt)
            .finish()
    }
}

impl<I> fmt::Debug for ConnectFirst<I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectFirst")
            .field("attempt", &self.candidates.attempt)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for Connect<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let stage = match &self.stage {
            Stage::Start => "start",
            Stage::Resolving(_) => "resolving",
            Stage::Connecting(_) => "connecting",
        };
        f.debug_struct("Connect")
            .field("addr", &self.addr)
            .field("stage", &stage)
            .finish()
    }
}

impl fmt::Debug for Attempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Attempt::Start(addr) => write!(f, "Start({addr})"),
            Attempt::Waiting(source) => write!(f, "Waiting(token {})", source.token().0),
            Attempt::Simulated(_) => f.write_str("Simulated"),
            Attempt::Done => f.write_str("Done"),
        }
    }
}
