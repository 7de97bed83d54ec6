//! A user name and password in the URL (`http://user:pw@host/`): sent as
//! `Authorization: Basic`, and never shown again.
//!
//! Like curl, the client percent-decodes both parts, joins them with `:`
//! and sends them base64-encoded (RFC 7617), with no challenge from the
//! server first. A user name alone is sent with an empty password.
//!
//! The URL is then stripped of them: the URL a [`Response`](crate::Response)
//! or an [`Error`](crate::Error) shows has no user name and no password,
//! and neither has a [`Request`](crate::Request)'s `Debug`. Once in a
//! header, the credentials follow the rules of any `Authorization` header:
//! a redirect to another origin drops it (see `redirect.rs`).

use std::borrow::Cow;

use percent_encoding::percent_decode_str;
use url::Url;

/// Takes the user name and password out of `url` and returns the
/// `Authorization` value that carries them, or `None` if the URL has
/// neither.
pub(crate) fn take(url: &mut Url) -> Option<String> {
    let user = url.username();
    let password = url.password().unwrap_or_default();
    if user.is_empty() && password.is_empty() {
        return None;
    }
    let mut pair: Vec<u8> = percent_decode_str(user).collect();
    pair.push(b':');
    pair.extend(percent_decode_str(password));
    let value = format!("Basic {}", base64(&pair));
    // Both fail only for URLs without a host, which the client refuses
    // anyway.
    let _ = url.set_username("");
    let _ = url.set_password(None);
    Some(value)
}

/// `url` as given, without anything between `//` and an `@` that ends the
/// authority: the same text with user name and password cut out. Works on
/// text that does not parse as a URL too, so that `Debug` of a malformed
/// request cannot show a password either.
pub(crate) fn without_userinfo(url: &str) -> Cow<'_, str> {
    let Some(start) = url.find("//").map(|at| at + 2) else {
        return Cow::Borrowed(url);
    };
    let rest = url.get(start..).unwrap_or_default();
    let authority_end = rest.find(['/', '?', '#', '\\']).unwrap_or(rest.len());
    match rest.get(..authority_end).and_then(|a| a.rfind('@')) {
        Some(at) => Cow::Owned(format!(
            "{}{}",
            url.get(..start).unwrap_or_default(),
            rest.get(at + 1..).unwrap_or_default()
        )),
        None => Cow::Borrowed(url),
    }
}

/// Standard base64 (RFC 4648 section 4), with padding.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let symbol = |index: u32| char::from(ALPHABET[(index & 63) as usize]);
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [0, 1, 2].map(|i| chunk.get(i).copied().map_or(0, u32::from));
        let group = b[0] << 16 | b[1] << 8 | b[2];
        out.push(symbol(group >> 18));
        out.push(symbol(group >> 12));
        out.push(if chunk.len() > 1 {
            symbol(group >> 6)
        } else {
            '='
        });
        out.push(if chunk.len() > 2 { symbol(group) } else { '=' });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn take_from(url: &str) -> (Option<String>, String) {
        let mut url = Url::parse(url).unwrap();
        let value = take(&mut url);
        (value, url.to_string())
    }

    #[test]
    fn base64_matches_the_rfc_4648_test_vectors() {
        let vectors = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (input, expected) in vectors {
            assert_eq!(base64(input.as_bytes()), expected, "{input:?}");
        }
        assert_eq!(base64(&[0xff, 0xef, 0xbe]), "/+++");
    }

    #[test]
    fn user_and_password_become_basic_credentials_and_leave_the_url() {
        // RFC 7617's example.
        let (value, url) = take_from("http://Aladdin:open%20sesame@example.com/x?y");
        assert_eq!(value.as_deref(), Some("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="));
        assert_eq!(url, "http://example.com/x?y");
    }

    #[test]
    fn both_parts_are_percent_decoded_first() {
        let (value, _) = take_from("https://us%65r:p%40ss%3Aword@example.com/");
        // base64("user:p@ss:word")
        assert_eq!(value.as_deref(), Some("Basic dXNlcjpwQHNzOndvcmQ="));
        let (value, _) = take_from("https://us%C3%A9r:pw@example.com/");
        // base64("usér:pw"), the é as its two UTF-8 bytes
        assert_eq!(value.as_deref(), Some("Basic dXPDqXI6cHc="));
    }

    #[test]
    fn a_user_alone_is_sent_with_an_empty_password() {
        let (value, url) = take_from("http://user@example.com:8080/");
        assert_eq!(value.as_deref(), Some("Basic dXNlcjo="));
        assert_eq!(url, "http://example.com:8080/");
    }

    #[test]
    fn a_url_without_credentials_is_left_alone() {
        for url in ["http://example.com/", "http://@example.com/"] {
            let (value, stripped) = take_from(url);
            assert_eq!(value, None, "{url}");
            assert_eq!(stripped, "http://example.com/");
        }
    }

    #[test]
    fn userinfo_is_cut_from_text_whether_or_not_it_parses() {
        let cases = [
            ("http://user:pw@example.com/a@b", "http://example.com/a@b"),
            ("https://u:p@ss@[::1]:8443/", "https://[::1]:8443/"),
            ("http://user:pw@exa mple/", "http://exa mple/"),
            ("http://example.com/?to=a@b", "http://example.com/?to=a@b"),
            ("not a url", "not a url"),
        ];
        for (given, shown) in cases {
            assert_eq!(without_userinfo(given), shown, "{given}");
        }
    }
}
