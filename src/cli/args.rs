//! Reading a command line flag by flag.

use std::fmt::Display;
use std::ops::RangeInclusive;
use std::str::FromStr;

use super::UsageError;

/// The arguments after the program name, read one flag at a time.
///
/// A loop takes each flag with [`next_flag`](Args::next_flag) and its value, if it has
/// one, with [`value`](Args::value) or [`parse`](Args::parse). `--flag=value` is read like
/// `--flag value`. A value never starts with `--`: `--trace-json --trace` is a missing
/// path, not a file named `--trace`.
#[derive(Debug)]
pub struct Args {
    /// The arguments not read yet.
    rest: std::vec::IntoIter<String>,
    /// The flag and value of a `--flag=value` whose flag was returned and whose value was
    /// not taken yet.
    inline: Option<(String, String)>,
}

impl Args {
    /// This process's arguments, without the program name. An argument that is not UTF-8
    /// has its bad bytes replaced, so it reads as a value that matches nothing.
    pub fn from_env() -> Args {
        Args::new(
            std::env::args_os()
                .skip(1)
                .map(|arg| arg.to_string_lossy().into_owned()),
        )
    }

    /// The arguments `args`, without the program name.
    pub fn new(args: impl IntoIterator<Item = String>) -> Args {
        Args {
            rest: args.into_iter().collect::<Vec<_>>().into_iter(),
            inline: None,
        }
    }

    /// The next argument: a flag (`--count=3` gives `--count`, and `3` to the next
    /// [`value`](Args::value)), or an argument that is not a flag; `None` at the end.
    ///
    /// # Errors
    /// If the flag returned before was given a value with `=` that it does not take
    /// (`--trace=1`).
    pub fn next_flag(&mut self) -> Result<Option<String>, UsageError> {
        if let Some((flag, value)) = self.inline.take() {
            return Err(UsageError::new(format!(
                "{flag} takes no value, not {value:?}"
            )));
        }
        let Some(arg) = self.rest.next() else {
            return Ok(None);
        };
        if arg.starts_with("--") {
            if let Some((flag, value)) = arg.split_once('=') {
                self.inline = Some((flag.to_owned(), value.to_owned()));
                return Ok(Some(flag.to_owned()));
            }
        }
        Ok(Some(arg))
    }

    /// The `=value` given to the flag just read (`--trace=full`), if any: for a flag whose
    /// value is optional, so `--trace full` stays a flag and an operand.
    pub fn inline_value(&mut self) -> Option<String> {
        self.inline.take().map(|(_, value)| value)
    }

    /// The value of `flag`, the flag just read.
    ///
    /// # Errors
    /// If there is none, if it is empty, or if it is another flag (starts with `--`).
    pub fn value(&mut self, flag: &str) -> Result<String, UsageError> {
        let value = match self.inline.take() {
            Some((_, value)) => Some(value),
            None => self.rest.next(),
        };
        match value {
            None => Err(UsageError::new(format!("{flag} needs a value"))),
            Some(value) if value.is_empty() => Err(UsageError::new(format!(
                "{flag} needs a value, not an empty string"
            ))),
            Some(value) if value.starts_with("--") => Err(UsageError::new(format!(
                "{flag} needs a value, not the flag {value}"
            ))),
            Some(value) => Ok(value),
        }
    }

    /// The value of `flag`, parsed; `wanted` says what it should be, for the error:
    /// `--count wants a whole number, not "ten"`.
    ///
    /// # Errors
    /// As [`value`](Args::value), and if the value does not parse as a `T`.
    pub fn parse<T: FromStr>(&mut self, flag: &str, wanted: &str) -> Result<T, UsageError> {
        let text = self.value(flag)?;
        text.parse()
            .map_err(|_| UsageError::new(format!("{flag} wants {wanted}, not {text:?}")))
    }

    /// The value of `flag`, a whole number in `range`. The error names both bounds, so that
    /// a value too large for the type (`99999999999999999999`) is told the real maximum:
    /// `--max-in-flight wants a whole number from 1 to 18446744073709551615, not
    /// "99999999999999999999"`.
    ///
    /// # Errors
    /// As [`value`](Args::value), and if the value is not a `T` or not in `range`.
    pub fn number<T>(&mut self, flag: &str, range: RangeInclusive<T>) -> Result<T, UsageError>
    where
        T: FromStr + PartialOrd + Display,
    {
        let text = self.value(flag)?;
        match text.parse() {
            Ok(n) if range.contains(&n) => Ok(n),
            _ => Err(UsageError::new(format!(
                "{flag} wants a whole number from {} to {}, not {text:?}",
                range.start(),
                range.end()
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Args {
        Args::new(list.iter().map(|s| s.to_string()))
    }

    #[test]
    fn flags_and_values_are_read_in_turn_with_or_without_an_equals_sign() {
        let mut args = args(&["--count", "3", "--url=http://x/", "--trace", "operand"]);
        assert_eq!(args.next_flag().unwrap().as_deref(), Some("--count"));
        assert_eq!(args.parse::<u32>("--count", "a number"), Ok(3));
        assert_eq!(args.next_flag().unwrap().as_deref(), Some("--url"));
        assert_eq!(args.value("--url").unwrap(), "http://x/");
        assert_eq!(args.next_flag().unwrap().as_deref(), Some("--trace"));
        assert_eq!(args.next_flag().unwrap().as_deref(), Some("operand"));
        assert_eq!(args.next_flag().unwrap(), None);
    }

    #[test]
    fn a_value_is_never_the_next_flag_nor_empty() {
        let mut flag_next = args(&["--trace-json", "--trace"]);
        flag_next.next_flag().unwrap();
        let error = flag_next.value("--trace-json").unwrap_err().to_string();
        assert_eq!(error, "--trace-json needs a value, not the flag --trace");
        let mut at_end = args(&["--url"]);
        at_end.next_flag().unwrap();
        assert_eq!(
            at_end.value("--url").unwrap_err().to_string(),
            "--url needs a value"
        );
        let mut empty = args(&["--url="]);
        empty.next_flag().unwrap();
        assert!(empty
            .value("--url")
            .unwrap_err()
            .to_string()
            .contains("empty"));
    }

    #[test]
    fn an_equals_value_given_to_a_flag_without_one_is_refused() {
        let mut args = args(&["--trace=1"]);
        assert_eq!(args.next_flag().unwrap().as_deref(), Some("--trace"));
        let error = args.next_flag().unwrap_err().to_string();
        assert_eq!(error, "--trace takes no value, not \"1\"");
    }

    #[test]
    fn a_number_out_of_range_or_too_large_for_its_type_is_told_both_bounds() {
        for text in ["0", "65536", "99999999999999999999", "-1", "ten"] {
            let mut args = args(&["--port", text]);
            args.next_flag().unwrap();
            let error = args.number::<u16>("--port", 1..=u16::MAX).unwrap_err();
            assert_eq!(
                error.to_string(),
                format!("--port wants a whole number from 1 to 65535, not {text:?}")
            );
        }
        let mut args = args(&["--port", "65535"]);
        args.next_flag().unwrap();
        assert_eq!(args.number::<u16>("--port", 1..=u16::MAX), Ok(65535));
    }

    #[test]
    fn a_value_that_does_not_parse_is_quoted_with_what_was_wanted() {
        let mut args = args(&["--count", "ten"]);
        args.next_flag().unwrap();
        let error = args.parse::<u32>("--count", "a whole number").unwrap_err();
        assert_eq!(
            error.to_string(),
            "--count wants a whole number, not \"ten\""
        );
    }
}
