//! The replica answers like swapi.dev, checked end to end: the replica's
//! server on its own thread, our fetcher client (trusting the replica's CA)
//! on the test's runtime.

use std::time::Duration;

use fetcher::{Client, Request};
use serde_json::Value;
use tinyloop::replica::{Latency, ReplicaHandle, ReplicaServer};

/// Luke's record as `../shared/swapi/API.md` shows it, with `{base}` where
/// swapi.dev has `https://swapi.dev`.
const LUKE: &str = r#"{"name":"Luke Skywalker","height":"172","mass":"77","hair_color":"blond","skin_color":"fair","eye_color":"blue","birth_year":"19BBY","gender":"male","homeworld":"{base}/api/planets/1/","films":["{base}/api/films/1/","{base}/api/films/2/","{base}/api/films/3/","{base}/api/films/6/"],"species":[],"vehicles":["{base}/api/vehicles/14/","{base}/api/vehicles/30/"],"starships":["{base}/api/starships/12/","{base}/api/starships/22/"],"created":"2014-12-09T13:50:51.644000Z","edited":"2014-12-20T21:17:56.891000Z","url":"{base}/api/people/1/"}"#;

/// A TLS replica with no latency.
fn replica() -> ReplicaHandle {
    ReplicaServer::builder()
        .start()
        .expect("the replica starts")
}

/// A client trusting `replica`'s CA, with a timeout so a bug cannot hang
/// the test.
fn client_for(replica: &ReplicaHandle, follow_redirects: bool) -> Client {
    let mut builder = Client::builder()
        .timeout(Duration::from_secs(20))
        .follow_redirects(follow_redirects);
    if let Some(pem) = replica.ca_pem() {
        builder = builder.add_root_certificate_pem(pem);
    }
    builder.build().expect("the client builds")
}

/// `scheme://host:port` of the replica.
fn origin(replica: &ReplicaHandle) -> String {
    replica.url("").trim_end_matches('/').to_owned()
}

fn json(response: &fetcher::Response) -> Value {
    response.json().expect("the body is JSON")
}

#[test]
fn luke_is_byte_for_byte_the_documented_record_over_tls_and_plain_http() {
    for tls in [true, false] {
        let replica = ReplicaServer::builder().tls(tls).start().unwrap();
        let client = client_for(&replica, true);
        let response = runtime::block_on(client.get(&format!("{}1/", replica.people_url())))
            .expect("the request succeeds");
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers().get("Content-Type"),
            Some("application/json")
        );
        let expected = LUKE.replace("{base}", &origin(&replica));
        assert_eq!(response.text(), expected, "tls: {tls}");

        // The same keys in the same order, and the same values.
        let got = json(&response);
        let want: Value = serde_json::from_str(&expected).unwrap();
        let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
        assert_eq!(keys(&got), keys(&want));
        assert_eq!(got, want);
    }
}

