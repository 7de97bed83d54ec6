//! The simulated side of `TcpStream` and `connect`: what `net/` calls when the runtime
//! runs a simulated network.

use std::io;
use std::net::{Shutdown, SocketAddr};
use std::panic::Location;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use super::alarm::{alarm, cancel_alarm, Waiting};
use super::conn::{Conn, ConnRef, Fate};
use super::host::current_host;
use super::listener::Backlog;
use super::network::{address_of, Network};
use crate::task::{note_await, parking, AwaitPoint};

/// One end of a simulated connection: side 0 connected, side 1 was accepted.
pub(crate) struct SimStream {
    pub(crate) conn: ConnRef,
    pub(crate) side: usize,
    pub(crate) net: Network,
}

impl SimStream {
    pub(crate) fn poll_read(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
        point: AwaitPoint,
    ) -> Poll<io::Result<usize>> {
        Conn::poll_read(&self.conn, self.side, cx, buf, point)
    }

    pub(crate) fn poll_write(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
        point: AwaitPoint,
    ) -> Poll<io::Result<usize>> {
        let arrive = |conn: &Conn| self.arrival(conn);
        Conn::poll_write(&self.conn, self.side, cx, buf, point, arrive)
    }

    /// When a segment this side sends now lands at the other; `None` if it is dropped.
    fn arrival(&self, conn: &Conn) -> Option<Instant> {
        let (from, to) = (conn.hosts[self.side], conn.hosts[1 - self.side]);
        self.net.world.borrow_mut().arrival(from, to)
    }

    pub(crate) fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        if matches!(how, Shutdown::Write | Shutdown::Both) {
            let arrive = self.arrival(&self.conn.borrow());
            self.conn.borrow_mut().shutdown_write(self.side, arrive);
        }
        Ok(())
    }

    pub(crate) fn local_addr(&self) -> SocketAddr {
        self.conn.borrow().addrs[self.side]
    }

    pub(crate) fn peer_addr(&self) -> SocketAddr {
        self.conn.borrow().addrs[1 - self.side]
    }
}

impl Drop for SimStream {
    /// Closing: the peer reads the end of the stream once the bytes ahead of it land.
    fn drop(&mut self) {
        let arrive = self.arrival(&self.conn.borrow());
        Conn::close(&self.conn, self.side, arrive);
    }
}

/// A connect under way on the simulated network.
pub(crate) struct SimConnect {
    conn: ConnRef,
    net: Network,
    /// The wait for the round trip's end (its timer).
    waiting: Option<Waiting>,
    /// The stream was handed out: dropping this no longer abandons the connection.
    done: bool,
}

impl SimConnect {
    /// Starts connecting from the current host to `addr`: the first segment lands at the
    /// listener (if any, and no partition drops it) after one crossing, and `connect`
    /// returns after the round trip.
    pub(crate) fn start(
        net: &Network,
        addr: SocketAddr,
        at: &'static Location<'static>,
    ) -> io::Result<SimConnect> {
        let mut world = net.world.borrow_mut();
        let from = current_host();
        let to = world.host_at(addr.ip(), from).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::HostUnreachable,
                format!("no simulated host has the address {}", addr.ip()),
            )
        })?;
        let addr = SocketAddr::new(address_of(to), addr.port());
        let local = SocketAddr::new(address_of(from), world.ephemeral_port(address_of(from)));
        let now = world.time.now();
        let there = world.arrival(from, to);
        let back = there.and_then(|_| world.arrival(to, from));
        let (fate, established) = match (there, back) {
            (Some(there), Some(back)) => {
                let listening = world.listener(addr).is_some();
                let fate = if listening { Fate::Open } else { Fate::Refused };
                (fate, there + (back - now))
            }
            _ => (Fate::Lost(now), now + std::time::Duration::from_nanos(1)),
        };
        let time = world.time.clone();
        let conn = Rc::new(std::cell::RefCell::new(Conn::new(
            [local, addr],
            [from, to],
            fate,
            established,
            at,
            time,
        )));
        world.track(&conn);
        let backlog = (fate == Fate::Open).then(|| world.listener(addr)).flatten();
        drop(world);
        if let (Some(backlog), Some(there)) = (backlog, there) {
            Backlog::push(&backlog, there, conn.clone());
        }
        Ok(SimConnect {
            conn,
            net: net.clone(),
            waiting: None,
            done: false,
        })
    }

    /// The stream once the handshake's round trip is over; the error if it was refused or
    /// reset; `Pending` until then (forever, if a partition dropped it).
    pub(crate) fn poll(
        &mut self,
        cx: &mut Context<'_>,
        point: AwaitPoint,
    ) -> Poll<io::Result<SimStream>> {
        let time = self.net.world.borrow().time.clone();
        let (fate, established, delivered) = {
            let conn = self.conn.borrow();
            (conn.fate, conn.established, conn.delivers(conn.established))
        };
        let now = time.now();
        let outcome = match fate {
            Fate::Reset => Some(Err(io::ErrorKind::ConnectionReset)),
            Fate::Refused if established <= now => Some(Err(io::ErrorKind::ConnectionRefused)),
            // Open, or cut by a partition after the handshake's round trip was over.
            Fate::Open | Fate::Lost(_) if delivered && established <= now => Some(Ok(())),
            _ => None,
        };
        if let Some(outcome) = outcome {
            if let Some(done) = self.waiting.take() {
                cancel_alarm(&time, done.alarm);
            }
            self.conn.borrow_mut().seen[0] = parking::current_task();
            self.done = true;
            return Poll::Ready(match outcome {
                Ok(()) => Ok(SimStream {
                    conn: self.conn.clone(),
                    side: 0,
                    net: self.net.clone(),
                }),
                Err(kind) => Err(io::Error::new(kind, "simulated network")),
            });
        }
        if matches!(fate, Fate::Lost(_)) && !delivered {
            // A lost handshake never completes: no timer; the waker waits in the
            // connection, where a heal (which resets it) finds it.
            Conn::park_connect(&self.conn, cx, point);
            return Poll::Pending;
        }
        note_await(point);
        let old = self.waiting.replace(Waiting {
            waker: cx.waker().clone(),
            point,
            frames: parking::frames(),
            alarm: Some(alarm(&time, established, cx.waker().clone())),
        });
        if let Some(old) = old {
            cancel_alarm(&time, old.alarm);
        }
        Poll::Pending
    }
}

impl Drop for SimConnect {
    /// An abandoned connect (its future dropped before it returned) resets the
    /// connection, so an accepting side does not wait for it forever.
    fn drop(&mut self) {
        let time = self.net.world.borrow().time.clone();
        if let Some(waiting) = self.waiting.take() {
            cancel_alarm(&time, waiting.alarm);
        }
        if self.done {
            return;
        }
        let wakers: Vec<Waker> = {
            let mut conn = self.conn.borrow_mut();
            conn.alive[0] = false;
            conn.fate = Fate::Reset;
            conn.take_waiters()
        };
        wakers.into_iter().for_each(Waker::wake);
    }
}
