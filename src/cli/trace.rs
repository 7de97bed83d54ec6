//! `--trace` and `--trace-json PATH`: checked before the run, written after it.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use runtime::trace::{ChromeTrace, Detail, HtmlTrace};
use runtime::{Builder, Runtime};

use std::process::ExitCode;

use super::{Args, Command, UsageError};

/// The trace flags of a command line, as read; [`open`](TraceFlags::open) checks them.
///
/// - `--trace`: the runtime's timeline on stderr, compact (each child's poll one line, with
///   what it parked on), and its per-task summary at the end; `--trace=full`: one line per
///   event;
/// - `--trace-json PATH`: a Chrome trace of every event, written to `PATH` after the run
///   (open it in <https://ui.perfetto.dev>).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TraceFlags {
    /// `--trace` was given.
    pub terminal: bool,
    /// `--trace=full` (`Some(Full)`) or `--trace=compact` (`Some(Compact)`); `None` for a
    /// bare `--trace`, which leaves the choice to the program.
    pub detail: Option<Detail>,
    /// The `PATH` of `--trace-json PATH`.
    pub chrome: Option<PathBuf>,
    /// The `PATH` of `--trace-html PATH`.
    pub html: Option<PathBuf>,
}

impl TraceFlags {
    /// The flags, for a usage line.
    pub const USAGE: &'static str = "[--trace[=full]] [--trace-json PATH] [--trace-html PATH]";

    /// No trace.
    pub fn new() -> TraceFlags {
        TraceFlags::default()
    }

