//! The time driver's timer queue, under the virtual clock (no time passes unless asked).

use std::task::Waker;
use std::time::Duration;

use super::time::{timer_id, TimeDriver};
use super::Reactor;

fn driver() -> TimeDriver {
    let (reactor, _interrupt) = Reactor::new().unwrap();
    TimeDriver::new(true, &reactor).unwrap()
}

fn due(driver: &TimeDriver) -> Vec<u64> {
    let mut due = Vec::new();
    driver.take_due(&mut due);
    due.into_iter().map(|wake| wake.id).collect()
}

#[test]
fn equal_deadlines_fire_in_registration_order_and_a_deadline_of_exactly_now_fires() {
    let driver = driver();
    let at = |ms| driver.now() + Duration::from_millis(ms);
    let (ten, eleven) = (at(10), at(11));
    let a = driver.insert(ten, Waker::noop().clone());
    let b = driver.insert(ten, Waker::noop().clone());
    let c = driver.insert(eleven, Waker::noop().clone());
    assert_eq!(driver.advance(), Some(Duration::from_millis(10)));
    assert_eq!(due(&driver), [timer_id(a), timer_id(b)]);
    assert_eq!(driver.advance(), Some(Duration::from_millis(11)));
    assert_eq!(due(&driver), [timer_id(c)]);
}

#[test]
fn a_removed_timer_never_fires_even_when_its_slot_is_reused() {
    let driver = driver();
    let soon = driver.now() + Duration::from_millis(5);
    let later = driver.now() + Duration::from_millis(50);
    let a = driver.insert(soon, Waker::noop().clone());
    driver.remove(a);
    let b = driver.insert(later, Waker::noop().clone());
    assert_eq!(a.1 & 0xffff_ffff, b.1 & 0xffff_ffff, "the slot is reused");
    assert!(!driver.update(a, Waker::noop()));
    assert!(driver.update(b, Waker::noop()));
    assert_eq!(driver.advance(), Some(Duration::from_millis(50)));
    assert_eq!(due(&driver), [timer_id(b)]);
}

#[test]
fn cancelled_timers_do_not_pile_up() {
    let driver = driver();
    let keep = driver.insert(driver.now() + Duration::from_secs(1), Waker::noop().clone());
    for i in 0..10_000 {
        let at = driver.now() + Duration::from_secs(2) + Duration::from_nanos(i);
        let key = driver.insert(at, Waker::noop().clone());
        driver.remove(key);
    }
    assert_eq!(driver.pending(), 1);
    assert!(driver.heap_len() <= 2 * driver.pending() + 65);
    assert_eq!(driver.advance(), Some(Duration::from_secs(1)));
    assert_eq!(due(&driver), [timer_id(keep)]);
}
