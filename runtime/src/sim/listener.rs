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

use super::conn::{cancel_alarm, ConnRef, Fate, Waiting};
use super::network::{address_of, current_host, Network};
use super::socket::SimStream;
use crate::task::parking::{self, ResourceKind, Room, RoomSlot, RoomView};
use crate::task::{note_await, AwaitPoint};

/// The connections on their way to one listener, and the task waiting for them.
pub(crate) struct Backlog {
    /// Connections, each with the instant it lands here, in that order.
    pending: VecDeque<(Instant, ConnRef)>,
    /// The task waiting in `accept`.
    waiter: Option<Waiting>,
    /// The line that bound the listener.
    created_at: &'static Location<'static>,
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
            0 => world.ephemeral_port(),
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
            alarm: next.map(|at| time.insert(at, cx.waker().clone())),
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
    /// A connection lands at `at`: the waiting acceptor gets a timer for then.
    pub(crate) fn push(this: &BacklogRef, at: Instant, conn: ConnRef) {
        let mut backlog = this.borrow_mut();
        backlog.pending.push_back((at, conn));
        let time = backlog.pending[0].1.borrow().time.clone();
        if let Some(waiter) = &mut backlog.waiter {
            if waiter.alarm.is_none_or(|key| !time.is_live(key)) {
                waiter.alarm = Some(time.insert(at, waiter.waker.clone()));
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
        drop(pending);
        wakers.into_iter().for_each(Waker::wake);
    }
}

impl Room for RefCell<Backlog> {
    fn view(&self) -> Option<RoomView> {
        let backlog = self.try_borrow().ok()?;
        let waiters = match &backlog.waiter {
            // With a connection on its way, a timer will wake it.
            Some(w) if backlog.pending.is_empty() => {
                vec![(parking::identify(&w.waker), w.point, w.frames.to_vec())]
            }
            _ => Vec::new(),
        };
        Some(RoomView {
            kind: ResourceKind::Listener,
            created_at: backlog.created_at,
            waiters,
            releasers: Vec::new(),
        })
    }
}
