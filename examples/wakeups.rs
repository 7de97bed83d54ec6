//! The waker contract, step by step, with the runtime's own timeline printed beside it.
//!
//! `Delay` below is a future written by hand (a struct and an `impl Future`, no `async fn`)
//! that completes once a std thread has slept for a while. Every time the runtime polls it,
//! it says what it is doing, and the runtime's timeline (on stderr) says what the runtime
//! is doing, so the two stories interleave:
//!
//! 1. First poll: nothing to return yet. `Delay` keeps a clone of `cx.waker()`, hands it to
//!    a std thread, and returns `Pending`. From now on the runtime will not poll it again
//!    until someone calls that waker.
//! 2. The runtime has nothing else to run, so the reactor parks: the thread sleeps in
//!    `epoll_wait`, using no CPU.
//! 3. The std thread finishes its sleep, records the result, and calls `wake()`. A wake from
//!    another thread goes through the runtime's injection queue and an eventfd that
//!    interrupts the reactor.
//! 4. The runtime puts the task back in its run queue and polls it again: this time the
//!    result is there, and `poll` returns `Ready`. The task finishes, which wakes `main`,
//!    waiting on the task's `JoinHandle`.
//!
//! Run it with:
//!
//! ```text
//! cargo run --example wakeups
//! cargo run --example wakeups -- --trace-json wakeups.json   # also write a Chrome trace
//! ```
//!
//! and open `wakeups.json` in <https://ui.perfetto.dev> to see the same story as slices and
//! arrows. The timeline is on by default here (`--trace` is accepted and changes nothing);
//! set `NO_COLOR=1` for plain text.
//!
//! What to look at in the output:
//!
//! - the lines starting with `|` are `Delay` talking; the others are the runtime's timeline:
//!   time since start in milliseconds (to the µs), the task, what happened, and why;
//! - `t1 "delay" pending` right after `Delay` stored its waker: returning `Pending` without
//!   having stored (or passed on) the waker would leave the task asleep forever;
//! - `reactor park until I/O, a timer or another thread`: the runtime is idle;
//! - `reactor unpark notified by another thread`, then `t1 "delay" wake by another thread`:
//!   the thread's `wake()` arriving; the time between the two `t1 "delay"` polls is the
//!   delay;
//! - `main wake by t1 "delay"`: a finishing task wakes whoever awaits its `JoinHandle`;
//! - the per-task summary at the end: `t1` was polled twice and woken once, by a thread.

use std::future::Future;
use std::pin::Pin;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::Duration;

use tinyloop::cli::{Command, Out, Trace};

const COMMAND: Command<'static> = Command {
    name: "wakeups",
    usage: "usage: wakeups [--trace] [--trace-json PATH] [--trace-html PATH]",
    details: Trace::TIMELINE_DETAILS,
};

/// A future that is ready once a std thread has slept for `duration`.
struct Delay {
    duration: Duration,
    /// What the thread and the future share: the result, and the waker to call.
    shared: Arc<Mutex<Shared>>,
    /// Whether the thread has been started (on the first poll, not at construction: a
    /// future does nothing until it is polled).
    started: bool,
    /// How many times `poll` has been called.
    polls: u32,
}

#[derive(Default)]
struct Shared {
    /// Set by the thread when the delay is over.
    done: bool,
    /// The waker of the latest poll. The thread takes it and calls it when done.
    waker: Option<Waker>,
}

impl Delay {
    fn new(duration: Duration) -> Delay {
        Delay {
            duration,
            shared: Arc::default(),
            started: false,
            polls: 0,
        }
    }

    /// Starts the std thread that sleeps for `duration`, records the result, and calls the
    /// stored waker.
    fn start_thread(&self) {
        let (shared, duration) = (self.shared.clone(), self.duration);
        thread::spawn(move || {
            thread::sleep(duration);
            // Record the result first, then take the waker, under one lock: a poll running
            // concurrently either sees `done` or has stored its waker already.
            let waker = {
                let mut shared = shared.lock().unwrap_or_else(PoisonError::into_inner);
                shared.done = true;
                shared.waker.take()
            };
            narrate("thread: slept; done = true; calling wake()");
            if let Some(waker) = waker {
                waker.wake();
            }
        });
    }
}

impl Future for Delay {
    type Output = u32;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        self.polls += 1;
        let polls = self.polls;
        let mut shared = self.shared.lock().unwrap_or_else(PoisonError::into_inner);
        if shared.done {
            narrate(&format!(
                "Delay, poll {polls}: the thread is done -> return Ready"
            ));
            return Poll::Ready(polls);
        }

        // The contract: before returning Pending, make sure the *current* waker will be
        // called when progress is possible. A task may be polled with a different waker
        // than last time, so replace the stored one unless it would wake the same task.
        match &shared.waker {
            Some(stored) if stored.will_wake(cx.waker()) => {
                narrate(&format!(
                    "Delay, poll {polls}: not done; the stored waker is still the right one"
                ));
            }
            _ => {
                shared.waker = Some(cx.waker().clone());
                narrate(&format!(
                    "Delay, poll {polls}: not done -> store a clone of cx.waker()"
                ));
            }
        }
        drop(shared);

        let first = !self.started;
        if first {
            narrate(&format!(
                "Delay, poll {polls}: start a std thread that calls wake() in {:?}",
                self.duration
            ));
        }
        // Said before the thread starts: once it runs, it may finish its sleep and say its
        // own line before this poll gets to print another one.
        narrate(&format!(
            "Delay, poll {polls}: return Pending (no more polls until wake() is called)"
        ));
        if first {
            self.started = true;
            self.start_thread();
        }
        Poll::Pending
    }
}

/// Standard output; `Out`, not `println!`, so that `wakeups | head` does not panic when
/// `head` leaves. A `static`, because the std thread narrates too.
static OUT: Out = Out::new();

/// One line of the future's own story, set apart from the runtime's timeline.
fn narrate(line: &str) {
    OUT.line(format_args!("  | {line}"));
}

fn main() -> ExitCode {
    // The timeline is the point of this example, so it is always on; `--trace-json PATH`
    // adds the Chrome trace.
    let (rt, trace) = match Trace::timeline_runtime(&COMMAND) {
        Ok(started) => started,
        Err(status) => return status,
    };

    let polls = rt.block_on(async {
        let delay = runtime::spawn_named("delay", Delay::new(Duration::from_millis(20)));
        delay.await.expect("the delay task does not panic")
    });
    narrate(&format!("main: Delay was ready after {polls} polls"));

    // Dropping the runtime prints the per-task summary; then the Chrome trace is written.
    drop(rt);
    if let Err(e) = trace.finish() {
        return COMMAND.failed(e);
    }
    OUT.ended().unwrap_or(ExitCode::SUCCESS)
}
