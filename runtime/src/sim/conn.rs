//! One simulated TCP connection: two one-way pipes of timed segments.
//!
//! A write does not copy bytes to the peer at once: it appends a *segment* stamped with the
//! virtual instant it arrives, now plus the link's latency (never before the segment ahead
//! of it: TCP delivers in order). A read takes what has arrived by now. If nothing has, the
//! reader's waker goes to a timer at the first segment's arrival, or, with nothing in
//! flight, waits in the connection until a write sends something; so a wake on a simulated
//! socket is a timer firing, at the instant the bytes land.
//!
//! The connection is a waiting room of the stuck check (`task/parking.rs`; what the check
//! reads of it is in `room.rs`): a task parked on a read with nothing in flight can be
//! released only by the task at the other end.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::panic::Location;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use super::alarm::{alarm, cancel, cancel_alarm, Waiting};
use crate::reactor::time::TimeDriver;
use crate::task::parking::{self, Room, RoomSlot};
use crate::task::{note_await, AwaitPoint, TaskId};

/// How many bytes a pipe holds unread before a writer waits: the receive window.
pub(crate) const WINDOW: usize = 256 * 1024;

/// What became of a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fate {
    /// Carrying bytes.
    Open,
    /// A partition cut it at this instant: what landed before is still read, nothing
    /// later is delivered, and when the partition heals it is reset (as if its
    /// retransmissions had given up).
    Lost(Instant),
    /// Reset: every operation fails with `ConnectionReset`.
    Reset,
    /// No listener at the address: the connect fails with `ConnectionRefused`.
    Refused,
}

/// Bytes flowing one way.
#[derive(Default)]
pub(crate) struct Pipe {
    /// Segments in order of arrival, with the instant each lands.
    segments: VecDeque<(Instant, Vec<u8>)>,
    /// How much of the front segment has been read.
    offset: usize,
    /// Bytes written and not read yet (the window's fill).
    unread: usize,
    /// When the end of the stream arrives, once the writer shut down or was dropped.
    fin: Option<Instant>,
    /// The arrival of the last segment sent: the next one lands no earlier.
    last_arrival: Option<Instant>,
    /// The task waiting for bytes.
    pub(super) reader: Option<Waiting>,
    /// The task waiting for room in the window.
    pub(super) writer: Option<Waiting>,
}

/// A connection between two endpoints: side 0 connected, side 1 was accepted.
pub(crate) struct Conn {
    /// `pipes[s]` carries the bytes going *to* side `s`.
    pub(crate) pipes: [Pipe; 2],
    /// Each side's address.
    pub(crate) addrs: [SocketAddr; 2],
    /// Each side's host, as the network numbers them.
    pub(crate) hosts: [usize; 2],
    pub(crate) fate: Fate,
    /// Whether each side's stream is alive.
    pub(crate) alive: [bool; 2],
    /// The task that last used each side (who could release the other's waiter).
    pub(crate) seen: [Option<TaskId>; 2],
    /// When the connecting side's `connect` returns (the handshake's round trip).
    pub(crate) established: Instant,
    /// The line that called `connect`.
    pub(crate) created_at: &'static Location<'static>,
    /// The clock and the timers that deliver segments.
    pub(crate) time: Rc<TimeDriver>,
    /// This connection's registration as a waiting room.
    pub(crate) room: RoomSlot,
}

/// A connection as its endpoints and the network share it.
pub(crate) type ConnRef = Rc<RefCell<Conn>>;

