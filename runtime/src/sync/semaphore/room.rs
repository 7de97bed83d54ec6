//! A semaphore's waiting room as the stuck check reads it, and the part of it an mpsc
//! channel built on the semaphore uses: the receiver's waiter and the channel's handles.

use std::cell::RefCell;
use std::panic::Location;
use std::rc::{Rc, Weak};
use std::task::Waker;

use super::{Permits, Semaphore};
use crate::task::parking::{self, Releaser, Role, Room, RoomView};
use crate::task::{AwaitPoint, TaskId};

impl Room for RefCell<Permits> {
    fn view(&self) -> Option<RoomView> {
        let permits = self.try_borrow().ok()?;
        let mut waiters: Vec<_> = (permits.waiters.iter())
            .map(|w| (parking::identify(&w.waker), w.point, w.frames.to_vec()))
            .collect();
        if let (Some(waker), Some((point, frames))) = (&permits.receiver, &permits.receiver_at) {
            waiters.push((parking::identify(waker), *point, frames.to_vec()));
        }
        let holders = permits.holders.iter().map(|&by| Releaser {
            role: Role::Permit,
            by,
            at: permits.created_at,
        });
        Some(RoomView {
            kind: permits.kind,
            created_at: permits.created_at,
            waiters,
            releasers: holders
                .chain(permits.handles.iter().map(|(_, r)| *r))
                .collect(),
        })
    }
}

impl Semaphore {
    /// Registers the room in this thread's lot, for the stuck check, once someone waits.
    pub(super) fn register_room(&self, state: &Permits) {
        state
            .room
            .register(|| Rc::downgrade(&self.inner) as Weak<dyn Room>);
    }

    /// Parks an mpsc channel's receiver, waiting for a value, in this room.
    #[inline]
    pub(crate) fn park_receiver(&self, waker: &Waker, point: AwaitPoint) {
        let mut state = self.state();
        let replaced = match &mut state.receiver {
            Some(kept) if kept.will_wake(waker) => None,
            receiver => receiver.replace(waker.clone()),
        };
        state.receiver_at = Some((point, parking::frames()));
        self.register_room(&state);
        drop(state);
        drop(replaced); // after the borrow
    }

    /// Takes the waiting receiver's waker out, to be woken or dropped. (Where it waited
    /// stays, unread, until it waits again: a send moves only the waker.)
    #[inline]
    pub(crate) fn take_receiver(&self) -> Option<Waker> {
        self.state().receiver.take()
    }

    /// Registers an mpsc channel's sender or receiver, made at `at`, for the report.
    pub(crate) fn add_handle(&self, role: Role, at: &'static Location<'static>) -> usize {
        let by = parking::current_task();
        self.state().handles.insert(Releaser { role, by, at })
    }

    /// The handle `key` is gone.
    pub(crate) fn remove_handle(&self, key: usize) {
        self.state().handles.try_remove(key);
    }

    /// The handle `key` was last seen in `task`.
    pub(crate) fn touch_handle(&self, key: usize, task: TaskId) {
        if let Some(handle) = self.state().handles.get_mut(key) {
            handle.by = Some(task);
        }
    }
}
