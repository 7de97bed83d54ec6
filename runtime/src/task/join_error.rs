//! Why a task produced no output.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use super::{RuntimeId, RuntimeLabel, TaskId};

/// The error of a [`JoinHandle`](crate::JoinHandle): the task was cancelled or it panicked,
/// or its handle was awaited where its runtime cannot run.
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
    /// The handle was awaited inside another runtime running on the task's thread, before
    /// the task finished. Awaiting it there would hang for ever: the task's runtime cannot
    /// run its tasks while the other one's `block_on` holds the thread. The task goes on;
    /// await its handle in its own runtime's `block_on` instead.
    ///
    /// Boxed, so that a task's output slot (which holds a `Result<T, JoinError>`) stays as
    /// small as the other variants make it.
    OtherRuntime(Box<OtherRuntime>),
}

/// Which runtimes a [`JoinError::OtherRuntime`] is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OtherRuntime {
    /// The task awaited.
    pub task: TaskId,
    /// The runtime the task belongs to.
    pub owner: RuntimeId,
    /// That runtime's name, if it has one.
    pub owner_name: Option<Arc<str>>,
    /// The runtime that was running on the thread when the handle was awaited.
    pub awaited_in: RuntimeId,
    /// That runtime's name, if it has one.
    pub awaited_in_name: Option<Arc<str>>,
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
            JoinError::Cancelled | JoinError::OtherRuntime(_) => None,
        }
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoinError::Cancelled => f.write_str("task was cancelled"),
            JoinError::Panicked { message } => write!(f, "task panicked: {message}"),
            JoinError::OtherRuntime(other) => {
                let OtherRuntime {
                    task,
                    owner,
                    owner_name,
                    awaited_in,
                    awaited_in_name,
                } = &**other;
                let owner_label = RuntimeLabel {
                    id: *owner,
                    name: owner_name.as_deref(),
                };
                let awaited_label = RuntimeLabel {
                    id: *awaited_in,
                    name: awaited_in_name.as_deref(),
                };
                write!(
                    f,
                    "{task} belongs to {owner_label}, but was awaited in {awaited_label} on the \
                     same thread: {owner} cannot run its tasks while {awaited_in} blocks this \
                     thread (await it inside {owner}'s block_on)"
                )
            }
        }
    }
}

impl std::error::Error for JoinError {}

#[cfg(test)]
mod tests {
    use super::JoinError;

    #[test]
    fn a_join_error_is_three_words_so_every_tasks_output_slot_stays_small() {
        // A task's cell holds `Result<T, JoinError>`; a larger error grows every task.
        assert_eq!(
            std::mem::size_of::<JoinError>(),
            3 * std::mem::size_of::<usize>()
        );
    }

    #[test]
    fn cancelled_and_panicked_read_as_before() {
        let panicked = JoinError::from_panic(Box::new("boom"));
        assert_eq!(JoinError::Cancelled.to_string(), "task was cancelled");
        assert_eq!(panicked.to_string(), "task panicked: boom");
        assert_eq!(panicked.panic_message(), Some("boom"));
        assert!(JoinError::Cancelled.is_cancelled() && panicked.is_panic());
    }
}
