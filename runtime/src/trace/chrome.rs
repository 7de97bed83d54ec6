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
use std::collections::{BTreeSet, HashMap};
use std::fmt::{self, Write as _};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use super::{Event, Hook, Record, TaskId, WakeCause};

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
    inner: Rc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
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
            inner: Rc::new(Inner {
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

/// A flow whose `s` is known and whose `f` waits for the woken task's next poll.
struct PendingFlow {
    id: u64,
    name: &'static str,
    start: String,
}

/// Turns the event stream into trace events, one pass.
struct Writer {
    /// Display time of each event, in ns.
    times: Vec<u64>,
    /// The trace events written so far (metadata comes first, in `finish`).
    out: Vec<String>,
    /// Every task seen in an event: each gets a track.
    tasks: BTreeSet<TaskId>,
    names: HashMap<TaskId, Arc<str>>,
    /// Tasks being polled: the index of their `PollStart` and the poll's number.
    open_polls: HashMap<TaskId, (usize, u32)>,
    polls: HashMap<TaskId, u32>,
    /// The reactor's wait in progress: the index of its `Park` and the timeout.
    open_park: Option<(usize, Option<Duration>)>,
    /// Flows by the task whose next poll ends them.
    pending: HashMap<TaskId, Vec<PendingFlow>>,
    next_flow: u64,
}

impl Writer {
    fn new(records: &[Record]) -> Writer {
        Writer {
            times: display_times(records),
            out: Vec::with_capacity(records.len() + 16),
            tasks: BTreeSet::new(),
            names: HashMap::new(),
            open_polls: HashMap::new(),
            polls: HashMap::new(),
            open_park: None,
            pending: HashMap::new(),
            next_flow: 1,
        }
    }

    fn event(&mut self, i: usize, event: &Event) {
        let at = self.times[i];
        match event {
            Event::Spawned { task, name, parent } => {
                self.tasks.insert(*task);
                if let Some(name) = name {
                    self.names.insert(*task, name.clone());
                }
                let cause = parent.map_or(WakeCause::Runtime, WakeCause::Task);
                self.flow(i, cause, *task, "spawn");
            }
            Event::PollStart { task } => {
                self.tasks.insert(*task);
                let poll = self.polls.entry(*task).or_insert(0);
                *poll += 1;
                self.open_polls.insert(*task, (i, *poll));
                // Halfway to the next event: inside this poll, clear of anything else.
                let end_at = (at + self.next_time(i)) / 2;
                for flow in self.pending.remove(task).unwrap_or_default() {
                    self.out.push(flow.start);
                    let mut end = trace_event("f", flow.name, task_tid(*task), end_at);
                    let _ = write!(end, r#","cat":"flow","id":{},"bp":"e"}}"#, flow.id);
                    self.out.push(end);
                }
            }
            Event::PollEnd { task, result } => {
                if let Some((start, poll)) = self.open_polls.remove(task) {
                    let name = format!("poll: {result:?}");
                    let args = [
                        ("result", json_str(&format!("{result:?}"))),
                        ("poll", poll.to_string()),
                    ];
                    self.slice(task_tid(*task), &name, self.times[start], at, &args);
                }
            }
            Event::Woken { task, cause } => self.flow(i, *cause, *task, "wake"),
            Event::WakeIgnored {
                task,
                cause,
                reason,
            } => {
                let args = [
                    ("by", json_str(&cause.to_string())),
                    ("reason", json_str(&format!("{reason:?}"))),
                ];
                self.task_instant(*task, "wake ignored", at, &args);
            }
            Event::AbortRequested { task, by } => {
                let args = [("by", json_str(&by.to_string()))];
                self.task_instant(*task, "abort requested", at, &args);
            }
            Event::Requeued { task } => self.task_instant(*task, "requeued", at, &[]),
            Event::Park { timeout } => self.open_park = Some((i, *timeout)),
            Event::Unpark { reason, events } => {
                if let Some((start, timeout)) = self.open_park.take() {
                    self.park_slice(start, timeout, at, Some((format!("{reason:?}"), *events)));
                }
            }
            Event::TimerFired { timer } => {
                self.instant(TIMERS_TID, &format!("timer#{timer} fired"), at, &[]);
            }
            Event::ClockJump { to } => {
                let args = [("to_us", to.as_micros().to_string())];
                self.instant(TIMERS_TID, &format!("clock jumps to {to:?}"), at, &args);
            }
            Event::LostWaker { task, poll } => {
                let args = [("poll", poll.to_string())];
                self.task_instant(*task, "lost waker", at, &args);
            }
            Event::Finished { task, outcome } => {
                self.task_instant(*task, &format!("finish: {outcome:?}"), at, &[]);
            }
            // `Event` is `#[non_exhaustive]`: variants added later land here, drawn as an
            // instant on the runtime track, named by their `Display` text.
            #[allow(unreachable_patterns)]
            other => self.instant(RUNTIME_TID, &other.to_string(), at, &[]),
        }
    }

    /// Starts a flow for a spawn or wake of `target` by `cause` (event `i`); it ends in
    /// `target`'s next poll, or is dropped if there is none.
    fn flow(&mut self, i: usize, cause: WakeCause, target: TaskId, name: &'static str) {
        let at = self.times[i];
        let (tid, needs_host) = match cause {
            WakeCause::Task(task) => {
                self.tasks.insert(task);
                (task_tid(task), !self.open_polls.contains_key(&task))
            }
            WakeCause::Io { .. } => (REACTOR_TID, true),
            WakeCause::Timer(_) => (TIMERS_TID, true),
            WakeCause::Thread | WakeCause::Runtime => (RUNTIME_TID, true),
        };
        if needs_host {
            // The cause is not inside a slice of its own: give the flow's start one,
            // centred on it and clear of the neighbouring events.
            let half = self.host_half_width(i);
            let host = format!("{name} {}", self.label(target));
            let args = [("cause", json_str(&cause.to_string()))];
            self.slice(tid, &host, at - half, at + half, &args);
        }
        let id = self.next_flow;
        self.next_flow += 1;
        let mut start = trace_event("s", name, tid, at);
        let _ = write!(start, r#","cat":"flow","id":{id}}}"#);
        self.pending
            .entry(target)
            .or_default()
            .push(PendingFlow { id, name, start });
    }

    /// A quarter of the smaller gap to the neighbouring events (at least 1 ns).
    fn host_half_width(&self, i: usize) -> u64 {
        let before = i.checked_sub(1).map(|p| self.times[i] - self.times[p]);
        let after = self.times.get(i + 1).map(|&next| next - self.times[i]);
        let gap = match (before, after) {
            (Some(b), Some(a)) => b.min(a),
            (Some(gap), None) | (None, Some(gap)) => gap,
            (None, None) => SAME_INSTANT_STEP,
        };
        (gap / 4).max(1)
    }

    /// The display time of the event after `i` (or a minimal step after `i`'s).
    fn next_time(&self, i: usize) -> u64 {
        self.times
            .get(i + 1)
            .copied()
            .unwrap_or(self.times[i] + MIN_STEP)
    }

    fn park_slice(
        &mut self,
        start: usize,
        timeout: Option<Duration>,
        end: u64,
        unpark: Option<(String, usize)>,
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
        if let Some((reason, events)) = unpark {
            args.push(("woke_by", json_str(&reason)));
            args.push(("io_events", events.to_string()));
        }
        self.slice(REACTOR_TID, name, self.times[start], end, &args);
    }

    /// Ends the slices still open when the events stop (a trace cut short mid-poll).
    fn close_open_slices(&mut self) {
        let Some(&last) = self.times.last() else {
            return;
        };
        let end = last + MIN_STEP;
        let mut open: Vec<(TaskId, (usize, u32))> = self.open_polls.drain().collect();
        open.sort_unstable();
        for (task, (start, poll)) in open {
            let args = [
                ("result", json_str("unfinished")),
                ("poll", poll.to_string()),
            ];
            self.slice(task_tid(task), "poll", self.times[start], end, &args);
        }
        if let Some((start, timeout)) = self.open_park.take() {
            self.park_slice(start, timeout, end, None);
        }
    }

    fn slice(&mut self, tid: u64, name: &str, start: u64, end: u64, args: &[(&str, String)]) {
        let mut event = trace_event("X", name, tid, start);
        let _ = write!(event, r#","dur":{}"#, Micros(end - start));
        push_args(&mut event, args);
        event.push('}');
        self.out.push(event);
    }

    fn instant(&mut self, tid: u64, name: &str, at: u64, args: &[(&str, String)]) {
        let mut event = trace_event("i", name, tid, at);
        event.push_str(r#","s":"t""#);
        push_args(&mut event, args);
        event.push('}');
        self.out.push(event);
    }

    fn task_instant(&mut self, task: TaskId, name: &str, at: u64, args: &[(&str, String)]) {
        self.tasks.insert(task);
        self.instant(task_tid(task), name, at, args);
    }

    fn label(&self, task: TaskId) -> String {
        match self.names.get(&task) {
            Some(name) => format!("{task} {name:?}"),
            None => task.to_string(),
        }
    }

    /// The whole document: track metadata first, then the events.
    fn finish(self) -> String {
        let mut tracks = vec![
            (RUNTIME_TID, "runtime".to_string()),
            (REACTOR_TID, "reactor".to_string()),
            (TIMERS_TID, "timers".to_string()),
        ];
        tracks.extend(self.tasks.iter().map(|&t| (task_tid(t), self.label(t))));
        let mut metadata = vec![format!(
            r#"{{"ph":"M","name":"process_name","pid":{PID},"tid":0,"args":{{"name":"tinyloop"}}}}"#
        )];
        for (sort_index, (tid, name)) in tracks.iter().enumerate() {
            metadata.push(format!(
                r#"{{"ph":"M","name":"thread_name","pid":{PID},"tid":{tid},"args":{{"name":{}}}}}"#,
                json_str(name)
            ));
            metadata.push(format!(
                r#"{{"ph":"M","name":"thread_sort_index","pid":{PID},"tid":{tid},"args":{{"sort_index":{sort_index}}}}}"#
            ));
        }
        let events = metadata.iter().chain(&self.out);
        let mut json = String::from("{\"traceEvents\":[\n");
        for (i, event) in events.enumerate() {
            if i > 0 {
                json.push_str(",\n");
            }
            json.push_str(event);
        }
        json.push_str("\n]}\n");
        json
    }
}

/// The start of a trace event object, up to and including `ts` (no closing brace).
fn trace_event(ph: &str, name: &str, tid: u64, at: u64) -> String {
    format!(
        r#"{{"ph":"{ph}","name":{},"pid":{PID},"tid":{tid},"ts":{}"#,
        json_str(name),
        Micros(at)
    )
}

/// Appends `,"args":{...}`; each value is JSON already.
fn push_args(event: &mut String, args: &[(&str, String)]) {
    if args.is_empty() {
        return;
    }
    event.push_str(r#","args":{"#);
    for (i, (key, value)) in args.iter().enumerate() {
        if i > 0 {
            event.push(',');
        }
        let _ = write!(event, "{}:{value}", json_str(key));
    }
    event.push('}');
}

/// Nanoseconds written as microseconds with three decimals: the format's unit, exactly.
struct Micros(u64);

impl fmt::Display for Micros {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:03}", self.0 / 1000, self.0 % 1000)
    }
}

/// `text` as a JSON string literal.
fn json_str(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests;
