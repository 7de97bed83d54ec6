//! Running many futures at once: `gather`, `as_completed`, `race`, `wait` and `TaskGroup`.
//!
//! The functions are re-exported at the crate root ([`crate::gather`], ...); this module
//! holds the futures they return. The crate docs map each asyncio name to its counterpart
//! here and list the differences.
//!
//! # One waker per child
//!
//! A combinator polls its children inside the task that awaits it. The simple way — give
//! every child the task's waker and re-poll them all on each wake — costs `n` polls per
//! wake, `O(n²)` for `n` children that each wake once. Here every child gets its own
//! waker, which records the child's index in a *ready list* before waking the task:
//!
//! ```text
//!   timer fires ─► child 7's waker ─► ready list [7] ─► wakes the task (once per batch)
//!   task polls the combinator ─► polls child 7 only
//! ```
//!
//! so `n` children woken once each cost `O(n)` polls in all. In the trace each child poll
//! is its own line, `poll t1 child 7`, numbered by input position.
//!
//! # Fairness
//!
//! One poll of a combinator is a *round*: it polls the children that were ready when it
//! started, each once, at most 128 of them. A child woken during the round (by itself, for
//! instance) waits for the next round; when children are left, the combinator wakes its
//! own task and returns `Pending`, so other tasks, the reactor and timers get a turn.
//!
//! # Dropping
//!
//! Dropping a combinator drops every child it still holds: a future stops where it was
//! (its timers and sockets deregister), which is how Rust cancels. A
//! [`JoinHandle`](crate::JoinHandle) child is the exception: dropping a handle detaches the
//! task, so wrap handles in [`abort_on_drop`](crate::abort_on_drop) or use a
//! [`TaskGroup`] when tasks must not outlive the combinator.

mod abort_on_drop;
mod as_completed;
mod child_trace;
mod child_waker;
mod children;
mod gather;
mod join;
mod race;
mod ready_list;
mod task_group;
mod try_gather;
mod wait;
mod wake_stack;

#[cfg(all(test, loom))]
mod loom_models;
#[cfg(test)]
mod tests;

pub use abort_on_drop::{abort_on_drop, AbortOnDrop};
pub use as_completed::{
    as_completed, as_completed_timeout, AsCompleted, Completion, Completions, Next,
};
pub use gather::{gather, Gather};
pub use join::{join, join3, Join, Join3};
pub use race::{race, Race};
pub use task_group::{ChildHandle, GroupError, TaskGroup};
pub use try_gather::{try_gather, TryGather};
pub use wait::{wait, ReturnWhen, Wait, Waited};
