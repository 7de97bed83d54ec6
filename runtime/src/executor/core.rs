//! The runtime's thread-local heart: the run queue, the task list, and the scheduling loop.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use slab::Slab;

use super::shared::Shared;
use crate::blocking::BlockingPool;
use crate::reactor::Reactor;
use crate::task::{self, JoinHandle, MainTask, Stuck, Task, TaskRef, WaitsOn, WakeAction};
use crate::time::{Clock, Timers};
use crate::trace::{Event, Hook, IgnoredBecause, PollResult, TaskId, WakeCause};

/// Everything a runtime owns that only its own thread touches.
pub(crate) struct Core {
    /// What other threads may touch: the injection queue and the reactor interrupt.
    pub(crate) shared: Arc<Shared>,
    /// Tasks ready to be polled, in the order they were woken. Every task in it has
    /// `SCHEDULED` set; each appears at most once.
    run_queue: RefCell<VecDeque<TaskRef>>,
    /// Every task that has not finished, so that dropping the runtime can drop their
    /// futures. A task's slot key never changes while it is here.
    tasks: RefCell<Slab<TaskRef>>,
    /// Waits for I/O readiness and the next timer deadline.
    pub(crate) reactor: Reactor,
    /// Pending timers by `(deadline, id)`.
    pub(crate) timers: RefCell<Timers>,
    /// Real or virtual time.
    pub(crate) clock: Clock,
    /// Jobs run by `spawn_blocking`.
    pub(crate) blocking: BlockingPool,
    /// Receivers of every event; empty means tracing is off (one branch per event).
    hooks: Box<[Rc<dyn Hook>]>,
    /// Who would be the cause of a wake happening now: the task being polled, the reactor
    /// delivering readiness, a timer firing, or the runtime itself.
    cause: Cell<WakeCause>,
    /// The names of unfinished named tasks. Kept here rather than in each task so an
    /// unnamed task (most of them) pays nothing for the feature.
    names: RefCell<HashMap<TaskId, Arc<str>>>,
    /// The id the next spawned task gets.
    next_id: Cell<u64>,
    /// Set when `block_on`'s future was taken from the run queue and must be polled now.
    poll_main: Cell<bool>,
    /// What the future being polled registered its waker with, so far in this poll.
    waits: Cell<WaitsOn>,
    /// How many tasks run between two non-blocking reactor polls.
    pub(crate) event_interval: u32,
    /// Whether a lost waker is also printed to stderr (it is always emitted as an event).
    pub(crate) lost_waker_lint: bool,
}

impl Core {
    pub(crate) fn new(
        shared: Arc<Shared>,
        reactor: Reactor,
        clock: Clock,
        blocking: BlockingPool,
        hooks: Vec<Rc<dyn Hook>>,
        event_interval: u32,
        lost_waker_lint: bool,
    ) -> Core {
        Core {
            shared,
            run_queue: RefCell::new(VecDeque::new()),
            tasks: RefCell::new(Slab::new()),
            reactor,
            timers: RefCell::new(Timers::default()),
            clock,
            blocking,
            hooks: hooks.into_boxed_slice(),
            cause: Cell::new(WakeCause::Runtime),
            names: RefCell::new(HashMap::new()),
            next_id: Cell::new(1),
            poll_main: Cell::new(false),
            waits: Cell::new(WaitsOn::UNKNOWN),
            event_interval: event_interval.max(1),
            lost_waker_lint,
        }
    }

    /// Passes an event to every hook. The closure runs only when a hook is attached.
    #[inline]
    pub(crate) fn emit(&self, event: impl FnOnce() -> Event) {
        if !self.hooks.is_empty() {
            self.emit_slow(event());
        }
    }

    #[cold]
    fn emit_slow(&self, event: Event) {
        let at = self.clock.elapsed();
        for hook in self.hooks.iter() {
            hook.on_event(at, &event);
        }
    }

    /// Runs `f` with `cause` recorded as the cause of any wake it performs.
    pub(crate) fn with_cause<R>(&self, cause: WakeCause, f: impl FnOnce() -> R) -> R {
        let previous = self.cause.replace(cause);
        let result = f();
        self.cause.set(previous);
        result
    }

