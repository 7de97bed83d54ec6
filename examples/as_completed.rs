//! The seed's second program: the same fetches, each handled as it completes, like
//! `asyncio.as_completed`.
//!
//! Run with: `cargo run --release --example as_completed` (the same flags as `gather`;
//! `-- --help` lists them)
//!
//! What to look at: the heroes come out in *completion* order, which the replica's delays
//! decide (`--seed N` gives another order, the same one every time). Each future the loop
//! takes resolves to the *next* fetch to complete, whichever hero that is, as in CPython,
//! so the order returned is the order of the lines.
//!
//! The closure given to `heroes::main` is the seed's `main`. `heroes::main` does the rest:
//! the flags, the in-process replica, the client (its CA and `--timeout`), the last line
//! and the exit status; `setup.timed` starts a fetch once fewer than `--max-in-flight`
//! (default 64) are running, and times it (see `src/heroes/`).

use fetcher::Client;
use runtime::instrument::label;
use serde::Deserialize;
use tinyloop::heroes;

/// What this program reads of a SWAPI person: the seed's `hero["name"]`.
#[derive(Deserialize)]
struct Person {
    name: String,
}

/// Fetches hero `id`: asks for `{url}{id}` (the service redirects to `{url}{id}/`), and
/// reads the name in the JSON it answers with.
async fn fetch(client: &Client, url: &str, id: u32) -> Result<String, fetcher::Error> {
    let response = client.get(&format!("{url}{id}")).await?;
    let person: Person = response.error_for_status()?.json()?;
    Ok(person.name)
}

fn main() -> std::process::ExitCode {
    heroes::main("as_completed", async |setup| {
        let fetches = setup.ids().map(|id| {
            let hero = setup.timed(id, fetch(&setup.client, &setup.url, id));
            label(format!("hero {id}"), hero) // named `main › hero 4` in the trace
        });
        let mut heroes = Vec::new();
        for next in runtime::as_completed(fetches) {
            let hero = next.await; // the next fetch to complete, whichever hero it is
            setup.print(&hero);
            heroes.push(hero);
        }
        heroes
    })
}
