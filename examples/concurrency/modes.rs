//! One mode at one size, run in a child process so that its peak RSS is its own.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::rc::Rc;
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use tinyloop::cli::TraceFlags;

use crate::job::{async_job, blocking_job, Job, Source};

/// Threads in the pool, and worker tasks on the queue.
const WORKERS: usize = 64;
/// A mode whose estimated wall time exceeds this is skipped, with the estimate. One job
/// alone must fit in it: `--sleep-ms` is at most this long.
pub const TIME_BUDGET: Duration = Duration::from_secs(20);

// What starting one job costs, roughly, in the modes that start all N at once: such a run is
// estimated as N starts, then one job. The figures are runs from BENCHMARKS.md.

/// Starting an OS thread: 1,000 threads took 33-79 ms longer than their sleep.
const THREAD_START: Duration = Duration::from_micros(50);
/// Spawning a tinyloop task: 100,000 tasks took 79-112 ms longer than their sleep.
const TASK_START: Duration = Duration::from_micros(1);
/// Creating an asyncio task: 100,000 tasks took 2.7-3.2 s longer than their sleep.
const PY_TASK_START: Duration = Duration::from_micros(30);
/// Starting a Python thread: 1,000 threads took 176 ms longer than their sleep.
const PY_THREAD_START: Duration = Duration::from_micros(200);

/// Worker processes started at once, at most.
const MAX_PROCESSES: usize = 1000;
/// Concurrent fetches at most (each is a TLS connection to one local server).
const MAX_FETCHES: usize = 1000;

