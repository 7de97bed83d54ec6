//! Synchronisation between tasks, and one way in from other threads.
//!
//! | asyncio           | here                   | in short                                     |
//! |-------------------|------------------------|----------------------------------------------|
//! | `Future`          | [`oneshot`]            | one value, set once                          |
//! | `Queue(maxsize)`  | [`mpsc`]               | bounded queue; a full queue holds senders back |
//! | `Semaphore(n)`    | [`Semaphore`]          | at most `n` holders, waiters served in order |
//! | `loop.call_soon_threadsafe(fut.set_result, v)` | [`thread_oneshot`] | one value, set once, from another thread |
//!
//! # Single-threaded, on purpose
//!
//! [`oneshot`], [`mpsc`] and [`Semaphore`] are `!Send`, like [`Runtime`](crate::Runtime)
//! and [`JoinHandle`](crate::JoinHandle): their state is an `Rc<RefCell<…>>`, with no
//! mutex and no atomic. Every holder of a handle (a sender, a receiver, a permit, the
//! semaphore itself) therefore lives on the runtime's thread, as a task or inside one. When
//! a task waits on one of them, everyone who could release it is known and in reach, so a
//! report of a stuck runtime can tell exactly who could release what, instead of "maybe
//! another thread will". It is cheaper too: a borrow flag instead of a lock.
//!
//! Wakers are the exception that costs nothing: the std `Waker` is `Send + Sync`, and the
//! primitives keep the ones they are given inside their `Rc<RefCell<…>>`.
//!
//! A value that really comes from another thread (a blocking job, a std thread) crosses
//! through [`thread_oneshot`], named apart so that each place a wake can come from outside
//! the runtime is visible where the channel is made. A task awaiting it waits on an
//! external source of wakes.

pub mod mpsc;
pub mod oneshot;
mod semaphore;
pub mod thread_oneshot;

pub use semaphore::{Acquire, AcquireError, Permit, Semaphore};
