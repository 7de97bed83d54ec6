//! The seed's first program: fetch heroes 1..=10 at once, like `asyncio.gather`.
//!
//! Run with: `cargo run --release --example gather` (`-- --help` lists the flags:
//! `--count N`, `--url https://swapi.dev/api/people/` for the live service, `--trace`, ...)
//!
//! What to look at: the `Got hero` lines arrive in *completion* order, as each fetch
//! finishes, yet `gather` returns the results in *input* order, `[1, 2, ..., 10]`: it waits
//! for all of them and keeps the order it was given. The in-process replica delays each
//! answer by 50–250 ms, and each fetch is two answers (the 301 redirect to `{id}/`, then the
//! person), so a hero takes some 100–500 ms. The last line compares the time the run took
//! with the time the fetches add up to. With `--trace`, each fetch is a line per poll,
//! `main › hero 4  poll #2 → pending on socket read (fetcher/src/tls/stream.rs:391), in
//! tls handshake`: what it waited on, where, and in which phase; a wake names the socket
//! (`by io(token 3, readable|writable)`: epoll reports all the readiness a socket has, and
//! a connected socket is nearly always writable too). `--trace-json PATH` draws the same
//! run, a track per hero.
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
    heroes::main("gather", async |setup| {
        let fetches = setup.ids().map(|id| {
            // `hero 4` in the trace: `--trace` shows `main › hero 4`, `--trace-json` a track.
            label(format!("hero {id}"), async move {
                let hero = setup.timed(id, fetch(&setup.client, &setup.url, id)).await;
                setup.print(&hero); // as it completes: `Got hero 4: Darth Vader (220 ms)`
                hero
            })
        });
        runtime::gather(fetches).await
    })
}
