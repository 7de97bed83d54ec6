//! The replica's fidelity checks again, through the `curl` binary: an HTTP
//! client we did not write, trusting the CA file the replica wrote. Skipped,
//! with the reason printed, where `curl` is not installed.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;
use tinyloop::replica::{ReplicaHandle, ReplicaServer};

/// Luke's record as `../shared/swapi/API.md` shows it, with `{base}` where
/// swapi.dev has `https://swapi.dev`.
const LUKE: &str = r#"{"name":"Luke Skywalker","height":"172","mass":"77","hair_color":"blond","skin_color":"fair","eye_color":"blue","birth_year":"19BBY","gender":"male","homeworld":"{base}/api/planets/1/","films":["{base}/api/films/1/","{base}/api/films/2/","{base}/api/films/3/","{base}/api/films/6/"],"species":[],"vehicles":["{base}/api/vehicles/14/","{base}/api/vehicles/30/"],"starships":["{base}/api/starships/12/","{base}/api/starships/22/"],"created":"2014-12-09T13:50:51.644000Z","edited":"2014-12-20T21:17:56.891000Z","url":"{base}/api/people/1/"}"#;

/// A TLS replica whose URLs say `localhost` (so curl checks the
/// certificate's DNS name), its CA written to a file of this test's own.
/// `None`, after printing why, when curl is not installed.
fn replica(test: &str) -> Option<(ReplicaHandle, Curl)> {
    if Command::new("curl").arg("--version").output().is_err() {
        println!("skipping the curl check `{test}`: curl is not installed (not found on PATH)");
        return None;
    }
    let ca = std::env::temp_dir().join(format!(
        "tinyloop-replica-curl-{}-{test}.pem",
        std::process::id()
    ));
    let replica = ReplicaServer::builder()
        .url_host("localhost")
        .ca_path(&ca)
        .start()
        .expect("the replica starts");
    Some((replica, Curl { ca }))
}

/// Runs curl with the replica's CA file.
struct Curl {
    /// The CA file, removed when the test ends.
    ca: PathBuf,
}

/// One response as curl reports it.
struct Answer {
    status: u16,
    /// The head's lines after the status line.
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        let (_, value) = self
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))?;
        Some(value)
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("the body is JSON")
    }
}

impl Curl {
    /// `curl -sS -i [extra...] url`, split into status, headers and body.
    fn get(&self, url: &str, extra: &[&str]) -> Answer {
        let output = self.run(&[&["-i"], extra, &[url]].concat());
        let (head, body) = output.split_once("\r\n\r\n").expect("a response head");
        let mut lines = head.lines();
        let status = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .expect("a status line");
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
            .collect();
        Answer {
            status: status.parse().expect("a numeric status"),
            headers,
            body: body.to_owned(),
        }
    }

    /// Runs curl with `args` (after `--cacert`, `-sS` and a time limit) and
    /// returns what it printed; panics if it fails.
    fn run(&self, args: &[&str]) -> String {
        let output = Command::new("curl")
            .arg("--cacert")
            .arg(&self.ca)
            .args(["-sS", "--max-time", "20"])
            .args(args)
            .output()
            .expect("curl runs");
        assert!(
            output.status.success(),
            "curl {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("curl printed UTF-8")
    }
}

impl Drop for Curl {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.ca);
    }
}

/// `scheme://host:port` of the replica.
fn origin(replica: &ReplicaHandle) -> String {
    replica.url("").trim_end_matches('/').to_owned()
}

#[test]
fn curl_gets_luke_byte_for_byte_over_tls() {
    let Some((replica, curl)) = replica("luke") else {
        return;
    };
    let answer = curl.get(&format!("{}1/", replica.people_url()), &[]);
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("Content-Type"), Some("application/json"));
    assert_eq!(answer.body, LUKE.replace("{base}", &origin(&replica)));
}

