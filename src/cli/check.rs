//! Checks for the values that several examples take: a URL to fetch, a CA file to trust.

use std::path::Path;

use url::Url;

use super::UsageError;

/// Checks that `text` is a URL a client can fetch: `http` or `https`, with a host.
///
/// # Errors
/// Why it is not, worded to follow the value: `not a URL: empty host`, `the scheme must be
/// http or https, not ftp`, `no host`.
pub fn http_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text).map_err(|e| format!("not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "the scheme must be http or https, not {}",
            url.scheme()
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("no host".to_owned());
    }
    Ok(url)
}

/// Reads a `--cacert` file and checks that a client can trust what it holds: one CA
/// certificate or more, in PEM.
///
/// # Errors
/// If the file cannot be read or holds no usable certificate: `--cacert PATH: REASON`.
pub fn read_cacert(path: &Path) -> Result<Vec<u8>, UsageError> {
    let bad = |why: String| UsageError::new(format!("--cacert {}: {why}", path.display()));
    let pem = std::fs::read(path).map_err(|e| bad(format!("cannot read it: {e}")))?;
    // Building a client parses the certificates, without any I/O.
    fetcher::Client::builder()
        .add_root_certificate_pem(pem.clone())
        .build()
        .map_err(|e| bad(format!("not a usable CA certificate: {e}")))?;
    Ok(pem)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_and_https_urls_with_a_host_pass() {
        assert!(http_url("https://swapi.dev/api/people/1").is_ok());
        assert!(http_url("http://127.0.0.1:8000/").is_ok());
        for (text, why) in [
            ("notaurl", "not a URL: relative URL without a base"),
            ("http://", "not a URL: empty host"),
            ("ftp://x/", "the scheme must be http or https, not ftp"),
            (
                "unix:/run/x.sock",
                "the scheme must be http or https, not unix",
            ),
        ] {
            assert_eq!(http_url(text).unwrap_err(), why, "{text}");
        }
    }

    #[test]
    fn a_cacert_that_holds_no_certificate_is_refused_by_name() {
        let path = std::env::temp_dir().join(format!("tinyloop-notpem-{}", std::process::id()));
        std::fs::write(&path, "not a certificate\n").unwrap();
        let error = read_cacert(&path).unwrap_err().to_string();
        std::fs::remove_file(&path).unwrap();
        assert!(error.starts_with(&format!("--cacert {}: ", path.display())));
        assert!(error.contains("not a usable CA certificate"), "{error}");
    }
}
