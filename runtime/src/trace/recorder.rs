//! An in-memory hook: the oracle of the scheduler tests.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use super::{Event, EventKind, Hook};

/// One recorded event with its timestamp.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    /// Time since the runtime was built (virtual under the virtual clock).
    pub at: Duration,
    /// What happened.
    pub event: Event,
}

/// Keeps the events of a runtime in memory, in order.
///
/// Clones share one log, so keep a clone to read it after handing one to
/// [`Builder::on_event`](crate::Builder::on_event). [`Recorder::new`] keeps the task-level
/// events ([`EventKind::is_task_level`]); [`Recorder::all`] keeps everything, down to each
/// combinator child's wakes and each span, and [`Recorder::only`] the kinds a test names.
/// Reactor events (`Park`, `Unpark`) are kept when selected; [`Recorder::lines`] leaves them
/// out because their number depends on the machine's timing, while [`Recorder::events`]
/// returns everything kept.
#[derive(Clone, Debug)]
pub struct Recorder {
    /// The shared log; only the runtime's thread appends to it.
    log: Rc<RefCell<Vec<Record>>>,
    /// The kinds this recorder keeps, one bit per kind (`1 << kind as u32`); others are
    /// ignored.
    kinds: u32,
}

impl Default for Recorder {
    fn default() -> Recorder {
        Recorder::selecting(|kind| kind.is_task_level())
    }
}

impl Recorder {
    /// An empty recorder of the task-level events ([`EventKind::is_task_level`]).
    pub fn new() -> Recorder {
        Recorder::default()
    }

    /// An empty recorder of every event.
    pub fn all() -> Recorder {
        Recorder::only(EventKind::ALL)
    }

    /// An empty recorder of the events of these kinds.
    pub fn only(kinds: &[EventKind]) -> Recorder {
        Recorder::selecting(|kind| kinds.contains(&kind))
    }

    /// An empty recorder of the kinds `keep` says yes to.
    fn selecting(keep: impl Fn(EventKind) -> bool) -> Recorder {
        let kinds = EventKind::ALL.iter().filter(|kind| keep(**kind));
        Recorder {
            log: Rc::default(),
            kinds: kinds.fold(0, |bits, kind| bits | 1 << *kind as u32),
        }
    }

    /// Every record so far.
    pub fn records(&self) -> Vec<Record> {
        self.log.borrow().clone()
    }

    /// Every event so far, without timestamps.
    pub fn events(&self) -> Vec<Event> {
        self.log.borrow().iter().map(|r| r.event.clone()).collect()
    }

    /// The events kept as text (`"poll t1"`, `"wake t1 by timer#0"`, ...), leaving out
    /// the reactor's `Park` and `Unpark`, whose count depends on timing, and the drivers'
    /// bookkeeping (`TimerArmed`, `TimerCancelled`, `Interest`, `Deregistered`), which
    /// [`events`](Recorder::events) returns.
    pub fn lines(&self) -> Vec<String> {
        self.log
            .borrow()
            .iter()
            .filter(|r| !matches!(r.event, Event::Park { .. } | Event::Unpark { .. }))
            .filter(|r| !r.event.is_bookkeeping())
            .map(|r| r.event.to_string())
            .collect()
    }

    /// Forgets everything recorded so far.
    pub fn clear(&self) {
        self.log.borrow_mut().clear();
    }
}

impl Hook for Recorder {
    fn on_event(&self, at: Duration, event: &Event) {
        if self.kinds & 1 << event.kind() as u32 == 0 {
            return;
        }
        self.log.borrow_mut().push(Record {
            at,
            event: event.clone(),
        });
    }
}
