//! `oneshot` (asyncio's `Future`), `mpsc` (asyncio's `Queue`) and `Semaphore`, under the
//! virtual clock; and `thread_oneshot`, the one way in from another thread.

mod support;

use support::virtual_runtime;

use std::cell::{Cell, RefCell};
use std::future::{poll_fn, Future};
use std::rc::Rc;
use std::task::Poll;
use std::time::Duration;

use runtime::sync::mpsc::{self, TryRecvError, TrySendError};
use runtime::sync::oneshot::{self, RecvError};
use runtime::sync::{thread_oneshot, AcquireError, Semaphore};
use runtime::time::{sleep, Instant};
use runtime::trace::Recorder;
use runtime::{gather, Runtime};

/// Counts its drops.
struct Counted(Rc<Cell<usize>>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

#[test]
fn oneshot_delivers_the_value_set_later_by_another_task() {
    let rt = virtual_runtime();
    let got = rt.block_on(async {
        let (tx, rx) = oneshot::channel();
        let setter = runtime::spawn(async move {
            sleep(Duration::from_millis(10)).await;
            tx.send(42).unwrap();
        });
        let got = rx.await;
        setter.await.unwrap();
        got
    });
    assert_eq!(got, Ok(42));
}

#[test]
fn oneshot_receiver_sees_a_sender_dropped_without_sending() {
    let rt = virtual_runtime();
    let got = rt.block_on(async {
        let (tx, rx) = oneshot::channel::<u8>();
        let dropper = runtime::spawn(async move {
            sleep(Duration::from_millis(10)).await;
            drop(tx);
        });
        let got = rx.await;
        dropper.await.unwrap();
        got
    });
    assert_eq!(got, Err(RecvError));
}

#[test]
fn oneshot_send_to_a_dropped_receiver_fails_and_gives_the_value_back() {
    let (tx, rx) = oneshot::channel();
    assert!(!tx.is_closed());
    drop(rx);
    assert!(tx.is_closed());
    assert_eq!(tx.send("lost"), Err("lost"));
}

#[test]
fn mpsc_values_arrive_in_send_order_and_recv_ends_when_every_sender_is_gone() {
    let rt = virtual_runtime();
    let got = rt.block_on(async {
        let (tx, mut rx) = mpsc::channel(4);
        let tx2 = tx.clone();
        let first = runtime::spawn(async move {
            for i in 0..3 {
                tx.send(i).await.unwrap();
            }
        });
        let second = runtime::spawn(async move {
            sleep(Duration::from_millis(5)).await;
            tx2.send(10).await.unwrap();
        });
        let mut got = Vec::new();
        while let Some(v) = rx.recv().await {
            got.push(v);
        }
        assert_eq!(gather([first, second]).await, [Ok(()), Ok(())]);
        got
    });
    assert_eq!(got, [0, 1, 2, 10]);
}

#[test]
fn mpsc_send_waits_while_the_queue_is_full() {
    let rt = virtual_runtime();
    let log = Rc::new(RefCell::new(Vec::new()));
    rt.block_on(async {
        let start = Instant::now();
        let (tx, mut rx) = mpsc::channel(2);
        let producer = runtime::spawn({
            let log = log.clone();
            async move {
                for i in 0..4 {
                    tx.send(i).await.unwrap();
                    log.borrow_mut()
                        .push(format!("sent {i} at {:?}", start.elapsed()));
                }
            }
        });
        for _ in 0..4 {
            sleep(Duration::from_secs(1)).await; // a slow consumer
            let v = rx.recv().await.unwrap();
            log.borrow_mut()
                .push(format!("got {v} at {:?}", start.elapsed()));
        }
        producer.await.unwrap();
    });
    // Two values fit at once; each later send waits for a receive to free a slot.
    assert_eq!(
        *log.borrow(),
        [
            "sent 0 at 0ns",
            "sent 1 at 0ns",
            "got 0 at 1s",
            "sent 2 at 1s",
            "got 1 at 2s",
            "sent 3 at 2s",
            "got 2 at 3s",
            "got 3 at 4s",
        ]
    );
}

#[test]
fn mpsc_try_send_reports_a_full_queue_and_a_dropped_receiver() {
    let (tx, mut rx) = mpsc::channel(1);
    assert!(tx.try_send(1).is_ok());
    assert!(matches!(tx.try_send(2), Err(TrySendError::Full(2))));
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    drop(rx);
    assert!(tx.is_closed());
    assert!(matches!(tx.try_send(3), Err(TrySendError::Closed(3))));
}

#[test]
fn mpsc_a_waiting_send_fails_when_the_receiver_is_dropped() {
    let rt = virtual_runtime();
    let result = rt.block_on(async {
        let (tx, rx) = mpsc::channel(1);
        tx.send(1).await.unwrap();
        let dropper = runtime::spawn(async move {
            sleep(Duration::from_millis(10)).await;
            drop(rx);
        });
        let result = tx.send(2).await; // waits for a slot that never frees
        dropper.await.unwrap();
        result
    });
    assert_eq!(result.map_err(|e| e.0), Err(2));
}

#[test]
fn mpsc_waiting_senders_are_served_in_the_order_they_arrived() {
    let rt = virtual_runtime();
    let got = rt.block_on(async {
        let (tx, mut rx) = mpsc::channel(1);
        tx.send(0).await.unwrap();
        let mut senders = Vec::new();
        for i in 1..=3 {
            let tx = tx.clone();
            senders.push(runtime::spawn(async move { tx.send(i).await.unwrap() }));
            runtime::yield_now().await; // let it start waiting, in turn
        }
        drop(tx);
        let mut got = Vec::new();
        while let Some(v) = rx.recv().await {
            got.push(v);
        }
        gather(senders).await;
        got
    });
    assert_eq!(got, [0, 1, 2, 3]);
}

#[test]
fn mpsc_dropping_the_receiver_drops_the_queued_values() {
    let drops = Rc::new(Cell::new(0));
    let (tx, rx) = mpsc::channel(3);
    for _ in 0..3 {
        tx.try_send(Counted(drops.clone())).unwrap();
    }
    drop(rx);
    assert_eq!(drops.get(), 3);
}

#[test]
fn thread_oneshot_a_value_sent_from_a_std_thread_wakes_the_waiting_task() {
    let rec = Recorder::all();
    let rt = Runtime::builder()
        .on_event(rec.clone())
        .build()
        .expect("runtime");
    let (tx, rx) = thread_oneshot::channel();
    let (parked_tx, parked_rx) = std::sync::mpsc::channel();
    // The thread sends only once the task has parked on the channel, so the value arrives
    // as a wake from the other thread rather than being there at the first poll.
    let sender = std::thread::spawn(move || {
        parked_rx.recv().unwrap();
        tx.send("from a thread").unwrap();
    });
    let got = rt.block_on(async move {
        let waiter = runtime::spawn_named("waiter", rx);
        runtime::yield_now().await; // the waiter parks
        parked_tx.send(()).unwrap();
        waiter.await.unwrap()
    });
    sender.join().unwrap();
    assert_eq!(got, Ok("from a thread"));
    // The wake comes in through the cross-thread path, while the runtime waits for it.
    assert_eq!(
        rec.lines(),
        [
            "poll main",
            "spawn t1 \"waiter\" by main",
            "wake main by main",
            "pending main",
            "requeue main",
            "poll t1",
            "pending t1",
            "poll main",
            "pending main",
            "wake t1 by another thread",
            "poll t1",
            "ready t1",
            "finish t1 Completed",
            "wake main by t1",
            "poll main",
            "ready main",
        ]
    );
}

#[test]
fn semaphore_caps_how_many_hold_a_permit_at_once() {
    let rt = virtual_runtime();
    let (max_in_flight, took) = rt.block_on(async {
        let start = Instant::now();
        let semaphore = Semaphore::new(3);
        let in_flight = Cell::new(0);
        let max = Cell::new(0);
        let (semaphore, in_flight, max_ref) = (&semaphore, &in_flight, &max);
        gather((0..10).map(|_| async move {
            let _permit = semaphore.acquire().await.unwrap();
            in_flight.set(in_flight.get() + 1);
            max_ref.set(max_ref.get().max(in_flight.get()));
            sleep(Duration::from_secs(1)).await;
            in_flight.set(in_flight.get() - 1);
        }))
        .await;
        (max.get(), start.elapsed())
    });
    assert_eq!(max_in_flight, 3);
    assert_eq!(took, Duration::from_secs(4)); // 3 + 3 + 3 + 1
}

#[test]
fn semaphore_serves_waiters_first_come_first_served_and_newcomers_do_not_jump_the_line() {
    let rt = virtual_runtime();
    let order = rt.block_on(async {
        let semaphore = Semaphore::new(1);
        let held = semaphore.acquire().await.unwrap();
        let order = Rc::new(RefCell::new(Vec::new()));
        let mut waiters = Vec::new();
        for i in 0..3 {
            let (semaphore, order) = (semaphore.clone(), order.clone());
            waiters.push(runtime::spawn(async move {
                let _permit = semaphore.acquire().await.unwrap();
                order.borrow_mut().push(i);
            }));
            runtime::yield_now().await;
        }
        drop(held);
        assert!(
            semaphore.try_acquire().is_none(),
            "someone is waiting: no barging"
        );
        gather(waiters).await;
        let order = order.borrow().clone();
        order
    });
    assert_eq!(order, [0, 1, 2]);
}

#[test]
fn semaphore_an_acquire_dropped_after_being_woken_passes_the_turn_on() {
    let rt = virtual_runtime();
    rt.block_on(async {
        let semaphore = Semaphore::new(1);
        let held = semaphore.acquire().await.unwrap();
        // `first` queues up (one poll, then it is left waiting)...
        let mut first = Box::pin(semaphore.acquire());
        poll_fn(|cx| {
            assert!(first.as_mut().poll(cx).is_pending());
            Poll::Ready(())
        })
        .await;
        // ...and `second` queues behind it, in another task.
        let second = runtime::spawn({
            let semaphore = semaphore.clone();
            async move { semaphore.acquire().await.map(drop) }
        });
        runtime::yield_now().await;
        drop(held); // the permit goes to `first`, which is woken...
        drop(first); // ...but gives up before taking it: `second` must be woken instead
        assert_eq!(second.await.unwrap(), Ok(()));
        assert_eq!(semaphore.available_permits(), 1);
    });
}

#[test]
fn semaphore_close_fails_the_waiters_and_later_acquires() {
    let rt = virtual_runtime();
    rt.block_on(async {
        let semaphore = Semaphore::new(0);
        let waiter = runtime::spawn({
            let semaphore = semaphore.clone();
            async move { semaphore.acquire().await.map(drop) }
        });
        runtime::yield_now().await;
        semaphore.close();
        assert_eq!(waiter.await.unwrap(), Err(AcquireError));
        assert!(semaphore.acquire().await.is_err());
        assert!(semaphore.try_acquire().is_none());
    });
}

#[test]
fn semaphore_a_forgotten_permit_never_comes_back() {
    let semaphore = Semaphore::new(2);
    semaphore.try_acquire().unwrap().forget();
    drop(semaphore.try_acquire().unwrap());
    assert_eq!(semaphore.available_permits(), 1);
    semaphore.add_permits(2);
    assert_eq!(semaphore.available_permits(), 3);
}

#[test]
fn streams_work_with_stream_ext_adapters() {
    use futures_util::StreamExt;
    let rt = Runtime::builder().virtual_clock(true).build().unwrap();
    let (firsts, evens, ticks) = rt.block_on(async {
        // as_completed: the first two to finish, through `take`.
        let naps = [40, 10, 30, 20].map(|ms| async move {
            runtime::time::sleep(Duration::from_millis(ms)).await;
            ms
        });
        let firsts: Vec<u64> = runtime::as_completed(naps).take(2).collect().await;
        // mpsc: filtered, ending when the sender is dropped.
        let (tx, rx) = runtime::sync::mpsc::channel(2);
        let _producer = runtime::spawn(async move {
            for n in 0..6 {
                tx.send(n).await.unwrap();
            }
        });
        let evens: Vec<i32> = rx
            .filter(|n| std::future::ready(n % 2 == 0))
            .collect()
            .await;
        // interval: three ticks, one period apart.
        let start = runtime::time::Instant::now();
        let ticks: Vec<Duration> = runtime::time::interval(Duration::from_millis(5))
            .map(|tick| tick - start)
            .take(3)
            .collect()
            .await;
        (firsts, evens, ticks)
    });
    assert_eq!(firsts, [10, 20]);
    assert_eq!(evens, [0, 2, 4]);
    assert_eq!(ticks, [0, 5, 10].map(Duration::from_millis));
}
