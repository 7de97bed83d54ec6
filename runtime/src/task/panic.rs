//! Catching the panics of code the runtime calls (a destructor, a waker, a trace hook)
//! without letting one escape.
//!
//! A caught panic's payload is a value like any other, and its destructor may panic too.
//! Dropped carelessly after `catch_unwind`, it would unwind out of the runtime's
//! bookkeeping halfway (a task left running, its future dropped twice). Here the payload is
//! dropped inside another `catch_unwind`, and so is the payload of that panic, and so on; a
//! chain of payloads that keeps panicking is leaked after a few links.

use std::any::Any;
use std::mem;
use std::panic::{self, AssertUnwindSafe};

/// Runs `f`, catching a panic; returns whether it panicked. No unwind leaves this
/// function.
pub(crate) fn contain(f: impl FnOnce()) -> bool {
    match panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(()) => false,
        Err(payload) => {
            drop_payload(payload);
            true
        }
    }
}

/// Drops a caught panic's payload, and the payloads of the panics that dropping raises.
pub(crate) fn drop_payload(mut payload: Box<dyn Any + Send>) {
    for _ in 0..8 {
        match panic::catch_unwind(AssertUnwindSafe(|| drop(payload))) {
            Ok(()) => return,
            Err(again) => payload = again,
        }
    }
    mem::forget(payload);
}
