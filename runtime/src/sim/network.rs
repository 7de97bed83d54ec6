//! The simulated network: named hosts, the links between them, partitions and resets.
//!
//! Every host has a name and an address (`10.0.0.1` for the first, counting up); the
//! runtime resolves the names, so `TcpStream::connect("swapi.sim:443")` and a fetcher's
//! `https://swapi.sim/` reach whatever listens there. Code runs on the host `client`
//! (created with the network) unless [`Network::enter`] (a closure) or
//! [`Network::on_host`] (a future) runs it as another host's (`host.rs`); a listener is on
//! the host whose address it binds (`0.0.0.0` and loopback: the current host).
//!
//! Each link between two hosts has a latency and a jitter; every segment sent across it
//! takes the latency plus a jitter drawn from the seed, so the same seed gives the same
//! arrivals. A partition drops what crosses the link, silently, until it heals.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::rc::{Rc, Weak};
use std::time::{Duration, Instant};

use super::alarm::AlarmNote;
use super::conn::{Conn, ConnRef, Fate};
use super::host::{as_host, current_host, OnHost};
use super::listener::{Backlog, BacklogRef};
use super::rng::Rng;
use crate::reactor::time::TimeDriver;

/// The latency of a link: every segment takes `latency` plus a jitter drawn from
/// `0..=jitter` (from the seed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Link {
    /// The least time a segment takes.
    pub latency: Duration,
    /// The most a segment may take beyond `latency`.
    pub jitter: Duration,
}

impl Link {
    /// A link with this latency and jitter.
    pub const fn new(latency: Duration, jitter: Duration) -> Link {
        Link { latency, jitter }
    }
}

impl Default for Link {
    /// 1 ms, with up to 1 ms of jitter: a fast local network.
    fn default() -> Link {
        Link::new(Duration::from_millis(1), Duration::from_millis(1))
    }
}

/// A handle to the simulated network of the runtime running on this thread; see the
/// [module docs](crate::sim). Clones share the network.
#[derive(Clone)]
pub struct Network {
    pub(crate) world: Rc<RefCell<World>>,
}

/// Everything the network knows.
pub(crate) struct World {
    /// Host names, by number; host `i` has the address `10.0.0.(i+1)`.
    hosts: Vec<String>,
    /// Links set with [`Network::link`], by host pair (lower number first).
    links: HashMap<(usize, usize), Link>,
    /// Pairs of hosts cut off from each other.
    partitions: Vec<(usize, usize)>,
    /// The link between hosts with no link of their own.
    default_link: Link,
    /// Listeners, by address.
    listeners: HashMap<SocketAddr, Weak<RefCell<Backlog>>>,
    /// Every connection made, for partitions and resets (dead ones pruned as found).
    conns: Vec<Weak<RefCell<Conn>>>,
    /// Draws the jitter.
    rng: Rng,
    /// The seed `rng` was made from.
    seed: u64,
    /// The next ephemeral port, per network (not per host: simpler, and still unique).
    next_port: u16,
    /// The runtime's clock and timers.
    pub(crate) time: Rc<TimeDriver>,
    /// The timers the network armed and cancelled since the runtime last took them, for
    /// its trace; `None` when the runtime is not traced.
    pub(crate) alarm_notes: Option<Vec<AlarmNote>>,
}

/// The draws of the network's stream of the seed.
const NETWORK_STREAM: u64 = 3;

impl Network {
    /// The network of a runtime built with it, seeded with `seed`.
    pub(crate) fn new(seed: u64, time: Rc<TimeDriver>) -> Network {
        Network {
            world: Rc::new(RefCell::new(World {
                hosts: vec!["client".to_owned()],
                links: HashMap::new(),
                partitions: Vec::new(),
                default_link: Link::default(),
                listeners: HashMap::new(),
                conns: Vec::new(),
                rng: Rng::new(seed, NETWORK_STREAM),
                seed,
                next_port: 49152,
                time,
                alarm_notes: None,
            })),
        }
    }

    /// Keeps the timers the network arms and cancels from now on, for
    /// [`take_alarm_notes`](Network::take_alarm_notes) (the runtime does when traced).
    pub(crate) fn note_alarms(&self) {
        self.world.borrow_mut().alarm_notes = Some(Vec::new());
    }

    /// The timers armed and cancelled since the last call, in order.
    pub(crate) fn take_alarm_notes(&self) -> Vec<AlarmNote> {
        match self.world.try_borrow_mut() {
            Ok(mut world) => world
                .alarm_notes
                .as_mut()
                .map(std::mem::take)
                .unwrap_or_default(),
            Err(_) => Vec::new(),
        }
    }

    /// The seed of the runtime's schedule (0 under FIFO), which draws the network's
    /// jitter: a test body can seed its own choices with it too.
    pub fn seed(&self) -> u64 {
        self.world.borrow().seed
    }

