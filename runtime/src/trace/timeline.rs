//! The terminal timeline: one aligned line per event (or per step, in the compact view),
//! then a per-task summary.

mod compact;
mod line;

use std::cell::RefCell;
use std::fmt;
use std::io::{self, IsTerminal, Write};
use std::sync::Arc;
use std::time::Duration;

use super::summary::Summary;
use super::{Event, Hook, TaskId};
pub(crate) use line::Ms;
use line::{style, Line, Subject};

/// How much the timeline shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Detail {
    /// One line per step a learner follows: a child's poll is one line when it returns
    /// (with what it parked on and the phase it is in), the reactor's park and unpark are
    /// one `idle` line, a task's wake that only passes on a child's wake is folded into
    /// the child's line, and timers firing show as the wakes they cause.
    #[default]
    Compact,
    /// One line per event, nothing folded.
    Full,
}

/// A hook that prints the runtime's events as aligned lines, and a [`Summary`] when the
/// runtime is dropped.
///
/// The compact view (the default, see [`Detail`]) of a task gathering two sleeps, the
/// first labelled `nap`:
///
/// ```text
///         time  who                   event       detail
///     0.000 ms  main                  poll        #1
///     0.000 ms  main                  combine     gather of 2 children
///     0.000 ms  main › nap            poll        #1 → pending on sleep 5 ms (src/x.rs:9)
///     0.000 ms  main › child 1        poll        #1 → pending on sleep 9 ms (src/x.rs:9)
///     0.000 ms  main                  pending
///     5.000 ms  clock                 jump        to 5.000 ms
///     5.000 ms  main › nap            wake        by timer#0, queues main
///     5.000 ms  main                  poll        #2
///     5.000 ms  main › nap            poll        #2 → ready after 5.000 ms
/// ```
///
/// Columns: time since the runtime was built, in milliseconds to the microsecond (virtual
/// under the virtual clock, so the output is the same on every run); the task, the
/// combinator child (`main › hero 4`: its [`label`](crate::instrument::label), or
/// `child N`), or `reactor`, `timers`, `clock`; what happened; and why — the cause of a
/// wake, the number of a poll, what a `Pending` parked on and where.
///
/// Write errors are ignored: a broken pipe must not take the runtime down.
pub struct Timeline {
    state: RefCell<Printer>,
}

struct Printer {
    out: Box<dyn Write>,
    /// Whether to add ANSI colour codes.
    colour: bool,
    detail: Detail,
    /// Per-task and per-child statistics; also where names come from.
    summary: Summary,
    /// The subject column's width: the longest name so far. It only grows.
    subject_width: usize,
    /// Whether the header line was printed.
    header_done: bool,
    /// The line being written (kept to reuse its allocation).
    buffer: String,
    /// Compact view: when the reactor parked and for how long at most, until its unpark
    /// is printed.
    parked: Option<(Duration, Option<Duration>)>,
    /// Compact view: a child's wake line held back until the next event says whether it
    /// queued its task.
    held_wake: Option<compact::HeldWake>,
    /// The spans open now, oldest first: `(span, owner, name)`.
    spans: Vec<(u64, Subject, Arc<str>)>,
}

/// The narrowest the subject column gets.
const MIN_SUBJECT_WIDTH: usize = 20;
/// The event column's width (the longest verb is `lost-waker`).
const VERB_WIDTH: usize = 10;

impl Timeline {
    /// A compact timeline on standard error, coloured when standard error is a terminal,
    /// `NO_COLOR` is unset (or empty) and `TERM` is not `dumb`.
    pub fn stderr() -> Timeline {
        let stderr = io::stderr();
        let colour = wants_colour(
            stderr.is_terminal(),
            std::env::var_os("NO_COLOR"),
            std::env::var_os("TERM"),
        );
        Timeline::to_writer(stderr, colour)
    }

    /// A compact timeline written to `out`, one `write_all` per line, with ANSI colour
    /// codes if `colour` is true.
    pub fn to_writer(out: impl Write + 'static, colour: bool) -> Timeline {
        Timeline {
            state: RefCell::new(Printer {
                out: Box::new(out),
                colour,
                detail: Detail::Compact,
                summary: Summary::new(),
                subject_width: MIN_SUBJECT_WIDTH,
                header_done: false,
                buffer: String::new(),
                parked: None,
                held_wake: None,
                spans: Vec::new(),
            }),
        }
    }

    /// The same timeline, showing `detail`.
    pub fn detail(self, detail: Detail) -> Timeline {
        self.state.borrow_mut().detail = detail;
        self
    }
}

