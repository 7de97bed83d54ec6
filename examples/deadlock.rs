//! The classic deadlock, and what the runtime says about it instead of hanging.
//!
//! Two tasks need the same two resources, a "database" and a "cache", each guarded by a
//! semaphore with one permit. `left` takes the database and then wants the cache; `right`
//! takes the cache and then wants the database. Each holds what the other needs, so
//! neither can go on, and `main`, awaiting both, waits forever. In asyncio this program
//! hangs without a word.
//!
//! Here the runtime notices that no task can run, no timer or socket is pending, and every
//! waker of every task sits in one of its own semaphores or join slots: nothing can ever
//! wake anything. `try_block_on` returns the report instead of hanging.
//!
//! Run it with:
//!
//! ```text
//! cargo run --example deadlock
//! cargo run --example deadlock -- --trace    # the timeline of the run, up to the report
//! ```
//!
//! What to look at in the report:
//!
//! - each task's line: its name, `parked`, its polls, and the line that spawned it;
//! - under it, where its waker sits: `waits on semaphore acquire (examples/deadlock.rs:…)`,
//!   the semaphore (the line that created it) and who holds its permit;
//! - the `why:` line follows the waits from `main`: main waits on `left`, which waits on
//!   the cache held by `right`, which waits on the database held by `left`: a cycle.
//!
//! The fix is the usual one: take the two resources in the same order in both tasks.

use std::process::ExitCode;
use std::rc::Rc;

use runtime::sync::Semaphore;
use tinyloop::cli::{Args, Command, Out, Trace};

const COMMAND: Command<'static> = Command {
    name: "deadlock",
    usage: "usage: deadlock [--trace[=full]] [--trace-json PATH] [--trace-html PATH]",
    details: "  --trace             print the runtime's timeline on stderr, up to the report
                      (--trace=full: one line per event)
  --trace-json PATH   also write a Chrome trace to PATH (open it offline in Chromium's
                      DevTools, Performance, \"Load profile...\", or in ui.perfetto.dev)
  --trace-html PATH   also write the run as one HTML page that steps through it, up to the
                      report (the run queue, sockets and timers at each event)
  -h, --help          print this help",
};

/// Takes `first`, lets the other task run (so both hold their first permit), then wants
/// `second`.
async fn worker(first: Rc<Semaphore>, second: Rc<Semaphore>) {
    let _first = first.acquire().await.expect("never closed");
    runtime::yield_now().await; // the other task takes its first permit meanwhile
    let _second = second.acquire().await.expect("never closed"); // waits forever
}

fn main() -> ExitCode {
    let trace = match Trace::from_args(Args::from_env()) {
        Ok(Some(trace)) => trace,
        Ok(None) => return COMMAND.help(),
        Err(e) => return COMMAND.usage_error(&e),
    };
    let rt = match trace.builder().build() {
        Ok(rt) => rt,
        Err(e) => return COMMAND.failed(format_args!("cannot start the runtime: {e}")),
    };
    let out = Out::new();

    let outcome = rt.try_block_on(async {
        let database = Rc::new(Semaphore::new(1));
        let cache = Rc::new(Semaphore::new(1));
        let left = runtime::spawn_named("left", worker(database.clone(), cache.clone()));
        let right = runtime::spawn_named("right", worker(cache, database)); // the other order
        let _ = (left.await, right.await);
    });

    match outcome {
        Ok(()) => out.line(format_args!("both tasks finished: no deadlock this time")),
        Err(stuck) => {
            out.line(format_args!("instead of hanging, the runtime reports:\n"));
            out.line(stuck.to_string().trim_end()); // the report ends with its own newline
        }
    }
    drop(rt);
    if let Err(e) = trace.finish() {
        return COMMAND.failed(e);
    }
    out.ended().unwrap_or(ExitCode::SUCCESS)
}
