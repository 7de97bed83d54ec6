//! Reading and writing one connection at the same time.

use std::io;
use std::net::Shutdown;
use std::panic::Location;

use super::{Read, TcpStream, Write, WriteAll};

/// The reading half of a [`TcpStream`], from [`TcpStream::split`].
#[derive(Debug)]
pub struct ReadHalf<'a> {
    stream: &'a TcpStream,
}

/// The writing half of a [`TcpStream`], from [`TcpStream::split`].
#[derive(Debug)]
pub struct WriteHalf<'a> {
    stream: &'a TcpStream,
}

impl TcpStream {
    /// Borrows the stream as a reading half and a writing half, so one future can read
    /// while another writes (the reactor keeps a separate waker for each direction).
    ///
    /// ```
    /// use runtime::net::{TcpListener, TcpStream};
    ///
    /// runtime::block_on(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0")?;
    ///     let mut client = TcpStream::connect_addr(listener.local_addr()?).await?;
    ///     let (mut server, _) = listener.accept().await?;
    ///     let (mut reader, mut writer) = client.split();
    ///     writer.write_all(b"ping").await?;
    ///     server.write_all(b"pong").await?;
    ///     let mut buf = [0u8; 4];
    ///     let n = reader.read(&mut buf).await?;
    ///     assert!(b"pong".starts_with(&buf[..n]));
    ///     Ok::<(), std::io::Error>(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn split(&mut self) -> (ReadHalf<'_>, WriteHalf<'_>) {
        (ReadHalf { stream: self }, WriteHalf { stream: self })
    }
}

impl ReadHalf<'_> {
    /// Reads some bytes; `Ok(0)` means the peer closed its side.
    ///
    /// # Errors
    /// What the socket reports.
    #[track_caller]
    pub fn read<'b>(&'b mut self, buf: &'b mut [u8]) -> Read<'b> {
        Read::new(self.stream, buf, Location::caller())
    }
}

impl WriteHalf<'_> {
    /// Writes some bytes and returns how many.
    ///
    /// # Errors
    /// What the socket reports.
    #[track_caller]
    pub fn write<'b>(&'b mut self, buf: &'b [u8]) -> Write<'b> {
        Write::new(self.stream, buf, Location::caller())
    }

    /// Writes all of `buf`.
    ///
    /// # Errors
    /// `WriteZero` if the socket accepts nothing, or what the socket reports.
    #[track_caller]
    pub fn write_all<'b>(&'b mut self, buf: &'b [u8]) -> WriteAll<'b> {
        WriteAll::new(self.stream, buf, Location::caller())
    }

    /// Shuts down the writing half: the peer reads end of file.
    ///
    /// # Errors
    /// If the socket is not connected.
    pub fn shutdown(&self) -> io::Result<()> {
        self.stream.shutdown(Shutdown::Write)
    }
}
