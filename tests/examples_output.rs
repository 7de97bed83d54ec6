//! What the examples print and how they exit, run as a user runs them: every hero arrives
//! or its failure is named and counted, the exit status says whether all arrived, and a
//! reader who leaves early ends the run quietly. Servers are replicas on 127.0.0.1.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use support::{example, run_example, wait, TempDir};
use tinyloop::replica::{Latency, ReplicaServer};

/// The `Got hero N: NAME` part of each line that has one, without the time.
fn heroes(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter(|line| line.starts_with("Got hero "))
        .map(|line| {
            line.rsplit_once(" (")
                .map_or(line, |(hero, _)| hero)
                .to_owned()
        })
        .collect()
}

#[test]
fn count_50_fetches_the_first_50_people_that_exist_and_exits_0() {
    for example in ["gather", "as_completed"] {
        let run = run_example(example, &["--count", "50"]);
        assert_eq!(run.code(), 0, "{run:#?}");
        let got = heroes(&run.stdout);
        assert_eq!(got.len(), 50, "{run:#?}");
        assert!(
            !got.iter().any(|hero| hero.starts_with("Got hero 17:")),
            "no person 17"
        );
        assert!(
            got.contains(&"Got hero 51: Mace Windu".to_owned()),
            "{got:?}"
        );
        assert!(!run.stdout.contains("failed:"), "{run:#?}");
        assert!(
            run.last_line()
                .starts_with("50 of 50 heroes arrived, 0 failed, in "),
            "{run:#?}"
        );
    }
}

#[test]
fn gather_returns_input_order_and_as_completed_completion_order_with_the_same_lines() {
    let gathered = run_example("gather", &[]);
    let completed = run_example("as_completed", &[]);
    assert_eq!(gathered.code(), 0, "{gathered:#?}");
    assert_eq!(completed.code(), 0, "{completed:#?}");
    let lines = gathered.lines();
    assert!(
        lines[0].starts_with("Fetching heroes 1..=10 from https://127.0.0.1:"),
        "{lines:?}"
    );
    assert_eq!(lines[1..11].len(), 10);
    let (mut g, mut c) = (heroes(&gathered.stdout), heroes(&completed.stdout));
    g.sort();
    c.sort();
    assert_eq!(g, c, "the same heroes, the same line format");
    assert!(
        g.contains(&"Got hero 1: Luke Skywalker".to_owned()),
        "{g:?}"
    );
    assert!(
        gathered
            .stdout
            .contains("order returned: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n"),
        "{gathered:#?}"
    );
    assert!(
        !completed
            .stdout
            .contains("order returned: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n"),
        "the replica's delays reorder completions: {completed:#?}"
    );
}

#[test]
fn the_header_counts_one_hero_as_one_and_says_each_fetch_is_two_answers() {
    let run = run_example("gather", &["--count", "1"]);
    assert_eq!(run.code(), 0, "{run:#?}");
    let header = run.lines()[0];
    assert!(
        header.starts_with("Fetching hero 1 from https://127.0.0.1:"),
        "{header}"
    );
    // 50-250 ms per answer, and a hero's fetch is the 301 and then the person.
    assert!(
        header
            .ends_with("(the in-process replica: TLS, 50-250 ms per answer, two answers per hero)"),
        "{header}"
    );
    assert!(
        run.last_line()
            .starts_with("1 of 1 hero arrived, 0 failed, in "),
        "{run:#?}"
    );
}

#[test]
fn a_missing_person_is_no_such_person_and_is_counted_in_the_last_line_with_status_1() {
    // A plain-HTTP replica, which has no person 17, like swapi.dev.
    let replica = ReplicaServer::builder().tls(false).start().unwrap();
    let url = replica.people_url();
    for example in ["gather", "as_completed"] {
        let run = run_example(example, &["--url", &url, "--count", "18"]);
        assert_eq!(run.code(), 1, "{run:#?}");
        assert_eq!(heroes(&run.stdout).len(), 17, "{run:#?}");
        let failed: Vec<&str> = run
            .lines()
            .into_iter()
            .filter(|l| l.contains("failed:"))
            .collect();
        assert_eq!(
            failed,
            [format!(
                "Hero 17 failed: no such person (404 from {url}17/)"
            )],
            "{run:#?}"
        );
        assert!(
            run.last_line()
                .starts_with("17 of 18 heroes arrived, 1 failed, in "),
            "{run:#?}"
        );
    }
}

