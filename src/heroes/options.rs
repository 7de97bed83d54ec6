//! The command line of `gather` and `as_completed`, checked before any work.

use std::path::PathBuf;
use std::time::Duration;

use crate::cli::{http_url, read_cacert, Args, TraceFlags, UsageError};

/// Heroes fetched without `--count`: the seed's `range(1, 11)`.
pub const DEFAULT_COUNT: usize = 10;
/// Fetches in flight at most without `--max-in-flight`: each is a connection, so this
/// bounds the file descriptors a run can hold.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 64;
/// The bound on one hero's whole request (redirect included) without `--timeout`.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The largest `--timeout`: a day, longer than any wait for one hero is worth.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(86_400);
/// The replica's latency seed without `--seed`.
pub const DEFAULT_SEED: u64 = 2016;

/// The flags, for the line `usage: PROGRAM FLAGS`.
pub const FLAGS: &str = "[--count N] [--max-in-flight N] [--timeout SECS] [--seed N]
       [--simulate] [--url URL [--cacert PATH]] [--trace[=full]] [--trace-json PATH]
       [--trace-html PATH]";

/// What each flag does, for `--help`.
pub const FLAG_DETAILS: &str =
    "  --count N           fetch the first N people (default 10; at most 82, all of SWAPI's)
  --max-in-flight N   fetch at most N heroes at once (default 64)
  --timeout SECS      give up on a hero after SECS seconds (default 30, at most 86400)
  --seed N            the replica's delays: one seed, one completion order (default 2016)
  --simulate          run the replica and the network inside this runtime, in virtual
                      time, with the schedule, the delays and the network's latencies
                      drawn from --seed: the run takes milliseconds, and one seed always
                      gives the same run
  --url URL           fetch hero N from URL followed by N, as the seed does, instead of
                      from the in-process replica: --url https://swapi.dev/api/people/
                      (the ids are then 1..=N, so a missing one, like 17, fails as
                      \"no such person\")
  --cacert PATH       with --url, also trust this CA certificate (PEM), such as the one
                      `cargo run --bin swapi-replica` writes
  --trace             print the runtime's timeline on stderr, and its summary at the end:
                      each hero's polls (`main › hero 4`), what each waited on, its wakes
  --trace=full        the same, one line per event
  --trace-json PATH   write a Chrome trace to PATH (open it offline in Chromium's DevTools,
                      Performance, \"Load profile...\", or in https://ui.perfetto.dev)
  --trace-html PATH   write the run as one HTML page that steps through it (the run queue,
                      the sockets waited on and the timers armed, at each event), offline
  -h, --help          print this help";

/// What `gather` and `as_completed` were asked to do, checked: every field is usable.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Options {
    /// `--url`: a people URL, `http` or `https`, with a host, ending in `/`; `None` starts
    /// the in-process replica.
    pub url: Option<String>,
    /// `--count`: how many heroes, from 1 to the number of people in SWAPI.
    pub count: usize,
    /// `--max-in-flight`: how many fetches may run at once, at least 1.
    pub max_in_flight: usize,
    /// `--timeout`: the bound on each hero's whole request, above zero, at most
    /// [`MAX_TIMEOUT`].
    pub timeout: Duration,
    /// `--seed`: the replica's latency seed; the same seed gives the same delays, so the
    /// same completion order.
    pub seed: u64,
    /// `--cacert`: the file, and the CA certificates it holds (PEM), to trust besides the
    /// web's roots. Only with `--url`.
    pub cacert: Option<(PathBuf, Vec<u8>)>,
    /// `--simulate`: the replica runs as tasks of the program's runtime, over its
    /// simulated network, under the seeded schedule of `seed`, in virtual time.
    pub simulate: bool,
    /// `--trace` and `--trace-json PATH`.
    pub trace: TraceFlags,
    /// What was adjusted and should be said (a trailing slash added to `--url`).
    pub notes: Vec<String>,
}

impl Default for Options {
    /// The seed's run: ten heroes from the in-process replica.
    fn default() -> Options {
        Options {
            url: None,
            count: DEFAULT_COUNT,
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            timeout: DEFAULT_TIMEOUT,
            seed: DEFAULT_SEED,
            cacert: None,
            simulate: false,
            trace: TraceFlags::new(),
            notes: Vec::new(),
        }
    }
}

impl Options {
    /// Reads and checks the command line: `Ok(None)` for `--help`. `people` is how many
    /// people SWAPI has, the largest `--count`.
    ///
    /// # Errors
    /// One line naming the flag and what is wrong with it: an unknown flag, a missing
    /// value, a number out of range, a `--url` that is not an `http(s)` URL with a host,
    /// a `--cacert` that cannot be read or holds no certificate, `--seed` or `--simulate`
    /// with `--url`.
    pub fn parse(mut args: Args, people: usize) -> Result<Option<Options>, UsageError> {
        let mut options = Options::default();
        let mut seed_given = false;
        let mut cacert = None;
        while let Some(flag) = args.next_flag()? {
            if options.trace.read(&flag, &mut args)? {
                continue;
            }
            match flag.as_str() {
                "-h" | "--help" => return Ok(None),
                "--count" => options.count = count(args.value(&flag)?, people)?,
                "--max-in-flight" => options.max_in_flight = args.number(&flag, 1..=usize::MAX)?,
                "--timeout" => options.timeout = timeout(args.value(&flag)?)?,
                "--seed" => {
                    options.seed = args.number(&flag, 0..=u64::MAX)?;
                    seed_given = true;
                }
                "--url" => {
                    let text = args.value(&flag)?;
                    let url = people_url(&text)?;
                    if !text.ends_with('/') {
                        options.notes.push(format!(
                            "--url {text} gets a trailing slash: hero 1 is {url}1"
                        ));
                    }
                    options.url = Some(url);
                }
                "--cacert" => cacert = Some(PathBuf::from(args.value(&flag)?)),
                "--simulate" => options.simulate = true,
                _ => return Err(UsageError::unexpected(&flag)),
            }
        }
        if options.url.is_some() && seed_given {
            return Err(UsageError::new(
                "--seed sets the in-process replica's delays; with --url there is no replica",
            ));
        }
        if options.url.is_some() && options.simulate {
            return Err(UsageError::new(
                "--simulate runs the replica in a simulated network; --url fetches from a real \
                 one: pick one",
            ));
        }
        if let Some(path) = cacert {
            if options.url.is_none() {
                return Err(UsageError::new(
                    "--cacert is for --url: the in-process replica's CA is trusted already",
                ));
            }
            let pem = read_cacert(&path)?;
            options.cacert = Some((path, pem));
        }
        Ok(Some(options))
    }
}

/// A `--url`: `http` or `https`, a host, no query or fragment (the id is appended), and a
/// trailing `/`, added if missing.
fn people_url(text: &str) -> Result<String, UsageError> {
    let bad = |why: &str| {
        UsageError::new(format!(
            "--url {text:?}: {why} (for the live service: --url https://swapi.dev/api/people/)"
        ))
    };
    let url = http_url(text).map_err(|why| bad(&why))?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad(
            "no query or fragment: each hero's id is appended to the URL",
        ));
    }
    let mut url = url.to_string();
    if !url.ends_with('/') {
        url.push('/');
    }
    Ok(url)
}

