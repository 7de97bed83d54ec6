//! Naming what the trace shows: a combinator child's label, and the phases of a piece of
//! work.
//!
//! The runtime numbers every combinator child (`main › child 3`) and records which leaf
//! each poll parked on (`pending on socket read (fetcher/src/…:88)`). Two wrappers add
//! what only the program knows:
//!
//! - [`label`] names a combinator child: `gather(ids.map(|id| label(format!("hero {id}"),
//!   fetch(id))))` shows `main › hero 4` in the timeline and a `hero 4` track in the Chrome
//!   trace.
//! - [`span`] marks a phase: `span("tls handshake", handshake)` records when the handshake
//!   began and ended, inside whichever task or child runs it.
//!
//! Both only watch: they poll the future they wrap and return its output unchanged. With
//! no hook attached, each costs one check on its first poll.
//!
//! ```
//! use std::time::Duration;
//! use runtime::instrument::{label, span};
//! use runtime::time::sleep;
//! use runtime::trace::{Event, Recorder};
//!
//! let recorder = Recorder::all();
//! let rt = runtime::Runtime::builder()
//!     .virtual_clock(true)
//!     .on_event(recorder.clone())
//!     .build()?;
//! rt.block_on(runtime::gather([1, 2].map(|id| {
//!     label(format!("hero {id}"), span("nap", sleep(Duration::from_millis(id))))
//! })));
//! let labels: Vec<String> = recorder
//!     .events()
//!     .iter()
//!     .filter_map(|event| match event {
//!         Event::ChildLabel { label, .. } => Some(label.to_string()),
//!         _ => None,
//!     })
//!     .collect();
//! assert_eq!(labels, ["hero 1", "hero 2"]);
//! # Ok::<(), std::io::Error>(())
//! ```

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use crate::executor::wake;
use crate::task::parking;
use crate::task::TaskId;
use crate::trace::{ChildId, Event};

/// Names `future` in the trace when a combinator (`gather`, `as_completed`, `join`, ...)
/// runs it as a child: the timeline shows `main › hero 4`, the Chrome trace a `hero 4`
/// track. Outside a combinator, or with no hook attached, it does nothing but poll
/// `future`.
///
/// The label is recorded on the child's first poll (an [`Event::ChildLabel`]), so wrap the
/// child's whole future, as the examples do: `label(format!("hero {id}"), fetch(id))`.
pub fn label<F: Future>(label: impl Into<Arc<str>>, future: F) -> Labeled<F> {
    Labeled {
        future: Box::pin(future),
        label: label.into(),
        recorded: false,
    }
}

/// The future returned by [`label`]; its output is the wrapped future's.
#[must_use = "futures do nothing unless you `.await` them"]
pub struct Labeled<F> {
    /// The wrapped future, boxed so that `Labeled` needs no pin projection.
    future: Pin<Box<F>>,
    label: Arc<str>,
    /// Whether the first poll has recorded the label in the trace.
    recorded: bool,
}

impl<F: Future> Future for Labeled<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        if !self.recorded {
            self.recorded = true;
            if let Some(core) = wake::current() {
                let trace = core.trace();
                if let Some((task, Some(child))) = trace.context() {
                    let label = self.label.clone();
                    trace.emit(|| Event::ChildLabel { task, child, label });
                }
            }
        }
        // A waker parked inside names the label in a stuck report's async stack.
        let frame = self.label.clone();
        parking::in_frame(frame, || self.future.as_mut().poll(cx))
    }
}

impl<F> fmt::Debug for Labeled<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Labeled")
            .field("label", &self.label)
            .finish()
    }
}

/// Marks `future` as a phase called `name` of whatever task or combinator child polls it:
/// the trace records an [`Event::SpanStart`] at its first poll and an [`Event::SpanEnd`]
/// when it returns `Ready` (or is dropped before). The timeline shows the phase on each
/// line of the child that runs it; the Chrome trace draws it as a slice on a track of
/// phases.
///
/// The fetcher marks its phases this way (`resolve`, `connect`, `tls handshake`,
/// `request`, `response head`, `body`, `redirect`).
pub fn span<F: Future>(name: impl Into<Cow<'static, str>>, future: F) -> Span<F> {
    Span {
        future: Box::pin(future),
        name: Arc::from(name.into()),
        state: SpanState::NotStarted,
    }
}

/// The future returned by [`span`]; its output is the wrapped future's.
#[must_use = "futures do nothing unless you `.await` them"]
pub struct Span<F> {
    /// The wrapped future, boxed so that `Span` needs no pin projection.
    future: Pin<Box<F>>,
    /// Shared with the async stack of each poll (one allocation, not one per poll).
    name: Arc<str>,
    state: SpanState,
}

/// Where a span is in its life.
#[derive(Clone, Copy, Debug)]
enum SpanState {
    /// Not polled yet.
    NotStarted,
    /// Polled with no hook attached (or outside a task): nothing to record, ever.
    Untraced,
    /// Recorded as started, with this number, by this task and child; an end is due.
    Open {
        id: u64,
        task: TaskId,
        child: Option<ChildId>,
    },
    /// Its end is recorded.
    Ended,
}

impl<F: Future> Future for Span<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        if let SpanState::NotStarted = self.state {
            self.state = SpanState::Untraced;
            if let Some(core) = wake::current() {
                let trace = core.trace();
                if let (true, Some((task, child))) = (trace.is_on(), trace.context()) {
                    let id = trace.next_span();
                    let name = self.name.clone();
                    trace.emit(|| Event::SpanStart {
                        task,
                        child,
                        span: id,
                        name,
                    });
                    self.state = SpanState::Open { id, task, child };
                }
            }
        }
        let frame = self.name.clone();
        let output = parking::in_frame(frame, || self.future.as_mut().poll(cx));
        if output.is_ready() {
            self.end(false);
        }
        output
    }
}

impl<F> Span<F> {
    /// Records the span's end, once, if its start was recorded.
    fn end(&mut self, cancelled: bool) {
        let SpanState::Open { id, task, child } = self.state else {
            return;
        };
        self.state = SpanState::Ended;
        // The span belongs to the task and child that started it, even when it ends in a
        // destructor outside any poll. With no runtime left, there is no trace to tell.
        if let Some(core) = wake::current() {
            core.trace().emit(|| Event::SpanEnd {
                task,
                child,
                span: id,
                cancelled,
            });
        }
    }
}

impl<F> Drop for Span<F> {
    fn drop(&mut self) {
        self.end(true);
    }
}

impl<F> fmt::Debug for Span<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Span").field("name", &self.name).finish()
    }
}
