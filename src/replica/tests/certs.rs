//! The replica's certificates: trusted by the fetcher under every name, and
//! the same size in every handshake, so a simulated run replays byte for
//! byte.
//!
//! Handshakes here run in memory: a rustls client and server hand each other
//! their records directly, and each flight (the bytes one side sends before
//! it waits for the other) is measured.

use std::sync::Arc;

use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, Connection, RootCertStore, ServerConnection};

use crate::replica::server::certs::{Authority, LEAF_NAMES};
use crate::replica::SIM_HOST;

/// How many handshakes to compare. Under ECDSA P-256, the `CertificateVerify`
/// signature is 70, 71 or 72 bytes, and the last is as likely as the first
/// two together, so twenty equal handshakes would happen about once in a
/// million runs.
const HANDSHAKES: usize = 20;

/// Sends every record `from` has queued to `to`, and returns how many bytes
/// that was.
fn flight(from: &mut Connection, to: &mut Connection) -> usize {
    let mut records = Vec::new();
    while from.wants_write() {
        from.write_tls(&mut records).expect("writing to a Vec");
    }
    let mut unread = records.as_slice();
    while !unread.is_empty() {
        to.read_tls(&mut unread).expect("reading from a slice");
        to.process_new_packets().expect("a valid handshake");
    }
    records.len()
}

/// Runs a handshake between a client of `client_config` asking for `name`
/// and a server of `authority`, and returns the length of each flight:
/// client, server, client, server… until neither has anything to send.
fn handshake(client_config: Arc<ClientConfig>, authority: &Authority, name: &str) -> Vec<usize> {
    let name = ServerName::try_from(name.to_owned()).expect("a valid server name");
    let mut client =
        Connection::from(ClientConnection::new(client_config, name).expect("a client connection"));
    let server_config = authority.server_config().expect("a server configuration");
    let mut server =
        Connection::from(ServerConnection::new(server_config).expect("a server connection"));
    let mut flights = Vec::new();
    loop {
        let sent = [
            flight(&mut client, &mut server),
            flight(&mut server, &mut client),
        ];
        if sent == [0, 0] {
            break;
        }
        flights.extend(sent);
    }
    assert!(!client.is_handshaking() && !server.is_handshaking());
    flights
}

/// A client trusting only `authority`'s CA, speaking only `version`.
fn client_for(
    authority: &Authority,
    version: &'static rustls::SupportedProtocolVersion,
) -> Arc<ClientConfig> {
    let mut roots = RootCertStore::empty();
    roots.add(authority.ca_der.clone()).expect("a usable CA");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[version])
        .expect("the version is supported")
        .with_root_certificates(roots)
        .with_no_client_auth();
    Arc::new(config)
}

#[test]
fn the_fetchers_client_trusts_the_leaf_under_every_name_including_the_simulated_host() {
    let authority = Authority::get().expect("the process's authority");
    let client = fetcher::tls::client_config(std::slice::from_ref(&authority.ca_der)).unwrap();
    assert!(LEAF_NAMES.contains(&SIM_HOST));
    for name in LEAF_NAMES {
        let flights = handshake(client.clone(), authority, name);
        assert!(flights.len() >= 2, "{name}: {flights:?}");
    }
}

#[test]
fn the_process_has_one_authority() {
    let first = Authority::get().expect("the process's authority");
    let second = Authority::get().expect("the process's authority");
    assert!(std::ptr::eq(first, second));
    assert_eq!(first.ca_pem, second.ca_pem);
}

#[test]
fn every_handshake_of_a_process_sends_the_same_bytes_counts_in_tls_1_3_and_1_2() {
    let authority = Authority::get().expect("the process's authority");
    for version in [&rustls::version::TLS13, &rustls::version::TLS12] {
        // A fresh client each time: a session resumed from the last
        // handshake would be a different (and shorter) handshake.
        let first = handshake(client_for(authority, version), authority, SIM_HOST);
        for _ in 1..HANDSHAKES {
            let again = handshake(client_for(authority, version), authority, SIM_HOST);
            assert_eq!(again, first, "{version:?}");
        }
    }
}

#[test]
fn two_authorities_certificates_and_handshakes_have_the_same_lengths() {
    // What a second process would make: other keys, other signatures.
    let one = Authority::generate().expect("an authority");
    let two = Authority::generate().expect("an authority");
    assert_ne!(one.ca_der, two.ca_der);
    assert_eq!(one.ca_der.len(), two.ca_der.len());
    assert_eq!(one.ca_pem.len(), two.ca_pem.len());
    let tls13 = &rustls::version::TLS13;
    assert_eq!(
        handshake(client_for(&one, tls13), &one, SIM_HOST),
        handshake(client_for(&two, tls13), &two, SIM_HOST),
    );
}