#[test]
fn person_17_is_a_404_with_the_documented_body() {
    let replica = replica();
    let client = client_for(&replica, true);
    let response = runtime::block_on(client.get(&format!("{}17/", replica.people_url()))).unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(response.text(), r#"{"detail":"Not found"}"#);
}

#[test]
fn a_missing_slash_is_a_301_to_the_slashed_url_which_the_client_follows() {
    let replica = replica();
    let slashless = replica.url("/api/people/1");
    runtime::block_on(async {
        let raw = client_for(&replica, false).get(&slashless).await.unwrap();
        assert_eq!(raw.status(), 301);
        assert_eq!(
            raw.headers().get("Location"),
            Some(format!("{slashless}/").as_str())
        );
        assert!(raw.body().is_empty());

        let followed = client_for(&replica, true).get(&slashless).await.unwrap();
        assert_eq!(followed.status(), 200);
        assert_eq!(followed.url().as_str(), format!("{slashless}/"));
        assert_eq!(json(&followed)["name"], "Luke Skywalker");
    });
    assert_eq!(
        replica.served(),
        ["/api/people/1", "/api/people/1", "/api/people/1/"]
    );
}

#[test]
fn page_counts_and_next_previous_links_are_right() {
    let replica = replica();
    let client = client_for(&replica, true);
    let expected = [
        ("people", 82, 9, 2),
        ("planets", 60, 6, 10),
        ("films", 6, 1, 6),
        ("species", 37, 4, 7),
        ("vehicles", 39, 4, 9),
        ("starships", 36, 4, 6),
    ];
    runtime::block_on(async {
        for (resource, count, pages, last_len) in expected {
            let first = replica.url(&format!("/api/{resource}/"));
            let mut url = Some(first.clone());
            let mut seen = Vec::new();
            while let Some(current) = url.take() {
                assert!(seen.len() < 20, "{resource}: too many pages");
                let page = json(&client.get(&current).await.unwrap());
                assert_eq!(page["count"], count, "{resource}");
                let previous = page["previous"].as_str().map(str::to_owned);
                match seen.len() {
                    0 => assert_eq!(previous, None, "{resource}"),
                    n => assert_eq!(previous, Some(format!("{first}?page={n}")), "{resource}"),
                }
                url = page["next"].as_str().map(str::to_owned);
                if let Some(next) = &url {
                    assert_eq!(next, &format!("{first}?page={}", seen.len() + 2));
                }
                seen.push(page["results"].as_array().unwrap().len());
            }
            assert_eq!(seen.len(), pages, "{resource}: page count");
            assert_eq!(seen.last(), Some(&last_len), "{resource}: last page");

            let last = json(&client.get(&format!("{first}?page=last")).await.unwrap());
            assert_eq!(last["results"].as_array().unwrap().len(), last_len);
            let beyond = client
                .get(&format!("{first}?page={}", pages + 1))
                .await
                .unwrap();
            assert_eq!(beyond.status(), 404, "{resource}: page past the end");
        }
    });
}

#[test]
fn search_matches_names_titles_and_models_and_is_carried_into_next() {
    let replica = replica();
    let client = client_for(&replica, true);
    let names = |page: &Value, field: &str| -> Vec<String> {
        let results = page["results"].as_array().unwrap();
        results
            .iter()
            .map(|r| r[field].as_str().unwrap().to_owned())
            .collect()
    };
    runtime::block_on(async {
        let get = |path: &str| {
            let url = replica.url(path);
            let client = client.clone();
            async move { client.get(&url).await }
        };
        let sky = json(&get("/api/people/?search=SKY").await.unwrap());
        assert_eq!(
            names(&sky, "name"),
            ["Luke Skywalker", "Anakin Skywalker", "Shmi Skywalker"]
        );
        let hope = json(&get("/api/films/?search=hope").await.unwrap());
        assert_eq!(names(&hope, "title"), ["A New Hope"]);
        let bikes = json(&get("/api/vehicles/?search=bike").await.unwrap());
        assert!(names(&bikes, "name").contains(&"Sith speeder".to_owned()));
        assert_eq!(bikes["count"], 4);

        let a = json(&get("/api/people/?search=a").await.unwrap());
        assert_eq!(a["count"], 58);
        let next = a["next"].as_str().unwrap();
        assert_eq!(next, replica.url("/api/people/?search=a&page=2"));
        let second = json(&client.get(next).await.unwrap());
        assert_eq!(
            second["previous"].as_str(),
            Some(replica.url("/api/people/?search=a&page=1").as_str())
        );
    });
}

#[test]
fn sending_the_etag_back_gets_a_304_with_no_body() {
    let replica = replica();
    let client = client_for(&replica, true);
    let url = format!("{}1/", replica.people_url());
    runtime::block_on(async {
        let first = client.get(&url).await.unwrap();
        let etag = first.headers().get("ETag").expect("an ETag").to_owned();
        let again = client
            .send(Request::get(&url).header("If-None-Match", &etag))
            .await
            .unwrap();
        assert_eq!(again.status(), 304);
        assert!(again.body().is_empty());
        let stale = client
            .send(Request::get(&url).header("If-None-Match", "\"stale\""))
            .await
            .unwrap();
        assert_eq!(stale.status(), 200);
    });
}

#[test]
fn sequential_requests_share_one_kept_alive_connection() {
    let replica = replica();
    let client = client_for(&replica, true);
    runtime::block_on(async {
        for id in 1..=5 {
            let url = format!("{}{id}/", replica.people_url());
            assert_eq!(client.get(&url).await.unwrap().status(), 200);
        }
    });
    let stats = replica.stats();
    assert_eq!((stats.accepted, stats.requests), (1, 5));
}

#[test]
fn connection_close_is_honoured_and_the_connection_closed() {
    let replica = replica();
    // A client that keeps no idle connections asks for `Connection: close`.
    let client = Client::builder()
        .add_root_certificate_pem(replica.ca_pem().unwrap())
        .max_idle_per_host(0)
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let url = format!("{}1/", replica.people_url());
    runtime::block_on(async {
        for _ in 0..2 {
            let response = client.get(&url).await.unwrap();
            assert_eq!(response.headers().get("Connection"), Some("close"));
        }
    });
    assert_eq!(
        replica.stats().accepted,
        2,
        "each request had its own connection"
    );
    wait_until("every connection closed", || replica.stats().open == 0);
}

#[test]
fn with_latency_completion_order_follows_the_seed_and_matches_the_servers_record() {
    let run = |seed| {
        let replica = ReplicaServer::builder()
            .latency(Latency::between(
                Duration::from_millis(20),
                Duration::from_millis(400),
                seed,
            ))
            .start()
            .unwrap();
        let client = client_for(&replica, true);
        let urls: Vec<String> = (1..=6)
            .map(|id| format!("{}{id}/", replica.people_url()))
            .collect();
        let seen = runtime::block_on(async {
            let fetches = urls.iter().map(|url| {
                let client = client.clone();
                async move {
                    let response = client.get(url).await.unwrap();
                    response.url().path().to_owned()
                }
            });
            let mut done = runtime::as_completed(fetches);
            let mut order = Vec::new();
            while let Some(path) = done.next().await {
                order.push(path);
            }
            order
        });
        (seen, replica.served())
    };
    // With this seed, the six delays are at least 50 ms apart, far more
    // than the time it takes the requests to arrive one after the other.
    let (seen, served) = run(1876);
    let expected: Vec<String> = [3, 1, 4, 6, 2, 5]
        .iter()
        .map(|id| format!("/api/people/{id}/"))
        .collect();
    assert_eq!(seen, expected, "the seed's delays reorder the answers");
    assert_eq!(served, expected, "the server's record has the same order");
    let (seen_again, _) = run(1876);
    assert_eq!(seen_again, seen, "the same seed gives the same order");
}

/// Polls `condition` for up to five seconds.
fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    for _ in 0..500 {
        if condition() {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("timed out waiting until {what}");
}
