//! HTTPS against a server whose certificate comes from a CA made at test
//! time: what verifies, and the typed error for each thing that must not.

mod support;

use std::time::Duration;

use fetcher::{Client, Error, Phase};
use rustls::CertificateError;
use support::https::{HttpsServer, TestPki};
use support::raw::{RawServer, Step};
use support::{expect_error, run};

fn trusting(pki: &TestPki) -> Client {
    Client::builder()
        .add_root_certificate_pem(pki.ca_pem())
        .build()
        .expect("the test CA is a valid root")
}

#[test]
fn get_over_https_with_a_trusted_ca_by_name_and_by_ip() {
    let pki = TestPki::new();
    let server = HttpsServer::ok(pki.server_config(&["localhost", "127.0.0.1"]), "secret");
    let client = trusting(&pki);
    for host in ["localhost", "127.0.0.1"] {
        let url = server.url(host, "/x");
        let response = run(|| client.get(&url)).output.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.text(), "secret");
        assert_eq!(response.url().as_str(), server.url(host, "/x"));
    }
}

#[test]
fn a_der_root_is_trusted_too() {
    let pki = TestPki::new();
    let server = HttpsServer::ok(pki.server_config(&["127.0.0.1"]), "der");
    let client = Client::builder()
        .add_root_certificate_der(pki.ca_der())
        .build()
        .unwrap();
    let url = server.url("127.0.0.1", "/");
    let response = run(|| client.get(&url)).output.unwrap();
    assert_eq!(response.text(), "der");
}

#[test]
fn unknown_ca_is_a_tls_error_with_the_reason() {
    let pki = TestPki::new();
    let server = HttpsServer::ok(pki.server_config(&["localhost"]), "never seen");
    let error = expect_error(&Client::new(), &server.url("localhost", "/"));
    assert!(
        matches!(
            error,
            Error::Tls(rustls::Error::InvalidCertificate(
                CertificateError::UnknownIssuer
            ))
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("UnknownIssuer"), "{error}");
}

#[test]
fn a_certificate_for_another_name_is_a_tls_error() {
    let pki = TestPki::new();
    let server = HttpsServer::ok(pki.server_config(&["swapi.test"]), "never seen");
    let error = expect_error(&trusting(&pki), &server.url("localhost", "/"));
    assert!(
        matches!(
            error,
            Error::Tls(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. }
            ))
        ),
        "{error:?}"
    );
}

#[test]
fn an_expired_certificate_is_a_tls_error() {
    let pki = TestPki::new();
    let server = HttpsServer::ok(pki.expired_server_config(&["localhost"]), "never seen");
    let error = expect_error(&trusting(&pki), &server.url("localhost", "/"));
    assert!(
        matches!(
            error,
            Error::Tls(rustls::Error::InvalidCertificate(
                CertificateError::Expired | CertificateError::ExpiredContext { .. }
            ))
        ),
        "{error:?}"
    );
}

#[test]
fn a_server_that_never_speaks_tls_times_out_in_the_handshake() {
    let server = RawServer::start(vec![vec![Step::Hang]]);
    let client = Client::builder()
        .connect_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let url = format!("https://{}/", server.addr());
    let run = run(|| client.get(&url));
    assert!(
        matches!(run.output, Err(Error::Timeout(Phase::Handshake))),
        "{:?}",
        run.output
    );
    assert!(run.elapsed < Duration::from_secs(1), "{:?}", run.elapsed);
    assert!(
        run.ticks > 10,
        "other tasks ran meanwhile: {} ticks",
        run.ticks
    );
}

#[test]
fn a_plain_http_answer_to_a_tls_hello_is_a_tls_error() {
    let server = RawServer::start(vec![vec![
        Step::Sleep(Duration::from_millis(20)),
        support::raw::send("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"),
        Step::Sleep(Duration::from_millis(200)),
    ]]);
    let error = expect_error(&Client::new(), &format!("https://{}/", server.addr()));
    assert!(matches!(error, Error::Tls(_)), "{error:?}");
}

#[test]
fn https_connections_are_kept_alive() {
    let pki = TestPki::new();
    let server = HttpsServer::ok(pki.server_config(&["localhost"]), "again");
    let client = trusting(&pki);
    let url = server.url("localhost", "/");
    run(|| async {
        for _ in 0..3 {
            assert_eq!(client.get(&url).await.unwrap().text(), "again");
        }
    });
    assert_eq!(server.accepted(), 1);
}
