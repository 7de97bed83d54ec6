//! A throwaway certificate authority, made fresh at every start.
//!
//! A TLS client trusts a server when the server's certificate chains up to a
//! root the client already trusts. The replica has no certificate from a
//! public authority, so it becomes its own: at start it generates
//!
//! 1. a **CA**: a self-signed certificate allowed to sign others, and
//! 2. a **leaf**: a certificate for `localhost`, `127.0.0.1` and `::1`,
//!    allowed for server authentication and signed by the CA.
//!
//! The server presents the leaf; clients that should trust the replica are
//! given the CA ([`ReplicaHandle::ca_pem`](super::ReplicaHandle::ca_pem), or
//! the file it is written to). Both keys live only in memory and die with the
//! server, so trusting the CA trusts nothing beyond this one run.

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::ServerConfig;

/// The names the leaf certificate is valid for: every way a client on this
/// machine can address a server bound to loopback.
pub(crate) const LEAF_NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// A freshly generated CA and the leaf it signed.
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
    /// Generates a CA and a leaf for [`LEAF_NAMES`] signed by it.
    ///
    /// # Errors
    /// If key generation or signing fails (the system's random source is
    /// unavailable).
    pub(crate) fn generate() -> Result<Authority, rcgen::Error> {
        let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "tinyloop SWAPI replica CA");
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_key = KeyPair::generate()?;
        let ca_cert = ca_params.self_signed(&ca_key)?;
        let issuer = Issuer::new(ca_params, ca_key);

        let names: Vec<String> = LEAF_NAMES.iter().map(|n| n.to_string()).collect();
        let mut leaf_params = CertificateParams::new(names)?;
        leaf_params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        leaf_params.use_authority_key_identifier_extension = true;
        leaf_params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        leaf_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let leaf_key = KeyPair::generate()?;
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
