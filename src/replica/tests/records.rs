//! One record, and the root document.

use serde_json::Value;

use super::super::{respond, Request, Resource, Scheme};
use super::{dataset, get, json, text};

/// `GET https://swapi.dev/api/people/1/`, as swapi.dev serves it (647 bytes).
const LUKE: &str = r#"{"name":"Luke Skywalker","height":"172","mass":"77","hair_color":"blond","skin_color":"fair","eye_color":"blue","birth_year":"19BBY","gender":"male","homeworld":"https://swapi.dev/api/planets/1/","films":["https://swapi.dev/api/films/1/","https://swapi.dev/api/films/2/","https://swapi.dev/api/films/3/","https://swapi.dev/api/films/6/"],"species":[],"vehicles":["https://swapi.dev/api/vehicles/14/","https://swapi.dev/api/vehicles/30/"],"starships":["https://swapi.dev/api/starships/12/","https://swapi.dev/api/starships/22/"],"created":"2014-12-09T13:50:51.644000Z","edited":"2014-12-20T21:17:56.891000Z","url":"https://swapi.dev/api/people/1/"}"#;

#[test]
fn luke_over_https_on_swapi_dev_is_byte_identical_to_swapi_dev() {
    let response = get("/api/people/1/");
    assert_eq!(response.status, 200);
    assert_eq!(response.header("Content-Type"), Some("application/json"));
    assert_eq!(LUKE.len(), 647);
    assert_eq!(text(&response), LUKE);
    assert_eq!(response.header("Content-Length"), Some("647"));
}

#[test]
fn urls_use_the_requests_own_scheme_and_host() {
    let request = Request::get(Scheme::Http, "127.0.0.1:8000", "/api/people/1/");
    let luke = json(&respond(dataset(), &request));
    assert_eq!(luke["url"], "http://127.0.0.1:8000/api/people/1/");
    assert_eq!(luke["homeworld"], "http://127.0.0.1:8000/api/planets/1/");
}

/// Every string in `value` that looks like a URL.
fn urls(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) if s.contains("://") => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| urls(v, out)),
        Value::Object(map) => map.values().for_each(|v| urls(v, out)),
        _ => {}
    }
}

#[test]
fn every_link_of_every_record_is_absolute_slash_terminated_and_resolves() {
    for resource in Resource::ALL {
        for id in dataset().ids(resource) {
            let record = json(&get(&format!("/api/{resource}/{id}/")));
            let mut links = Vec::new();
            urls(&record, &mut links);
            assert_eq!(
                record["url"],
                format!("https://swapi.dev/api/{resource}/{id}/")
            );
            for link in links {
                assert!(link.ends_with('/'), "{link}");
                let path = link
                    .strip_prefix("https://swapi.dev")
                    .expect("absolute, on the request's host");
                assert_eq!(get(path).status, 200, "{resource} {id} links to {link}");
            }
        }
    }
}

#[test]
fn links_agree_in_both_directions() {
    for film_id in dataset().ids(Resource::Films) {
        let film = json(&get(&format!("/api/films/{film_id}/")));
        let film_url = film["url"].clone();
        for character in film["characters"].as_array().unwrap() {
            let path = character
                .as_str()
                .unwrap()
                .strip_prefix("https://swapi.dev")
                .unwrap();
            let person = json(&get(path));
            assert!(
                person["films"].as_array().unwrap().contains(&film_url),
                "{path} lacks {film_url}"
            );
        }
    }
}

#[test]
fn starships_and_vehicles_join_transport_in_serializer_order() {
    let falcon = json(&get("/api/starships/10/"));
    let keys: Vec<&str> = falcon
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "name",
            "model",
            "manufacturer",
            "cost_in_credits",
            "length",
            "max_atmosphering_speed",
            "crew",
            "passengers",
            "cargo_capacity",
            "consumables",
            "hyperdrive_rating",
            "MGLT",
            "starship_class",
            "pilots",
            "films",
            "created",
            "edited",
            "url"
        ]
    );
    let snowspeeder = json(&get("/api/vehicles/14/"));
    assert_eq!(snowspeeder["vehicle_class"], "airspeeder");
    assert_eq!(snowspeeder["pilots"][0], "https://swapi.dev/api/people/1/");
    assert_eq!(snowspeeder["created"], "2014-12-15T12:22:12Z");
}

#[test]
fn film_text_keeps_its_line_breaks_escaped() {
    let hope = get("/api/films/1/");
    assert!(text(&hope).contains(r#""opening_crawl":"It is a period of civil war.\r\nRebel"#));
    assert_eq!(json(&hope)["episode_id"], 4);
    assert_eq!(json(&hope)["release_date"], "1977-05-25");
}

#[test]
fn the_root_lists_each_resource_in_swapis_order() {
    let root = get("/api/");
    assert_eq!(
        text(&root),
        concat!(
            r#"{"people":"https://swapi.dev/api/people/","planets":"https://swapi.dev/api/planets/","#,
            r#""films":"https://swapi.dev/api/films/","species":"https://swapi.dev/api/species/","#,
            r#""vehicles":"https://swapi.dev/api/vehicles/","starships":"https://swapi.dev/api/starships/"}"#
        )
    );
}

#[test]
fn leading_zeros_and_escapes_in_the_path_reach_the_same_record() {
    assert_eq!(
        json(&get("/api/people/01/"))["url"],
        "https://swapi.dev/api/people/1/"
    );
    assert_eq!(json(&get("/api/%70eople/1/"))["name"], "Luke Skywalker");
}
