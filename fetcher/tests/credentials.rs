//! A user name and password in the URL: sent as `Authorization: Basic`,
//! kept on redirects within the origin, dropped on one to another host,
//! and never shown in the response's URL or an error.

mod support;

use fetcher::Error;
use support::raw::{send, RawServer, Step};
use support::run;

fn redirect(location: &str) -> Step {
    send(format!(
        "HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n"
    ))
}

/// The header line for `user:pa ss`, base64-encoded.
const BASIC: &str = "\r\nAuthorization: Basic dXNlcjpwYSBzcw==\r\n";

#[test]
fn credentials_go_along_a_redirect_on_the_same_origin_and_not_to_another_host() {
    // 127.0.0.1 redirects within itself, then to localhost, same port:
    // only the host differs.
    let server = RawServer::start_with(|addr| {
        let other_host = format!("http://localhost:{}/other-host", addr.port());
        vec![
            vec![
                Step::ReadRequest,
                redirect("/same-origin"),
                Step::ReadRequest,
                redirect(&other_host),
                Step::Hang,
            ],
            vec![
                Step::ReadRequest,
                send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
                Step::Hang,
            ],
        ]
    });
    let port = server.addr().port();
    let url = format!("http://user:pa%20ss@127.0.0.1:{port}/start");
    let response = run(|| fetcher::get(&url)).output.unwrap();
    assert_eq!(response.text(), "ok");
    let requests = server.requests();
    assert!(
        requests[0].starts_with("GET /start HTTP/1.1\r\n"),
        "{}",
        requests[0]
    );
    assert!(requests[0].contains(BASIC), "{}", requests[0]);
    assert!(requests[1].starts_with("GET /same-origin HTTP/1.1\r\n"));
    assert!(requests[1].contains(BASIC), "{}", requests[1]);
    assert!(requests[2].starts_with("GET /other-host HTTP/1.1\r\nHost: localhost:"));
    assert!(!requests[2].contains("Authorization"), "{}", requests[2]);
    assert_eq!(
        response.url().as_str(),
        format!("http://localhost:{port}/other-host")
    );
}

#[test]
fn the_password_is_in_neither_the_response_url_nor_an_error() {
    let server = RawServer::always("HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n");
    let addr = server.addr();
    let url = format!("http://user:hunter2@{addr}/private");
    let response = run(|| fetcher::get(&url)).output.unwrap();
    assert!(server.requests()[0].contains("\r\nAuthorization: Basic dXNlcjpodW50ZXIy\r\n"));
    assert_eq!(response.url().as_str(), format!("http://{addr}/private"));
    assert_eq!(response.url().password(), None);
    let error = response.error_for_status().unwrap_err();
    assert!(
        matches!(&error, Error::Status { code: 401, .. }),
        "{error:?}"
    );
    for shown in [error.to_string(), format!("{error:?}")] {
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(!shown.contains("user"), "{shown}");
    }
}
