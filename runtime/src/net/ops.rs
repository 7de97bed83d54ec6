//! The futures of reading and writing a [`TcpStream`] (or one of its halves).
//!
//! They are named structs rather than `async fn`s so that each remembers the line that
//! created it (`#[track_caller]` has no effect on an `async fn`): a task waiting on one shows
//! `pending on socket read (src/x.rs:12)`.

use std::fmt;
use std::future::Future;
use std::io;
use std::mem;
use std::panic::Location;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use super::TcpStream;

/// The future returned by [`TcpStream::read`] and [`ReadHalf::read`](super::ReadHalf::read):
/// how many bytes were read, `0` when the peer closed its side.
#[must_use = "futures do nothing unless you `.await` them"]
pub struct Read<'a> {
    stream: &'a TcpStream,
    buf: &'a mut [u8],
    /// The line that called `read`, for the trace's `pending on socket read (…)`.
    created_at: &'static Location<'static>,
}

/// The future returned by [`TcpStream::read_exact`]: done when `buf` is full.
#[must_use = "futures do nothing unless you `.await` them"]
pub struct ReadExact<'a> {
    stream: &'a TcpStream,
    /// The part of the buffer still to fill.
    buf: &'a mut [u8],
    /// The line that called `read_exact`.
    created_at: &'static Location<'static>,
}

/// The future returned by [`TcpStream::write`] and
/// [`WriteHalf::write`](super::WriteHalf::write): how many bytes were written.
#[must_use = "futures do nothing unless you `.await` them"]
pub struct Write<'a> {
    stream: &'a TcpStream,
    buf: &'a [u8],
    /// The line that called `write`, for the trace's `pending on socket write (…)`.
    created_at: &'static Location<'static>,
}

/// The future returned by [`TcpStream::write_all`] and
/// [`WriteHalf::write_all`](super::WriteHalf::write_all): done when all of `buf` is written.
#[must_use = "futures do nothing unless you `.await` them"]
pub struct WriteAll<'a> {
    stream: &'a TcpStream,
    /// What is still to be written.
    buf: &'a [u8],
    /// The line that called `write_all`.
    created_at: &'static Location<'static>,
}

impl<'a> Read<'a> {
    pub(super) fn new(
        stream: &'a TcpStream,
        buf: &'a mut [u8],
        created_at: &'static Location<'static>,
    ) -> Read<'a> {
        Read {
            stream,
            buf,
            created_at,
        }
    }
}

impl<'a> ReadExact<'a> {
    pub(super) fn new(
        stream: &'a TcpStream,
        buf: &'a mut [u8],
        created_at: &'static Location<'static>,
    ) -> ReadExact<'a> {
        ReadExact {
            stream,
            buf,
            created_at,
        }
    }
}

impl<'a> Write<'a> {
    pub(super) fn new(
        stream: &'a TcpStream,
        buf: &'a [u8],
        created_at: &'static Location<'static>,
    ) -> Write<'a> {
        Write {
            stream,
            buf,
            created_at,
        }
    }
}

impl<'a> WriteAll<'a> {
    pub(super) fn new(
        stream: &'a TcpStream,
        buf: &'a [u8],
        created_at: &'static Location<'static>,
    ) -> WriteAll<'a> {
        WriteAll {
            stream,
            buf,
            created_at,
        }
    }
}

impl Future for Read<'_> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        this.stream.poll_read_at(cx, this.buf, this.created_at)
    }
}

impl Future for ReadExact<'_> {
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        while !this.buf.is_empty() {
            match ready!(this.stream.poll_read_at(cx, this.buf, this.created_at))? {
                0 => {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "connection closed before the buffer was filled",
                    )))
                }
                n => this.buf = &mut mem::take(&mut this.buf)[n..],
            }
        }
        Poll::Ready(Ok(()))
    }
}

impl Future for Write<'_> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        this.stream.poll_write_at(cx, this.buf, this.created_at)
    }
}

impl Future for WriteAll<'_> {
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        while !this.buf.is_empty() {
            match ready!(this.stream.poll_write_at(cx, this.buf, this.created_at))? {
                0 => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                n => this.buf = &this.buf[n..],
            }
        }
        Poll::Ready(Ok(()))
    }
}

/// The fields every one of these futures shows in `Debug`: the socket's token and how many
/// bytes are left.
fn debug(name: &str, stream: &TcpStream, left: usize, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    f.debug_struct(name)
        .field("token", &stream.token())
        .field("len", &left)
        .finish()
}

impl fmt::Debug for Read<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug("Read", self.stream, self.buf.len(), f)
    }
}

impl fmt::Debug for ReadExact<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug("ReadExact", self.stream, self.buf.len(), f)
    }
}

impl fmt::Debug for Write<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug("Write", self.stream, self.buf.len(), f)
    }
}

impl fmt::Debug for WriteAll<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug("WriteAll", self.stream, self.buf.len(), f)
    }
}