impl fmt::Debug for Timeline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.borrow();
        f.debug_struct("Timeline")
            .field("colour", &state.colour)
            .field("detail", &state.detail)
            .field("summary", &state.summary)
            .finish_non_exhaustive()
    }
}

impl Hook for Timeline {
    fn on_event(&self, at: Duration, event: &Event) {
        if event.is_bookkeeping() {
            return; // timers armed, sockets waited on: the HTML stepper's, not lines here
        }
        let mut state = self.state.borrow_mut();
        state.summary.record(at, event);
        match state.detail {
            Detail::Full => {
                let mut line = Line::of(event, &state.summary);
                if let Event::SpanEnd { span, .. } = event {
                    // The end names the span it ends, which only its start carried.
                    let open = state.spans.iter().find(|(id, _, _)| id == span);
                    if let Some((_, _, name)) = open {
                        line.detail = format!("{name} {}", line.detail).trim_end().to_string();
                    }
                }
                state.print(at, &line);
            }
            Detail::Compact => state.compact(at, event),
        }
        state.track_spans(event);
    }

    fn finish(&self) {
        let mut state = self.state.borrow_mut();
        state.release_held_wake();
        let summary = format!("\n{}", state.summary);
        let _ = state.out.write_all(summary.as_bytes());
        let _ = state.out.flush();
    }
}

/// Whether to colour: only on a terminal whose `TERM` is not `dumb`, and never when
/// `NO_COLOR` is set to anything but the empty string (<https://no-color.org>).
fn wants_colour(
    terminal: bool,
    no_color: Option<std::ffi::OsString>,
    term: Option<std::ffi::OsString>,
) -> bool {
    terminal
        && no_color.is_none_or(|value| value.is_empty())
        && term.is_none_or(|term| term != "dumb")
}

impl Printer {
    fn write_header(&mut self) {
        let header = format!(
            "{:>12}  {:<sw$}  {:<VERB_WIDTH$}  detail\n",
            "time",
            "who",
            "event",
            sw = self.subject_width
        );
        let header = if self.colour {
            format!("\x1b[{}m{}\x1b[0m\n", style::DIM, header.trim_end())
        } else {
            header
        };
        let _ = self.out.write_all(header.as_bytes());
    }

    /// Writes one line: time, subject, verb, detail, in aligned columns.
    fn print(&mut self, at: Duration, line: &Line) {
        use std::fmt::Write as _;
        if !self.header_done {
            self.header_done = true;
            self.write_header();
        }
        let colour = self.colour;
        let mut out = std::mem::take(&mut self.buffer);
        out.clear();

        start_paint(&mut out, colour, style::DIM);
        // Right-aligned in 12 columns, written in place: no allocation per line.
        let time_start = out.len();
        let _ = write!(out, "{}", Ms(at));
        let width = out.len() - time_start;
        if width < 12 {
            out.insert_str(time_start, &"            "[..12 - width]);
        }
        end_paint(&mut out, colour);
        out.push_str("  ");

        let task_style = |id: TaskId| match id {
            TaskId::MAIN => style::BOLD,
            TaskId(n) => style::TASKS[(n % style::TASKS.len() as u64) as usize],
        };
        let subject_style = match line.subject {
            Subject::Task(id) => task_style(id),
            Subject::Child(_) => style::CYAN,
            Subject::Fixed(_) => style::BLUE,
        };
        start_paint(&mut out, colour, subject_style);
        let subject_start = out.len();
        let _ = match line.subject {
            Subject::Task(id) => write!(out, "{}", self.summary.label(id)),
            Subject::Child(id) => write!(out, "{}", self.summary.child_label(id)),
            Subject::Fixed(name) => out.write_str(name),
        };
        let subject_width = out[subject_start..].chars().count();
        end_paint(&mut out, colour);
        self.subject_width = self.subject_width.max(subject_width);
        pad(&mut out, self.subject_width - subject_width);
        out.push_str("  ");

        start_paint(&mut out, colour, line.verb_style);
        out.push_str(line.verb);
        end_paint(&mut out, colour);
        // Padded only when a detail follows, so that no line ends in blanks.
        if !line.detail.is_empty() {
            pad(
                &mut out,
                VERB_WIDTH.saturating_sub(line.verb.chars().count()),
            );
            out.push_str("  ");
            out.push_str(&line.detail);
        }
        out.push('\n');
        let _ = self.out.write_all(out.as_bytes());
        self.buffer = out;
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
    out.extend(std::iter::repeat_n(' ', spaces));
}

#[cfg(test)]
mod tests;
