//! Configuring a [`Client`] before it is built.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use rustls::pki_types::CertificateDer;

use crate::client::{Client, Inner};
use crate::codec::{Limits, DEFAULT_USER_AGENT};
use crate::pool::Pool;
use crate::{tls, Error};

/// What every request of a client follows, fixed when it is built.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// Bounds resolving, connecting and the TLS handshake of each new
    /// connection. `None`: no bound of its own.
    pub(crate) connect_timeout: Option<Duration>,
    /// Bounds each read and write of an exchange: how long the server may
    /// keep the client waiting for the next bytes. `None`: no bound.
    pub(crate) read_timeout: Option<Duration>,
    /// Bounds a whole [`Client::send`], redirects included. `None`: no bound.
    pub(crate) timeout: Option<Duration>,
    /// Whether 3xx responses with a `Location` are followed at all.
    pub(crate) follow_redirects: bool,
    /// Most redirects followed for one request.
    pub(crate) max_redirects: u32,
    /// Size limits for each response.
    pub(crate) limits: Limits,
    /// Sent as `User-Agent` unless a request sets its own.
    pub(crate) user_agent: String,
}

/// Builds a [`Client`] with settings other than the defaults.
///
/// | setting | default |
/// |---|---|
/// | trusted roots | the Mozilla set from `webpki-roots`, plus any added here |
/// | [`connect_timeout`](Self::connect_timeout) | 30 s ([`DEFAULT_CONNECT_TIMEOUT`](Self::DEFAULT_CONNECT_TIMEOUT)) |
/// | [`read_timeout`](Self::read_timeout) (between bytes) | 30 s ([`DEFAULT_READ_TIMEOUT`](Self::DEFAULT_READ_TIMEOUT)) |
/// | [`timeout`](Self::timeout) (whole request) | none |
/// | [`max_redirects`](Self::max_redirects) | 10 |
/// | [`max_head_bytes`](Self::max_head_bytes) | 64 KiB |
/// | [`max_headers`](Self::max_headers) | 100 |
/// | [`max_body_bytes`](Self::max_body_bytes) | 10 MiB |
/// | [`user_agent`](Self::user_agent) | `fetcher/VERSION` |
/// | [`max_idle_per_host`](Self::max_idle_per_host) | 32 |
/// | [`idle_timeout`](Self::idle_timeout) | 90 s |
///
/// So no request waits forever on a server that accepts and then says
/// nothing: opening a connection is bounded by the connect timeout, and
/// every read and write after that by the read timeout. Each timeout takes
/// `Duration::MAX` for "no bound"; the client's
/// [`connect_timeout`](Client::connect_timeout),
/// [`read_timeout`](Client::read_timeout) and [`timeout`](Client::timeout)
/// report what it was built with.
///
/// Certificate and host name verification cannot be turned off.
///
/// ```
/// use std::time::Duration;
///
/// let client = fetcher::Client::builder()
///     .timeout(Duration::from_secs(10))
///     .max_redirects(3)
///     .user_agent("swapi-fetch/1.0")
///     .build()?;
/// # drop(client);
/// # Ok::<(), fetcher::Error>(())
/// ```
#[derive(Debug, Clone)]
#[must_use = "a ClientBuilder does nothing until `.build()`"]
pub struct ClientBuilder {
    settings: Settings,
    /// Extra trust anchors, as given; parsed by `build`.
    roots: Vec<Root>,
    max_idle_per_host: usize,
    idle_timeout: Duration,
}

/// An extra root certificate in the encoding it was given in.
#[derive(Debug, Clone)]
enum Root {
    Pem(Vec<u8>),
    Der(Vec<u8>),
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            settings: Settings {
                connect_timeout: Some(Self::DEFAULT_CONNECT_TIMEOUT),
                read_timeout: Some(Self::DEFAULT_READ_TIMEOUT),
                timeout: None,
                follow_redirects: true,
                max_redirects: 10,
                limits: Limits::default(),
                user_agent: DEFAULT_USER_AGENT.to_owned(),
            },
            roots: Vec::new(),
            max_idle_per_host: 32,
            idle_timeout: Duration::from_secs(90),
        }
    }
}

impl ClientBuilder {
    /// The default [`connect_timeout`](Self::connect_timeout): resolving,
    /// connecting and the TLS handshake of a new connection, together.
    /// Long enough for a slow DNS server and a few lost SYNs, short of the
    /// two minutes the kernel alone would wait for an unreachable host.
    pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

    /// The default [`read_timeout`](Self::read_timeout): the longest wait
    /// for the next bytes of the response (the first included), or for
    /// the server to take more of the request. Far above any healthy
    /// server's time to first byte, and short enough that a server that
    /// accepts and then says nothing is given up on within half a minute.
    pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(30);

    /// The default settings (see the table above).
    pub fn new() -> Self {
        ClientBuilder::default()
    }

