use std::io::ErrorKind;
use std::time::Duration;

use super::{listening, simulated, MS};
use crate::net::{lookup_host, TcpListener, TcpStream};
use crate::sim::Link;
use crate::time::{sleep, Instant};

#[test]
fn bytes_cross_a_link_in_its_latency_and_connect_takes_a_round_trip() {
    let rt = simulated(1);
    rt.block_on(async {
        let (_, listener) = listening(Some(MS(50)));
        let echo = crate::spawn(async move {
            let (mut socket, peer) = listener.accept().await.unwrap();
            let mut buf = [0; 4];
            socket.read_exact(&mut buf).await.unwrap();
            socket.write_all(&buf).await.unwrap();
            (peer, Instant::now())
        });
        let start = Instant::now();
        let mut client = TcpStream::connect("server:7").await.unwrap();
        assert_eq!(start.elapsed(), MS(100), "SYN there, SYN-ACK back");
        assert_eq!(client.peer_addr().unwrap(), "10.0.0.2:7".parse().unwrap());
        client.write_all(b"ping").await.unwrap();
        let mut buf = [0; 4];
        client.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"ping");
        assert_eq!(start.elapsed(), MS(200), "the ping there and back");
        let (peer, served) = echo.await.unwrap();
        assert_eq!(peer, client.local_addr().unwrap());
        assert_eq!(served - start, MS(150));
    });
}

#[test]
fn names_resolve_to_simulated_hosts_and_unknown_ones_are_not_found() {
    let rt = simulated(2);
    rt.block_on(async {
        let net = crate::sim::network();
        net.add_host("swapi.sim");
        let found = lookup_host("swapi.sim", 443).await.unwrap();
        assert_eq!(found, ["10.0.0.2:443".parse().unwrap()]);
        let missing = lookup_host("example.com", 443).await.unwrap_err();
        assert_eq!(missing.kind(), ErrorKind::NotFound);
        assert!(missing.to_string().contains("example.com"), "{missing}");
    });
}

#[test]
fn a_connect_with_no_listener_is_refused_after_a_round_trip() {
    let rt = simulated(3);
    rt.block_on(async {
        let net = crate::sim::network();
        net.add_host("server");
        net.link("client", "server", Link::new(MS(10), Duration::ZERO));
        let start = Instant::now();
        let refused = TcpStream::connect("server:80").await.unwrap_err();
        assert_eq!(refused.kind(), ErrorKind::ConnectionRefused);
        assert_eq!(start.elapsed(), MS(20));
    });
}

#[test]
fn a_partition_silences_the_link_and_healing_resets_what_it_cut() {
    let rt = simulated(4);
    rt.block_on(async {
        let (net, listener) = listening(Some(MS(10)));
        let _server = crate::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut buf = [0; 64];
            while let Ok(n @ 1..) = socket.read(&mut buf).await {
                let _ = socket.write_all(&buf[..n]).await;
            }
        });
        let mut client = TcpStream::connect("server:7").await.unwrap();
        net.partition("client", "server");
        client.write_all(b"lost").await.unwrap(); // accepted, then dropped on the link
        let mut buf = [0; 4];
        let silent = crate::time::timeout(MS(500), client.read(&mut buf)).await;
        assert!(silent.is_err(), "nothing arrives across a partition");
        net.heal("client", "server");
        let reset = client.read(&mut buf).await.unwrap_err();
        assert_eq!(reset.kind(), ErrorKind::ConnectionReset);
        // A new connection after the heal works.
        let mut again = TcpStream::connect("server:7").await;
        assert!(
            again.is_err() || again.as_mut().is_ok(),
            "the listener took one"
        );
    });
}

#[test]
fn a_reset_wakes_a_waiting_reader_with_connection_reset() {
    let rt = simulated(5);
    rt.block_on(async {
        let (_, listener) = listening(None);
        let accepted = crate::spawn(async move { listener.accept().await.unwrap() });
        let mut client = TcpStream::connect("server:7").await.unwrap();
        let _held = accepted.await.unwrap();
        let resetter = crate::spawn(async move {
            sleep(MS(5)).await;
            crate::sim::network().reset("client", "server");
        });
        let mut buf = [0; 4];
        let reset = client.read(&mut buf).await.unwrap_err();
        assert_eq!(reset.kind(), ErrorKind::ConnectionReset);
        resetter.await.unwrap();
    });
}

#[test]
fn closing_one_end_lets_the_other_read_the_end_after_the_bytes_ahead_of_it() {
    let rt = simulated(6);
    rt.block_on(async {
        let (_, listener) = listening(None);
        let sender = crate::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            socket.write_all(b"bye").await.unwrap();
        });
        let mut client = TcpStream::connect("server:7").await.unwrap();
        sender.await.unwrap();
        let mut all = Vec::new();
        let mut buf = [0; 2];
        loop {
            match client.read(&mut buf).await.unwrap() {
                0 => break,
                n => all.extend_from_slice(&buf[..n]),
            }
        }
        assert_eq!(all, b"bye");
    });
}

#[test]
fn a_reader_whose_peer_sends_nothing_is_reported_stuck() {
    let rt = simulated(7);
    let stuck = rt.try_block_on(async {
        let (_, listener) = listening(None);
        let _silent = crate::spawn_named("silent", async move {
            let (socket, _) = listener.accept().await.unwrap();
            std::future::pending::<()>().await;
            drop(socket);
        });
        let mut client = TcpStream::connect("server:7").await.unwrap();
        let mut buf = [0; 4];
        let _ = client.read(&mut buf).await;
    });
    let report = stuck.unwrap_err().to_string();
    assert!(report.contains("waits on socket read"), "{report}");
    assert!(
        report.contains("simulated connection created at"),
        "{report}"
    );
    assert!(
        report.contains("whose other end (last seen in t1) sends nothing"),
        "{report}"
    );
}

