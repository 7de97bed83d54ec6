//! What a run needs before its first fetch: the client, where heroes are, the in-flight cap.

use std::error::Error;
use std::future::Future;
use std::time::Duration;

use runtime::sim::Link;
use runtime::sync::Semaphore;
use runtime::time::Instant;

use super::{Fetched, Options};
use crate::cli::Out;
use crate::replica::server::{LocalReplica, ReplicaHandle, ReplicaServer, SIM_HOST};
use crate::replica::Latency;

/// The shortest and longest delay the replica adds to each answer. A hero's fetch is two
/// answers, the 301 redirect to `{id}/` and then the person, so it takes about twice this.
pub const JITTER: (Duration, Duration) = (Duration::from_millis(50), Duration::from_millis(250));

/// The client, the people URL and the heroes to fetch, ready for the examples' fetches.
///
/// [`timed`](Setup::timed) runs one hero's fetch within the in-flight cap and times it;
/// [`print`](Setup::print) prints its line.
#[derive(Debug)]
pub struct Setup {
    /// Trusts the replica's CA (made when it starts), or, for `--url`, the web's roots and
    /// `--cacert`'s; every request is bounded by `--timeout`.
    pub client: fetcher::Client,
    /// The people URL, ending in `/`: hero `id` is asked for at `{url}{id}`.
    pub url: String,
    /// The ids to fetch, in order.
    ids: Vec<u32>,
    /// One permit per fetch in flight: `--max-in-flight` of them.
    in_flight: Semaphore,
    /// How many permits `in_flight` has.
    max_in_flight: usize,
    /// Where the lines go.
    out: Out,
    /// The in-process replica, unless `--url` was given; stopped on drop.
    replica: Option<Replica>,
}

/// Where the in-process replica runs.
#[derive(Debug)]
enum Replica {
    /// On a thread of its own, with its own runtime, over loopback.
    Thread(ReplicaHandle),
    /// As tasks of the program's runtime, on its simulated network (`--simulate`).
    Simulated(LocalReplica),
}

/// The simulated network's link between the client and the replica: a local network's
/// latency; the replica's own delays (50–250 ms) are what a hero's time is made of.
pub const SIM_LINK: Link = Link::new(Duration::from_millis(1), Duration::from_millis(2));

impl Setup {
    /// Starts the replica (TLS, [`JITTER`] per answer, seeded by `options.seed`) on its own
    /// thread, unless `options.url` points elsewhere, and builds the client. `people` are
    /// the ids of SWAPI's people, ascending: the replica's heroes are the first
    /// `options.count` of them; with `--url`, like the seed, the ids are `1..=count`.
    ///
    /// # Errors
    /// If the replica cannot start or the client cannot be built.
    pub fn open(options: &Options, people: &[u32]) -> Result<Setup, Box<dyn Error>> {
        let mut client = fetcher::Client::builder().timeout(options.timeout);
        let (url, ids, replica) = match &options.url {
            Some(url) => {
                if let Some((_, pem)) = &options.cacert {
                    client = client.add_root_certificate_pem(pem.clone());
                }
                let ids = (1..).take(options.count).collect();
                (url.clone(), ids, None)
            }
            None => {
                let replica = ReplicaServer::builder()
                    .latency(Latency::between(JITTER.0, JITTER.1, options.seed))
                    .start()?;
                let ca = replica.ca_pem().ok_or("the replica runs without TLS")?;
                client = client.add_root_certificate_pem(ca.as_bytes());
                let ids = people.iter().copied().take(options.count).collect();
                (replica.people_url(), ids, Some(Replica::Thread(replica)))
            }
        };
        Ok(Setup {
            client: client.build()?,
            url,
            ids,
            in_flight: Semaphore::new(options.max_in_flight),
            max_in_flight: options.max_in_flight,
            out: Out::new(),
            replica,
        })
    }

    /// Like [`open`](Setup::open) for `--simulate`: inside the runtime, whose simulated
    /// network gets the host [`SIM_HOST`] (linked to `client` by [`SIM_LINK`]), where the
    /// replica listens on port 443 as tasks of this runtime.
    ///
    /// # Errors
    /// If no runtime with a simulated network runs here, or the replica cannot start, or
    /// the client cannot be built.
    pub fn simulated(options: &Options, people: &[u32]) -> Result<Setup, Box<dyn Error>> {
        let net = runtime::sim::try_network()
            .ok_or("--simulate needs a runtime built with a simulated network")?;
        let ip = net.add_host(SIM_HOST);
        net.link("client", SIM_HOST, SIM_LINK);
        let listener = runtime::net::TcpListener::bind((ip, 443))?;
        let replica = ReplicaServer::builder()
            .url_host(SIM_HOST)
            .latency(Latency::between(JITTER.0, JITTER.1, options.seed))
            .spawn(listener)?;
        let ca = replica.ca_pem().ok_or("the replica runs without TLS")?;
        let client = fetcher::Client::builder()
            .timeout(options.timeout)
            .add_root_certificate_pem(ca.as_bytes());
        Ok(Setup {
            client: client.build()?,
            url: replica.people_url(),
            ids: people.iter().copied().take(options.count).collect(),
            in_flight: Semaphore::new(options.max_in_flight),
            max_in_flight: options.max_in_flight,
            out: Out::new(),
            replica: Some(Replica::Simulated(replica)),
        })
    }

