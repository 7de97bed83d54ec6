//! TCP networking on the reactor.
//!
//! A socket is registered with the runtime's reactor when it is created and deregistered
//! when it is dropped. An operation that would block stores the task's waker with the
//! reactor and returns `Pending`; when epoll reports readiness, the reactor wakes the task
//! (the trace shows the cause as `io(token N, readable)`, often `readable|writable`), and
//! the task retries.
//!
//! Every operation that may wait returns a named future ([`Read`], [`Accept`],
//! [`Connect`], ...) that remembers the line that called it: the trace then says where a
//! task waits, `pending on socket read (src/x.rs:12)`.

mod connect;
mod ops;
mod resolve;
mod source;
mod split;
mod tcp_listener;
mod tcp_stream;

pub use connect::{Connect, ConnectAddr, ConnectFirst};
pub use ops::{Read, ReadExact, Write, WriteAll};
pub use resolve::{lookup_host, LookupHost};
pub use split::{ReadHalf, WriteHalf};
pub use tcp_listener::{Accept, TcpListener};
pub use tcp_stream::TcpStream;
