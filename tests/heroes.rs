//! The examples' logic (`tinyloop::heroes`, which `examples/gather.rs` and
//! `examples/as_completed.rs` run) against the in-process replica, as the examples use it.

use runtime::Runtime;
use tinyloop::heroes::{fetch_hero, Hero, Options, Source};

/// A source as the examples open it, with a fixed seed so the delays are reproducible.
fn source(count: u32) -> (Source, Options) {
    let mut options = Options::parse(Vec::new()).unwrap();
    options.count = count;
    options.seed = 7;
    (Source::open(&options).unwrap(), options)
}

/// The hero ids among the replica's answers, in the order it sent them (each hero is
/// asked twice: the seed's URL without a slash, answered with a 301, then the record).
fn answered_records(source: &Source) -> Vec<u32> {
    source
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
fn gather_returns_every_hero_once_in_input_order_whatever_the_completion_order() {
    let (source, options) = source(10);
    let rt = Runtime::new().unwrap();
    let completed = std::cell::RefCell::new(Vec::new());
    let heroes: Vec<Hero> = rt.block_on(async {
        let fetches = (1..=options.count).map(|id| {
            let (source, completed) = (&source, &completed);
            async move {
                let hero = fetch_hero(&source.client, &source.base, id).await.unwrap();
                completed.borrow_mut().push(hero.id);
                hero
            }
        });
        runtime::gather(fetches).await
    });
    let ids: Vec<u32> = heroes.iter().map(|h| h.id).collect();
    assert_eq!(ids, (1..=10).collect::<Vec<_>>());
    assert_eq!(heroes[0].name, "Luke Skywalker");
    assert_eq!(heroes[2].name, "R2-D2");
    // The fetches really overlapped: they completed in another order than they started.
    let completed = completed.into_inner();
    assert_ne!(completed, ids, "the jitter should reorder completions");
    let mut sorted = completed.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, ids, "every hero completed exactly once");
}

#[test]
fn as_completed_order_is_the_order_the_replica_answered_in() {
    let (source, options) = source(10);
    let rt = Runtime::new().unwrap();
    let order: Vec<u32> = rt.block_on(async {
        let fetches = (1..=options.count).map(|id| fetch_hero(&source.client, &source.base, id));
        let mut order = Vec::new();
        for next in runtime::as_completed(fetches) {
            order.push(next.await.unwrap().id);
        }
        order
    });
    assert_eq!(order, answered_records(&source));
    let mut sorted = order.clone();
    sorted.sort_unstable();
    assert_eq!(
        sorted,
        (1..=10).collect::<Vec<_>>(),
        "every id exactly once"
    );
}

#[test]
fn a_missing_hero_is_an_error_for_that_hero_only() {
    let (source, _options) = source(1);
    let rt = Runtime::new().unwrap();
    let results = rt.block_on(async {
        runtime::gather([16, 17, 18].map(|id| fetch_hero(&source.client, &source.base, id))).await
    });
    assert!(results[0].is_ok());
    let error = results[1].as_ref().unwrap_err().to_string();
    assert!(error.contains("404"), "{error}");
    assert!(results[2].is_ok());
}
