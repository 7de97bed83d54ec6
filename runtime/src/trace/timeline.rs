//! The terminal timeline: one aligned line per event, then a per-task summary.

use std::cell::RefCell;
use std::fmt::{self, Write as _};
use std::io::{self, IsTerminal, Write};
use std::time::Duration;

use super::summary::Summary;
use super::{Event, Hook, IgnoredBecause, Outcome, PollResult, TaskId, UnparkReason, WakeCause};

/// A hook that prints every event as one line, and a [`Summary`] when the runtime is
/// dropped.
///
/// ```text
///        time  task            event       cause / detail
///         0µs  main            poll        #1
///         0µs  t1 "sleeper"    spawn       by main
///         0µs  main            pending
///         0µs  t1 "sleeper"    poll        #1
///         0µs  t1 "sleeper"    pending
///         0µs  reactor         park        non-blocking
///         0µs  reactor         unpark      timed out, 0 I/O events
///      5000µs  clock           jump        to 5ms
///      5000µs  timers          fire        timer#0
///      5000µs  t1 "sleeper"    wake        by timer#0
///      5000µs  t1 "sleeper"    poll        #2
/// ```
///
/// Columns: time since the runtime was built, in µs (virtual under the virtual clock, so
/// the output is the same on every run); the task (or `reactor`, `timers`, `clock`); what
/// happened; and why — the cause of a wake, the number of a poll. Events the timeline does
/// not know by name are printed with their `Display` text.
///
/// Write errors are ignored: a broken pipe must not take the runtime down.
pub struct Timeline {
    state: RefCell<Printer>,
}

struct Printer {
    out: Box<dyn Write>,
    /// Whether to add ANSI colour codes.
    colour: bool,
    /// Per-task statistics; also where task names come from.
    summary: Summary,
    /// The task column's width: the longest label so far. It only grows, so lines stay
    /// aligned except where a longer name first appears.
    task_width: usize,
    /// Whether the header line was printed.
    header_done: bool,
    /// The line being built (kept to reuse its allocation).
    line: String,
}

/// The narrowest the task column gets.
const MIN_TASK_WIDTH: usize = 14;
/// The event column's width (the longest verb is `lost-waker`).
const VERB_WIDTH: usize = 10;

impl Timeline {
    /// A timeline on standard error, coloured when standard error is a terminal and the
    /// `NO_COLOR` environment variable is unset (or empty).
    pub fn stderr() -> Timeline {
        let stderr = io::stderr();
        let colour = wants_colour(stderr.is_terminal(), std::env::var_os("NO_COLOR"));
        Timeline::to_writer(stderr, colour)
    }

    /// A timeline written to `out`, one `write_all` per line, with ANSI colour codes if
    /// `colour` is true.
    pub fn to_writer(out: impl Write + 'static, colour: bool) -> Timeline {
        Timeline {
            state: RefCell::new(Printer {
                out: Box::new(out),
                colour,
                summary: Summary::new(),
                task_width: MIN_TASK_WIDTH,
                header_done: false,
                line: String::new(),
            }),
        }
    }
}

impl fmt::Debug for Timeline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.borrow();
        f.debug_struct("Timeline")
            .field("colour", &state.colour)
            .field("summary", &state.summary)
            .finish_non_exhaustive()
    }
}

impl Hook for Timeline {
    fn on_event(&self, at: Duration, event: &Event) {
        let mut state = self.state.borrow_mut();
        let state = &mut *state;
        state.summary.record(at, event);
        if !state.header_done {
            state.header_done = true;
            state.write_header();
        }
        state.line.clear();
        state.render(at, event);
        let _ = state.out.write_all(state.line.as_bytes());
    }

    fn finish(&self) {
        let mut state = self.state.borrow_mut();
        let summary = format!("\n{}", state.summary);
        let _ = state.out.write_all(summary.as_bytes());
        let _ = state.out.flush();
    }
}

/// Whether to colour: only on a terminal, and never when `NO_COLOR` is set to anything
/// but the empty string (<https://no-color.org>).
fn wants_colour(terminal: bool, no_color: Option<std::ffi::OsString>) -> bool {
    terminal && no_color.is_none_or(|value| value.is_empty())
}

/// ANSI styles, as SGR parameters.
mod style {
    pub(super) const DIM: &str = "2";
    pub(super) const BOLD: &str = "1";
    pub(super) const RED: &str = "1;31";
    pub(super) const GREEN: &str = "32";
    pub(super) const YELLOW: &str = "33";
    pub(super) const BLUE: &str = "34";
    pub(super) const MAGENTA: &str = "35";
    pub(super) const CYAN: &str = "36";
    /// Task labels cycle through these, so neighbouring task ids differ in colour.
    pub(super) const TASKS: [&str; 6] = ["36", "35", "33", "32", "34", "96"];
}

