//! Redirects, 404s, 405s and the other refusals.

use super::super::{respond, Request, Scheme};
use super::{dataset, get, json, request, text};

#[test]
fn person_17_is_404_not_found() {
    let response = get("/api/people/17/");
    assert_eq!(response.status, 404);
    assert_eq!(response.header("Content-Type"), Some("application/json"));
    assert_eq!(text(&response), r#"{"detail":"Not found"}"#);
}

#[test]
fn non_numeric_and_absent_ids_are_404_not_found() {
    for target in [
        "/api/people/abc/",
        "/api/films/7/",
        "/api/planets/0/",
        "/api/people/schema/",
    ] {
        let response = get(target);
        assert_eq!(
            (response.status, text(&response)),
            (404, r#"{"detail":"Not found"}"#),
            "{target}"
        );
    }
}

#[test]
fn a_missing_trailing_slash_is_a_301_to_the_absolute_slashed_url() {
    let response = get("/api/people/1");
    assert_eq!(response.status, 301);
    assert_eq!(
        response.header("Location"),
        Some("https://swapi.dev/api/people/1/")
    );
    assert_eq!(
        response.header("Content-Type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(response.header("Content-Length"), Some("0"));
    assert!(response.body.is_empty());
}

#[test]
fn the_redirect_uses_the_requests_host_and_keeps_the_query() {
    let request = Request::get(
        Scheme::Http,
        "localhost:8080",
        "/api/people?search=luke&page=1",
    );
    let response = respond(dataset(), &request);
    assert_eq!(
        response.header("Location"),
        Some("http://localhost:8080/api/people/?search=luke&page=1")
    );
}

#[test]
fn redirects_cover_the_root_lists_and_missing_records_alike() {
    for (target, location) in [
        ("/api", "https://swapi.dev/api/"),
        ("/api/films", "https://swapi.dev/api/films/"),
        ("/api/people/17", "https://swapi.dev/api/people/17/"),
    ] {
        let response = get(target);
        assert_eq!(
            (response.status, response.header("Location")),
            (301, Some(location)),
            "{target}"
        );
    }
}

#[test]
fn paths_outside_the_api_are_an_html_404() {
    for target in [
        "/",
        "/api/factions/",
        "/api/people/1/films/",
        "/api/people/1/extra",
    ] {
        let response = get(target);
        assert_eq!(response.status, 404, "{target}");
        assert_eq!(
            response.header("Content-Type"),
            Some("text/html; charset=utf-8"),
            "{target}"
        );
    }
}

#[test]
fn the_schema_route_exists_only_without_a_trailing_slash() {
    let schema = get("/api/people/schema");
    assert_eq!(schema.status, 200);
    assert_eq!(schema.header("Content-Type"), Some("application/json"));
    assert_eq!(json(&schema)["title"], "People");
    assert!(text(&schema).starts_with(r#"{"$schema": "http://json-schema.org/draft-04/schema", "#));
    assert_eq!(json(&get("/api/starships/schema"))["title"], "Starship");
    assert_eq!(get("/api/people/schema/").status, 404);
}

#[test]
fn methods_other_than_get_head_and_options_are_405() {
    for method in ["POST", "PUT", "PATCH", "DELETE", "TRACE", "get"] {
        let response = respond(dataset(), &request(method, "/api/people/1/"));
        assert_eq!(response.status, 405, "{method}");
        assert_eq!(response.header("Allow"), Some("GET, HEAD, OPTIONS"));
        assert_eq!(
            json(&response)["detail"],
            format!("Method \"{method}\" not allowed")
        );
    }
    assert_eq!(
        respond(dataset(), &request("DELETE", "/api/people/17/")).status,
        405
    );
    assert_eq!(
        respond(dataset(), &request("POST", "/api/people/schema")).status,
        405
    );
}

#[test]
fn options_describes_the_view() {
    let response = respond(dataset(), &request("OPTIONS", "/api/people/"));
    assert_eq!(response.status, 200);
    let description = json(&response);
    assert_eq!(description["name"], "People List");
    assert_eq!(description["renders"][0], "application/json");
    assert_eq!(
        json(&respond(
            dataset(),
            &request("OPTIONS", "/api/starships/9/")
        ))["name"],
        "Starship Instance"
    );
}

#[test]
fn an_unknown_format_is_404_and_wookiee_is_translated() {
    assert_eq!(
        text(&get("/api/people/1/?format=xml")),
        r#"{"detail":"Not found"}"#
    );
    assert_eq!(
        json(&get("/api/people/1/?format=json"))["name"],
        "Luke Skywalker"
    );
    let wookiee = get("/api/people/1/?format=wookiee");
    assert_eq!(wookiee.status, 200);
    assert!(
        text(&wookiee).starts_with(r#"{"whrascwo":"Lhuorwo Sorroohraanorworc""#),
        "{}",
        text(&wookiee)
    );
    assert_eq!(
        text(&get("/api/people/17/?format=wookiee")),
        r#"{"wawoaoraahan":"Nooao wwoohuwhwa"}"#
    );
}

#[test]
fn an_accept_header_refusing_json_is_406() {
    let mut refusing = request("GET", "/api/people/1/");
    refusing.accept = Some("image/png".to_owned());
    assert_eq!(respond(dataset(), &refusing).status, 406);
    refusing.accept = Some("text/html,application/xhtml+xml,*/*;q=0.8".to_owned());
    assert_eq!(respond(dataset(), &refusing).status, 200);
}
