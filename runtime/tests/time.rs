//! Timers as a user sees them: `interval` under the virtual clock.

mod support;

use std::future::Future;
use std::time::Duration;

use runtime::time::{interval, sleep, Instant};
use runtime::Runtime;

/// The times at which `ticks` ticks of a 10 ms interval fire, when the task sleeps
/// `busy_ms` milliseconds after the first tick.
fn tick_times(busy_ms: u64, ticks: usize) -> Vec<u64> {
    let rt = Runtime::builder().virtual_clock(true).build().unwrap();
    rt.block_on(async {
        let start = Instant::now();
        let mut interval = interval(Duration::from_millis(10));
        let mut fired = Vec::new();
        for tick in 0..ticks {
            if tick == 1 {
                sleep(Duration::from_millis(busy_ms)).await;
            }
            interval.tick().await;
            fired.push(start.elapsed().as_millis() as u64);
        }
        fired
    })
}

#[test]
fn interval_ticks_every_period_when_the_task_waits_for_each_tick() {
    assert_eq!(tick_times(0, 4), [0, 10, 20, 30]);
}

#[test]
fn a_tick_late_by_less_than_a_period_is_followed_by_a_full_period() {
    assert_eq!(tick_times(19, 4), [0, 19, 29, 39]);
}

#[test]
fn a_tick_late_by_several_periods_fires_once_and_skips_the_missed_ones() {
    assert_eq!(tick_times(45, 4), [0, 45, 55, 65]);
}

#[test]
fn a_sleep_first_polled_in_one_runtime_ends_when_awaited_in_another() {
    support::bounded(|| {
        let first = Runtime::new().unwrap();
        // On the real clock; long enough under Miri, which is slow, to be pending at first.
        let ms = if cfg!(miri) { 2_000 } else { 20 };
        let mut nap = Box::pin(sleep(Duration::from_millis(ms)));
        // Polled once there, so its timer is in the first runtime's driver.
        first.block_on(std::future::poll_fn(|cx| {
            assert!(nap.as_mut().poll(cx).is_pending());
            std::task::Poll::Ready(())
        }));
        let second = Runtime::new().unwrap();
        assert_eq!(second.try_block_on(nap).map_err(|s| s.to_string()), Ok(()));
    });
}
