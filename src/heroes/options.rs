//! The examples' command line.

use runtime::trace::Config;

/// What `gather` and `as_completed` accept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// `--url URL`: a people URL ending in `/` (the live service is
    /// `https://swapi.dev/api/people/`); `None` starts the in-process replica.
    pub url: Option<String>,
    /// `--count N`: fetch heroes `1..=N` (default 10, as the seed).
    pub count: u32,
    /// `--seed N`: the replica's latency seed (default 2016); the same seed
    /// gives the same delays, so the same completion order.
    pub seed: u64,
    /// `--trace` and `--trace-json PATH`.
    pub trace: Config,
}

/// The usage line both examples print on a bad argument.
pub const USAGE: &str = "usage: [--url URL] [--count N] [--seed N] [--trace] [--trace-json PATH]";

impl Options {
    /// Parses the arguments after the program name.
    ///
    /// # Errors
    /// A message naming the bad argument, ending with [`USAGE`].
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Options, String> {
        let (trace, rest) = Config::from_args(args).map_err(|e| format!("{e}\n{USAGE}"))?;
        let mut options = Options {
            url: None,
            count: 10,
            seed: 2016,
            trace,
        };
        let mut rest = rest.into_iter();
        while let Some(arg) = rest.next() {
            let mut value = |flag: &str| {
                rest.next()
                    .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))
            };
            match arg.as_str() {
                "--url" => {
                    let mut url = value("--url")?;
                    if !url.ends_with('/') {
                        url.push('/');
                    }
                    options.url = Some(url);
                }
                "--count" => {
                    let n = value("--count")?;
                    options.count = n.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                        format!("--count wants a positive number, not {n:?}\n{USAGE}")
                    })?;
                }
                "--seed" => {
                    let n = value("--seed")?;
                    options.seed = n
                        .parse()
                        .map_err(|_| format!("--seed wants a number, not {n:?}\n{USAGE}"))?;
                }
                other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
            }
        }
        Ok(options)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options, String> {
        Options::parse(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn defaults_are_the_seeds_ten_heroes_from_the_replica() {
        let options = parse(&[]).unwrap();
        assert_eq!(options.url, None);
        assert_eq!(options.count, 10);
    }

    #[test]
    fn url_gets_its_trailing_slash_and_count_is_read() {
        let options = parse(&["--url", "https://swapi.dev/api/people", "--count", "3"]).unwrap();
        assert_eq!(
            options.url.as_deref(),
            Some("https://swapi.dev/api/people/")
        );
        assert_eq!(options.count, 3);
    }

    #[test]
    fn bad_arguments_are_named() {
        assert!(parse(&["--count", "zero"])
            .unwrap_err()
            .contains("\"zero\""));
        assert!(parse(&["--count", "0"]).unwrap_err().contains("positive"));
        assert!(parse(&["--bogus"]).unwrap_err().contains("--bogus"));
        assert!(parse(&["--url"]).unwrap_err().contains("needs a value"));
    }
}