/// A `--count`: from 1 to `people`. Above that, the error says why SWAPI stops there.
fn count(text: String, people: usize) -> Result<usize, UsageError> {
    match text.parse::<usize>() {
        Ok(count) if (1..=people).contains(&count) => Ok(count),
        Ok(count) if count > people => Err(UsageError::new(format!(
            "--count {text:?}: SWAPI has {people} people, so {people} is the most (for \
             thousands of concurrent jobs, see `cargo run --release --example concurrency`)"
        ))),
        _ => Err(UsageError::new(format!(
            "--count wants a whole number from 1 to {people}, not {text:?}"
        ))),
    }
}

/// A `--timeout`: seconds above zero and at most [`MAX_TIMEOUT`], fractions allowed.
fn timeout(text: String) -> Result<Duration, UsageError> {
    text.parse::<f64>()
        .ok()
        .filter(|secs| *secs > 0.0 && *secs <= MAX_TIMEOUT.as_secs_f64())
        .map(Duration::from_secs_f64)
        .ok_or_else(|| {
            UsageError::new(format!(
                "--timeout wants a number of seconds above 0 and at most {}, like 10 or 0.5, \
                 not {text:?}",
                MAX_TIMEOUT.as_secs()
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PEOPLE: usize = 82;

    fn parse(list: &[&str]) -> Result<Options, String> {
        Options::parse(Args::new(list.iter().map(|s| s.to_string())), PEOPLE)
            .map(|options| options.expect("not --help"))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn defaults_are_the_seeds_ten_heroes_from_the_replica() {
        let options = parse(&[]).unwrap();
        assert_eq!(options, Options::default());
        assert_eq!(options.url, None);
        assert_eq!(options.count, 10);
        assert_eq!(options.max_in_flight, 64);
    }

    #[test]
    fn simulate_takes_the_seed_and_refuses_a_url() {
        let options = parse(&["--simulate", "--seed", "7"]).unwrap();
        assert!(options.simulate);
        assert_eq!(options.seed, 7);
        let both = parse(&["--simulate", "--url", "http://127.0.0.1:9/api/people/"]);
        assert!(both.unwrap_err().contains("--simulate"));
    }

    #[test]
    fn url_is_normalised_and_gets_its_trailing_slash_with_a_note() {
        let options = parse(&["--url", "HTTPS://SWAPI.dev/api/people", "--count", "3"]).unwrap();
        assert_eq!(
            options.url.as_deref(),
            Some("https://swapi.dev/api/people/")
        );
        assert_eq!(options.count, 3);
        assert_eq!(options.notes.len(), 1);
        assert!(
            options.notes[0].contains("trailing slash"),
            "{:?}",
            options.notes
        );
        let slashed = parse(&["--url", "http://127.0.0.1:8000/api/people/"]).unwrap();
        assert!(slashed.notes.is_empty());
    }

    #[test]
    fn a_url_without_a_scheme_or_host_is_refused() {
        for (url, why) in [
            ("notaurl", "not a URL"),
            ("http://", "not a URL: empty host"),
            (
                "ftp://example.com/",
                "the scheme must be http or https, not ftp",
            ),
            ("http://localhost/api/people/?page=2", "no query"),
        ] {
            let error = parse(&["--url", url]).unwrap_err();
            assert!(error.contains(why), "{url}: {error}");
            assert!(!error.contains('\n'), "one line: {error}");
        }
    }

    #[test]
    fn counts_are_checked_against_the_number_of_people() {
        assert_eq!(parse(&["--count", "82"]).unwrap().count, 82);
        let above = parse(&["--count", "83"]).unwrap_err();
        assert!(above.contains("SWAPI has 82 people"), "{above}");
        assert!(above.contains("--example concurrency"), "{above}");
        assert!(parse(&["--count", "0"])
            .unwrap_err()
            .contains("from 1 to 82"));
        assert!(parse(&["--count", "-1"]).unwrap_err().contains("\"-1\""));
        let huge = parse(&["--count", "99999999999999999999"]).unwrap_err();
        assert!(huge.contains("from 1 to 82"), "{huge}");
    }

    #[test]
    fn a_value_too_large_is_told_the_real_maximum_and_values_are_quoted() {
        assert_eq!(
            parse(&["--max-in-flight", "99999999999999999999"]).unwrap_err(),
            format!(
                "--max-in-flight wants a whole number from 1 to {}, not \"99999999999999999999\"",
                usize::MAX
            )
        );
        assert_eq!(
            parse(&["--max-in-flight", "0"]).unwrap_err(),
            format!(
                "--max-in-flight wants a whole number from 1 to {}, not \"0\"",
                usize::MAX
            )
        );
        assert_eq!(
            parse(&["--count", "0"]).unwrap_err(),
            "--count wants a whole number from 1 to 82, not \"0\""
        );
        assert!(parse(&["--count", "83"])
            .unwrap_err()
            .starts_with("--count \"83\": SWAPI has 82 people"));
        assert_eq!(
            parse(&["--seed", "99999999999999999999"]).unwrap_err(),
            format!(
                "--seed wants a whole number from 0 to {}, not \"99999999999999999999\"",
                u64::MAX
            )
        );
        for big in ["1e20", "86401"] {
            assert_eq!(
                parse(&["--timeout", big]).unwrap_err(),
                format!(
                    "--timeout wants a number of seconds above 0 and at most 86400, like 10 \
                     or 0.5, not {big:?}"
                )
            );
        }
        assert_eq!(parse(&["--timeout", "86400"]).unwrap().timeout, MAX_TIMEOUT);
    }

    #[test]
    fn bad_numbers_and_unknown_flags_are_named() {
        assert!(parse(&["--max-in-flight", "0"])
            .unwrap_err()
            .contains("--max-in-flight"));
        for bad in ["0", "-1", "soon", "NaN", "inf"] {
            let error = parse(&["--timeout", bad]).unwrap_err();
            assert!(error.starts_with("--timeout wants"), "{bad}: {error}");
        }
        assert_eq!(
            parse(&["--timeout", "0.5"]).unwrap().timeout,
            Duration::from_millis(500)
        );
        assert_eq!(parse(&["--bogus"]).unwrap_err(), "unknown flag --bogus");
        assert_eq!(parse(&["--url"]).unwrap_err(), "--url needs a value");
    }

    #[test]
    fn seed_and_cacert_are_refused_where_they_would_do_nothing() {
        let seed = parse(&["--url", "http://localhost/", "--seed", "1"]).unwrap_err();
        assert!(seed.contains("no replica"), "{seed}");
        let cacert = parse(&["--cacert", "ca.pem"]).unwrap_err();
        assert!(cacert.contains("--cacert is for --url"), "{cacert}");
        let missing =
            parse(&["--url", "https://localhost/", "--cacert", "/no/such/ca.pem"]).unwrap_err();
        assert!(missing.contains("cannot read it"), "{missing}");
    }

    #[test]
    fn help_is_not_an_error() {
        let args = Args::new(["--count", "3", "--help"].map(String::from));
        assert_eq!(Options::parse(args, PEOPLE), Ok(None));
    }
}