impl Conn {
    /// Side `side` reads: what has arrived, the end of the stream, or `Pending` with the
    /// waker parked (and a timer set for the next arrival).
    pub(crate) fn poll_read(
        this: &ConnRef,
        side: usize,
        cx: &mut Context<'_>,
        buf: &mut [u8],
        point: AwaitPoint,
    ) -> Poll<io::Result<usize>> {
        let mut conn = this.borrow_mut();
        conn.seen[side] = parking::current_task();
        if let Some(e) = conn.failure() {
            return Poll::Ready(Err(e));
        }
        let now = conn.time.now();
        // What has landed: by now, or, on a connection a partition cut, by the cut.
        let (horizon, open) = match conn.fate {
            Fate::Lost(cut) => (cut.min(now), false),
            _ => (now, true),
        };
        let pipe = &mut conn.pipes[side];
        let mut read = 0;
        while let Some((arrive, bytes)) = pipe.segments.front() {
            if *arrive > horizon || read == buf.len() {
                break;
            }
            let n = (bytes.len() - pipe.offset).min(buf.len() - read);
            buf[read..read + n].copy_from_slice(&bytes[pipe.offset..pipe.offset + n]);
            (read, pipe.offset, pipe.unread) = (read + n, pipe.offset + n, pipe.unread - n);
            if pipe.offset == bytes.len() {
                pipe.segments.pop_front();
                pipe.offset = 0;
            }
        }
        let eof = pipe.segments.is_empty() && pipe.fin.is_some_and(|fin| fin <= horizon);
        if read > 0 || eof || buf.is_empty() {
            let done = pipe.reader.take();
            let writer = (read > 0).then(|| pipe.writer.take()).flatten();
            let time = conn.time.clone();
            drop(conn);
            cancel(&time, done);
            if let Some(writer) = writer {
                cancel_alarm(&time, writer.alarm);
                writer.waker.wake();
            }
            return Poll::Ready(Ok(read));
        }
        // Nothing yet: wait for the next arrival, or for a write.
        let next = match open {
            true => pipe.segments.front().map(|(at, _)| *at).or(pipe.fin),
            false => None,
        };
        let old = conn.park(this, side, Direction::Read, cx, point, next);
        let time = conn.time.clone();
        drop(conn);
        cancel(&time, old);
        Poll::Pending
    }

