//! The `block_on` future's place in the run queue.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::task::Wake;

use super::state::{State, SCHEDULED};
use super::{schedule, schedule_by_ref, Header, Runnable, TaskReport, WaitsOn};
use crate::executor::core::Core;
use crate::executor::shared::Shared;
use crate::trace::TaskId;

/// Stands for the `block_on` future in the run queue.
///
/// The future itself lives on `block_on`'s stack (it need not be `'static`), so this entry
/// only tells the loop to poll it; it shares the state word and wake path of real tasks, so
/// the `block_on` future is scheduled in FIFO order like any task.
pub(crate) struct MainTask {
    header: Header,
    /// What the future's last poll registered its waker with (a [`WaitsOn`] set).
    waits_on: AtomicU8,
}

impl MainTask {
    pub(crate) fn new(shared: Arc<Shared>) -> MainTask {
        MainTask {
            header: Header {
                state: State::new(SCHEDULED),
                id: TaskId::MAIN,
                shared,
            },
            waits_on: AtomicU8::new(0),
        }
    }

    /// What the future's last poll registered its waker with.
    pub(crate) fn waits_on(&self) -> WaitsOn {
        WaitsOn(self.waits_on.load(Ordering::Relaxed))
    }

    pub(crate) fn set_waits_on(&self, waits_on: WaitsOn) {
        self.waits_on.store(waits_on.0, Ordering::Relaxed);
    }
}

impl Runnable for MainTask {
    fn header(&self) -> &Header {
        &self.header
    }

    fn run(self: Arc<Self>, core: &Core) {
        let previous = self.header.state.start_poll();
        if previous & super::state::COMPLETE == 0 {
            core.request_main_poll();
        }
    }

    fn shutdown(&self, _core: &Core) {}

    fn live_wakers(&self, other_refs: usize) -> usize {
        other_refs
    }

    fn join_waker_data(&self) -> Option<*const ()> {
        None
    }

    fn report(&self, _core: &Core, live_wakers: usize) -> TaskReport {
        TaskReport {
            id: self.header.id,
            name: None,
            polls: 0,
            waits_on: self.waits_on(),
            live_wakers,
            spawned_at: None,
        }
    }
}

impl Wake for MainTask {
    fn wake(self: Arc<Self>) {
        let action = self.header.state.wake();
        schedule(self, action);
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let action = self.header.state.wake();
        schedule_by_ref(self, action);
    }
}

/// Marks the `block_on` future finished when `block_on` returns or unwinds, so a waker for
/// it that fires later (it may be stored anywhere) is ignored.
pub(crate) struct FinishOnDrop(pub(crate) Arc<MainTask>);

impl Drop for FinishOnDrop {
    fn drop(&mut self) {
        self.0.header.state.finish();
    }
}
