//! The client: requests in, responses out, with redirects, keep-alive and
//! timeouts.
//!
//! One [`Client::send`] goes like this:
//!
//! ```text
//!   prepare (parse URL) ---> for each hop:
//!     encode the request with the codec (nothing sent if invalid)
//!     checkout an idle, quiet connection to the origin ... or open one
//!     exchange: write the request, read the whole response
//!       (an early error answer stops the writing and is the response)
//!       a kept-alive connection that fails before any response byte:
//!         the server closed it while idle; resend once on a fresh one
//!         (idempotent methods only)
//!     checkin the connection if the response left it reusable
//!     a redirect? --> the next hop (counted against max_redirects)
//!     otherwise   --> the Response
//! ```
//!
//! Each hop after the first runs inside a `redirect` span, around the
//! phases of its own (see [`Phase`](crate::Phase)).

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use runtime::time::Instant;
use rustls::ClientConfig;

use crate::builder::{ClientBuilder, Settings};
use crate::connection::Connection;
use crate::deadline::{self, Clocks};
use crate::exchange::{exchange, Exchanged};
use crate::origin::Origin;
use crate::pool::Pool;
use crate::redirect;
use crate::request::Prepared;
use crate::{Error, Phase, Request, Response};

/// An HTTP/1.1 client with a pool of kept-alive connections.
///
/// Cloning is cheap and the clones share the pool and settings, so hand a
/// clone to each task. The client is `!Send`: like the runtime it runs on,
/// it lives on one thread, which is why the pool needs no lock.
///
/// Every request verifies the server's certificate and host name; there is
/// no switch to turn that off. A 4xx or 5xx response is returned as a
/// [`Response`], not an error (see [`Response::error_for_status`]).
///
/// ```no_run
/// # runtime::block_on(async {
/// let client = fetcher::Client::new();
/// let response = client.get("https://swapi.dev/api/people/1").await?;
/// let person: serde_json::Value = response.error_for_status()?.json()?;
/// println!("{}", person["name"]);
/// # Ok::<(), fetcher::Error>(())
/// # }).unwrap();
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Rc<Inner>,
}

/// What the clones of a client share.
pub(crate) struct Inner {
    pub(crate) settings: Settings,
    /// Trusted roots and protocol versions, shared by every TLS session.
    pub(crate) tls: Arc<ClientConfig>,
    /// Idle connections. Borrowed only between awaits, never across one.
    pub(crate) pool: RefCell<Pool<Connection>>,
}

impl Client {
    /// A client with the default settings (see [`ClientBuilder`]), trusting
    /// the Mozilla root certificates.
    #[must_use]
    pub fn new() -> Client {
        ClientBuilder::new()
            .build()
            .expect("the built-in roots and ring's protocol versions always form a valid config")
    }

