//! The two Rust clients, each fetching the same URL `n` times from `c` worker tasks that
//! share one counter, over `c` kept-alive connections.
//!
//! Both parse every body as JSON (as the seed does), so they do the same work. Before the
//! timed part, `c` concurrent requests open the `c` connections: the table measures
//! keep-alive throughput, not handshakes.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// One timed run of one client.
#[derive(Clone, Copy, Debug)]
pub struct Measured {
    pub requests: usize,
    pub wall: Duration,
    /// CPU time of the measuring thread, which runs the client's whole runtime.
    pub cpu: Duration,
}

impl Measured {
    pub fn per_second(&self) -> f64 {
        self.requests as f64 / self.wall.as_secs_f64()
    }

    pub fn cpu_us_per_request(&self) -> f64 {
        self.cpu.as_secs_f64() * 1e6 / self.requests as f64
    }
}

/// Time the running thread has spent on a CPU, from `/proc/thread-self/schedstat` (its
/// first field, in nanoseconds).
fn thread_cpu() -> Duration {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .map(Duration::from_nanos)
        .unwrap_or_default()
}

/// Times `run` on this thread: wall-clock and CPU time.
fn measure(requests: usize, run: impl FnOnce()) -> Measured {
    let cpu = thread_cpu();
    let start = Instant::now();
    run();
    Measured {
        requests,
        wall: start.elapsed(),
        cpu: thread_cpu().saturating_sub(cpu),
    }
}

fn check(status: u16, body: &[u8]) {
    assert_eq!(status, 200, "unexpected status");
    let person: serde_json::Value = serde_json::from_slice(body).expect("a JSON body");
    assert_eq!(person["name"], "Luke Skywalker");
}

/// tinyloop's runtime and `fetcher`.
pub fn tinyloop(url: &str, ca_pem: &str, n: usize, c: usize) -> Measured {
    let rt = runtime::Runtime::new().expect("cannot build a tinyloop runtime");
    let client = rt.block_on(async {
        let client = fetcher::Client::builder()
            .add_root_certificate_pem(ca_pem)
            .max_idle_per_host(c)
            .build()
            .expect("fetcher client");
        tinyloop_workers(&client, url, c, c).await;
        client
    });
    measure(n, || rt.block_on(tinyloop_workers(&client, url, n, c)))
}

async fn tinyloop_workers(client: &fetcher::Client, url: &str, n: usize, c: usize) {
    let next = Rc::new(Cell::new(0));
    let workers: Vec<_> = (0..c)
        .map(|_| {
            let (client, url, next) = (client.clone(), url.to_owned(), Rc::clone(&next));
            runtime::spawn(async move {
                while next.get() < n {
                    next.set(next.get() + 1);
                    let response = client.get(&url).await.expect("fetcher request");
                    check(response.status(), response.body());
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.expect("worker task");
    }
}

/// reqwest (rustls with ring, HTTP/1.1 only) on tokio's current-thread runtime.
pub fn reqwest(url: &str, ca_pem: &str, n: usize, c: usize) -> Measured {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("cannot build a tokio runtime");
    let client = reqwest::Client::builder()
        .use_rustls_tls()
        .add_root_certificate(reqwest::Certificate::from_pem(ca_pem.as_bytes()).expect("CA"))
        .pool_max_idle_per_host(c)
        .build()
        .expect("reqwest client");
    rt.block_on(reqwest_workers(&client, url, c, c));
    measure(n, || rt.block_on(reqwest_workers(&client, url, n, c)))
}

async fn reqwest_workers(client: &reqwest::Client, url: &str, n: usize, c: usize) {
    let next = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..c)
        .map(|_| {
            let (client, url, next) = (client.clone(), url.to_owned(), Arc::clone(&next));
            tokio::spawn(async move {
                while next.fetch_add(1, Ordering::Relaxed) < n {
                    let response = client.get(&url).send().await.expect("reqwest request");
                    let status = response.status().as_u16();
                    let body = response.bytes().await.expect("reqwest body");
                    check(status, &body);
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.expect("worker task");
    }
}
