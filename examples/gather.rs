//! The seed's first program: fetch heroes 1..=10 concurrently, like `asyncio.gather`.
//!
//! Run with: `cargo run --release --example gather`
//! (flags: `--count N`, `--url https://swapi.dev/api/people/` for the live service,
//! `--seed N` for another replica delay pattern, `--trace`, `--trace-json PATH`).
//!
//! What to look at: the `Got hero` lines arrive in *completion* order, as each fetch
//! finishes (the replica delays each answer by 50–250 ms), yet the list printed at the
//! end is in *input* order, `[1, 2, ..., 10]`: `gather` waits for all and keeps the
//! order it was given. With `--trace`, every `.await` that was not ready shows as a
//! `pending` line, and each answer as an `io(token N, readable)` wake.

use std::process::ExitCode;

use runtime::Runtime;
use tinyloop::heroes::{fetch_hero, got_line, run_example, Options, Source};

fn main() -> ExitCode {
    run_example(run)
}

/// Returns whether every hero arrived.
fn run(options: &Options) -> Result<bool, Box<dyn std::error::Error>> {
    // The replica runs on its own thread with its own runtime, so this runtime's trace
    // shows only the client's tasks.
    let source = Source::open(options)?;
    println!(
        "Fetching heroes 1..={} from {}",
        options.count,
        source.describe()
    );
    let rt = Runtime::builder().trace(&options.trace).build()?;
    let started = std::time::Instant::now();
    let results = rt.block_on(async {
        let fetches = (1..=options.count).map(|id| {
            let source = &source;
            async move {
                let result = fetch_hero(&source.client, &source.base, id).await;
                match &result {
                    Ok(hero) => println!("{}", got_line(hero)),
                    Err(e) => println!("Hero {id} failed: {e}"),
                }
                result
            }
        });
        runtime::gather(fetches).await
    });
    drop(rt); // prints the trace summary, if any
    let ids: Vec<u32> = results.iter().flatten().map(|hero| hero.id).collect();
    println!("{ids:?}");
    println!(
        "{} of {} heroes in {} ms: the slowest fetch, not the sum of them.",
        ids.len(),
        options.count,
        started.elapsed().as_millis()
    );
    Ok(ids.len() == options.count as usize)
}
