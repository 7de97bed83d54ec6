//! The two jobs every mode runs: a sleep, and a hero fetch from the replica.

use std::time::Duration;

use fetcher::Client;
use serde::Deserialize;
use tinyloop::heroes::{self, JITTER};
use tinyloop::replica::server::{ReplicaHandle, ReplicaServer};
use tinyloop::replica::Latency;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Job {
    /// Wait this long: pure waiting, like a slow server.
    Sleep(Duration),
    /// Fetch a hero from the in-process replica.
    Fetch,
}

impl Job {
    /// The job called `name` on the command line.
    pub fn parse(name: &str, sleep: Duration) -> Result<Job, String> {
        match name {
            "sleep" => Ok(Job::Sleep(sleep)),
            "fetch" => Ok(Job::Fetch),
            other => Err(format!("unknown job {other:?} (sleep or fetch)")),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Job::Sleep(_) => "sleep",
            Job::Fetch => "fetch",
        }
    }
}

/// The replica and what a client needs to trust it, for the fetch job. A blocking mode
/// uses one runtime per job on its own thread, so each thread builds its own client
/// (clients belong to one thread).
pub struct Source {
    base: String,
    ca: String,
    _replica: ReplicaHandle,
}

impl Source {
    /// Starts the replica as `gather` does: TLS, 50-250 ms per answer (two answers per hero:
    /// the 301 redirect, then the person), the default seed.
    pub fn open() -> Result<Source, String> {
        let replica = ReplicaServer::builder()
            .latency(Latency::between(JITTER.0, JITTER.1, heroes::DEFAULT_SEED))
            .start()
            .map_err(|e| format!("cannot start the replica: {e}"))?;
        let ca = replica.ca_pem().ok_or("no CA")?.to_owned();
        Ok(Source {
            base: replica.people_url(),
            ca,
            _replica: replica,
        })
    }

    pub fn client(&self) -> Result<Client, String> {
        Client::builder()
            .add_root_certificate_pem(self.ca.as_bytes())
            .build()
            .map_err(|e| e.to_string())
    }

    pub fn base(&self) -> &str {
        &self.base
    }
}

/// What the fetch reads of a SWAPI person.
#[derive(Deserialize)]
struct Person {
    name: String,
}

/// The fetch job: hero `id`'s name, fetched as `examples/gather.rs` does.
pub async fn fetch_hero(client: &Client, base: &str, id: u32) -> Result<String, fetcher::Error> {
    let response = client
        .get(&format!("{base}{id}"))
        .await?
        .error_for_status()?;
    let person: Person = response.json()?;
    Ok(person.name)
}

/// A hero id that exists, a different one each call (round the replica's people).
pub fn next_hero_id() -> u32 {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let people = heroes::people();
    people[NEXT.fetch_add(1, Ordering::Relaxed) % people.len()]
}

/// Runs one job to completion on this thread.
pub fn blocking_job(job: Job, source: Option<&Source>) -> Result<(), String> {
    match (job, source) {
        (Job::Sleep(d), _) => {
            std::thread::sleep(d);
            Ok(())
        }
        (Job::Fetch, Some(source)) => {
            let client = source.client()?;
            runtime::block_on(fetch_hero(&client, source.base(), next_hero_id()))
                .map(drop)
                .map_err(|e| e.to_string())
        }
        (Job::Fetch, None) => Err("no source".into()),
    }
}

/// The jobs as one async function, for the runtime modes.
pub async fn async_job(job: Job, client: Option<&Client>, base: &str) -> Result<(), String> {
    match (job, client) {
        (Job::Sleep(d), _) => {
            runtime::time::sleep(d).await;
            Ok(())
        }
        (Job::Fetch, Some(client)) => fetch_hero(client, base, next_hero_id())
            .await
            .map(drop)
            .map_err(|e| e.to_string()),
        (Job::Fetch, None) => Err("no client".into()),
    }
}