    /// Also trusts the certificates in `pem` (one or more
    /// `-----BEGIN CERTIFICATE-----` sections) as roots, e.g. a private CA.
    pub fn add_root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.roots.push(Root::Pem(pem.into()));
        self
    }

    /// Also trusts one DER-encoded certificate as a root.
    pub fn add_root_certificate_der(mut self, der: impl Into<Vec<u8>>) -> Self {
        self.roots.push(Root::Der(der.into()));
        self
    }

    /// Bounds how long opening a connection may take: resolving the name,
    /// the TCP connect and the TLS handshake together. Running out fails
    /// with [`Error::Timeout`] naming [`Phase::Resolve`](crate::Phase::Resolve),
    /// [`Phase::Connect`](crate::Phase::Connect) or
    /// [`Phase::Handshake`](crate::Phase::Handshake).
    /// `Duration::MAX`: no bound.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.settings.connect_timeout = bound(timeout);
        self
    }

    /// Bounds each wait for the server once connected: for the next bytes
    /// of the response (the first ones included) and for the server to
    /// take more of the request. The clock restarts whenever bytes move,
    /// so a large, steady download is never cut off; for a bound on the
    /// whole request use [`timeout`](Self::timeout). Running out fails
    /// with [`Error::Timeout`] naming
    /// [`Phase::ResponseHead`](crate::Phase::ResponseHead) or
    /// [`Phase::Body`](crate::Phase::Body), or
    /// [`Phase::Request`](crate::Phase::Request) while sending.
    /// `Duration::MAX`: no bound.
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.settings.read_timeout = bound(timeout);
        self
    }

    /// Bounds a whole request, from the first connect to the last byte of
    /// the final response, redirects included. Running out fails with
    /// [`Error::Timeout`] naming the phase that was running.
    /// `Duration::MAX`: no bound (the default).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.settings.timeout = bound(timeout);
        self
    }

    /// Whether to follow redirects (default `true`). When `false`, a 3xx
    /// response is returned as it is, like any other.
    pub fn follow_redirects(mut self, follow: bool) -> Self {
        self.settings.follow_redirects = follow;
        self
    }

    /// Most redirects followed for one request; one more fails with
    /// [`Error::TooManyRedirects`].
    pub fn max_redirects(mut self, max: u32) -> Self {
        self.settings.max_redirects = max;
        self
    }

    /// Largest response head accepted, in bytes; a larger one fails with
    /// [`Error::TooLarge`]`(`[`Limit::Head`](crate::Limit::Head)`)`.
    pub fn max_head_bytes(mut self, max: usize) -> Self {
        self.settings.limits.max_head_bytes = max;
        self
    }

    /// Most header fields accepted in a response head; more fail with
    /// [`Error::TooLarge`]`(`[`Limit::Headers`](crate::Limit::Headers)`)`.
    pub fn max_headers(mut self, max: usize) -> Self {
        self.settings.limits.max_headers = max;
        self
    }

    /// Largest response body accepted, in bytes; a larger one fails with
    /// [`Error::TooLarge`]`(`[`Limit::Body`](crate::Limit::Body)`)`, as
    /// soon as its `Content-Length` announces it if it has one.
    pub fn max_body_bytes(mut self, max: u64) -> Self {
        self.settings.limits.max_body_bytes = max;
        self
    }

    /// The `User-Agent` sent with every request that does not set one.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.settings.user_agent = user_agent.into();
        self
    }

    /// Most idle connections kept open per origin for reuse. `0` turns
    /// keep-alive off: every request then asks the server to close
    /// (`Connection: close`).
    pub fn max_idle_per_host(mut self, max: usize) -> Self {
        self.max_idle_per_host = max;
        self
    }

    /// How long a connection may sit idle in the pool and still be reused.
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    /// [`Error::Config`] if an added PEM root is malformed, and
    /// [`Error::Tls`] if an added root is not a usable CA certificate.
    pub fn build(self) -> Result<Client, Error> {
        let mut roots = Vec::new();
        for root in self.roots {
            match root {
                Root::Pem(pem) => roots.extend(tls::certificates_from_pem(&pem)?),
                Root::Der(der) => roots.push(CertificateDer::from(der)),
            }
        }
        let tls = tls::client_config(&roots)?;
        Ok(Client::from_inner(Rc::new(Inner {
            settings: self.settings,
            tls,
            pool: RefCell::new(Pool::new(self.max_idle_per_host, self.idle_timeout)),
        })))
    }
}

/// A timeout as given to the builder: `Duration::MAX` is no bound.
fn bound(timeout: Duration) -> Option<Duration> {
    (timeout != Duration::MAX).then_some(timeout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_roots_fail_the_build_with_a_typed_error() {
        let no_pem = ClientBuilder::new()
            .add_root_certificate_pem("not a certificate")
            .build();
        assert!(matches!(no_pem, Err(Error::Config(_))), "{no_pem:?}");
        let bad_der = ClientBuilder::new()
            .add_root_certificate_der(vec![0x30, 0x03, 0x01, 0x02, 0x03])
            .build();
        assert!(matches!(bad_der, Err(Error::Tls(_))), "{bad_der:?}");
    }

    #[test]
    fn the_defaults_are_the_documented_ones() {
        let builder = ClientBuilder::new();
        assert_eq!(builder.settings.max_redirects, 10);
        assert_eq!(builder.settings.limits, Limits::default());
        assert_eq!(
            builder.settings.connect_timeout,
            Some(Duration::from_secs(30))
        );
        assert_eq!(builder.settings.read_timeout, Some(Duration::from_secs(30)));
        assert_eq!(builder.settings.timeout, None);
        assert_eq!(builder.max_idle_per_host, 32);
        assert_eq!(builder.idle_timeout, Duration::from_secs(90));
    }

    #[test]
    fn duration_max_turns_a_timeout_off() {
        let builder = ClientBuilder::new()
            .connect_timeout(Duration::MAX)
            .read_timeout(Duration::MAX)
            .timeout(Duration::MAX);
        assert_eq!(builder.settings.connect_timeout, None);
        assert_eq!(builder.settings.read_timeout, None);
        assert_eq!(builder.settings.timeout, None);
        let builder = builder.read_timeout(Duration::from_secs(5));
        assert_eq!(builder.settings.read_timeout, Some(Duration::from_secs(5)));
    }
}
