//! The compact view: what a learner reads as one step is one line.
//!
//! A child's poll is printed when it returns, with what it parked on and the phases it is
//! in; the reactor's park and unpark become one `idle` line; a child's wake and the task
//! wake it causes become one line; timers firing, labels and phases show through the lines
//! that name them.

use std::time::Duration;

use super::line::{end_line, reason_text, style, By, IoEvents, Line, Subject};
use super::{Ms, Printer};
use crate::trace::{Event, IgnoredBecause, Outcome, PollResult, TaskId, UnparkReason, WakeCause};

/// A child's wake line, waiting for the task's wake it may cause.
pub(super) struct HeldWake {
    at: Duration,
    line: Line,
    task: TaskId,
    cause: WakeCause,
}

impl Printer {
    /// Prints the held child wake, if any, as it is.
    pub(super) fn release_held_wake(&mut self) {
        if let Some(held) = self.held_wake.take() {
            self.print(held.at, &held.line);
        }
    }

    /// The compact view: what a learner reads as one step is one line.
    pub(super) fn compact(&mut self, at: Duration, event: &Event) {
        if let Some(mut held) = self.held_wake.take() {
            let folded = self.fold_into_wake(&held, event);
            if let Some(suffix) = &folded {
                held.line.detail.push_str(suffix);
            }
            self.print(held.at, &held.line);
            if folded.is_some() {
                return;
            }
        }
        let line = match event {
            Event::Park { timeout } => {
                self.parked = Some((at, *timeout));
                return; // shown by the `idle` line at the unpark
            }
            Event::Unpark { reason, events } => {
                let (parked_at, timeout) = self.parked.take().unwrap_or((at, None));
                if *events == 0 && timeout == Some(Duration::ZERO) {
                    return; // a look that found nothing, without waiting
                }
                let idle = at.saturating_sub(parked_at);
                let woke = match reason {
                    UnparkReason::Io => IoEvents(*events).to_string(),
                    other => reason_text(*other).to_string(),
                };
                let mut line = Line::new(Subject::Fixed("reactor"), "idle", style::BLUE);
                line.detail = format!("{}, then {woke}", Ms(idle));
                line
            }
            // The wakes they cause name them; names and phases show on the poll lines.
            Event::TimerFired { .. } | Event::ChildLabel { .. } => return,
            Event::SpanStart { .. } | Event::SpanEnd { .. } => return,
            Event::ChildPoll { .. } => return, // one line when the poll returns
            Event::ChildFinished {
                outcome: Outcome::Completed,
                ..
            } => return, // said by the poll that returned `Ready`
            Event::ChildPollEnd {
                child,
                result,
                waits_on,
                ..
            } => {
                let stats = self.summary.child(*child);
                let polls = stats.map_or(0, |stats| stats.polls);
                let end = end_line(
                    Line::new(Subject::Child(*child), "", ""),
                    *result,
                    *waits_on,
                );
                let mut line = Line::new(Subject::Child(*child), "poll", end.verb_style);
                line.detail = format!("#{polls} → {}", end.verb);
                match (result, stats.and_then(|stats| stats.started)) {
                    (PollResult::Ready, Some(started)) => {
                        let alive = Ms(at.saturating_sub(started));
                        line.detail.push_str(&format!(" after {alive}"));
                    }
                    _ if !end.detail.is_empty() => {
                        line.detail.push(' ');
                        line.detail.push_str(&end.detail);
                    }
                    _ => {}
                }
                self.add_phase(&mut line);
                line
            }
            Event::PollEnd { .. } => {
                let mut line = Line::of(event, &self.summary);
                self.add_phase(&mut line);
                line
            }
            Event::ChildWoken {
                task,
                child,
                cause,
                already_queued: false,
            } => {
                let mut line = Line::new(Subject::Child(*child), "wake", style::MAGENTA);
                line.detail = By(*cause, &self.summary).to_string();
                let (task, cause) = (*task, *cause);
                self.held_wake = Some(HeldWake {
                    at,
                    line,
                    task,
                    cause,
                });
                return;
            }
            event => Line::of(event, &self.summary),
        };
        self.print(at, &line);
    }

    /// What to add to a held child wake when `next` is the task's wake it caused.
    fn fold_into_wake(&self, held: &HeldWake, next: &Event) -> Option<String> {
        match next {
            Event::Woken { task, cause } if *task == held.task && *cause == held.cause => {
                Some(format!(", queues {}", self.summary.label(*task)))
            }
            Event::WakeIgnored {
                task,
                cause,
                reason: IgnoredBecause::AlreadyQueued,
            } if *task == held.task && *cause == held.cause => {
                Some(format!(", {} already queued", self.summary.label(*task)))
            }
            _ => None,
        }
    }

    /// Appends `, in PHASE` to a poll's line: the spans its subject has open, outermost
    /// first (`in redirect › response head`).
    fn add_phase(&self, line: &mut Line) {
        let mut open = self
            .spans
            .iter()
            .filter(|(_, owner, _)| *owner == line.subject);
        if let Some((_, _, name)) = open.next() {
            line.detail.push_str(", in ");
            line.detail.push_str(name);
            for (_, _, name) in open {
                line.detail.push_str(" › ");
                line.detail.push_str(name);
            }
        }
    }

    /// Keeps the list of open spans.
    pub(super) fn track_spans(&mut self, event: &Event) {
        match event {
            Event::SpanStart {
                task,
                child,
                span,
                name,
            } => {
                let owner = child.map_or(Subject::Task(*task), Subject::Child);
                self.spans.push((*span, owner, name.clone()));
            }
            Event::SpanEnd { span, .. } => self.spans.retain(|(id, _, _)| id != span),
            _ => {}
        }
    }
}
