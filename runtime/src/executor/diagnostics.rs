//! The lost-waker lint: an entry that nothing can wake. (A runtime in which nothing can
//! wake anything is the wait-for graph's: `wait_graph.rs`.) And the first task that
//! panicked, which `testing::explore` fails a schedule on even when nobody awaits it.

use std::io::{self, Write};
use std::sync::Arc;

use super::cell::Wakeable;
use super::core::Core;
use crate::task::{JoinError, TaskId};
use crate::trace::Event;

impl Core {
    /// The exact lost-waker lint: after a `Pending` poll that queued nothing, if no
    /// reference to the entry is a waker, nothing can ever wake it. The event is always
    /// emitted; with `print`, a warning also goes to stderr.
    pub(crate) fn check_lost_waker<W: Wakeable>(&self, entry: &Arc<W>, print: bool) {
        if entry.live_wakers(Arc::strong_count(entry)) > 0 {
            return;
        }
        let (task, poll) = (entry.header().id, entry.stats().polls());
        self.trace().emit(|| Event::LostWaker { task, poll });
        if print {
            let who = match self.task_name(task) {
                Some(name) => format!("{task} \"{name}\""),
                None => task.to_string(),
            };
            let at = entry.spawned_at().map(|at| format!(" (spawned at {at})"));
            let _ = writeln!(
                io::stderr(),
                "tinyloop: lost waker: {who} returned Pending on poll {poll} and no waker for it \
                 is alive, so nothing can wake it again{}",
                at.unwrap_or_default()
            );
        }
    }

    /// Remembers task `id`'s panic if it is the first since the last
    /// [`take_first_panic`](Core::take_first_panic).
    pub(crate) fn note_panic(&self, id: TaskId, error: &JoinError) {
        let mut first = self.first_panic.borrow_mut();
        if let (None, JoinError::Panicked { message }) = (&*first, error) {
            *first = Some((id, message.clone()));
        }
    }

    /// The first task that panicked, and its message, since the last call.
    pub(crate) fn take_first_panic(&self) -> Option<(TaskId, String)> {
        self.first_panic.borrow_mut().take()
    }
}
