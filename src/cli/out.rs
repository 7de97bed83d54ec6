//! Standard output that a reader leaving early cannot crash.

use std::fmt;
use std::io::{self, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU8, Ordering};

/// Every line written so far reached stdout.
const OPEN: u8 = 0;
/// A write found the pipe closed: its reader has gone (`| head -2`). Nothing is written
/// any more. Never left.
const PIPE_CLOSED: u8 = 1;
/// A write failed otherwise (a full disk); it was reported on stderr. Nothing is written
/// any more. Never left.
const FAILED: u8 = 2;

/// Lines for stdout, written so that a closed pipe ends the output quietly.
///
/// `println!` panics when stdout is a pipe whose reader has gone (`gather | head -2` died
/// with `failed printing to stdout: Broken pipe`). `Out` writes each line itself and, at the
/// first write that fails, stops: later lines are dropped, and [`ended`](Out::ended) gives
/// the exit status. A closed pipe exits with status 0, quietly, as `ripgrep` does: the
/// reader asked for no more, which is not a failure of the program. Any other failure is
/// reported on stderr and exits with status 1.
///
/// `Out` may be shared between threads, and be a `static`.
#[derive(Debug)]
pub struct Out {
    /// [`OPEN`], [`PIPE_CLOSED`] or [`FAILED`].
    state: AtomicU8,
}

impl Out {
    /// Output to this process's stdout.
    pub const fn new() -> Out {
        Out {
            state: AtomicU8::new(OPEN),
        }
    }

    /// Writes `line` and a newline, unless an earlier write failed.
    pub fn line(&self, line: impl fmt::Display) {
        self.write(format_args!("{line}\n"));
    }

    /// Writes `text` as it is, unless an earlier write failed.
    pub fn write(&self, text: impl fmt::Display) {
        if self.is_closed() {
            return;
        }
        let mut stdout = io::stdout().lock();
        // Flushed at once, so that a closed pipe is found at the line that met it.
        let Err(error) = write!(stdout, "{text}").and_then(|()| stdout.flush()) else {
            return;
        };
        let state = if error.kind() == io::ErrorKind::BrokenPipe {
            PIPE_CLOSED
        } else {
            let _ = writeln!(io::stderr(), "cannot write to stdout: {error}");
            FAILED
        };
        self.state.store(state, Ordering::SeqCst);
    }

    /// Whether a write failed, so that nothing more is written.
    pub fn is_closed(&self) -> bool {
        self.state.load(Ordering::SeqCst) != OPEN
    }

    /// The exit status the output calls for: `None` while it works, `Some(SUCCESS)` once the
    /// pipe was closed by its reader, `Some(FAILURE)` after another failure.
    pub fn ended(&self) -> Option<ExitCode> {
        match self.state.load(Ordering::SeqCst) {
            OPEN => None,
            PIPE_CLOSED => Some(ExitCode::SUCCESS),
            _ => Some(ExitCode::FAILURE),
        }
    }
}

impl Default for Out {
    fn default() -> Out {
        Out::new()
    }
}
