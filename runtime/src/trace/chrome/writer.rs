//! Turning recorded events into trace events, in one pass over the records, with the
//! tracks already laid out (see [`Layout`]).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use super::flows::{Flows, Waiting, SCHED};
use super::json::{self, json_str};
use super::tracks::{Layout, Owner};
use super::{display_times, mark_span, MIN_STEP, REACTOR_TID, RUNTIME_TID, TIMERS_TID};
use crate::trace::{ChildId, Event, IgnoredBecause, PollResult, Record, TaskId, WakeCause};

/// Reactor parks.
const REACTOR: &str = "reactor";
/// Timers fired, clock jumps.
const TIMER: &str = "timer";
/// Phase spans.
const SPAN: &str = "span";
/// Marks in a task's or child's life: finished, abort requested, requeued, ...
const TASK: &str = "task";
/// Events the writer has no better place for.
const RUNTIME: &str = "runtime";

/// A poll in progress: when it started, its number, and the wakes that led to it.
struct OpenPoll {
    start: u64,
    number: u32,
    /// For a child's poll, the task that runs it.
    task: Option<TaskId>,
    waiting: Waiting,
}

/// Turns the event stream into trace events, one pass.
pub(super) struct Writer {
    /// Display time of each event, in ns.
    times: Vec<u64>,
    layout: Layout,
    /// The trace events written so far (metadata comes first, in `finish`).
    out: Vec<String>,
    /// The tracks with at least one slice: only they get metadata.
    drawn: HashSet<u64>,
    /// Polls in progress, of tasks and children.
    open: HashMap<Owner, OpenPoll>,
    /// How many polls each task and child has started.
    counts: HashMap<Owner, u32>,
    /// The child polls in progress, innermost last: a wake from inside one starts there.
    polling: Vec<(TaskId, ChildId)>,
    flows: Flows,
    /// The reactor's wait in progress: when it started and its timeout.
    park: Option<(u64, Option<Duration>)>,
    /// The spans in progress: when each started, and its name.
    spans: HashMap<u64, (u64, Arc<str>)>,
}

impl Writer {
    pub(super) fn new(records: &[Record]) -> Writer {
        Writer {
            times: display_times(records),
            layout: Layout::new(records),
            out: Vec::with_capacity(records.len() + 16),
            drawn: HashSet::new(),
            open: HashMap::new(),
            counts: HashMap::new(),
            polling: Vec::new(),
            flows: Flows::new(),
            park: None,
            spans: HashMap::new(),
        }
    }

    pub(super) fn event(&mut self, i: usize, event: &Event) {
        let at = self.times[i];
        match event {
            Event::Spawned { task, parent, .. } => {
                let cause = parent.map_or(WakeCause::Runtime, WakeCause::Task);
                self.flow(i, cause, Owner::Task(*task), "spawn");
            }
            Event::PollStart { task } => self.poll_start(Owner::Task(*task), None, at),
            Event::PollEnd {
                task,
                result,
                waits_on,
            } => {
                self.unwind_children(*task, at, *result);
                let waits_on = waits_on.map(|point| point.to_string());
                self.poll_end(Owner::Task(*task), at, result_word(*result), waits_on);
            }
            Event::ChildPoll { task, child } => {
                self.polling.push((*task, *child));
                self.poll_start(Owner::Child(*child), Some(*task), at);
            }
            Event::ChildPollEnd {
                child,
                result,
                waits_on,
                ..
            } => {
                if let Some(k) = self.polling.iter().rposition(|(_, c)| c == child) {
                    self.polling.truncate(k);
                }
                let waits_on = waits_on.map(|point| point.to_string());
                self.poll_end(Owner::Child(*child), at, result_word(*result), waits_on);
            }
            Event::Woken { task, cause } => self.flow(i, *cause, Owner::Task(*task), "wake"),
            Event::ChildWoken {
                child,
                cause,
                already_queued,
                ..
            } => match already_queued {
                true => self.already_queued(*cause, Owner::Child(*child)),
                false => self.flow(i, *cause, Owner::Child(*child), "wake"),
            },
            Event::WakeIgnored {
                task,
                cause,
                reason,
            } => match reason {
                IgnoredBecause::AlreadyQueued => self.already_queued(*cause, Owner::Task(*task)),
                IgnoredBecause::Finished => {
                    let args = [("by", json_str(&cause.to_string()))];
                    self.task_mark(i, *task, "wake ignored: finished", &args);
                }
            },
            Event::AbortRequested { task, by } => {
                let args = [("by", json_str(&by.to_string()))];
                self.task_mark(i, *task, "abort requested", &args);
            }
            Event::Requeued { task } => self.task_mark(i, *task, "requeued", &[]),
            Event::LostWaker { task, poll } => {
                let args = [("poll", poll.to_string())];
                self.task_mark(i, *task, "lost waker", &args);
            }
            Event::Finished { task, outcome } => {
                self.task_mark(i, *task, &format!("finished: {outcome:?}"), &[]);
            }
            Event::Park { timeout } => self.park = Some((at, *timeout)),
            Event::Unpark { reason, events } => {
                if let Some((start, timeout)) = self.park.take() {
                    let woke = Some((format!("{reason:?}"), *events));
                    self.park_slice((start, at), timeout, woke);
                }
            }
            Event::TimerFired { timer } => {
                self.mark(i, TIMERS_TID, TIMER, &format!("timer#{timer} fired"), &[]);
            }
            Event::ClockJump { to } => {
                let args = [("to_us", to.as_micros().to_string())];
                let name = format!("clock jumps to {to:?}");
                self.mark(i, TIMERS_TID, TIMER, &name, &args);
            }
            Event::Children {
                task,
                group,
                parent,
                combinator,
                count,
            } => {
                let owner = parent.map_or(Owner::Task(*task), Owner::Child);
                let tid = self.layout.polls(owner);
                let args = [
                    ("group", group.to_string()),
                    ("children", count.to_string()),
                ];
                self.mark(i, tid, TASK, &format!("{combinator} of {count}"), &args);
            }
            Event::ChildLabel { .. } => {} // the child's track is named after it
            Event::ChildFinished { child, outcome, .. } => {
                let tid = self.layout.polls(Owner::Child(*child));
                self.mark(i, tid, TASK, &format!("finished: {outcome:?}"), &[]);
            }
            Event::SpanStart { span, name, .. } => {
                self.spans.insert(*span, (at, name.clone()));
            }
            Event::SpanEnd {
                span, cancelled, ..
            } => {
                if let Some((start, name)) = self.spans.remove(span) {
                    self.span_slice(*span, &name, (start, at), Some(*cancelled));
                }
            }
            // The drivers' bookkeeping (timers armed, interests): the HTML stepper's.
            Event::TimerArmed { .. }
            | Event::TimerCancelled { .. }
            | Event::Interest { .. }
            | Event::Deregistered { .. } => {}
            // `Event` is `#[non_exhaustive]`: variants added later land here, drawn as a
            // mark on the runtime track, named by their `Display` text.
            #[allow(unreachable_patterns)]
            other => {
                self.mark(i, RUNTIME_TID, RUNTIME, &other.to_string(), &[]);
            }
        }
    }

