//! A request as the caller describes it, and as it goes on the wire.

use std::fmt;

use url::Url;

use crate::codec::{self, origin_form};
use crate::{credentials, Error};

/// An HTTP request to send with [`Client::send`](crate::Client::send).
///
/// Build it from a method and a URL, then add headers and a body. Nothing is
/// checked until it is sent: a malformed URL then fails with
/// [`Error::InvalidUrl`], a malformed method or header with
/// [`Error::InvalidRequest`], before any connection is made.
///
/// `Host`, `Content-Length`, `Transfer-Encoding` and `Connection` are
/// written by the client and refused here; `User-Agent` and `Accept` given
/// here replace the client's.
///
/// A user name and password in the URL (`https://user:pw@host/`) are
/// percent-decoded and sent as `Authorization: Basic`, as curl does, unless
/// an `Authorization` header is given here. They are then taken out of the
/// URL: the [`Response::url`](crate::Response::url), errors and this
/// type's `Debug` show the URL without them. A redirect to another origin
/// does not carry them (see [the crate docs](crate#credentials-in-the-url)).
///
/// ```
/// use fetcher::Request;
///
/// let request = Request::new("POST", "https://example.com/api")
///     .header("Content-Type", "application/json")
///     .body(r#"{"name":"Luke"}"#);
/// assert_eq!(request.method(), "POST");
/// assert_eq!(request.url(), "https://example.com/api");
/// ```
#[derive(Clone, PartialEq, Eq)]
#[must_use = "a Request does nothing until it is sent with `Client::send`"]
pub struct Request {
    method: String,
    url: String,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
}

impl Request {
    /// A request with any method (`"GET"`, `"DELETE"`, `"OPTIONS"`...), no
    /// extra headers and no body.
    pub fn new(method: impl Into<String>, url: impl Into<String>) -> Self {
        Request {
            method: method.into(),
            url: url.into(),
            headers: Vec::new(),
            body: None,
        }
    }

    /// A `GET` request.
    pub fn get(url: impl Into<String>) -> Self {
        Request::new("GET", url)
    }

    /// A `HEAD` request: the response has headers and no body.
    pub fn head(url: impl Into<String>) -> Self {
        Request::new("HEAD", url)
    }

    /// Adds a header field, after any added before; repeated names are all
    /// sent.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets the body, sent with a `Content-Length`.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = Some(body.into());
        self
    }

    /// The method.
    #[must_use]
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The URL, as given: with the user name and password, if it has them.
    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Parses the URL, for sending, and turns a user name and password in
    /// it into an `Authorization` header (unless the request has one).
    ///
    /// # Errors
    /// [`Error::InvalidUrl`].
    pub(crate) fn prepare(self) -> Result<Prepared, Error> {
        let mut url = Url::parse(&self.url)?;
        let mut headers = self.headers;
        if let Some(authorization) = credentials::take(&mut url) {
            if !has_field(&headers, "Authorization") {
                headers.insert(0, ("Authorization".to_owned(), authorization));
            }
        }
        Ok(Prepared {
            url,
            method: self.method,
            headers,
            body: self.body,
        })
    }
}

impl fmt::Debug for Request {
    /// The fields, with the URL's user name and password cut out.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("url", &credentials::without_userinfo(&self.url))
            .field("headers", &self.headers)
            .field("body", &self.body)
            .finish()
    }
}

/// A request ready to go to one URL: the caller's request, or the request a
/// redirect turned it into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Prepared {
    pub(crate) method: String,
    pub(crate) url: Url,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Option<Vec<u8>>,
}

impl Prepared {
    /// Whether sending the request twice has the same effect as once (RFC
    /// 9110 section 9.2.2), which makes it safe to resend on a fresh
    /// connection when a kept-alive one turns out to have been closed.
    pub(crate) fn is_idempotent(&self) -> bool {
        matches!(
            self.method.as_str(),
            "GET" | "HEAD" | "PUT" | "DELETE" | "OPTIONS" | "TRACE"
        )
    }

