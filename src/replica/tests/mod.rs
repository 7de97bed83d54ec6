//! Behaviour tests: the replica checked against how swapi.dev answers.

use std::sync::OnceLock;

use serde_json::Value;

use super::{respond, Dataset, Request, Response, Scheme};

mod certs;
mod conditional;
mod errors;
mod lists;
mod reader;
mod records;
mod search;

/// The dataset, loaded once for all tests.
fn dataset() -> &'static Dataset {
    static DATASET: OnceLock<Dataset> = OnceLock::new();
    DATASET.get_or_init(|| Dataset::load().expect("the embedded data loads"))
}

/// A request with `method` for `target`, sent to `https://swapi.dev`.
fn request(method: &str, target: &str) -> Request {
    let mut request = Request::get(Scheme::Https, "swapi.dev", target);
    request.method = method.to_owned();
    request
}

/// The replica's answer to `GET target` on `https://swapi.dev`.
fn get(target: &str) -> Response {
    respond(dataset(), &request("GET", target))
}

/// The body of `response`, parsed as JSON.
fn json(response: &Response) -> Value {
    serde_json::from_slice(&response.body).expect("the body is JSON")
}

/// The body of `response` as text.
fn text(response: &Response) -> &str {
    std::str::from_utf8(&response.body).expect("the body is UTF-8")
}
