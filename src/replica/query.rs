//! Query strings, read and rewritten the way SWAPI's framework does it.
//!
//! SWAPI builds `next` and `previous` by taking the request's own query,
//! setting `page`, and encoding the result again. Its query object keeps each
//! parameter name once, at the position where it first appeared, with all of
//! its values; setting `page` replaces its values in place, or adds it at the
//! end. Encoding is HTML-form style: a space becomes `+`, and every byte
//! other than ASCII letters, digits and `_.-~` becomes `%XX`. So
//! `?search=r2 d2` is linked to as `?search=r2+d2&page=2`.

/// A decoded query: parameter names in first-appearance order, each with its
/// values in the order they were sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Query {
    params: Vec<(String, Vec<String>)>,
}

impl Query {
    /// Decodes a raw query (the part after `?`, without the `?`).
    ///
    /// Pairs are separated by `&`; empty pairs are skipped; a pair without
    /// `=` has an empty value. `+` means space and `%XX` a byte; bytes that
    /// do not form UTF-8 become U+FFFD. Never fails.
    pub(crate) fn parse(raw: &str) -> Query {
        let mut query = Query::default();
        for pair in raw.split('&').filter(|pair| !pair.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            query.push(decode_component(name, true), decode_component(value, true));
        }
        query
    }

    fn push(&mut self, name: String, value: String) {
        match self.params.iter_mut().find(|(n, _)| *n == name) {
            Some((_, values)) => values.push(value),
            None => self.params.push((name, vec![value])),
        }
    }

    /// The last value sent for `name`, as the framework's `get` returns.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        let (_, values) = self.params.iter().find(|(n, _)| n == name)?;
        values.last().map(String::as_str)
    }

    /// A copy with `name` set to the single value `value`: in place if the
    /// name is present, otherwise appended.
    pub(crate) fn with(&self, name: &str, value: &str) -> Query {
        let mut query = self.clone();
        match query.params.iter_mut().find(|(n, _)| n == name) {
            Some((_, values)) => *values = vec![value.to_owned()],
            None => query.params.push((name.to_owned(), vec![value.to_owned()])),
        }
        query
    }

    /// Encodes the query form-style, without a leading `?`.
    pub(crate) fn encode(&self) -> String {
        let mut out = String::new();
        for (name, values) in &self.params {
            for value in values {
                if !out.is_empty() {
                    out.push('&');
                }
                encode_component(name, &mut out);
                out.push('=');
                encode_component(value, &mut out);
            }
        }
        out
    }
}

/// Percent-decodes `text`; with `plus_is_space`, `+` decodes to a space (as
/// in query strings, but not in paths). A `%` not followed by two hex digits
/// is kept literally.
pub(crate) fn decode_component(text: &str, plus_is_space: bool) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        let escaped = match (byte, bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&hi), Some(&lo)) => hex(hi).zip(hex(lo)).map(|(hi, lo)| (hi << 4) | lo),
            _ => None,
        };
        match escaped {
            Some(decoded) => {
                out.push(decoded);
                i += 3;
            }
            None => {
                out.push(if byte == b'+' && plus_is_space {
                    b' '
                } else {
                    byte
                });
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(digit: u8) -> Option<u8> {
    char::from(digit)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

/// Appends `text` form-encoded: `' '` as `+`, unreserved bytes as they are,
/// everything else as `%XX` (upper-case hex).
fn encode_component(text: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b'-' | b'~' => {
                out.push(char::from(byte));
            }
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push(char::from(HEX[usize::from(byte >> 4)]));
                out.push(char::from(HEX[usize::from(byte & 0xf)]));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_decodes_plus_and_percent_escapes() {
        let query = Query::parse("search=r2+d2%2Cc-3po&x=%E2%9C%93");
        assert_eq!(query.get("search"), Some("r2 d2,c-3po"));
        assert_eq!(query.get("x"), Some("✓"));
    }

    #[test]
    fn get_returns_the_last_value_and_bare_names_are_empty() {
        let query = Query::parse("page=1&flag&page=3&&");
        assert_eq!(query.get("page"), Some("3"));
        assert_eq!(query.get("flag"), Some(""));
        assert_eq!(query.get("missing"), None);
    }

    #[test]
    fn with_replaces_in_place_or_appends() {
        let query = Query::parse("page=1&search=a");
        assert_eq!(query.with("page", "2").encode(), "page=2&search=a");
        assert_eq!(
            Query::parse("search=a").with("page", "2").encode(),
            "search=a&page=2"
        );
        assert_eq!(Query::default().with("page", "2").encode(), "page=2");
    }

    #[test]
    fn repeated_names_are_grouped_where_they_first_appeared() {
        let query = Query::parse("a=1&b=2&a=3");
        assert_eq!(query.encode(), "a=1&a=3&b=2");
    }

    #[test]
    fn encode_is_form_style() {
        let query = Query::parse("search=r2 d2,x/y~z");
        assert_eq!(query.encode(), "search=r2+d2%2Cx%2Fy~z");
    }

    #[test]
    fn malformed_escapes_are_kept_and_bad_utf8_is_replaced() {
        assert_eq!(decode_component("100%", true), "100%");
        assert_eq!(decode_component("%zz%4", true), "%zz%4");
        assert_eq!(decode_component("%FF", true), "\u{FFFD}");
        assert_eq!(decode_component("a+b", false), "a+b");
    }
}
