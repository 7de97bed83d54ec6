//! What exploring schedules costs: 1,000 seeded runs of the simulated ten-hero gather.
//!
//! Run with: `cargo run --release --bin simulation` (from `bench/`).
//!
//! Each schedule is what `runtime::testing::explore` runs: a fresh runtime (seeded schedule,
//! simulated network, virtual clock), the SWAPI replica spawned into it with 50–250 ms
//! answers, a fresh `fetcher::Client`, and `gather` of heroes 1..=10 (each the seed's two
//! requests: the 301, then the person). Shapes, each over `--schedules N` (default 1000):
//!
//! - `empty`: the runtime and the replica, no fetch: the fixed cost of a schedule.
//! - `gather, plain HTTP`: the replica without TLS.
//! - `gather, TLS`: the replica over TLS, as the examples run it: ten real handshakes
//!   (Ed25519 certificate, X25519 key exchange) per schedule.
//!
//! Each shape runs `--rounds N` times (default 3), interleaved; the table gives the best
//! and the median wall time of the 1,000 schedules, and schedules per second at the best.

use std::time::{Duration, Instant};

use runtime::net::TcpListener;
use runtime::sim::Link;
use runtime::testing::Explore;
use tinyloop::replica::{Latency, ReplicaServer, SIM_HOST};

#[derive(Clone, Copy)]
enum Shape {
    Empty,
    Plain,
    Tls,
}

impl Shape {
    const ALL: [Shape; 3] = [Shape::Empty, Shape::Plain, Shape::Tls];

    fn name(self) -> &'static str {
        match self {
            Shape::Empty => "empty (runtime + replica)",
            Shape::Plain => "gather, plain HTTP",
            Shape::Tls => "gather, TLS",
        }
    }
}

/// One schedule's body: the replica on the simulated network, and the gather.
async fn body(shape: Shape) {
    let net = runtime::sim::network();
    let ip = net.add_host(SIM_HOST);
    net.link(
        "client",
        SIM_HOST,
        Link::new(Duration::from_millis(1), Duration::from_millis(2)),
    );
    let tls = matches!(shape, Shape::Tls);
    let listener = TcpListener::bind((ip, if tls { 443 } else { 80 })).expect("bind");
    let replica = ReplicaServer::builder()
        .tls(tls)
        .url_host(SIM_HOST)
        .latency(Latency::between(
            Duration::from_millis(50),
            Duration::from_millis(250),
            net.seed(),
        ))
        .spawn(listener)
        .expect("replica");
    if let Shape::Empty = shape {
        return;
    }
    let mut client = fetcher::Client::builder();
    if let Some(ca) = replica.ca_pem() {
        client = client.add_root_certificate_pem(ca.as_bytes());
    }
    let client = client.build().expect("client");
    let url = replica.people_url();
    let fetches = (1..=10).map(|id| {
        let (client, url) = (&client, &url);
        async move {
            let response = client.get(&format!("{url}{id}")).await.expect("fetch");
            response.error_for_status().expect("200").body().len()
        }
    });
    let sizes = runtime::gather(fetches.collect::<Vec<_>>()).await;
    assert!(sizes.iter().all(|&n| n > 0));
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (mut schedules, mut rounds) = (1000u32, 3usize);
    while let Some(flag) = args.next() {
        let mut value = || args.next().and_then(|v| v.parse().ok());
        match flag.as_str() {
            "--schedules" => schedules = value().expect("--schedules N"),
            "--rounds" => rounds = value().expect("--rounds N") as usize,
            other => panic!("unknown flag {other}: --schedules N, --rounds N"),
        }
    }
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); Shape::ALL.len()];
    for _ in 0..rounds {
        for (i, shape) in Shape::ALL.into_iter().enumerate() {
            let start = Instant::now();
            let failure = Explore::new(schedules)
                .from_env(false)
                .find(|| body(shape));
            times[i].push(start.elapsed());
            assert!(failure.is_none(), "{}", failure.unwrap());
        }
    }
    println!(
        "{schedules} schedules per run, {rounds} rounds; wall time of the {schedules} \
         schedules, best and median"
    );
    println!();
    println!(
        "{:<28} {:>10} {:>10} {:>14} {:>14}",
        "shape", "best", "median", "schedules/s", "ms/schedule"
    );
    println!("{}", "-".repeat(80));
    for (i, shape) in Shape::ALL.into_iter().enumerate() {
        let mut t = times[i].clone();
        t.sort();
        let (best, median) = (t[0], t[t.len() / 2]);
        println!(
            "{:<28} {:>8.0}ms {:>8.0}ms {:>14.0} {:>14.3}",
            shape.name(),
            best.as_secs_f64() * 1e3,
            median.as_secs_f64() * 1e3,
            f64::from(schedules) / best.as_secs_f64(),
            best.as_secs_f64() * 1e3 / f64::from(schedules),
        );
    }
}
