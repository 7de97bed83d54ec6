//! The `http` shape: keep-alive HTTPS GETs from a local server.
//!
//! tinyloop + `fetcher` against reqwest (rustls, HTTP/1.1) on tokio's current-thread
//! runtime, interleaved round by round, and the seed's own aiohttp client
//! (`seed_aiohttp.py`, a session per request as the seed does, and one shared session),
//! all against the same server. See `server.rs` and `clients.rs`.

mod clients;
mod server;

use std::path::{Path, PathBuf};
use std::process::Command;

use clients::Measured;

/// How much to measure.
pub struct Options {
    /// Requests per timed run of a Rust client.
    pub requests: usize,
    /// Worker tasks (and connections) per client.
    pub concurrency: usize,
    /// Interleaved rounds of the two Rust clients.
    pub rounds: usize,
    /// Requests per run of the Python client (slower, so fewer).
    pub python_requests: usize,
}

/// One line of the table.
struct Line {
    client: String,
    requests: usize,
    per_second: Option<f64>,
    cpu_us: Option<f64>,
}

/// Runs the shape and prints its table.
pub fn run(options: &Options) {
    let server = server::start();
    let url = server.url();
    let (n, c) = (options.requests, options.concurrency);
    eprintln!(
        "measuring http: {n} GETs of {url} at concurrency {c}, {} interleaved rounds ...",
        options.rounds
    );

    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    for round in 0..options.rounds {
        // Alternate who goes first, so neither always meets a warmer (or busier) machine.
        let (a, b) = if round % 2 == 0 {
            let a = clients::tinyloop(&url, &server.ca_pem, n, c);
            (a, clients::reqwest(&url, &server.ca_pem, n, c))
        } else {
            let b = clients::reqwest(&url, &server.ca_pem, n, c);
            (clients::tinyloop(&url, &server.ca_pem, n, c), b)
        };
        eprintln!(
            "  round {}: tinyloop {:>8.0} req/s ({:.1} µs CPU/req)   reqwest {:>8.0} req/s ({:.1} µs CPU/req)",
            round + 1,
            a.per_second(),
            a.cpu_us_per_request(),
            b.per_second(),
            b.cpu_us_per_request()
        );
        ours.push(a);
        theirs.push(b);
    }

    let ca_file =
        std::env::temp_dir().join(format!("tinyloop-bench-ca-{}.pem", std::process::id()));
    let seed = match std::fs::write(&ca_file, &server.ca_pem) {
        Ok(()) => ["per-request", "shared"].map(|mode| python(&url, &ca_file, mode, options)),
        Err(e) => {
            eprintln!(
                "  cannot write {}: {e}; skipping the Python client",
                ca_file.display()
            );
            [None, None]
        }
    };
    let _ = std::fs::remove_file(&ca_file);

    let lines = [
        summarize("tinyloop + fetcher", &ours),
        summarize("reqwest 0.12 (rustls) on tokio current_thread", &theirs),
        python_line("seed: aiohttp, a session per request", seed[0], options),
        python_line("aiohttp, one shared session", seed[1], options),
    ];
    print_table(&lines, options);
}

/// The median round of `runs` (by throughput).
fn summarize(client: &str, runs: &[Measured]) -> Line {
    let mut rates: Vec<(f64, f64)> = runs
        .iter()
        .map(|m| (m.per_second(), m.cpu_us_per_request()))
        .collect();
    rates.sort_by(|a, b| a.0.total_cmp(&b.0));
    let median = rates.get(rates.len() / 2).copied();
    Line {
        client: client.to_owned(),
        requests: runs.first().map_or(0, |m| m.requests),
        per_second: median.map(|m| m.0),
        cpu_us: median.map(|m| m.1),
    }
}

fn python_line(client: &str, rps: Option<f64>, options: &Options) -> Line {
    Line {
        client: client.to_owned(),
        requests: options.python_requests,
        per_second: rps,
        cpu_us: None,
    }
}

/// Runs `seed_aiohttp.py` in `mode` and returns its requests per second, or `None` (with
/// the reason on stderr) if Python or aiohttp is missing or the run failed.
fn python(url: &str, ca_file: &Path, mode: &str, options: &Options) -> Option<f64> {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("seed_aiohttp.py");
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned());
    eprintln!(
        "  {python} seed_aiohttp.py --mode {mode}: {} requests ...",
        options.python_requests
    );
    let output = Command::new(&python)
        .arg(&script)
        .args(["--url", url, "--mode", mode])
        .arg("--cafile")
        .arg(ca_file)
        .args(["--requests", &options.python_requests.to_string()])
        .args(["--concurrency", &options.concurrency.to_string()])
        .output();
    let output = match output {
        Ok(output) => output,
        Err(e) => {
            eprintln!("  cannot run {python}: {e}");
            return None;
        }
    };
    if !output.status.success() {
        eprintln!(
            "  {mode} failed ({}); is aiohttp installed (pip install aiohttp)?\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        return None;
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let result: serde_json::Value = serde_json::from_str(stdout.trim()).ok()?;
    eprintln!("  {}", stdout.trim());
    result["rps"].as_f64()
}

fn print_table(lines: &[Line], options: &Options) {
    let ours = lines[0].per_second;
    println!();
    println!(
        "http run: keep-alive HTTPS GETs of a 700-byte JSON body from a local tinyloop server \
         (TLS 1.3, ring), concurrency {}. Rust clients: median of {} interleaved rounds, \
         connections opened before timing; CPU = the client thread's CPU time per request. \
         Higher req/s is better.",
        options.concurrency, options.rounds
    );
    println!();
    let header = format!(
        "{:<48} {:>9} {:>10} {:>13} {:>18}",
        "client", "requests", "req/s", "CPU µs/req", "tinyloop / this"
    );
    println!("{header}");
    println!("{}", "-".repeat(header.chars().count()));
    for line in lines {
        let rate = line
            .per_second
            .map_or("-".to_owned(), |r| format!("{r:.0}"));
        let cpu = line.cpu_us.map_or("-".to_owned(), |c| format!("{c:.1}"));
        let ratio = match (ours, line.per_second) {
            (Some(a), Some(b)) => format!("{:.2}x", a / b),
            _ => "-".to_owned(),
        };
        println!(
            "{:<48} {:>9} {:>10} {:>13} {:>18}",
            line.client, line.requests, rate, cpu, ratio
        );
    }
    let verdict = |ratio: Option<f64>, target: f64| match ratio {
        Some(r) if r >= target => format!("{r:.2}x ok"),
        Some(r) => format!("{r:.2}x MISS"),
        None => "not measured".to_owned(),
    };
    let ratio = |i: usize| Some(ours? / lines[i].per_second?);
    println!();
    println!(
        "targets: tinyloop within 1.1x of reqwest (throughput ratio >= 0.91): {}; \
         >= 5x the seed: {}",
        verdict(ratio(1), 1.0 / 1.1),
        verdict(ratio(2), 5.0)
    );
}
