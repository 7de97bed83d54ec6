//! What the trace says about a combinator's children: their numbers, polls, wakes and ends.
//!
//! A combinator is numbered (its *group*) the first time it is polled with a hook attached;
//! from then on each child poll is recorded as a `ChildPoll`, `ChildPollEnd` pair (with
//! the leaf the child parked on), each call of a child's waker as a `ChildWoken`, and
//! each child's end as a `ChildFinished`. With no hook attached none of this runs: a
//! round carries no [`RoundTrace`], and a wake reads one atomic that stays 0.

use std::rc::Rc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::task::Poll;

use crate::executor::core::Core;
use crate::executor::wake;
use crate::task::{note_wait, record_waits, TaskId};
use crate::trace::{ChildId, Event, Outcome, PollResult, WakeCause};

/// The trace identity of one combinator, shared with its children's wakers.
#[derive(Debug, Default)]
pub(crate) struct GroupTag {
    /// Its [`ChildId::group`]; 0 until it is polled with a hook attached.
    group: AtomicU32,
    /// The task that runs it, valid once `group` is set.
    task: AtomicU64,
    /// Wakes from other threads, recorded at the next poll: `(child, already_queued)`.
    from_threads: Mutex<Vec<(u32, bool)>>,
}

impl GroupTag {
    /// Records a call of child `index`'s waker. Call it before waking the parent, so the
    /// trace shows the child's wake before the task's.
    #[inline]
    pub(crate) fn on_wake(&self, index: usize, already_queued: bool) {
        let group = self.group.load(Ordering::Acquire);
        if group != 0 {
            self.record_wake(group, index, already_queued);
        }
    }

    #[cold]
    fn record_wake(&self, group: u32, index: usize, already_queued: bool) {
        let child = ChildId {
            group,
            index: index as u32,
        };
        let task = TaskId(self.task.load(Ordering::Relaxed));
        let recorded = wake::with_current(|core| {
            let core = core?;
            let cause = core.trace().cause();
            core.trace().emit(|| Event::ChildWoken {
                task,
                child,
                cause,
                already_queued,
            });
            Some(())
        });
        if recorded.is_none() {
            let mut later = self
                .from_threads
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            later.push((child.index, already_queued));
        }
    }
}

impl GroupTag {
    /// Records that the children at `unfinished` are dropped before they finished (the
    /// combinator is dropped, or gave up on them).
    pub(crate) fn on_dropped(&self, unfinished: impl Iterator<Item = usize>) {
        let group = self.group.load(Ordering::Acquire);
        if group == 0 {
            return;
        }
        let task = TaskId(self.task.load(Ordering::Relaxed));
        wake::with_current(|core| {
            let Some(core) = core else { return };
            for index in unfinished {
                let child = ChildId {
                    group,
                    index: index as u32,
                };
                core.trace().emit(|| Event::ChildFinished {
                    task,
                    child,
                    outcome: Outcome::Aborted,
                });
            }
        });
    }
}

/// A round's link to the trace: present only when a hook is attached.
pub(crate) struct RoundTrace {
    core: Rc<Core>,
    task: TaskId,
    group: u32,
}

impl RoundTrace {
    /// Starts tracing a round of the combinator tagged `tag`, named `combinator` with
    /// `count` children, if the current runtime has a hook and a task is being polled. The
    /// first such round numbers the combinator; every round records the wakes that came
    /// from other threads since the last.
    pub(crate) fn start(tag: &GroupTag, combinator: &'static str, count: usize) -> Option<Self> {
        // Untraced, the round takes nothing from the runtime (not even a reference count).
        let traced = wake::with_current(|core| core.is_some_and(|core| core.trace().is_on()));
        if !traced {
            return None;
        }
        let core = wake::current()?;
        let trace = core.trace();
        let (task, parent) = trace.context()?;
        let mut group = tag.group.load(Ordering::Acquire);
        if group == 0 {
            group = trace.next_group();
            tag.task.store(task.0, Ordering::Relaxed);
            tag.group.store(group, Ordering::Release);
            trace.emit(|| Event::Children {
                task,
                group,
                parent,
                combinator,
                count,
            });
        }
        let from_threads = std::mem::take(
            &mut *tag
                .from_threads
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        );
        for (index, already_queued) in from_threads {
            trace.emit(|| Event::ChildWoken {
                task,
                child: ChildId { group, index },
                cause: WakeCause::Thread,
                already_queued,
            });
        }
        Some(RoundTrace { core, task, group })
    }

    /// Polls child `index` with `poll`, recording the poll, what it parked on, and its
    /// end if it finished. The kinds of sources the child waits on pass on to the task's
    /// own record (for the stuck report).
    pub(crate) fn poll_child<T>(&self, index: usize, poll: impl FnOnce() -> Poll<T>) -> Poll<T> {
        let trace = self.core.trace();
        let (task, child) = (
            self.task,
            ChildId {
                group: self.group,
                index: index as u32,
            },
        );
        trace.emit(|| Event::ChildPoll { task, child });
        let (output, waits) = record_waits(true, || trace.with_child(child, poll));
        note_wait(waits.kinds);
        let result = match output {
            Poll::Ready(_) => PollResult::Ready,
            Poll::Pending => PollResult::Pending,
        };
        trace.emit(|| Event::ChildPollEnd {
            task,
            child,
            result,
            waits_on: waits.last.filter(|_| result == PollResult::Pending),
        });
        if result == PollResult::Ready {
            trace.emit(|| Event::ChildFinished {
                task,
                child,
                outcome: Outcome::Completed,
            });
        }
        output
    }
}

/// Polls child `index` through `trace` when the round is traced, or plainly.
#[inline]
pub(crate) fn poll_child<T>(
    trace: Option<&RoundTrace>,
    index: usize,
    poll: impl FnOnce() -> Poll<T>,
) -> Poll<T> {
    match trace {
        Some(trace) => trace.poll_child(index, poll),
        None => poll(),
    }
}
