//! The runtime's loop: pop an entry, poll it, and when nothing is left to run, turn the
//! reactor. Each step emits its trace event here, through `self.trace`; the only other
//! emitters are the wake path (`wake.rs`), `abort`, the lost-waker lint (`diagnostics.rs`),
//! the combinators' children (`combinators/child_trace.rs`) and `instrument`'s labels and
//! spans.
//!
//! [`Core::run_until`] is `block_on`. One iteration of its loop:
//!
//! 1. run at most `event_interval` entries from the run queue, each through
//!    [`Core::poll_entry`], the bookkeeping every poll shares (`block_on`'s future is an
//!    entry like any task);
//! 2. move the entries other threads woke onto the run queue;
//! 3. if nothing is runnable, check that something could still wake a task (else return
//!    the [`Stuck`] report instead of waiting forever: `wait_graph.rs`);
//! 4. [`turn`](Core::turn) the reactor: without blocking if entries are waiting, else until
//!    I/O, a timer or another thread wakes something (or the stall watchdog's time is up:
//!    `watchdog.rs`).

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::future::Future;
use std::io::{self, Write};
use std::panic::{self, AssertUnwindSafe, Location};
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use slab::Slab;

use super::blocking::BlockingPool;
use super::cell::{Header, MainTask, PollStats, Runnable, Wakeable};
use super::cell::{TaskCell, TaskRef};
use super::run_queue::RunQueue;
use super::shared::Shared;
use super::wake::{waker_ref, AfterPoll, State};
use super::wake::{CANCELLED, SCHEDULED};
use super::watchdog::Watchdog;
use super::JoinHandle;
use crate::reactor::time::{TimeDriver, TimerWake};
use crate::reactor::{IoWake, Reactor};
use crate::sim::Network;
use crate::task::{contain, parking, record_waits, Stuck, TaskId};
use crate::trace::{Event, Hook, Outcome, PollResult, Tracer, WakeCause};

/// Everything a runtime owns that only its own thread touches.
pub(crate) struct Core {
    /// What other threads may touch: the injection queue and the reactor's interrupt.
    shared: Arc<Shared>,
    /// Entries ready to be polled, and which goes next (`run_queue.rs`).
    pub(super) run_queue: RunQueue,
    /// Every task that has not finished, so that dropping the runtime can drop their
    /// futures. A task's slot never changes while it is here.
    tasks: RefCell<Slab<TaskRef>>,
    /// I/O readiness. Shared with the sockets, which deregister through it when dropped.
    reactor: Rc<Reactor>,
    /// Clock and timers. Shared with the `Sleep`s, which cancel through it when dropped.
    time: Rc<TimeDriver>,
    /// The threads of `spawn_blocking`.
    blocking: BlockingPool,
    /// Where events go, and the cause of the wakes happening now.
    trace: Tracer,
    /// The names of unfinished named tasks. A side table, so the unnamed tasks (most of
    /// them) pay nothing for the feature.
    names: RefCell<HashMap<TaskId, Arc<str>>>,
    /// The id the next spawned task gets.
    next_id: Cell<u64>,
    /// The buffers of `turn`, kept between turns so waking allocates nothing.
    io_wakes: Cell<Vec<IoWake>>,
    timer_wakes: Cell<Vec<TimerWake>>,
    /// How many entries run between two non-blocking reactor turns; at least 1.
    event_interval: u32,
    /// Whether a lost waker is also printed to stderr (it is always emitted as an event).
    lost_waker_lint: bool,
    /// The stall watchdog, if asked for (`watchdog.rs`).
    pub(super) watchdog: Option<Watchdog>,
    /// `block_on`'s entry while `run_until` runs, for a dump asked for meanwhile.
    pub(super) main: RefCell<Weak<MainTask>>,
    /// The simulated network, if the runtime was built with one (`sim/`).
    pub(super) network: Option<Network>,
    /// The first task that panicked, and its message (`diagnostics.rs`).
    pub(super) first_panic: RefCell<Option<(TaskId, String)>>,
}

