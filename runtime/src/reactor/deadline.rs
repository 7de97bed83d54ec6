//! A precise wakeup at the next timer deadline: a timerfd watched by the reactor.
//!
//! `epoll_wait` takes its timeout in whole milliseconds, and mio rounds up, so a reactor
//! that waits with a timeout wakes up to a millisecond late. Instead the reactor arms this
//! timerfd (nanosecond resolution) for the next deadline and waits without a timeout; the
//! timerfd becomes readable exactly at the deadline.

use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::time::{Duration, Instant};

use mio::unix::SourceFd;
use mio::{Interest, Registry, Token};
use rustix::time::{
    timerfd_create, timerfd_settime, Itimerspec, TimerfdClockId, TimerfdFlags, TimerfdTimerFlags,
    Timespec,
};

/// The timerfd and the deadline it is armed for.
pub(crate) struct DeadlineTimer {
    fd: OwnedFd,
    /// The deadline the timerfd is armed for, if any; re-arming for the same deadline is
    /// skipped, saving a syscall per reactor turn.
    armed: Option<Instant>,
}

impl DeadlineTimer {
    pub(crate) fn new(registry: &Registry, token: Token) -> io::Result<DeadlineTimer> {
        let fd = timerfd_create(
            TimerfdClockId::Monotonic,
            TimerfdFlags::NONBLOCK | TimerfdFlags::CLOEXEC,
        )?;
        registry.register(&mut SourceFd(&fd.as_raw_fd()), token, Interest::READABLE)?;
        Ok(DeadlineTimer { fd, armed: None })
    }

    /// Arms the timer to fire at `deadline` (`now` is the current time).
    pub(crate) fn arm(&mut self, deadline: Instant, now: Instant) -> io::Result<()> {
        if self.armed == Some(deadline) {
            return Ok(());
        }
        // A zero value would disarm the timer; one nanosecond fires at once.
        let wait = deadline
            .saturating_duration_since(now)
            .max(Duration::from_nanos(1));
        let value = Itimerspec {
            it_interval: Timespec {
                tv_sec: 0,
                tv_nsec: 0,
            },
            it_value: Timespec {
                tv_sec: i64::try_from(wait.as_secs()).unwrap_or(i64::MAX),
                tv_nsec: wait.subsec_nanos().into(),
            },
        };
        timerfd_settime(&self.fd, TimerfdTimerFlags::empty(), &value)?;
        self.armed = Some(deadline);
        Ok(())
    }

    /// Called when the timerfd was readable: consumes the expiration count.
    pub(crate) fn fired(&mut self) {
        let mut count = [0u8; 8];
        // WouldBlock means the expiration was already consumed; nothing else can fail here.
        let _ = rustix::io::read(&self.fd, &mut count);
        self.armed = None;
    }
}
