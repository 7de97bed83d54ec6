//! Entity tags: a short fingerprint of a body, so that a client holding an
//! earlier answer can ask "has it changed?" with `If-None-Match` and get an
//! empty `304 Not Modified` when it has not.
//!
//! The tag is the 64-bit FNV-1a hash of the body, in hex, in quotes. Tags
//! are opaque to clients; all that matters is that equal bodies get equal
//! tags and different bodies almost surely do not.

/// The entity tag of `body`, quotes included: `"cbf29ce484222325"`.
pub(crate) fn of(body: &[u8]) -> String {
    format!("\"{:016x}\"", fnv1a(body))
}

/// Whether an `If-None-Match` value names `tag`: `*`, or a comma-separated
/// list containing it. Comparison is weak, so `W/"…"` matches `"…"` (as
/// RFC 9110 requires for `If-None-Match`).
pub(crate) fn none_match_hits(if_none_match: &str, tag: &str) -> bool {
    if_none_match.split(',').map(str::trim).any(|candidate| {
        candidate == "*" || candidate.strip_prefix("W/").unwrap_or(candidate) == tag
    })
}

/// 64-bit FNV-1a: for each byte, xor it in, then multiply by the FNV prime.
fn fnv1a(bytes: &[u8]) -> u64 {
    const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes.iter().fold(OFFSET_BASIS, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(PRIME)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_its_reference_values() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn tags_are_quoted_hex_and_follow_the_body() {
        assert_eq!(of(b""), "\"cbf29ce484222325\"");
        assert_ne!(of(b"{\"a\":1}"), of(b"{\"a\":2}"));
    }

    #[test]
    fn if_none_match_accepts_lists_weak_tags_and_star() {
        let tag = of(b"x");
        assert!(none_match_hits(&tag, &tag));
        assert!(none_match_hits(&format!("\"other\", W/{tag}"), &tag));
        assert!(none_match_hits("*", &tag));
        assert!(!none_match_hits("\"other\"", &tag));
        assert!(!none_match_hits("", &tag));
    }
}
