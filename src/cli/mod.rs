//! The examples' command lines: one way to read flags, and one way to report a bad one.
//!
//! Every example reads its arguments with [`Args`] and reports a bad command line through
//! [`Command::usage_error`]: one line naming what is wrong, then the usage, on stderr, and
//! exit status 2, the status Unix tools give a command line they cannot run (1 is for a run
//! that failed). `--help` prints the usage on stdout and exits 0.
//!
//! ```
//! use tinyloop::cli::{Args, UsageError};
//!
//! let mut args = Args::new(["--count", "3", "--trace-json", "--trace"].map(String::from));
//! assert_eq!(args.next_flag()?.as_deref(), Some("--count"));
//! assert_eq!(args.parse::<u32>("--count", "a whole number")?, 3);
//! assert_eq!(args.next_flag()?.as_deref(), Some("--trace-json"));
//! let missing = args.value("--trace-json").unwrap_err();
//! assert_eq!(missing.to_string(), "--trace-json needs a value, not the flag --trace");
//! # Ok::<(), UsageError>(())
//! ```
//!
//! Two more pieces every example needs:
//!
//! - [`TraceFlags`] reads `--trace` and `--trace-json PATH` and, before any work starts,
//!   checks that the path can be written; the [`Trace`] it opens writes the file after the
//!   run and reports a failed write as an error, so the program can exit non-zero.
//! - [`Out`] writes to stdout so that a reader who leaves early (`| head -2`) ends the
//!   output quietly, where `println!` would panic.
//!
//! And two checks for values that more than one example takes: [`http_url`] (a URL a
//! client can fetch) and [`read_cacert`] (a CA file it can trust).

use std::error::Error;
use std::fmt;
use std::io::{self, Write};
use std::process::ExitCode;

mod args;
mod check;
mod out;
mod trace;

pub use args::Args;
pub use check::{http_url, read_cacert};
pub use out::Out;
pub use trace::{Trace, TraceFlags};

/// The exit status of a command line that cannot be run: an unknown flag, a missing or bad
/// value, a path that cannot be written.
pub const USAGE_STATUS: u8 = 2;

/// What is wrong with a command line, in one line: `--count wants a whole number from 1 to
/// 82, not "zero"`. It names the flag; [`Command::usage_error`] adds the program's name and
/// the usage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UsageError(String);

impl UsageError {
    /// A reason, worded to follow `PROGRAM: `.
    pub fn new(reason: impl Into<String>) -> UsageError {
        UsageError(reason.into())
    }

    /// The error for an argument the program does not take: `unknown flag --bogus`, or
    /// `unexpected argument "x"` for one that is not a flag.
    pub fn unexpected(arg: &str) -> UsageError {
        if arg.starts_with('-') {
            UsageError(format!("unknown flag {arg}"))
        } else {
            UsageError(format!("unexpected argument {arg:?}"))
        }
    }
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Error for UsageError {}

/// A program's name and usage, for the messages it prints about its command line.
#[derive(Clone, Copy, Debug)]
pub struct Command<'a> {
    /// Starts every message: `gather: unknown flag --bogus`.
    pub name: &'a str,
    /// The synopsis, printed after a bad command line and for `--help`:
    /// `usage: get [--trace] [--trace-json PATH] URL`.
    pub usage: &'a str,
    /// What each flag does, printed for `--help` only; may be empty.
    pub details: &'a str,
}

impl Command<'_> {
    /// Reports a bad command line on stderr: `NAME: REASON`, the usage, and where the
    /// details are. Returns the exit status for it, [`USAGE_STATUS`].
    pub fn usage_error(&self, error: &UsageError) -> ExitCode {
        let more = match self.details.is_empty() {
            true => String::new(),
            false => format!("\n(`{} --help` says what each flag does)", self.name),
        };
        // Nothing useful is left to do if stderr is closed too.
        let _ = writeln!(io::stderr(), "{}: {error}\n{}{more}", self.name, self.usage);
        ExitCode::from(USAGE_STATUS)
    }

    /// Answers `--help`: the usage and the details on stdout, and success.
    pub fn help(&self) -> ExitCode {
        let out = Out::new();
        out.line(self.usage);
        if !self.details.is_empty() {
            out.line(self.details);
        }
        out.ended().unwrap_or(ExitCode::SUCCESS)
    }

    /// Says something on stderr that is not an error: `NAME: MESSAGE`.
    pub fn note(&self, message: impl fmt::Display) {
        let _ = writeln!(io::stderr(), "{}: {message}", self.name);
    }

    /// Reports a run that failed: `NAME: MESSAGE` on stderr. Returns `ExitCode::FAILURE`.
    pub fn failed(&self, message: impl fmt::Display) -> ExitCode {
        let _ = writeln!(io::stderr(), "{}: {message}", self.name);
        ExitCode::FAILURE
    }
}
