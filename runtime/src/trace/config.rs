//! Which trace outputs to attach: from `RUNTIME_TRACE`, from command-line flags, or by hand.

use std::error::Error;
use std::fmt;
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The environment variable a runtime reads when it is built: `1` for the terminal
/// timeline, `chrome:PATH` for a Chrome trace file, `html:PATH` for the step-by-step HTML
/// replay, `1,chrome:PATH` for two of them, `0` or empty for none. See [`Config::parse`].
///
/// It is meant for the program's own runtime. A runtime a library builds for itself (a
/// server on a thread of its own, say) opts out with
/// [`Builder::trace_from_env(false)`](crate::Builder::trace_from_env), so the user sees
/// one timeline, not several interleaved, and one Chrome trace file, not the last of
/// several written over each other.
pub const ENV_VAR: &str = "RUNTIME_TRACE";

/// Which trace outputs a runtime writes.
///
/// A [`Builder`](crate::Builder) reads [`ENV_VAR`] when it builds (unless told not to by
/// [`trace_from_env`](crate::Builder::trace_from_env)); examples also take
/// `--trace` and `--trace-json PATH` through [`Config::from_args`] and pass the result to
/// [`Builder::trace`](crate::Builder::trace):
///
/// ```no_run
/// use runtime::trace::Config;
///
/// let (trace, _other_args) = Config::from_args(std::env::args().skip(1))?;
/// let rt = runtime::Runtime::builder().trace(&trace).build()?;
/// rt.block_on(async { runtime::yield_now().await });
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// Print the [`Timeline`](super::Timeline) to stderr, and its per-task summary when
    /// the runtime is dropped.
    pub terminal: bool,
    /// How much the terminal timeline shows: compact (the default) or every event.
    pub detail: super::Detail,
    /// Write a [`ChromeTrace`](super::ChromeTrace) to this file when the runtime is dropped.
    pub chrome: Option<PathBuf>,
    /// Write an [`HtmlTrace`](super::HtmlTrace), the step-by-step replay, to this file when
    /// the runtime is dropped.
    pub html: Option<PathBuf>,
}

impl Config {
    /// No output.
    pub fn new() -> Config {
        Config::default()
    }

    /// Whether no output is asked for.
    pub fn is_off(&self) -> bool {
        !self.terminal && self.chrome.is_none() && self.html.is_none()
    }

    /// Parses a [`ENV_VAR`] value: a comma-separated list of
    ///
    /// - `1` (or `terminal`): the terminal timeline, compact;
    /// - `full`: the terminal timeline, one line per event;
    /// - `chrome:PATH`: a Chrome trace file. It must come last, and `PATH` is everything
    ///   after `chrome:`, commas included;
    /// - `html:PATH`: the step-by-step HTML replay, last in the same way (so one of
    ///   `chrome:` and `html:` per value);
    /// - `0` (or `off`): nothing; an empty item is ignored.
    ///
    /// # Errors
    /// [`ConfigError::UnknownItem`] for any other item, [`ConfigError::MissingPath`] for
    /// `chrome:` or `html:` with nothing after it.
    ///
    /// ```
    /// use runtime::trace::Config;
    ///
    /// let config = Config::parse("1,chrome:trace.json")?;
    /// assert!(config.terminal);
    /// assert_eq!(config.chrome.as_deref(), Some("trace.json".as_ref()));
    /// assert!(Config::parse("0")?.is_off());
    /// # Ok::<(), runtime::trace::ConfigError>(())
    /// ```
    pub fn parse(spec: &str) -> Result<Config, ConfigError> {
        let mut config = Config::new();
        let mut rest = spec.trim();
        while !rest.is_empty() {
            if let Some((item, path)) = ["chrome:", "html:"]
                .into_iter()
                .find_map(|item| Some((item, rest.strip_prefix(item)?)))
            {
                if path.is_empty() {
                    return Err(ConfigError::MissingPath(item));
                }
                match item {
                    "chrome:" => config.chrome = Some(PathBuf::from(path)),
                    _ => config.html = Some(PathBuf::from(path)),
                }
                break;
            }
            let (item, after) = rest.split_once(',').unwrap_or((rest, ""));
            match item.trim() {
                "1" | "terminal" => config.terminal = true,
                "full" => {
                    config.terminal = true;
                    config.detail = super::Detail::Full;
                }
                "0" | "off" | "" => {}
                other => return Err(ConfigError::UnknownItem(other.to_string())),
            }
            rest = after.trim_start();
        }
        Ok(config)
    }

    /// Parses [`ENV_VAR`] from the environment; no output when it is unset.
    ///
    /// # Errors
    /// As [`Config::parse`]; also [`ConfigError::UnknownItem`] if the value is not UTF-8.
    pub fn from_env() -> Result<Config, ConfigError> {
        match std::env::var_os(ENV_VAR) {
            None => Ok(Config::new()),
            Some(value) => match value.to_str() {
                Some(value) => Config::parse(value),
                None => Err(ConfigError::UnknownItem(
                    value.to_string_lossy().into_owned(),
                )),
            },
        }
    }

