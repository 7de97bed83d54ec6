//! The examples check their command line before any work, as a user meets it: each bad
//! input is one line naming the flag, then the usage, on stderr, and exit status 2, with
//! nothing fetched and nothing on stdout.

mod support;

use support::{run_example, run_example_in, Run, TempDir};

/// Asserts that `run` is the report of a bad command line of `example`: exit 2, nothing on
/// stdout, `example: REASON` (one line, containing `reason`) and then the usage on stderr.
fn assert_refused(run: &Run, example: &str, reason: &str) {
    assert_eq!(run.code(), 2, "{run:#?}");
    assert_eq!(run.stdout, "", "nothing starts: {run:#?}");
    let mut lines = run.stderr.lines();
    let first = lines.next().unwrap_or("");
    assert!(first.starts_with(&format!("{example}: ")), "{run:#?}");
    assert!(first.contains(reason), "{reason:?} in {first:?}");
    let usage = lines.next().unwrap_or("");
    assert!(usage.starts_with(&format!("usage: {example}")), "{run:#?}");
}

#[test]
fn every_example_reports_an_unknown_flag_in_one_line_with_the_usage_and_status_2() {
    for example in [
        "gather",
        "as_completed",
        "concurrency",
        "get",
        "readiness",
        "wakeups",
        "deadlock",
        "explore",
    ] {
        let run = run_example(example, &["--bogus"]);
        assert_refused(&run, example, "unknown flag --bogus");
    }
}

#[test]
fn a_url_that_is_not_a_url_is_one_line_and_status_2() {
    for example in ["gather", "as_completed"] {
        let run = run_example(example, &["--url", "notaurl"]);
        assert_refused(&run, example, "--url \"notaurl\": not a URL");
    }
}

#[test]
fn explore_traces_one_seed_or_refuses_trace_html() {
    let run = run_example("explore", &["--trace-html", "x.html"]);
    assert_refused(
        &run,
        "explore",
        "--trace-html records one run: give it a --seed S",
    );
}

#[test]
fn simulate_with_a_url_is_refused_before_anything_starts() {
    let run = run_example(
        "gather",
        &["--simulate", "--url", "http://127.0.0.1:9/api/people/"],
    );
    assert_refused(
        &run,
        "gather",
        "--simulate runs the replica in a simulated network",
    );
}

#[test]
fn a_url_without_a_host_is_refused_instead_of_reaching_another_machine() {
    // `http://` once became `http://1` (the id appended) and connected to 0.0.0.1:80.
    let run = run_example("gather", &["--url", "http://"]);
    assert_refused(&run, "gather", "empty host");
    let run = run_example("gather", &["--url", "ftp://localhost/api/people/"]);
    assert_refused(&run, "gather", "the scheme must be http or https, not ftp");
}

#[test]
fn get_refuses_a_url_it_cannot_fetch_before_the_runtime_starts() {
    let dir = TempDir::new("get-bad-url");
    let trace = dir.path().join("g.json");
    let trace = trace.to_str().unwrap();
    for (url, reason) in [
        (
            "notaurl",
            "URL \"notaurl\": not a URL: relative URL without a base",
        ),
        ("http://", "URL \"http://\": not a URL: empty host"),
        (
            "ftp://x/",
            "URL \"ftp://x/\": the scheme must be http or https, not ftp",
        ),
    ] {
        let run = run_example_in(dir.path(), "get", &["--trace-json", trace, url]);
        assert_refused(&run, "get", reason);
        assert!(
            !run.stderr.contains("InvalidUrl"),
            "no Debug dump: {run:#?}"
        );
        assert!(!dir.path().join("g.json").exists(), "no trace: {url}");
    }
}

#[test]
fn a_cacert_without_a_certificate_is_refused_up_front_by_get_and_gather() {
    let dir = TempDir::new("notpem");
    let notpem = dir.path().join("notpem.txt");
    std::fs::write(&notpem, "not a certificate\n").unwrap();
    let notpem = notpem.to_str().unwrap();
    let reason = format!("--cacert {notpem}: not a usable CA certificate");
    let url = "https://127.0.0.1:9/api/people/";
    let run = run_example("get", &["--cacert", notpem, url]);
    assert_refused(&run, "get", &reason);
    let run = run_example("gather", &["--url", url, "--cacert", notpem]);
    assert_refused(&run, "gather", &reason);
}

#[test]
fn a_count_above_the_number_of_people_is_refused_up_front_with_the_maximum() {
    let run = run_example("gather", &["--count", "100000"]);
    assert_refused(&run, "gather", "SWAPI has 82 people, so 82 is the most");
    assert!(run.stderr.contains("--example concurrency"), "{run:#?}");
}

#[test]
fn a_value_too_large_is_refused_with_the_real_maximum() {
    let run = run_example("gather", &["--max-in-flight", "99999999999999999999"]);
    let max = usize::MAX;
    let reason = format!("wants a whole number from 1 to {max}, not \"99999999999999999999\"");
    assert_refused(&run, "gather", &reason);
    let run = run_example("as_completed", &["--timeout", "1e20"]);
    assert_refused(
        &run,
        "as_completed",
        "above 0 and at most 86400, like 10 or 0.5, not \"1e20\"",
    );
}

