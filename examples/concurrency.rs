//! The seed's last section, measured: the same jobs run sequentially, on one OS thread
//! each, on a thread pool, in worker processes, by worker tasks fed from a queue, and as
//! one tinyloop task each.
//!
//! Run with: `cargo run --release --example concurrency`
//! (flags: `--job sleep|fetch|both` (default both), `--sizes 10,1000,100000`,
//! `--sleep-ms 50`, and `--trace` / `--trace-json PATH`, passed to every mode's runtimes;
//! best with small sizes).
//!
//! Two jobs: `sleep` waits 50 ms (pure waiting, like a slow server), `fetch` fetches a
//! hero from the in-process replica (TLS, 50–250 ms of latency per answer). Each mode runs
//! in a fresh child process, so its peak RSS is its own. What to look at: threads cost
//! memory per job and stop at the system's thread limit; processes cost far more and are
//! slower to start; a pool or a fixed set of workers caps the concurrency (and the wall
//! time grows with N); tasks run all N jobs at once in one thread for a few hundred bytes
//! each. A mode that cannot run at some N says why instead of running.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::process::{Command, ExitCode, Stdio};
use std::rc::Rc;
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use runtime::trace::Config;
use serde::Deserialize;
use tinyloop::heroes;

/// Threads in the pool, and worker tasks on the queue.
const WORKERS: usize = 64;
/// A mode whose estimated wall time exceeds this is skipped, with the estimate.
const TIME_BUDGET: Duration = Duration::from_secs(20);
/// Worker processes started at once, at most.
const MAX_PROCESSES: usize = 1000;
/// Concurrent fetches at most (each is a TLS connection to one local server).
const MAX_FETCHES: usize = 1000;

