//! Paginated lists.

use serde_json::Value;

use super::super::Resource;
use super::{get, json};

/// Follows `next` from page 1 and returns the size of every page.
fn page_sizes(resource: Resource) -> Vec<usize> {
    let mut sizes = Vec::new();
    let mut target = Some(format!("/api/{resource}/"));
    while let Some(path) = target {
        let page = json(&get(&path));
        sizes.push(page["results"].as_array().unwrap().len());
        target = page["next"]
            .as_str()
            .map(|url| url.strip_prefix("https://swapi.dev").unwrap().to_owned());
        assert!(sizes.len() < 20, "next links loop");
    }
    sizes
}

#[test]
fn page_counts_per_resource_match_swapi_dev() {
    let pages: Vec<usize> = Resource::ALL.iter().map(|&r| page_sizes(r).len()).collect();
    assert_eq!(pages, [9, 6, 1, 4, 4, 4]);
}

#[test]
fn people_come_in_eight_pages_of_ten_and_a_last_page_of_two() {
    assert_eq!(
        page_sizes(Resource::People),
        [10, 10, 10, 10, 10, 10, 10, 10, 2]
    );
    assert_eq!(json(&get("/api/people/"))["count"], 82);
}

#[test]
fn the_first_page_links_only_forward() {
    let first = json(&get("/api/people/"));
    assert_eq!(first["next"], "https://swapi.dev/api/people/?page=2");
    assert_eq!(first["previous"], Value::Null);
}

#[test]
fn the_previous_link_of_page_two_keeps_page_1() {
    let second = json(&get("/api/people/?page=2"));
    assert_eq!(second["next"], "https://swapi.dev/api/people/?page=3");
    assert_eq!(second["previous"], "https://swapi.dev/api/people/?page=1");
}

#[test]
fn page_two_of_people_skips_the_missing_person_17() {
    let second = json(&get("/api/people/?page=2"));
    let ids: Vec<String> = second["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|person| {
            person["url"]
                .as_str()
                .unwrap()
                .rsplit('/')
                .nth(1)
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(
        ids,
        ["11", "12", "13", "14", "15", "16", "18", "19", "20", "21"]
    );
}

#[test]
fn page_last_is_the_last_page() {
    let last = json(&get("/api/people/?page=last"));
    assert_eq!(last, json(&get("/api/people/?page=9")));
    assert_eq!(last["next"], Value::Null);
    assert_eq!(last["previous"], "https://swapi.dev/api/people/?page=8");
    assert_eq!(last["results"].as_array().unwrap().len(), 2);
}

#[test]
fn films_fit_on_one_page() {
    let films = json(&get("/api/films/"));
    assert_eq!(
        (
            films["count"].as_u64(),
            films["next"].is_null(),
            films["previous"].is_null()
        ),
        (Some(6), true, true)
    );
}

#[test]
fn pages_out_of_range_or_not_numbers_are_404() {
    for page in ["0", "10", "-1", "two", "1.0", "last1"] {
        let response = get(&format!("/api/people/?page={page}"));
        assert_eq!(response.status, 404, "page={page}");
        assert_eq!(json(&response)["detail"], "Not found");
    }
}

#[test]
fn other_parameters_are_carried_into_page_links() {
    let first = json(&get("/api/planets/?format=json"));
    assert_eq!(
        first["next"],
        "https://swapi.dev/api/planets/?format=json&page=2"
    );
}