    /// Appends the request's bytes to `out` with the codec, adding
    /// `user_agent` unless the request names its own. `keep_alive: false`
    /// asks the server to close the connection afterwards.
    ///
    /// # Errors
    /// [`Error::InvalidRequest`] for a malformed method, header or host;
    /// nothing is appended then.
    pub(crate) fn encode(
        &self,
        user_agent: &str,
        keep_alive: bool,
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        let mut headers: Vec<(&str, &str)> = Vec::with_capacity(self.headers.len() + 1);
        if !has_field(&self.headers, "User-Agent") {
            headers.push(("User-Agent", user_agent));
        }
        headers.extend(self.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())));
        let host = self
            .url
            .host_str()
            .ok_or(Error::InvalidUrl(url::ParseError::EmptyHost))?;
        let request = codec::Request {
            port: self.url.port(),
            headers: &headers,
            body: self.body.as_deref(),
            keep_alive,
            ..codec::Request::new(&self.method, host, origin_form(&self.url))
        };
        request.encode(out)
    }
}

/// Whether `headers` has a field called `name` (ASCII case-insensitive).
pub(crate) fn has_field(headers: &[(String, String)], name: &str) -> bool {
    headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(request: Request, keep_alive: bool) -> Result<String, Error> {
        let mut out = Vec::new();
        request.prepare()?.encode("ua/1", keep_alive, &mut out)?;
        Ok(String::from_utf8(out).unwrap())
    }

    #[test]
    fn get_bytes_are_exact() {
        let bytes = encode(Request::get("http://example.com:8080/a?b#frag"), true).unwrap();
        assert_eq!(
            bytes,
            "GET /a?b HTTP/1.1\r\nHost: example.com:8080\r\nAccept: */*\r\nUser-Agent: ua/1\r\n\r\n"
        );
    }

    #[test]
    fn a_user_agent_in_the_request_wins_and_close_is_sent_without_keep_alive() {
        let request = Request::get("https://example.com/").header("user-agent", "mine");
        let bytes = encode(request, false).unwrap();
        assert_eq!(
            bytes,
            "GET / HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\nuser-agent: mine\r\n\
             Connection: close\r\n\r\n"
        );
    }

    #[test]
    fn credentials_in_the_url_are_sent_as_basic_authorization_and_not_in_the_target() {
        let request = Request::get("http://us%65r:p%40ss%3Aword@example.com:8080/a?b");
        assert_eq!(
            encode(request, true).unwrap(),
            // base64("user:p@ss:word")
            "GET /a?b HTTP/1.1\r\nHost: example.com:8080\r\nAccept: */*\r\nUser-Agent: ua/1\r\n\
             Authorization: Basic dXNlcjpwQHNzOndvcmQ=\r\n\r\n"
        );
    }

    #[test]
    fn an_authorization_header_given_wins_over_credentials_in_the_url() {
        let request =
            Request::get("https://user:pw@example.com/").header("authorization", "Bearer t");
        assert_eq!(
            encode(request, true).unwrap(),
            "GET / HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\nUser-Agent: ua/1\r\n\
             authorization: Bearer t\r\n\r\n"
        );
    }

    #[test]
    fn the_prepared_url_and_the_debug_of_a_request_have_no_credentials() {
        let request = Request::get("http://user:hunter2@example.com/x");
        let shown = format!("{request:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains(r#"url: "http://example.com/x""#), "{shown}");
        assert_eq!(request.url(), "http://user:hunter2@example.com/x");
        let prepared = request.prepare().unwrap();
        assert_eq!(prepared.url.as_str(), "http://example.com/x");
        assert_eq!(prepared.url.password(), None);
    }

    #[test]
    fn bad_urls_and_bad_headers_fail_before_sending() {
        assert!(matches!(
            encode(Request::get("not a url"), true),
            Err(Error::InvalidUrl(_))
        ));
        let request = Request::get("http://example.com/").header("X-A", "a\r\nb");
        assert!(matches!(
            encode(request, true),
            Err(Error::InvalidRequest(_))
        ));
    }

    #[test]
    fn idempotent_methods() {
        let prepared = |method: &str| {
            Request::new(method, "http://example.com/")
                .prepare()
                .unwrap()
        };
        assert!(prepared("GET").is_idempotent());
        assert!(prepared("PUT").is_idempotent());
        assert!(!prepared("POST").is_idempotent());
        assert!(!prepared("PATCH").is_idempotent());
    }
}
