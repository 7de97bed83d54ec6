//! The keep-alive pool: idle connections, by origin, waiting for the next
//! request to the same place.
//!
//! A connection's life:
//!
//! ```text
//!   open() --> in use --(response complete, cleanly framed,
//!                 ^       server keeps it open, nothing left over)--> idle
//!                 |                                                    |
//!                 +------- checkout(): the newest idle one, if it -----+
//!                          is younger than the idle timeout and quiet
//!
//!   anything else (an error, a body read until close, `Connection: close`,
//!   too many idle already, idle too long) --> dropped, which closes it
//! ```
//!
//! The pool itself does no I/O and is generic over the connection type, so
//! its bookkeeping is tested with plain values; the client adds the
//! quietness check.

use std::collections::HashMap;
use std::time::Duration;

use runtime::time::Instant;

use crate::origin::Origin;

/// Idle connections by origin.
#[derive(Debug)]
pub(crate) struct Pool<T> {
    /// Per origin, the idle connections oldest first. A list is never
    /// longer than `max_idle_per_host`, and never empty (emptied lists are
    /// removed).
    idle: HashMap<Origin, Vec<Idle<T>>>,
    /// Most idle connections kept per origin; 0 disables keep-alive.
    max_idle_per_host: usize,
    /// How long a connection may sit idle before it is no longer handed out.
    idle_timeout: Duration,
}

/// A connection waiting in the pool, and since when.
#[derive(Debug)]
struct Idle<T> {
    conn: T,
    since: Instant,
}

impl<T> Pool<T> {
    /// An empty pool with the given limits.
    pub(crate) fn new(max_idle_per_host: usize, idle_timeout: Duration) -> Self {
        Pool {
            idle: HashMap::new(),
            max_idle_per_host,
            idle_timeout,
        }
    }

    /// Whether connections are kept at all. When not, requests ask the
    /// server to close (`Connection: close`).
    pub(crate) fn keeps_connections(&self) -> bool {
        self.max_idle_per_host > 0
    }

    /// Takes the most recently used idle connection to `origin` that has
    /// been idle for less than the idle timeout at `now`. Older ones are
    /// dropped on the way: they are the first a server closes.
    pub(crate) fn checkout(&mut self, origin: &Origin, now: Instant) -> Option<T> {
        let list = self.idle.get_mut(origin)?;
        let timeout = self.idle_timeout;
        list.retain(|idle| now.saturating_duration_since(idle.since) < timeout);
        let conn = list.pop().map(|idle| idle.conn);
        if list.is_empty() {
            self.idle.remove(origin);
        }
        conn
    }

    /// Puts a connection that may carry another request back, idle since
    /// `now`. When the origin already has `max_idle_per_host` idle
    /// connections, the oldest is dropped to make room.
    pub(crate) fn checkin(&mut self, origin: Origin, conn: T, now: Instant) {
        if !self.keeps_connections() {
            return;
        }
        let list = self.idle.entry(origin).or_default();
        if list.len() >= self.max_idle_per_host {
            list.remove(0);
        }
        list.push(Idle { conn, since: now });
    }

    /// How many idle connections the pool holds for `origin`.
    #[cfg(test)]
    fn idle_count(&self, origin: &Origin) -> usize {
        self.idle.get(origin).map_or(0, Vec::len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin(url: &str) -> Origin {
        Origin::of(&url::Url::parse(url).unwrap()).unwrap()
    }

    const MINUTE: Duration = Duration::from_secs(60);

    #[test]
    fn checkout_returns_the_newest_connection_of_that_origin_only() {
        let mut pool = Pool::new(4, MINUTE);
        let now = Instant::now();
        pool.checkin(origin("http://a.test/"), "a1", now);
        pool.checkin(origin("http://a.test/x"), "a2", now);
        pool.checkin(origin("https://a.test/"), "tls", now);

        assert_eq!(pool.checkout(&origin("http://b.test/"), now), None);
        assert_eq!(pool.checkout(&origin("http://a.test/"), now), Some("a2"));
        assert_eq!(pool.checkout(&origin("http://a.test/"), now), Some("a1"));
        assert_eq!(pool.checkout(&origin("http://a.test/"), now), None);
        assert_eq!(pool.checkout(&origin("https://a.test/"), now), Some("tls"));
    }

    #[test]
    fn checkin_beyond_the_limit_drops_the_oldest() {
        let mut pool = Pool::new(2, MINUTE);
        let a = origin("http://a.test/");
        let now = Instant::now();
        for conn in ["first", "second", "third"] {
            pool.checkin(a.clone(), conn, now);
        }
        assert_eq!(pool.idle_count(&a), 2);
        assert_eq!(pool.checkout(&a, now), Some("third"));
        assert_eq!(pool.checkout(&a, now), Some("second"));
    }

    #[test]
    fn connections_idle_for_the_timeout_are_not_handed_out() {
        let mut pool = Pool::new(4, MINUTE);
        let a = origin("http://a.test/");
        let start = Instant::now();
        pool.checkin(a.clone(), "old", start);
        pool.checkin(a.clone(), "new", start + Duration::from_secs(30));

        // At exactly one minute, "old" has timed out and "new" has not.
        let later = start + MINUTE;
        assert_eq!(pool.checkout(&a, later), Some("new"));
        assert_eq!(pool.checkout(&a, later), None);
        assert_eq!(pool.idle_count(&a), 0);
    }

    #[test]
    fn a_limit_of_zero_keeps_nothing() {
        let mut pool = Pool::new(0, MINUTE);
        let a = origin("http://a.test/");
        assert!(!pool.keeps_connections());
        pool.checkin(a.clone(), "conn", Instant::now());
        assert_eq!(pool.checkout(&a, Instant::now()), None);
    }
}
