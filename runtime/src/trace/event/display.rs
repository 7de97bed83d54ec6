//! How an event reads as one line of text: what `Recorder::lines` returns and the tests
//! assert.

use std::fmt;

use super::Event;

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Spawned { task, name, parent } => {
                write!(f, "spawn {task}")?;
                if let Some(name) = name {
                    write!(f, " \"{name}\"")?;
                }
                match parent {
                    Some(parent) => write!(f, " by {parent}"),
                    None => f.write_str(" by runtime"),
                }
            }
            Event::PollStart { task } => write!(f, "poll {task}"),
            Event::PollEnd { task, result, .. } => write!(f, "{result} {task}"),
            Event::Woken { task, cause } => write!(f, "wake {task} by {cause}"),
            Event::WakeIgnored {
                task,
                cause,
                reason,
            } => write!(f, "wake {task} by {cause} ignored ({reason})"),
            Event::AbortRequested { task, by } => write!(f, "abort {task} by {by}"),
            Event::Requeued { task } => write!(f, "requeue {task}"),
            Event::Park { timeout: None } => f.write_str("park"),
            Event::Park {
                timeout: Some(timeout),
            } => write!(f, "park {timeout:?}"),
            Event::Unpark { reason, events } => write!(f, "unpark {reason:?} events={events}"),
            Event::TimerFired { timer } => write!(f, "timer#{timer} fired"),
            Event::ClockJump { to } => write!(f, "clock jumps to {to:?}"),
            Event::TimerArmed {
                timer,
                deadline,
                task,
            } => {
                write!(f, "arm timer#{timer} for {deadline:?}")?;
                match task {
                    Some(task) => write!(f, " by {task}"),
                    None => Ok(()),
                }
            }
            Event::TimerCancelled { timer } => write!(f, "cancel timer#{timer}"),
            Event::Interest {
                token,
                writable,
                task,
            } => {
                let ready = if *writable { "writable" } else { "readable" };
                write!(f, "wait for token {token} {ready}")?;
                match task {
                    Some(task) => write!(f, " by {task}"),
                    None => Ok(()),
                }
            }
            Event::Deregistered { token } => write!(f, "deregister token {token}"),
            Event::LostWaker { task, poll } => {
                write!(f, "lost waker {task} after poll {poll}")
            }
            Event::Children {
                task,
                group,
                parent,
                combinator,
                count,
            } => {
                write!(f, "{combinator} g{group} of {count} in {task}")?;
                match parent {
                    Some(parent) => write!(f, " child {}", parent.index),
                    None => Ok(()),
                }
            }
            Event::ChildPoll { task, child } => write!(f, "poll {task} child {}", child.index),
            Event::ChildPollEnd {
                task,
                child,
                result,
                ..
            } => write!(f, "{result} {task} child {}", child.index),
            Event::ChildWoken {
                task,
                child,
                cause,
                already_queued,
            } => {
                write!(f, "wake {task} child {} by {cause}", child.index)?;
                if *already_queued {
                    f.write_str(" ignored (already queued)")?;
                }
                Ok(())
            }
            Event::ChildLabel { task, child, label } => {
                write!(f, "label {task} child {} \"{label}\"", child.index)
            }
            Event::ChildFinished {
                task,
                child,
                outcome,
            } => write!(f, "finish {task} child {} {outcome:?}", child.index),
            Event::SpanStart {
                task, child, name, ..
            } => {
                write!(f, "span {task}")?;
                if let Some(child) = child {
                    write!(f, " child {}", child.index)?;
                }
                write!(f, " \"{name}\"")
            }
            Event::SpanEnd {
                task,
                child,
                cancelled,
                ..
            } => {
                write!(f, "end span {task}")?;
                if let Some(child) = child {
                    write!(f, " child {}", child.index)?;
                }
                if *cancelled {
                    f.write_str(" cancelled")?;
                }
                Ok(())
            }
            Event::Finished { task, outcome } => write!(f, "finish {task} {outcome:?}"),
        }
    }
}
