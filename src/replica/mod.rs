//! A faithful replica of the Star Wars API, written sans-IO.
//!
//! [SWAPI](https://swapi.dev) is a small, public, read-only JSON API about
//! the Star Wars films: 82 people, 60 planets, 6 films, 37 species, 39
//! vehicles and 36 starships, all linked to each other by URL. It is a
//! favourite first target for HTTP clients, and an unreliable one: it has had
//! certificate problems and outages. This module answers the way swapi.dev
//! does, byte for byte, from SWAPI's own data compiled into the binary, so
//! the project's examples and tests need no network.
//!
//! # What "the way swapi.dev does" means
//!
//! - `GET /api/` maps each resource to its list URL; `GET /api/people/` is a
//!   page of ten, `{"count":82,"next":…,"previous":null,"results":[…]}`;
//!   `?page=N` (or `?page=last`) picks a page and `?search=` filters by name
//!   (films by title, vehicles and starships by name or model).
//! - `GET /api/people/1/` is one record: compact JSON, keys in SWAPI's order,
//!   every link an absolute URL built from the request's own scheme and
//!   `Host`, so a replica at `127.0.0.1:8000` links to itself.
//! - Missing things are `404 {"detail":"Not found"}` (famously, there is no
//!   person 17); `/api/people/1` without the slash is a `301` to the slashed
//!   URL; methods other than `GET`, `HEAD` and `OPTIONS` are `405`.
//! - Successful answers carry an `ETag`; sending it back in `If-None-Match`
//!   gets an empty `304 Not Modified`.
//!
//! # Sans-IO
//!
//! Nothing here reads a socket, starts a thread or looks at a clock. Each
//! piece is a function from values to values, which is what makes the
//! behaviour above testable without a network:
//!
//! | piece | turns | into |
//! |---|---|---|
//! | [`RequestReader`] | bytes from a connection | [`Request`]s, or an [`HttpError`] |
//! | [`respond`] | a [`Dataset`] and a [`Request`] | a [`Response`] |
//! | [`Response::to_bytes`] | a [`Response`] | bytes for the connection |
//! | [`Latency::jitter`] | a seed | a reproducible delay per request |
//!
//! A server built on any runtime drives them in a loop, per connection:
//!
//! ```text
//! reader = RequestReader::new(scheme, local_address)
//! loop:
//!     bytes = read(socket)            (end of stream: close)
//!     reader.feed(bytes)
//!     while let Some(request) = reader.next_request()?:   (error: write error.response(), close)
//!         sleep(jitter.next_delay())
//!         response = respond(&dataset, &request)
//!         write(socket, response.to_bytes())
//!         if response.close: close
//! ```
//!
//! # Serving it
//!
//! [`server`] runs that loop on tinyloop's own runtime, over plain HTTP or
//! TLS, either on a thread of its own ([`ReplicaBuilder::start`], which
//! returns a [`ReplicaHandle`] with its URLs and CA) or as tasks of the
//! caller's runtime ([`ReplicaBuilder::spawn`], which returns a
//! [`LocalReplica`]: what a simulated network runs).
//!
//! # Example
//!
//! ```
//! use tinyloop::replica::{respond, Dataset, RequestReader, Scheme};
//!
//! let dataset = Dataset::load().expect("the embedded data is valid");
//! let mut reader = RequestReader::new(Scheme::Http, "127.0.0.1:8000");
//! reader.feed(b"GET /api/people/1/ HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n\r\n");
//! let request = reader.next_request().unwrap().expect("a whole request arrived");
//!
//! let response = respond(&dataset, &request);
//! assert_eq!(response.status, 200);
//! assert_eq!(response.header("Content-Type"), Some("application/json"));
//! let luke: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
//! assert_eq!(luke["name"], "Luke Skywalker");
//! assert_eq!(luke["homeworld"], "http://127.0.0.1:8000/api/planets/1/");
//! ```
//!
//! # The data
//!
//! `data/swapi/` holds SWAPI's fixtures and JSON Schemas, copied unchanged
//! from the original SWAPI repository; `data/swapi/SOURCE.md` records where
//! they come from and carries their BSD 3-Clause licence, which applies to
//! the data and must travel with it.

mod dataset;
mod etag;
mod latency;
mod pagination;
mod query;
mod reader;
mod records;
mod request;
mod resource;
mod response;
mod router;
mod schema;
mod search;
pub mod server;
mod wookiee;

#[cfg(test)]
mod tests;

pub use dataset::{DataError, Dataset};
pub use latency::{Jitter, Latency};
pub use reader::{HttpError, RequestReader, MAX_HEADERS, MAX_HEAD_BYTES};
pub use request::{Request, Scheme, Version};
pub use resource::Resource;
pub use response::Response;
pub use router::respond;
pub use server::{
    LocalReplica, ReplicaBuilder, ReplicaHandle, ReplicaServer, ServerStats, SIM_HOST,
};
