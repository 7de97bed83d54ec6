//! The state word's transitions, one wake or poll at a time.

use crate::executor::wake::{AfterPoll, State, WakeAction, COMPLETE, RUNNING, SCHEDULED};

#[test]
fn wake_on_idle_queues_once_then_dedups() {
    let s = State::new(0);
    assert_eq!(s.wake(), WakeAction::Queue);
    assert_eq!(s.wake(), WakeAction::AlreadyQueued);
}

#[test]
fn wake_while_running_requeues_after_the_poll() {
    let s = State::new(SCHEDULED);
    s.start_poll();
    assert_eq!(s.wake(), WakeAction::DuringPoll);
    assert_eq!(s.wake(), WakeAction::AlreadyQueued);
    assert_eq!(s.end_poll(), AfterPoll::Requeue);
    assert_eq!(s.load() & SCHEDULED, SCHEDULED);
}

#[test]
fn wake_after_complete_is_ignored() {
    let s = State::new(RUNNING);
    s.complete();
    assert_eq!(s.wake(), WakeAction::Finished);
    assert_eq!(s.cancel(), WakeAction::Finished);
}

#[test]
fn a_completed_task_is_never_marked_running_again() {
    let s = State::new(RUNNING);
    s.complete();
    s.start_poll();
    assert_eq!(s.load() & (RUNNING | COMPLETE), COMPLETE);
}

#[test]
fn cancel_of_idle_task_queues_it_and_cancel_wins_over_requeue() {
    let s = State::new(0);
    assert_eq!(s.cancel(), WakeAction::Queue);
    let s = State::new(SCHEDULED);
    s.start_poll();
    assert_eq!(s.cancel(), WakeAction::DuringPoll);
    assert_eq!(s.end_poll(), AfterPoll::Cancel);
}

#[test]
fn a_task_aborted_during_its_poll_stays_running_while_its_future_is_dropped() {
    let s = State::new(SCHEDULED);
    s.start_poll();
    s.cancel();
    assert_eq!(s.end_poll(), AfterPoll::Cancel);
    assert_eq!(
        s.load() & RUNNING,
        RUNNING,
        "no wake can queue it meanwhile"
    );
}
