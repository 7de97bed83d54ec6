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
//! - for `https://`, a few rounds of `pending` / `io(token N, readable|writable)`: the TLS
//!   handshake, where rustls asks for server records (`wants_read`) and the task sleeps
//!   until the socket has some. epoll reports all the readiness a socket has, and a
//!   connected socket is nearly always writable too, hence `readable|writable`;
//! - then one `io(token N, readable|writable)` wake per batch of response bytes, and the
//!   task's `ready` and `finish completed`. Between wakes the reactor parks: waiting costs
//!   no CPU.
//!
//! The command line is checked before any work: a URL that is not `http` or `https` with a
//! host, or a `--cacert` file that holds no certificate, is one line and the usage on
//! stderr, exit status 2. A fetch that fails (a refused connection, a timeout, a TLS error)
//! prints the [`fetcher::Error`]'s message, one line, and exits with status 1. A 4xx or 5xx
//! status is not an error: it is printed like any response, and the exit status is 0, as
//! curl's is without `-f`.

use std::path::Path;
use std::process::ExitCode;

use tinyloop::cli::{http_url, read_cacert, Args, Command, Out, TraceFlags, UsageError};
use url::Url;

const COMMAND: Command<'static> = Command {
    name: "get",
    usage: "usage: get [--trace[=full]] [--trace-json PATH] [--trace-html PATH] [--cacert PATH]\n       [--head] URL",
    details: "  URL                 what to fetch: an http:// or https:// URL with a host
  --head, -I          send HEAD instead of GET: the status line and headers, no body
  --cacert PATH       also trust this CA certificate (PEM), such as the one
                      `cargo run --bin swapi-replica` writes
  --trace             print the runtime's timeline on stderr, and its summary at the end
  --trace=full        the same, one line per event
  --trace-json PATH   write a Chrome trace to PATH (open it offline in Chromium's DevTools,
                      Performance, \"Load profile...\", or in https://ui.perfetto.dev)
  --trace-html PATH   write the run as one HTML page that steps through it (the run queue,
                      the sockets waited on and the timers armed, at each event), offline
  -h, --help          print this help

Exit status: 0 when a response arrived, whatever its status: a 404 too, as with curl
without -f; 1 when the fetch failed (no connection, a timeout, a TLS error); 2 for a
bad command line, before any work.",
};

/// Standard output; `Out`, not `println!`, so that `get URL | head -1` does not panic
/// when `head` leaves.
static OUT: Out = Out::new();

/// What the command line asked for, checked.
struct Options {
    /// `http` or `https`, with a host.
    url: Url,
    /// The contents of the `--cacert` file: at least one certificate, in PEM.
    cacert: Option<Vec<u8>>,
    head: bool,
    trace: TraceFlags,
}

/// Parses the arguments, checks the URL, and reads and checks the `--cacert` file, so that
/// a bad one stops the program before the runtime starts: `Ok(None)` for `--help`.
fn parse(mut args: Args) -> Result<Option<Options>, UsageError> {
    let mut url = None;
    let mut cacert = None;
    let mut head = false;
    let mut trace = TraceFlags::new();
    while let Some(arg) = args.next_flag()? {
        if trace.read(&arg, &mut args)? {
            continue;
        }
        match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--cacert" => cacert = Some(read_cacert(Path::new(&args.value(&arg)?))?),
            "--head" | "-I" => head = true,
            _ if arg.starts_with('-') || url.is_some() => return Err(UsageError::unexpected(&arg)),
            _ => url = Some(arg),
        }
    }
    let text = url.ok_or_else(|| UsageError::new("missing URL"))?;
    let url = http_url(&text).map_err(|why| UsageError::new(format!("URL {text:?}: {why}")))?;
    Ok(Some(Options {
        url,
        cacert,
        head,
        trace,
    }))
}

/// Builds the client, fetches, prints. Runs inside the runtime.
async fn fetch(options: Options) -> Result<(), fetcher::Error> {
    let mut builder = fetcher::Client::builder();
    if let Some(pem) = options.cacert {
        builder = builder.add_root_certificate_pem(pem);
    }
    let client = builder.build()?;
    let request = if options.head {
        fetcher::Request::head(options.url.as_str())
    } else {
        fetcher::Request::get(options.url.as_str())
    };
    let response = client.send(request).await?;

    // The response's URL never carries a user name or password: compare without them.
    let mut asked = options.url;
    let _ = (asked.set_username(""), asked.set_password(None));
    if asked != *response.url() {
        eprintln!("* redirected to {}", response.url());
    }
    OUT.line(format_args!(
        "{} {} {}",
        response.version(),
        response.status(),
        response.reason()
    ));
    for (name, value) in response.headers().iter() {
        OUT.line(format_args!("{name}: {value}"));
    }
    OUT.line("");
    OUT.write(response.text());
    Ok(())
}

fn main() -> ExitCode {
    let options = match parse(Args::from_env()) {
        Ok(Some(options)) => options,
        Ok(None) => return COMMAND.help(),
        Err(e) => return COMMAND.usage_error(&e),
    };
    // The trace file is created now: a path that cannot be written stops here.
    let trace = match options.trace.open() {
        Ok(trace) => trace,
        Err(e) => return COMMAND.usage_error(&e),
    };
    let rt = match trace.builder().build() {
        Ok(rt) => rt,
        // epoll, eventfd or timerfd refused: nothing this example can do about it.
        Err(e) => return COMMAND.failed(format_args!("cannot start the runtime: {e}")),
    };

    // A named task, so the timeline says "get" for everything the fetch does.
    let outcome = rt.block_on(rt.spawn_named("get", fetch(options)));
    // Dropping the runtime prints the per-task summary; then the Chrome trace is written.
    drop(rt);
    if let Err(e) = trace.finish() {
        return COMMAND.failed(e);
    }
    match outcome {
        // A closed stdout ends the output quietly; see `Out`.
        Ok(Ok(())) => OUT.ended().unwrap_or(ExitCode::SUCCESS),
        // The fetch failed (no connection, a timeout, a TLS error): its message is one line
        // that names what failed and why.
        Ok(Err(error)) => COMMAND.failed(error),
        // The task panicked: a bug, reported by the runtime.
        Err(join) => COMMAND.failed(format_args!("the fetch task failed: {join}")),
    }
}
