//! Writing a request head (and body) as HTTP/1.1 bytes.
//!
//! Encoding needs no state: every input is known up front, so it is one
//! function call that checks the parts and appends bytes to a buffer.

use super::syntax;
use crate::Error;

/// The `User-Agent` sent when the request's headers name none.
pub const DEFAULT_USER_AGENT: &str = concat!("fetcher/", env!("CARGO_PKG_VERSION"));

/// Header fields that [`Request::encode`] writes itself from the other
/// fields, and that are therefore refused in [`Request::headers`].
const MANAGED_HEADERS: [&str; 4] = ["Host", "Content-Length", "Transfer-Encoding", "Connection"];

/// Everything needed to write one HTTP/1.1 request, as plain values.
///
/// The fields are public so a request reads like a literal; start from
/// [`Request::new`] and change the rest with struct update syntax.
///
/// ```
/// use fetcher::codec::Request;
///
/// let request = Request {
///     port: Some(8080),
///     headers: &[("Accept", "application/json")],
///     body: Some(b"{}"),
///     ..Request::new("POST", "example.com", "/api?x=1")
/// };
/// let mut bytes = Vec::new();
/// request.encode(&mut bytes)?;
/// assert!(bytes.starts_with(b"POST /api?x=1 HTTP/1.1\r\nHost: example.com:8080\r\n"));
/// assert!(bytes.ends_with(b"Content-Length: 2\r\n\r\n{}"));
/// # Ok::<(), fetcher::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request<'a> {
    /// The method, e.g. `"GET"`. Must be an HTTP token.
    pub method: &'a str,
    /// The host name or IP address, without port. An IPv6 address may be
    /// given with or without brackets.
    pub host: &'a str,
    /// The port, only when it is not the scheme's default: it then appears
    /// in the `Host` header. [`url::Url::port`] already returns it this way.
    pub port: Option<u16>,
    /// The request target in origin form: path and optional query, starting
    /// with `/` (see [`origin_form`]). `"*"` is accepted for `OPTIONS`.
    pub target: &'a str,
    /// Extra header fields, written in order after `Host`, `User-Agent` and
    /// `Accept`. Giving `User-Agent` or `Accept` here replaces the default.
    /// `Host`, `Content-Length`, `Transfer-Encoding` and `Connection` are
    /// derived from the other fields and refused here.
    pub headers: &'a [(&'a str, &'a str)],
    /// The body. `Some` (even when empty) adds `Content-Length`; `None`
    /// sends no body and no `Content-Length`.
    pub body: Option<&'a [u8]>,
    /// Whether the connection may carry further requests. `false` adds
    /// `Connection: close`; HTTP/1.1 keeps connections open by default, so
    /// `true` adds nothing.
    pub keep_alive: bool,
}

impl<'a> Request<'a> {
    /// A request with no port, no extra headers, no body, and keep-alive on.
    pub fn new(method: &'a str, host: &'a str, target: &'a str) -> Self {
        Request {
            method,
            host,
            port: None,
            target,
            headers: &[],
            body: None,
            keep_alive: true,
        }
    }

    /// Whether this is a `HEAD` request, whose response never has a body.
    pub fn is_head(&self) -> bool {
        self.method == "HEAD"
    }

    /// Appends the request head and body to `out`.
    ///
    /// Every part is checked before anything is written, so on error `out`
    /// is unchanged. Fails with [`Error::InvalidRequest`] when the method or
    /// a header name is not a token, the target is not in origin form, the
    /// host is malformed, a header value contains CR, LF, NUL or another
    /// control character (which could split the request in two), or a
    /// header is one of those derived from other fields.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        syntax::check_method(self.method)?;
        syntax::check_target(self.target)?;
        let host = syntax::host_for_header(self.host)?;
        for &(name, value) in self.headers {
            syntax::check_field(name, value)?;
            check_not_managed(name)?;
        }

        out.extend_from_slice(self.method.as_bytes());
        out.push(b' ');
        out.extend_from_slice(self.target.as_bytes());
        out.extend_from_slice(b" HTTP/1.1\r\n");

        match self.port {
            Some(port) => write_field(out, "Host", &format!("{host}:{port}")),
            None => write_field(out, "Host", &host),
        }
        if !self.has_header("User-Agent") {
            write_field(out, "User-Agent", DEFAULT_USER_AGENT);
        }
        if !self.has_header("Accept") {
            write_field(out, "Accept", "*/*");
        }
        for &(name, value) in self.headers {
            write_field(out, name, value);
        }
        if let Some(body) = self.body {
            write_field(out, "Content-Length", &body.len().to_string());
        }
        if !self.keep_alive {
            write_field(out, "Connection", "close");
        }
        out.extend_from_slice(b"\r\n");

        if let Some(body) = self.body {
            out.extend_from_slice(body);
        }
        Ok(())
    }

    fn has_header(&self, name: &str) -> bool {
        self.headers
            .iter()
            .any(|(field, _)| field.eq_ignore_ascii_case(name))
    }
}

/// The origin-form request target of `url`: its path and, if present, `?`
/// and its query. The fragment is never sent.
///
/// ```
/// let url = url::Url::parse("https://example.com/a/b?q=1#top").unwrap();
/// assert_eq!(fetcher::codec::origin_form(&url), "/a/b?q=1");
/// ```
pub fn origin_form(url: &url::Url) -> &str {
    let target = &url[url::Position::BeforePath..url::Position::AfterQuery];
    if target.is_empty() {
        "/"
    } else {
        target
    }
}

