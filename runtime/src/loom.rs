//! The synchronisation primitives of the cross-thread wake path, swappable for loom's.
//!
//! Under `--cfg loom` the task state word and the injection queue use loom's atomics and
//! mutex, so the model checker can explore every interleaving of a foreign wake with the
//! runtime's poll, completion, abort and shutdown (see `executor/loom_models.rs`); so do
//! the combinators' wake stack and parent waker, for a child's wake against its
//! combinator's round (`combinators/loom_models.rs`). Everything else uses std.

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
#[cfg(loom)]
pub(crate) use loom::sync::{Mutex, MutexGuard};

#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
#[cfg(not(loom))]
pub(crate) use std::sync::{Mutex, MutexGuard};
