//! Helpers shared by the integration tests: runtimes under the virtual clock and a
//! cancellation counter.

// Each test file is its own crate and uses a different subset of these.
#![allow(dead_code)]

use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;
use std::time::Duration;

use runtime::time::sleep;
use runtime::trace::Recorder;
use runtime::Runtime;

/// A runtime under the virtual clock: timers fire in order, instantly.
pub fn virtual_runtime() -> Runtime {
    Runtime::builder()
        .virtual_clock(true)
        .build()
        .expect("runtime")
}

/// A virtual-clock runtime with a recorder attached.
pub fn traced_runtime() -> (Runtime, Recorder) {
    let recorder = Recorder::new();
    let rt = Runtime::builder()
        .virtual_clock(true)
        .on_event(recorder.clone())
        .build()
        .expect("runtime");
    (rt, recorder)
}

/// A virtual-clock runtime with a recorder of every event, down to each combinator
/// child's wakes and each span.
pub fn traced_all() -> (Runtime, Recorder) {
    let recorder = Recorder::all();
    let rt = Runtime::builder()
        .virtual_clock(true)
        .on_event(recorder.clone())
        .build()
        .expect("runtime");
    (rt, recorder)
}

/// Counts the futures that were dropped before they finished.
#[derive(Clone, Default)]
pub struct Cancelled(Rc<Cell<usize>>);

/// Held by a future across its awaits; counts a cancellation if dropped before `finish`.
pub struct Guard {
    cancelled: Cancelled,
    finished: bool,
}

impl Cancelled {
    /// A guard to hold across the awaits of one future.
    pub fn guard(&self) -> Guard {
        Guard {
            cancelled: self.clone(),
            finished: false,
        }
    }

    /// How many guards were dropped before `finish`.
    pub fn count(&self) -> usize {
        self.0.get()
    }
}

impl Guard {
    /// The future got to its end: dropping the guard now counts nothing.
    pub fn finish(mut self) {
        self.finished = true;
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if !self.finished {
            self.cancelled.0.set(self.cancelled.0.get() + 1);
        }
    }
}

/// Sleeps `ms` milliseconds, then gives `value`; counted in `cancelled` if dropped early.
pub fn nap<T>(ms: u64, value: T, cancelled: &Cancelled) -> impl Future<Output = T> {
    let guard = cancelled.guard();
    async move {
        sleep(Duration::from_millis(ms)).await;
        guard.finish();
        value
    }
}

/// Runs `f` on its own thread and fails the test if it takes more than 20 s: a test of a
/// wakeup that could be lost must end in a failure, not a hang. Under Miri `f` runs
/// directly (Miri reports a deadlock itself, and real-time limits mean nothing there).
pub fn bounded(f: impl FnOnce() + Send + 'static) {
    if cfg!(miri) {
        return f();
    }
    let (done, finished) = std::sync::mpsc::channel();
    let worker = std::thread::spawn(move || {
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
        let _ = done.send(());
        result
    });
    if finished.recv_timeout(Duration::from_secs(20)).is_err() && !worker.is_finished() {
        panic!("the test did not finish within 20 s");
    }
    if let Err(payload) = worker.join().expect("the worker catches panics") {
        std::panic::resume_unwind(payload);
    }
}

/// Counts how many times values made from it are dropped.
#[derive(Clone, Default)]
pub struct Drops(Rc<Cell<usize>>);

/// Adds one to its [`Drops`] when dropped.
pub struct Counted(Drops);

impl Drops {
    /// A value whose drop counts here.
    pub fn counted(&self) -> Counted {
        Counted(self.clone())
    }

    /// How many counted values were dropped.
    pub fn count(&self) -> usize {
        self.0.get()
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.0 .0.set(self.0 .0.get() + 1);
    }
}

/// The message of a caught panic.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "Box<dyn Any>".to_owned()
    }
}