impl Printer {
    fn write_header(&mut self) {
        let header = format!(
            "{:>11}  {:<tw$}  {:<VERB_WIDTH$}  cause / detail\n",
            "time",
            "task",
            "event",
            tw = self.task_width
        );
        let header = if self.colour {
            format!("\x1b[{}m{}\x1b[0m\n", style::DIM, header.trim_end())
        } else {
            header
        };
        let _ = self.out.write_all(header.as_bytes());
    }

    /// Appends the line for `event` to `self.line`, formatting in place: no allocation
    /// once the line buffer has grown to its longest line.
    fn render(&mut self, at: Duration, event: &Event) {
        let line = Line::of(event);
        let colour = self.colour;
        let out = &mut self.line;

        start_paint(out, colour, style::DIM);
        let micros = u64::try_from(at.as_micros()).unwrap_or(u64::MAX);
        let _ = write!(out, "{micros:>9}µs");
        end_paint(out, colour);
        out.push_str("  ");

        let subject_style = match line.subject {
            Subject::Task(TaskId::MAIN) => style::BOLD,
            Subject::Task(TaskId(n)) => style::TASKS[(n % style::TASKS.len() as u64) as usize],
            Subject::Fixed(_) => style::BLUE,
        };
        start_paint(out, colour, subject_style);
        let subject_start = out.len();
        match line.subject {
            Subject::Task(id) => {
                let _ = write!(out, "{}", self.summary.label(id));
            }
            Subject::Fixed(name) => out.push_str(name),
        }
        let subject_width = out[subject_start..].chars().count();
        end_paint(out, colour);
        self.task_width = self.task_width.max(subject_width);
        pad(out, self.task_width - subject_width);
        out.push_str("  ");

        start_paint(out, colour, line.verb_style);
        out.push_str(line.verb);
        end_paint(out, colour);
        // Padded only when a detail follows, so that no line ends in blanks.
        if !matches!(line.detail, Detail::None) {
            pad(out, VERB_WIDTH.saturating_sub(line.verb.len()));
            out.push_str("  ");
            line.detail.write(out, &self.summary);
        }
        out.push('\n');
    }
}

fn start_paint(out: &mut String, colour: bool, style: &str) {
    if colour {
        out.push_str("\x1b[");
        out.push_str(style);
        out.push('m');
    }
}

fn end_paint(out: &mut String, colour: bool) {
    if colour {
        out.push_str("\x1b[0m");
    }
}

fn pad(out: &mut String, spaces: usize) {
    const SPACES: &str = "                                ";
    let mut left = spaces;
    while left > 0 {
        let n = left.min(SPACES.len());
        out.push_str(&SPACES[..n]);
        left -= n;
    }
}

