//! The timers the simulated network sets: a waiter's, at the instant its bytes (or its
//! connection) land. Each is noted for the runtime's trace when the runtime is traced, so
//! a step-by-step view lists it like a `sleep`'s.

use std::task::Waker;
use std::time::{Duration, Instant};

use crate::reactor::time::{timer_id, TimeDriver, TimerKey};
use crate::task::parking::Frame;
use crate::task::AwaitPoint;

/// A task waiting on a pipe: its waker (also given to a timer when bytes are in flight),
/// where it waits, and the timer.
pub(crate) struct Waiting {
    pub(crate) waker: Waker,
    pub(crate) point: AwaitPoint,
    pub(crate) frames: Box<[Frame]>,
    pub(crate) alarm: Option<TimerKey>,
}

/// Cancels a finished wait's timer; its waker is dropped here (call it with no borrow).
pub(crate) fn cancel(time: &TimeDriver, waiting: Option<Waiting>) {
    if let Some(waiting) = waiting {
        cancel_alarm(time, waiting.alarm);
    }
}

/// Cancels a timer, if there is one.
pub(crate) fn cancel_alarm(time: &TimeDriver, alarm: Option<TimerKey>) {
    if let Some(key) = alarm {
        if time.is_live(key) {
            note(AlarmNote::Cancelled {
                timer: timer_id(key),
            });
        }
        time.remove(key);
    }
}

/// Arms a timer that wakes `waker` at `at`, noted for the runtime's trace.
pub(crate) fn alarm(time: &TimeDriver, at: Instant, waker: Waker) -> TimerKey {
    let key = time.insert(at, waker);
    note(AlarmNote::Armed {
        timer: timer_id(key),
        deadline: Duration::from_nanos(key.0),
    });
    key
}

/// Keeps `alarm` for the runtime's trace, if it is traced (and the network is not in use
/// right now: then the note is dropped rather than waited for).
fn note(alarm: AlarmNote) {
    let Some(network) = super::try_network() else {
        return;
    };
    let Ok(mut world) = network.world.try_borrow_mut() else {
        return;
    };
    if let Some(notes) = &mut world.alarm_notes {
        notes.push(alarm);
    }
}

/// A timer the network armed (to land a segment, a connection) or cancelled: the runtime
/// records it in its trace as if a `sleep` had, so a step-by-step view lists it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AlarmNote {
    Armed { timer: u64, deadline: Duration },
    Cancelled { timer: u64 },
}