#[test]
fn a_fetch_that_outlasts_the_timeout_fails_by_name() {
    let replica = ReplicaServer::builder()
        .tls(false)
        .latency(Latency::fixed(Duration::from_secs(5)))
        .start()
        .unwrap();
    let url = replica.people_url();
    let run = run_example(
        "gather",
        &["--url", &url, "--count", "2", "--timeout", "0.2"],
    );
    assert_eq!(run.code(), 1, "{run:#?}");
    assert!(run.stdout.contains("Hero 1 failed: timed out"), "{run:#?}");
    assert!(run.stdout.contains("Hero 2 failed: timed out"), "{run:#?}");
    assert!(
        run.last_line()
            .starts_with("0 of 2 heroes arrived, 2 failed, in "),
        "{run:#?}"
    );
}

#[test]
fn cacert_lets_the_examples_trust_a_standalone_replica_over_tls() {
    let dir = TempDir::new("cacert");
    let ca = dir.path().join("ca.pem");
    let replica = ReplicaServer::builder().ca_path(&ca).start().unwrap();
    let url = replica.people_url();
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    let ca = ca.to_str().unwrap();
    for example in ["gather", "as_completed"] {
        let run = run_example(example, &["--url", &url, "--cacert", ca, "--count", "3"]);
        assert_eq!(run.code(), 0, "{run:#?}");
        assert!(
            run.last_line()
                .starts_with("3 of 3 heroes arrived, 0 failed"),
            "{run:#?}"
        );
    }
    // Without it, the replica's certificate is not trusted: every hero fails, by name.
    let run = run_example("gather", &["--url", &url, "--count", "1"]);
    assert_eq!(run.code(), 1, "{run:#?}");
    assert!(run.stdout.contains("Hero 1 failed: tls: "), "{run:#?}");
}

#[test]
fn get_prints_a_404_like_any_response_and_exits_0_as_curl_does_without_f() {
    let replica = ReplicaServer::builder().tls(false).start().unwrap();
    let run = run_example("get", &[&format!("{}17/", replica.people_url())]);
    assert_eq!(run.code(), 0, "{run:#?}");
    assert!(
        run.stdout.starts_with("HTTP/1.1 404 Not Found\n"),
        "{run:#?}"
    );
}

#[test]
fn get_reports_a_refused_connection_in_one_line_with_status_1() {
    // A port that was free a moment ago: nothing listens there now.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let run = run_example("get", &[&format!("http://127.0.0.1:{port}/")]);
    assert_eq!(run.code(), 1, "{run:#?}");
    assert_eq!(run.stdout, "", "{run:#?}");
    let prefix = format!("get: could not connect to 127.0.0.1:{port}: Connection refused");
    assert!(run.stderr.starts_with(&prefix), "{run:#?}");
    assert_eq!(run.stderr.lines().count(), 1, "no Debug dump: {run:#?}");
}

#[test]
fn wakeups_narrates_poll_1_up_to_its_return_pending_before_the_thread_speaks() {
    let run = run_example("wakeups", &[]);
    assert_eq!(run.code(), 0, "{run:#?}");
    // The lines are printed before the thread that says the fourth one is started, so this
    // order holds however the two threads are scheduled.
    assert_eq!(
        run.lines(),
        [
            "  | Delay, poll 1: not done -> store a clone of cx.waker()",
            "  | Delay, poll 1: start a std thread that calls wake() in 20ms",
            "  | Delay, poll 1: return Pending (no more polls until wake() is called)",
            "  | thread: slept; done = true; calling wake()",
            "  | Delay, poll 2: the thread is done -> return Ready",
            "  | main: Delay was ready after 2 polls",
        ],
        "{run:#?}"
    );
}

#[test]
fn a_closed_stdout_ends_the_run_quietly_with_status_0() {
    for name in ["gather", "as_completed", "wakeups"] {
        let mut child = Command::new(example(name))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Read the first line, then leave, as `| head -1` does.
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        assert!(!first.is_empty());
        let run = wait(child, name);
        assert!(!run.stderr.contains("panicked"), "{run:#?}");
        assert!(!run.stderr.contains("Broken pipe"), "{run:#?}");
        assert_eq!(run.code(), 0, "{run:#?}");
    }
}

