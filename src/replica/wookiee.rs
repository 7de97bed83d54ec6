//! `?format=wookiee`: SWAPI's joke output format.
//!
//! The JSON text is rendered as usual, then every lower-case ASCII letter is
//! replaced by its "Wookiee" spelling, keys, URLs and `null` included, so the
//! result is often no longer valid JSON (`null` becomes `whhuanan`). Upper-case
//! letters, digits, punctuation and non-ASCII text are kept.

/// The Wookiee spelling of `a` through `z`.
const SPELLINGS: [&str; 26] = [
    "ra", "rh", "oa", "wa", "wo", "ww", "rr", "ac", "ah", "sh", "or", "an", "sc", //
    "wh", "oo", "ak", "rq", "rc", "c", "ao", "hu", "ho", "oh", "k", "ro", "uf",
];

/// Translates rendered JSON text to Wookiee.
pub(crate) fn translate(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() * 2);
    for &byte in text {
        match byte {
            b'a'..=b'z' => out.extend_from_slice(SPELLINGS[usize::from(byte - b'a')].as_bytes()),
            _ => out.push(byte),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lower_case_letters_are_spelled_out_and_the_rest_is_kept() {
        assert_eq!(
            translate(b"{\"name\":\"Luke\"}"),
            b"{\"whrascwo\":\"Lhuorwo\"}"
        );
        assert_eq!(translate(b"null"), b"whhuanan");
        assert_eq!(translate("R2-D2 ✓".as_bytes()), "R2-D2 ✓".as_bytes());
    }
}
