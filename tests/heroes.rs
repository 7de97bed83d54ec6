//! `tinyloop::heroes`, what `examples/gather.rs` and `examples/as_completed.rs` run around
//! their fetches, against the in-process replica, with the examples' fetch.

use std::cell::Cell;

use runtime::Runtime;
use tinyloop::cli::Args;
use tinyloop::heroes::{people, Fetched, Options, Setup};
use tinyloop::replica::ReplicaServer;

/// The examples' fetch: `{url}{id}`, redirected, then the JSON's name.
async fn fetch(client: &fetcher::Client, url: &str, id: u32) -> Result<String, fetcher::Error> {
    let response = client
        .get(&format!("{url}{id}"))
        .await?
        .error_for_status()?;
    let person: serde_json::Value = response.json()?;
    Ok(person["name"].as_str().expect("a name").to_owned())
}

/// A setup made from a command line, as the examples make it.
fn setup(args: &[&str]) -> Setup {
    let args = Args::new(args.iter().map(|s| s.to_string()));
    let options = Options::parse(args, people().len())
        .unwrap()
        .expect("not --help");
    Setup::open(&options, people()).unwrap()
}

/// The hero ids among the replica's answers, in the order it sent them (each hero is
/// asked twice: the seed's URL without a slash, answered with a 301, then the record).
fn answered_records(setup: &Setup) -> Vec<u32> {
    setup
        .replica()
        .unwrap()
        .served()
        .iter()
        .filter_map(|target| {
            target
                .strip_prefix("/api/people/")?
                .strip_suffix('/')?
                .parse()
                .ok()
        })
        .collect()
}

#[test]
fn the_heroes_are_the_first_people_that_exist() {
    let ids: Vec<u32> = setup(&["--count", "20"]).ids().collect();
    let expected: Vec<u32> = (1..=16).chain(18..=21).collect();
    assert_eq!(ids, expected, "SWAPI has no person 17");
    assert_eq!(people().len(), 82);
    // With --url the service is not the replica: like the seed, ids count from 1.
    let live = setup(&["--url", "http://127.0.0.1:9/api/people/", "--count", "18"]);
    assert_eq!(live.ids().collect::<Vec<_>>(), (1..=18).collect::<Vec<_>>());
}

#[test]
fn gather_returns_every_hero_once_in_input_order_whatever_the_completion_order() {
    let setup = setup(&["--seed", "7"]);
    let rt = Runtime::new().unwrap();
    let completed = std::cell::RefCell::new(Vec::new());
    let heroes: Vec<Fetched> = rt.block_on(async {
        let fetches = setup.ids().map(|id| {
            let (setup, completed) = (&setup, &completed);
            async move {
                let hero = setup.timed(id, fetch(&setup.client, &setup.url, id)).await;
                completed.borrow_mut().push(hero.id);
                hero
            }
        });
        runtime::gather(fetches).await
    });
    let ids: Vec<u32> = heroes.iter().map(|h| h.id).collect();
    assert_eq!(ids, (1..=10).collect::<Vec<_>>());
    assert_eq!(heroes[0].name.as_deref().unwrap(), "Luke Skywalker");
    assert_eq!(
        heroes[2].to_string().split(" (").next(),
        Some("Got hero 3: R2-D2")
    );
    // The fetches really overlapped: they completed in another order than they started.
    let completed = completed.into_inner();
    assert_ne!(completed, ids, "the jitter should reorder completions");
    let mut sorted = completed.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, ids, "every hero completed exactly once");
}

#[test]
fn as_completed_order_is_the_order_the_replica_answered_in() {
    let setup = setup(&["--seed", "7"]);
    let rt = Runtime::new().unwrap();
    let order: Vec<u32> = rt.block_on(async {
        let fetches = setup
            .ids()
            .map(|id| setup.timed(id, fetch(&setup.client, &setup.url, id)));
        let mut order = Vec::new();
        for next in runtime::as_completed(fetches) {
            let hero = next.await;
            assert!(hero.name.is_ok(), "{hero}");
            order.push(hero.id);
        }
        order
    });
    assert_eq!(order, answered_records(&setup));
    let mut sorted = order.clone();
    sorted.sort_unstable();
    assert_eq!(
        sorted,
        (1..=10).collect::<Vec<_>>(),
        "every id exactly once"
    );
}

#[test]
fn no_more_fetches_run_at_once_than_max_in_flight() {
    let setup = setup(&["--count", "30", "--max-in-flight", "4"]);
    let (running, most) = (Cell::new(0), Cell::new(0));
    let rt = Runtime::new().unwrap();
    let heroes = rt.block_on(async {
        let fetches = setup.ids().map(|id| {
            let (setup, running, most) = (&setup, &running, &most);
            setup.timed(id, async move {
                running.set(running.get() + 1);
                most.set(most.get().max(running.get()));
                let name = fetch(&setup.client, &setup.url, id).await;
                running.set(running.get() - 1);
                name
            })
        });
        runtime::gather(fetches).await
    });
    assert!(heroes.iter().all(|hero| hero.name.is_ok()));
    assert_eq!(most.get(), 4, "the cap was reached, and never passed");
    let connections = setup.replica().unwrap().stats().accepted;
    assert!(
        connections <= 4,
        "{connections} connections for 4 in flight"
    );
}

#[test]
fn a_missing_hero_is_an_error_for_that_hero_only_and_reads_no_such_person() {
    let replica = ReplicaServer::builder().tls(false).start().unwrap();
    let url = replica.people_url();
    let setup = setup(&["--url", &url, "--count", "18"]);
    let rt = Runtime::new().unwrap();
    let heroes = rt.block_on(runtime::gather(
        [16, 17, 18].map(|id| setup.timed(id, fetch(&setup.client, &setup.url, id))),
    ));
    assert!(heroes[0].name.is_ok());
    assert_eq!(
        heroes[1].to_string(),
        format!("Hero 17 failed: no such person (404 from {url}17/)")
    );
    assert!(heroes[2].name.is_ok());
}
