//! What a task is, whatever runs it: its id (and its runtime's), why it may have no output,
//! what it waits on, and what a report says about it.
//!
//! Nothing here knows the executor; the executor (`crate::executor`) builds on it.

mod await_point;
mod join_error;
mod panic;
pub(crate) mod parking;
pub(crate) mod report;
mod runtime_id;
mod waits;
mod yield_now;

pub use await_point::{Await, AwaitPoint};
pub use join_error::{JoinError, OtherRuntime};
pub use report::{Report, Stuck, TaskReport, TaskState, Verdict, Wait};
pub use runtime_id::RuntimeId;
pub use waits::WaitsOn;
pub use yield_now::{yield_now, YieldNow};

pub(crate) use panic::{contain, drop_payload};
pub(crate) use runtime_id::RuntimeLabel;
pub(crate) use waits::{keep_await_point, note_await, note_wait, record_waits};

use std::fmt;

/// A task's number, unique within one runtime. `TaskId(0)` is the `block_on` future, which
/// the trace names `main`; spawned tasks count up from 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId(pub u64);

impl TaskId {
    /// The id of the future passed to `block_on`.
    pub const MAIN: TaskId = TaskId(0);
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == TaskId::MAIN {
            f.write_str("main")
        } else {
            write!(f, "t{}", self.0)
        }
    }
}

/// One child of a combinator (`gather`, `as_completed`, `join`, ...), unique within one
/// runtime.
///
/// Children are numbered when their combinator is first polled with a hook attached:
/// `group` counts the runtime's combinators from 1 in that order, `index` is the child's
/// position in its combinator's input, from 0. The timeline calls it by its
/// [`label`](crate::instrument::label), or `child {index}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChildId {
    /// The combinator, counted from 1 per runtime.
    pub group: u32,
    /// The child's position in the combinator's input, from 0.
    pub index: u32,
}