    /// The ids of the heroes to fetch, in order.
    pub fn ids(&self) -> impl Iterator<Item = u32> + '_ {
        self.ids.iter().copied()
    }

    /// Runs `fetch`, the fetch of hero `id`, and times it. It starts once fewer than
    /// `--max-in-flight` fetches are running (a [`Semaphore`] permit each), so that a run
    /// never holds more connections than that, whatever `--count` is; the time counts from
    /// then.
    pub async fn timed<F>(&self, id: u32, fetch: F) -> Fetched
    where
        F: Future<Output = Result<String, fetcher::Error>>,
    {
        let _permit = self
            .in_flight
            .acquire()
            .await
            .expect("nothing closes this semaphore");
        let start = Instant::now();
        let name = fetch.await;
        Fetched {
            id,
            name,
            took: start.elapsed(),
        }
    }

    /// Prints `hero`'s line: `Got hero 4: Darth Vader (220 ms)`, or `Hero 17 failed: no
    /// such person (404 from URL)`.
    pub fn print(&self, hero: &Fetched) {
        self.out.line(hero);
    }

    /// Standard output, which a closed pipe silences (see [`Out`]).
    pub fn out(&self) -> &Out {
        &self.out
    }

    /// The in-process replica, if this run started one on its own thread.
    pub fn replica(&self) -> Option<&ReplicaHandle> {
        match &self.replica {
            Some(Replica::Thread(replica)) => Some(replica),
            _ => None,
        }
    }

    /// The replica of a `--simulate` run, serving as tasks of the program's runtime.
    pub fn simulated_replica(&self) -> Option<&LocalReplica> {
        match &self.replica {
            Some(Replica::Simulated(replica)) => Some(replica),
            _ => None,
        }
    }

    /// The run's first line: `Fetching heroes 1..=10 from https://127.0.0.1:PORT/api/people/
    /// (the in-process replica: TLS, 50-250 ms per answer, two answers per hero)`, or
    /// `Fetching hero 1 from ...` for one.
    pub fn header(&self) -> String {
        let mut notes = Vec::new();
        if let Some(replica) = &self.replica {
            // Each fetch asks for `{url}{id}`: the 301 to `{url}{id}/`, then the person.
            let which = match replica {
                Replica::Thread(_) => "the in-process replica",
                Replica::Simulated(_) => "the simulated replica",
            };
            notes.push(format!(
                "{which}: TLS, {}-{} ms per answer, two answers per hero",
                JITTER.0.as_millis(),
                JITTER.1.as_millis()
            ));
        }
        if let Some(Replica::Simulated(_)) = &self.replica {
            notes.push("simulated network and time".to_owned());
        }
        if self.ids.len() > self.max_in_flight {
            notes.push(format!("{} at a time", self.max_in_flight));
        }
        let notes = match notes.is_empty() {
            true => String::new(),
            false => format!(" ({})", notes.join("; ")),
        };
        let heroes = if self.ids.len() == 1 {
            "hero"
        } else {
            "heroes"
        };
        format!(
            "Fetching {heroes} {} from {}{notes}",
            ranges(&self.ids),
            self.url
        )
    }
}

/// Ascending ids as ranges: `1..=16, 18..=21`.
fn ranges(ids: &[u32]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < ids.len() {
        let mut j = i;
        while j + 1 < ids.len() && ids[j + 1] == ids[j] + 1 {
            j += 1;
        }
        out.push(match j - i {
            0 => ids[i].to_string(),
            _ => format!("{}..={}", ids[i], ids[j]),
        });
        i = j + 1;
    }
    out.join(", ")
}

#[cfg(test)]
mod tests {
    use super::ranges;

    #[test]
    fn ids_read_as_ranges_around_the_gaps() {
        assert_eq!(ranges(&[1, 2, 3]), "1..=3");
        assert_eq!(
            ranges(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18]),
            "1..=16, 18"
        );
        assert_eq!(ranges(&[4]), "4");
        assert_eq!(ranges(&[]), "");
    }
}
