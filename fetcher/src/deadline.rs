//! Running one phase of a request against a deadline.
//!
//! A request has up to three clocks: the connect timeout, which covers
//! resolving, the TCP connect and the TLS handshake of a new connection;
//! the read timeout, which covers each single read or write of an exchange
//! (it restarts whenever bytes move, so it bounds a silent server, not a
//! slow download); and the whole-request timeout, which covers everything
//! from the first connect to the last body byte of the last redirect. Each
//! step runs against the earlier of the deadlines that apply to it, and
//! when time runs out the error names the phase that was running.
//!
//! A phase of opening a connection runs whole against its deadline, inside
//! its span ([`phase`]); an exchange's phases are spans around many steps,
//! each step against a deadline of its own ([`Clocks::step`]).

use std::future::Future;
use std::time::Duration;

use runtime::time::{timeout_at, Instant};

use crate::{Error, Phase};

/// `now + duration`, or `None` (no deadline) without a duration or when
/// the sum overflows.
pub(crate) fn after(duration: Option<Duration>) -> Option<Instant> {
    duration.and_then(|duration| Instant::now().checked_add(duration))
}

/// The earlier of two optional deadlines; `None` only if both are.
pub(crate) fn earliest(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Runs `work` until `deadline`. When the deadline passes first, `work` is
/// dropped (which closes whatever socket it owned) and the result is
/// [`Error::Timeout`] naming `phase`.
pub(crate) async fn within<T>(
    deadline: Option<Instant>,
    phase: Phase,
    work: impl Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    match deadline {
        None => work.await,
        Some(deadline) => timeout_at(deadline, work)
            .await
            .unwrap_or(Err(Error::Timeout(phase))),
    }
}

/// Runs `work` as `phase` until `deadline`: inside a span named after the
/// phase (see [`Phase::name`]), which ends cancelled if time runs out, and
/// with [`Error::Timeout`] naming the phase then.
pub(crate) async fn phase<T>(
    deadline: Option<Instant>,
    phase: Phase,
    work: impl Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    within(deadline, phase, phase.span(work)).await
}

/// The clocks an exchange runs against: the whole request's deadline, and
/// how long any one read or write may wait for bytes to move.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Clocks {
    /// The whole-request deadline; `None`: no bound.
    pub(crate) deadline: Option<Instant>,
    /// The read timeout; `None`: no bound.
    pub(crate) idle: Option<Duration>,
}

impl Clocks {
    /// Runs one step of an exchange (a read, a write) until the read
    /// timeout, counted from now, or the request's deadline, whichever
    /// comes first; see [`within`].
    pub(crate) async fn step<T>(
        &self,
        phase: Phase,
        work: impl Future<Output = Result<T, Error>>,
    ) -> Result<T, Error> {
        within(earliest(self.deadline, after(self.idle)), phase, work).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn earliest_prefers_the_sooner_deadline() {
        let now = Instant::now();
        let later = now + Duration::from_secs(1);
        assert_eq!(earliest(Some(now), Some(later)), Some(now));
        assert_eq!(earliest(Some(later), None), Some(later));
        assert_eq!(earliest(None, Some(now)), Some(now));
        assert_eq!(earliest(None, None), None);
        assert_eq!(after(None), None);
    }

    #[test]
    fn within_names_the_phase_that_ran_out() {
        runtime::block_on(async {
            let deadline = after(Some(Duration::from_millis(10)));
            let slow = async {
                runtime::time::sleep(Duration::from_secs(60)).await;
                Ok(())
            };
            let result = within(deadline, Phase::Handshake, slow).await;
            assert!(matches!(result, Err(Error::Timeout(Phase::Handshake))));
            let fast = within(deadline, Phase::Request, async { Ok(7) }).await;
            assert!(matches!(fast, Ok(7)));
        });
    }

    #[test]
    fn a_step_ends_at_the_read_timeout_or_the_deadline_whichever_is_first() {
        runtime::block_on(async {
            let slow = || async {
                runtime::time::sleep(Duration::from_secs(60)).await;
                Ok(())
            };
            let short = Duration::from_millis(10);
            for clocks in [
                Clocks {
                    deadline: None,
                    idle: Some(short),
                },
                Clocks {
                    deadline: after(Some(short)),
                    idle: Some(Duration::from_secs(60)),
                },
            ] {
                let start = Instant::now();
                let result = clocks.step(Phase::ResponseHead, slow()).await;
                assert!(matches!(result, Err(Error::Timeout(Phase::ResponseHead))));
                assert!(start.elapsed() < Duration::from_secs(5), "{clocks:?}");
            }
        });
    }

    #[test]
    fn a_read_timeout_too_large_for_the_clock_means_no_bound() {
        assert_eq!(after(Some(Duration::MAX)), None);
    }
}