/// Refuses a header that [`Request::encode`] derives from other fields.
fn check_not_managed(name: &str) -> Result<(), Error> {
    match MANAGED_HEADERS
        .iter()
        .find(|managed| managed.eq_ignore_ascii_case(name))
    {
        Some(managed) => Err(Error::invalid_request(format!(
            "header {managed} is written from the request's other fields; remove it from `headers`"
        ))),
        None => Ok(()),
    }
}

fn write_field(out: &mut Vec<u8>, name: &str, value: &str) {
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b": ");
    out.extend_from_slice(value.as_bytes());
    out.extend_from_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(request: Request<'_>) -> Result<String, Error> {
        let mut out = Vec::new();
        request.encode(&mut out)?;
        Ok(String::from_utf8(out).expect("test requests are ASCII"))
    }

    fn ua() -> String {
        format!("User-Agent: {DEFAULT_USER_AGENT}\r\n")
    }

    #[test]
    fn get_request_bytes_are_exact() {
        let bytes = encode(Request::new("GET", "example.com", "/a?b=c")).unwrap();
        let expected = format!(
            "GET /a?b=c HTTP/1.1\r\nHost: example.com\r\n{}Accept: */*\r\n\r\n",
            ua()
        );
        assert_eq!(bytes, expected);
    }

    #[test]
    fn head_request_bytes_are_exact() {
        let request = Request::new("HEAD", "example.com", "/");
        assert!(request.is_head());
        let expected = format!(
            "HEAD / HTTP/1.1\r\nHost: example.com\r\n{}Accept: */*\r\n\r\n",
            ua()
        );
        assert_eq!(encode(request).unwrap(), expected);
    }

    #[test]
    fn body_adds_content_length_and_follows_the_head() {
        let request = Request {
            headers: &[("Content-Type", "text/plain")],
            body: Some(b"hello"),
            ..Request::new("POST", "example.com", "/submit")
        };
        let expected = format!(
            "POST /submit HTTP/1.1\r\nHost: example.com\r\n{}Accept: */*\r\n\
             Content-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello",
            ua()
        );
        assert_eq!(encode(request).unwrap(), expected);
    }

    #[test]
    fn empty_body_still_sends_content_length_zero() {
        let request = Request {
            body: Some(b""),
            ..Request::new("POST", "example.com", "/")
        };
        assert!(encode(request)
            .unwrap()
            .ends_with("Content-Length: 0\r\n\r\n"));
    }

    #[test]
    fn non_default_port_goes_into_host() {
        let request = Request {
            port: Some(8080),
            ..Request::new("GET", "example.com", "/")
        };
        let expected = format!(
            "GET / HTTP/1.1\r\nHost: example.com:8080\r\n{}Accept: */*\r\n\r\n",
            ua()
        );
        assert_eq!(encode(request).unwrap(), expected);
    }

    #[test]
    fn ipv6_hosts_are_bracketed() {
        for host in ["::1", "[::1]"] {
            let request = Request {
                port: Some(8443),
                ..Request::new("GET", host, "/")
            };
            assert!(encode(request)
                .unwrap()
                .contains("\r\nHost: [::1]:8443\r\n"));
        }
    }

    #[test]
    fn given_user_agent_and_accept_replace_the_defaults() {
        let request = Request {
            headers: &[("user-agent", "probe/1"), ("ACCEPT", "text/html")],
            ..Request::new("GET", "example.com", "/")
        };
        assert_eq!(
            encode(request).unwrap(),
            "GET / HTTP/1.1\r\nHost: example.com\r\nuser-agent: probe/1\r\nACCEPT: text/html\r\n\r\n"
        );
    }

    #[test]
    fn keep_alive_off_sends_connection_close() {
        let request = Request {
            keep_alive: false,
            ..Request::new("GET", "example.com", "/")
        };
        assert!(encode(request)
            .unwrap()
            .ends_with("Connection: close\r\n\r\n"));
    }

    #[test]
    fn header_values_that_could_split_the_request_are_rejected() {
        for value in ["a\r\nX-Injected: 1", "a\nb", "a\rb", "a\0b"] {
            let headers = [("X-Test", value)];
            let request = Request {
                headers: &headers,
                ..Request::new("GET", "example.com", "/")
            };
            let mut out = b"untouched".to_vec();
            let error = request.encode(&mut out).unwrap_err();
            assert!(matches!(&error, Error::InvalidRequest(m) if m.contains("CR, LF, NUL")));
            assert_eq!(out, b"untouched", "nothing is written on error");
        }
    }

    #[test]
    fn derived_headers_are_rejected() {
        for name in ["Host", "content-length", "Transfer-Encoding", "connection"] {
            let headers = [(name, "x")];
            let request = Request {
                headers: &headers,
                ..Request::new("GET", "example.com", "/")
            };
            assert!(matches!(encode(request), Err(Error::InvalidRequest(_))));
        }
    }

    #[test]
    fn origin_form_takes_path_and_query_only() {
        let cases = [
            ("http://example.com", "/"),
            ("http://example.com/", "/"),
            ("http://example.com:8080/a/b", "/a/b"),
            ("https://example.com/a?x=1&y=2#frag", "/a?x=1&y=2"),
            ("https://example.com/a b", "/a%20b"),
        ];
        for (url, target) in cases {
            let url = url::Url::parse(url).unwrap();
            assert_eq!(origin_form(&url), target);
        }
    }
}