#[test]
fn the_trace_file_is_written_after_the_run() {
    let dir = TempDir::new("trace-written");
    let path = dir.path().join("gather.json");
    let run = run_example(
        "gather",
        &["--count", "2", "--trace-json", path.to_str().unwrap()],
    );
    assert_eq!(run.code(), 0, "{run:#?}");
    assert!(run.stderr.contains("trace written to"), "{run:#?}");
    let json = std::fs::read_to_string(&path).unwrap();
    assert!(json.contains("\"traceEvents\""), "{json}");
}

#[test]
fn concurrency_trace_json_writes_exactly_path_with_the_tasks_runtime_only() {
    let dir = TempDir::new("concurrency-traced");
    let args = ["--job", "fetch", "--sizes", "2", "--trace-json", "c.json"];
    let run = support::run_example_in(dir.path(), "concurrency", &args);
    assert_eq!(run.code(), 0, "{run:#?}");
    let tasks = run
        .lines()
        .into_iter()
        .find(|line| line.split_whitespace().nth(2) == Some("tasks"))
        .unwrap_or_else(|| panic!("no tasks row: {run:#?}"))
        .to_owned();
    assert!(tasks.ends_with("2 tasks, traced"), "{tasks}");
    let files: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(files, ["c.json"], "one file, no other row's");
    let json = std::fs::read_to_string(dir.path().join("c.json")).unwrap();
    assert!(json.contains("\"traceEvents\""), "{json}");
    // The replica, in the same process, runs its own runtime: its tasks are not here.
    assert!(
        !json.contains("replica connection"),
        "the client's trace only"
    );
}

#[test]
fn concurrency_skips_every_mode_that_would_run_too_long_and_says_how_long() {
    let run = run_example("concurrency", &["--job", "sleep", "--sizes", "30000000"]);
    assert_eq!(run.code(), 0, "{run:#?}");
    let rows: Vec<&str> = run
        .lines()
        .into_iter()
        .filter(|line| line.starts_with("sleep "))
        .collect();
    assert_eq!(
        rows.len(),
        8,
        "six Rust modes and two Python ones: {run:#?}"
    );
    for row in &rows {
        assert!(row.contains("  skipped: "), "{row}");
    }
    // Tasks and asyncio tasks start all the jobs at once: what they would take is N starts.
    for (mode, start) in [("tasks", "a task"), ("py-asyncio", "an asyncio task")] {
        let row = rows
            .iter()
            .find(|row| row.split_whitespace().nth(2) == Some(mode))
            .unwrap();
        assert!(row.contains("skipped: all at once would take ~"), "{row}");
        assert!(row.contains(&format!("({start} takes ~")), "{row}");
    }
}

#[test]
fn the_concurrency_table_has_asyncio_and_python_thread_rows_beside_tinyloops() {
    let run = run_example(
        "concurrency",
        &["--job", "sleep", "--sizes", "10", "--sleep-ms", "5"],
    );
    assert_eq!(run.code(), 0, "{run:#?}");
    let row = |mode: &str| {
        run.lines()
            .into_iter()
            .find(|line| line.split_whitespace().nth(2) == Some(mode))
            .unwrap_or_else(|| panic!("no {mode} row: {run:#?}"))
            .to_owned()
    };
    assert!(row("tasks").contains("10 tasks"));
    let python = Command::new("python3").arg("--version").output().is_ok();
    for mode in ["py-asyncio", "py-threads"] {
        let row = row(mode);
        if python {
            assert!(row.contains("CPython 3."), "{row}");
            assert!(row.contains(" ms "), "a wall time: {row}");
        } else {
            assert!(row.contains("skipped: python3 is not on the PATH"), "{row}");
        }
    }
}

#[test]
fn the_deadlock_example_reports_the_cycle_of_the_two_semaphores_instead_of_hanging() {
    let run = run_example("deadlock", &[]);
    assert_eq!(run.code(), 0, "{run:#?}");
    let lines = run.lines();
    assert_eq!(
        lines[0], "instead of hanging, the runtime reports:",
        "{run:#?}"
    );
    let left = lines
        .iter()
        .position(|l| {
            l.starts_with("  t1 \"left\": parked, 2 polls, spawned at examples/deadlock.rs:")
        })
        .unwrap_or_else(|| panic!("no line for left: {run:#?}"));
    assert!(
        lines[left + 1].starts_with("    waits on semaphore acquire (examples/deadlock.rs:")
            && lines[left + 1].ends_with(", held by t2"),
        "{run:#?}"
    );
    let why = run.last_line();
    assert!(
        why.starts_with("why: main waits on join t1 (examples/deadlock.rs:"),
        "{run:#?}"
    );
    assert!(
        why.ends_with("held by t1: a cycle back to t1 \"left\", so none of them can go on"),
        "{run:#?}"
    );
}

