//! Why a task produced no output.

use std::any::Any;
use std::fmt;

/// The error of a [`JoinHandle`](crate::JoinHandle): the task was cancelled or it panicked.
///
/// This is the runtime's error type; I/O operations return [`std::io::Error`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum JoinError {
    /// The task was aborted ([`JoinHandle::abort`](crate::JoinHandle::abort), a
    /// [`TaskGroup`](crate::TaskGroup) sibling failing) or its runtime was dropped before it finished.
    Cancelled,
    /// The task's future panicked while being polled. The panic was caught: the runtime and
    /// the other tasks keep running.
    Panicked {
        /// The panic's message (`"Box<dyn Any>"` when the payload was not a string).
        message: String,
    },
}

impl JoinError {
    /// Builds a `Panicked` error from a caught panic payload, and drops the payload (a
    /// payload whose destructor panics too is leaked: see `task/panic.rs`).
    pub(crate) fn from_panic(payload: Box<dyn Any + Send>) -> JoinError {
        let message = if let Some(s) = payload.downcast_ref::<&str>() {
            (*s).to_owned()
        } else if let Some(s) = payload.downcast_ref::<String>() {
            s.clone()
        } else {
            "Box<dyn Any>".to_owned()
        };
        super::drop_payload(payload);
        JoinError::Panicked { message }
    }

    /// Whether the task was cancelled.
    pub fn is_cancelled(&self) -> bool {
        matches!(self, JoinError::Cancelled)
    }

    /// Whether the task panicked.
    pub fn is_panic(&self) -> bool {
        matches!(self, JoinError::Panicked { .. })
    }

    /// The panic message, when the task panicked.
    pub fn panic_message(&self) -> Option<&str> {
        match self {
            JoinError::Panicked { message } => Some(message),
            JoinError::Cancelled => None,
        }
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoinError::Cancelled => f.write_str("task was cancelled"),
            JoinError::Panicked { message } => write!(f, "task panicked: {message}"),
        }
    }
}

impl std::error::Error for JoinError {}