const MODES: [&str; 6] = [
    "sequential",
    "threads",
    "pool",
    "processes",
    "queue",
    "tasks",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Job {
    Sleep(Duration),
    Fetch,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("--child") => child(&args[1..]),
        Some("--one-job") => one_job(&args[1..]),
        _ => parent(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn parse_job(name: &str, sleep: Duration) -> Result<Job, String> {
    match name {
        "sleep" => Ok(Job::Sleep(sleep)),
        "fetch" => Ok(Job::Fetch),
        other => Err(format!("unknown job {other:?} (sleep or fetch)")),
    }
}

fn job_name(job: Job) -> &'static str {
    match job {
        Job::Sleep(_) => "sleep",
        Job::Fetch => "fetch",
    }
}

/// Runs every mode for every size in child processes and prints the table.
fn parent(args: &[String]) -> Result<(), String> {
    // `--trace` and `--trace-json PATH` reach each child's runtimes through RUNTIME_TRACE;
    // a Chrome file is written per child, named after its job, size and mode.
    let (trace, args) = Config::from_args(args.iter().cloned()).map_err(|e| e.to_string())?;
    let mut jobs = vec!["sleep", "fetch"];
    let mut sizes = vec![10, 1_000, 100_000];
    let mut sleep_ms = 50u64;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let value = rest.next().ok_or(format!("{arg} needs a value"))?;
        match arg.as_str() {
            "--job" if value == "both" => jobs = vec!["sleep", "fetch"],
            "--job" => jobs = vec![if value == "sleep" { "sleep" } else { "fetch" }],
            "--sizes" => {
                sizes = value
                    .split(',')
                    .map(|n| n.trim().replace('_', "").parse::<usize>())
                    .collect::<Result<_, _>>()
                    .map_err(|e| format!("--sizes {value:?}: {e}"))?
            }
            "--sleep-ms" => sleep_ms = value.parse().map_err(|e| format!("--sleep-ms: {e}"))?,
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    println!(
        "{:<6} {:>7}  {:<10} {:>10} {:>12} {:>9}  note",
        "job", "N", "mode", "wall", "peak RSS", "threads"
    );
    for job in &jobs {
        for &n in &sizes {
            for mode in MODES {
                let mut trace_env = Vec::new();
                if trace.terminal {
                    trace_env.push("1".to_owned());
                }
                if let Some(path) = &trace.chrome {
                    trace_env.push(format!("chrome:{}.{job}-{n}-{mode}.json", path.display()));
                }
                let output = Command::new(&exe)
                    .args(["--child", mode, job, &n.to_string(), &sleep_ms.to_string()])
                    .env(runtime::trace::ENV_VAR, trace_env.join(","))
                    .stderr(Stdio::inherit())
                    .output()
                    .map_err(|e| format!("cannot start a child: {e}"))?;
                let line = String::from_utf8_lossy(&output.stdout);
                let line = line
                    .lines()
                    .last()
                    .unwrap_or("SKIP the child printed nothing");
                print_row(job, n, mode, line);
            }
        }
    }
    println!("\nwall = time to finish all N jobs; peak RSS = the mode's process (plus its");
    println!("worker processes, summed); threads = OS threads (or processes) it used at once.");
    Ok(())
}

fn print_row(job: &str, n: usize, mode: &str, line: &str) {
    let fields: Vec<&str> = line.split_whitespace().collect();
    match fields.as_slice() {
        ["RESULT", wall_ms, rss_kb, threads, note @ ..] => println!(
            "{job:<6} {n:>7}  {mode:<10} {:>8} ms {:>9.1} MB {threads:>9}  {}",
            wall_ms,
            rss_kb.parse::<f64>().unwrap_or(0.0) / 1024.0,
            note.join(" ")
        ),
        ["SKIP", reason @ ..] => println!(
            "{job:<6} {n:>7}  {mode:<10} {:>11} {:>12} {:>9}  skipped: {}",
            "-",
            "-",
            "-",
            reason.join(" ")
        ),
        _ => println!("{job:<6} {n:>7}  {mode:<10} unreadable child output: {line}"),
    }
}

/// How many threads the system lets one process start, roughly: the smaller of
/// `pid_max` and `threads-max`, less what the rest of the system uses.
fn thread_limit() -> usize {
    let read = |path: &str| -> usize {
        std::fs::read_to_string(path)
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(usize::MAX)
    };
    read("/proc/sys/kernel/pid_max")
        .min(read("/proc/sys/kernel/threads-max"))
        .saturating_sub(1_000)
}

/// Peak resident set of this process, in KiB (`VmHWM`).
fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// One mode, one size: prints `RESULT wall_ms rss_kb threads [note]` or `SKIP reason`.
fn child(args: &[String]) -> Result<(), String> {
    let [mode, job, n, sleep_ms] = args else {
        return Err("usage: --child MODE JOB N SLEEP_MS".into());
    };
    let n: usize = n.parse().map_err(|e| format!("N: {e}"))?;
    let sleep = Duration::from_millis(sleep_ms.parse().map_err(|e| format!("SLEEP_MS: {e}"))?);
    let job = parse_job(job, sleep)?;
    let per_job = match job {
        Job::Sleep(d) => d,
        Job::Fetch => Duration::from_millis(150), // the replica's mean delay
    };
    let estimate = |rounds: usize| per_job * u32::try_from(rounds).unwrap_or(u32::MAX);
    let skip = |reason: String| {
        println!("SKIP {reason}");
        Ok(())
    };
    match mode.as_str() {
        "sequential" if estimate(n) > TIME_BUDGET => {
            return skip(format!(
                "one after another would take ~{:.0} s",
                estimate(n).as_secs_f64()
            ))
        }
        "pool" | "queue" if estimate(n.div_ceil(WORKERS)) > TIME_BUDGET => {
            return skip(format!(
                "{WORKERS} at a time would take ~{:.0} s",
                estimate(n.div_ceil(WORKERS)).as_secs_f64()
            ))
        }
        "threads" if n > thread_limit() => {
            return skip(format!(
                "{n} threads exceed what this system allows at once (about {}: pid_max and \
                 threads-max); past it, thread creation fails or aborts the process",
                thread_limit()
            ))
        }
        "processes" if n > MAX_PROCESSES => {
            return skip(format!(
                "{n} processes at once would exceed this machine's limits (pid_max, memory)"
            ))
        }
        _ if job == Job::Fetch && n > MAX_FETCHES => {
            return skip(format!(
                "{n} concurrent TLS handshakes against one local server take minutes of CPU"
            ))
        }
        _ => {}
    }
    // The replica (fetch job) runs in this process, on its own thread.
    let source = match job {
        Job::Fetch => Some(Arc::new(SourceCell::open()?)),
        Job::Sleep(_) => None,
    };
    let start = Instant::now();
    let (threads, children_rss_kb, note) = match mode.as_str() {
        "sequential" => {
            for _ in 0..n {
                blocking_job(job, source.as_deref())?;
            }
            (1, 0, String::new())
        }
        "threads" => run_threads(job, n, source.clone())?,
        "pool" => run_pool(job, n, source.clone())?,
        "processes" => run_processes(job, n, sleep)?,
        "queue" => (1, 0, run_queue(job, n, source.as_deref())?),
        "tasks" => (1, 0, run_tasks(job, n, source.as_deref())?),
        other => return Err(format!("unknown mode {other}")),
    };
    let wall = start.elapsed();
    let threads = threads + usize::from(source.is_some()); // the replica's thread
    println!(
        "RESULT {} {} {threads} {note}",
        wall.as_millis(),
        peak_rss_kb() + children_rss_kb
    );
    Ok(())
}

/// The replica and a client, for the fetch job. A blocking mode uses one runtime per job
/// on its own thread, so each thread gets its own client (clients are per thread).
struct SourceCell {
    base: String,
    ca: String,
    _replica: tinyloop::replica::server::ReplicaHandle,
}

impl SourceCell {
    fn open() -> Result<SourceCell, String> {
        let replica = tinyloop::replica::server::ReplicaServer::builder()
            .latency(tinyloop::replica::Latency::between(
                heroes::JITTER.0,
                heroes::JITTER.1,
                heroes::DEFAULT_SEED,
            ))
            .start()
            .map_err(|e| format!("cannot start the replica: {e}"))?;
        let ca = replica.ca_pem().ok_or("no CA")?.to_owned();
        Ok(SourceCell {
            base: replica.people_url(),
            ca,
            _replica: replica,
        })
    }

    fn client(&self) -> Result<fetcher::Client, String> {
        fetcher::Client::builder()
            .add_root_certificate_pem(self.ca.as_bytes())
            .build()
            .map_err(|e| e.to_string())
    }
}

/// What the fetch job reads of a SWAPI person.
#[derive(Deserialize)]
struct Person {
    name: String,
}

/// The fetch job: hero `id`'s name, fetched as `examples/gather.rs` does.
async fn fetch_hero(
    client: &fetcher::Client,
    base: &str,
    id: u32,
) -> Result<String, fetcher::Error> {
    let response = client.get(&format!("{base}{id}")).await?;
    let person: Person = response.error_for_status()?.json()?;
    Ok(person.name)
}

/// Runs one job to completion on this thread.
fn blocking_job(job: Job, source: Option<&SourceCell>) -> Result<(), String> {
    match (job, source) {
        (Job::Sleep(d), _) => {
            std::thread::sleep(d);
            Ok(())
        }
        (Job::Fetch, Some(source)) => {
            let client = source.client()?;
            let id = next_hero_id();
            runtime::block_on(fetch_hero(&client, &source.base, id))
                .map(drop)
                .map_err(|e| e.to_string())
        }
        (Job::Fetch, None) => Err("no source".into()),
    }
}

/// A hero id that exists (17 is missing in SWAPI, so it is skipped).
fn next_hero_id() -> u32 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let id = NEXT.fetch_add(1, Ordering::Relaxed) % 80 + 1;
    if id >= 17 {
        id + 1
    } else {
        id
    }
}

fn run_threads(
    job: Job,
    n: usize,
    source: Option<Arc<SourceCell>>,
) -> Result<(usize, u64, String), String> {
    let mut handles = Vec::with_capacity(n);
    let mut note = String::new();
    for i in 0..n {
        let source = source.clone();
        match std::thread::Builder::new().spawn(move || blocking_job(job, source.as_deref())) {
            Ok(handle) => handles.push(handle),
            Err(e) => {
                note = format!("stopped at thread {}: {e}", i + 1);
                break;
            }
        }
    }
    let started = handles.len();
    for handle in handles {
        handle.join().map_err(|_| "a job thread panicked")??;
    }
    Ok((started, 0, note))
}

fn run_pool(
    job: Job,
    n: usize,
    source: Option<Arc<SourceCell>>,
) -> Result<(usize, u64, String), String> {
    let (tx, rx) = mpsc::channel::<()>();
    for _ in 0..n {
        tx.send(()).map_err(|e| e.to_string())?;
    }
    drop(tx);
    let rx = Arc::new(Mutex::new(rx));
    let workers: Vec<_> = (0..WORKERS.min(n))
        .map(|_| {
            let (rx, source) = (rx.clone(), source.clone());
            std::thread::spawn(move || -> Result<(), String> {
                while rx.lock().map_err(|e| e.to_string())?.recv().is_ok() {
                    blocking_job(job, source.as_deref())?;
                }
                Ok(())
            })
        })
        .collect();
    let count = workers.len();
    for worker in workers {
        worker.join().map_err(|_| "a pool thread panicked")??;
    }
    Ok((count, 0, String::new()))
}

fn run_processes(job: Job, n: usize, sleep: Duration) -> Result<(usize, u64, String), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut children = Vec::with_capacity(n);
    for _ in 0..n {
        let child = Command::new(&exe)
            .args(["--one-job", job_name(job), &sleep.as_millis().to_string()])
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start worker process: {e}"))?;
        children.push(child);
    }
    let mut rss = 0;
    for child in children {
        let output = child.wait_with_output().map_err(|e| e.to_string())?;
        rss += String::from_utf8_lossy(&output.stdout)
            .trim()
            .parse::<u64>()
            .unwrap_or(0);
    }
    Ok((n, rss, String::new()))
}

/// A worker process: one job, then its own peak RSS on stdout.
fn one_job(args: &[String]) -> Result<(), String> {
    let [job, sleep_ms] = args else {
        return Err("usage: --one-job JOB SLEEP_MS".into());
    };
    let sleep = Duration::from_millis(sleep_ms.parse().map_err(|e| format!("{e}"))?);
    let job = parse_job(job, sleep)?;
    let source = match job {
        Job::Fetch => Some(SourceCell::open()?),
        Job::Sleep(_) => None,
    };
    blocking_job(job, source.as_ref())?;
    println!("{}", peak_rss_kb());
    Ok(())
}

/// The jobs as one async function, for the runtime modes.
async fn async_job(job: Job, client: Option<&fetcher::Client>, base: &str) -> Result<(), String> {
    match (job, client) {
        (Job::Sleep(d), _) => {
            runtime::time::sleep(d).await;
            Ok(())
        }
        (Job::Fetch, Some(client)) => fetch_hero(client, base, next_hero_id())
            .await
            .map(drop)
            .map_err(|e| e.to_string()),
        (Job::Fetch, None) => Err("no client".into()),
    }
}

fn run_queue(job: Job, n: usize, source: Option<&SourceCell>) -> Result<String, String> {
    let client = source.map(SourceCell::client).transpose()?;
    let base = source.map(|s| s.base.clone()).unwrap_or_default();
    runtime::block_on(async {
        // asyncio's pattern: fill a queue, start a fixed set of workers that take from it.
        let queue: Rc<RefCell<VecDeque<usize>>> = Rc::new(RefCell::new((0..n).collect()));
        let workers = (0..WORKERS.min(n)).map(|_| {
            let (queue, client, base) = (queue.clone(), client.as_ref(), base.as_str());
            async move {
                loop {
                    let next = queue.borrow_mut().pop_front();
                    if next.is_none() {
                        return Ok::<(), String>(());
                    }
                    async_job(job, client, base).await?;
                }
            }
        });
        runtime::try_gather(workers).await.map(drop)
    })?;
    Ok(format!("{} worker tasks", WORKERS.min(n)))
}

fn run_tasks(job: Job, n: usize, source: Option<&SourceCell>) -> Result<String, String> {
    let client = source.map(SourceCell::client).transpose()?;
    let base: Rc<str> = source.map(|s| s.base.as_str()).unwrap_or_default().into();
    runtime::block_on(async {
        // One task per job: each is spawned, scheduled and polled on its own. Each kind of
        // job gets its own future type, so a sleeping task is not as large as a fetch.
        let tasks: Vec<runtime::JoinHandle<Result<(), String>>> = (0..n)
            .map(|_| match job {
                Job::Sleep(d) => runtime::spawn(async move {
                    runtime::time::sleep(d).await;
                    Ok(())
                }),
                Job::Fetch => {
                    let (client, base) = (client.clone(), base.clone());
                    runtime::spawn(async move { async_job(job, client.as_ref(), &base).await })
                }
            })
            .collect();
        for outcome in runtime::gather(tasks).await {
            outcome.map_err(|e| e.to_string())??;
        }
        Ok::<(), String>(())
    })?;
    Ok(format!("{n} tasks"))
}