    /// Takes the trace flags out of command-line arguments (pass them without the program
    /// name) and returns the others, in order:
    ///
    /// - `--trace`: the terminal timeline, compact; `--trace=full`: every event;
    /// - `--trace-json PATH` (or `--trace-json=PATH`): a Chrome trace file;
    /// - `--trace-html PATH` (or `--trace-html=PATH`): the step-by-step HTML replay.
    ///
    /// # Errors
    /// [`ConfigError::MissingPath`] when `--trace-json` or `--trace-html` has no path.
    ///
    /// ```
    /// use runtime::trace::Config;
    ///
    /// let args = ["--trace-json", "out.json", "swapi.dev", "--trace"].map(String::from);
    /// let (config, rest) = Config::from_args(args)?;
    /// assert!(config.terminal);
    /// assert_eq!(config.chrome.as_deref(), Some("out.json".as_ref()));
    /// assert_eq!(rest, ["swapi.dev"]);
    /// # Ok::<(), runtime::trace::ConfigError>(())
    /// ```
    pub fn from_args<I>(args: I) -> Result<(Config, Vec<String>), ConfigError>
    where
        I: IntoIterator<Item = String>,
    {
        let mut config = Config::new();
        let mut rest = Vec::new();
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            if arg == "--trace" {
                config.terminal = true;
            } else if arg == "--trace=full" {
                config.terminal = true;
                config.detail = super::Detail::Full;
            } else if let Some((flag, path)) = path_flag(&arg, &mut args) {
                let path = path
                    .filter(|p| !p.is_empty())
                    .ok_or(ConfigError::MissingPath(flag))?;
                match flag {
                    "--trace-json" => config.chrome = Some(path.into()),
                    _ => config.html = Some(path.into()),
                }
            } else {
                rest.push(arg);
            }
        }
        Ok((config, rest))
    }
}

/// If `arg` is `--trace-json` or `--trace-html`, the flag and its path: after `=`, or the
/// next argument (`None` when there is none).
fn path_flag(
    arg: &str,
    args: &mut impl Iterator<Item = String>,
) -> Option<(&'static str, Option<String>)> {
    for flag in ["--trace-json", "--trace-html"] {
        if arg == flag {
            return Some((flag, args.next()));
        }
        if let Some(path) = arg
            .strip_prefix(flag)
            .and_then(|rest| rest.strip_prefix('='))
        {
            return Some((flag, Some(path.to_owned())));
        }
    }
    None
}

/// The outputs a builder attaches, given its explicit settings and whether it reads
/// [`ENV_VAR`] (`from_env`). A value of the variable that cannot be read is reported on
/// stderr and ignored.
///
/// # Errors
/// As [`merge`].
pub(crate) fn resolve(
    terminal: Option<bool>,
    detail: Option<super::Detail>,
    chrome: Option<PathBuf>,
    html: Option<PathBuf>,
    from_env: bool,
) -> io::Result<Config> {
    let env = match from_env {
        true => Config::from_env().unwrap_or_else(|e| {
            let _ = writeln!(io::stderr(), "tinyloop: ignoring {ENV_VAR}: {e}");
            Config::new()
        }),
        false => Config::new(),
    };
    merge(terminal, detail, chrome, html, env)
}

/// The outputs a builder attaches: each explicit setting (`Some`) wins over `env`, the
/// value of [`ENV_VAR`].
///
/// A Chrome trace file that `env` asks for (and the builder does not override) is created
/// now, empty until the runtime is dropped: a path that cannot be written fails the build,
/// as `--trace-json` does, rather than losing the trace after the run.
///
/// # Errors
/// If that file cannot be created; the message names the variable, the path and why.
fn merge(
    terminal: Option<bool>,
    detail: Option<super::Detail>,
    chrome: Option<PathBuf>,
    html: Option<PathBuf>,
    env: Config,
) -> io::Result<Config> {
    if let (None, Some(path)) = (&chrome, &env.chrome) {
        File::create(path).map_err(|e| cannot_write("chrome", path, &e))?;
    }
    if let (None, Some(path)) = (&html, &env.html) {
        File::create(path).map_err(|e| cannot_write("html", path, &e))?;
    }
    Ok(Config {
        terminal: terminal.unwrap_or(env.terminal),
        detail: detail.unwrap_or(env.detail),
        chrome: chrome.or(env.chrome),
        html: html.or(env.html),
    })
}

/// Why the Chrome trace file of [`ENV_VAR`] cannot be used, naming both.
fn cannot_write(item: &str, path: &Path, e: &io::Error) -> io::Error {
    io::Error::new(
        e.kind(),
        format!(
            "{ENV_VAR}={item}:{}: cannot write there: {e}",
            path.display()
        ),
    )
}