#[test]
fn concurrency_refuses_a_sleep_that_no_mode_could_run_within_its_time_budget() {
    let run = run_example("concurrency", &["--sleep-ms", "99999999999"]);
    assert_refused(
        &run,
        "concurrency",
        "--sleep-ms wants a whole number from 0 to 20000, not \"99999999999\"",
    );
}

#[test]
fn trace_json_never_takes_the_next_flag_as_its_path() {
    let dir = TempDir::new("trace-json-flag");
    let run = run_example_in(dir.path(), "gather", &["--trace-json", "--trace"]);
    assert_refused(
        &run,
        "gather",
        "--trace-json needs a value, not the flag --trace",
    );
    assert!(
        !dir.path().join("--trace").exists(),
        "no file named --trace"
    );
}

#[test]
fn an_unwritable_trace_path_stops_every_example_before_any_work() {
    let dir = TempDir::new("trace-unwritable");
    // A path under a regular file cannot be created, even by root.
    std::fs::write(dir.path().join("file"), "").unwrap();
    let path = dir.path().join("file/trace.json");
    let path = path.to_str().unwrap();
    for (example, args) in [
        ("gather", vec!["--trace-json", path]),
        ("as_completed", vec!["--trace-json", path]),
        ("readiness", vec!["--trace-json", path]),
        ("wakeups", vec!["--trace-json", path]),
        ("deadlock", vec!["--trace-json", path]),
        ("get", vec!["--trace-json", path, "http://127.0.0.1:9/"]),
        (
            "concurrency",
            vec!["--trace-json", path, "--job", "sleep", "--sizes", "1"],
        ),
    ] {
        let run = run_example(example, &args);
        assert_refused(&run, example, "--trace-json");
        assert!(run.stderr.contains("cannot write"), "{run:#?}");
        // The same path as the HTML replay's is refused the same way.
        let html: Vec<&str> = args
            .iter()
            .map(|a| {
                if *a == "--trace-json" {
                    "--trace-html"
                } else {
                    a
                }
            })
            .collect();
        let run = run_example(example, &html);
        assert_refused(&run, example, "--trace-html");
        assert!(run.stderr.contains("cannot write"), "{run:#?}");
    }
}

#[test]
fn concurrency_refuses_trace_json_unless_it_names_one_job_and_one_size_and_leaves_no_file() {
    let dir = TempDir::new("concurrency-trace-json");
    let one_run = "--trace-json traces one run of the tasks mode";
    for (args, reason) in [
        (vec!["--trace-json", "c.json"], one_run),
        (vec!["--trace-json", "c.json", "--sizes", "10"], one_run),
        (
            vec![
                "--trace-json",
                "c.json",
                "--job",
                "sleep",
                "--sizes",
                "10,20",
            ],
            one_run,
        ),
        (
            vec![
                "--trace-json",
                "c.json",
                "--job",
                "fetch",
                "--sizes",
                "5000",
            ],
            "the tasks mode skips this run",
        ),
    ] {
        let run = run_example_in(dir.path(), "concurrency", &args);
        assert_refused(&run, "concurrency", reason);
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert!(left.is_empty(), "{args:?} left {left:?}");
    }
}

#[test]
fn cacert_is_read_up_front() {
    let run = run_example(
        "gather",
        &[
            "--url",
            "https://localhost:9/api/people/",
            "--cacert",
            "/no/such/ca.pem",
        ],
    );
    assert_refused(&run, "gather", "--cacert /no/such/ca.pem: cannot read it");
}

#[test]
fn every_examples_help_says_what_each_flag_in_its_usage_does() {
    for example in [
        "gather",
        "as_completed",
        "concurrency",
        "get",
        "readiness",
        "wakeups",
        "deadlock",
        "explore",
    ] {
        let run = run_example(example, &["--help"]);
        assert_eq!(run.code(), 0, "{run:#?}");
        assert!(
            run.stdout.starts_with(&format!("usage: {example} ")),
            "{run:#?}"
        );
        // The usage is its first line and the lines that continue it, `       [--flag]`.
        let lines = run.lines();
        let usage_lines = 1 + lines[1..]
            .iter()
            .take_while(|line| line.trim_start().starts_with('['))
            .count();
        let (usage, details) = lines.split_at(usage_lines);
        let flags = usage
            .iter()
            .flat_map(|line| line.split(|c: char| !(c == '-' || c.is_ascii_alphanumeric())))
            .filter(|word| word.starts_with("--"));
        // Each flag starts a line of the details: `  --count N   what it does`.
        for flag in flags.chain(["--help"]) {
            assert!(
                details.iter().any(|line| {
                    let line = line.trim_start();
                    line.starts_with(&format!("{flag} "))
                        || line.starts_with(&format!("-h, {flag} "))
                        || line.starts_with(&format!("{flag},"))
                }),
                "{example} --help does not say what {flag} does: {run:#?}"
            );
        }
    }
    for example in ["readiness", "wakeups"] {
        let help = run_example(example, &["--help"]).stdout;
        assert!(
            help.contains("the runtime's timeline (on stderr) is always on"),
            "{help}"
        );
    }
}

#[test]
fn help_prints_the_usage_on_stdout_and_succeeds() {
    let run = run_example("gather", &["--help"]);
    assert_eq!(run.code(), 0, "{run:#?}");
    assert!(run.stdout.starts_with("usage: gather"), "{run:#?}");
    assert!(run.stdout.contains("--max-in-flight N"), "{run:#?}");
}
