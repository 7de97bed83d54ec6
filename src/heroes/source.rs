//! Where heroes come from: the in-process replica, or a live service.

use std::error::Error;
use std::time::Duration;

use crate::replica::server::{ReplicaHandle, ReplicaServer};
use crate::replica::Latency;

use super::Options;

/// The shortest and longest delay the replica adds to each answer by default.
pub const JITTER: (Duration, Duration) = (Duration::from_millis(50), Duration::from_millis(250));

/// A client and the people URL it fetches from.
#[derive(Debug)]
pub struct Source {
    /// Trusts the replica's CA (generated at start), or the web's roots for `--url`.
    pub client: fetcher::Client,
    /// The people URL, ending in `/`: heroes are `{base}{id}`.
    pub base: String,
    /// The in-process replica, when no `--url` was given; stopped on drop.
    replica: Option<ReplicaHandle>,
}

impl Source {
    /// Starts the replica (TLS, [`JITTER`] per answer, seeded by `options.seed`) on its
    /// own thread, or points at `options.url`.
    ///
    /// # Errors
    /// If the replica cannot start or the client cannot be built.
    pub fn open(options: &Options) -> Result<Source, Box<dyn Error>> {
        if let Some(url) = &options.url {
            return Ok(Source {
                client: fetcher::Client::new(),
                base: url.clone(),
                replica: None,
            });
        }
        let replica = ReplicaServer::builder()
            .latency(Latency::between(JITTER.0, JITTER.1, options.seed))
            .start()?;
        let ca = replica.ca_pem().ok_or("the replica runs without TLS")?;
        let client = fetcher::Client::builder()
            .add_root_certificate_pem(ca.as_bytes())
            .build()?;
        Ok(Source {
            client,
            base: replica.people_url(),
            replica: Some(replica),
        })
    }

    /// The in-process replica, if this source runs one.
    pub fn replica(&self) -> Option<&ReplicaHandle> {
        self.replica.as_ref()
    }

    /// One line for the examples' header.
    pub fn describe(&self) -> String {
        match &self.replica {
            Some(_) => format!(
                "{} (the in-process replica: TLS, {}-{} ms per answer)",
                self.base,
                JITTER.0.as_millis(),
                JITTER.1.as_millis()
            ),
            None => self.base.clone(),
        }
    }
}
