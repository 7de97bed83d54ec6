//! A parsed request: only what the replica needs to answer it.

use std::fmt;

/// The scheme a server listens with. URLs in answers start with it, so a
/// replica behind TLS must say [`Scheme::Https`] for its links to work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// Plain-text HTTP.
    Http,
    /// HTTP over TLS.
    Https,
}

impl Scheme {
    /// `"http"` or `"https"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The protocol version a request was sent with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    /// HTTP/1.0: connections close after one exchange unless the client asks
    /// for `Connection: keep-alive`.
    Http10,
    /// HTTP/1.1: connections stay open unless either side says
    /// `Connection: close`.
    Http11,
}

/// One request, as the router sees it.
///
/// [`RequestReader`](super::RequestReader) builds these from bytes and
/// guarantees the invariants stated on each field; [`Request::get`] builds
/// them directly, for tests and examples.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The method token exactly as sent. Methods are case-sensitive: `get`
    /// is not `GET`.
    pub method: String,
    /// The path and optional query (`/api/people/?page=2`), starting with
    /// `/`, with percent-escapes left as sent. Contains no whitespace or
    /// control characters.
    pub target: String,
    /// The protocol version of the request line.
    pub version: Version,
    /// The scheme the server is listening with.
    pub scheme: Scheme,
    /// The authority the client addressed, `host` or `host:port`, taken from
    /// the `Host` header (or an absolute-form target). Consists only of
    /// ASCII letters, digits, `.`, `-`, a bracketed IPv6 address and an
    /// optional numeric port, so it is safe to put into URLs and headers.
    pub host: String,
    /// The `Accept` header, if sent (several fields joined with `, `).
    pub accept: Option<String>,
    /// The `If-None-Match` header, if sent (several fields joined with `, `).
    pub if_none_match: Option<String>,
    /// Whether the connection stays open after this request is answered:
    /// HTTP/1.1 unless `Connection: close`; HTTP/1.0 only with
    /// `Connection: keep-alive`.
    pub keep_alive: bool,
}

impl Request {
    /// An HTTP/1.1 `GET` for `target` on `host`, keeping the connection
    /// alive, with no `Accept` or `If-None-Match`.
    ///
    /// The arguments are taken as given, not checked: `target` should start
    /// with `/`, and `host` should be a plain authority such as `swapi.dev`
    /// or `127.0.0.1:8000`.
    pub fn get(scheme: Scheme, host: &str, target: &str) -> Request {
        Request {
            method: "GET".to_owned(),
            target: target.to_owned(),
            version: Version::Http11,
            scheme,
            host: host.to_owned(),
            accept: None,
            if_none_match: None,
            keep_alive: true,
        }
    }

    /// The target's path: everything before the first `?`.
    pub fn path(&self) -> &str {
        self.target
            .split_once('?')
            .map_or(self.target.as_str(), |(path, _)| path)
    }

    /// The target's query: everything after the first `?`, if there is one.
    pub fn query(&self) -> Option<&str> {
        self.target.split_once('?').map(|(_, query)| query)
    }

    /// The scheme and authority every URL in the answer starts with, e.g.
    /// `https://swapi.dev`.
    pub fn origin(&self) -> String {
        format!("{}://{}", self.scheme, self.host)
    }
}

/// Whether `authority` is a host name or IP address with an optional port,
/// in the characters a URL authority allows and nothing else (no user info,
/// no path): `swapi.dev`, `127.0.0.1:8000`, `[::1]:8443`.
pub(crate) fn is_valid_authority(authority: &str) -> bool {
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() && (!host.contains(':') || host.ends_with(']')) => {
            (host, Some(port))
        }
        _ => (authority, None),
    };
    let host_ok = match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        Some(ipv6) => {
            ipv6.contains(':')
                && ipv6
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
        }
        None => {
            !host.is_empty()
                && host
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        }
    };
    let port_ok =
        port.is_none_or(|p| (1..=5).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()));
    host_ok && port_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_and_query_split_at_the_first_question_mark() {
        let request = Request::get(Scheme::Http, "h", "/api/people/?search=a?b");
        assert_eq!(request.path(), "/api/people/");
        assert_eq!(request.query(), Some("search=a?b"));
        assert_eq!(Request::get(Scheme::Http, "h", "/api/").query(), None);
    }

    #[test]
    fn origin_joins_scheme_and_host() {
        assert_eq!(
            Request::get(Scheme::Https, "swapi.dev", "/").origin(),
            "https://swapi.dev"
        );
    }

    #[test]
    fn authorities_are_hosts_with_optional_ports() {
        for good in [
            "swapi.dev",
            "localhost",
            "127.0.0.1:8000",
            "[::1]",
            "[::1]:8443",
            "a-b.c:1",
        ] {
            assert!(is_valid_authority(good), "{good}");
        }
        for bad in [
            "",
            ":80",
            "host:",
            "host:123456",
            "user@host",
            "host/path",
            "a b",
            "[::1",
            "::1",
            "h:x",
        ] {
            assert!(!is_valid_authority(bad), "{bad}");
        }
    }
}
