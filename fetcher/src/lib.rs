//! `fetcher`: a small HTTP/1.1 client over rustls, written to be read.
//!
//! The crate is built in layers, each one testable without the one above:
//!
//! - [`codec`] turns a request into bytes and bytes into a response. It
//!   does no I/O at all ("sans-IO"), so every rule of HTTP/1.1 message
//!   framing can be tested byte for byte, including what happens when a
//!   response arrives split across many reads.
//! - The client, which builds on the codec, adds the I/O: connecting,
//!   TLS, writing the request and feeding what it reads to the codec.
//!
//! Everything that can fail returns the one [`Error`] type.
//!
//! ```
//! use fetcher::codec::{Limits, ResponseDecoder};
//!
//! let mut decoder = ResponseDecoder::new("GET", Limits::default());
//! decoder.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi")?;
//! assert!(decoder.is_complete());
//! assert_eq!(decoder.take_body(), b"hi");
//! # Ok::<(), fetcher::Error>(())
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(missing_debug_implementations, rust_2018_idioms)]
#![doc(test(attr(deny(warnings))))]

pub mod codec;
mod error;

pub use codec::Headers;
pub use error::{Error, Limit, Phase};
