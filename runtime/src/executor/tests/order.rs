use super::{lines_of, traced, Gate};
use crate::yield_now;

#[test]
fn tasks_run_in_the_order_they_were_spawned() {
    let (rt, rec) = traced();
    rt.block_on(async {
        let a = crate::spawn(async {});
        let b = crate::spawn(async {});
        let c = crate::spawn(async {});
        a.await.unwrap();
        b.await.unwrap();
        c.await.unwrap();
    });
    let polls: Vec<String> = rec
        .lines()
        .into_iter()
        .filter(|l| l.starts_with("poll t"))
        .collect();
    assert_eq!(polls, ["poll t1", "poll t2", "poll t3"]);
}

#[test]
fn a_task_woken_during_its_own_poll_goes_to_the_back_after_the_poll() {
    let (rt, rec) = traced();
    rt.block_on(async {
        let yielder = crate::spawn(async { yield_now().await });
        let other = crate::spawn(async {});
        yielder.await.unwrap();
        other.await.unwrap();
    });
    assert_eq!(
        lines_of(&rec, &["t1", "t2"]),
        [
            "spawn t1 by main",
            "spawn t2 by main",
            "poll t1",
            "wake t1 by t1", // yield_now wakes its own task during the poll...
            "pending t1",
            "requeue t1", // ...which is queued again only after the poll, behind t2
            "poll t2",
            "ready t2",
            "finish t2 Completed",
            "poll t1",
            "ready t1",
            "finish t1 Completed",
            "wake main by t1",
        ]
    );
}

#[test]
fn spawn_from_outside_block_on_runs_before_the_main_future() {
    let (rt, rec) = traced();
    let handle = rt.spawn(async { 5 });
    assert_eq!(rt.block_on(handle).unwrap(), 5);
    assert_eq!(
        rec.lines(),
        [
            "spawn t1 by runtime",
            "poll t1",
            "ready t1",
            "finish t1 Completed",
            "poll main",
            "ready main",
        ]
    );
}

#[test]
fn pending_tasks_survive_block_on_and_continue_in_the_next_one() {
    let (rt, _rec) = traced();
    let gate = Gate::default();
    let waiter = rt.spawn({
        let gate = gate.clone();
        async move {
            gate.wait().await;
            "released"
        }
    });
    rt.block_on(async { crate::yield_now().await });
    assert!(!waiter.is_finished());
    gate.open();
    assert_eq!(rt.block_on(waiter).unwrap(), "released");
}
