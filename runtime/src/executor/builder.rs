//! Configuring a runtime before it starts.

use std::fmt;
use std::io;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use super::blocking::BlockingPool;
use super::core::Core;
use super::shared::Shared;
use super::watchdog::{self, OnStall, Watchdog};
use super::{Runtime, EVENT_INTERVAL};
use crate::reactor::time::TimeDriver;
use crate::reactor::Reactor;
use crate::sim::Schedule;
use crate::trace::{self, ChromeTrace, Config, Detail, Hook, HtmlTrace, Timeline};

/// Configures and builds a [`Runtime`].
///
/// ```
/// use std::time::Duration;
/// use runtime::time::{sleep, Instant};
///
/// // Under the virtual clock, an hour of sleeping takes no real time.
/// let rt = runtime::Runtime::builder().virtual_clock(true).build()?;
/// let real = std::time::Instant::now();
/// rt.block_on(async {
///     let start = Instant::now();
///     sleep(Duration::from_secs(3600)).await;
///     assert_eq!(start.elapsed(), Duration::from_secs(3600));
/// });
/// assert!(real.elapsed() < Duration::from_secs(1));
/// # Ok::<(), std::io::Error>(())
/// ```
#[must_use = "a Builder does nothing until `.build()`"]
pub struct Builder {
    virtual_clock: bool,
    hooks: Vec<Rc<dyn Hook>>,
    event_interval: u32,
    max_blocking_threads: usize,
    blocking_keep_alive: Duration,
    lost_waker_lint: bool,
    /// The terminal timeline, if set explicitly; `None` defers to `RUNTIME_TRACE`.
    trace_terminal: Option<bool>,
    /// How much the terminal timeline shows, if set explicitly.
    trace_detail: Option<Detail>,
    /// The Chrome trace file, if set explicitly; `None` defers to `RUNTIME_TRACE`.
    trace_chrome: Option<PathBuf>,
    /// The HTML replay file, if set explicitly; `None` defers to `RUNTIME_TRACE`.
    trace_html: Option<PathBuf>,
    /// Whether `RUNTIME_TRACE` (and `RUNTIME_STALL_WATCHDOG`) are read at all.
    trace_from_env: bool,
    /// The stall watchdog's limit, if set explicitly; `None` defers to the environment.
    stall_watchdog: Option<Duration>,
    /// Who gets a stall report (default: stderr).
    on_stall: Option<OnStall>,
    /// The runtime's name in errors and reports.
    name: Option<Arc<str>>,
    /// Which runnable task goes next.
    schedule: Schedule,
    /// Whether sockets connect over a simulated network.
    simulated_network: bool,
}

impl Builder {
    /// The default settings: real time, no hooks, [`EVENT_INTERVAL`], 8 blocking threads
    /// that exit after 10 s idle.
    pub fn new() -> Builder {
        Builder {
            virtual_clock: false,
            hooks: Vec::new(),
            event_interval: EVENT_INTERVAL,
            max_blocking_threads: 8,
            blocking_keep_alive: Duration::from_secs(10),
            lost_waker_lint: true,
            trace_terminal: None,
            trace_detail: None,
            trace_chrome: None,
            trace_html: None,
            trace_from_env: true,
            stall_watchdog: None,
            on_stall: None,
            name: None,
            schedule: Schedule::Fifo,
            simulated_network: false,
        }
    }

