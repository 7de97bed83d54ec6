//! The stall watchdog: a "possibly stuck" report when wakers are held where the runtime
//! cannot see, once per stall, and never while a timer, socket or blocking job is pending.

use std::cell::RefCell;
use std::future::poll_fn;
use std::rc::Rc;
use std::task::{Poll, Waker};
use std::time::Duration;

use super::Gate;
use crate::{Report, Runtime, Verdict};

/// The reports a watchdog gave, and a waker to wake after each.
type Reports = Rc<RefCell<Vec<Report>>>;
type Kept = Rc<RefCell<Option<Waker>>>;

/// A real-clock runtime whose watchdog fires after 50 ms, the reports it gave, and a
/// waker slot it wakes after each report (so a test that stalls on purpose can end).
fn watched() -> (Runtime, Reports, Kept) {
    let reports = Rc::new(RefCell::new(Vec::new()));
    let kept: Kept = Rc::default();
    let (sink, wake) = (reports.clone(), kept.clone());
    let rt = Runtime::builder()
        .lost_waker_lint(false)
        .stall_watchdog(Duration::from_millis(50))
        .on_stall(move |report| {
            sink.borrow_mut().push(report.clone());
            if let Some(waker) = wake.borrow_mut().take() {
                waker.wake();
            }
        })
        .build()
        .unwrap();
    (rt, reports, kept)
}

#[test]
fn a_future_that_keeps_its_own_waker_is_reported_possibly_stuck_once() {
    let (rt, reports, kept) = watched();
    // The future keeps a clone of its own waker; the report's receiver wakes it, so the
    // test ends instead of hanging as the program would.
    let seen = reports.clone();
    rt.block_on(poll_fn(move |cx| {
        if !seen.borrow().is_empty() {
            return Poll::Ready(());
        }
        *kept.borrow_mut() = Some(cx.waker().clone());
        Poll::Pending
    }));
    let reports = reports.borrow();
    assert_eq!(reports.len(), 1, "one report per stall");
    let text = reports[0].to_string();
    assert!(
        matches!(&reports[0].verdict, Verdict::PossiblyStuck(why) if why.starts_with("idle for 0.05 s; ")),
        "{text}"
    );
    assert!(
        text.starts_with("tinyloop: possibly stuck: idle for 0.05 s; no timer"),
        "{text}"
    );
    assert!(
        text.contains("  main: parked, 1 poll (block_on's future)\n    1 waker held outside"),
        "{text}"
    );
}

#[test]
fn the_watchdog_is_silent_while_a_timer_or_a_blocking_job_is_pending() {
    let (rt, reports, _kept) = watched();
    rt.block_on(async {
        crate::time::sleep(Duration::from_millis(150)).await;
        crate::spawn_blocking(|| std::thread::sleep(Duration::from_millis(150)))
            .await
            .unwrap();
    });
    assert!(reports.borrow().is_empty(), "{:?}", reports.borrow());
}

#[test]
fn a_waker_on_another_thread_that_wakes_late_gets_one_report_and_the_program_finishes() {
    let (rt, reports, _kept) = watched();
    let gate = Gate::default();
    let opener = gate.clone();
    let thread = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        opener.open();
    });
    rt.block_on(gate.wait());
    thread.join().unwrap();
    assert_eq!(reports.borrow().len(), 1);
}
