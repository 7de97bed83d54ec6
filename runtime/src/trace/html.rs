//! The step-by-step HTML replay: one self-contained page per run.
//!
//! [`HtmlTrace`] keeps every event as it happens, compactly: one JSON array per event
//! (`["ps", 1250000, 3]`: task 3's poll starts at 1.25 ms), its texts (names, await
//! points, labels) interned in a table. When the runtime is dropped it writes the page
//! (`html/page.html`: the styles, the script, no resource from the network) with that data
//! inserted; the page draws the waterfall and reconstructs, at each step, the run queue,
//! the sockets waited on and the timers armed. The format is described where the page
//! reads it, at the top of its script.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::Duration;

use super::chrome::json::json_str;
use super::{Event, Hook, IgnoredBecause, Outcome, PollResult, UnparkReason, WakeCause};
use crate::task::{AwaitPoint, ChildId};

/// The page's markup, with a slot for its styles, one for its script and one for the run's
/// data. The styles and the script are files of their own, one concern each: the data and
/// names, the waterfall's layout, the stepper's state, the drawing, the panels and controls.
const PAGE: &str = include_str!("html/page.html");
const STYLE: &str = include_str!("html/page.css");
const SCRIPT: [&str; 5] = [
    include_str!("html/data.js"),
    include_str!("html/waterfall.js"),
    include_str!("html/state.js"),
    include_str!("html/draw.js"),
    include_str!("html/panels.js"),
];
/// Where the page has its data.
const SLOT: &str = "/*TINYLOOP_TRACE_DATA*/";

/// A hook that keeps every event and writes the run as one HTML page that steps through
/// it: a waterfall of every task and combinator child, and at each event the run queue,
/// the reactor's interests, the armed timers and the terminal timeline's line.
///
/// ```
/// use runtime::trace::HtmlTrace;
///
/// let trace = HtmlTrace::new();
/// let rt = runtime::Runtime::builder()
///     .virtual_clock(true) // time stands still while tasks run: every event at 0 ns
///     .on_event(trace.clone())
///     .build()?;
/// rt.block_on(async { runtime::spawn(async {}).await.unwrap() });
/// let page = trace.html("spawn and join");
/// assert!(page.contains(r#"["sp",0,1,-1,0]"#)); // t1 spawned by main (task 0) at 0 ns
/// assert!(!page.contains("http://") && !page.contains("https://"));
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct HtmlTrace {
    inner: Rc<Data>,
}

#[derive(Debug, Default)]
struct Data {
    encoder: RefCell<Encoder>,
    /// Where [`Hook::finish`] writes the page, if anywhere.
    path: Option<PathBuf>,
}

/// The events so far, encoded.
#[derive(Debug, Default)]
struct Encoder {
    /// The events' JSON arrays, comma-separated.
    events: String,
    /// How many events.
    count: usize,
    /// Every text, in the order first seen; an event names one by its index.
    strings: Vec<String>,
    /// Each text's index in `strings`.
    index: HashMap<String, usize>,
    /// Whether the clock is virtual (time stands still while tasks run).
    virtual_clock: bool,
}

impl HtmlTrace {
    /// A trace kept in memory; render it with [`html`](HtmlTrace::html).
    pub fn new() -> HtmlTrace {
        HtmlTrace::default()
    }

    /// A trace written to `path` when the runtime is dropped. The runtime says so on
    /// stderr, or says why it could not.
    pub fn to_file(path: impl Into<PathBuf>) -> HtmlTrace {
        HtmlTrace {
            inner: Rc::new(Data {
                encoder: RefCell::default(),
                path: Some(path.into()),
            }),
        }
    }

    /// The page so far, titled `title`.
    pub fn html(&self, title: &str) -> String {
        let encoder = self.inner.encoder.borrow();
        let mut data = String::with_capacity(encoder.events.len() + 4096);
        let strings: Vec<String> = encoder.strings.iter().map(|s| json_str(s)).collect();
        let _ = write!(
            data,
            r#"{{"version":1,"title":{},"clock":"{}","strings":[{}],"events":[{}]}}"#,
            json_str(title),
            if encoder.virtual_clock {
                "virtual"
            } else {
                "real"
            },
            strings.join(","),
            encoder.events,
        );
        // Inside <script>, `</script` would end the element and `<!--` can change how the
        // browser reads the rest: no `<` at all. (It can only be in a string: `\u003c` there
        // is the same JSON.)
        PAGE.replacen("/*TINYLOOP_STYLE*/", STYLE, 1)
            .replacen("/*TINYLOOP_SCRIPT*/", &SCRIPT.concat(), 1)
            .replacen(SLOT, &data.replace('<', "\\u003c"), 1)
    }

