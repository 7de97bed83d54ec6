//! A listener on the simulated network: connections arrive in its backlog at the instant
//! their handshake's first segment lands, and `accept` takes them in that order.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::panic::Location;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use super::alarm::{alarm, cancel_alarm, Waiting};
use super::conn::{ConnRef, Fate};
use super::host::current_host;
use super::network::{address_of, Network};
use super::socket::SimStream;
use crate::task::parking::{self, Room, RoomSlot};
use crate::task::{note_await, AwaitPoint};

/// The connections on their way to one listener, and the task waiting for them.
pub(crate) struct Backlog {
    /// Connections, each with the instant it lands here, in that order.
    pub(super) pending: VecDeque<(Instant, ConnRef)>,
    /// The task waiting in `accept`.
    pub(super) waiter: Option<Waiting>,
    /// The line that bound the listener.
    pub(super) created_at: &'static Location<'static>,
    room: RoomSlot,
}

/// A backlog as the listener and the network share it.
pub(crate) type BacklogRef = Rc<RefCell<Backlog>>;

/// A listening socket on the simulated network.
pub(crate) struct SimListener {
    pub(crate) backlog: BacklogRef,
    pub(crate) net: Network,
    pub(crate) local: SocketAddr,
}

impl SimListener {
    /// Listens at `addr` on the host it names (the current host for `0.0.0.0` or loopback);
    /// port 0 picks a free port.
    ///
    /// # Errors
    /// `AddrNotAvailable` if `addr` is no simulated host's; `AddrInUse` if taken.
    pub(crate) fn bind(
        net: &Network,
        addr: SocketAddr,
        created_at: &'static Location<'static>,
    ) -> io::Result<SimListener> {
        let mut world = net.world.borrow_mut();
        let host = world.host_at(addr.ip(), current_host()).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::AddrNotAvailable,
                format!("cannot bind {addr}: no simulated host has that address"),
            )
        })?;
        let port = match addr.port() {
            0 => world.ephemeral_port(address_of(host)),
            port => port,
        };
        let local = SocketAddr::new(address_of(host), port);
        let backlog = Rc::new(RefCell::new(Backlog {
            pending: VecDeque::new(),
            waiter: None,
            created_at,
            room: RoomSlot::default(),
        }));
        world.listen(local, &backlog)?;
        drop(world);
        Ok(SimListener {
            backlog,
            net: net.clone(),
            local,
        })
    }

    /// The next connection that has landed, or `Pending` (with a timer for the next one on
    /// its way).
    pub(crate) fn poll_accept(&self, cx: &mut Context<'_>, point: AwaitPoint) -> Poll<SimStream> {
        let time = self.net.world.borrow().time.clone();
        let mut backlog = self.backlog.borrow_mut();
        let now = time.now();
        // A connection a partition cut before it landed never arrives.
        backlog
            .pending
            .retain(|(at, conn)| conn.borrow().delivers(*at));
        if backlog.pending.front().is_some_and(|(at, _)| *at <= now) {
            let (_, conn) = backlog.pending.pop_front().expect("checked above");
            conn.borrow_mut().seen[1] = parking::current_task();
            let done = backlog.waiter.take();
            drop(backlog);
            if let Some(done) = done {
                cancel_alarm(&time, done.alarm);
            }
            return Poll::Ready(SimStream {
                conn,
                side: 1,
                net: self.net.clone(),
            });
        }
        note_await(point);
        let next = backlog.pending.front().map(|(at, _)| *at);
        let old = backlog.waiter.replace(Waiting {
            waker: cx.waker().clone(),
            point,
            frames: parking::frames(),
            alarm: next.map(|at| alarm(&time, at, cx.waker().clone())),
        });
        backlog
            .room
            .register(|| Rc::downgrade(&self.backlog) as std::rc::Weak<dyn Room>);
        drop(backlog);
        if let Some(old) = old {
            cancel_alarm(&time, old.alarm);
        }
        Poll::Pending
    }
}

impl Backlog {
    /// A connection lands at `at`: it takes its place in arrival order (after those
    /// landing at the same instant), and the waiting acceptor gets a timer for then unless
    /// it has one for no later.
    pub(crate) fn push(this: &BacklogRef, at: Instant, conn: ConnRef) {
        let time = conn.borrow().time.clone();
        let mut backlog = this.borrow_mut();
        let place = backlog
            .pending
            .partition_point(|(landing, _)| *landing <= at);
        backlog.pending.insert(place, (at, conn));
        if let Some(waiter) = &mut backlog.waiter {
            if waiter
                .alarm
                .is_none_or(|key| !time.is_live(key) || time.deadline(key) > at)
            {
                waiter.alarm = Some(alarm(&time, at, waiter.waker.clone()));
            }
        }
    }
}

impl Drop for SimListener {
    /// Connections not accepted yet are reset.
    fn drop(&mut self) {
        let pending = std::mem::take(&mut self.backlog.borrow_mut().pending);
        let mut wakers: Vec<Waker> = Vec::new();
        for (_, conn) in &pending {
            let mut conn = conn.borrow_mut();
            conn.fate = Fate::Reset;
            wakers.extend(conn.take_waiters());
        }
        let waiter = self.backlog.borrow_mut().waiter.take();
        if let Some(waiter) = waiter {
            cancel_alarm(&self.net.world.borrow().time, waiter.alarm);
        }
        self.net.world.borrow_mut().unlisten(self.local);
        drop(pending);
        wakers.into_iter().for_each(Waker::wake);
    }
}