/// How many threads the system lets one process start, roughly: the smaller of
/// `pid_max` and `threads-max`, less what the rest of the system uses.
pub fn thread_limit() -> usize {
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

/// Why `n` threads are not started, as the threads rows say it.
pub fn too_many_threads(n: usize) -> String {
    format!(
        "{n} threads exceed what this system allows at once (about {}: pid_max and \
         threads-max); past it, thread creation fails or aborts the process",
        thread_limit()
    )
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

/// Why `mode` (a Rust mode, or a Python one) does not run `n` of `job`, if it does not: the
/// time it would take, or a limit of this machine it would hit.
pub fn skip_reason(mode: &str, job: Job, n: usize) -> Option<String> {
    let per_job = match job {
        Job::Sleep(d) => d,
        // Two answers (the 301 redirect, then the person), each delayed 150 ms on average.
        Job::Fetch => Duration::from_millis(300),
    };
    let times = |count: usize| u32::try_from(count).unwrap_or(u32::MAX);
    // One job after another, `rounds` times.
    let estimate = |rounds: usize| per_job * times(rounds);
    // All N at once: N starts, then one job.
    let at_once = |start: Duration, what: &str| {
        let estimate = start * times(n) + per_job;
        (estimate > TIME_BUDGET).then(|| {
            format!(
                "all at once would take ~{:.0} s ({what} takes ~{} µs to start)",
                estimate.as_secs_f64(),
                start.as_micros()
            )
        })
    };
    match mode {
        "sequential" if estimate(n) > TIME_BUDGET => Some(format!(
            "one after another would take ~{:.0} s",
            estimate(n).as_secs_f64()
        )),
        "pool" | "queue" if estimate(n.div_ceil(WORKERS)) > TIME_BUDGET => Some(format!(
            "{WORKERS} at a time would take ~{:.0} s",
            estimate(n.div_ceil(WORKERS)).as_secs_f64()
        )),
        "threads" | "py-threads" if n > thread_limit() => Some(too_many_threads(n)),
        "processes" if n > MAX_PROCESSES => Some(format!(
            "{n} processes at once would exceed this machine's limits (pid_max, memory)"
        )),
        _ if job == Job::Fetch && n > MAX_FETCHES => Some(format!(
            "{n} concurrent TLS handshakes against one local server take minutes of CPU"
        )),
        "threads" => at_once(THREAD_START, "a thread"),
        "tasks" => at_once(TASK_START, "a task"),
        "py-asyncio" => at_once(PY_TASK_START, "an asyncio task"),
        "py-threads" => at_once(PY_THREAD_START, "a Python thread"),
        _ => None,
    }
}

/// One mode, one size: prints `RESULT wall_ms rss_kb threads [note]` or `SKIP reason`.
/// `TRACE_PATH`, for the tasks mode only, is where to write its runtime's Chrome trace.
pub fn child(args: &[String]) -> Result<(), String> {
    let ([mode, job, n, sleep_ms] | [mode, job, n, sleep_ms, ..]) = args else {
        return Err("usage: --child MODE JOB N SLEEP_MS [json:PATH] [html:PATH]".into());
    };
    let mut trace = TraceFlags::new();
    for output in &args[4..] {
        match output.split_once(':') {
            Some(("json", path)) => trace.chrome = Some(PathBuf::from(path)),
            Some(("html", path)) => trace.html = Some(PathBuf::from(path)),
            _ => return Err(format!("unknown trace output {output:?}")),
        }
    }
    let n: usize = n.parse().map_err(|e| format!("N: {e}"))?;
    let sleep = Duration::from_millis(sleep_ms.parse().map_err(|e| format!("SLEEP_MS: {e}"))?);
    let job = Job::parse(job, sleep)?;
    if let Some(reason) = skip_reason(mode, job, n) {
        println!("SKIP {reason}");
        return Ok(());
    }
    // The replica (fetch job) runs in this process, on its own thread.
    let source = match job {
        Job::Fetch => Some(Arc::new(Source::open()?)),
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
        "tasks" => (1, 0, run_tasks(job, n, source.as_deref(), trace)?),
        other => return Err(format!("unknown mode {other}")),
    };
    let wall = start.elapsed();
    let threads = threads + usize::from(source.is_some()); // the replica's thread
                                                           // The parent reads this through a pipe it never closes early: `println!` is safe here.
    println!(
        "RESULT {} {} {threads} {note}",
        wall.as_millis(),
        peak_rss_kb() + children_rss_kb
    );
    Ok(())
}

fn run_threads(
    job: Job,
    n: usize,
    source: Option<Arc<Source>>,
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
    source: Option<Arc<Source>>,
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
            .args(["--one-job", job.name(), &sleep.as_millis().to_string()])
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
pub fn one_job(args: &[String]) -> Result<(), String> {
    let [job, sleep_ms] = args else {
        return Err("usage: --one-job JOB SLEEP_MS".into());
    };
    let sleep = Duration::from_millis(sleep_ms.parse().map_err(|e| format!("{e}"))?);
    let job = Job::parse(job, sleep)?;
    let source = match job {
        Job::Fetch => Some(Source::open()?),
        Job::Sleep(_) => None,
    };
    blocking_job(job, source.as_ref())?;
    println!("{}", peak_rss_kb());
    Ok(())
}

fn run_queue(job: Job, n: usize, source: Option<&Source>) -> Result<String, String> {
    let client = source.map(Source::client).transpose()?;
    let base = source.map(|s| s.base().to_owned()).unwrap_or_default();
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

/// One task per job, on one runtime; with `flags`, that runtime's Chrome trace or HTML
/// replay is written (the replica's runtime, on its own thread, is not traced).
fn run_tasks(
    job: Job,
    n: usize,
    source: Option<&Source>,
    flags: TraceFlags,
) -> Result<String, String> {
    let client = source.map(Source::client).transpose()?;
    let base: Rc<str> = source.map(Source::base).unwrap_or_default().into();
    let traced = flags.chrome.is_some() || flags.html.is_some();
    let trace = flags.open().map_err(|e| e.to_string())?;
    let rt = trace
        .builder()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    rt.block_on(async {
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
    drop(rt); // its last events are the tasks it drops: the trace is complete after this
    trace.finish()?;
    // Recording every event costs time and memory: say so where the figures are.
    Ok(match traced {
        true => format!("{n} tasks, traced"),
        false => format!("{n} tasks"),
    })
}
