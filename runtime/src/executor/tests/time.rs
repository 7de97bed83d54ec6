use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use super::traced;
use crate::time::{sleep, timeout, Elapsed, Instant};

#[test]
fn timers_fire_in_deadline_order_then_registration_order_under_the_virtual_clock() {
    let (rt, _rec) = traced();
    let fired = Rc::new(RefCell::new(Vec::new()));
    rt.block_on({
        let fired = fired.clone();
        async move {
            let mut handles = Vec::new();
            for (name, ms) in [("c", 30), ("a", 10), ("b", 20), ("a2", 10)] {
                let fired = fired.clone();
                handles.push(crate::spawn(async move {
                    sleep(Duration::from_millis(ms)).await;
                    fired.borrow_mut().push((name, Instant::now()));
                }));
            }
            for h in handles {
                h.await.unwrap();
            }
        }
    });
    let fired = fired.borrow();
    let names: Vec<&str> = fired.iter().map(|(n, _)| *n).collect();
    assert_eq!(names, ["a", "a2", "b", "c"]);
    // Virtual time lands exactly on each deadline.
    let start = fired[0].1 - Duration::from_millis(10);
    let offsets: Vec<Duration> = fired.iter().map(|(_, at)| *at - start).collect();
    assert_eq!(offsets[3], Duration::from_millis(30));
}

#[test]
fn an_hour_of_virtual_sleep_takes_no_real_time() {
    let (rt, rec) = traced();
    let real = std::time::Instant::now();
    rt.block_on(async { sleep(Duration::from_secs(3600)).await });
    assert!(real.elapsed() < Duration::from_secs(1));
    assert!(rec.lines().contains(&"clock jumps to 3600s".to_string()));
}

#[test]
fn timeout_elapses_on_a_slow_future_and_drops_it() {
    let (rt, _rec) = traced();
    let result = rt
        .block_on(async { timeout(Duration::from_secs(5), sleep(Duration::from_secs(10))).await });
    assert_eq!(result, Err(Elapsed));
}

#[test]
fn timeout_on_a_ready_future_returns_ok_even_at_its_deadline() {
    let (rt, _rec) = traced();
    let result = rt.block_on(async {
        let t = timeout(Duration::from_secs(1), async {
            // The deadline passes while the inner future runs...
            sleep(Duration::from_secs(1)).await;
            "made it"
        });
        t.await
    });
    // ...and both are ready on the same poll: the future wins.
    assert_eq!(result, Ok("made it"));
}

#[test]
fn the_timer_wakes_the_sleeping_task_with_the_timer_as_cause() {
    let (rt, rec) = traced();
    rt.block_on(async {
        crate::spawn(sleep(Duration::from_millis(5))).await.unwrap();
    });
    let lines = rec.lines();
    let at = |needle: &str| lines.iter().position(|l| l == needle).unwrap();
    assert!(at("pending t1") < at("clock jumps to 5ms"));
    assert!(at("clock jumps to 5ms") < at("timer#0 fired"));
    assert!(at("timer#0 fired") < at("wake t1 by timer#0"));
    assert!(at("wake t1 by timer#0") < at("ready t1"));
}

#[test]
fn a_real_one_millisecond_sleep_is_not_early() {
    let rt = crate::Runtime::new().unwrap();
    let elapsed = rt.block_on(async {
        let start = std::time::Instant::now();
        sleep(Duration::from_millis(1)).await;
        start.elapsed()
    });
    assert!(elapsed >= Duration::from_millis(1));
}

#[test]
fn interval_skips_missed_ticks_instead_of_bursting() {
    let (rt, _rec) = traced();
    rt.block_on(async {
        let mut ticks = crate::time::interval(Duration::from_secs(1));
        let first = ticks.tick().await;
        sleep(Duration::from_millis(3500)).await; // miss three ticks
        let late = ticks.tick().await;
        assert_eq!(late - first, Duration::from_secs(1)); // the overdue tick, at once
        let next = ticks.tick().await;
        assert_eq!(Instant::now() - first, Duration::from_millis(4500));
        assert_eq!(next - first, Duration::from_millis(4500));
    });
}