/// How [`Core::poll_entry`] went.
pub(crate) enum Polled<T> {
    /// The future returned its output.
    Ready(T),
    /// The future is pending; it waits for a waker.
    Pending,
    /// The future is pending and was woken during its poll: the caller puts its entry back
    /// at the end of the run queue ([`Core::requeue`]). (The caller owns the entry, so
    /// this costs no reference count.)
    Requeue,
    /// The entry was aborted: its future must be dropped, not polled.
    Cancelled,
    /// The poll panicked; the payload. (Boxed again to keep `Polled` two words: a poll's
    /// result is returned in registers, not through memory.)
    Panicked(Box<Box<dyn std::any::Any + Send>>),
}

/// Marks `block_on`'s entry complete when `run_until` returns or unwinds: its future is
/// gone, so a waker for it that fires later (it may be stored anywhere) is ignored.
struct CompleteOnDrop<'a>(&'a State);

impl Drop for CompleteOnDrop<'_> {
    fn drop(&mut self) {
        self.0.complete();
    }
}

impl Core {
    /// A runtime's core from its parts (see the builder).
    pub(crate) fn new(
        shared: Arc<Shared>,
        reactor: Reactor,
        time: TimeDriver,
        blocking: BlockingPool,
        hooks: Vec<Rc<dyn Hook>>,
        event_interval: u32,
        lost_waker_lint: bool,
    ) -> Core {
        let time = Rc::new(time);
        Core {
            shared,
            run_queue: RunQueue::default(),
            tasks: RefCell::default(),
            reactor: Rc::new(reactor),
            trace: Tracer::new(hooks, time.clone()),
            time,
            blocking,
            names: RefCell::default(),
            next_id: Cell::new(1),
            io_wakes: Cell::default(),
            timer_wakes: Cell::default(),
            event_interval: event_interval.max(1),
            lost_waker_lint,
            watchdog: None,
            main: RefCell::new(Weak::new()),
            network: None,
            first_panic: RefCell::new(None),
        }
    }

    pub(crate) fn network(&self) -> Option<&Network> {
        self.network.as_ref()
    }

    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    pub(crate) fn run_queue(&self) -> &RunQueue {
        &self.run_queue
    }

    pub(crate) fn reactor(&self) -> &Rc<Reactor> {
        &self.reactor
    }

    pub(crate) fn time(&self) -> &Rc<TimeDriver> {
        &self.time
    }

    pub(crate) fn trace(&self) -> &Tracer {
        &self.trace
    }

    pub(crate) fn blocking(&self) -> &BlockingPool {
        &self.blocking
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
        let id = TaskId(self.next_id.replace(self.next_id.get() + 1));
        let mut tasks = self.tasks.borrow_mut();
        let entry = tasks.vacant_entry();
        let slot = u32::try_from(entry.key()).expect("fewer than 2^32 live tasks");
        let shared = self.shared.clone();
        let task = Arc::new(TaskCell::new(id, shared, future, location, slot));
        entry.insert(task.clone());
        drop(tasks);
        if let Some(name) = &name {
            self.names.borrow_mut().insert(id, name.clone());
        }
        self.trace.emit(|| Event::Spawned {
            task: id,
            name,
            parent: match self.trace.cause() {
                WakeCause::Task(parent) => Some(parent),
                _ => None,
            },
        });
        self.run_queue.push(Runnable::Task(task.clone()));
        JoinHandle::new(task)
    }

    /// Drives `future` to completion, running every other task meanwhile, or reports that
    /// nothing can ever wake anything again (see the module docs for one iteration).
    pub(crate) fn run_until<F: Future>(&self, future: F) -> Result<F::Output, Stuck> {
        let main = Arc::new(MainTask {
            header: Header {
                state: State::new(SCHEDULED),
                id: TaskId::MAIN,
                shared: self.shared.clone(),
            },
            stats: PollStats::default(),
        });
        // Declared before the future, so dropped after it: `COMPLETE` follows the future.
        let _complete = CompleteOnDrop(&main.header.state);
        *self.main.borrow_mut() = Arc::downgrade(&main);
        let mut future = std::pin::pin!(future);
        self.run_queue.push(Runnable::Main(main.clone()));
        loop {
            for _ in 0..self.event_interval {
                match self.run_queue.pop() {
                    None => break,
                    Some(Runnable::Task(task)) => task.run(self),
                    Some(Runnable::Main(entry)) if Arc::ptr_eq(&entry, &main) => {
                        match self.poll_entry(&main, |cx| future.as_mut().poll(cx)) {
                            Polled::Ready(output) => return Ok(output),
                            Polled::Panicked(payload) => panic::resume_unwind(*payload),
                            Polled::Requeue => self.requeue(TaskId::MAIN, Runnable::Main(entry)),
                            Polled::Pending | Polled::Cancelled => {}
                        }
                    }
                    // Another `block_on`'s entry: its future is gone with its `block_on`.
                    // (An entry is popped before its future can finish, so none should be
                    // left; the loop must not mistake one for this `block_on`'s anyway.)
                    Some(Runnable::Main(_)) => {}
                }
            }
            for entry in self.shared.injected.drain() {
                let task = entry.header().id;
                let cause = WakeCause::Thread;
                self.trace.emit(|| Event::Woken { task, cause });
                self.run_queue.push(entry);
            }
            let idle = self.run_queue.is_empty();
            if idle {
                if let Some(stuck) = self.stuck(&main) {
                    return Err(stuck);
                }
            }
            let stall_wait = self.stall_wait(idle);
            self.turn(idle, stall_wait);
            if stall_wait.is_some() {
                self.check_stall(&main);
            }
        }
    }

