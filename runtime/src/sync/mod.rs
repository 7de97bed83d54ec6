//! Synchronisation between tasks (and threads).
//!
//! | asyncio           | here                   | in short                                     |
//! |-------------------|------------------------|----------------------------------------------|
//! | `Future`          | [`oneshot`]            | one value, set once, from any thread         |
//! | `Queue(maxsize)`  | [`mpsc`]               | bounded queue; a full queue holds senders back |
//! | `Semaphore(n)`    | [`Semaphore`]          | at most `n` holders, waiters served in order |

pub mod mpsc;
pub mod oneshot;
mod semaphore;

pub use semaphore::{Acquire, AcquireError, Permit, Semaphore};
