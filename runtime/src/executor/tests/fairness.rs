use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use crate::net::{TcpListener, TcpStream};
use crate::{Runtime, EVENT_INTERVAL};

/// Spawns a task that wakes itself on every poll, forever, counting its polls. It gives up
/// after a large bound so a broken scheduler fails the test instead of hanging it.
fn spawn_spinner(polls: Rc<Cell<u64>>) -> crate::JoinHandle<()> {
    crate::spawn(async move {
        while polls.get() < 1_000_000 {
            polls.set(polls.get() + 1);
            crate::yield_now().await;
        }
    })
}

#[test]
fn a_self_waking_task_cannot_starve_an_expired_timer() {
    let rt = Runtime::new().unwrap();
    let spins = Rc::new(Cell::new(0));
    let spins_at_wakeup = rt.block_on({
        let spins = spins.clone();
        async move {
            let spinner = spawn_spinner(spins.clone());
            crate::time::sleep(Duration::from_millis(2)).await;
            let seen = spins.get();
            spinner.abort();
            seen
        }
    });
    assert!(
        spins_at_wakeup < 1_000_000,
        "the timer fired only after the spinner gave up"
    );
}

#[test]
fn a_self_waking_task_cannot_starve_a_ready_socket() {
    let rt = Runtime::new().unwrap();
    let spins = Rc::new(Cell::new(0));
    let (spins_before_read, spins_after_read) = rt.block_on({
        let spins = spins.clone();
        async move {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            let mut client = TcpStream::connect_addr(addr).await.unwrap();
            let (mut server, _) = listener.accept().await.unwrap();
            let spinner = spawn_spinner(spins.clone());
            client.write_all(b"ping").await.unwrap();
            let before = spins.get();
            let mut buf = [0u8; 4];
            server.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"ping");
            let after = spins.get();
            spinner.abort();
            (before, after)
        }
    });
    // The data is already in the socket: the reader must get it within a couple of
    // fairness intervals, not after the spinner is done.
    let spins_during_read = spins_after_read - spins_before_read;
    assert!(
        spins_during_read <= 4 * u64::from(EVENT_INTERVAL),
        "reader waited {spins_during_read} spinner polls"
    );
}

#[test]
fn the_reactor_is_polled_at_least_every_event_interval_polls() {
    let recorder = crate::trace::Recorder::new();
    let rt = Runtime::builder()
        .on_event(recorder.clone())
        .build()
        .unwrap();
    rt.block_on(async {
        let spins = Rc::new(Cell::new(0));
        let spinner = spawn_spinner(spins.clone());
        while spins.get() < 500 {
            crate::yield_now().await;
        }
        spinner.abort();
    });
    let mut polls_since_park = 0;
    for event in recorder.events() {
        match event {
            crate::trace::Event::PollStart { .. } => polls_since_park += 1,
            crate::trace::Event::Park { .. } => polls_since_park = 0,
            _ => {}
        }
        assert!(polls_since_park <= EVENT_INTERVAL);
    }
}
