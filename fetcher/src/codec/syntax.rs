//! What each part of a request may contain.
//!
//! The request encoder copies the caller's strings into the request
//! verbatim, so each one is checked first. The dangerous characters are CR
//! and LF: a header value holding `\r\n` would end its line early and let
//! the rest of the value become another header, or a whole second request
//! ("request splitting"). NUL and other control characters are refused
//! too, as the grammar of RFC 9110 allows none of them.

use std::net::Ipv6Addr;

use crate::Error;

/// `tchar` from RFC 9110 section 5.6.2: the characters of methods and
/// header names.
fn is_token_char(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}

/// A token is one or more `tchar`s.
fn is_token(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(is_token_char)
}

/// The method must be a token, e.g. `GET`.
pub(super) fn check_method(method: &str) -> Result<(), Error> {
    if is_token(method) {
        Ok(())
    } else {
        Err(Error::invalid_request(format!(
            "method {method:?} is not a valid token"
        )))
    }
}

/// The target must be in origin form (`/path?query`), or `*`, and consist
/// of visible ASCII without `#`: the fragment stays with the client.
pub(super) fn check_target(target: &str) -> Result<(), Error> {
    let form_ok = target.starts_with('/') || target == "*";
    let visible = target
        .bytes()
        .all(|byte| byte.is_ascii_graphic() && byte != b'#');
    if form_ok && visible {
        Ok(())
    } else {
        Err(Error::invalid_request(format!(
            "target {target:?} must start with '/' and contain only visible ASCII, no '#'"
        )))
    }
}

/// Checks `host` and returns it as it goes into the `Host` header: an IPv6
/// address in brackets, anything else as given. A host name may hold
/// visible ASCII except the characters that delimit other URL parts, so a
/// port (`:`) or user info (`@`) is refused.
pub(super) fn host_for_header(host: &str) -> Result<String, Error> {
    let unbracketed = host
        .strip_prefix('[')
        .and_then(|inner| inner.strip_suffix(']'))
        .unwrap_or(host);
    if let Ok(ip) = unbracketed.parse::<Ipv6Addr>() {
        return Ok(format!("[{ip}]"));
    }
    let allowed = |byte: u8| byte.is_ascii_graphic() && !b"/?#@[]:\\".contains(&byte);
    if !host.is_empty() && host.bytes().all(allowed) {
        Ok(host.to_owned())
    } else {
        Err(Error::invalid_request(format!(
            "host {host:?} is not a host name or IP address (give the port in `port`)"
        )))
    }
}

/// A header name must be a token; a value may hold anything but control
/// characters other than tab.
pub(super) fn check_field(name: &str, value: &str) -> Result<(), Error> {
    if !is_token(name) {
        return Err(Error::invalid_request(format!(
            "header name {name:?} is not a valid token"
        )));
    }
    if value
        .bytes()
        .any(|byte| byte.is_ascii_control() && byte != b'\t')
    {
        return Err(Error::invalid_request(format!(
            "value of header {name} contains CR, LF, NUL or another control character"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_must_be_tokens() {
        assert!(check_method("GET").is_ok());
        assert!(check_method("M-SEARCH").is_ok());
        for bad in ["", "G T", "GET\r\n", "GET\0", "GÉT"] {
            assert!(check_method(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn targets_must_be_origin_form_visible_ascii() {
        for good in ["/", "/a/b?c=d&e", "*", "/%20"] {
            assert!(check_target(good).is_ok(), "{good:?}");
        }
        for bad in [
            "",
            "relative",
            "/a b",
            "/a\r\nb",
            "/#frag",
            "/é",
            "http://x/",
        ] {
            assert!(check_target(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn hosts_are_names_or_addresses_without_port() {
        assert_eq!(host_for_header("example.com").unwrap(), "example.com");
        assert_eq!(host_for_header("127.0.0.1").unwrap(), "127.0.0.1");
        assert_eq!(host_for_header("::1").unwrap(), "[::1]");
        assert_eq!(host_for_header("[2001:db8::1]").unwrap(), "[2001:db8::1]");
        for bad in [
            "",
            "example.com:80",
            "exa mple.com",
            "example.com\r\nX: y",
            "user@example.com",
            "[example.com]",
            "a/b",
        ] {
            assert!(host_for_header(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn header_names_with_cr_lf_nul_or_separators_are_rejected() {
        for name in ["X-Test\r\nEvil", "X\0", "", "Bad Name", "X:", "X\n"] {
            let result = check_field(name, "v");
            assert!(
                matches!(&result, Err(Error::InvalidRequest(m)) if m.contains("header name")),
                "{name:?}"
            );
        }
    }

    #[test]
    fn header_values_with_control_characters_are_rejected_but_tab_is_fine() {
        assert!(check_field("X-Test", "a\tb c").is_ok());
        assert!(check_field("X-Test", "caf\u{e9}").is_ok());
        for value in ["a\r\nX-Injected: 1", "a\nb", "a\rb", "a\0b", "a\x7fb"] {
            assert!(check_field("X-Test", value).is_err(), "{value:?}");
        }
    }
}
