//! A complete response: status, headers, the whole body, and the URL that
//! gave it.

use serde::de::DeserializeOwned;
use url::Url;

use crate::codec::{ResponseHead, Version};
use crate::{Error, Headers};

/// The final response to a request, after any redirects, with its body
/// read in full.
///
/// Any status is a response, 404 and 500 included: call
/// [`error_for_status`](Self::error_for_status) to treat 4xx and 5xx as
/// errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    head: ResponseHead,
    body: Vec<u8>,
    /// The trailer fields of a chunked body; empty for any other body.
    trailers: Headers,
    /// The URL that answered with this response: the request's, or the last
    /// redirect's.
    url: Url,
}

impl Response {
    /// Puts together the parts an exchange produced.
    pub(crate) fn new(head: ResponseHead, body: Vec<u8>, trailers: Headers, url: Url) -> Self {
        Response {
            head,
            body,
            trailers,
            url,
        }
    }

    /// The status code, e.g. `200`.
    #[must_use]
    pub fn status(&self) -> u16 {
        self.head.status()
    }

    /// The reason phrase, e.g. `"OK"`; it carries no meaning and may be
    /// empty.
    #[must_use]
    pub fn reason(&self) -> &str {
        self.head.reason()
    }

    /// The HTTP version the server answered with.
    #[must_use]
    pub fn version(&self) -> Version {
        self.head.version()
    }

    /// The header fields, in the order they arrived, repeated names kept;
    /// lookups ignore case.
    #[must_use]
    pub fn headers(&self) -> &Headers {
        self.head.headers()
    }

    /// The trailer fields sent after a chunked body; empty otherwise.
    #[must_use]
    pub fn trailers(&self) -> &Headers {
        &self.trailers
    }

    /// The URL that answered with this response: the request's URL, or
    /// where the redirects led. It never has a user name or password: those
    /// were sent as `Authorization` and taken out of the URL.
    #[must_use]
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The body bytes, without transfer framing. Empty for `HEAD`, 204 and
    /// 304 responses.
    #[must_use]
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The body bytes, taking them out of the response.
    #[must_use]
    pub fn into_body(self) -> Vec<u8> {
        self.body
    }

    /// The body as text. Bytes that are not valid UTF-8 become U+FFFD, so
    /// this never fails; use [`body`](Self::body) for the exact bytes.
    #[must_use]
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Decodes the body as JSON into `T`.
    ///
    /// # Errors
    /// [`Error::Json`] if the body is not JSON of that shape.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::from_slice(&self.body).map_err(Error::Json)
    }

    /// The response itself if its status is below 400, and otherwise an
    /// [`Error::Status`] with the status and the URL.
    ///
    /// # Errors
    /// [`Error::Status`] for a 4xx or 5xx status.
    pub fn error_for_status(self) -> Result<Response, Error> {
        match self.status() {
            400.. => Err(Error::Status {
                code: self.status(),
                url: self.url.to_string(),
            }),
            _ => Ok(self),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{Limits, ResponseDecoder};

    fn response(bytes: &[u8]) -> Response {
        let mut decoder = ResponseDecoder::new("GET", Limits::default());
        decoder.feed(bytes).unwrap();
        decoder.feed_eof().unwrap();
        let head = decoder.head().unwrap().clone();
        let body = decoder.take_body();
        let url = Url::parse("http://a.test/x").unwrap();
        Response::new(head, body, Headers::new(), url)
    }

    #[test]
    fn accessors_give_the_parts() {
        let r = response(b"HTTP/1.1 200 OK\r\nX-A: 1\r\nx-a: 2\r\nContent-Length: 2\r\n\r\nhi");
        assert_eq!(
            (r.status(), r.reason(), r.version()),
            (200, "OK", Version::Http11)
        );
        assert_eq!(r.headers().get_all("X-A").collect::<Vec<_>>(), ["1", "2"]);
        assert_eq!(r.body(), b"hi");
        assert_eq!(r.text(), "hi");
        assert_eq!(r.url().as_str(), "http://a.test/x");
        assert!(r.trailers().is_empty());
    }

    #[test]
    fn json_decodes_or_reports() {
        let r = response(b"HTTP/1.1 200 OK\r\n\r\n{\"name\":\"Luke\"}");
        let value: serde_json::Value = r.json().unwrap();
        assert_eq!(value["name"], "Luke");
        let bad = response(b"HTTP/1.1 200 OK\r\n\r\n{oops");
        assert!(matches!(
            bad.json::<serde_json::Value>(),
            Err(Error::Json(_))
        ));
    }

    #[test]
    fn error_for_status_passes_success_and_redirects_and_fails_4xx_5xx() {
        for status in [200, 204, 304] {
            let head = format!("HTTP/1.1 {status} X\r\nContent-Length: 0\r\n\r\n");
            assert!(response(head.as_bytes()).error_for_status().is_ok());
        }
        for status in [404, 503] {
            let head = format!("HTTP/1.1 {status} X\r\nContent-Length: 0\r\n\r\n");
            let error = response(head.as_bytes()).error_for_status().unwrap_err();
            assert!(matches!(error, Error::Status { code, ref url }
                if code == status && url == "http://a.test/x"));
        }
    }

    #[test]
    fn text_replaces_invalid_utf8() {
        let r = response(b"HTTP/1.1 200 OK\r\n\r\nok\xff");
        assert_eq!(r.text(), "ok\u{fffd}");
    }
}
