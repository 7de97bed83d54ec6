//! `?search=`.

use serde_json::Value;

use super::{get, json};

/// The `name` (or `title`) of every result on a page.
fn names(page: &Value) -> Vec<&str> {
    let results = page["results"].as_array().unwrap();
    results
        .iter()
        .map(|r| r.get("name").unwrap_or(&r["title"]).as_str().unwrap())
        .collect()
}

#[test]
fn a_single_term_matches_names_case_insensitively() {
    let page = json(&get("/api/people/?search=SKY"));
    assert_eq!(page["count"], 3);
    assert_eq!(
        names(&page),
        ["Luke Skywalker", "Anakin Skywalker", "Shmi Skywalker"]
    );
}

#[test]
fn every_term_must_match_whether_split_by_commas_or_spaces() {
    for search in ["luke+sky", "luke%20sky", "luke,sky", "sky,+luke"] {
        assert_eq!(
            names(&json(&get(&format!("/api/people/?search={search}")))),
            ["Luke Skywalker"],
            "{search}"
        );
    }
    assert_eq!(json(&get("/api/people/?search=luke+vader"))["count"], 0);
}

#[test]
fn search_is_carried_into_next_and_previous() {
    let first = json(&get("/api/people/?search=a"));
    assert_eq!(first["count"], 58);
    assert_eq!(
        first["next"],
        "https://swapi.dev/api/people/?search=a&page=2"
    );
    let second = json(&get("/api/people/?search=a&page=2"));
    assert_eq!(
        second["previous"],
        "https://swapi.dev/api/people/?search=a&page=1"
    );
    assert_eq!(
        second["next"],
        "https://swapi.dev/api/people/?search=a&page=3"
    );
}

#[test]
fn carried_search_terms_are_form_encoded() {
    let first = json(&get("/api/people/?search=a%20e"));
    assert_eq!(first["count"], 33);
    assert_eq!(
        first["next"],
        "https://swapi.dev/api/people/?search=a+e&page=2"
    );
}

#[test]
fn films_are_searched_by_title() {
    assert_eq!(
        names(&json(&get("/api/films/?search=hope"))),
        ["A New Hope"]
    );
    assert_eq!(json(&get("/api/films/?search=the"))["count"], 5);
}

#[test]
fn starships_and_vehicles_are_searched_by_name_or_model() {
    assert_eq!(
        names(&json(&get("/api/starships/?search=yt-1300"))),
        ["Millennium Falcon"]
    );
    let destroyers = json(&get("/api/starships/?search=destroyer"));
    assert_eq!(
        names(&destroyers),
        [
            "Star Destroyer",
            "Trade Federation cruiser",
            "Republic attack cruiser"
        ]
    );
    assert_eq!(
        names(&json(&get("/api/vehicles/?search=t-47"))),
        ["Snowspeeder"]
    );
}

#[test]
fn a_search_matching_nothing_is_one_empty_page() {
    let page = json(&get("/api/planets/?search=hoth+tatooine"));
    assert_eq!(
        page,
        serde_json::json!({"count": 0, "next": null, "previous": null, "results": []})
    );
    assert_eq!(get("/api/planets/?search=hoth+tatooine&page=2").status, 404);
}

#[test]
fn an_empty_search_lists_everything() {
    assert_eq!(json(&get("/api/people/?search="))["count"], 82);
    assert_eq!(json(&get("/api/people/?search=+,+"))["count"], 82);
}
