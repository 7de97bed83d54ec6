//! A throwaway certificate authority, made once per process.
//!
//! A TLS client trusts a server when the server's certificate chains up to a
//! root the client already trusts. The replica has no certificate from a
//! public authority, so it becomes its own: the first replica to start in a
//! process generates
//!
//! 1. a **CA**: a self-signed certificate allowed to sign others, and
//! 2. a **leaf**: a certificate for `localhost`, `127.0.0.1`, `::1` and
//!    [`SIM_HOST`], allowed for server authentication and signed by the CA.
//!
//! Every replica the process starts afterwards presents the same leaf, and
//! clients that should trust a replica are given the CA
//! ([`ReplicaHandle::ca_pem`](super::ReplicaHandle::ca_pem), or the file it
//! is written to). Both keys live only in memory, for as long as the
//! process: trusting the CA trusts the replicas of this one process, and
//! nothing after it exits.
//!
//! # Why once, and why Ed25519
//!
//! Under deterministic simulation a seed must replay byte for byte, and a
//! trace records how many bytes each read and write moved. So a TLS
//! handshake must be the same size every time:
//!
//! - the chain is made once, so every handshake sends the same certificates;
//! - keys are Ed25519, whose signatures are always 64 bytes. An ECDSA
//!   signature is DER-encoded, and its two integers lose or gain a byte with
//!   their leading bits: 70 to 72 bytes for P-256, varying from one
//!   handshake's `CertificateVerify` to the next;
//! - each serial number is 16 bytes whose first byte is neither zero nor
//!   high-bit (DER would drop the one, pad the other), so even two processes'
//!   certificates have the same length.

use std::io;
use std::sync::{Arc, OnceLock};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SerialNumber,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::ServerConfig;

use super::SIM_HOST;

/// The names the leaf certificate is valid for: every way a client on this
/// machine can address a server bound to loopback, and the simulated
/// network's name for the replica.
pub(crate) const LEAF_NAMES: [&str; 4] = ["localhost", "127.0.0.1", "::1", SIM_HOST];

/// The length of every serial number, in bytes.
const SERIAL_LEN: usize = 16;

/// The process's CA and leaf, or why they could not be made.
static AUTHORITY: OnceLock<Result<Authority, String>> = OnceLock::new();

/// The process's CA and the leaf it signed.
pub(crate) struct Authority {
    /// The CA certificate, PEM-encoded: what a client adds to its roots.
    pub(crate) ca_pem: String,
    /// The same CA certificate, DER-encoded.
    pub(crate) ca_der: CertificateDer<'static>,
    /// The leaf's chain as sent in the handshake: the leaf, then the CA.
    leaf_chain: Vec<CertificateDer<'static>>,
    /// The leaf's private key, PKCS#8 DER.
    leaf_key: PrivatePkcs8KeyDer<'static>,
}

impl Authority {
    /// The process's authority, generated on the first call.
    ///
    /// # Errors
    /// If key generation or signing failed (the system's random source is
    /// unavailable); every later call returns the same error.
    pub(crate) fn get() -> io::Result<&'static Authority> {
        AUTHORITY
            .get_or_init(|| Authority::generate().map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|e| io::Error::other(format!("cannot make the replica's CA: {e}")))
    }

    /// Generates a CA and a leaf for [`LEAF_NAMES`] signed by it, with
    /// Ed25519 keys. Outside tests, use [`Authority::get`].
    pub(crate) fn generate() -> Result<Authority, rcgen::Error> {
        let ca_key = KeyPair::generate_for(&rcgen::PKCS_ED25519)?;
        let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
        ca_params.serial_number = Some(serial_for(&ca_key));
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "tinyloop SWAPI replica CA");
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_cert = ca_params.self_signed(&ca_key)?;
        let issuer = Issuer::new(ca_params, ca_key);

        let leaf_key = KeyPair::generate_for(&rcgen::PKCS_ED25519)?;
        let names: Vec<String> = LEAF_NAMES.iter().map(|n| n.to_string()).collect();
        let mut leaf_params = CertificateParams::new(names)?;
        leaf_params.serial_number = Some(serial_for(&leaf_key));
        leaf_params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        leaf_params.use_authority_key_identifier_extension = true;
        leaf_params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        leaf_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let leaf_cert = leaf_params.signed_by(&leaf_key, &issuer)?;

        Ok(Authority {
            ca_pem: ca_cert.pem(),
            ca_der: ca_cert.der().clone(),
            leaf_chain: vec![leaf_cert.der().clone(), ca_cert.der().clone()],
            leaf_key: PrivatePkcs8KeyDer::from(leaf_key.serialize_der()),
        })
    }

    /// A rustls server configuration presenting the leaf, with the `ring`
    /// provider, TLS 1.2 and 1.3, no client authentication, and ALPN limited
    /// to HTTP/1.1 and 1.0 (a client offering HTTP/2 as well settles on 1.1;
    /// one offering only HTTP/2 is refused in the handshake).
    ///
    /// Each replica gets a configuration of its own, and so a session cache
    /// of its own: a client cannot resume, on one replica, a session made
    /// with another.
    ///
    /// # Errors
    /// If rustls rejects the key or the protocol versions (it does not for
    /// what [`Authority::generate`] makes).
    pub(crate) fn server_config(&self) -> Result<Arc<ServerConfig>, rustls::Error> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(
                self.leaf_chain.clone(),
                PrivateKeyDer::Pkcs8(self.leaf_key.clone_key()),
            )?;
        config.alpn_protocols = vec![b"http/1.1".to_vec(), b"http/1.0".to_vec()];
        Ok(Arc::new(config))
    }
}

/// A serial number for the certificate of `key`: distinct per key (it is
/// taken from the public key, which is random), positive, and always
/// [`SERIAL_LEN`] bytes once DER-encoded.
fn serial_for(key: &KeyPair) -> SerialNumber {
    let mut serial = [0u8; SERIAL_LEN];
    for (byte, key_byte) in serial.iter_mut().zip(key.public_key_raw()) {
        *byte = *key_byte;
    }
    // Neither 0 (DER drops a leading zero byte) nor 0x80 and up (DER adds a
    // zero byte before it, to keep the integer positive).
    serial[0] = (serial[0] & 0x3F) | 0x40;
    SerialNumber::from_slice(&serial)
}