#[test]
fn curl_gets_a_404_for_person_17() {
    let Some((replica, curl)) = replica("person17") else {
        return;
    };
    let answer = curl.get(&format!("{}17/", replica.people_url()), &[]);
    assert_eq!(answer.status, 404);
    assert_eq!(answer.body, r#"{"detail":"Not found"}"#);
}

#[test]
fn curl_sees_a_301_for_a_missing_slash_and_follows_it() {
    let Some((replica, curl)) = replica("redirect") else {
        return;
    };
    let slashless = replica.url("/api/people/1");
    let answer = curl.get(&slashless, &[]);
    assert_eq!(answer.status, 301);
    assert_eq!(
        answer.header("Location"),
        Some(format!("{slashless}/").as_str())
    );
    let followed = curl.run(&["-L", "-w", "\n%{url_effective}", &slashless]);
    let (body, effective) = followed.rsplit_once('\n').unwrap();
    assert_eq!(effective, format!("{slashless}/"));
    assert_eq!(body, LUKE.replace("{base}", &origin(&replica)));
}

#[test]
fn curl_walks_every_page_of_every_resource() {
    let Some((replica, curl)) = replica("pages") else {
        return;
    };
    let expected = [
        ("people", 82, 9, 2),
        ("planets", 60, 6, 10),
        ("films", 6, 1, 6),
        ("species", 37, 4, 7),
        ("vehicles", 39, 4, 9),
        ("starships", 36, 4, 6),
    ];
    for (resource, count, pages, last_len) in expected {
        let first = replica.url(&format!("/api/{resource}/"));
        let mut url = Some(first.clone());
        let mut seen = Vec::new();
        while let Some(current) = url.take() {
            assert!(seen.len() < 20, "{resource}: too many pages");
            let page = curl.get(&current, &[]).json();
            assert_eq!(page["count"], count, "{resource}");
            let previous = page["previous"].as_str().map(str::to_owned);
            match seen.len() {
                0 => assert_eq!(previous, None),
                n => assert_eq!(previous, Some(format!("{first}?page={n}"))),
            }
            url = page["next"].as_str().map(str::to_owned);
            seen.push(page["results"].as_array().unwrap().len());
        }
        assert_eq!(seen.len(), pages, "{resource}: page count");
        assert_eq!(seen.last(), Some(&last_len), "{resource}: last page");
    }
}

#[test]
fn curl_searches_names_and_keeps_the_search_in_next() {
    let Some((replica, curl)) = replica("search") else {
        return;
    };
    let sky = curl
        .get(&replica.url("/api/people/?search=sky"), &[])
        .json();
    let names: Vec<&str> = sky["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Luke Skywalker", "Anakin Skywalker", "Shmi Skywalker"]
    );
    let a = curl.get(&replica.url("/api/people/?search=a"), &[]).json();
    assert_eq!(a["count"], 58);
    assert_eq!(a["next"], replica.url("/api/people/?search=a&page=2"));
}

#[test]
fn curl_gets_a_304_when_it_sends_the_etag_back() {
    let Some((replica, curl)) = replica("etag") else {
        return;
    };
    let url = format!("{}1/", replica.people_url());
    let first = curl.get(&url, &[]);
    let etag = first.header("ETag").expect("an ETag").to_owned();
    let again = curl.get(&url, &["-H", &format!("If-None-Match: {etag}")]);
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
}

#[test]
fn curl_reuses_one_connection_for_several_urls() {
    let Some((replica, curl)) = replica("keepalive") else {
        return;
    };
    let urls: Vec<String> = (1..=3)
        .map(|id| format!("{}{id}/", replica.people_url()))
        .collect();
    let out = curl.run(&[
        "-o",
        "/dev/null",
        "-o",
        "/dev/null",
        "-o",
        "/dev/null",
        &urls[0],
        &urls[1],
        &urls[2],
    ]);
    assert!(out.is_empty());
    assert_eq!(replica.served().len(), 3);
    assert_eq!(
        replica.stats().accepted,
        1,
        "curl kept the connection alive"
    );
}
