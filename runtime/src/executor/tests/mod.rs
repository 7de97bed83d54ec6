//! Scheduler behaviour, asserted on the runtime's recorded trace.
//!
//! Each test runs a small program on a runtime with a [`Recorder`] attached and compares
//! the recorded events with the sequence the scheduling rules demand.

mod abort_and_panic;
mod diagnostics;
mod drop;
mod dropped_wakers;
mod fairness;
mod io_and_blocking;
mod misuse;
mod order;
mod other_runtime;
mod state;
mod stuck;
mod time;
mod wakes;
mod watchdog;

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use crate::tests::traced;
use crate::trace::Recorder;
use crate::Runtime;

/// A runtime under the virtual clock with the lost-waker lint off (the tests that use it
/// look at the stuck report or the events, not at stderr), recording into `recorder`.
fn lint_off(recorder: &Recorder) -> Runtime {
    Runtime::builder()
        .virtual_clock(true)
        .lost_waker_lint(false)
        .on_event(recorder.clone())
        .build()
        .unwrap()
}

/// The recorded lines that mention one of `tasks` (so a test can ignore `main`).
fn lines_of(recorder: &Recorder, tasks: &[&str]) -> Vec<String> {
    recorder
        .lines()
        .into_iter()
        .filter(|line| {
            line.split_whitespace()
                .any(|word| tasks.contains(&word.trim_matches(|c| c == '(' || c == ')')))
        })
        .collect()
}

/// A future that stays pending until released, keeping its latest waker where a test can
/// reach it (the way a channel or socket would).
#[derive(Clone, Default)]
struct Gate {
    inner: Arc<Mutex<GateState>>,
}

#[derive(Default)]
struct GateState {
    open: bool,
    waker: Option<Waker>,
}

impl Gate {
    fn wait(&self) -> GateWait {
        GateWait { gate: self.clone() }
    }

    /// The waker of the task waiting on the gate, if it has polled.
    fn waker(&self) -> Option<Waker> {
        self.inner.lock().unwrap().waker.clone()
    }

    fn open(&self) {
        let waker = {
            let mut state = self.inner.lock().unwrap();
            state.open = true;
            state.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

struct GateWait {
    gate: Gate,
}

impl Future for GateWait {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = self.gate.inner.lock().unwrap();
        if state.open {
            return Poll::Ready(());
        }
        state.waker = Some(cx.waker().clone());
        Poll::Pending
    }
}
