//! An in-memory hook: the oracle of the scheduler tests.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use super::{Event, Hook};

/// One recorded event with its timestamp.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    /// Time since the runtime was built (virtual under the virtual clock).
    pub at: Duration,
    /// What happened.
    pub event: Event,
}

/// Keeps every event of a runtime in memory, in order.
///
/// Clones share one log, so keep a clone to read it after handing one to
/// [`Builder::on_event`](crate::Builder::on_event). Reactor events (`Park`, `Unpark`) are
/// kept too; [`Recorder::lines`] leaves them out because their number depends on the
/// machine's timing, while [`Recorder::events`] returns everything.
#[derive(Clone, Debug, Default)]
pub struct Recorder {
    /// The shared log; only the runtime's thread appends to it.
    log: Rc<RefCell<Vec<Record>>>,
}

impl Recorder {
    /// An empty recorder.
    pub fn new() -> Recorder {
        Recorder::default()
    }

    /// Every record so far.
    pub fn records(&self) -> Vec<Record> {
        self.log.borrow().clone()
    }

    /// Every event so far, without timestamps.
    pub fn events(&self) -> Vec<Event> {
        self.log.borrow().iter().map(|r| r.event.clone()).collect()
    }

    /// The task-level events as text (`"poll t1"`, `"wake t1 by timer#0"`, ...), leaving out
    /// the reactor's `Park` and `Unpark`, whose count depends on timing.
    pub fn lines(&self) -> Vec<String> {
        self.log
            .borrow()
            .iter()
            .filter(|r| !matches!(r.event, Event::Park { .. } | Event::Unpark { .. }))
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
        self.log.borrow_mut().push(Record {
            at,
            event: event.clone(),
        });
    }
}