#[test]
fn the_explore_example_finds_the_overdraft_fifo_never_shows_and_replays_its_seed() {
    let run = run_example("explore", &[]);
    assert_eq!(run.code(), 0, "{run:#?}");
    let out = &run.stdout;
    assert!(
        out.contains("Under FIFO (the default): the balance ends at 40, in every run."),
        "{run:#?}"
    );
    let failed = out
        .lines()
        .find(|l| l.starts_with("seed "))
        .expect("a schedule fails");
    assert!(
        failed.ends_with("of those tried): panicked: overdraft: the balance is -20"),
        "{failed}"
    );
    let seed = failed
        .split(' ')
        .nth(1)
        .map(str::to_owned)
        .expect("the seed is named");
    assert!(
        out.contains(&format!(
            "replay it with runtime::testing::replay({seed}, body)"
        )),
        "{run:#?}"
    );
    assert!(
        out.contains("main                  panicked"),
        "the timeline: {run:#?}"
    );
    assert!(
        out.contains(&format!("Seed {seed} again: the balance ends at -20")),
        "{run:#?}"
    );
    // The seed alone reproduces it, with the timeline on stderr.
    let again = run_example("explore", &["--seed", &seed]);
    assert_eq!(again.code(), 0, "{again:#?}");
    assert_eq!(
        again.stdout.trim_end(),
        format!("seed {seed}: the balance ends at -20")
    );
    assert!(
        again.stderr.contains("t2                    poll"),
        "{again:#?}"
    );
}

#[test]
fn simulate_runs_the_whole_gather_in_virtual_time_and_one_seed_prints_the_same_lines() {
    let without_wall_time = |stdout: &str| {
        stdout
            .lines()
            .map(|l| l.split_once("; simulated, in ").map_or(l, |(kept, _)| kept))
            .collect::<Vec<_>>()
            .join("\n")
    };
    for example in ["gather", "as_completed"] {
        let first = run_example(example, &["--simulate", "--seed", "7"]);
        let second = run_example(example, &["--simulate", "--seed", "7"]);
        assert_eq!(first.code(), 0, "{first:#?}");
        let lines = first.lines();
        assert!(
            lines[0].starts_with("Fetching heroes 1..=10 from https://swapi.sim:443/api/people/"),
            "{first:#?}"
        );
        assert!(
            lines[0].contains("simulated network and time"),
            "{first:#?}"
        );
        assert_eq!(heroes(&first.stdout).len(), 10, "{first:#?}");
        assert!(
            first.last_line().contains("; simulated, in "),
            "the last line says the time was simulated: {first:#?}"
        );
        assert_eq!(
            without_wall_time(&first.stdout),
            without_wall_time(&second.stdout),
            "one seed, one run"
        );
    }
    let other = run_example("as_completed", &["--simulate", "--seed", "8"]);
    let seven = run_example("as_completed", &["--simulate", "--seed", "7"]);
    assert_ne!(
        heroes(&other.stdout),
        heroes(&seven.stdout),
        "another seed, another order"
    );
}

#[test]
fn trace_html_writes_one_self_contained_page_of_the_run() {
    let dir = TempDir::new("trace-html");
    let path = dir.path().join("run.html");
    let run = run_example("gather", &["--trace-html", path.to_str().unwrap()]);
    assert_eq!(run.code(), 0, "{run:#?}");
    assert!(
        run.stderr.contains("step-by-step trace written to"),
        "{run:#?}"
    );
    let page = std::fs::read_to_string(&path).unwrap();
    assert!(page.len() < 300_000, "{} bytes", page.len());
    assert!(page.starts_with("<!DOCTYPE html>"), "{}", &page[..40]);
    assert!(page.contains("data-testid=\"run-queue\""));
    assert!(!page.contains("src=\"http") && !page.contains("href=\"http"));
    assert!(page.contains("[\"ir\",") && page.contains("[\"ta\","));
}
