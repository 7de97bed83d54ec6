//! Turning recorded events into Chrome Trace Event Format JSON.

use std::collections::{BTreeSet, HashMap};
use std::fmt::{self, Write as _};
use std::sync::Arc;
use std::time::Duration;

use super::{
    display_times, task_tid, MIN_STEP, PID, REACTOR_TID, RUNTIME_TID, SAME_INSTANT_STEP, TIMERS_TID,
};
use crate::trace::{Event, Record, TaskId, WakeCause};

/// A flow whose `s` is known and whose `f` waits for the woken task's next poll.
struct PendingFlow {
    id: u64,
    name: &'static str,
    start: String,
}

/// Turns the event stream into trace events, one pass.
pub(super) struct Writer {
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
    pub(super) fn new(records: &[Record]) -> Writer {
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

    pub(super) fn event(&mut self, i: usize, event: &Event) {
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
            Event::PollEnd { task, result, .. } => {
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
    pub(super) fn close_open_slices(&mut self) {
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
    pub(super) fn finish(self) -> String {
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
pub(super) fn json_str(text: &str) -> String {
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