    /// Polls one entry with the bookkeeping every poll shares: the state word, the
    /// `PollStart` and `PollEnd` events, the wake cause, what the poll waited on, a caught
    /// panic, and what to do after `Pending` (queue it again, check it can be woken, or
    /// cancel it).
    pub(crate) fn poll_entry<W: Wakeable, T>(
        &self,
        entry: &Arc<W>,
        poll: impl FnOnce(&mut Context<'_>) -> Poll<T>,
    ) -> Polled<T> {
        let (header, stats) = (entry.header(), entry.stats());
        let task = header.id;
        if header.state.start_poll() & CANCELLED != 0 {
            return Polled::Cancelled;
        }
        self.trace.emit(|| Event::PollStart { task });
        let polls = stats.polls.load(Ordering::Relaxed);
        stats
            .polls
            .store(polls.saturating_add(1), Ordering::Relaxed);
        let waker = waker_ref(entry);
        let mut cx = Context::from_waker(&waker);
        let (result, waits) = record_waits(self.trace.is_on(), || {
            parking::polling(task, || {
                self.trace.with_cause(WakeCause::Task(task), || {
                    panic::catch_unwind(AssertUnwindSafe(|| poll(&mut cx)))
                })
            })
        });
        stats.waits_on.store(waits.kinds.0, Ordering::Relaxed);
        if self.trace.is_on() {
            self.trace_network_alarms(Some(task));
        }
        let (polled, result) = match result {
            Ok(Poll::Ready(output)) => (Polled::Ready(output), PollResult::Ready),
            Ok(Poll::Pending) => (Polled::Pending, PollResult::Pending),
            Err(payload) => (Polled::Panicked(Box::new(payload)), PollResult::Panicked),
        };
        let waits_on = waits.last.filter(|_| result == PollResult::Pending);
        self.trace.emit(|| Event::PollEnd {
            task,
            result,
            waits_on,
        });
        if let Polled::Pending = polled {
            match header.state.end_poll() {
                AfterPoll::Idle => self.check_lost_waker(entry, self.lost_waker_lint),
                AfterPoll::Requeue => return Polled::Requeue,
                AfterPoll::Cancel => return Polled::Cancelled,
            }
        }
        polled
    }

    /// Puts an entry woken during its own poll back at the end of the run queue.
    #[inline(always)]
    pub(crate) fn requeue(&self, task: TaskId, entry: Runnable) {
        self.trace.emit(|| Event::Requeued { task });
        self.run_queue.yielded(task);
        self.run_queue.push(entry);
    }

    /// A task ended and its future is gone: record it, wake whoever awaits its handle,
    /// and forget it.
    pub(crate) fn task_finished(
        &self,
        task: TaskId,
        slot: u32,
        outcome: Outcome,
        join_waker: Option<Waker>,
    ) {
        self.trace.emit(|| Event::Finished { task, outcome });
        if let Some(waker) = join_waker {
            self.call_waker(WakeCause::Task(task), waker);
        }
        // During shutdown the task list was drained, and its slots may hold tasks spawned
        // since: leave it to the shutdown loop.
        if !self.shared.is_closed() {
            let removed = self.tasks.borrow_mut().try_remove(slot as usize);
            drop(removed); // after the borrow: the last reference may run a destructor
        }
        if !self.names.borrow().is_empty() {
            self.names.borrow_mut().remove(&task);
        }
    }

    /// One turn of the reactor, in labelled steps. `idle`: no entry is waiting to run.
    /// `stall_wait`: the longest a blocking wait may last (the stall watchdog's).
    fn turn(&self, idle: bool, stall_wait: Option<Duration>) {
        let (mut io_wakes, mut due) = (self.io_wakes.take(), self.timer_wakes.take());
        // 1. Timers already due: a busy run queue must not starve them.
        if self.trace.is_on() {
            self.trace_network_alarms(None); // armed outside a poll (a socket dropped)
        }
        let fired = self.fire_timers(&mut due);
        // 2. The timeout: zero when entries wait to run, else until the next deadline (or
        //    without limit when no timer is pending).
        let block = idle && fired == 0 && !self.has_runnable();
        let timeout = match (self.time.timeout(block), stall_wait) {
            (timeout, Some(limit)) if block => Some(timeout.map_or(limit, |t| t.min(limit))),
            (timeout, _) => timeout,
        };
        // 3. Wait, collecting the wakers that readiness satisfied. The reactor's borrows
        //    end here: a woken waker may register or drop sources.
        self.trace.emit(|| Event::Park { timeout });
        let (reason, events) = self.reactor.wait(block, timeout, &self.time, &mut io_wakes);
        self.trace.emit(|| Event::Unpark { reason, events });
        self.run_queue.shuffle_io(&mut io_wakes);
        // 4. Wake each, with its cause.
        for IoWake {
            token,
            readiness,
            waker,
        } in io_wakes.drain(..)
        {
            self.call_waker(WakeCause::Io { token, readiness }, waker);
        }
        // 5. Under the virtual clock, when nothing else can happen, time jumps to the next
        //    deadline.
        if block && self.time.is_virtual() && !self.has_runnable() {
            if let Some(to) = self.time.advance() {
                self.trace.emit(|| Event::ClockJump { to });
            }
        }
        // 6. Timers that came due while waiting.
        self.fire_timers(&mut due);
        self.io_wakes.set(io_wakes);
        self.timer_wakes.set(due);
    }

    /// Wakes every timer whose deadline has passed, earliest first. Returns how many.
    fn fire_timers(&self, due: &mut Vec<TimerWake>) -> usize {
        self.time.take_due(due);
        self.run_queue.shuffle_due(due);
        let fired = due.len();
        for TimerWake {
            id: timer, waker, ..
        } in due.drain(..)
        {
            self.trace.emit(|| Event::TimerFired { timer });
            self.call_waker(WakeCause::Timer(timer), waker);
        }
        fired
    }

    /// Calls a waker the runtime took from a driver or a task. A waker that panics is
    /// caught, so it takes neither the runtime nor the other wakes down with it.
    fn call_waker(&self, cause: WakeCause, waker: Waker) {
        if self.trace.with_cause(cause, || contain(|| waker.wake())) {
            let _ = writeln!(
                io::stderr(),
                "tinyloop: a waker panicked (woken by {cause})"
            );
        }
    }

    /// Whether any entry is ready to run (locally or woken from another thread).
    pub(crate) fn has_runnable(&self) -> bool {
        !self.run_queue.is_empty() || !self.shared.injected.is_empty()
    }

    /// Drops every unfinished task's future (runtime drop), then calls every hook's
    /// `finish`. Futures dropped here (and hooks finishing) may spawn tasks, wake others or
    /// drop outputs; each round goes on until nothing is left.
    pub(crate) fn shutdown(&self) {
        self.drop_every_task();
        self.blocking.shutdown();
        self.trace.finish();
        self.drop_every_task();
    }

    /// Cancels every task in the task list, the queues, and what those drops add, until
    /// none is left. Foreign wakes are refused from the first round on.
    fn drop_every_task(&self) {
        let mut injected = self.shared.close();
        loop {
            let tasks: Vec<TaskRef> = self.tasks.borrow_mut().drain().collect();
            let queued = self.run_queue.take();
            if tasks.is_empty() && queued.is_empty() && injected.is_empty() {
                return;
            }
            for task in &tasks {
                task.cancel_now(self);
            }
            drop((tasks, queued, std::mem::take(&mut injected)));
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

    /// A reference to every unfinished task.
    pub(crate) fn tasks(&self) -> Vec<TaskRef> {
        self.tasks.borrow().iter().map(|(_, t)| t.clone()).collect()
    }
}
