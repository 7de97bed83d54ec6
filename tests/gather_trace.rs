//! `gather --trace-json PATH` writes a trace a learner can open in Chromium DevTools or
//! Perfetto: a track per hero, its polls inside main's, arrows from each wake's cause to
//! the poll it led to, and nothing a viewer hides or drops.

mod support;

#[path = "../runtime/tests/chrome_check/mod.rs"]
mod chrome_check;

use chrome_check::{check, check_child_polls_inside_task_polls, is_poll};
use support::{run_example_in, TempDir};

#[test]
fn gather_trace_json_draws_ten_hero_tracks_with_polls_inside_mains_and_wake_arrows() {
    let dir = TempDir::new("gather-trace-json");
    let path = dir.path().join("gather.json");
    let run = run_example_in(
        dir.path(),
        "gather",
        &["--trace-json", path.to_str().unwrap()],
    );
    assert_eq!(run.code(), 0, "{run:#?}");
    let json = std::fs::read_to_string(&path).expect("the trace file");
    // Every rule the viewers need: cats, no ts 0, no lowercase `i`, nesting, flows that
    // start and end exactly on a slice, unique flow ids, flows ending on polls.
    let trace = check(&json);

    let main = trace.track("main");
    let heroes: Vec<u64> = (1..=10)
        .map(|n| trace.track(&format!("hero {n}")))
        .collect();
    let hero_tracks = trace.names.values().filter(|n| n.starts_with("hero "));
    let phases = hero_tracks
        .clone()
        .filter(|n| n.contains(" · phases"))
        .count();
    assert_eq!(hero_tracks.count() - phases, 10, "{:?}", trace.names);

    for &hero in &heroes {
        let polls = trace.polls_on(hero);
        // At least: the first poll, and the one that finds the answer and is ready.
        assert!(polls.len() >= 2, "{}: {polls:?}", trace.names[&hero]);
        assert!(polls.last().unwrap().name.ends_with("→ ready"), "{polls:?}");
        // Each poll but the first was led to by a wake drawn as an arrow.
        let arrows = (trace.flows().into_iter())
            .filter(|[.., end]| end.tid == hero)
            .count();
        assert_eq!(arrows, polls.len() - 1, "{}", trace.names[&hero]);
    }
    // Every hero poll lies within one of main's polls: the combinator polls its children
    // inside the task's poll.
    let child_polls = check_child_polls_inside_task_polls(&trace);
    assert!(child_polls >= 20, "{child_polls} child polls");
    assert!(trace.polls_on(main).len() >= 2);

    // The heroes wait on sockets: their wakes start on the reactor's track.
    let from_reactor = (trace.flows().into_iter())
        .filter(|[s, _, _, end]| s.tid == trace.track("reactor") && heroes.contains(&end.tid))
        .count();
    assert!(from_reactor >= 10, "{from_reactor} I/O wakes of heroes");

    // Phases (when the fetcher marks them) lie on the phases tracks, nowhere else.
    for span in trace.events.iter().filter(|e| e.cat == "span") {
        assert!(trace.names[&span.tid].contains(" · phases"), "{span:?}");
        assert!(!is_poll(span));
    }
}
