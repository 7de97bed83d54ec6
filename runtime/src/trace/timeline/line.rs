//! One event as the timeline's columns: who, what, and why.

use std::fmt::Write as _;
use std::time::Duration;

use super::super::summary::Summary;
use super::super::{ChildId, Event, Outcome, PollResult, TaskId};
use super::super::{UnparkReason, WakeCause};
use crate::task::AwaitPoint;

/// ANSI styles, as SGR parameters.
pub(super) mod style {
    pub(in super::super) const DIM: &str = "2";
    pub(in super::super) const BOLD: &str = "1";
    pub(in super::super) const RED: &str = "1;31";
    pub(in super::super) const GREEN: &str = "32";
    pub(in super::super) const YELLOW: &str = "33";
    pub(in super::super) const BLUE: &str = "34";
    pub(in super::super) const MAGENTA: &str = "35";
    pub(in super::super) const CYAN: &str = "36";
    /// Task labels cycle through these, so neighbouring task ids differ in colour.
    pub(in super::super) const TASKS: [&str; 6] = ["36", "35", "33", "32", "34", "96"];
}

/// What the second column names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Subject {
    Task(TaskId),
    /// A combinator child: `main › hero 4`.
    Child(ChildId),
    Fixed(&'static str),
}

/// One line: who, what happened (a short verb), and the detail after it.
pub(super) struct Line {
    pub(super) subject: Subject,
    pub(super) verb: &'static str,
    pub(super) verb_style: &'static str,
    /// The last column; empty for none.
    pub(super) detail: String,
}

impl Line {
    pub(super) fn new(subject: Subject, verb: &'static str, style: &'static str) -> Line {
        Line {
            subject,
            verb,
            verb_style: style,
            detail: String::new(),
        }
    }

    fn with(mut self, detail: impl std::fmt::Display) -> Line {
        let _ = write!(self.detail, "{detail}");
        self
    }

    /// The line of `event` in the full timeline: one per event. `summary` has seen the
    /// event already (so a poll's number is counted).
    pub(super) fn of(event: &Event, summary: &Summary) -> Line {
        let task = |id: TaskId, verb, style| Line::new(Subject::Task(id), verb, style);
        let child = |id: ChildId, verb, style| Line::new(Subject::Child(id), verb, style);
        let fixed = |name, verb| Line::new(Subject::Fixed(name), verb, style::BLUE);
        match event {
            Event::Spawned {
                task: id, parent, ..
            } => {
                let line = task(*id, "spawn", style::CYAN);
                match parent {
                    Some(parent) => line.with(format_args!("by {}", summary.label(*parent))),
                    None => line.with("by runtime"),
                }
            }
            Event::PollStart { task: id } => {
                let polls = summary.task(*id).map_or(0, |stats| stats.polls);
                task(*id, "poll", style::BOLD).with(format_args!("#{polls}"))
            }
            Event::PollEnd {
                task: id,
                result,
                waits_on,
            } => end_line(task(*id, "", ""), *result, *waits_on),
            Event::Woken { task: id, cause } => {
                let line = task(*id, "wake", style::MAGENTA);
                match cause {
                    WakeCause::Task(waker) if waker == id => line.with("by itself"),
                    cause => line.with(By(*cause, summary)),
                }
            }
            Event::WakeIgnored {
                task: id,
                cause,
                reason,
            } => task(*id, "wake", style::DIM)
                .with(format_args!("{}, ignored: {reason}", By(*cause, summary))),
            Event::AbortRequested { task: id, by } => {
                task(*id, "abort", style::RED).with(By(*by, summary))
            }
            Event::Requeued { task: id } => task(*id, "requeue", style::MAGENTA)
                .with("woken during its own poll: back of the queue"),
            Event::Park { timeout } => {
                let line = fixed("reactor", "park");
                match timeout {
                    None => line.with("until I/O, a timer or another thread"),
                    Some(Duration::ZERO) => line.with("non-blocking"),
                    Some(timeout) => line.with(format_args!("for at most {}", Ms(*timeout))),
                }
            }
            Event::Unpark { reason, events } => fixed("reactor", "unpark").with(format_args!(
                "{}, {}",
                reason_text(*reason),
                IoEvents(*events)
            )),
            Event::TimerFired { timer } => {
                fixed("timers", "fire").with(format_args!("timer#{timer}"))
            }
            Event::ClockJump { to } => fixed("clock", "jump").with(format_args!("to {}", Ms(*to))),
            Event::LostWaker { task: id, poll } => task(*id, "lost-waker", style::RED).with(
                format_args!("Pending on poll #{poll} and no waker is alive: nothing can wake it"),
            ),
            Event::Finished { task: id, outcome } => {
                let (detail, style) = outcome_text(*outcome);
                task(*id, "finish", style).with(detail)
            }
            Event::Children {
                task: id,
                combinator,
                count,
                parent,
                ..
            } => {
                let subject = parent.map_or(Subject::Task(*id), Subject::Child);
                let plural = if *count == 1 { "child" } else { "children" };
                Line::new(subject, "combine", style::CYAN)
                    .with(format_args!("{combinator} of {count} {plural}"))
            }
            Event::ChildPoll { child: id, .. } => {
                let polls = summary.child(*id).map_or(0, |stats| stats.polls);
                child(*id, "poll", style::BOLD).with(format_args!("#{polls}"))
            }
            Event::ChildPollEnd {
                child: id,
                result,
                waits_on,
                ..
            } => end_line(child(*id, "", ""), *result, *waits_on),
            Event::ChildWoken {
                child: id,
                cause,
                already_queued,
                ..
            } => {
                let line = child(*id, "wake", style::MAGENTA).with(By(*cause, summary));
                if *already_queued {
                    line.with(", ignored: already queued")
                } else {
                    line
                }
            }
            Event::ChildLabel {
                child: id, label, ..
            } => child(*id, "label", style::CYAN).with(format_args!("{label:?}")),
            Event::ChildFinished {
                child: id, outcome, ..
            } => {
                let (detail, style) = match outcome {
                    Outcome::Aborted => ("dropped unfinished", style::YELLOW),
                    other => outcome_text(*other),
                };
                child(*id, "finish", style).with(detail)
            }
            Event::SpanStart {
                task: id,
                child: owner,
                name,
                ..
            } => Line::new(
                owner.map_or(Subject::Task(*id), Subject::Child),
                "begin",
                style::CYAN,
            )
            .with(name),
            Event::SpanEnd {
                task: id,
                child: owner,
                cancelled,
                ..
            } => {
                let line = Line::new(
                    owner.map_or(Subject::Task(*id), Subject::Child),
                    "end",
                    style::CYAN,
                );
                if *cancelled {
                    line.with("(dropped before it finished)")
                } else {
                    line
                }
            }
            // `Event` is `#[non_exhaustive]`: variants added later land here and print
            // with their `Display` text.
            #[allow(unreachable_patterns)]
            other => Line::new(Subject::Fixed("runtime"), "event", style::BOLD).with(other),
        }
    }
}