    /// A poll of `owner` (a child's, run by `task`) starts at `at`.
    fn poll_start(&mut self, owner: Owner, task: Option<TaskId>, at: u64) {
        let number = self.counts.entry(owner).or_insert(0);
        *number += 1;
        let waiting = self.flows.take(owner);
        let poll = OpenPoll {
            start: at,
            number: *number,
            task,
            waiting,
        };
        self.open.insert(owner, poll);
    }

    /// Draws the poll of `owner` that ends at `end`, and the flows that end on it.
    fn poll_end(&mut self, owner: Owner, end: u64, result: &str, waits_on: Option<String>) {
        let Some(poll) = self.open.remove(&owner) else {
            return;
        };
        let name = format!("poll #{} → {result}", poll.number);
        let mut args = vec![
            ("result", json_str(result)),
            ("poll", poll.number.to_string()),
        ];
        if let Some(waits_on) = waits_on {
            args.push(("waits_on", json_str(&waits_on)));
        }
        if let (Some(task), Owner::Child(child)) = (poll.task, owner) {
            args.push(("task", json_str(self.layout.name(Owner::Task(task)))));
            args.push(("child", json_str(self.layout.path(child))));
        }
        args.extend(poll.waiting.args());
        let tid = self.layout.polls(owner);
        self.push(
            tid,
            json::slice(tid, SCHED, &name, (poll.start, end), &args),
        );
        poll.waiting.write(&mut self.out, (tid, poll.start));
    }

    /// Ends the child polls of `task` still open when its poll ends: a child's panic
    /// unwinds through its combinator, and no `ChildPollEnd` is recorded.
    fn unwind_children(&mut self, task: TaskId, end: u64, result: PollResult) {
        if let Some(k) = self.polling.iter().position(|(t, _)| *t == task) {
            self.polling.truncate(k);
        }
        let mut open: Vec<Owner> = (self.open.iter())
            .filter(|(owner, poll)| matches!(owner, Owner::Child(_)) && poll.task == Some(task))
            .map(|(owner, _)| *owner)
            .collect();
        open.sort_unstable();
        let word = match result {
            PollResult::Panicked => "panicked",
            _ => "unfinished",
        };
        for owner in open {
            self.poll_end(owner, end, word, None);
        }
    }

    /// Draws a small `spawn …` or `wake …` slice at the cause of event `i`, and starts a
    /// flow there that ends on `target`'s next poll. The cause is named as the poll's
    /// `woken_by` will say: the task or child whose code woke it, `io(token 3, readable)`,
    /// `timer#2`, `another thread` or `runtime`.
    fn flow(&mut self, i: usize, cause: WakeCause, target: Owner, name: &'static str) {
        let (tid, by) = self.cause_site(cause);
        let target_name = self.layout.name(target).to_string();
        let args = [("by", json_str(&by)), ("target", json_str(&target_name))];
        let start = self.mark(i, tid, SCHED, &format!("{name} {target_name}"), &args);
        let text = match name {
            "spawn" => format!("spawn by {by}"),
            _ => by,
        };
        self.flows.start(target, name, (tid, start), text);
    }

