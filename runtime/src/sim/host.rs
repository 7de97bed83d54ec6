//! Which simulated host code runs on: `client` unless [`Network::enter`] or
//! [`Network::on_host`] says otherwise. Connections take the current host's address, and a
//! listener bound to `0.0.0.0` or loopback is the current host's.

use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

#[cfg(doc)]
use super::Network;

thread_local! {
    /// The host code runs on while [`Network::enter`] or [`Network::on_host`] runs it;
    /// `None`: `client`.
    static HOST: Cell<Option<usize>> = const { Cell::new(None) };
}

/// The host code runs on now.
pub(crate) fn current_host() -> usize {
    HOST.with(Cell::get).unwrap_or(0)
}

/// The future of [`Network::on_host`]: `future`, polled as code of a host.
#[must_use = "futures do nothing unless you `.await` them"]
pub struct OnHost<F> {
    pub(super) host: usize,
    pub(super) future: Pin<Box<F>>,
}

impl<F: Future> Future for OnHost<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let host = self.host;
        as_host(host, || self.future.as_mut().poll(cx))
    }
}

impl<F> fmt::Debug for OnHost<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OnHost").field("host", &self.host).finish()
    }
}

/// Runs `f` with `host` as the current host (restored afterwards, also on unwind).
pub(super) fn as_host<R>(host: usize, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<usize>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let _ = HOST.try_with(|h| h.set(self.0));
        }
    }
    let _restore = Restore(HOST.with(|h| h.replace(Some(host))));
    f()
}
