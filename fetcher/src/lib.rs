//! `fetcher`: a small HTTP/1.1 client over rustls, written to be read.
//!
//! It runs on tinyloop's single-threaded [`runtime`], speaks `http://` and
//! `https://`, follows redirects, keeps connections alive, bounds every
//! wait with a timeout (on by default, see [Timeouts](#timeouts)), and
//! turns every way a server can misbehave into one typed [`Error`].
//!
//! # A first request
//!
//! A server on the loopback interface answers, and the client fetches from
//! it:
//!
//! ```
//! use std::io::{Read, Write};
//!
//! let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
//! let url = format!("http://{}/hello", listener.local_addr()?);
//! std::thread::spawn(move || -> std::io::Result<()> {
//!     let (mut socket, _) = listener.accept()?;
//!     let mut request = [0; 1024];
//!     let _ = socket.read(&mut request)?;
//!     socket.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
//! });
//!
//! let response = runtime::block_on(fetcher::get(&url))?;
//! assert_eq!(response.status(), 200);
//! assert_eq!(response.text(), "hello");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! For more than one request, build a [`Client`] once and share it (it is
//! cheap to clone): its pool reuses connections. A client may also serve
//! one `runtime::block_on` after another: a connection kept in its pool
//! moves to whichever runtime uses it next.
//!
//! # Timeouts
//!
//! No request waits forever on a server that accepts and then says
//! nothing, over `http://` as over `https://`. The default bounds:
//!
//! | what | default | change it with |
//! |---|---|---|
//! | opening a connection: resolving, the TCP connect, the TLS handshake | 30 s | [`ClientBuilder::connect_timeout`] |
//! | each wait for the server once connected: for the next bytes of the response (the first ones included), or for it to take more of the request | 30 s | [`ClientBuilder::read_timeout`] |
//! | the whole request, redirects included | none | [`ClientBuilder::timeout`] |
//!
//! The read timeout restarts whenever bytes move, so it ends a silent
//! server's wait without cutting off a slow, steady download.
//! `Duration::MAX` turns a bound off. Running out fails with
//! [`Error::Timeout`] naming the [`Phase`] that was running.
//!
//! # In a trace
//!
//! Each [`Phase`] of a request runs inside a
//! [`runtime::instrument::span`] of the same name (`resolve`, `connect`,
//! `tls handshake`, `request`, `response head`, `body`, and `redirect`
//! around each hop after the first), so a trace of the runtime shows where
//! a fetch spends its time, in the words a timeout would use.
//!
//! # Early answers
//!
//! A server may answer before it has read a whole request body, and stop
//! reading it: `413 Payload Too Large` to a large upload, say. The client
//! watches for that while it sends (RFC 9112 section 9.5): once an answer's
//! final head is not a success (3xx and up), or an answer is complete, it
//! stops sending and returns that answer as the [`Response`], like curl,
//! rather than an I/O error from writing to a connection the server gave
//! up on. That connection is not reused.
//!
//! # Credentials in the URL
//!
//! A user name and password in the URL (`https://user:pw@host/`) are
//! percent-decoded and sent as `Authorization: Basic` (RFC 7617), as curl
//! does; an `Authorization` header set on the [`Request`] wins over them.
//! They are then stripped from the URL, with no placeholder: the
//! [`Response::url`], every [`Error`] and a [`Request`]'s `Debug` show the
//! URL without `user:pw@`. Like any `Authorization` header, they follow a
//! redirect within the same origin (scheme, host and port) and are dropped
//! on one to another.
//!
//! # The layers
//!
//! Each layer is testable without the one above it:
//!
//! ```text
//!   Client ........ redirects, the keep-alive pool, timeouts      client.rs
//!     |               (redirect decisions: pure functions)        redirect.rs
//!     |               (URL credentials: pure functions)           credentials.rs
//!   exchange ...... write one request, read one response,         exchange.rs
//!     |               stop writing on an early answer
//!     |
//!   codec ......... bytes <-> HTTP/1.1 messages, no I/O at all    codec/
//!   Connection .... plain TCP, or TLS through a TlsStream         connection.rs
//!     |
//!   TlsStream ..... rustls driven by the runtime's reactor        tls.rs
//!   TcpStream ..... the runtime's socket
//! ```
//!
//! - [`codec`] turns a request into bytes and bytes into a response. It
//!   does no I/O ("sans-IO"), so every rule of HTTP/1.1 message framing is
//!   tested byte for byte, including responses split across many reads.
//! - [`tls::TlsStream`] moves TLS records between rustls and a socket.
//!   It serves both sides, so a server can use it too.
//! - The client adds connecting, the pool, redirects and deadlines.
//!
//! # Errors
//!
//! Everything that can fail returns the one [`Error`] type; each variant
//! says when it happens. TLS failures keep rustls's reason
//! ([`Error::Tls`]), and timeouts say which phase ran out
//! ([`Error::Timeout`] with a [`Phase`]).

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(missing_debug_implementations, rust_2018_idioms)]
#![doc(test(attr(deny(warnings))))]

mod builder;
mod client;
pub mod codec;
mod connection;
mod credentials;
mod deadline;
mod error;
mod exchange;
mod origin;
mod phase;
mod pool;
mod redirect;
mod request;
mod response;
pub mod tls;

pub use builder::ClientBuilder;
pub use client::{get, Client};
pub use codec::{Headers, Version};
pub use error::{Error, Limit};
pub use phase::Phase;
pub use request::Request;
pub use response::Response;
