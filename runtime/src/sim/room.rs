//! What the stuck check reads of the simulated network: a connection or a listener is a
//! waiting room (`task/parking.rs`). A task parked on a read with nothing in flight, or on
//! an accept with no connection on its way, can be released only by a task: the other end.

use std::cell::RefCell;

use super::conn::Conn;
use super::listener::Backlog;
use crate::task::parking::{self, Releaser, ResourceKind, Role, Room, RoomView};

impl Room for RefCell<Conn> {
    fn view(&self) -> Option<RoomView> {
        let conn = self.try_borrow().ok()?;
        let mut waiters = Vec::new();
        let mut releasers = Vec::new();
        for side in 0..2 {
            // Side `side`'s reader waits in pipes[side]; its writer waits in the peer's.
            let waits = [&conn.pipes[side].reader, &conn.pipes[1 - side].writer];
            let mut waits = waits.into_iter().flatten().peekable();
            // Only the other end can release it: by sending, reading or closing.
            let peer = 1 - side;
            if waits.peek().is_some() && conn.alive[peer] {
                releasers.push(Releaser {
                    role: Role::Peer,
                    by: conn.seen[peer],
                    at: conn.created_at,
                });
            }
            for waiting in waits {
                if waiting.alarm.is_some_and(|key| conn.time.is_live(key)) {
                    continue; // a timer will wake it
                }
                waiters.push((
                    parking::identify(&waiting.waker),
                    waiting.point,
                    waiting.frames.to_vec(),
                ));
            }
        }
        Some(RoomView {
            kind: ResourceKind::Connection,
            created_at: conn.created_at,
            waiters,
            releasers,
        })
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
