//! A tiny curl: fetch one URL with `fetcher` on tinyloop's runtime and print the status
//! line, the headers and the body.
//!
//! Run it with:
//!
//! ```text
//! cargo run --example get -- https://swapi.dev/api/people/1
//! cargo run --example get -- --trace http://127.0.0.1:8000/        # the runtime's timeline
//! cargo run --example get -- --trace-json get.json URL             # a Chrome trace file
//! cargo run --example get -- --cacert ca.pem https://localhost:8443/ # trust a private CA
//! cargo run --example get -- --head URL                            # HEAD: no body
//! ```
//!
//! The status line and headers go to stdout, followed by an empty line and the body (as
//! text, invalid UTF-8 replaced). Where the redirects led goes to stderr, so stdout stays
//! what the last server sent.
//!
//! What to look at with `--trace` (the timeline is on stderr):
//!
//! - the task `"get"` polled for the first time: it starts resolving the host on the
//!   blocking pool (a `spawn_blocking` task appears) unless the URL holds an IP address;
//! - `pending` after the connect: the socket is not writable yet. The wake that follows
//!   says `io(token N, writable)`: the reactor saw the connect finish;
//! - for `https://`, a few rounds of `pending` / `io(token N, readable)`: the TLS
//!   handshake, where rustls asks for server records (`wants_read`) and the task sleeps
//!   until the socket has some;
//! - then one `io(token N, readable)` wake per batch of response bytes, and `finished`.
//!   Between wakes the reactor parks: waiting costs no CPU.
//!
//! Errors print the typed [`fetcher::Error`] (its message, then the variant), and exit
//! with status 1. A 4xx
//! or 5xx status is not an error: it is printed like any response.

use std::process::ExitCode;

use runtime::trace::Config;
use runtime::Runtime;

const USAGE: &str = "usage: get [--trace] [--trace-json PATH] [--cacert PATH] [--head] URL";

/// What the command line asked for, besides tracing.
struct Options {
    url: String,
    /// The contents of the `--cacert` file.
    cacert: Option<Vec<u8>>,
    head: bool,
}

/// Parses the arguments left after the trace flags, and reads the `--cacert` file.
fn parse(args: Vec<String>) -> Result<Options, String> {
    let mut url = None;
    let mut cacert = None;
    let mut head = false;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--cacert" => {
                let path = args.next().ok_or("--cacert needs a path")?;
                let pem = std::fs::read(&path).map_err(|e| format!("cannot read {path}: {e}"))?;
                cacert = Some(pem);
            }
            "--head" | "-I" => head = true,
            flag if flag.starts_with('-') => return Err(format!("unknown flag `{flag}`")),
            _ if url.is_some() => return Err(format!("unexpected argument `{arg}`")),
            _ => url = Some(arg),
        }
    }
    let url = url.ok_or("missing URL")?;
    Ok(Options { url, cacert, head })
}

/// Builds the client, fetches, prints. Runs inside the runtime.
async fn fetch(options: Options) -> Result<(), fetcher::Error> {
    let mut builder = fetcher::Client::builder();
    if let Some(pem) = options.cacert {
        builder = builder.add_root_certificate_pem(pem);
    }
    let client = builder.build()?;
    let request = if options.head {
        fetcher::Request::head(&options.url)
    } else {
        fetcher::Request::get(&options.url)
    };
    let response = client.send(request).await?;

    if response.url().as_str() != options.url {
        eprintln!("* redirected to {}", response.url());
    }
    println!(
        "{} {} {}",
        response.version(),
        response.status(),
        response.reason()
    );
    for (name, value) in response.headers().iter() {
        println!("{name}: {value}");
    }
    println!();
    print!("{}", response.text());
    Ok(())
}

fn main() -> ExitCode {
    let (trace, rest) = match Config::from_args(std::env::args().skip(1)) {
        Ok(parsed) => parsed,
        Err(e) => {
            eprintln!("get: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let options = match parse(rest) {
        Ok(options) => options,
        Err(e) => {
            eprintln!("get: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let rt = match Runtime::builder().trace(&trace).build() {
        Ok(rt) => rt,
        // epoll, eventfd or timerfd refused: nothing this example can do about it.
        Err(e) => {
            eprintln!("get: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };

    // A named task, so the timeline says "get" for everything the fetch does.
    let outcome = rt.block_on(rt.spawn_named("get", fetch(options)));
    // Dropping the runtime prints the per-task summary (and writes the Chrome trace).
    drop(rt);
    match outcome {
        Ok(Ok(())) => ExitCode::SUCCESS,
        // The typed error: Display for people, Debug to show which variant it is.
        Ok(Err(error)) => {
            eprintln!("get: {error}\n     ({error:?})");
            ExitCode::FAILURE
        }
        // The task panicked: a bug, reported by the runtime.
        Err(join) => {
            eprintln!("get: the fetch task failed: {join}");
            ExitCode::FAILURE
        }
    }
}
