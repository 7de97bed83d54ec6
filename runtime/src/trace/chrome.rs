//! Export to the Chrome Trace Event Format, for Chromium DevTools and Perfetto.
//!
//! The format is a JSON object whose `traceEvents` array holds one object per event, each
//! on a *track* named by `pid` (one process here, `tinyloop`) and `tid`. This file uses:
//!
//! | `ph` | what                  | here                                                   |
//! |------|-----------------------|--------------------------------------------------------|
//! | `M`  | metadata              | each track's name and place (`thread_sort_index`)      |
//! | `X`  | a slice (`ts`, `dur`) | each poll of a task or child, park, span; short marks: |
//! |      |                       | a wake or spawn (an arrow's start), a timer, a finish  |
//! | `s`  | a flow's start        | exactly at the start of the cause's `wake …` slice     |
//! | `f`  | a flow's end          | exactly at the start of the woken one's poll slice     |
//!
//! Nothing else: Chromium DevTools ignores lowercase `i` instants, draws no asynchronous
//! (`b`/`e`) events, and draws an uppercase `I` as an unlabelled box, so every mark is a
//! short `X` slice with a name. Every event has a `cat` (`sched` for polls, the slices
//! arrows start from, and the arrows; `reactor`, `timer`, `span`, `task`, `runtime`,
//! `__metadata`): DevTools cannot show the details of a slice without one.
//!
//! The tracks, in Perfetto's order (see [`tracks`] for the rules):
//!
//! ```text
//! runtime            wakes from other threads and from the runtime itself
//! reactor            each park (the wait for I/O or a timer), each I/O wake
//! timers             each timer fired, each virtual-clock jump, each timer wake
//! main               the task's polls: `poll #3 → pending`
//! main · phases      spans (`runtime::instrument::span`) run by the task itself
//! hero 4             a combinator child's polls, inside main's polls in time
//! hero 4 · phases    its spans: `connect`, `tls handshake`, ...
//! t1 "sleeper"       the next task, its phases and children
//! ```
//!
//! A track with nothing drawn on it is left out. Chromium DevTools ignores
//! `thread_sort_index`: it lists the tracks with the most slices first (ties in the order
//! of their first slice in the file), so there `reactor` and `main` usually come first,
//! then the children, busiest first, each child's phases wherever their count puts them.
//! Perfetto keeps the order above.
//!
//! Arrows ([`flows`]): DevTools draws a flow's arrows only for the selected slice (click a
//! poll to see the wake that led to it); each end must sit exactly at the `ts`, `pid`,
//! `tid` and `cat` of a slice, the first such in the file.

use std::cell::RefCell;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::Duration;

use super::{Event, Hook, Record};

/// A hook that keeps every event and writes them as a Chrome trace: the JSON that
/// Chromium DevTools (Performance panel, "Load profile…") and
/// [Perfetto](https://ui.perfetto.dev) open.
///
/// What the trace shows:
///
/// - one track per task (`main`, `t1 "name"`, ...), each poll a slice named after its
///   number and what it returned (`poll #3 → pending`), with `args`: `result`, `poll`,
///   `waits_on` (the await point it parked on, when known), `woken_by` and
///   `also_woken_by` (the wakes since the last poll);
/// - one track per combinator child (`hero 4`, or `main › child 3` without a
///   [`label`](crate::instrument::label)), its polls lying inside its task's in time, and
///   one for its phases (`hero 4 · phases`), a slice per
///   [`span`](crate::instrument::span);
/// - a `reactor` track with a slice per park (from `Park` to `Unpark`: the wait, with its
///   timeout, why it ended, and how many I/O events it brought);
/// - a `timers` track with a mark per timer fired and per virtual-clock jump;
/// - an arrow for every spawn and every wake that queued a task or child, from a small
///   `wake …` slice at the cause (on the reactor, timers or runtime track, or on the
///   track of the task or child whose code woke it) to the woken one's next poll.
///
/// Timestamps are the event times in µs, with two adjustments: events that happen at the
/// same instant — always the case under the virtual clock, where time stands still while
/// tasks run — are spread 1 µs apart, so every poll has a width and every arrow somewhere
/// to start (elsewhere events are kept at least 4 ns apart, which leaves real-time traces
/// as they were measured); and nothing is drawn before 1 µs, as if an event at 0 came
/// first, because DevTools leaves a slice at `ts` 0 outside its view.
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
                "tinyloop: wrote {events} events to {} (open it in Chromium's DevTools, \
                 Performance, Load profile, or in https://ui.perfetto.dev)",
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
/// Wakes from other threads and from the runtime itself; events without a place.
const RUNTIME_TID: u64 = 1;
/// Reactor parks and the I/O readiness that wakes tasks.
const REACTOR_TID: u64 = 2;
/// Timers firing and the virtual clock's jumps.
const TIMERS_TID: u64 = 3;
/// Tasks, children and phases are numbered from here, in display order (`main` is 100).
const TASK_TID_BASE: u64 = 100;

/// The gap between two events at the same instant, in ns.
const SAME_INSTANT_STEP: u64 = 1_000;
/// The least gap between two events, in ns: room for a mark of ±1 ns around an event
/// that touches neither neighbour.
const MIN_STEP: u64 = 4;
/// A mark (a `wake …` slice, `finished`, ...) is at most this far either side of its
/// event, in ns, and at most a quarter of the gap to the events before and after it.
const MARK_HALF_WIDTH: u64 = SAME_INSTANT_STEP / 4;

/// Renders `records` as a Chrome trace JSON document.
fn render(records: &[Record]) -> String {
    let mut writer = Writer::new(records);
    for (i, record) in records.iter().enumerate() {
        writer.event(i, &record.event);
    }
    writer.close_open_slices();
    writer.finish()
}

/// When each event is drawn, in ns: strictly increasing, from 1 µs; see [`ChromeTrace`].
fn display_times(records: &[Record]) -> Vec<u64> {
    let mut times: Vec<u64> = Vec::with_capacity(records.len());
    // As if an event at 0 came first: the first event is drawn at 1 µs at the earliest.
    let mut previous = (Duration::ZERO, 0u64);
    for record in records {
        let at = u64::try_from(record.at.as_nanos()).unwrap_or(u64::MAX);
        let (previous_at, previous_shown) = previous;
        let step = if record.at == previous_at || times.is_empty() {
            SAME_INSTANT_STEP
        } else {
            MIN_STEP
        };
        let shown = at.max(previous_shown.saturating_add(step));
        times.push(shown);
        previous = (record.at, shown);
    }
    times
}

/// Where the mark of event `i` lies (see [`MARK_HALF_WIDTH`]): around its time, within a
/// quarter of the gap to the events either side (to 0 before the first, [`MIN_STEP`] after
/// the last), so that it touches nothing else and nests in whatever slice is open there.
fn mark_span(times: &[u64], i: usize) -> (u64, u64) {
    let at = times[i];
    let before = i.checked_sub(1).map_or(at, |p| at - times[p]);
    let after = times.get(i + 1).map_or(MIN_STEP, |&next| next - at);
    let half = (before.min(after) / 4).clamp(1, MARK_HALF_WIDTH);
    (at - half, at + half)
}

mod flows;
pub(super) mod json;
mod tracks;
mod writer;

use writer::Writer;

#[cfg(test)]
mod tests;
