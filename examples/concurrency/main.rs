//! The seed's last section, measured: the same jobs run sequentially, on one OS thread
//! each, on a thread pool, in worker processes, by worker tasks fed from a queue, and as
//! one tinyloop task each; and, beside them, the runtime the seed is about: CPython's
//! asyncio tasks, and CPython's threads.
//!
//! Run with: `cargo run --release --example concurrency` (`-- --help` lists the flags:
//! `--job sleep|fetch|both`, `--sizes 10,1000,100000`, `--sleep-ms 50`, `--trace`, and
//! `--trace-json PATH`, a Chrome trace of the tasks mode for one job at one size).
//!
//! Two jobs: `sleep` waits 50 ms (pure waiting, like a slow server), `fetch` fetches a
//! hero from the in-process replica (TLS, 50–250 ms of latency per answer, two answers per
//! hero: the 301 redirect, then the person). Each mode runs
//! in a fresh child process, so its peak RSS is its own. What to look at: threads cost
//! memory per job and stop at the system's thread limit; processes cost far more and are
//! slower to start; a pool or a fixed set of workers caps the concurrency (and the wall
//! time grows with N); tasks run all N jobs at once in one thread for a few hundred bytes
//! each. A mode that cannot run at some N, or would take over 20 s, says why (with its
//! estimate) instead of running.
//!
//! The `py-asyncio` and `py-threads` rows run the sleep job in CPython (`sleep_job.py`,
//! beside this file) when `python3` is on the `PATH`, and say they were skipped otherwise;
//! the fetch job has no Python rows (it would need an HTTP client outside the standard
//! library).
//!
//! The files: this one runs the table; `modes.rs` runs one mode in a child process;
//! `job.rs` is the two jobs; `python.rs` runs `sleep_job.py`.

use std::process::{Command, ExitCode, Stdio};
use std::time::Duration;

use tinyloop::cli::{self, Args, Out, TraceFlags, UsageError};

mod job;
mod modes;
mod python;

use job::Job;

/// The Rust modes, in the table's order; the Python ones follow for the sleep job.
const MODES: [&str; 6] = [
    "sequential",
    "threads",
    "pool",
    "processes",
    "queue",
    "tasks",
];

const COMMAND: cli::Command<'static> = cli::Command {
    name: "concurrency",
    usage: "usage: concurrency [--job sleep|fetch|both] [--sizes N,N,...] [--sleep-ms MS]\n       \
            [--trace[=full]] [--trace-json PATH] [--trace-html PATH]",
    details: "  --job JOB           the jobs to run: sleep, fetch or both (default both)
  --sizes N,N,...     how many jobs each mode runs at once, one section of the table per N
                      (default 10,1000,100000)
  --sleep-ms MS       how long each sleep job waits (default 50, at most 20000: a mode that
                      would take over 20 s is skipped, and says how long it would take)
  --trace             print the timeline of every tinyloop runtime the run starts, each
                      mode's (not the replica's), on stderr (long: best with --sizes 10);
                      --trace=full for one line per event
  --trace-json PATH   write a Chrome trace to PATH (for Chromium DevTools, Perfetto) of
                      the tasks mode alone, one tinyloop task per job: the mode the lesson
                      is about. One file holds one run, so it wants one job and one size
                      (--job sleep --sizes 1000). The replica's runtime is left out; the
                      row says \"traced\", as recording costs time and memory
  --trace-html PATH   write the same run (the tasks mode, one job, one size) as one HTML
                      page that steps through it, for any browser, offline
  -h, --help          print this help",
};

/// The table; `Out`, not `println!`, so that `concurrency | head` stops quietly.
static OUT: Out = Out::new();

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|arg| arg.to_string_lossy().into_owned())
        .collect();
    // The parent runs itself as a child for each row (`--child`), and as a worker process
    // for the processes mode (`--one-job`).
    let result = match args.first().map(String::as_str) {
        Some("--child") => modes::child(&args[1..]),
        Some("--one-job") => modes::one_job(&args[1..]),
        _ => {
            let table = match parse(Args::new(args)) {
                Ok(Some(table)) => table,
                Ok(None) => return COMMAND.help(),
                Err(e) => return COMMAND.usage_error(&e),
            };
            parent(&table)
        }
    };
    match result {
        Ok(()) => OUT.ended().unwrap_or(ExitCode::SUCCESS),
        Err(e) => COMMAND.failed(e),
    }
}

/// What the table covers.
struct Table {
    jobs: Vec<&'static str>,
    sizes: Vec<usize>,
    sleep_ms: u64,
    trace: TraceFlags,
}