    /// Names the runtime. Errors and reports that involve more than one runtime call it
    /// `runtime 2 "replica"` (its [`RuntimeId`](crate::RuntimeId) and this name) instead
    /// of `runtime 2`; [`Runtime::name`] returns it.
    ///
    /// ```
    /// let rt = runtime::Runtime::builder().name("replica").build()?;
    /// assert_eq!(rt.name(), Some("replica"));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn name(mut self, name: impl Into<Arc<str>>) -> Builder {
        self.name = Some(name.into());
        self
    }

    /// Use a virtual clock: time stands still while tasks run, and when the runtime would
    /// otherwise wait it polls I/O without blocking and then jumps straight to the next timer
    /// deadline. Timer order is deterministic and an hour of sleeps takes milliseconds.
    pub fn virtual_clock(mut self, enabled: bool) -> Builder {
        self.virtual_clock = enabled;
        self
    }

    /// How the runtime picks the next task to poll (default [`Schedule::Fifo`]).
    ///
    /// A seeded schedule, [`Schedule::Random`] or [`Schedule::Pct`], draws the next task
    /// from the runnable ones, and shuffles the I/O wakes of one reactor turn and the timers
    /// due at one instant. With the [virtual clock](Builder::virtual_clock) and nothing from
    /// outside the runtime (real sockets, other threads, the blocking pool), the same seed
    /// runs the same way every time: [`crate::testing`] builds its exploration on that.
    ///
    /// ```
    /// use std::{cell::RefCell, rc::Rc};
    /// use runtime::sim::Schedule;
    ///
    /// let order = |schedule| {
    ///     let rt = runtime::Runtime::builder().schedule(schedule).virtual_clock(true).build()?;
    ///     Ok::<_, std::io::Error>(rt.block_on(async {
    ///         let order = Rc::new(RefCell::new(Vec::new()));
    ///         let tasks: Vec<_> = (0..5)
    ///             .map(|i| {
    ///                 let order = order.clone();
    ///                 runtime::spawn(async move { order.borrow_mut().push(i) })
    ///             })
    ///             .collect();
    ///         for task in tasks {
    ///             task.await.unwrap();
    ///         }
    ///         order.take()
    ///     }))
    /// };
    /// assert_eq!(order(Schedule::Fifo)?, [0, 1, 2, 3, 4]);
    /// assert_eq!(order(Schedule::Random(7))?, [3, 2, 1, 0, 4]); // seed 7's order, every time
    /// assert_eq!(order(Schedule::Random(7))?, order(Schedule::Random(7))?);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn schedule(mut self, schedule: Schedule) -> Builder {
        self.schedule = schedule;
        self
    }

    /// Runs the runtime's sockets over a simulated network ([`crate::sim::Network`]):
    /// [`TcpListener`](crate::net::TcpListener) and [`TcpStream`](crate::net::TcpStream)
    /// keep their API and connect in memory between named hosts, with latencies drawn from
    /// the schedule's seed (0 under FIFO), and host names resolve to those hosts. Turns on
    /// the [virtual clock](Builder::virtual_clock): segments land on timers.
    pub fn simulated_network(mut self, enabled: bool) -> Builder {
        self.simulated_network = enabled;
        self
    }

    /// Attaches a hook that receives every scheduling event (see [`crate::trace`]).
    /// May be called more than once; hooks are called in the order they were attached.
    pub fn on_event(mut self, hook: impl Hook + 'static) -> Builder {
        self.hooks.push(Rc::new(hook));
        self
    }

    /// How many tasks run, at most, between two reactor polls (default [`EVENT_INTERVAL`]).
    /// Zero is treated as one.
    pub fn event_interval(mut self, polls: u32) -> Builder {
        self.event_interval = polls;
        self
    }

    /// The most threads `spawn_blocking` uses at once (default 8; at least 1).
    pub fn max_blocking_threads(mut self, threads: usize) -> Builder {
        self.max_blocking_threads = threads.max(1);
        self
    }

    /// How long an idle blocking thread waits for work before it exits (default 10 s).
    pub fn blocking_keep_alive(mut self, keep_alive: Duration) -> Builder {
        self.blocking_keep_alive = keep_alive;
        self
    }

    /// Whether to print a warning to stderr when a task returns `Pending` while no waker
    /// for it is alive anywhere, so nothing can ever wake it (default: on). The check is
    /// exact, from the task's reference count; the event is recorded either way (see
    /// [`Event::LostWaker`](crate::trace::Event::LostWaker)).
    pub fn lost_waker_lint(mut self, enabled: bool) -> Builder {
        self.lost_waker_lint = enabled;
        self
    }

    /// Whether to print the terminal [`Timeline`] to stderr: one line per event, then a
    /// per-task summary when the runtime is dropped.
    ///
    /// Without this call, `RUNTIME_TRACE=1` turns it on (see [`Config::parse`]); with it,
    /// this setting wins either way.
    pub fn trace_terminal(mut self, enabled: bool) -> Builder {
        self.trace_terminal = Some(enabled);
        self
    }

    /// How much the terminal timeline shows: [`Detail::Compact`] (the default) folds each
    /// step into one line, [`Detail::Full`] prints every event. `RUNTIME_TRACE=full` asks
    /// for the full timeline when this is not called.
    pub fn trace_detail(mut self, detail: Detail) -> Builder {
        self.trace_detail = Some(detail);
        self
    }

    /// Writes a [`ChromeTrace`] of every event to `path` when the runtime is dropped, for
    /// Chromium DevTools or Perfetto. Wins over a `chrome:PATH` in `RUNTIME_TRACE`.
    pub fn trace_chrome(mut self, path: impl Into<PathBuf>) -> Builder {
        self.trace_chrome = Some(path.into());
        self
    }

    /// Writes an [`HtmlTrace`](crate::trace::HtmlTrace) of every event to `path` when the
    /// runtime is dropped: one self-contained page that steps through the run (the run
    /// queue, the sockets waited on, the timers armed, at each event). Wins over an
    /// `html:PATH` in `RUNTIME_TRACE`.
    pub fn trace_html(mut self, path: impl Into<PathBuf>) -> Builder {
        self.trace_html = Some(path.into());
        self
    }

    /// Whether [`build`](Builder::build) reads `RUNTIME_TRACE` for the outputs not set on
    /// the builder, and `RUNTIME_STALL_WATCHDOG` for the watchdog (default: yes).
    ///
    /// `RUNTIME_TRACE` is the user's way to trace *their program's* runtime. A runtime
    /// built for internal use (a server on its own thread, a helper in a library) should
    /// call this with `false`, or the user gets two timelines interleaved on stderr and two
    /// runtimes writing one Chrome trace file. Outputs set on the builder still apply.
    ///
    /// ```
    /// // Built inside a library: traced only when its caller asks explicitly.
    /// let rt = runtime::Runtime::builder().trace_from_env(false).build()?;
    /// rt.block_on(async { runtime::yield_now().await });
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn trace_from_env(mut self, enabled: bool) -> Builder {
        self.trace_from_env = enabled;
        self
    }

    /// Turns on the stall watchdog: when the runtime has been idle for `after`, with no
    /// timer, socket or blocking job pending, while some task's waker is held where the
    /// runtime cannot see (the program's own code, another thread), it prints the report of
    /// [`Runtime::dump`] to stderr, marked "possibly stuck", once per stall. (A runtime that
    /// is provably stuck needs no watchdog: [`Runtime::block_on`] reports it at once.)
    ///
    /// Off by default; `RUNTIME_STALL_WATCHDOG=2s` (or `500ms`, `1.5`) turns it on when
    /// this is not called (see [`STALL_WATCHDOG_ENV`](crate::STALL_WATCHDOG_ENV)).
    pub fn stall_watchdog(mut self, after: Duration) -> Builder {
        self.stall_watchdog = Some(after);
        self
    }

    /// Gives each stall report to `on_stall` instead of printing it (for a log, or a
    /// test). Takes effect with [`stall_watchdog`](Builder::stall_watchdog).
    pub fn on_stall(mut self, on_stall: impl Fn(&crate::task::Report) + 'static) -> Builder {
        self.on_stall = Some(Rc::new(on_stall));
        self
    }

    /// Turns on every output `config` asks for, as [`trace_terminal`](Builder::trace_terminal)
    /// and [`trace_chrome`](Builder::trace_chrome) would; leaves the others as they are.
    /// Made for [`Config::from_args`]: `--trace` and `--trace-json PATH`.
    pub fn trace(mut self, config: &Config) -> Builder {
        if config.terminal {
            self.trace_terminal = Some(true);
            self.trace_detail = Some(config.detail);
        }
        if let Some(path) = &config.chrome {
            self.trace_chrome = Some(path.clone());
        }
        if let Some(path) = &config.html {
            self.trace_html = Some(path.clone());
        }
        self
    }

    /// Builds the runtime.
    ///
    /// Reads `RUNTIME_TRACE` for the trace outputs not set on the builder (unless
    /// [`trace_from_env(false)`](Builder::trace_from_env)); a value it cannot read is
    /// reported on stderr and ignored. A Chrome trace file it asks for is created now.
    ///
    /// # Errors
    /// If the operating system refuses an epoll instance (kqueue elsewhere), an eventfd or
    /// a timerfd; if `RUNTIME_TRACE=chrome:PATH` names a file that cannot be created.
    pub fn build(self) -> io::Result<Runtime> {
        let trace = trace::resolve(
            self.trace_terminal,
            self.trace_detail,
            self.trace_chrome,
            self.trace_html,
            self.trace_from_env,
        )?;
        let stall_limit = match (self.stall_watchdog, self.trace_from_env) {
            (Some(limit), _) => Some(limit),
            (None, true) => watchdog::limit_from_env(),
            (None, false) => None,
        };
        let watchdog = stall_limit.map(|limit| Watchdog::new(limit, self.on_stall));
        let (reactor, interrupt) = Reactor::new()?;
        let virtual_clock = self.virtual_clock || self.simulated_network;
        let time = TimeDriver::new(virtual_clock, &reactor)?;
        let mut hooks = self.hooks;
        if let Some(path) = trace.html {
            hooks.push(Rc::new(HtmlTrace::to_file(path)));
        }
        if trace.terminal {
            hooks.push(Rc::new(Timeline::stderr().detail(trace.detail)));
        }
        if let Some(path) = trace.chrome {
            hooks.push(Rc::new(ChromeTrace::to_file(path)));
        }
        reactor.traced.set(!hooks.is_empty());
        time.traced.set(!hooks.is_empty());
        let core = Core::new(
            Arc::new(Shared::new(interrupt, !hooks.is_empty(), self.name)),
            reactor,
            time,
            BlockingPool::new(self.max_blocking_threads, self.blocking_keep_alive),
            hooks,
            self.event_interval,
            self.lost_waker_lint,
        )
        .with_schedule(self.schedule)
        .with_watchdog(watchdog);
        let core = match self.simulated_network {
            true => core.with_network(self.schedule.seed().unwrap_or(0)),
            false => core,
        };
        Ok(Runtime::from_core(core))
    }
}

impl Default for Builder {
    fn default() -> Builder {
        Builder::new()
    }
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("virtual_clock", &self.virtual_clock)
            .field("hooks", &self.hooks.len())
            .field("event_interval", &self.event_interval)
            .field("max_blocking_threads", &self.max_blocking_threads)
            .field("blocking_keep_alive", &self.blocking_keep_alive)
            .field("lost_waker_lint", &self.lost_waker_lint)
            .field("trace_terminal", &self.trace_terminal)
            .field("trace_detail", &self.trace_detail)
            .field("trace_chrome", &self.trace_chrome)
            .field("trace_html", &self.trace_html)
            .field("trace_from_env", &self.trace_from_env)
            .field("stall_watchdog", &self.stall_watchdog)
            .field("name", &self.name)
            .field("schedule", &self.schedule)
            .field("simulated_network", &self.simulated_network)
            .finish()
    }
}
