//! Redirects: whether a response redirects, where to, and what the next
//! request looks like. Pure decisions on values; the client does the I/O.
//!
//! | status | method of the next request                     | body    |
//! |--------|------------------------------------------------|---------|
//! | 301, 302 | `GET` if it was not `GET` or `HEAD` (what browsers do, RFC 9110 15.4.2-3) | dropped if the method changed |
//! | 303    | `GET` (a `HEAD` stays `HEAD`)                   | dropped if the method changed |
//! | 307, 308 | unchanged                                    | kept    |
//!
//! The `Location` may be relative; it is resolved against the URL that
//! answered. A `Location` without a fragment keeps the fragment of that URL
//! (RFC 9110 section 10.2.2). A 3xx without a `Location`, or any other
//! status, is the final response.
//!
//! Credentials are for one site: when the next URL has a different origin
//! (host, port or scheme), `Authorization`, `Proxy-Authorization` and
//! `Cookie` are dropped. That includes the `Authorization` made from a user
//! name and password in the first URL. A `Location` with a user name and
//! password of its own sends those, to its own origin, instead.

use url::Url;

use crate::origin::Origin;
use crate::request::Prepared;
use crate::{credentials, Error};

/// Header fields that carry credentials for one origin.
const CREDENTIAL_HEADERS: [&str; 3] = ["Authorization", "Proxy-Authorization", "Cookie"];

/// The request to send after a response with `status` and `location` to
/// `previous`, or `None` if the response is final.
///
/// # Errors
/// [`Error::Protocol`] if `location` is not a valid URL reference, and
/// [`Error::UnsupportedScheme`] if it leads anywhere but `http` or `https`.
pub(crate) fn follow(
    previous: &Prepared,
    status: u16,
    location: Option<&str>,
) -> Result<Option<Prepared>, Error> {
    if !matches!(status, 301 | 302 | 303 | 307 | 308) {
        return Ok(None);
    }
    let Some(location) = location else {
        return Ok(None);
    };
    let mut url = resolve(&previous.url, location)?;
    let next_origin = Origin::of(&url)?;
    let given = credentials::take(&mut url);

    let method = next_method(status, &previous.method);
    let method_changed = method != previous.method;
    let same_origin = Origin::of(&previous.url).is_ok_and(|origin| origin == next_origin);

    let mut headers: Vec<_> = previous
        .headers
        .iter()
        .filter(|(name, _)| same_origin || !is_one_of(name, &CREDENTIAL_HEADERS))
        .filter(|(name, _)| !method_changed || !is_content_header(name))
        .cloned()
        .collect();
    if let Some(authorization) = given {
        headers.retain(|(name, _)| !name.eq_ignore_ascii_case("Authorization"));
        headers.insert(0, ("Authorization".to_owned(), authorization));
    }
    let body = if method_changed {
        None
    } else {
        previous.body.clone()
    };
    Ok(Some(Prepared {
        method: method.to_owned(),
        url,
        headers,
        body,
    }))
}

/// Resolves `location` against `base`, keeping `base`'s fragment if the
/// location has none.
fn resolve(base: &Url, location: &str) -> Result<Url, Error> {
    let mut url = base.join(location.trim()).map_err(|e| {
        Error::protocol(format!("redirect to an invalid location {location:?}: {e}"))
    })?;
    if url.fragment().is_none() {
        url.set_fragment(base.fragment());
    }
    Ok(url)
}

/// The method after a redirect with `status`.
fn next_method(status: u16, method: &str) -> &str {
    match (status, method) {
        (_, "GET" | "HEAD") => method,
        (301..=303, _) => "GET",
        _ => method,
    }
}

fn is_one_of(name: &str, names: &[&str]) -> bool {
    names.iter().any(|n| n.eq_ignore_ascii_case(name))
}