    /// Adds a host named `name` (or finds it) and returns its address.
    ///
    /// # Panics
    /// If `name` is empty, or more than 254 hosts are asked for.
    pub fn add_host(&self, name: &str) -> IpAddr {
        assert!(!name.is_empty(), "a simulated host needs a name");
        let mut world = self.world.borrow_mut();
        let host = match world.host_named(name) {
            Some(host) => host,
            None => {
                assert!(world.hosts.len() < 254, "at most 254 simulated hosts");
                world.hosts.push(name.to_ascii_lowercase());
                world.hosts.len() - 1
            }
        };
        address_of(host)
    }

    /// The address of host `name`, if there is one.
    pub fn lookup(&self, name: &str) -> Option<IpAddr> {
        self.world.borrow().host_named(name).map(address_of)
    }

    /// Sets the latency of the link between hosts `a` and `b` (both ways).
    ///
    /// # Panics
    /// If either host does not exist.
    pub fn link(&self, a: &str, b: &str, link: Link) {
        let pair = self.pair(a, b);
        self.world.borrow_mut().links.insert(pair, link);
    }

    /// Sets the latency of every link not set with [`link`](Network::link).
    pub fn default_link(&self, link: Link) {
        self.world.borrow_mut().default_link = link;
    }

    /// Cuts hosts `a` and `b` off from each other: whatever crosses between them from now
    /// on, including what is in flight, is dropped without a word. A task waiting for a
    /// reply waits until its own timeout; a new connection's `connect` never completes.
    ///
    /// # Panics
    /// If either host does not exist.
    pub fn partition(&self, a: &str, b: &str) {
        let pair = self.pair(a, b);
        let mut world = self.world.borrow_mut();
        if !world.partitions.contains(&pair) {
            world.partitions.push(pair);
        }
        let now = world.time.now();
        for conn in world.conns_between(pair) {
            let mut conn = conn.borrow_mut();
            if conn.in_flight(now) {
                conn.cut();
            }
        }
    }

    /// Heals a [`partition`](Network::partition): new traffic crosses again. Connections
    /// that lost bytes meanwhile are reset, as TCP does once retransmissions give up.
    ///
    /// # Panics
    /// If either host does not exist.
    pub fn heal(&self, a: &str, b: &str) {
        let pair = self.pair(a, b);
        self.world.borrow_mut().partitions.retain(|p| *p != pair);
        self.reset_where(pair, |fate| matches!(fate, Fate::Lost(_)));
    }

    /// Resets every open connection between hosts `a` and `b`: each end's next read or
    /// write fails with `ConnectionReset` (tasks waiting on one are woken to find out).
    ///
    /// # Panics
    /// If either host does not exist.
    pub fn reset(&self, a: &str, b: &str) {
        let pair = self.pair(a, b);
        self.reset_where(pair, |fate| fate != Fate::Refused);
    }

    /// Runs `f` as code of host `name` (added if new): listeners it binds to `0.0.0.0` or
    /// loopback are that host's. (A connect is a future that starts when first polled:
    /// use [`on_host`](Network::on_host) for those.)
    pub fn enter<R>(&self, name: &str, f: impl FnOnce() -> R) -> R {
        let host = self.host_number(name);
        as_host(host, f)
    }

    /// Runs `future` as code of host `name` (added if new): every poll of it is that
    /// host's, so the connections it makes come from that host's address, and listeners it
    /// binds to `0.0.0.0` or loopback are that host's. (Tasks it spawns are not: wrap
    /// them too.)
    ///
    /// ```
    /// use runtime::net::{TcpListener, TcpStream};
    ///
    /// runtime::testing::explore(1, || async {
    ///     let net = runtime::sim::network();
    ///     let server = net.add_host("server");
    ///     let listener = TcpListener::bind((server, 7)).unwrap();
    ///     let accepted = runtime::spawn(async move { listener.accept().await.unwrap().1 });
    ///     let client = net.on_host("laptop", TcpStream::connect("server:7")).await.unwrap();
    ///     assert_eq!(Some(client.local_addr().unwrap().ip()), net.lookup("laptop"));
    ///     assert_eq!(accepted.await.unwrap(), client.local_addr().unwrap());
    /// });
    /// ```
    pub fn on_host<F: Future>(&self, name: &str, future: F) -> OnHost<F> {
        OnHost {
            host: self.host_number(name),
            future: Box::pin(future),
        }
    }

    /// The number of host `name`, added if new.
    fn host_number(&self, name: &str) -> usize {
        match self.add_host(name) {
            IpAddr::V4(ip) => usize::from(ip.octets()[3]) - 1,
            IpAddr::V6(_) => unreachable!("simulated hosts are IPv4"),
        }
    }

    /// The host pair `(a, b)`, lower number first.
    fn pair(&self, a: &str, b: &str) -> (usize, usize) {
        let world = self.world.borrow();
        let number = |name| {
            world
                .host_named(name)
                .unwrap_or_else(|| panic!("no simulated host named {name:?}"))
        };
        let (a, b) = (number(a), number(b));
        (a.min(b), a.max(b))
    }