/// What the task column shows.
#[derive(Clone, Copy)]
enum Subject {
    Task(TaskId),
    Fixed(&'static str),
}

/// The last column, kept as data until it is written into the line.
enum Detail<'e> {
    None,
    Text(&'static str),
    /// The number of the task's poll that is starting: `#2`.
    Poll(TaskId),
    /// `by t1 "name"`, `by timer#0`, ...
    By(WakeCause),
    /// A wake that did nothing, and why.
    Ignored(WakeCause, &'static str),
    /// The task that spawned this one, if any.
    SpawnedBy(Option<TaskId>),
    ParkFor(Duration),
    /// Why the reactor woke up, and how many I/O events it brought.
    Unpark(&'static str, usize),
    Timer(u64),
    JumpTo(Duration),
    /// The poll after which no waker was left.
    Lost(u32),
    /// The combinator child a task polls (by its index in the input).
    Child(usize),
    /// An event without a layout of its own.
    Other(&'e Event),
}

impl Detail<'_> {
    fn write(&self, out: &mut String, summary: &Summary) {
        let by = |out: &mut String, cause: &WakeCause| {
            let _ = match cause {
                WakeCause::Task(id) => write!(out, "by {}", summary.label(*id)),
                cause => write!(out, "by {cause}"),
            };
        };
        let _ = match self {
            Detail::None => Ok(()),
            Detail::Text(text) => out.write_str(text),
            Detail::Poll(id) => {
                let polls = summary.task(*id).map_or(0, |stats| stats.polls);
                write!(out, "#{polls}")
            }
            Detail::By(cause) => {
                by(out, cause);
                Ok(())
            }
            Detail::Ignored(cause, why) => {
                by(out, cause);
                write!(out, ", ignored: {why}")
            }
            Detail::SpawnedBy(Some(parent)) => write!(out, "by {}", summary.label(*parent)),
            Detail::SpawnedBy(None) => out.write_str("by runtime"),
            Detail::ParkFor(timeout) => write!(out, "for at most {timeout:?}"),
            Detail::Unpark(reason, 1) => write!(out, "{reason}, 1 I/O event"),
            Detail::Unpark(reason, n) => write!(out, "{reason}, {n} I/O events"),
            Detail::Timer(timer) => write!(out, "timer#{timer}"),
            Detail::JumpTo(to) => write!(out, "to {to:?}"),
            Detail::Child(child) => write!(out, "child #{child}"),
            Detail::Lost(poll) => write!(
                out,
                "Pending on poll #{poll} and no waker is alive: nothing can wake it"
            ),
            Detail::Other(event) => write!(out, "{event}"),
        };
    }
}

/// One event, split into columns.
struct Line<'e> {
    subject: Subject,
    verb: &'static str,
    verb_style: &'static str,
    detail: Detail<'e>,
}

impl<'e> Line<'e> {
    fn of(event: &'e Event) -> Line<'e> {
        let task = |id: &TaskId, verb, verb_style, detail| Line {
            subject: Subject::Task(*id),
            verb,
            verb_style,
            detail,
        };
        let fixed = |name, verb, detail| Line {
            subject: Subject::Fixed(name),
            verb,
            verb_style: style::BLUE,
            detail,
        };
        match event {
            Event::Spawned {
                task: id, parent, ..
            } => task(id, "spawn", style::CYAN, Detail::SpawnedBy(*parent)),
            Event::PollStart { task: id } => task(id, "poll", style::BOLD, Detail::Poll(*id)),
            Event::PollEnd {
                task: id, result, ..
            } => match result {
                PollResult::Ready => task(id, "ready", style::GREEN, Detail::None),
                PollResult::Pending => task(id, "pending", style::YELLOW, Detail::None),
                PollResult::Panicked => task(id, "panicked", style::RED, Detail::None),
            },
            Event::Woken { task: id, cause } => {
                let detail = match cause {
                    WakeCause::Task(waker) if waker == id => Detail::Text("by itself"),
                    cause => Detail::By(*cause),
                };
                task(id, "wake", style::MAGENTA, detail)
            }
            Event::WakeIgnored {
                task: id,
                cause,
                reason,
            } => {
                let why = match reason {
                    IgnoredBecause::AlreadyQueued => "already queued",
                    IgnoredBecause::Finished => "finished",
                };
                task(id, "wake", style::DIM, Detail::Ignored(*cause, why))
            }
            Event::AbortRequested { task: id, by } => {
                task(id, "abort", style::RED, Detail::By(*by))
            }
            Event::Requeued { task: id } => task(
                id,
                "requeue",
                style::MAGENTA,
                Detail::Text("woken during its own poll: back of the queue"),
            ),
            Event::Park { timeout } => {
                let detail = match timeout {
                    None => Detail::Text("until I/O, a timer or another thread"),
                    Some(Duration::ZERO) => Detail::Text("non-blocking"),
                    Some(timeout) => Detail::ParkFor(*timeout),
                };
                fixed("reactor", "park", detail)
            }
            Event::Unpark { reason, events } => {
                let reason = match reason {
                    UnparkReason::NonBlocking => "non-blocking",
                    UnparkReason::Io => "I/O ready",
                    UnparkReason::Timer => "timer due",
                    UnparkReason::Notified => "notified by another thread",
                    UnparkReason::Timeout => "timed out",
                };
                fixed("reactor", "unpark", Detail::Unpark(reason, *events))
            }
            Event::TimerFired { timer } => fixed("timers", "fire", Detail::Timer(*timer)),
            Event::ClockJump { to } => fixed("clock", "jump", Detail::JumpTo(*to)),
            Event::ChildPoll { task: id, child } => task(
                id,
                "  poll",
                style::DIM,
                Detail::Child(child.index as usize),
            ),
            Event::LostWaker { task: id, poll } => {
                task(id, "lost-waker", style::RED, Detail::Lost(*poll))
            }
            Event::Finished { task: id, outcome } => {
                let (detail, verb_style) = match outcome {
                    Outcome::Completed => ("completed", style::GREEN),
                    Outcome::Aborted => ("aborted", style::YELLOW),
                    Outcome::Panicked => ("panicked", style::RED),
                };
                task(id, "finish", verb_style, Detail::Text(detail))
            }
            // `Event` is `#[non_exhaustive]`: variants added later land here and print
            // with their `Display` text.
            #[allow(unreachable_patterns)]
            other => Line {
                subject: Subject::Fixed("runtime"),
                verb: "event",
                verb_style: style::BOLD,
                detail: Detail::Other(other),
            },
        }
    }
}

#[cfg(test)]
mod tests;
