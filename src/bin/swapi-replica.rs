//! A standalone SWAPI replica, served by tinyloop's runtime.
//!
//! Run with: `cargo run --release --bin swapi-replica -- --port 8443`
//!
//! It listens on 127.0.0.1 only, over HTTPS with a certificate authority made
//! at start (or plain HTTP with `--http`), and prints the base URL, where the
//! CA certificate was written, and a `curl` command that works. Stop it with
//! Ctrl-C. `--trace` prints its runtime's timeline (every poll and wake of
//! the server's tasks) on stderr.

use std::env;
use std::path::PathBuf;
use std::process::ExitCode;
use std::thread;
use std::time::Duration;

use runtime::trace::Config;
use tinyloop::replica::{Latency, ReplicaServer};

/// What `--help` prints.
const USAGE: &str = "\
Usage: swapi-replica [OPTIONS]

Serves a replica of the Star Wars API (swapi.dev) on 127.0.0.1.

Options:
  --port N              port to listen on (default 8443; 0 picks a free one)
  --http                serve plain HTTP instead of HTTPS
  --latency MIN-MAX     delay each answer by MIN to MAX milliseconds (default 0-0)
  --seed N              seed for the delays (default 0): same seed, same delays
  --ca-out PATH         where to write the CA certificate, in a directory that
                        exists (default: swapi-replica-ca.pem in the temp directory)
  --trace               print the server runtime's timeline on stderr
                        (RUNTIME_TRACE is not read: it is for client programs)
  -h, --help            print this help
";

/// The command line, parsed.
#[derive(Debug)]
struct Options {
    /// The port to bind on 127.0.0.1.
    port: u16,
    /// Serve HTTPS rather than plain HTTP.
    tls: bool,
    /// The delay range, in milliseconds, `min <= max`.
    latency_ms: (u64, u64),
    /// The delays' seed.
    seed: u64,
    /// Where to write the CA certificate.
    ca_out: PathBuf,
    /// Print the runtime's timeline.
    trace: bool,
}

fn main() -> ExitCode {
    let options = match parse(env::args().skip(1)) {
        Ok(Some(options)) => options,
        Ok(None) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("swapi-replica: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };

    let (min, max) = options.latency_ms;
    let latency = Latency::between(
        Duration::from_millis(min),
        Duration::from_millis(max),
        options.seed,
    );
    let replica = ReplicaServer::builder()
        .tls(options.tls)
        .port(options.port)
        .url_host("localhost")
        .latency(latency)
        .ca_path(&options.ca_out)
        .trace(trace_config(options.trace))
        .start();
    let replica = match replica {
        Ok(replica) => replica,
        // The usual cause: another program (or another replica) has the port.
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
            eprintln!(
                "swapi-replica: port {} is in use ({e}); choose another with --port",
                options.port
            );
            return ExitCode::FAILURE;
        }
        Err(e) => {
            eprintln!("swapi-replica: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };

    let person = replica.url("/api/people/1/");
    println!("SWAPI replica listening on {}", replica.base_url());
    match replica.ca_path() {
        Some(path) => {
            println!("CA certificate written to {}", path.display());
            println!("Try: curl --cacert {} {person}", path.display());
        }
        None => println!("Try: curl {person}"),
    }
    if max > 0 {
        println!(
            "Answers are delayed by {min}-{max} ms (seed {}).",
            options.seed
        );
    }
    println!("Press Ctrl-C to stop.");

    // The replica runs on its own thread; this one has nothing left to do.
    // Ctrl-C ends the process, and the operating system closes the sockets.
    loop {
        thread::park();
    }
}

/// Parses the arguments after the program name: `Ok(None)` for `--help`.
fn parse(mut args: impl Iterator<Item = String>) -> Result<Option<Options>, String> {
    let mut options = Options {
        port: 8443,
        tls: true,
        latency_ms: (0, 0),
        seed: 0,
        ca_out: env::temp_dir().join("swapi-replica-ca.pem"),
        trace: false,
    };
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--http" => options.tls = false,
            "--trace" => options.trace = true,
            "--port" => {
                let text = value("--port")?;
                options.port = text.parse().map_err(|_| {
                    format!("--port wants a port number from 0 to 65535, not {text:?}")
                })?;
            }
            "--latency" => options.latency_ms = parse_range(&value("--latency")?)?,
            "--seed" => {
                let text = value("--seed")?;
                options.seed = text.parse().map_err(|_| {
                    format!(
                        "--seed wants a whole number from 0 to {}, not {text:?}",
                        u64::MAX
                    )
                })?;
            }
            "--ca-out" => options.ca_out = PathBuf::from(value("--ca-out")?),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if options.ca_out.is_relative() {
        if let Ok(dir) = env::current_dir() {
            options.ca_out = dir.join(&options.ca_out);
        }
    }
    Ok(Some(options))
}

/// The server's trace outputs: its timeline with `--trace`, else none. (No
/// Chrome trace: the file is written when the replica stops, and Ctrl-C kills
/// it first.)
fn trace_config(terminal: bool) -> Config {
    let mut config = Config::new();
    config.terminal = terminal;
    config
}

/// Parses `MIN-MAX` (or a single `N`, meaning `N-N`) in milliseconds.
fn parse_range(text: &str) -> Result<(u64, u64), String> {
    let bad = || {
        format!(
            "--latency wants MIN-MAX in milliseconds, each from 0 to {}, like 50-250, not {text:?}",
            u64::MAX
        )
    };
    let (min, max) = text.split_once('-').unwrap_or((text, text));
    let min: u64 = min.trim().parse().map_err(|_| bad())?;
    let max: u64 = max.trim().parse().map_err(|_| bad())?;
    if min > max {
        return Err(format!("--latency {text:?}: MIN is larger than MAX"));
    }
    Ok((min, max))
}