/// Reads the command line: `Ok(None)` for `--help`.
fn parse(mut args: Args) -> Result<Option<Table>, UsageError> {
    let mut table = Table {
        jobs: vec!["sleep", "fetch"],
        sizes: vec![10, 1_000, 100_000],
        sleep_ms: 50,
        trace: TraceFlags::new(),
    };
    while let Some(flag) = args.next_flag()? {
        if table.trace.read(&flag, &mut args)? {
            continue;
        }
        match flag.as_str() {
            "-h" | "--help" => return Ok(None),
            "--job" => {
                table.jobs = match args.value(&flag)?.as_str() {
                    "both" => vec!["sleep", "fetch"],
                    "sleep" => vec!["sleep"],
                    "fetch" => vec!["fetch"],
                    other => {
                        return Err(UsageError::new(format!(
                            "--job wants sleep, fetch or both, not {other:?}"
                        )))
                    }
                }
            }
            "--sizes" => {
                let text = args.value(&flag)?;
                table.sizes = text
                    .split(',')
                    .map(|n| {
                        n.trim()
                            .replace('_', "")
                            .parse::<usize>()
                            .ok()
                            .filter(|n| *n > 0)
                    })
                    .collect::<Option<_>>()
                    .ok_or_else(|| {
                        UsageError::new(format!(
                            "--sizes wants whole numbers from 1 to {}, like 10,1000, not {text:?}",
                            usize::MAX
                        ))
                    })?;
            }
            // A longer sleep would make every mode skip: one job alone is over the budget.
            "--sleep-ms" => {
                let budget = modes::TIME_BUDGET.as_secs() * 1_000;
                table.sleep_ms = args.number(&flag, 0..=budget)?;
            }
            _ => return Err(UsageError::unexpected(&flag)),
        }
    }
    if table.trace.chrome.is_some() || table.trace.html.is_some() {
        check_traced_run(&table)?;
    }
    Ok(Some(table))
}

/// Checks that `--trace-json` (or `--trace-html`) names one run of the tasks mode, the one
/// its child traces,
/// and that the file can be written: created now, rather than found unwritable after
/// minutes of measuring; the child writes the trace into it.
fn check_traced_run(table: &Table) -> Result<(), UsageError> {
    let flag = match table.trace.chrome {
        Some(_) => "--trace-json",
        None => "--trace-html",
    };
    let (&[job], &[n]) = (table.jobs.as_slice(), table.sizes.as_slice()) else {
        return Err(UsageError::new(format!(
            "{flag} traces one run of the tasks mode: give one --job (sleep or \
             fetch) and one --sizes N, like --job sleep --sizes 1000"
        )));
    };
    let job = Job::parse(job, Duration::from_millis(table.sleep_ms)).map_err(UsageError::new)?;
    if let Some(reason) = modes::skip_reason("tasks", job, n) {
        return Err(UsageError::new(format!(
            "{flag}: the tasks mode skips this run, so there is nothing to trace: {reason}"
        )));
    }
    table.trace.open().map(drop)
}

/// Runs every mode for every size in child processes and prints the table.
fn parent(table: &Table) -> Result<(), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    OUT.line(format_args!(
        "{:<6} {:>7}  {:<10} {:>10} {:>12} {:>9}  note",
        "job", "N", "mode", "wall", "peak RSS", "threads"
    ));
    for &job in &table.jobs {
        for &n in &table.sizes {
            for mode in MODES {
                let mut child = Command::new(&exe);
                child.args([
                    "--child",
                    mode,
                    job,
                    &n.to_string(),
                    &table.sleep_ms.to_string(),
                ]);
                // `--trace-json PATH` and `--trace-html PATH` go to the tasks mode's runtime
                // only (see `--help`).
                if mode == "tasks" {
                    if let Some(path) = &table.trace.chrome {
                        child.arg(format!("json:{}", path.display()));
                    }
                    if let Some(path) = &table.trace.html {
                        child.arg(format!("html:{}", path.display()));
                    }
                }
                // `--trace` reaches the child's runtime through RUNTIME_TRACE (the replica's
                // ignores it). The user's own value is replaced: a `chrome:PATH` in it
                // would have every traced runtime write that one file.
                let terminal = if table.trace.terminal { "1" } else { "" };
                let output = child
                    .env(runtime::trace::ENV_VAR, terminal)
                    .stderr(Stdio::inherit())
                    .output()
                    .map_err(|e| format!("cannot start a child: {e}"))?;
                let line = String::from_utf8_lossy(&output.stdout);
                let line = line
                    .lines()
                    .last()
                    .unwrap_or("SKIP the child printed nothing");
                print_row(job, n, mode, line);
                if OUT.is_closed() {
                    return Ok(()); // nobody reads the table any more
                }
            }
            if job == "sleep" {
                for mode in python::MODES {
                    print_row(job, n, mode, &python::run(mode, n, table.sleep_ms));
                }
            }
        }
    }
    OUT.line("\nwall = time to finish all N jobs; peak RSS = the mode's process (plus its");
    OUT.line("worker processes, summed); threads = OS threads (or processes) it used at once.");
    Ok(())
}

/// Prints a child's `RESULT wall_ms rss_kb threads [note]` or `SKIP reason` as a row.
fn print_row(job: &str, n: usize, mode: &str, line: &str) {
    let fields: Vec<&str> = line.split_whitespace().collect();
    match fields.as_slice() {
        ["RESULT", wall_ms, rss_kb, threads, note @ ..] => OUT.line(format_args!(
            "{job:<6} {n:>7}  {mode:<10} {:>8} ms {:>9.1} MB {threads:>9}  {}",
            wall_ms,
            rss_kb.parse::<f64>().unwrap_or(0.0) / 1024.0,
            note.join(" ")
        )),
        ["SKIP", reason @ ..] => OUT.line(format_args!(
            "{job:<6} {n:>7}  {mode:<10} {:>11} {:>12} {:>9}  skipped: {}",
            "-",
            "-",
            "-",
            reason.join(" ")
        )),
        _ => OUT.line(format_args!(
            "{job:<6} {n:>7}  {mode:<10} unreadable child output: {line}"
        )),
    }
}
