//! Failures before a connection exists: bad URLs, bad requests, refused
//! connections.

mod support;

use fetcher::{Client, Error, Request};
use support::run;

#[test]
fn a_refused_connection_is_a_connect_error_naming_the_address() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let url = format!("http://{addr}/");
    let error = run(|| fetcher::get(&url)).output.unwrap_err();
    match &error {
        Error::Connect { address, source } => {
            assert_eq!(address, &addr.to_string());
            assert_eq!(source.kind(), std::io::ErrorKind::ConnectionRefused);
        }
        other => panic!("expected a connect error, got {other:?}"),
    }
}

#[test]
fn malformed_urls_and_other_schemes_fail_before_connecting() {
    let client = Client::new();
    let (bad, ftp) = run(|| async {
        (
            client.get("not a url").await,
            client.get("ftp://files.test/a").await,
        )
    })
    .output;
    assert!(matches!(bad, Err(Error::InvalidUrl(_))), "{bad:?}");
    assert!(
        matches!(&ftp, Err(Error::UnsupportedScheme(s)) if s == "ftp"),
        "{ftp:?}"
    );
}

#[test]
fn a_header_that_would_split_the_request_is_refused_before_connecting() {
    let client = Client::new();
    // Nothing listens on port 9 of this unroutable test address: reaching
    // the network at all would fail differently.
    let request = Request::get("http://192.0.2.1:9/").header("X-Evil", "a\r\nHost: other");
    let result = run(|| client.send(request)).output;
    assert!(
        matches!(result, Err(Error::InvalidRequest(_))),
        "{result:?}"
    );
}