    /// Side `side` writes: the bytes that fit in the window are sent, to land at `arrive`
    /// (`None`: dropped by a partition).
    pub(crate) fn poll_write(
        this: &ConnRef,
        side: usize,
        cx: &mut Context<'_>,
        buf: &[u8],
        point: AwaitPoint,
        arrive: impl FnOnce(&Conn) -> Option<Instant>,
    ) -> Poll<io::Result<usize>> {
        let mut conn = this.borrow_mut();
        conn.seen[side] = parking::current_task();
        if let Some(e) = conn.failure() {
            return Poll::Ready(Err(e));
        }
        let peer = 1 - side;
        if conn.pipes[peer].fin.is_some() {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "the writing half was shut down",
            )));
        }
        if !conn.alive[peer] {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "the peer closed the connection",
            )));
        }
        let room = WINDOW - conn.pipes[peer].unread.min(WINDOW);
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        if room == 0 {
            let old = conn.park(this, side, Direction::Write, cx, point, None);
            let time = conn.time.clone();
            drop(conn);
            cancel(&time, old);
            return Poll::Pending;
        }
        let n = room.min(buf.len());
        let Some(at) = arrive(&conn) else {
            conn.cut(); // silently dropped: the writer cannot tell
            return Poll::Ready(Ok(n));
        };
        let pipe = &mut conn.pipes[peer];
        let at = pipe.last_arrival.map_or(at, |last| at.max(last));
        pipe.last_arrival = Some(at);
        pipe.segments.push_back((at, buf[..n].to_vec()));
        pipe.unread += n;
        conn.deliver(peer, at);
        Poll::Ready(Ok(n))
    }

    /// Side `side` will send no more: its peer reads the end of the stream once the bytes
    /// ahead of it arrive (at `arrive`; `None`: dropped by a partition).
    pub(crate) fn shutdown_write(&mut self, side: usize, arrive: Option<Instant>) {
        let peer = 1 - side;
        if self.pipes[peer].fin.is_some() {
            return;
        }
        let Some(at) = arrive else {
            self.cut();
            return;
        };
        let pipe = &mut self.pipes[peer];
        let at = pipe.last_arrival.map_or(at, |last| at.max(last));
        pipe.fin = Some(at);
        self.deliver(peer, at);
    }

    /// A new connection from `addrs[0]` on host `hosts[0]`, made by `connect` at
    /// `created_at`, established (for the connecting side) at `established`.
    pub(crate) fn new(
        addrs: [SocketAddr; 2],
        hosts: [usize; 2],
        fate: Fate,
        established: Instant,
        created_at: &'static Location<'static>,
        time: Rc<TimeDriver>,
    ) -> Conn {
        Conn {
            pipes: Default::default(),
            addrs,
            hosts,
            fate,
            alive: [true, true],
            seen: [parking::current_task(), None],
            established,
            created_at,
            time,
            room: RoomSlot::default(),
        }
    }

    /// Whether the handshake, bytes or an end of stream are on their way, not yet
    /// arrived, at `now`.
    pub(crate) fn in_flight(&self, now: Instant) -> bool {
        self.established > now
            || self.pipes.iter().any(|pipe| {
                pipe.segments.back().is_some_and(|(at, _)| *at > now)
                    || pipe.fin.is_some_and(|fin| fin > now)
            })
    }

    /// A partition cuts the connection now (if it is open): nothing sent after this
    /// instant lands.
    pub(crate) fn cut(&mut self) {
        if self.fate == Fate::Open {
            self.fate = Fate::Lost(self.time.now());
        }
    }

    /// Whether something landing at `at` is delivered.
    pub(crate) fn delivers(&self, at: Instant) -> bool {
        match self.fate {
            Fate::Open => true,
            Fate::Lost(cut) => at <= cut,
            Fate::Reset | Fate::Refused => false,
        }
    }

    /// The error every operation returns now, if any.
    fn failure(&self) -> Option<io::Error> {
        match self.fate {
            Fate::Reset => Some(io::Error::new(
                io::ErrorKind::ConnectionReset,
                "connection reset (simulated network)",
            )),
            Fate::Open | Fate::Lost(_) | Fate::Refused => None,
        }
    }

    /// Bytes (or the end) land at `at` on side `to`: its waiting reader, if any, gets a
    /// timer for then, unless it has one for no later. (A later one it had is left to
    /// fire: a spurious wake, which costs a poll and drops no waker under this borrow.)
    fn deliver(&mut self, to: usize, at: Instant) {
        let time = self.time.clone();
        if let Some(reader) = &mut self.pipes[to].reader {
            if reader
                .alarm
                .is_none_or(|key| time.deadline(key) > at || !time.is_live(key))
            {
                reader.alarm = Some(alarm(&time, at, reader.waker.clone()));
            }
        }
    }

    /// Parks `cx`'s waker as side `side`'s reader or writer, with a timer for `next`.
    /// Returns the wait it replaces, to be cancelled after the borrow.
    #[must_use]
    fn park(
        &mut self,
        this: &ConnRef,
        side: usize,
        direction: Direction,
        cx: &mut Context<'_>,
        point: AwaitPoint,
        next: Option<Instant>,
    ) -> Option<Waiting> {
        note_await(point);
        let time = self.time.clone();
        let slot = match direction {
            Direction::Read => &mut self.pipes[side].reader,
            Direction::Write => &mut self.pipes[1 - side].writer,
        };
        let old = slot.take();
        let alarm = next.map(|at| alarm(&time, at, cx.waker().clone()));
        *slot = Some(Waiting {
            waker: cx.waker().clone(),
            point,
            frames: parking::frames(),
            alarm,
        });
        self.room
            .register(|| Rc::downgrade(this) as std::rc::Weak<dyn Room>);
        old
    }

    /// Side `side`'s stream is dropped: its peer reads the end of the stream once the bytes
    /// ahead of it land (at `arrive`); its own incoming bytes and waits are void.
    pub(crate) fn close(this: &ConnRef, side: usize, arrive: Option<Instant>) {
        let mut conn = this.borrow_mut();
        conn.shutdown_write(side, arrive);
        conn.alive[side] = false;
        let stale = [
            conn.pipes[side].reader.take(),
            conn.pipes[1 - side].writer.take(),
        ];
        // The peer's writer waiting for room here: nobody will read, so its next write
        // fails (broken pipe).
        let peer_writer = conn.pipes[side].writer.take();
        let time = conn.time.clone();
        drop(conn);
        stale.into_iter().for_each(|w| cancel(&time, w));
        if let Some(writer) = peer_writer {
            cancel_alarm(&time, writer.alarm);
            writer.waker.wake();
        }
    }

    /// Parks a connect whose handshake a partition dropped, as side 0's reader: nothing
    /// but a heal (which resets the connection) or a timeout ends its wait.
    pub(crate) fn park_connect(this: &ConnRef, cx: &mut Context<'_>, point: AwaitPoint) {
        let mut conn = this.borrow_mut();
        let old = conn.park(this, 0, Direction::Read, cx, point, None);
        let time = conn.time.clone();
        drop(conn);
        cancel(&time, old);
    }

    /// Wakes every task waiting on this connection (it was reset, or the bytes it waits
    /// for will never come). Returns the wakers, to be woken after the borrow.
    pub(crate) fn take_waiters(&mut self) -> Vec<Waker> {
        let time = self.time.clone();
        let mut wakers = Vec::new();
        for pipe in &mut self.pipes {
            for waiting in [pipe.reader.take(), pipe.writer.take()]
                .into_iter()
                .flatten()
            {
                cancel_alarm(&time, waiting.alarm);
                wakers.push(waiting.waker);
            }
        }
        wakers
    }
}

/// Which way a waiter waits.
#[derive(Clone, Copy)]
enum Direction {
    Read,
    Write,
}
