//! Where the runtime hands its events to the hooks: the few named points of the core call
//! [`Tracer::emit`], and nothing else in the core knows about tracing.

use std::cell::Cell;
use std::io::{self, Write};
use std::rc::Rc;

use super::{ChildId, Event, Hook, WakeCause};
use crate::reactor::time::TimeDriver;
use crate::task::contain;
use crate::task::TaskId;

/// The hooks of one runtime and the cause of the wakes happening now.
pub(crate) struct Tracer {
    /// Receivers of every event, each with whether it still gets them (a hook that
    /// panicked gets no more). Empty means tracing is off: one branch per event.
    hooks: Box<[HookSlot]>,
    /// Who would be the cause of a wake happening now: the entry being polled, the reactor
    /// delivering readiness, a timer firing, or the runtime itself.
    cause: Cell<WakeCause>,
    /// The combinator child being polled now (the innermost, when combinators nest).
    child: Cell<Option<ChildId>>,
    /// The last combinator number handed out ([`ChildId::group`]); 0 before the first.
    groups: Cell<u32>,
    /// The last span number handed out; 0 before the first.
    spans: Cell<u64>,
    /// Stamps each event with the time since the runtime was built.
    time: Rc<TimeDriver>,
}

struct HookSlot {
    hook: Rc<dyn Hook>,
    /// False once the hook panicked.
    alive: Cell<bool>,
}

impl Tracer {
    pub(crate) fn new(hooks: Vec<Rc<dyn Hook>>, time: Rc<TimeDriver>) -> Tracer {
        let slot = |hook| HookSlot {
            hook,
            alive: Cell::new(true),
        };
        Tracer {
            hooks: hooks.into_iter().map(slot).collect(),
            cause: Cell::new(WakeCause::Runtime),
            child: Cell::new(None),
            groups: Cell::new(0),
            spans: Cell::new(0),
            time,
        }
    }

    /// Whether any hook is attached. When not, nothing is recorded and events are not even
    /// built.
    #[inline]
    pub(crate) fn is_on(&self) -> bool {
        !self.hooks.is_empty()
    }

    /// Passes an event to every hook. `event` runs only when a hook is attached.
    #[inline]
    pub(crate) fn emit(&self, event: impl FnOnce() -> Event) {
        if !self.hooks.is_empty() {
            self.emit_slow(event());
        }
    }

    /// A hook that panics is caught and detached: the runtime's bookkeeping around the
    /// event (a task's state, a queue) must not be left half done.
    #[cold]
    fn emit_slow(&self, event: Event) {
        let at = self.time.elapsed();
        for slot in self.hooks.iter().filter(|slot| slot.alive.get()) {
            if contain(|| slot.hook.on_event(at, &event)) {
                slot.alive.set(false);
                let _ = writeln!(
                    io::stderr(),
                    "tinyloop: a trace hook panicked on `{event}`; it gets no more events"
                );
            }
        }
    }

    /// Runs `f` with `cause` recorded as the cause of any wake it performs. Only events
    /// read the cause, so without a hook nothing is recorded.
    #[inline]
    pub(crate) fn with_cause<R>(&self, cause: WakeCause, f: impl FnOnce() -> R) -> R {
        if self.hooks.is_empty() {
            return f();
        }
        let previous = self.cause.replace(cause);
        let result = f();
        self.cause.set(previous);
        result
    }

    /// The cause of a wake happening now.
    pub(crate) fn cause(&self) -> WakeCause {
        self.cause.get()
    }

    /// The task and combinator child being polled now, if a task is being polled.
    pub(crate) fn context(&self) -> Option<(TaskId, Option<ChildId>)> {
        match self.cause() {
            WakeCause::Task(task) => Some((task, self.child.get())),
            _ => None,
        }
    }

    /// Runs `f` as the poll of `child`: spans and nested combinators inside it belong to it.
    pub(crate) fn with_child<R>(&self, child: ChildId, f: impl FnOnce() -> R) -> R {
        let outer = self.child.replace(Some(child));
        let result = f();
        self.child.set(outer);
        result
    }

    /// A number for a combinator first polled now.
    pub(crate) fn next_group(&self) -> u32 {
        self.groups.set(self.groups.get() + 1);
        self.groups.get()
    }

    /// A number for a span that starts now.
    pub(crate) fn next_span(&self) -> u64 {
        self.spans.set(self.spans.get() + 1);
        self.spans.get()
    }

    /// The runtime is dropped: every hook may print its summary or write its file.
    pub(crate) fn finish(&self) {
        for slot in self.hooks.iter().filter(|slot| slot.alive.get()) {
            if contain(|| slot.hook.finish()) {
                let _ = writeln!(io::stderr(), "tinyloop: a trace hook panicked in `finish`");
            }
        }
    }
}