#[test]
fn a_writer_waiting_for_room_fails_with_broken_pipe_when_the_reader_closes() {
    let rt = simulated(8);
    rt.block_on(async {
        let (_, listener) = listening(None);
        let writer = crate::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            socket.write_all(&vec![7; 1 << 20]).await // more than the window
        });
        let client = TcpStream::connect("server:7").await.unwrap();
        sleep(MS(50)).await; // the window fills; nobody reads
        drop(client);
        let written = crate::time::timeout(Duration::from_secs(10), writer).await;
        let error = written
            .expect("woken, not left waiting")
            .unwrap()
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::BrokenPipe);
    });
}

#[test]
fn accept_takes_connections_in_the_order_they_land_not_the_order_they_were_sent() {
    let rt = simulated(9);
    rt.block_on(async {
        let net = crate::sim::network();
        let server = net.add_host("server");
        net.add_host("far");
        net.add_host("near");
        net.link("far", "server", Link::new(MS(200), Duration::ZERO));
        net.link("near", "server", Link::new(MS(2), Duration::ZERO));
        let listener = TcpListener::bind((server, 7)).unwrap();
        let far = crate::spawn(net.on_host("far", TcpStream::connect("server:7")));
        sleep(MS(1)).await;
        let near = crate::spawn(net.on_host("near", TcpStream::connect("server:7")));
        let (_, first) = listener.accept().await.unwrap();
        assert_eq!(Some(first.ip()), net.lookup("near"));
        let (_, second) = listener.accept().await.unwrap();
        assert_eq!(Some(second.ip()), net.lookup("far"));
        let _ = (far.await, near.await);
    });
}

#[test]
fn bytes_that_landed_before_a_partition_are_still_read() {
    let rt = simulated(10);
    rt.block_on(async {
        let (net, listener) = listening(Some(MS(10)));
        let _server = crate::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            socket.write_all(b"hello").await.unwrap();
            std::future::pending::<()>().await;
        });
        let mut client = TcpStream::connect("server:7").await.unwrap();
        sleep(MS(50)).await; // "hello" landed at about 30 ms
        client.write_all(b"x").await.unwrap(); // in flight when the partition starts
        net.partition("client", "server");
        let mut buf = [0; 5];
        let read = crate::time::timeout(MS(100), client.read_exact(&mut buf)).await;
        assert!(read.is_ok(), "what landed before the cut is there");
        assert_eq!(&buf, b"hello");
    });
}

#[test]
fn a_handshake_in_flight_when_a_partition_starts_never_completes() {
    let rt = simulated(11);
    rt.block_on(async {
        let (_, listener) = listening(Some(MS(10)));
        let accepting = crate::spawn(async move { listener.accept().await.map(|_| ()) });
        let cutter = crate::spawn(async move {
            sleep(MS(5)).await;
            crate::sim::network().partition("client", "server");
        });
        let connect = crate::time::timeout(MS(500), TcpStream::connect("server:7")).await;
        assert!(connect.is_err(), "the connect is still waiting at 500 ms");
        cutter.await.unwrap();
        accepting.abort();
    });
}

#[test]
fn under_simulation_a_name_is_never_sent_to_the_systems_resolver() {
    let rt = simulated(12);
    rt.block_on(async {
        let no_port = TcpStream::connect("server").await.unwrap_err();
        assert_eq!(no_port.kind(), ErrorKind::InvalidInput, "{no_port}");
        let unknown = TcpStream::connect("example.com:80").await.unwrap_err();
        assert_eq!(unknown.kind(), ErrorKind::NotFound, "{unknown}");
    });
}

#[test]
fn port_zero_skips_a_port_a_listener_holds() {
    let rt = simulated(13);
    rt.block_on(async {
        let server = crate::sim::network().add_host("server");
        let taken = TcpListener::bind((server, 49152)).unwrap();
        let free = TcpListener::bind((server, 0)).unwrap();
        assert_ne!(free.local_addr().unwrap(), taken.local_addr().unwrap());
    });
}

#[test]
fn a_traced_run_records_every_timer_the_network_arms_before_it_fires() {
    let recorder = crate::trace::Recorder::all();
    let rt = crate::Runtime::builder()
        .schedule(crate::sim::Schedule::Random(14))
        .simulated_network(true)
        .trace_from_env(false)
        .on_event(recorder.clone())
        .build()
        .unwrap();
    rt.block_on(async {
        let (_, listener) = listening(Some(MS(10)));
        let echo = crate::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut buf = [0; 4];
            socket.read_exact(&mut buf).await.unwrap();
            socket.write_all(&buf).await.unwrap();
        });
        let mut client = TcpStream::connect("server:7").await.unwrap();
        client.write_all(b"ping").await.unwrap();
        let mut buf = [0; 4];
        client.read_exact(&mut buf).await.unwrap();
        echo.await.unwrap();
    });
    drop(rt);
    let mut armed = std::collections::HashSet::new();
    let mut fired = 0;
    for event in recorder.events() {
        match event {
            crate::trace::Event::TimerArmed { timer, task, .. } => {
                assert!(task.is_some(), "armed in a poll");
                armed.insert(timer);
            }
            crate::trace::Event::TimerFired { timer } => {
                assert!(armed.contains(&timer), "timer#{timer} fired, never armed");
                fired += 1;
            }
            _ => {}
        }
    }
    assert!(
        fired >= 4,
        "a round trip to connect and one for the echo: {fired}"
    );
}