    /// Resets the connections between `pair` whose fate `which` picks, and wakes their
    /// waiters.
    fn reset_where(&self, pair: (usize, usize), which: impl Fn(Fate) -> bool) {
        let mut wakers = Vec::new();
        let conns = self.world.borrow_mut().conns_between(pair);
        for conn in conns {
            let mut conn = conn.borrow_mut();
            if which(conn.fate) {
                conn.fate = Fate::Reset;
                wakers.extend(conn.take_waiters());
            }
        }
        wakers.into_iter().for_each(std::task::Waker::wake);
    }
}

impl World {
    fn host_named(&self, name: &str) -> Option<usize> {
        self.hosts.iter().position(|h| h.eq_ignore_ascii_case(name))
    }

    /// The host of address `ip`, seen from `from`: loopback is `from` itself.
    pub(crate) fn host_at(&self, ip: IpAddr, from: usize) -> Option<usize> {
        if ip.is_loopback() || ip.is_unspecified() {
            return Some(from);
        }
        let IpAddr::V4(v4) = ip else { return None };
        let [a, b, c, d] = v4.octets();
        let number = usize::from(d).checked_sub(1)?;
        ((a, b, c) == (10, 0, 0) && number < self.hosts.len()).then_some(number)
    }

    /// The addresses of host `name` with `port`, if it is a simulated host.
    pub(crate) fn resolve(&self, name: &str, port: u16) -> Option<Vec<SocketAddr>> {
        if name.eq_ignore_ascii_case("localhost") {
            return Some(vec![SocketAddr::new(address_of(current_host()), port)]);
        }
        let host = self.host_named(name)?;
        Some(vec![SocketAddr::new(address_of(host), port)])
    }

    /// When a segment sent now from host `from` to host `to` arrives; `None` if a
    /// partition drops it.
    pub(crate) fn arrival(&mut self, from: usize, to: usize) -> Option<Instant> {
        let pair = (from.min(to), from.max(to));
        if self.partitions.contains(&pair) {
            return None;
        }
        let now = self.time.now();
        if from == to {
            return Some(now); // loopback: no latency
        }
        let link = *self.links.get(&pair).unwrap_or(&self.default_link);
        let jitter = u64::try_from(link.jitter.as_nanos()).unwrap_or(u64::MAX);
        let drawn = match jitter {
            0 => 0,
            _ => self.rng.next_u64() % (jitter + 1),
        };
        Some(now + link.latency + Duration::from_nanos(drawn))
    }

    /// An ephemeral port no live listener of `ip` uses.
    pub(crate) fn ephemeral_port(&mut self, ip: IpAddr) -> u16 {
        let mut port = self.next_port;
        for _ in 49152..=u16::MAX {
            port = self.next_port;
            self.next_port = self.next_port.checked_add(1).unwrap_or(49152);
            if self.listener(SocketAddr::new(ip, port)).is_none() {
                break;
            }
        }
        port // every one taken: the bind that asked fails with AddrInUse
    }

    /// Registers a listener at `addr`.
    ///
    /// # Errors
    /// `AddrInUse` if a live listener has it.
    pub(crate) fn listen(&mut self, addr: SocketAddr, backlog: &BacklogRef) -> io::Result<()> {
        if self
            .listeners
            .get(&addr)
            .is_some_and(|l| l.strong_count() > 0)
        {
            return Err(io::Error::new(
                io::ErrorKind::AddrInUse,
                format!("{addr} is in use on the simulated network"),
            ));
        }
        self.listeners.insert(addr, Rc::downgrade(backlog));
        Ok(())
    }

    /// The listener at `addr` is gone.
    pub(crate) fn unlisten(&mut self, addr: SocketAddr) {
        self.listeners.remove(&addr);
    }

    /// The listener at `addr`, if one is alive.
    pub(crate) fn listener(&self, addr: SocketAddr) -> Option<BacklogRef> {
        self.listeners.get(&addr)?.upgrade()
    }

    /// Remembers a connection, for partitions and resets.
    pub(crate) fn track(&mut self, conn: &ConnRef) {
        if self.conns.len() >= 64 && self.conns.len().is_power_of_two() {
            self.conns.retain(|c| c.strong_count() > 0);
        }
        self.conns.push(Rc::downgrade(conn));
    }

    /// The live connections between the hosts of `pair`.
    fn conns_between(&mut self, pair: (usize, usize)) -> Vec<ConnRef> {
        self.conns.retain(|c| c.strong_count() > 0);
        let between = |conn: &ConnRef| {
            let [a, b] = conn.borrow().hosts;
            (a.min(b), a.max(b)) == pair
        };
        self.conns
            .iter()
            .filter_map(Weak::upgrade)
            .filter(between)
            .collect()
    }
}

/// The address of host number `host`.
pub(crate) fn address_of(host: usize) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(10, 0, 0, (host + 1) as u8))
}

impl fmt::Debug for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let world = self.world.borrow();
        f.debug_struct("Network")
            .field("hosts", &world.hosts)
            .field("partitions", &world.partitions.len())
            .finish_non_exhaustive()
    }
}
