//! The seed's program: fetch Star Wars heroes concurrently from SWAPI.
//!
//! `examples/gather.rs` and `examples/as_completed.rs` are thin: they parse
//! [`Options`], open a [`Source`] (the in-process replica over TLS by default,
//! or the live service with `--url`), and fetch heroes with [`fetch_hero`],
//! combining the fetches with `runtime::gather` or `runtime::as_completed`.
//! Keeping that logic here lets the tests run exactly what the examples run.
//!
//! Like the seed, each request goes to `URL{id}` *without* a trailing slash,
//! so the service answers `301 Moved Permanently` and the client follows the
//! redirect to `URL{id}/`.

mod options;
mod source;

pub use options::{Options, USAGE};
pub use source::{Source, JITTER};

use std::time::Duration;

use runtime::time::Instant;

/// One fetched hero.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hero {
    /// The id asked for.
    pub id: u32,
    /// The hero's `name` field.
    pub name: String,
    /// From sending the request to having the whole body, redirect included.
    pub took: Duration,
}

/// Fetches hero `id` from `base` (a people URL ending in `/`), following the
/// redirect, and reads its name.
///
/// # Errors
/// What the client reports (connection, TLS, timeout, a non-2xx status) or a
/// body that is not a JSON object with a string `name`.
pub async fn fetch_hero(
    client: &fetcher::Client,
    base: &str,
    id: u32,
) -> Result<Hero, fetcher::Error> {
    let start = Instant::now();
    let response = client
        .get(&format!("{base}{id}"))
        .await?
        .error_for_status()?;
    let record: serde_json::Value = response.json()?;
    let name = record
        .get("name")
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| {
            fetcher::Error::Protocol(format!("hero {id} has no name in {}", response.url()))
        })?
        .to_owned();
    Ok(Hero {
        id,
        name,
        took: start.elapsed(),
    })
}

/// An example's `main`: parses [`Options`] from the command line (a bad argument prints
/// the usage and exits with 2), runs `body`, and exits with success when `body` says every
/// hero arrived.
pub fn run_example(
    body: impl FnOnce(&Options) -> Result<bool, Box<dyn std::error::Error>>,
) -> std::process::ExitCode {
    use std::process::ExitCode;
    let options = match Options::parse(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    match body(&options) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The line the examples print when a hero arrives: `Got hero 3: R2-D2 (118 ms)`.
pub fn got_line(hero: &Hero) -> String {
    format!(
        "Got hero {}: {} ({} ms)",
        hero.id,
        hero.name,
        hero.took.as_millis()
    )
}
