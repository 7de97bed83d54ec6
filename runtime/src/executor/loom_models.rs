//! Model-checked interleavings of a foreign wake with the runtime's side of a task.
//!
//! Run with: `RUSTFLAGS="--cfg loom" cargo test -p runtime --lib --release loom_models`.
//! loom runs each model under every interleaving (and every permitted reordering) of its
//! threads. The runtime thread and the waking thread share the real [`State`] word and the
//! real injection queue (`push`, `drain`, and closing it by taking the `Vec`); the mio
//! interrupt is represented by the `Ok(true)` result that obliges the pusher to
//! signal it.

use loom::sync::atomic::{AtomicBool, Ordering};
use loom::sync::Arc;
use loom::thread;

use super::shared::Injection;
use super::wake::{AfterPoll, State, WakeAction};
use super::wake::{CANCELLED, COMPLETE, SCHEDULED};

/// One task as both threads see it.
struct Model {
    state: State,
    injection: Injection<u32>,
    /// What the waker publishes before waking (a channel's value, say).
    data: AtomicBool,
}

/// What a push did: `Ok(true)` obliges the pusher to interrupt the reactor.
type Pushed = Result<bool, u32>;

impl Model {
    fn new(flags: usize) -> Arc<Model> {
        Arc::new(Model {
            state: State::new(flags),
            injection: Injection::new(),
            data: AtomicBool::new(false),
        })
    }

    /// A foreign thread's wake: publish, wake, and inject if told to.
    fn foreign_wake(&self) -> Option<Pushed> {
        self.data.store(true, Ordering::Relaxed);
        match self.state.wake() {
            WakeAction::Queue => Some(self.injection.push(1)),
            _ => None,
        }
    }

    fn take(&self) -> Vec<u32> {
        self.injection.drain()
    }

    /// The runtime's drop: refuse later pushes, return what was queued.
    fn close(&self) -> Vec<u32> {
        self.injection.close()
    }
}

#[test]
fn wake_vs_poll_never_loses_the_wakeup_nor_queues_twice() {
    loom::model(|| {
        let model = Model::new(SCHEDULED); // queued, about to be polled
        let waker = {
            let model = model.clone();
            thread::spawn(move || model.foreign_wake().is_some())
        };
        model.state.start_poll();
        let saw_data = model.data.load(Ordering::Relaxed);
        let requeued = model.state.end_poll() == AfterPoll::Requeue;
        let injected = waker.join().unwrap();
        assert!(saw_data || requeued || injected, "the wakeup was lost");
        assert!(!(requeued && injected), "the task was queued twice");
    });
}

#[test]
fn wake_vs_complete_never_queues_a_finished_task() {
    loom::model(|| {
        let model = Model::new(SCHEDULED);
        let waker = {
            let model = model.clone();
            thread::spawn(move || model.foreign_wake().is_some())
        };
        model.state.start_poll();
        model.state.complete(); // the poll returned Ready
        assert!(!waker.join().unwrap(), "a completed task was injected");
        assert!(model.take().is_empty());
        assert_ne!(model.state.load() & COMPLETE, 0);
    });
}

#[test]
fn wake_vs_abort_queues_the_task_exactly_once_and_it_stays_cancelled() {
    loom::model(|| {
        let model = Model::new(0); // idle, waiting for a waker
        let waker = {
            let model = model.clone();
            thread::spawn(move || model.foreign_wake().is_some())
        };
        let abort_queued = model.state.cancel() == WakeAction::Queue;
        let injected = waker.join().unwrap();
        assert_eq!(
            usize::from(abort_queued) + usize::from(injected),
            1,
            "queued {} times",
            usize::from(abort_queued) + usize::from(injected)
        );
        assert_ne!(model.state.load() & CANCELLED, 0);
    });
}

#[test]
fn wake_during_runtime_drop_strands_nothing() {
    loom::model(|| {
        let model = Model::new(0);
        let waker = {
            let model = model.clone();
            thread::spawn(move || model.foreign_wake())
        };
        // The runtime's drop: mark the task finished, close the queue, drop what was in it.
        model.state.complete();
        let drained = model.close();
        let pushed = waker.join().unwrap();
        let stranded = model.take();
        assert!(stranded.is_empty(), "an entry outlived the runtime");
        if let Some(Ok(_)) = pushed {
            assert_eq!(drained, [1], "an accepted entry must be drained by close");
        }
    });
}

#[test]
fn a_push_after_the_runtime_drains_always_interrupts_it() {
    loom::model(|| {
        let model = Model::new(0);
        let waker = {
            let model = model.clone();
            thread::spawn(move || model.foreign_wake())
        };
        let taken = model.take();
        let pushed = waker.join().unwrap();
        let remaining = model.take();
        if !remaining.is_empty() {
            // The runtime took nothing, so it would now wait: it must have been interrupted.
            assert!(taken.is_empty());
            assert_eq!(pushed, Some(Ok(true)), "the reactor would sleep through it");
        }
    });
}
