//! The phases of a request, in one vocabulary for the trace and for the
//! timeout errors.
//!
//! ```text
//!   resolve --> connect --> tls handshake --> request --> response head --> body
//!   \_________ a new connection only ______/
//!
//!   redirect: each hop after the first, its own phases inside
//! ```
//!
//! Each phase runs inside a [`runtime::instrument::span`] named by
//! [`Phase::name`], so a trace shows when it began and ended; a phase that
//! runs out of time ends its span cancelled, and the [`Error::Timeout`]
//! it fails with names it in the same words: `timed out during tls
//! handshake`.
//!
//! [`Error::Timeout`]: crate::Error::Timeout

use std::fmt;
use std::future::Future;

use runtime::instrument::{span, Span};

/// A phase of a request: what a trace's span names, and which phase ran out
/// of time in an [`Error::Timeout`](crate::Error::Timeout).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Phase {
    /// Looking up the host's addresses (at once for an IP address).
    Resolve,
    /// Opening the TCP connection, trying each address in turn.
    Connect,
    /// The TLS handshake, after the TCP connection was open.
    Handshake,
    /// Writing the request to the connection.
    Request,
    /// Waiting for and reading the final response head (status line and
    /// header fields).
    ResponseHead,
    /// Reading the response body, up to its last byte (and trailers).
    Body,
    /// Following a redirect: the whole next hop, with its own phases inside.
    /// Only a span: a timeout during a redirect names the phase of the hop
    /// that ran out.
    Redirect,
}

impl Phase {
    /// The phase's name, as a span in the trace and in a timeout's message:
    /// `resolve`, `connect`, `tls handshake`, `request`, `response head`,
    /// `body` or `redirect`.
    pub fn name(&self) -> &'static str {
        match self {
            Phase::Resolve => "resolve",
            Phase::Connect => "connect",
            Phase::Handshake => "tls handshake",
            Phase::Request => "request",
            Phase::ResponseHead => "response head",
            Phase::Body => "body",
            Phase::Redirect => "redirect",
        }
    }

    /// `work` marked as this phase in the trace: a span named
    /// [`name`](Phase::name).
    pub(crate) fn span<F: Future>(self, work: F) -> Span<F> {
        span(self.name(), work)
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_phase_displays_as_its_span_name() {
        let phases = [
            Phase::Resolve,
            Phase::Connect,
            Phase::Handshake,
            Phase::Request,
            Phase::ResponseHead,
            Phase::Body,
            Phase::Redirect,
        ];
        let names = phases.map(|phase| phase.name());
        let expected = [
            "resolve",
            "connect",
            "tls handshake",
            "request",
            "response head",
            "body",
            "redirect",
        ];
        assert_eq!(names, expected);
        for phase in phases {
            assert_eq!(phase.to_string(), phase.name());
        }
    }
}
