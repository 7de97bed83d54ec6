//! An ordered list of header fields with case-insensitive lookup.

/// The header fields of a response head or of a chunked body's trailer
/// section.
///
/// Fields are kept in the order they arrived, repeated names included, and
/// with names spelled as the server sent them. Lookups compare names ASCII
/// case-insensitively, as HTTP requires.
///
/// Values are text. A value that is valid UTF-8 is kept as is; any other
/// value is read as ISO-8859-1 (each byte becomes the character with the
/// same number), which HTTP historically used and which loses no byte.
///
/// ```
/// use fetcher::Headers;
///
/// let mut headers = Headers::new();
/// headers.append("Set-Cookie", "a=1");
/// headers.append("Content-Type", "text/plain");
/// headers.append("set-cookie", "b=2");
///
/// assert_eq!(headers.get("content-type"), Some("text/plain"));
/// assert_eq!(headers.get_all("SET-COOKIE").collect::<Vec<_>>(), ["a=1", "b=2"]);
/// assert_eq!(headers.len(), 3);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers {
    fields: Vec<(String, String)>,
}

impl Headers {
    /// Creates an empty list.
    pub fn new() -> Self {
        Headers::default()
    }

    /// Adds a field at the end, keeping any earlier fields of the same name.
    pub fn append(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.fields.push((name.into(), value.into()));
    }

    /// The value of the first field called `name`, if there is one.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(field, _)| field.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The values of every field called `name`, in the order they arrived.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.fields
            .iter()
            .filter(move |(field, _)| field.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// Whether at least one field is called `name`.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Every field as `(name, value)`, in the order they arrived.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.fields
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
    }

    /// How many fields there are, counting repeated names.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether there are no fields.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Copies the fields parsed by `httparse`, decoding each value as
    /// described on [`Headers`].
    pub(crate) fn from_parsed(parsed: &[httparse::Header<'_>]) -> Self {
        let fields = parsed
            .iter()
            .map(|field| (field.name.to_owned(), decode_value(field.value)))
            .collect();
        Headers { fields }
    }
}

/// Turns a field value into text: UTF-8 when it is valid UTF-8, otherwise
/// ISO-8859-1.
fn decode_value(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => bytes.iter().map(|&byte| char::from(byte)).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Headers {
        let mut headers = Headers::new();
        headers.append("Vary", "Accept");
        headers.append("Content-Length", "5");
        headers.append("vary", "Origin");
        headers
    }

    #[test]
    fn get_is_case_insensitive_and_returns_the_first_value() {
        let headers = sample();
        assert_eq!(headers.get("VARY"), Some("Accept"));
        assert_eq!(headers.get("content-length"), Some("5"));
        assert_eq!(headers.get("missing"), None);
        assert!(headers.contains("Content-length"));
        assert!(!headers.contains("missing"));
    }

    #[test]
    fn get_all_keeps_repeated_fields_in_order() {
        let headers = sample();
        assert_eq!(
            headers.get_all("vary").collect::<Vec<_>>(),
            ["Accept", "Origin"]
        );
        assert_eq!(headers.get_all("missing").count(), 0);
    }

    #[test]
    fn iteration_keeps_order_and_original_spelling() {
        let headers = sample();
        let fields: Vec<_> = headers.iter().collect();
        assert_eq!(
            fields,
            [
                ("Vary", "Accept"),
                ("Content-Length", "5"),
                ("vary", "Origin")
            ]
        );
    }

    #[test]
    fn values_that_are_not_utf8_are_read_as_latin1() {
        let parsed = [
            httparse::Header {
                name: "X-Utf8",
                value: "caf\u{e9}".as_bytes(),
            },
            httparse::Header {
                name: "X-Latin1",
                value: b"caf\xe9",
            },
        ];
        let headers = Headers::from_parsed(&parsed);
        assert_eq!(headers.get("x-utf8"), Some("caf\u{e9}"));
        assert_eq!(headers.get("x-latin1"), Some("caf\u{e9}"));
    }
}