    /// Reads `flag`, just taken from `args`, if it is a trace flag: `Ok(true)`. `Ok(false)`
    /// leaves it to the caller.
    ///
    /// # Errors
    /// `--trace-json` without a path (see [`Args::value`]), `--trace=` anything but `full`
    /// or `compact`.
    pub fn read(&mut self, flag: &str, args: &mut Args) -> Result<bool, UsageError> {
        match flag {
            "--trace" => {
                self.terminal = true;
                self.detail = match args.inline_value().as_deref() {
                    None => None,
                    Some("full") => Some(Detail::Full),
                    Some("compact") => Some(Detail::Compact),
                    Some(other) => {
                        return Err(UsageError::new(format!(
                            "--trace takes `=full`, `=compact` or nothing, not {other:?}"
                        )))
                    }
                };
            }
            "--trace-json" => self.chrome = Some(args.value(flag)?.into()),
            "--trace-html" => self.html = Some(args.value(flag)?.into()),
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Checks that the Chrome trace can be written, by creating its file now (empty until
    /// [`Trace::finish`]), so that a bad path stops the program before any work rather than
    /// losing the trace after it.
    ///
    /// # Errors
    /// If the file cannot be created, with the path and the reason.
    pub fn open(&self) -> Result<Trace, UsageError> {
        let chrome = match &self.chrome {
            None => None,
            Some(path) => Some(ChromeFile {
                file: File::create(path).map_err(|e| cannot_write("--trace-json", path, &e))?,
                path: path.clone(),
                events: ChromeTrace::new(),
            }),
        };
        let html = match &self.html {
            None => None,
            Some(path) => Some(HtmlFile {
                file: File::create(path).map_err(|e| cannot_write("--trace-html", path, &e))?,
                path: path.clone(),
                events: HtmlTrace::new(),
            }),
        };
        Ok(Trace {
            terminal: self.terminal,
            detail: self.detail,
            chrome,
            html,
        })
    }
}

/// Why `FLAG PATH` cannot be used, as a usage error.
fn cannot_write(flag: &str, path: &Path, e: &io::Error) -> UsageError {
    UsageError::new(format!(
        "{flag} {}: cannot write there: {e}",
        path.display()
    ))
}

/// The trace outputs of a run, opened by [`TraceFlags::open`]: attach them to a runtime with
/// [`builder`](Trace::builder), and after dropping the runtime, write the Chrome trace with
/// [`finish`](Trace::finish).
#[derive(Debug)]
pub struct Trace {
    terminal: bool,
    /// As asked with `--trace=...`; `None` leaves it to the builder.
    detail: Option<Detail>,
    chrome: Option<ChromeFile>,
    html: Option<HtmlFile>,
}

/// The step-by-step HTML replay being recorded, and the file it goes to, created up front.
#[derive(Debug)]
struct HtmlFile {
    path: PathBuf,
    file: File,
    /// The recorder attached to the runtime; it shares its events with this clone.
    events: HtmlTrace,
}

/// A Chrome trace being recorded, and the file it goes to, created up front.
#[derive(Debug)]
struct ChromeFile {
    path: PathBuf,
    file: File,
    /// The recorder attached to the runtime; it shares its events with this clone.
    events: ChromeTrace,
}

impl Trace {
    /// Reads a command line that takes only the trace flags and `--help` (`Ok(None)`), and
    /// opens the trace ([`TraceFlags::open`]).
    ///
    /// # Errors
    /// Any other argument, and what [`TraceFlags::read`] and [`TraceFlags::open`] refuse.
    pub fn from_args(mut args: Args) -> Result<Option<Trace>, UsageError> {
        let mut flags = TraceFlags::new();
        while let Some(arg) = args.next_flag()? {
            match arg.as_str() {
                "-h" | "--help" => return Ok(None),
                _ if flags.read(&arg, &mut args)? => {}
                _ => return Err(UsageError::unexpected(&arg)),
            }
        }
        flags.open().map(Some)
    }

    /// What the trace flags do, for the `--help` of an example started by
    /// [`timeline_runtime`](Trace::timeline_runtime): its timeline is always on.
    pub const TIMELINE_DETAILS: &'static str =
        "  --trace             changes nothing: the runtime's timeline (on stderr) is always on
                      here, one line per event, since it is what this example shows
  --trace=compact     fold each child's poll and each reactor wait into one line
  --trace-json PATH   also write a Chrome trace to PATH (open it offline in Chromium's
                      DevTools, Performance, \"Load profile...\", or in ui.perfetto.dev)
  --trace-html PATH   also write the run as one HTML page that steps through it (the run
                      queue, sockets and timers at each event), for any browser, offline
  -h, --help          print this help";

    /// The start of an example whose point is its timeline (`readiness`, `wakeups`): reads
    /// the trace flags from the command line and builds a runtime with the terminal
    /// timeline always on, plus the Chrome trace if `--trace-json` asked for it.
    ///
    /// # Errors
    /// The exit code to return at once: `--help` (0), a bad flag or trace path (2), or a
    /// runtime the operating system refused (1).
    pub fn timeline_runtime(command: &Command<'_>) -> Result<(Runtime, Trace), ExitCode> {
        // The trace file, if any, is created now: a path that cannot be written stops here.
        let trace = match Trace::from_args(Args::from_env()) {
            Ok(Some(trace)) => trace,
            Ok(None) => return Err(command.help()),
            Err(e) => return Err(command.usage_error(&e)),
        };
        // A builder call wins over RUNTIME_TRACE: the timeline is on whatever it says, and
        // shows every event unless `--trace=compact` asked otherwise.
        let detail = trace.detail.unwrap_or(Detail::Full);
        match trace
            .builder()
            .trace_terminal(true)
            .trace_detail(detail)
            .build()
        {
            Ok(rt) => Ok((rt, trace)),
            // epoll, eventfd or timerfd refused: nothing an example can do about it.
            Err(e) => Err(command.failed(format_args!("cannot start the runtime: {e}"))),
        }
    }

    /// A runtime builder with these outputs attached (`RUNTIME_TRACE` may add more).
    pub fn builder(&self) -> Builder {
        let mut builder = Runtime::builder();
        if self.terminal {
            builder = builder.trace_terminal(true);
        }
        if let Some(detail) = self.detail {
            builder = builder.trace_detail(detail);
        }
        if let Some(chrome) = &self.chrome {
            builder = builder.on_event(chrome.events.clone());
        }
        if let Some(html) = &self.html {
            builder = builder.on_event(html.events.clone());
        }
        builder
    }

    /// Writes the Chrome trace, if `--trace-json` asked for one, and says so on stderr. Call
    /// it after dropping the runtime, whose last events are the tasks it dropped.
    ///
    /// # Errors
    /// A message naming the file and why it could not be written.
    pub fn finish(self) -> Result<(), String> {
        if let Some(HtmlFile {
            path,
            mut file,
            events,
        }) = self.html
        {
            let title = path
                .file_stem()
                .map_or("tinyloop".into(), |s| s.to_string_lossy());
            file.write_all(events.html(&title).as_bytes())
                .and_then(|()| file.flush())
                .map_err(|e| format!("cannot write the trace to {}: {e}", path.display()))?;
            let _ = writeln!(
                io::stderr(),
                "step-by-step trace written to {} ({} events; open it in any browser, offline)",
                path.display(),
                events.len()
            );
        }
        let Some(ChromeFile { path, file, events }) = self.chrome else {
            return Ok(());
        };
        events
            .write_to(BufWriter::new(file))
            .map_err(|e| format!("cannot write the trace to {}: {e}", path.display()))?;
        let _ = writeln!(
            io::stderr(),
            "trace written to {} (open it in Chromium DevTools: F12, Performance, \"Load profile...\"; or in https://ui.perfetto.dev)",
            path.display()
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(list: &[&str]) -> Result<TraceFlags, UsageError> {
        let mut args = Args::new(list.iter().map(|s| s.to_string()));
        let mut flags = TraceFlags::new();
        while let Some(flag) = args.next_flag()? {
            assert!(flags.read(&flag, &mut args)?, "{flag} is a trace flag");
        }
        Ok(flags)
    }

    #[test]
    fn trace_json_needs_a_path_and_never_takes_the_next_flag() {
        let error = read(&["--trace-json", "--trace"]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "--trace-json needs a value, not the flag --trace"
        );
        let flags = read(&["--trace", "--trace-json=t.json"]).unwrap();
        assert!(flags.terminal);
        assert_eq!(flags.chrome.as_deref(), Some(Path::new("t.json")));
    }

    #[test]
    fn trace_takes_full_or_compact_after_an_equals_sign_and_nothing_else() {
        assert_eq!(read(&["--trace"]).unwrap().detail, None);
        assert_eq!(read(&["--trace=full"]).unwrap().detail, Some(Detail::Full));
        let compact = read(&["--trace=compact"]).unwrap();
        assert_eq!(
            (compact.terminal, compact.detail),
            (true, Some(Detail::Compact))
        );
        let error = read(&["--trace=all"]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "--trace takes `=full`, `=compact` or nothing, not \"all\""
        );
    }

    #[test]
    fn a_path_that_cannot_be_created_is_refused_when_opened() {
        let dir = std::env::temp_dir().join(format!("tinyloop-trace-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // A file cannot hold a directory, even for root.
        let not_a_dir = dir.join("file");
        std::fs::write(&not_a_dir, "").unwrap();
        let flags = TraceFlags {
            chrome: Some(not_a_dir.join("trace.json")),
            ..TraceFlags::new()
        };
        let error = flags.open().unwrap_err().to_string();
        assert!(error.starts_with("--trace-json "), "{error}");
        assert!(error.contains("cannot write there"), "{error}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_trace_is_written_after_the_runtime_is_dropped() {
        let path = std::env::temp_dir().join(format!("tinyloop-trace-{}.json", std::process::id()));
        let flags = TraceFlags {
            chrome: Some(path.clone()),
            ..TraceFlags::new()
        };
        let trace = flags.open().unwrap();
        let rt = trace.builder().build().unwrap();
        rt.block_on(async { runtime::yield_now().await });
        drop(rt);
        trace.finish().unwrap();
        let json = std::fs::read_to_string(&path).unwrap();
        assert!(json.contains("traceEvents"), "{json}");
        std::fs::remove_file(&path).unwrap();
    }
}
