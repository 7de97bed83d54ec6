//! HEAD, ETags, CORS and connection handling: the headers around the body.

use super::super::{respond, Version};
use super::{dataset, get, request};

#[test]
fn head_has_the_headers_of_get_but_no_body() {
    let full = get("/api/planets/1/");
    let head = respond(dataset(), &request("HEAD", "/api/planets/1/"));
    assert_eq!(head.status, 200);
    assert_eq!(head.headers, full.headers);
    assert_eq!(
        head.header("Content-Length"),
        Some(full.body.len().to_string().as_str())
    );
    assert!(head.body.is_empty());
    assert!(head.to_bytes().ends_with(b"\r\n\r\n"));
}

#[test]
fn every_answer_carries_a_stable_etag() {
    let first = get("/api/films/");
    let tag = first.header("ETag").expect("an ETag").to_owned();
    assert!(tag.starts_with('"') && tag.ends_with('"'));
    assert_eq!(get("/api/films/").header("ETag"), Some(tag.as_str()));
    assert_ne!(get("/api/films/1/").header("ETag"), Some(tag.as_str()));
}

#[test]
fn if_none_match_with_the_etag_is_304_without_a_body() {
    let tag = get("/api/people/1/").header("ETag").unwrap().to_owned();
    for method in ["GET", "HEAD"] {
        let mut again = request(method, "/api/people/1/");
        again.if_none_match = Some(tag.clone());
        let response = respond(dataset(), &again);
        assert_eq!(response.status, 304, "{method}");
        assert_eq!(response.header("ETag"), Some(tag.as_str()));
        assert_eq!(response.header("Content-Length"), None);
        assert!(response.body.is_empty());
    }
}

#[test]
fn if_none_match_with_another_tag_gets_the_full_answer() {
    let mut stale = request("GET", "/api/people/1/");
    stale.if_none_match = Some("\"0000000000000000\"".to_owned());
    assert_eq!(respond(dataset(), &stale).status, 200);
    stale.if_none_match = Some("*".to_owned());
    assert_eq!(respond(dataset(), &stale).status, 304);
}

#[test]
fn api_answers_allow_any_origin_whatever_their_status() {
    for target in [
        "/api/",
        "/api/people/1/",
        "/api/people/17/",
        "/api/people/1",
        "/api/people/schema",
    ] {
        assert_eq!(
            get(target).header("Access-Control-Allow-Origin"),
            Some("*"),
            "{target}"
        );
    }
    assert_eq!(get("/").header("Access-Control-Allow-Origin"), None);
}

#[test]
fn a_closing_request_gets_connection_close() {
    let mut last = request("GET", "/api/");
    last.keep_alive = false;
    let response = respond(dataset(), &last);
    assert!(response.close);
    assert_eq!(response.header("Connection"), Some("close"));
    let kept = get("/api/");
    assert!(!kept.close);
    assert_eq!(kept.header("Connection"), None);
}

#[test]
fn an_http_1_0_keep_alive_request_is_told_the_connection_stays_open() {
    let mut old = request("GET", "/api/");
    old.version = Version::Http10;
    assert_eq!(
        respond(dataset(), &old).header("Connection"),
        Some("keep-alive")
    );
}

#[test]
fn a_redirect_serialises_to_exact_bytes() {
    let bytes = get("/api/people/1?x=1").to_bytes();
    assert_eq!(
        String::from_utf8(bytes).unwrap(),
        "HTTP/1.1 301 Moved Permanently\r\n\
         Content-Type: text/html; charset=utf-8\r\n\
         Content-Length: 0\r\n\
         Location: https://swapi.dev/api/people/1/?x=1\r\n\
         Access-Control-Allow-Origin: *\r\n\
         \r\n"
    );
}
