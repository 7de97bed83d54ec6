//! The seed's second program: the same fetches, each handled as it completes, like
//! `asyncio.as_completed`.
//!
//! Run with: `cargo run --release --example as_completed`
//! (same flags as `gather`: `--count N`, `--url URL`, `--seed N`, `--trace`,
//! `--trace-json PATH`).
//!
//! What to look at: the ids come out in *completion* order, which changes with the
//! replica's delays (`--seed`). Each future the loop yields resolves to the *next*
//! completion, whichever fetch that is, as in CPython.

use std::process::ExitCode;

use runtime::Runtime;
use tinyloop::heroes::{fetch_hero, run_example, Options, Source};

fn main() -> ExitCode {
    run_example(run)
}

/// Returns whether every hero arrived.
fn run(options: &Options) -> Result<bool, Box<dyn std::error::Error>> {
    let source = Source::open(options)?;
    println!(
        "Fetching heroes 1..={} from {}",
        options.count,
        source.describe()
    );
    let rt = Runtime::builder().trace(&options.trace).build()?;
    let order = rt.block_on(async {
        let fetches = (1..=options.count).map(|id| fetch_hero(&source.client, &source.base, id));
        let mut order = Vec::new();
        for next in runtime::as_completed(fetches) {
            match next.await {
                Ok(hero) => {
                    println!("{} ({}, {} ms)", hero.id, hero.name, hero.took.as_millis());
                    order.push(hero.id);
                }
                Err(e) => println!("a fetch failed: {e}"),
            }
        }
        order
    });
    drop(rt);
    println!("completion order: {order:?}");
    Ok(order.len() == options.count as usize)
}
