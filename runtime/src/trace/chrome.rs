//! Export to the Chrome Trace Event Format, for Perfetto and `chrome://tracing`.
//!
//! The format is a JSON object whose `traceEvents` array holds one object per event, each
//! on a *track* named by `pid` and `tid`. This file uses:
//!
//! | `ph` | what                | here                                                    |
//! |------|---------------------|---------------------------------------------------------|
//! | `M`  | metadata            | the name and order of each track                        |
//! | `X`  | a slice (ts, dur)   | each poll, each reactor park, the host of a flow start  |
//! | `i`  | an instant          | timer fired, clock jump, finish, abort, ignored wake    |
//! | `s`  | a flow's start      | where a spawn or wake happened: the cause's slice       |
//! | `f`  | a flow's end        | the woken task's next poll (`bp: "e"`: its enclosing slice) |
//!
//! The viewers bind a flow's `s` to the slice that encloses it on its track and, with
//! `bp: "e"`, its `f` to the slice enclosing the `f`; both are placed strictly inside
//! their slice so that no viewer has to break a tie between equal timestamps.

use std::cell::RefCell;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::Duration;

use super::{Event, Hook, Record, TaskId};

/// A hook that keeps every event and writes them as a Chrome trace: the JSON that
/// [Perfetto](https://ui.perfetto.dev) and `chrome://tracing` open.
///
/// What the trace shows:
///
/// - one track per task (`main`, `t1 "name"`, ...), each poll a slice named after what it
///   returned, with `args.result` and `args.poll` (its number);
/// - a `reactor` track with a slice per park (from `Park` to `Unpark`: the wait, with its
///   timeout, why it ended, and how many I/O events it brought);
/// - a `timers` track with an instant per timer fired and per virtual-clock jump;
/// - a `runtime` track for wakes from other threads and from the runtime itself;
/// - an arrow for every spawn and every wake, from the cause (the polling task, or a small
///   slice on the reactor, timers or runtime track) to the woken task's next poll.
///
/// Timestamps are the event times in µs, with one adjustment: events that happen at the
/// same instant — always the case under the virtual clock, where time stands still while
/// tasks run — are spread 1 µs apart, so every poll has a width and every arrow somewhere
/// to start. Elsewhere events are kept at least 4 ns apart, which leaves real-time traces
/// as they were measured.
///
/// Clones share the same events. [`ChromeTrace::to_file`] writes the file when the
/// runtime is dropped; [`ChromeTrace::json`] renders it at any time.
///
/// ```
/// use runtime::trace::ChromeTrace;
///
/// let trace = ChromeTrace::new();
/// let rt = runtime::Runtime::builder().on_event(trace.clone()).build()?;
/// rt.block_on(async { runtime::spawn(async {}).await.unwrap() });
/// let json = trace.json();
/// assert!(json.contains(r#""name":"thread_name""#));
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct ChromeTrace {
    inner: Rc<TraceData>,
}

#[derive(Debug, Default)]
struct TraceData {
    /// Every event so far, in order; only the runtime's thread appends.
    records: RefCell<Vec<Record>>,
    /// Where [`Hook::finish`] writes the trace, if anywhere.
    path: Option<PathBuf>,
}

impl ChromeTrace {
    /// A trace kept in memory; read it with [`json`](ChromeTrace::json) or
    /// [`write_to`](ChromeTrace::write_to).
    pub fn new() -> ChromeTrace {
        ChromeTrace::default()
    }

    /// A trace written to `path` when the runtime is dropped. The runtime says so on
    /// stderr, or says why it could not.
    pub fn to_file(path: impl Into<PathBuf>) -> ChromeTrace {
        ChromeTrace {
            inner: Rc::new(TraceData {
                records: RefCell::default(),
                path: Some(path.into()),
            }),
        }
    }

    /// The trace so far as a JSON document.
    pub fn json(&self) -> String {
        render(&self.inner.records.borrow())
    }

    /// Writes the trace so far as a JSON document.
    ///
    /// # Errors
    /// Whatever `out` returns.
    pub fn write_to(&self, mut out: impl Write) -> io::Result<()> {
        out.write_all(self.json().as_bytes())?;
        out.flush()
    }

    fn write_file(&self, path: &Path) {
        let events = self.inner.records.borrow().len();
        let result =
            std::fs::File::create(path).and_then(|file| self.write_to(io::BufWriter::new(file)));
        match result {
            Ok(()) => eprintln!(
                "tinyloop: wrote {events} events to {} (open it in https://ui.perfetto.dev \
                 or chrome://tracing)",
                path.display()
            ),
            Err(e) => eprintln!(
                "tinyloop: cannot write the Chrome trace to {}: {e}",
                path.display()
            ),
        }
    }
}

impl Hook for ChromeTrace {
    fn on_event(&self, at: Duration, event: &Event) {
        self.inner.records.borrow_mut().push(Record {
            at,
            event: event.clone(),
        });
    }

    fn finish(&self) {
        if let Some(path) = &self.inner.path {
            self.write_file(path);
        }
    }
}

/// Every track belongs to this one process.
const PID: u32 = 1;
/// Wakes from other threads and from the runtime itself; events without a layout.
const RUNTIME_TID: u64 = 1;
/// Reactor parks and the I/O readiness that wakes tasks.
const REACTOR_TID: u64 = 2;
/// Timers firing and the virtual clock's jumps.
const TIMERS_TID: u64 = 3;
/// Task `n` is drawn on track `TASK_TID_BASE + n` (so `main` on 100).
const TASK_TID_BASE: u64 = 100;

/// The gap between two events at the same instant, in ns.
const SAME_INSTANT_STEP: u64 = 1_000;
/// The least gap between two events, in ns. With a gap of at least 4 ns there is room for
/// a host slice (±1 ns at least) and an `f` (2 ns in) that touch nothing else.
const MIN_STEP: u64 = 4;

fn task_tid(task: TaskId) -> u64 {
    TASK_TID_BASE + task.0
}

/// Renders `records` as a Chrome trace JSON document.
fn render(records: &[Record]) -> String {
    let mut writer = Writer::new(records);
    for (i, record) in records.iter().enumerate() {
        writer.event(i, &record.event);
    }
    writer.close_open_slices();
    writer.finish()
}

/// When each event is drawn, in ns: strictly increasing, see [`ChromeTrace`].
fn display_times(records: &[Record]) -> Vec<u64> {
    let mut times: Vec<u64> = Vec::with_capacity(records.len());
    let mut previous: Option<(Duration, u64)> = None;
    for record in records {
        let at = u64::try_from(record.at.as_nanos()).unwrap_or(u64::MAX);
        let shown = match previous {
            None => at,
            Some((previous_at, previous_shown)) => {
                let step = if record.at == previous_at {
                    SAME_INSTANT_STEP
                } else {
                    MIN_STEP
                };
                at.max(previous_shown.saturating_add(step))
            }
        };
        times.push(shown);
        previous = Some((record.at, shown));
    }
    times
}

mod writer;

use writer::Writer;

#[cfg(test)]
mod tests;
