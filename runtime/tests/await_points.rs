//! Every leaf future of the runtime says, when it parks a task, what it waits for and which
//! line created it: the `waits_on` of the task's `PollEnd`.

use std::future::poll_fn;
use std::pin::Pin;
use std::time::Duration;

use futures_io::AsyncRead;
use futures_util::StreamExt;
use runtime::net::{TcpListener, TcpStream};
use runtime::sync::{mpsc, oneshot, Semaphore};
use runtime::time::{interval, sleep};
use runtime::trace::{Await, Event, Recorder, TaskId};

mod support;

use support::traced_all as traced;

/// What `task` parked on at the end of each `Pending` poll that named a leaf: the leaf's
/// kind, and the file and line that created it.
fn parks(rec: &Recorder, task: TaskId) -> Vec<(Await, &'static str, u32)> {
    rec.events()
        .into_iter()
        .filter_map(|event| match event {
            Event::PollEnd {
                task: polled,
                waits_on: Some(point),
                ..
            } if polled == task => Some((point.what, point.at.file(), point.at.line())),
            _ => None,
        })
        .collect()
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn a_sleep_parks_on_the_line_that_called_sleep() {
    let (rt, rec) = traced();
    let line = rt.block_on(async {
        let line = line!() + 1;
        sleep(ms(250)).await;
        line
    });
    assert_eq!(
        parks(&rec, TaskId::MAIN),
        [(Await::Sleep(ms(250)), file!(), line)]
    );
}

#[test]
fn an_interval_tick_parks_on_the_line_that_called_tick() {
    let (rt, rec) = traced();
    let line = rt.block_on(async {
        let mut ticks = interval(ms(1000));
        ticks.tick().await; // the first tick is due at once
        let line = line!() + 1;
        ticks.tick().await;
        line
    });
    assert_eq!(
        parks(&rec, TaskId::MAIN),
        [(Await::Tick(ms(1000)), file!(), line)]
    );
}

#[test]
fn an_interval_polled_as_a_stream_parks_on_the_line_that_created_it() {
    let (rt, rec) = traced();
    let line = rt.block_on(async {
        let line = line!() + 1;
        let mut ticks = interval(ms(1000));
        ticks.next().await;
        ticks.next().await; // polled by futures-util's `Next`, not by this file
        line
    });
    assert_eq!(
        parks(&rec, TaskId::MAIN),
        [(Await::Tick(ms(1000)), file!(), line)]
    );
}

#[test]
fn an_mpsc_recv_parks_on_the_line_that_called_recv() {
    let (rt, rec) = traced();
    let line = rt.block_on(async {
        let (tx, mut rx) = mpsc::channel(1);
        let _sender = runtime::spawn(async move {
            sleep(ms(10)).await;
            tx.send(7).await.unwrap();
        });
        let line = line!() + 1;
        assert_eq!(rx.recv().await, Some(7));
        line
    });
    assert_eq!(parks(&rec, TaskId::MAIN), [(Await::Recv, file!(), line)]);
}

#[test]
fn an_mpsc_receiver_polled_as_a_stream_parks_on_the_line_that_made_the_channel() {
    let (rt, rec) = traced();
    let line = rt.block_on(async {
        let line = line!() + 1;
        let (tx, mut rx) = mpsc::channel(1);
        let _sender = runtime::spawn(async move {
            sleep(ms(10)).await;
            tx.send(7).await.unwrap();
        });
        assert_eq!(rx.next().await, Some(7));
        line
    });
    assert_eq!(parks(&rec, TaskId::MAIN), [(Await::Recv, file!(), line)]);
}

#[test]
fn an_mpsc_send_to_a_full_queue_parks_on_the_line_that_called_send() {
    let (rt, rec) = traced();
    let line = rt.block_on(async {
        let (tx, mut rx) = mpsc::channel(1);
        tx.send(1).await.unwrap();
        let _receiver = runtime::spawn(async move {
            sleep(ms(10)).await;
            (rx.recv().await, rx.recv().await)
        });
        let line = line!() + 1;
        tx.send(2).await.unwrap();
        line
    });
    assert_eq!(parks(&rec, TaskId::MAIN), [(Await::Send, file!(), line)]);
}

#[test]
fn a_oneshot_receiver_parks_on_the_line_that_made_the_channel() {
    let (rt, rec) = traced();
    let line = rt.block_on(async {
        let line = line!() + 1;
        let (tx, rx) = oneshot::channel();
        let _sender = runtime::spawn(async move {
            sleep(ms(10)).await;
            tx.send(7).unwrap();
        });
        assert_eq!(rx.await, Ok(7));
        line
    });
    assert_eq!(parks(&rec, TaskId::MAIN), [(Await::Recv, file!(), line)]);
}

#[test]
fn a_semaphore_acquire_parks_on_the_line_that_called_acquire() {
    let (rt, rec) = traced();
    let line = rt.block_on(async {
        let semaphore = Semaphore::new(0);
        let opener = semaphore.clone();
        let _opener = runtime::spawn(async move {
            sleep(ms(10)).await;
            opener.add_permits(1);
        });
        let line = line!() + 1;
        let _permit = semaphore.acquire().await.unwrap();
        line
    });
    assert_eq!(parks(&rec, TaskId::MAIN), [(Await::Acquire, file!(), line)]);
}

#[test]
fn a_join_handle_parks_on_the_line_that_spawned_the_task() {
    let (rt, rec) = traced();
    let line = rt.block_on(async {
        let line = line!() + 1;
        let napper = runtime::spawn(sleep(ms(10)));
        runtime::yield_now().await; // where the handle is awaited does not matter
        napper.await.unwrap();
        line
    });
    assert_eq!(
        parks(&rec, TaskId::MAIN),
        [(Await::Join(TaskId(1)), file!(), line)]
    );
}

#[test]
fn a_blocking_job_parks_its_task_and_its_awaiter_on_the_spawn_blocking_line() {
    let (rt, rec) = traced();
    let line = rt.block_on(async {
        let (go, gate) = std::sync::mpsc::channel::<()>();
        let line = line!() + 1;
        let job = runtime::spawn_blocking(move || gate.recv().map(|()| 42));
        runtime::yield_now().await; // the job's task polls once, and waits
        go.send(()).unwrap();
        assert_eq!(job.await.unwrap(), Ok(42));
        line
    });
    let blocking = [(Await::Blocking, file!(), line)];
    assert_eq!(parks(&rec, TaskId::MAIN), blocking);
    assert_eq!(parks(&rec, TaskId(1)), blocking);
}

#[test]
fn socket_operations_park_on_the_lines_that_asked_for_them() {
    let (rt, rec) = traced();
    let lines = rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let accept_line = line!() + 1;
        let accepter = runtime::spawn(async move { listener.accept().await.unwrap().0 });
        let connect_line = line!() + 1;
        let mut client = TcpStream::connect_addr(addr).await.unwrap();
        let mut server = accepter.await.unwrap();
        // More than the socket buffers hold, so the writer waits for the reader.
        let write_line = line!() + 4;
        let writer = runtime::spawn(async move {
            runtime::yield_now().await; // the reader parks first
            let bytes = vec![7u8; 16 << 20];
            server.write_all(&bytes).await.unwrap();
        });
        let mut got = vec![0u8; 16 << 20];
        let read_line = line!() + 1;
        client.read_exact(&mut got).await.unwrap();
        writer.await.unwrap();
        (accept_line, connect_line, write_line, read_line)
    });
    let (accept_line, connect_line, write_line, read_line) = lines;
    let main = parks(&rec, TaskId::MAIN);
    assert_eq!(main[0], (Await::Connect, file!(), connect_line));
    assert!(
        main.contains(&(Await::Read, file!(), read_line)),
        "{main:?}"
    );
    let accepter = parks(&rec, TaskId(1));
    assert_eq!(accepter, [(Await::Accept, file!(), accept_line)]);
    let writer = parks(&rec, TaskId(2));
    assert!(
        writer.contains(&(Await::Write, file!(), write_line)),
        "{writer:?}"
    );
    // Whatever the timing, every socket wait names this file.
    for (what, file, _) in main.iter().chain(&writer) {
        if matches!(what, Await::Read | Await::Write | Await::Connect) {
            assert_eq!(*file, file!());
        }
    }
}

#[test]
fn a_poll_read_parks_on_the_line_that_polls_it() {
    let (rt, rec) = traced();
    let line = rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut client = TcpStream::connect(&listener.local_addr().unwrap().to_string())
            .await
            .unwrap();
        let (mut server, _) = listener.accept().await.unwrap();
        rec.clear();
        let _writer = runtime::spawn(async move {
            sleep(ms(10)).await;
            server.write_all(b"!").await.unwrap();
        });
        let mut byte = [0u8; 1];
        let line = line!() + 1;
        poll_fn(|cx| Pin::new(&mut client).poll_read(cx, &mut byte))
            .await
            .unwrap();
        line
    });
    let main = parks(&rec, TaskId::MAIN);
    assert!(main.contains(&(Await::Read, file!(), line)), "{main:?}");
    assert!(
        main.iter().all(|(what, ..)| *what == Await::Read),
        "{main:?}"
    );
}