    /// A builder for a client with other settings.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    pub(crate) fn from_inner(inner: Rc<Inner>) -> Client {
        Client { inner }
    }

    /// The bound on opening a connection (see
    /// [`ClientBuilder::connect_timeout`]); `None`: no bound.
    #[must_use]
    pub fn connect_timeout(&self) -> Option<Duration> {
        self.inner.settings.connect_timeout
    }

    /// The bound on each wait for the server's next bytes, or for it to
    /// take more of the request (see [`ClientBuilder::read_timeout`]);
    /// `None`: no bound.
    #[must_use]
    pub fn read_timeout(&self) -> Option<Duration> {
        self.inner.settings.read_timeout
    }

    /// The bound on a whole request, redirects included (see
    /// [`ClientBuilder::timeout`]); `None`: no bound, the default.
    #[must_use]
    pub fn timeout(&self) -> Option<Duration> {
        self.inner.settings.timeout
    }

    /// Sends a `GET` request to `url`.
    ///
    /// # Errors
    /// As [`send`](Self::send).
    pub async fn get(&self, url: &str) -> Result<Response, Error> {
        self.send(Request::get(url)).await
    }

    /// Sends a `HEAD` request to `url`: the response has no body.
    ///
    /// # Errors
    /// As [`send`](Self::send).
    pub async fn head(&self, url: &str) -> Result<Response, Error> {
        self.send(Request::head(url)).await
    }

    /// Sends `request` and returns the final response, following redirects.
    ///
    /// # Errors
    /// Any [`Error`] variant that describes a failure to get a response:
    /// an invalid URL or request, a DNS, connect or TLS failure, a timeout,
    /// a malformed or oversized response, a connection closed early, too
    /// many redirects or one to an unsupported scheme.
    pub async fn send(&self, request: Request) -> Result<Response, Error> {
        let settings = &self.inner.settings;
        let deadline = deadline::after(settings.timeout);
        let mut current = request.prepare()?;
        let mut followed = 0;
        loop {
            let hop = self.send_once(&current, deadline);
            let exchanged = match followed {
                0 => hop.await?,
                _ => Phase::Redirect.span(hop).await?,
            };
            let next = if settings.follow_redirects {
                let location = exchanged.head.headers().get("Location");
                redirect::follow(&current, exchanged.head.status(), location)?
            } else {
                None
            };
            match next {
                None => {
                    return Ok(Response::new(
                        exchanged.head,
                        exchanged.body,
                        exchanged.trailers,
                        current.url,
                    ))
                }
                Some(_) if followed >= settings.max_redirects => {
                    return Err(Error::TooManyRedirects { followed })
                }
                Some(next) => {
                    followed += 1;
                    current = next;
                }
            }
        }
    }

    /// One hop: `request` to its URL's origin, on a pooled connection if a
    /// quiet one is idle, else on a new one.
    async fn send_once(
        &self,
        request: &Prepared,
        deadline: Option<Instant>,
    ) -> Result<Exchanged, Error> {
        let settings = &self.inner.settings;
        let origin = Origin::of(&request.url)?;
        let keep_alive = self.inner.pool.borrow().keeps_connections();
        let mut bytes = Vec::new();
        request.encode(&settings.user_agent, keep_alive, &mut bytes)?;
        let method = request.method.as_str();
        let clocks = Clocks {
            deadline,
            idle: settings.read_timeout,
        };

        if let Some(mut conn) = self.checkout(&origin) {
            match exchange(&mut conn, &bytes, method, settings.limits, clocks).await {
                Ok(exchanged) => {
                    self.checkin(origin, conn, &exchanged);
                    return Ok(exchanged);
                }
                // Closed while idle, found out only now: the request never
                // reached a live server, so sending it again is safe.
                Err(failed)
                    if !failed.response_started
                        && request.is_idempotent()
                        && matches!(failed.error, Error::Io(_) | Error::ConnectionClosed) => {}
                Err(failed) => return Err(failed.error),
            }
        }

        let connect_deadline =
            deadline::earliest(deadline, deadline::after(settings.connect_timeout));
        let mut conn = Connection::open(&origin, &self.inner.tls, connect_deadline).await?;
        let exchanged = exchange(&mut conn, &bytes, method, settings.limits, clocks)
            .await
            .map_err(|failed| failed.error)?;
        self.checkin(origin, conn, &exchanged);
        Ok(exchanged)
    }

    /// The newest idle connection to `origin` that is still quiet; noisy or
    /// closed ones are dropped on the way.
    fn checkout(&self, origin: &Origin) -> Option<Connection> {
        let mut pool = self.inner.pool.borrow_mut();
        let now = Instant::now();
        while let Some(mut conn) = pool.checkout(origin, now) {
            if conn.is_quiet() {
                return Some(conn);
            }
        }
        None
    }

    /// Returns `conn` to the pool if its last exchange left it reusable;
    /// otherwise drops (closes) it.
    fn checkin(&self, origin: Origin, conn: Connection, exchanged: &Exchanged) {
        if exchanged.reusable {
            let now = Instant::now();
            self.inner.pool.borrow_mut().checkin(origin, conn, now);
        }
    }
}

impl Default for Client {
    fn default() -> Self {
        Client::new()
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("settings", &self.inner.settings)
            .finish_non_exhaustive()
    }
}

/// Fetches `url` with a new [`Client`] and its default settings: for a
/// one-off request. The connection is not kept; for several requests make
/// one client and reuse it.
///
/// # Errors
/// As [`Client::send`].
pub async fn get(url: &str) -> Result<Response, Error> {
    Client::new().get(url).await
}
