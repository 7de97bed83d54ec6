//! A response, and its serialisation to the exact bytes sent on the wire.

/// An HTTP/1.1 response: status, ordered header fields and body.
///
/// Build one with [`Response::new`] or [`Response::with_body`], and turn it
/// into bytes with [`Response::to_bytes`]. No `Date` header is written, so
/// the same response always serialises to the same bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The status code, a three-digit number.
    pub status: u16,
    /// The reason phrase of the status line, e.g. `"Not Found"`.
    pub reason: &'static str,
    /// Header fields in the order they are written. Names are compared
    /// case-insensitively and appear at most once. If a body was attached,
    /// `Content-Length` gives its length, and keeps giving it when the body
    /// is later removed for a `HEAD` request.
    pub headers: Vec<(&'static str, String)>,
    /// The body bytes; empty for `HEAD` requests, `304` and redirects.
    pub body: Vec<u8>,
    /// Whether the connection must be closed once this response is written.
    /// When `true`, `headers` include `Connection: close`.
    pub close: bool,
}

impl Response {
    /// A response with `status`, its standard reason phrase, no headers and
    /// no body.
    pub fn new(status: u16) -> Response {
        Response {
            status,
            reason: reason_phrase(status),
            headers: Vec::new(),
            body: Vec::new(),
            close: false,
        }
    }

    /// A response with `status` carrying `body`, described by
    /// `Content-Type: content_type` and a matching `Content-Length`.
    pub fn with_body(status: u16, content_type: &str, body: Vec<u8>) -> Response {
        let mut response = Response::new(status);
        response.set_header("Content-Type", content_type);
        response.set_header("Content-Length", body.len().to_string());
        response.body = body;
        response
    }

    /// The value of header `name` (any case), if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        let (_, value) = self
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))?;
        Some(value)
    }

    /// Sets header `name` to `value`, replacing an existing field of that name
    /// where it stands, or appending a new one.
    pub fn set_header(&mut self, name: &'static str, value: impl Into<String>) {
        let value = value.into();
        match self
            .headers
            .iter_mut()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            Some(field) => *field = (name, value),
            None => self.headers.push((name, value)),
        }
    }

    /// Drops the body but keeps every header, `Content-Length` included: the
    /// answer to `HEAD` is the answer to `GET` without its body.
    pub fn remove_body(&mut self) {
        self.body = Vec::new();
    }

    /// Marks the connection for closing after this response and says so with
    /// `Connection: close`.
    pub fn close_connection(&mut self) {
        self.close = true;
        self.set_header("Connection", "close");
    }

    /// The response as bytes: status line, header fields, blank line, body.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(128 + self.body.len());
        self.write_to(&mut out);
        out
    }

    /// Appends the response's bytes to `out`. Carriage returns and line
    /// feeds inside header values are dropped, so a value can never end the
    /// header section early.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(
            format!("HTTP/1.1 {:03} {}\r\n", self.status, self.reason).as_bytes(),
        );
        for (name, value) in &self.headers {
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b": ");
            out.extend(value.bytes().filter(|b| !matches!(b, b'\r' | b'\n')));
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&self.body);
    }
}

/// The standard reason phrase for the statuses the replica uses, or an
/// empty phrase for others (a reason phrase is optional in HTTP/1.1).
fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        304 => "Not Modified",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_status_line_headers_in_order_and_body() {
        let mut response = Response::with_body(200, "application/json", b"{}".to_vec());
        response.set_header("ETag", "\"1\"");
        let text = String::from_utf8(response.to_bytes()).unwrap();
        assert_eq!(
            text,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nETag: \"1\"\r\n\r\n{}"
        );
    }

    #[test]
    fn set_header_replaces_in_place_regardless_of_case() {
        let mut response = Response::new(200);
        response.set_header("Vary", "Accept");
        response.set_header("Allow", "GET");
        response.set_header("vary", "Cookie");
        assert_eq!(
            response.headers,
            [("vary", "Cookie".to_owned()), ("Allow", "GET".to_owned())]
        );
        assert_eq!(response.header("VARY"), Some("Cookie"));
    }

    #[test]
    fn removing_the_body_keeps_its_length() {
        let mut response = Response::with_body(200, "text/plain", b"hello".to_vec());
        response.remove_body();
        assert!(response.body.is_empty());
        assert_eq!(response.header("content-length"), Some("5"));
    }

    #[test]
    fn closing_adds_the_connection_header() {
        let mut response = Response::new(404);
        response.close_connection();
        assert!(response.close);
        assert!(response.to_bytes().ends_with(b"Connection: close\r\n\r\n"));
    }

    #[test]
    fn line_breaks_in_values_cannot_inject_headers() {
        let mut response = Response::new(301);
        response.set_header("Location", "/x\r\nSet-Cookie: a=b");
        let bytes = response.to_bytes();
        assert!(bytes.windows(12).all(|w| w != b"\r\nSet-Cookie"));
    }
}
