//! Where a URL points: scheme, host and port.
//!
//! The triple is what a connection is made to, so it is the key of the
//! connection pool and the thing a redirect compares to decide whether it
//! leaves the site (and must drop credentials).

use std::fmt;
use std::net::{IpAddr, SocketAddr};

use rustls::pki_types::{IpAddr as TlsIpAddr, ServerName};
use url::{Host, Url};

use crate::Error;

/// The two schemes the client speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Scheme {
    /// Plain HTTP over TCP.
    Http,
    /// HTTP over TLS over TCP.
    Https,
}

/// A URL's scheme, host and port (the default port filled in). Two URLs
/// with the same origin can share a connection.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Origin {
    pub(crate) scheme: Scheme,
    /// The host as the URL parser normalised it: lowercase names, and IP
    /// addresses parsed, so `LOCALHOST` and `localhost` are one origin.
    pub(crate) host: Host<String>,
    pub(crate) port: u16,
}

impl Origin {
    /// The origin of `url`.
    ///
    /// # Errors
    /// [`Error::UnsupportedScheme`] unless the scheme is `http` or `https`;
    /// [`Error::InvalidUrl`] if the URL has no host.
    pub(crate) fn of(url: &Url) -> Result<Origin, Error> {
        let scheme = match url.scheme() {
            "http" => Scheme::Http,
            "https" => Scheme::Https,
            other => return Err(Error::UnsupportedScheme(other.to_owned())),
        };
        let host = url
            .host()
            .ok_or(Error::InvalidUrl(url::ParseError::EmptyHost))?
            .to_owned();
        let port = url.port_or_known_default().unwrap_or(match scheme {
            Scheme::Http => 80,
            Scheme::Https => 443,
        });
        Ok(Origin { scheme, host, port })
    }

    /// The name the server's certificate must match, sent as SNI: a DNS
    /// name, or an IP address.
    ///
    /// # Errors
    /// [`Error::InvalidUrl`] for a host name that is not a valid DNS name.
    pub(crate) fn server_name(&self) -> Result<ServerName<'static>, Error> {
        match &self.host {
            Host::Domain(name) => ServerName::try_from(name.clone())
                .map_err(|_| Error::InvalidUrl(url::ParseError::InvalidDomainCharacter)),
            Host::Ipv4(ip) => Ok(ServerName::IpAddress(TlsIpAddr::from(IpAddr::V4(*ip)))),
            Host::Ipv6(ip) => Ok(ServerName::IpAddress(TlsIpAddr::from(IpAddr::V6(*ip)))),
        }
    }

    /// The socket addresses to try, in order. An IP address needs no
    /// lookup; a name is resolved by the runtime (on its blocking pool,
    /// because the system resolver blocks, or by its simulated network).
    ///
    /// # Errors
    /// [`Error::Dns`] if the lookup fails or finds nothing.
    pub(crate) async fn resolve(&self) -> Result<Vec<SocketAddr>, Error> {
        let name = match &self.host {
            Host::Ipv4(ip) => return Ok(vec![SocketAddr::new(IpAddr::V4(*ip), self.port)]),
            Host::Ipv6(ip) => return Ok(vec![SocketAddr::new(IpAddr::V6(*ip), self.port)]),
            Host::Domain(name) => name,
        };
        runtime::net::lookup_host(name, self.port)
            .await
            .map_err(|source| Error::Dns {
                host: name.clone(),
                source,
            })
    }
}

impl fmt::Display for Origin {
    /// `host:port`, with IPv6 addresses in brackets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.host, self.port)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin(url: &str) -> Result<Origin, Error> {
        Origin::of(&Url::parse(url).unwrap())
    }

    #[test]
    fn default_ports_are_filled_in_and_names_normalised() {
        let a = origin("https://EXAMPLE.com/x").unwrap();
        let b = origin("https://example.com:443/y?z").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.port, 443);
        assert_eq!(origin("http://example.com").unwrap().port, 80);
        assert_eq!(a.to_string(), "example.com:443");
    }

    #[test]
    fn scheme_host_and_port_each_make_a_different_origin() {
        let base = origin("http://example.com/").unwrap();
        assert_ne!(base, origin("https://example.com/").unwrap());
        assert_ne!(base, origin("http://example.org/").unwrap());
        assert_ne!(base, origin("http://example.com:8080/").unwrap());
    }

    #[test]
    fn other_schemes_are_refused() {
        assert!(matches!(
            origin("ftp://example.com/"),
            Err(Error::UnsupportedScheme(s)) if s == "ftp"
        ));
    }

    #[test]
    fn server_names_for_names_and_addresses() {
        let name = origin("https://localhost/").unwrap().server_name().unwrap();
        assert!(matches!(name, ServerName::DnsName(_)));
        let v6 = origin("https://[::1]:8443/").unwrap();
        assert!(matches!(
            v6.server_name().unwrap(),
            ServerName::IpAddress(_)
        ));
        assert_eq!(v6.to_string(), "[::1]:8443");
    }
}