    /// How many events are kept.
    pub fn len(&self) -> usize {
        self.inner.encoder.borrow().count
    }

    /// Whether no event is kept yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn write_file(&self, path: &Path) {
        let title = path
            .file_stem()
            .map_or("tinyloop".into(), |stem| stem.to_string_lossy());
        let page = self.html(&title);
        let result = std::fs::File::create(path).and_then(|mut file| {
            file.write_all(page.as_bytes())?;
            file.flush()
        });
        match result {
            Ok(()) => eprintln!(
                "tinyloop: wrote {} events to {} (open it in any browser: it steps through the run)",
                self.len(),
                path.display()
            ),
            Err(e) => eprintln!(
                "tinyloop: cannot write the HTML trace to {}: {e}",
                path.display()
            ),
        }
    }
}

impl Hook for HtmlTrace {
    fn on_event(&self, at: Duration, event: &Event) {
        self.inner.encoder.borrow_mut().push(at, event);
    }

    fn finish(&self) {
        if let Some(path) = &self.inner.path {
            self.write_file(path);
        }
    }
}

impl Encoder {
    /// Appends `event`, at `at`, as one JSON array.
    fn push(&mut self, at: Duration, event: &Event) {
        if let Event::ClockJump { .. } = event {
            self.virtual_clock = true;
        }
        let t = at.as_nanos();
        let row = match event {
            Event::Spawned { task, name, parent } => {
                let name = self.text(name.as_deref());
                format!(
                    r#"["sp",{t},{},{name},{}]"#,
                    task.0,
                    id(parent.map(|p| p.0))
                )
            }
            Event::PollStart { task } => format!(r#"["ps",{t},{}]"#, task.0),
            Event::PollEnd {
                task,
                result,
                waits_on,
            } => {
                let wait = self.wait(waits_on);
                format!(r#"["pe",{t},{},{},{wait}]"#, task.0, result_code(*result))
            }
            Event::Woken { task, cause } => {
                format!(r#"["wk",{t},{},{}]"#, task.0, cause_json(cause))
            }
            Event::WakeIgnored {
                task,
                cause,
                reason,
            } => {
                let reason = match reason {
                    IgnoredBecause::AlreadyQueued => "queued",
                    IgnoredBecause::Finished => "finished",
                };
                format!(r#"["wi",{t},{},{},"{reason}"]"#, task.0, cause_json(cause))
            }
            Event::AbortRequested { task, by } => {
                format!(r#"["ab",{t},{},{}]"#, task.0, cause_json(by))
            }
            Event::Requeued { task } => format!(r#"["rq",{t},{}]"#, task.0),
            Event::Park { timeout } => {
                let timeout = id(timeout.map(|d| d.as_nanos() as u64));
                format!(r#"["pk",{t},{timeout}]"#)
            }
            Event::Unpark { reason, events } => {
                let reason = match reason {
                    UnparkReason::NonBlocking => "nonblocking",
                    UnparkReason::Io => "io",
                    UnparkReason::Timer => "timer",
                    UnparkReason::Notified => "notified",
                    UnparkReason::Timeout => "timeout",
                };
                format!(r#"["up",{t},"{reason}",{events}]"#)
            }
            Event::TimerFired { timer } => format!(r#"["tf",{t},{timer}]"#),
            Event::ClockJump { to } => format!(r#"["cj",{t},{}]"#, to.as_nanos()),
            Event::LostWaker { task, poll } => format!(r#"["lw",{t},{},{poll}]"#, task.0),
            Event::Children {
                task,
                group,
                parent,
                combinator,
                count,
            } => {
                let (pg, pi) = child_pair(parent.as_ref());
                let combinator = self.text(Some(combinator));
                format!(
                    r#"["ch",{t},{},{group},{pg},{pi},{combinator},{count}]"#,
                    task.0
                )
            }
            Event::ChildPoll { task, child } => {
                format!(r#"["cp",{t},{},{},{}]"#, task.0, child.group, child.index)
            }
            Event::ChildPollEnd {
                task,
                child,
                result,
                waits_on,
            } => {
                let wait = self.wait(waits_on);
                let result = result_code(*result);
                let (g, i) = (child.group, child.index);
                format!(r#"["ce",{t},{},{g},{i},{result},{wait}]"#, task.0)
            }
            Event::ChildWoken {
                task,
                child,
                cause,
                already_queued,
            } => {
                let (g, i, queued) = (child.group, child.index, u8::from(*already_queued));
                let cause = cause_json(cause);
                format!(r#"["cw",{t},{},{g},{i},{cause},{queued}]"#, task.0)
            }
            Event::ChildLabel { task, child, label } => {
                let label = self.text(Some(label));
                let (g, i) = (child.group, child.index);
                format!(r#"["cl",{t},{},{g},{i},{label}]"#, task.0)
            }
            Event::ChildFinished {
                task,
                child,
                outcome,
            } => {
                let (g, i) = (child.group, child.index);
                let outcome = outcome_code(*outcome);
                format!(r#"["cf",{t},{},{g},{i},{outcome}]"#, task.0)
            }
            Event::SpanStart {
                task,
                child,
                span,
                name,
            } => {
                let (g, i) = child_pair(child.as_ref());
                let name = self.text(Some(name));
                format!(r#"["ss",{t},{},{g},{i},{span},{name}]"#, task.0)
            }
            Event::SpanEnd {
                task,
                child,
                span,
                cancelled,
            } => {
                let (g, i) = child_pair(child.as_ref());
                let cancelled = u8::from(*cancelled);
                format!(r#"["se",{t},{},{g},{i},{span},{cancelled}]"#, task.0)
            }
            Event::Finished { task, outcome } => {
                format!(r#"["fi",{t},{},{}]"#, task.0, outcome_code(*outcome))
            }
            Event::TimerArmed {
                timer,
                deadline,
                task,
            } => {
                let (deadline, task) = (deadline.as_nanos(), id(task.map(|t| t.0)));
                format!(r#"["ta",{t},{timer},{deadline},{task}]"#)
            }
            Event::TimerCancelled { timer } => format!(r#"["tc",{t},{timer}]"#),
            Event::Interest {
                token,
                writable,
                task,
            } => {
                let dir = if *writable { "w" } else { "r" };
                let task = id(task.map(|t| t.0));
                format!(r#"["ir",{t},{token},"{dir}",{task}]"#)
            }
            Event::Deregistered { token } => format!(r#"["ix",{t},{token}]"#),
            // `Event` is `#[non_exhaustive]`: a variant added later is not drawn.
            #[allow(unreachable_patterns)]
            _ => return,
        };
        if self.count > 0 {
            self.events.push(',');
        }
        self.events.push_str(&row);
        self.count += 1;
    }

    /// The index of `text` in the table (`-1` for none).
    fn text(&mut self, text: Option<&str>) -> i64 {
        let Some(text) = text else { return -1 };
        if let Some(&i) = self.index.get(text) {
            return i as i64;
        }
        self.strings.push(text.to_owned());
        self.index.insert(text.to_owned(), self.strings.len() - 1);
        (self.strings.len() - 1) as i64
    }

    /// An await point as the page shows it: `socket read (fetcher/src/tls/stream.rs:391)`.
    fn wait(&mut self, point: &Option<AwaitPoint>) -> i64 {
        match point {
            Some(point) => self.text(Some(&point.to_string())),
            None => -1,
        }
    }
}

/// `id`, or `-1` for none.
fn id(id: Option<u64>) -> i64 {
    id.map_or(-1, |id| id as i64)
}

/// A child's `(group, index)`, or `(-1, -1)`.
fn child_pair(child: Option<&ChildId>) -> (i64, i64) {
    child.map_or((-1, -1), |c| (i64::from(c.group), i64::from(c.index)))
}

fn result_code(result: PollResult) -> u8 {
    match result {
        PollResult::Ready => 0,
        PollResult::Pending => 1,
        PollResult::Panicked => 2,
    }
}

fn outcome_code(outcome: Outcome) -> u8 {
    match outcome {
        Outcome::Completed => 0,
        Outcome::Aborted => 1,
        Outcome::Panicked => 2,
    }
}

/// A wake's cause: `["t",3]`, `["io",3,"readable|writable"]`, `["tm",5]`, `["th"]`, `["rt"]`.
fn cause_json(cause: &WakeCause) -> String {
    match cause {
        WakeCause::Task(task) => format!(r#"["t",{}]"#, task.0),
        WakeCause::Io { token, readiness } => format!(r#"["io",{token},"{readiness}"]"#),
        WakeCause::Timer(timer) => format!(r#"["tm",{timer}]"#),
        WakeCause::Thread => r#"["th"]"#.to_owned(),
        WakeCause::Runtime => r#"["rt"]"#.to_owned(),
    }
}

#[cfg(test)]
mod tests;
