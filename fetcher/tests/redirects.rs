//! Following redirects against loopback servers: where the next request
//! goes, what it carries, and when following stops.

mod support;

use fetcher::{Client, Error, Request};
use support::https::{HttpsServer, TestPki};
use support::raw::{send, RawServer, Step};
use support::{expect_error, run};

fn redirect(status: u16, location: &str) -> Step {
    send(format!(
        "HTTP/1.1 {status} Redirect\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n"
    ))
}

fn ok(body: &str) -> Step {
    send(format!(
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    ))
}

#[test]
fn a_moved_permanently_to_the_trailing_slash_is_followed_on_the_same_connection() {
    // What swapi.dev does with the seed's URLs.
    let server = RawServer::start(vec![vec![
        Step::ReadRequest,
        redirect(301, "/api/people/1/"),
        Step::ReadRequest,
        ok(r#"{"name":"Luke Skywalker"}"#),
        Step::Hang,
    ]]);
    let url = server.url("/api/people/1");
    let response = run(|| fetcher::get(&url)).output.unwrap();
    let person: serde_json::Value = response.json().unwrap();
    assert_eq!(person["name"], "Luke Skywalker");
    assert_eq!(response.url().as_str(), server.url("/api/people/1/"));
    let requests = server.requests();
    assert!(requests[0].starts_with("GET /api/people/1 HTTP/1.1\r\n"));
    assert!(requests[1].starts_with("GET /api/people/1/ HTTP/1.1\r\n"));
    assert_eq!(server.accepted(), 1, "the redirect reused the connection");
}

#[test]
fn see_other_turns_a_post_into_a_get_without_body() {
    let server = RawServer::start(vec![vec![
        Step::ReadRequest,
        redirect(303, "/done"),
        Step::ReadRequest,
        ok("done"),
        Step::Hang,
    ]]);
    let client = Client::new();
    let request = Request::new("POST", server.url("/form"))
        .header("Content-Type", "text/plain")
        .body("payload");
    let response = run(|| client.send(request)).output.unwrap();
    assert_eq!(response.text(), "done");
    let requests = server.requests();
    assert!(requests[0].starts_with("POST /form HTTP/1.1\r\n"));
    assert!(requests[0].ends_with("\r\n\r\npayload"));
    assert!(requests[1].starts_with("GET /done HTTP/1.1\r\n"));
    assert!(!requests[1].contains("Content-Type"), "{}", requests[1]);
    assert!(!requests[1].contains("Content-Length"), "{}", requests[1]);
    assert!(requests[1].ends_with("\r\n\r\n"));
}

#[test]
fn temporary_redirect_resends_the_post_and_its_body() {
    let server = RawServer::start(vec![vec![
        Step::ReadRequest,
        redirect(307, "b"),
        Step::ReadRequest,
        ok("stored"),
        Step::Hang,
    ]]);
    let client = Client::new();
    let request = Request::new("POST", server.url("/api/a")).body("payload");
    let response = run(|| client.send(request)).output.unwrap();
    assert_eq!(response.text(), "stored");
    let requests = server.requests();
    assert!(
        requests[1].starts_with("POST /api/b HTTP/1.1\r\n"),
        "{}",
        requests[1]
    );
    assert!(requests[1].ends_with("Content-Length: 7\r\n\r\npayload"));
}

#[test]
fn authorization_is_dropped_when_the_host_changes() {
    // One server under two names: 127.0.0.1 redirects to localhost, same
    // port, so only the host differs.
    let server = RawServer::start_with(|addr| {
        let other_host = format!("http://localhost:{}/other-host", addr.port());
        vec![
            vec![Step::ReadRequest, redirect(302, &other_host), Step::Hang],
            vec![Step::ReadRequest, ok("elsewhere"), Step::Hang],
        ]
    });
    let client = Client::new();
    let request = Request::get(server.url("/start")).header("Authorization", "Bearer token");
    let response = run(|| client.send(request)).output.unwrap();
    assert_eq!(response.text(), "elsewhere");
    let requests = server.requests();
    assert!(requests[0].contains("\r\nAuthorization: Bearer token\r\n"));
    assert!(requests[1].starts_with("GET /other-host HTTP/1.1\r\nHost: localhost:"));
    assert!(!requests[1].contains("Authorization"), "{}", requests[1]);
}

#[test]
fn authorization_is_kept_on_the_same_host() {
    let server = RawServer::start(vec![vec![
        Step::ReadRequest,
        redirect(308, "/next"),
        Step::ReadRequest,
        ok("next"),
        Step::Hang,
    ]]);
    let client = Client::new();
    let request = Request::get(server.url("/")).header("Authorization", "Bearer token");
    run(|| client.send(request)).output.unwrap();
    let requests = server.requests();
    assert!(requests[1].contains("\r\nAuthorization: Bearer token\r\n"));
}

#[test]
fn a_redirect_loop_is_too_many_redirects() {
    let server = RawServer::always(
        "HTTP/1.1 301 Moved Permanently\r\nLocation: /loop\r\nContent-Length: 0\r\n\r\n",
    );
    let error = expect_error(&Client::new(), &server.url("/loop"));
    assert!(
        matches!(error, Error::TooManyRedirects { followed: 10 }),
        "{error:?}"
    );
    assert_eq!(
        server.requests().len(),
        11,
        "the first request and ten redirects"
    );
}

#[test]
fn more_hops_than_allowed_is_too_many_redirects() {
    let server = RawServer::start(vec![vec![
        Step::ReadRequest,
        redirect(302, "/2"),
        Step::ReadRequest,
        redirect(302, "/3"),
        Step::ReadRequest,
        redirect(302, "/4"),
        Step::Hang,
    ]]);
    let client = Client::builder().max_redirects(2).build().unwrap();
    let error = expect_error(&client, &server.url("/1"));
    assert!(
        matches!(error, Error::TooManyRedirects { followed: 2 }),
        "{error:?}"
    );
}

#[test]
fn a_redirect_to_another_scheme_is_unsupported() {
    let server = RawServer::start(vec![vec![
        Step::ReadRequest,
        redirect(302, "ftp://files.test/a.txt"),
        Step::Hang,
    ]]);
    let error = expect_error(&Client::new(), &server.url("/"));
    assert!(
        matches!(&error, Error::UnsupportedScheme(s) if s == "ftp"),
        "{error:?}"
    );
}

#[test]
fn with_following_off_the_redirect_itself_is_the_response() {
    let server = RawServer::start(vec![vec![
        Step::ReadRequest,
        redirect(301, "/elsewhere"),
        Step::Hang,
    ]]);
    let client = Client::builder().follow_redirects(false).build().unwrap();
    let url = server.url("/");
    let response = run(|| client.get(&url)).output.unwrap();
    assert_eq!(response.status(), 301);
    assert_eq!(response.headers().get("location"), Some("/elsewhere"));
}

#[test]
fn a_redirect_from_http_to_https_is_followed() {
    let pki = TestPki::new();
    let secure = HttpsServer::ok(pki.server_config(&["localhost"]), "secure");
    let target = secure.url("localhost", "/");
    let plain = RawServer::start(vec![vec![
        Step::ReadRequest,
        redirect(301, &target),
        Step::Hang,
    ]]);
    let client = Client::builder()
        .add_root_certificate_pem(pki.ca_pem())
        .build()
        .unwrap();
    let url = plain.url("/");
    let response = run(|| client.get(&url)).output.unwrap();
    assert_eq!(response.text(), "secure");
    assert_eq!(response.url().as_str(), target);
}