/// `ready`, `pending on sleep 5 ms (src/x.rs:3)`, or `panicked`, on `line`'s subject.
pub(super) fn end_line(mut line: Line, result: PollResult, waits_on: Option<AwaitPoint>) -> Line {
    let (verb, style) = match result {
        PollResult::Ready => ("ready", style::GREEN),
        PollResult::Pending => ("pending", style::YELLOW),
        PollResult::Panicked => ("panicked", style::RED),
    };
    line.verb = verb;
    line.verb_style = style;
    match waits_on {
        Some(point) => line.with(format_args!("on {point}")),
        None => line,
    }
}

fn outcome_text(outcome: Outcome) -> (&'static str, &'static str) {
    match outcome {
        Outcome::Completed => ("completed", style::GREEN),
        Outcome::Aborted => ("aborted", style::YELLOW),
        Outcome::Panicked => ("panicked", style::RED),
    }
}

pub(super) fn reason_text(reason: UnparkReason) -> &'static str {
    match reason {
        UnparkReason::NonBlocking => "non-blocking",
        UnparkReason::Io => "I/O ready",
        UnparkReason::Timer => "timer due",
        UnparkReason::Notified => "notified by another thread",
        UnparkReason::Timeout => "timed out",
    }
}

/// `by t1 "name"`, `by main › hero 4`, `by timer#0`, `by io(token 3, readable)`, ...
pub(super) struct By<'a>(pub(super) WakeCause, pub(super) &'a Summary);

impl std::fmt::Display for By<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            // Inside a child's poll, the child is the waker's caller.
            WakeCause::Task(id) => match self.1.polling_child(id) {
                Some(child) => write!(f, "by {}", self.1.child_label(child)),
                None => write!(f, "by {}", self.1.label(id)),
            },
            cause => write!(f, "by {cause}"),
        }
    }
}

/// `1 I/O event`, `3 I/O events`.
pub(super) struct IoEvents(pub(super) usize);

impl std::fmt::Display for IoEvents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            1 => f.write_str("1 I/O event"),
            n => write!(f, "{n} I/O events"),
        }
    }
}

/// A duration in milliseconds with microsecond precision: `476.174 ms`.
pub(crate) struct Ms(pub(crate) Duration);

impl std::fmt::Display for Ms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let micros = self.0.as_micros();
        write!(f, "{}.{:03} ms", micros / 1000, micros % 1000)
    }
}
