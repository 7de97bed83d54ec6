//! What `examples/gather.rs` and `examples/as_completed.rs` leave out, so that they read
//! like the seed: the command line, the replica, the client's settings, the in-flight cap,
//! the lines they print and the exit status.
//!
//! An example passes its program to [`main`] as an async closure: given a [`Setup`], it
//! fetches every hero of [`Setup::ids`], each fetch wrapped in [`Setup::timed`], and
//! returns what it got. `main` does the rest:
//!
//! 1. reads the command line ([`Options`]); a bad flag is one line and the usage on stderr,
//!    exit status 2, before anything starts;
//! 2. starts the in-process replica (or takes `--url`), builds the client and the runtime
//!    (with the trace `--trace` and `--trace-json` ask for);
//! 3. prints the header and runs the program;
//! 4. prints the order of the results and the last line: `10 of 10 heroes arrived, 0
//!    failed, in 479 ms (...)`.
//!
//! Exit status: 0 when every hero arrived, 1 when any failed (or the trace could not be
//! written), 2 for a bad command line. A closed stdout (`| head -2`) silences the rest
//! of the run, which still finishes its fetches, then ends with status 0 (see
//! [`Out`](crate::cli::Out)).

mod options;
mod setup;

pub use options::{
    Options, DEFAULT_COUNT, DEFAULT_MAX_IN_FLIGHT, DEFAULT_SEED, DEFAULT_TIMEOUT, FLAGS,
    FLAG_DETAILS, MAX_TIMEOUT,
};
pub use setup::{Setup, JITTER, SIM_LINK};

use std::fmt;
use std::process::ExitCode;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use runtime::sim::Schedule;

use crate::cli::{Args, Command, Trace};
use crate::replica::{Dataset, Resource};

/// One hero's fetch, as [`Setup::timed`] gives it.
#[derive(Debug)]
pub struct Fetched {
    /// The id asked for.
    pub id: u32,
    /// The hero's name, or why the fetch failed.
    pub name: Result<String, fetcher::Error>,
    /// From the start of the fetch (once in flight) to its end.
    pub took: Duration,
}

impl fmt::Display for Fetched {
    /// `Got hero 4: Darth Vader (220 ms)`, or `Hero 17 failed: REASON`, where a 404 reads
    /// `no such person`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let id = self.id;
        match &self.name {
            Ok(name) => write!(f, "Got hero {id}: {name} ({} ms)", self.took.as_millis()),
            Err(fetcher::Error::Status { code: 404, url }) => {
                write!(f, "Hero {id} failed: no such person (404 from {url})")
            }
            Err(error) => write!(f, "Hero {id} failed: {error}"),
        }
    }
}

/// The ids of SWAPI's people, ascending (there is no 17), from the replica's data.
pub fn people() -> &'static [u32] {
    static PEOPLE: OnceLock<Vec<u32>> = OnceLock::new();
    PEOPLE.get_or_init(|| {
        let dataset =
            Dataset::load().expect("the embedded data is valid: the replica's tests load it");
        dataset.ids(Resource::People).collect()
    })
}

/// The main of `gather` and `as_completed`: runs `program` on a [`Setup`] made from the
/// command line, as the module documentation describes. `name` starts every message.
pub fn main(name: &str, program: impl AsyncFnOnce(&Setup) -> Vec<Fetched>) -> ExitCode {
    let usage = format!("usage: {name} {FLAGS}");
    let command = Command {
        name,
        usage: &usage,
        details: FLAG_DETAILS,
    };
    let options = match Options::parse(Args::from_env(), people().len()) {
        Ok(Some(options)) => options,
        Ok(None) => return command.help(),
        Err(error) => return command.usage_error(&error),
    };
    let trace = match options.trace.open() {
        Ok(trace) => trace,
        Err(error) => return command.usage_error(&error),
    };
    for note in &options.notes {
        command.note(note);
    }
    if options.simulate {
        return simulated(&command, &options, trace, program);
    }
    // The replica runs on its own thread with its own runtime, so this runtime's trace
    // shows only the client's tasks.
    let setup = match Setup::open(&options, people()) {
        Ok(setup) => setup,
        Err(error) => return command.failed(format_args!("cannot start: {error}")),
    };
    let rt = match trace.builder().build() {
        Ok(rt) => rt,
        // epoll, eventfd or timerfd refused: nothing this program can do about it.
        Err(error) => return command.failed(format_args!("cannot start the runtime: {error}")),
    };
    let out = setup.out();
    out.line(setup.header());
    let start = Instant::now();
    let heroes = rt.block_on(program(&setup));
    let elapsed = start.elapsed();
    drop(rt); // prints the trace's summary, if any
    if let Err(error) = trace.finish() {
        return command.failed(error);
    }
    match out.ended() {
        // Nobody reads the output any more (`| head -2`): end quietly.
        Some(status) => status,
        None => summary(&setup, &heroes, elapsed, None),
    }
}

/// `main` under `--simulate`: the replica, the network and the clock are the runtime's,
/// and `--seed` draws the schedule, the replica's delays and the links' latencies.
fn simulated(
    command: &Command<'_>,
    options: &Options,
    trace: Trace,
    program: impl AsyncFnOnce(&Setup) -> Vec<Fetched>,
) -> ExitCode {
    let built = trace
        .builder()
        .schedule(Schedule::Random(options.seed))
        .simulated_network(true)
        .build();
    let rt = match built {
        Ok(rt) => rt,
        Err(error) => return command.failed(format_args!("cannot start the runtime: {error}")),
    };
    let wall = Instant::now();
    let run = rt.block_on(async {
        let setup = Setup::simulated(options, people())?;
        setup.out().line(setup.header());
        let start = runtime::time::Instant::now();
        let heroes = program(&setup).await;
        Ok::<_, Box<dyn std::error::Error>>((setup, heroes, start.elapsed()))
    });
    let (setup, heroes, elapsed) = match run {
        Ok(run) => run,
        Err(error) => return command.failed(format_args!("cannot start: {error}")),
    };
    let wall = wall.elapsed();
    drop(rt); // prints the trace's summary, if any
    if let Err(error) = trace.finish() {
        return command.failed(error);
    }
    match setup.out().ended() {
        Some(status) => status,
        None => summary(&setup, &heroes, elapsed, Some(wall)),
    }
}

/// Prints the order of `heroes` and how many arrived; success if all of them did. `wall`:
/// under `--simulate`, the wall time the run took (`elapsed` is then virtual).
fn summary(
    setup: &Setup,
    heroes: &[Fetched],
    elapsed: Duration,
    wall: Option<Duration>,
) -> ExitCode {
    let out = setup.out();
    let order: Vec<u32> = heroes.iter().map(|hero| hero.id).collect();
    out.line(format_args!("order returned: {order:?}"));
    let arrived = heroes.iter().filter(|hero| hero.name.is_ok()).count();
    let failed = heroes.len() - arrived;
    let asked = setup.ids().count();
    let added_up: Duration = heroes.iter().map(|hero| hero.took).sum();
    let heroes = if asked == 1 { "hero" } else { "heroes" };
    let simulated = wall.map_or(String::new(), |wall| {
        format!("; simulated, in {} ms of wall time", wall.as_millis())
    });
    out.line(format_args!(
        "{arrived} of {asked} {heroes} arrived, {failed} failed, in {} ms \
         (their fetches add up to {} ms{simulated})",
        elapsed.as_millis(),
        added_up.as_millis()
    ));
    match out.ended() {
        Some(status) => status,
        None if arrived == asked => ExitCode::SUCCESS,
        None => ExitCode::FAILURE,
    }
}
