//! The seed's programs in simulation: the replica, the fetcher and TLS over the runtime's
//! simulated network, in virtual time, under many seeded schedules.

use std::cell::RefCell;
use std::collections::HashSet;
use std::time::Duration;

use runtime::sim::Network;
use runtime::testing::Explore;
use runtime::time::{sleep, Instant};
use tinyloop::cli::Args;
use tinyloop::heroes::{people, Options, Setup};
use tinyloop::replica::SIM_HOST;

/// The options of `gather --simulate --seed SEED`.
fn options(seed: u64) -> Options {
    let args = ["--simulate", "--seed", &seed.to_string()].map(String::from);
    Options::parse(Args::new(args), people().len())
        .unwrap()
        .expect("not --help")
}

/// The examples' fetch of hero `id`, noting in `received` when its answer arrived.
async fn fetch(setup: &Setup, id: u32, received: &RefCell<Vec<u32>>) -> Result<String, String> {
    let response = setup
        .client
        .get(&format!("{}{id}", setup.url))
        .await
        .and_then(|r| r.error_for_status())
        .map_err(|e| e.to_string())?;
    received.borrow_mut().push(id);
    let person: serde_json::Value = response.json().map_err(|e| e.to_string())?;
    Ok(person["name"].as_str().unwrap_or("?").to_owned())
}

/// How many schedules the heavier tests explore (a developer can ask for more with
/// `RUNTIME_SCHEDULES`).
const SCHEDULES: u32 = 1000;

#[test]
fn over_many_seeds_gather_keeps_input_order_and_as_completed_follows_arrival_order() {
    let orders = RefCell::new(HashSet::new());
    let runs = std::cell::Cell::new(0);
    Explore::new(SCHEDULES).run(|| async {
        runs.set(runs.get() + 1);
        let seed = runtime::sim::network().seed();
        let setup = Setup::simulated(&options(seed), people()).unwrap();
        // gather: every hero, in the order asked for, whatever the order they arrived in.
        let (setup, received) = (&setup, &RefCell::new(Vec::new()));
        let fetches = setup
            .ids()
            .map(|id| async move { (id, fetch(setup, id, received).await) });
        let gathered = runtime::gather(fetches.collect::<Vec<_>>()).await;
        let ids: Vec<u32> = gathered.iter().map(|(id, _)| *id).collect();
        assert_eq!(ids, (1..=10).collect::<Vec<_>>());
        assert!(
            gathered.iter().all(|(_, name)| name.is_ok()),
            "{gathered:?}"
        );
        assert_eq!(received.borrow().len(), 10);
        // as_completed: the order the answers arrived in at the client.
        let received = &RefCell::new(Vec::new());
        let fetches = setup
            .ids()
            .map(|id| async move { (id, fetch(setup, id, received).await) });
        let mut completed = Vec::new();
        for next in runtime::as_completed(fetches) {
            let (id, name) = next.await;
            assert!(name.is_ok(), "hero {id}: {name:?}");
            completed.push(id);
        }
        assert_eq!(completed, *received.borrow());
        orders.borrow_mut().insert(completed);
    });
    // The seed decides the order: the runs are not one order repeated. (Asked for a few
    // schedules through RUNTIME_SCHEDULES or RUNTIME_SEED, there is nothing to compare.)
    let (distinct, runs) = (orders.borrow().len(), runs.get());
    assert!(
        runs < 20 || distinct * 2 > runs,
        "{distinct} orders in {runs} runs"
    );
}

#[test]
fn a_partition_times_out_as_the_fetchers_typed_error_and_a_retry_after_healing_succeeds() {
    Explore::new(20).run(|| async {
        let net: Network = runtime::sim::network();
        let mut options = options(net.seed());
        options.timeout = Duration::from_secs(30);
        let setup = Setup::simulated(&options, people()).unwrap();
        let client = fetcher::Client::builder()
            .read_timeout(Duration::from_secs(2))
            .add_root_certificate_pem(setup.simulated_replica().unwrap().ca_pem().unwrap())
            .build()
            .unwrap();
        let url = format!("{}1/", setup.url);
        // A first request opens (and pools) the connection.
        client.get(&url).await.unwrap().error_for_status().unwrap();
        net.partition("client", SIM_HOST);
        let start = Instant::now();
        let cut = client.get(&url).await.unwrap_err();
        assert!(
            matches!(cut, fetcher::Error::Timeout(fetcher::Phase::ResponseHead)),
            "{cut:?}"
        );
        assert_eq!(
            start.elapsed(),
            Duration::from_secs(2),
            "the read timeout, exactly"
        );
        // Healed a while later: a retry connects afresh and gets the hero.
        sleep(Duration::from_secs(5)).await;
        net.heal("client", SIM_HOST);
        let retry = client.get(&url).await.unwrap().error_for_status().unwrap();
        let luke: serde_json::Value = retry.json().unwrap();
        assert_eq!(luke["name"], "Luke Skywalker");
    });
}

#[test]
fn a_simulated_run_wakes_nothing_from_another_thread_and_runs_no_blocking_job() {
    let recorder = runtime::trace::Recorder::all();
    let rt = runtime::Runtime::builder()
        .schedule(runtime::sim::Schedule::Random(3))
        .simulated_network(true)
        .trace_from_env(false)
        .on_event(recorder.clone())
        .build()
        .unwrap();
    rt.block_on(async {
        let setup = Setup::simulated(&options(3), people()).unwrap();
        let received = &RefCell::new(Vec::new());
        let fetches = setup.ids().take(3).map(|id| fetch(&setup, id, received));
        let names = runtime::gather(fetches.collect::<Vec<_>>()).await;
        assert!(names.iter().all(Result::is_ok), "{names:?}");
    });
    drop(rt);
    let lines = recorder.lines();
    assert!(lines.iter().any(|l| l.starts_with("wake ")), "{lines:#?}");
    let outside: Vec<_> = lines
        .iter()
        .filter(|l| l.contains("another thread") || l.contains("blocking"))
        .collect();
    assert!(outside.is_empty(), "{outside:#?}");
}