/// Whether `name` describes the body: `Content-*`, `Digest` or
/// `Last-Modified` (RFC 9110 section 15.4).
fn is_content_header(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name.starts_with("content-") || name == "digest" || name == "last-modified"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Request;

    fn post(url: &str) -> Prepared {
        Request::new("POST", url)
            .header("Authorization", "Bearer secret")
            .header("Content-Type", "application/json")
            .header("X-Trace", "1")
            .body("{}")
            .prepare()
            .unwrap()
    }

    fn get(url: &str) -> Prepared {
        Request::get(url)
            .header("Authorization", "Bearer secret")
            .prepare()
            .unwrap()
    }

    fn names(prepared: &Prepared) -> Vec<&str> {
        prepared.headers.iter().map(|(n, _)| n.as_str()).collect()
    }

    #[test]
    fn only_redirect_statuses_with_a_location_redirect() {
        let request = get("http://a.test/");
        for status in [200, 300, 304, 305, 404] {
            assert_eq!(follow(&request, status, Some("/x")).unwrap(), None);
        }
        assert_eq!(follow(&request, 301, None).unwrap(), None);
    }

    #[test]
    fn relative_locations_resolve_against_the_answering_url() {
        let request = get("http://a.test/films/1?x=1");
        let cases = [
            ("/people/", "http://a.test/people/"),
            ("2", "http://a.test/films/2"),
            ("../planets", "http://a.test/planets"),
            ("//b.test/y", "http://b.test/y"),
            ("?page=2", "http://a.test/films/1?page=2"),
            ("https://c.test/", "https://c.test/"),
        ];
        for (location, expected) in cases {
            let next = follow(&request, 301, Some(location)).unwrap().unwrap();
            assert_eq!(next.url.as_str(), expected, "Location: {location}");
        }
    }

    #[test]
    fn the_fragment_is_kept_unless_the_location_has_one() {
        let request = get("http://a.test/old#part");
        let next = follow(&request, 302, Some("/new")).unwrap().unwrap();
        assert_eq!(next.url.as_str(), "http://a.test/new#part");
        let next = follow(&request, 302, Some("/new#other")).unwrap().unwrap();
        assert_eq!(next.url.as_str(), "http://a.test/new#other");
    }

    #[test]
    fn see_other_turns_post_into_a_bodiless_get() {
        let next = follow(&post("http://a.test/form"), 303, Some("/done"))
            .unwrap()
            .unwrap();
        assert_eq!(next.method, "GET");
        assert_eq!(next.body, None);
        assert_eq!(names(&next), ["Authorization", "X-Trace"]);
    }

    #[test]
    fn moved_and_found_turn_post_into_get_but_keep_get_and_head() {
        for status in [301, 302] {
            let next = follow(&post("http://a.test/"), status, Some("/b"))
                .unwrap()
                .unwrap();
            assert_eq!(next.method, "GET");
            assert_eq!(next.body, None);
        }
        let head = Request::head("http://a.test/").prepare().unwrap();
        for status in [301, 302, 303, 307, 308] {
            let next = follow(&head, status, Some("/b")).unwrap().unwrap();
            assert_eq!(next.method, "HEAD", "status {status}");
        }
    }

    #[test]
    fn temporary_and_permanent_redirects_keep_method_body_and_headers() {
        for status in [307, 308] {
            let next = follow(&post("http://a.test/"), status, Some("/b"))
                .unwrap()
                .unwrap();
            assert_eq!(next.method, "POST");
            assert_eq!(next.body.as_deref(), Some(&b"{}"[..]));
            assert_eq!(names(&next), ["Authorization", "Content-Type", "X-Trace"]);
        }
    }

    #[test]
    fn credentials_are_dropped_when_the_origin_changes() {
        let request = get("http://a.test/").header_for_test("Cookie", "id=1");
        let same = follow(&request, 301, Some("/b")).unwrap().unwrap();
        assert_eq!(names(&same), ["Authorization", "Cookie"]);
        for elsewhere in ["http://b.test/", "http://a.test:8080/", "https://a.test/"] {
            let next = follow(&request, 301, Some(elsewhere)).unwrap().unwrap();
            assert!(names(&next).is_empty(), "to {elsewhere}");
        }
    }

    #[test]
    fn credentials_from_the_url_stay_on_the_same_origin_only() {
        let request = Request::get("http://user:pw@a.test/").prepare().unwrap();
        assert_eq!(request.url.as_str(), "http://a.test/");
        let basic = ("Authorization".to_owned(), "Basic dXNlcjpwdw==".to_owned());
        let same = follow(&request, 302, Some("/b")).unwrap().unwrap();
        assert_eq!(same.headers, [basic]);
        assert_eq!(same.url.as_str(), "http://a.test/b");
        for elsewhere in ["http://b.test/", "http://a.test:8080/", "https://a.test/"] {
            let next = follow(&request, 302, Some(elsewhere)).unwrap().unwrap();
            assert!(names(&next).is_empty(), "to {elsewhere}");
        }
    }

    #[test]
    fn a_location_with_its_own_credentials_sends_those_and_no_others() {
        let request = get("http://a.test/");
        let next = follow(&request, 302, Some("http://other:secret@b.test/x"))
            .unwrap()
            .unwrap();
        assert_eq!(next.url.as_str(), "http://b.test/x");
        // base64("other:secret")
        let basic = (
            "Authorization".to_owned(),
            "Basic b3RoZXI6c2VjcmV0".to_owned(),
        );
        assert_eq!(next.headers, [basic]);
    }

    #[test]
    fn unsupported_schemes_and_bad_locations_are_errors() {
        let request = get("http://a.test/");
        assert!(matches!(
            follow(&request, 302, Some("ftp://a.test/file")),
            Err(Error::UnsupportedScheme(s)) if s == "ftp"
        ));
        assert!(matches!(
            follow(&request, 302, Some("http://[::1")),
            Err(Error::Protocol(_))
        ));
    }

    #[test]
    fn content_headers_are_recognised() {
        for name in [
            "Content-Type",
            "content-length",
            "CONTENT-ENCODING",
            "Digest",
        ] {
            assert!(is_content_header(name), "{name}");
        }
        for name in ["Contents", "X-Content-Type", "Digests", "Accept"] {
            assert!(!is_content_header(name), "{name}");
        }
    }

    impl Prepared {
        fn header_for_test(mut self, name: &str, value: &str) -> Self {
            self.headers.push((name.into(), value.into()));
            self
        }
    }
}
