//! A bug one schedule in a few shows, and how the runtime finds it, then runs it again.
//!
//! Two customers withdraw 60 from a balance of 100. Each withdrawal checks the balance,
//! awaits (it writes an audit line, say), then takes the money: a check and an update with
//! an `.await` between them. The second customer arrives one step later.
//!
//! Under the default FIFO run queue the first withdrawal always finishes before the
//! second one checks, so the second is refused and the balance ends at 40, in every run:
//! a test of this passes forever. But nothing in the code makes that order certain. In
//! another order both checks pass before either update, and the balance ends at -20.
//!
//! `runtime::testing::explore` runs the program under many seeded schedules, each drawing
//! which runnable task goes next. It stops at the first schedule that fails, and prints
//! its seed, the call that replays it, and what the runtime did, step by step. The same
//! seed always runs the same way, so the failure can be run again and debugged.
//!
//! Run it with:
//!
//! ```text
//! cargo run --example explore
//! cargo run --example explore -- --seed 7      # run one seed, its timeline on stderr
//! cargo run --example explore -- --seed 7 --trace-html seed7.html   # and step through it
//! ```

use std::cell::Cell;
use std::process::ExitCode;
use std::rc::Rc;

use runtime::sim::Schedule;
use runtime::testing::Explore;
use tinyloop::cli::{Args, Command, Out, Trace, TraceFlags, UsageError};

const COMMAND: Command<'static> = Command {
    name: "explore",
    usage: "usage: explore [--schedules N] [--seed S [--trace-html PATH]]",
    details: "  --schedules N       how many random schedules to try (default 100)
  --seed S            run only the schedule of seed S, with its timeline on stderr
  --trace-html PATH   with --seed, also write that run as one HTML page that steps
                      through it (exploring runs many runtimes: one page is one run)
  -h, --help          print this help",
};

/// Takes `amount` if the balance covers it: check, await, update.
async fn withdraw(balance: Rc<Cell<i64>>, amount: i64) {
    if balance.get() >= amount {
        runtime::yield_now().await; // the audit line: other tasks may run here
        balance.set(balance.get() - amount);
    }
}

/// The two customers; returns the balance they leave.
async fn bank() -> i64 {
    let balance = Rc::new(Cell::new(100));
    let first = runtime::spawn(withdraw(balance.clone(), 60));
    let later = balance.clone();
    let second = runtime::spawn(async move {
        runtime::yield_now().await; // arrives one step later
        withdraw(later, 60).await;
    });
    let _ = (first.await, second.await);
    balance.get()
}

/// The test body `explore` runs under each schedule.
async fn no_overdraft() {
    let balance = bank().await;
    assert!(balance >= 0, "overdraft: the balance is {balance}");
}

/// The balance `bank` leaves under `schedule`.
fn balance_under(schedule: Schedule) -> Result<i64, std::io::Error> {
    let rt = runtime::Runtime::builder()
        .schedule(schedule)
        .virtual_clock(true)
        .build()?;
    Ok(rt.block_on(bank()))
}

/// The flags: how many schedules, or the one seed to run (and its trace).
fn parse(mut args: Args) -> Result<Option<(u32, Option<u64>, Trace)>, UsageError> {
    let (mut schedules, mut seed, mut trace) = (100, None, TraceFlags::new());
    while let Some(flag) = args.next_flag()? {
        match flag.as_str() {
            "-h" | "--help" => return Ok(None),
            "--schedules" => schedules = args.number(&flag, 1..=1_000_000)?,
            "--seed" => seed = Some(args.number(&flag, 0..=u64::MAX)?),
            "--trace-html" => trace.html = Some(args.value(&flag)?.into()),
            other => return Err(UsageError::unexpected(other)),
        }
    }
    if trace.html.is_some() && seed.is_none() {
        return Err(UsageError::new(
            "--trace-html records one run: give it a --seed S (the seed explore reported)",
        ));
    }
    Ok(Some((schedules, seed, trace.open()?)))
}

fn main() -> ExitCode {
    let (schedules, seed, trace) = match parse(Args::from_env()) {
        Ok(Some(flags)) => flags,
        Ok(None) => return COMMAND.help(),
        Err(e) => return COMMAND.usage_error(&e),
    };
    let out = Out::new();
    if let Some(seed) = seed {
        // The same run explore reported, with the runtime's timeline on stderr.
        let replay = trace
            .builder()
            .schedule(Schedule::Random(seed))
            .virtual_clock(true)
            .trace_terminal(true)
            .build()
            .map(|rt| rt.block_on(bank())); // the runtime drops here: its trace is complete
        let balance = match replay {
            Ok(balance) => balance,
            Err(e) => return COMMAND.failed(format_args!("cannot start the runtime: {e}")),
        };
        if let Err(e) = trace.finish() {
            return COMMAND.failed(e);
        }
        out.line(format_args!("seed {seed}: the balance ends at {balance}"));
        return out.ended().unwrap_or(ExitCode::SUCCESS);
    }

    out.line("Two customers withdraw 60 from a balance of 100; each checks, awaits, updates.");
    match balance_under(Schedule::Fifo) {
        Ok(balance) => out.line(format_args!(
            "Under FIFO (the default): the balance ends at {balance}, in every run."
        )),
        Err(e) => return COMMAND.failed(format_args!("cannot start the runtime: {e}")),
    }
    out.line(format_args!("Exploring {schedules} random schedules..."));
    // A failing schedule panics inside explore, which catches it: keep the default hook
    // from printing each one, since the report below says what it said.
    std::panic::set_hook(Box::new(|_| {}));
    let failure = Explore::new(schedules).from_env(false).find(no_overdraft);
    let _ = std::panic::take_hook();
    let Some(failure) = failure else {
        out.line(format_args!("No schedule of {schedules} overdraws."));
        return out.ended().unwrap_or(ExitCode::SUCCESS);
    };
    out.line(failure.to_string().trim_end());
    let seed = failure
        .schedule
        .seed()
        .expect("random schedules have seeds");
    match balance_under(failure.schedule) {
        Ok(balance) => out.line(format_args!(
            "Seed {seed} again: the balance ends at {balance}, the same run every time."
        )),
        Err(e) => return COMMAND.failed(format_args!("cannot start the runtime: {e}")),
    }
    out.ended().unwrap_or(ExitCode::SUCCESS)
}