    /// The cause of a wake happening now.
    pub(crate) fn cause(&self) -> WakeCause {
        self.cause.get()
    }

    /// Records that the task being polled polled the `child`-th child of a combinator.
    /// Does nothing outside a task's poll or when no hook is attached.
    pub(crate) fn note_child_poll(&self, child: usize) {
        if let WakeCause::Task(task) = self.cause() {
            self.emit(|| Event::ChildPoll { task, child });
        }
    }

    /// Forgets what the previous poll waited on (called before each poll).
    pub(crate) fn start_recording_waits(&self) {
        self.waits.set(WaitsOn::UNKNOWN);
    }

    /// Notes that the future being polled gave its waker to a `kind` of source.
    pub(crate) fn note_wait(&self, kind: WaitsOn) {
        self.waits.set(self.waits.get().with(kind));
    }

    /// What the current poll registered its waker with.
    pub(crate) fn recorded_waits(&self) -> WaitsOn {
        self.waits.get()
    }

    /// Creates a task and queues it for its first poll.
    pub(crate) fn spawn<F>(
        &self,
        future: F,
        name: Option<Arc<str>>,
        location: &'static Location<'static>,
    ) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let id = TaskId(self.next_id.get());
        self.next_id.set(id.0 + 1);
        let mut tasks = self.tasks.borrow_mut();
        let slot = tasks.vacant_entry();
        let key = u32::try_from(slot.key()).expect("fewer than 2^32 live tasks");
        let task = Arc::new(Task::new(future, id, self.shared.clone(), location, key));
        slot.insert(task.clone());
        drop(tasks);
        if let Some(name) = &name {
            self.names.borrow_mut().insert(id, name.clone());
        }
        self.emit(|| Event::Spawned {
            task: id,
            name,
            parent: match self.cause() {
                WakeCause::Task(parent) => Some(parent),
                _ => None,
            },
        });
        self.run_queue.borrow_mut().push_back(task.clone());
        JoinHandle::new(task)
    }

    /// Queues a task woken on this thread (see `task::enqueue`).
    pub(crate) fn enqueue_local(&self, id: TaskId, task: TaskRef) {
        let cause = self.cause();
        self.emit(|| Event::Woken { task: id, cause });
        self.run_queue.borrow_mut().push_back(task);
    }

    /// Records a wake on this thread that queued nothing.
    pub(crate) fn note_wake(&self, id: TaskId, action: WakeAction) {
        let cause = self.cause();
        self.emit(|| match action {
            WakeAction::Queue | WakeAction::DuringPoll => Event::Woken { task: id, cause },
            WakeAction::AlreadyQueued => Event::WakeIgnored {
                task: id,
                cause,
                reason: IgnoredBecause::AlreadyQueued,
            },
            WakeAction::Finished => Event::WakeIgnored {
                task: id,
                cause,
                reason: IgnoredBecause::Finished,
            },
        });
    }

    /// Puts a task that was woken during its own poll back at the end of the queue.
    pub(crate) fn requeue(&self, id: TaskId, task: TaskRef) {
        self.emit(|| Event::Requeued { task: id });
        self.run_queue.borrow_mut().push_back(task);
    }

    /// Forgets a finished task (drops the runtime's reference to it, and its name).
    pub(crate) fn remove_task(&self, key: usize, id: TaskId) {
        let task = self.tasks.borrow_mut().try_remove(key);
        drop(task);
        if !self.names.borrow().is_empty() {
            self.names.borrow_mut().remove(&id);
        }
    }

    /// The name an unfinished task was spawned with.
    pub(crate) fn task_name(&self, id: TaskId) -> Option<Arc<str>> {
        self.names.borrow().get(&id).cloned()
    }

    /// How many tasks have not finished.
    pub(crate) fn live_tasks(&self) -> usize {
        self.tasks.borrow().len()
    }

    /// Called by the `block_on` future's run-queue entry: poll it as soon as `run` returns.
    pub(crate) fn request_main_poll(&self) {
        self.poll_main.set(true);
    }

    /// Moves every task woken by other threads onto the local run queue.
    fn drain_injected(&self) {
        for task in self.shared.take_injected() {
            let id = task.header().id;
            self.emit(|| Event::Woken {
                task: id,
                cause: WakeCause::Thread,
            });
            self.run_queue.borrow_mut().push_back(task);
        }
    }

    /// A reference to every unfinished task.
    pub(crate) fn tasks_snapshot(&self) -> Vec<TaskRef> {
        self.tasks.borrow().iter().map(|(_, t)| t.clone()).collect()
    }

    /// Drives `future` to completion, running every other task meanwhile, or reports that
    /// nothing can ever wake anything again.
    ///
    /// One loop iteration:
    /// 1. run at most `event_interval` entries from the run queue, polling `future` when its
    ///    own entry comes up;
    /// 2. move tasks woken by other threads onto the queue;
    /// 3. turn the reactor: without blocking when tasks are waiting, otherwise until the
    ///    next I/O event, timer deadline or foreign wake — unless nothing could ever end
    ///    that wait, in which case the report is returned instead of hanging.
    pub(crate) fn block_on<F: Future>(&self, future: F) -> Result<F::Output, Stuck> {
        let mut future = std::pin::pin!(future);
        let main = Arc::new(MainTask::new(self.shared.clone()));
        let _finish_main = task::FinishOnDrop(main.clone());
        let waker = Waker::from(main.clone());
        let mut cx = Context::from_waker(&waker);
        self.run_queue.borrow_mut().push_back(main.clone());
        let mut main_polls = 0;
        loop {
            for _ in 0..self.event_interval {
                let Some(task) = self.run_queue.borrow_mut().pop_front() else {
                    break;
                };
                task.run(self);
                if self.poll_main.replace(false) {
                    main_polls += 1;
                    if let Poll::Ready(output) = self.poll_main(&main, future.as_mut(), &mut cx) {
                        return Ok(output);
                    }
                }
            }
            self.drain_injected();
            let idle = self.run_queue.borrow().is_empty();
            if idle {
                if let Some(stuck) = self.stuck(&main, main_polls) {
                    return Err(stuck);
                }
            }
            self.reactor.turn(self, idle);
        }
    }

    fn poll_main<F: Future>(
        &self,
        main: &Arc<MainTask>,
        future: Pin<&mut F>,
        cx: &mut Context<'_>,
    ) -> Poll<F::Output> {
        let id = TaskId::MAIN;
        self.emit(|| Event::PollStart { task: id });
        self.start_recording_waits();
        let poll = self.with_cause(WakeCause::Task(id), || future.poll(cx));
        main.set_waits_on(self.recorded_waits());
        match poll {
            Poll::Ready(output) => {
                self.emit(|| Event::PollEnd {
                    task: id,
                    result: PollResult::Ready,
                });
                Poll::Ready(output)
            }
            Poll::Pending => {
                self.emit(|| Event::PollEnd {
                    task: id,
                    result: PollResult::Pending,
                });
                if task::Runnable::header(&**main).state.end_poll() == task::AfterPoll::Requeue {
                    self.requeue(id, main.clone());
                }
                Poll::Pending
            }
        }
    }

    /// Whether any task is ready to run (locally or woken from another thread).
    pub(crate) fn has_runnable(&self) -> bool {
        !self.run_queue.borrow().is_empty() || self.shared.has_injected()
    }

    /// Drops every unfinished task's future (runtime drop), then calls every hook's
    /// `finish`. Wakes during this are ignored: every task is marked finished before the
    /// first future is dropped.
    pub(crate) fn shutdown(&self) {
        let injected = self.shared.close();
        let queued = std::mem::take(&mut *self.run_queue.borrow_mut());
        let tasks: Vec<TaskRef> = self.tasks.borrow_mut().drain().collect();
        for task in &tasks {
            task.header().state.finish();
        }
        for task in &tasks {
            task.shutdown(self);
        }
        drop((injected, queued, tasks));
        // Destructors above may have queued more (ignored) work; drop it too.
        let queued = std::mem::take(&mut *self.run_queue.borrow_mut());
        drop(queued);
        self.blocking.shutdown();
        // Every event has been emitted: hooks may print their summary or write their file.
        for hook in self.hooks.iter() {
            hook.finish();
        }
    }
}