/// Why a trace configuration could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// An item of [`ENV_VAR`] that is none of `1`, `terminal`, `0`, `off`, `chrome:PATH`.
    UnknownItem(String),
    /// `chrome:` or `--trace-json` without a path.
    MissingPath(&'static str),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::UnknownItem(item) => write!(
                f,
                "unknown {ENV_VAR} item `{item}` (expected 1, chrome:PATH, or 1,chrome:PATH)"
            ),
            ConfigError::MissingPath(what) => write!(f, "{what} needs a file path"),
        }
    }
}

impl Error for ConfigError {}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::{merge, Config, ConfigError};

    fn chrome(path: &str) -> Option<PathBuf> {
        Some(PathBuf::from(path))
    }

    #[test]
    fn one_turns_on_the_terminal_timeline_only() {
        let config = Config::parse("1").unwrap();
        assert!(config.terminal);
        assert_eq!(config.chrome, None);
    }

    #[test]
    fn html_takes_the_rest_of_the_value_as_its_path_like_chrome() {
        let config = Config::parse("1,html:/tmp/run,1.html").unwrap();
        assert!(config.terminal);
        assert_eq!(config.html.as_deref(), Some("/tmp/run,1.html".as_ref()));
        assert_eq!(config.chrome, None);
        assert_eq!(
            Config::parse("html:").unwrap_err(),
            ConfigError::MissingPath("html:")
        );
        let (args, rest) =
            Config::from_args(["--trace-html=a.html", "x"].map(String::from)).unwrap();
        assert_eq!(args.html.as_deref(), Some("a.html".as_ref()));
        assert_eq!(rest, ["x"]);
    }

    #[test]
    fn chrome_takes_the_rest_of_the_value_as_its_path_commas_included() {
        let config = Config::parse("terminal, chrome:/tmp/a,b.json").unwrap();
        assert!(config.terminal);
        assert_eq!(config.chrome, chrome("/tmp/a,b.json"));
        assert_eq!(
            Config::parse("chrome:t.json").unwrap().chrome,
            chrome("t.json")
        );
    }

    #[test]
    fn zero_off_and_empty_turn_everything_off() {
        for spec in ["", "0", "off", " ", "0,"] {
            assert!(Config::parse(spec).unwrap().is_off(), "{spec:?}");
        }
    }

    #[test]
    fn unknown_items_and_empty_paths_are_errors() {
        assert_eq!(
            Config::parse("yes"),
            Err(ConfigError::UnknownItem("yes".into()))
        );
        assert_eq!(
            Config::parse("1,chrome:"),
            Err(ConfigError::MissingPath("chrome:"))
        );
    }

    #[test]
    fn flags_are_taken_out_and_other_arguments_kept_in_order() {
        let args = ["a", "--trace", "b", "--trace-json=x.json", "c"].map(String::from);
        let (config, rest) = Config::from_args(args).unwrap();
        assert!(config.terminal);
        assert_eq!(config.chrome, chrome("x.json"));
        assert_eq!(rest, ["a", "b", "c"]);
    }

    #[test]
    fn explicit_builder_settings_win_over_the_environment() {
        let path = std::env::temp_dir().join(format!("tinyloop-env-{}.json", std::process::id()));
        let env = Config::parse(&format!("1,chrome:{}", path.display())).unwrap();
        let unset = merge(None, None, None, None, env.clone()).unwrap();
        assert_eq!(unset, env);
        assert!(
            path.exists(),
            "the file the environment asks for is created at once"
        );
        std::fs::remove_file(&path).unwrap();
        let explicit = merge(Some(false), None, Some("mine.json".into()), None, env).unwrap();
        assert!(!explicit.terminal);
        assert_eq!(explicit.chrome, chrome("mine.json"));
        assert!(!path.exists(), "an overridden path is left alone");
        assert!(
            merge(Some(true), None, None, None, Config::new())
                .unwrap()
                .terminal
        );
    }

    #[test]
    fn a_trace_file_the_environment_asks_for_that_cannot_be_created_is_an_error() {
        let env = Config::parse("chrome:/nonexistent/dir/x.json").unwrap();
        let error = merge(None, None, None, None, env.clone()).unwrap_err();
        // The operating system's own words end the message; they vary (Miri's differ).
        assert_eq!(error.kind(), std::io::ErrorKind::NotFound);
        assert!(
            error
                .to_string()
                .starts_with("RUNTIME_TRACE=chrome:/nonexistent/dir/x.json: cannot write there: "),
            "{error}"
        );
        // A builder that writes its trace elsewhere never touches that path.
        assert!(merge(None, None, Some("mine.json".into()), None, env).is_ok());
    }

    #[test]
    fn trace_json_without_a_path_is_an_error() {
        let args = ["--trace-json"].map(String::from);
        assert_eq!(
            Config::from_args(args),
            Err(ConfigError::MissingPath("--trace-json"))
        );
    }
}