    /// Where a wake by `cause` is drawn, and how it is named: code inside a poll on the
    /// track of the innermost child being polled (or of the task itself), by that child's
    /// or task's name; I/O, timers, other threads and the runtime on their own tracks.
    fn cause_site(&self, cause: WakeCause) -> (u64, String) {
        let tid = match cause {
            WakeCause::Task(task) => {
                let owner = match self.polling.last() {
                    Some(&(t, child)) if t == task => Owner::Child(child),
                    _ => Owner::Task(task),
                };
                return (self.layout.polls(owner), self.layout.name(owner).into());
            }
            WakeCause::Io { .. } => REACTOR_TID,
            WakeCause::Timer(_) => TIMERS_TID,
            WakeCause::Thread | WakeCause::Runtime => RUNTIME_TID,
        };
        (tid, cause.to_string())
    }

    /// Notes a wake of `target` by `cause` that found it queued already: no arrow, a line
    /// in its next poll's `also_woken_by`.
    fn already_queued(&mut self, cause: WakeCause, target: Owner) {
        let (_, by) = self.cause_site(cause);
        self.flows.already_queued(target, by);
    }

    /// A mark on `task`'s track; see [`mark`](Writer::mark).
    fn task_mark(&mut self, i: usize, task: TaskId, name: &str, args: &[(&str, String)]) {
        let tid = self.layout.polls(Owner::Task(task));
        self.mark(i, tid, TASK, name, args);
    }

    /// A short slice centred on event `i`, clear of the events before and after it on
    /// any track: it nests inside whatever slice is open there. Returns its start.
    fn mark(&mut self, i: usize, tid: u64, cat: &str, name: &str, args: &[(&str, String)]) -> u64 {
        let (start, end) = mark_span(&self.times, i);
        self.push(tid, json::slice(tid, cat, name, (start, end), args));
        start
    }

    fn park_slice(
        &mut self,
        span: (u64, u64),
        timeout: Option<Duration>,
        woke: Option<(String, usize)>,
    ) {
        let name = match timeout {
            Some(Duration::ZERO) => "park (non-blocking)",
            _ => "park",
        };
        let timeout = match timeout {
            None => "none".to_string(),
            Some(timeout) => format!("{timeout:?}"),
        };
        let mut args = vec![("timeout", json_str(&timeout))];
        match woke {
            Some((reason, events)) => {
                args.push(("woke_by", json_str(&reason)));
                args.push(("io_events", events.to_string()));
            }
            None => args.push(("woke_by", json_str("unfinished"))),
        }
        self.push(
            REACTOR_TID,
            json::slice(REACTOR_TID, REACTOR, name, span, &args),
        );
    }

    /// A span's slice; `cancelled` is `None` for a span still open when the trace ends.
    fn span_slice(&mut self, id: u64, name: &str, span: (u64, u64), cancelled: Option<bool>) {
        let tid = self.layout.span(id);
        let ended = match cancelled {
            Some(false) => "completed",
            Some(true) => "cancelled",
            None => "unfinished",
        };
        let args = [("span", id.to_string()), ("ended", json_str(ended))];
        self.push(tid, json::slice(tid, SPAN, name, span, &args));
    }

    fn push(&mut self, tid: u64, event: String) {
        self.drawn.insert(tid);
        self.out.push(event);
    }

    /// Ends the slices still open when the events stop (a trace cut short mid-poll, a
    /// span never finished): after the last event, the latest started first, so that
    /// what is inside ends inside.
    pub(super) fn close_open_slices(&mut self) {
        let Some(&last) = self.times.last() else {
            return;
        };
        enum Open {
            Poll(Owner),
            Span(u64),
            Park,
        }
        let mut open: Vec<(u64, Open)> = Vec::new();
        open.extend(self.open.iter().map(|(o, p)| (p.start, Open::Poll(*o))));
        open.extend(self.spans.iter().map(|(id, (s, _))| (*s, Open::Span(*id))));
        open.extend(self.park.map(|(start, _)| (start, Open::Park)));
        open.sort_by_key(|(start, _)| std::cmp::Reverse(*start));
        let mut end = last;
        for (_, item) in open {
            end += MIN_STEP;
            match item {
                Open::Poll(owner) => self.poll_end(owner, end, "unfinished", None),
                Open::Span(id) => {
                    if let Some((start, name)) = self.spans.remove(&id) {
                        self.span_slice(id, &name, (start, end), None);
                    }
                }
                Open::Park => {
                    if let Some((start, timeout)) = self.park.take() {
                        self.park_slice((start, end), timeout, None);
                    }
                }
            }
        }
    }

    /// The whole document: the metadata of the tracks drawn on, then the events.
    pub(super) fn finish(self) -> String {
        let metadata = self.layout.metadata(&self.drawn);
        json::document(metadata.iter().chain(&self.out))
    }
}

/// What a poll returned, as its slice's name says it.
fn result_word(result: PollResult) -> &'static str {
    match result {
        PollResult::Ready => "ready",
        PollResult::Pending => "pending",
        PollResult::Panicked => "panicked",
    }
}
