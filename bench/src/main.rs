//! Benchmarks tinyloop's runtime against tokio's current-thread runtime and smol's
//! `LocalExecutor` on tokio's scheduler bench shapes, timer lateness and a million sleeping
//! tasks; prints one table with the ratio tinyloop / best competitor. See README.md.

mod harness;
mod http;
mod latch;
mod rt_smol;
mod rt_tinyloop;
mod rt_tokio;
mod shapes;

use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use harness::{percentile, Config, Timing};
use shapes::{Rt, Shape, SleepersReport};

const USAGE: &str = "\
usage: tinyloop-bench [--quick] [--rounds N] [--only SHAPE [RUNTIME]]
       tinyloop-bench --only http [--quick] [--rounds N] [--requests N] [--concurrency C]

  --quick         a fast smoke run (short timings, 100,000 sleepers)
  --rounds N      interleaved measuring rounds per shape (default 5; 3 with --quick)
  --only SHAPE    run one shape: spawn_many_local, spawn_many_remote_idle, yield_many,
                  ping_pong, chained_spawn, sleep_lateness, sleepers
  RUNTIME         with --only: just tinyloop, tokio or smol (for `sleepers`, in this
                  process; otherwise each runtime's sleepers run in a child process)
  --only http     keep-alive HTTPS GETs from a local server: tinyloop + fetcher vs reqwest on
                  tokio current_thread, and the seed's aiohttp client (needs python3 with
                  aiohttp); not part of the default run
  --requests N    http: GETs per timed run (default 20,000; 4,000 with --quick)
  --concurrency C http: worker tasks and connections (default 32)";

/// What to run.
struct Options {
    quick: bool,
    rounds: Option<usize>,
    only: Option<String>,
    runtime: Option<Rt>,
    /// Set by the parent when it runs one runtime's sleepers: print only the report line.
    child: bool,
    /// `http`: GETs per timed run.
    requests: Option<usize>,
    /// `http`: worker tasks and connections.
    concurrency: Option<usize>,
}

fn parse_args() -> Result<Options, String> {
    let mut options = Options {
        quick: false,
        rounds: None,
        only: None,
        runtime: None,
        child: false,
        requests: None,
        concurrency: None,
    };
    let mut args = std::env::args().skip(1).peekable();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => options.quick = true,
            "--child" => options.child = true,
            "--rounds" => {
                let n = args.next().ok_or("--rounds needs a number")?;
                options.rounds = Some(n.parse().map_err(|_| format!("bad --rounds {n}"))?);
            }
            "--requests" => {
                let n = args.next().ok_or("--requests needs a number")?;
                options.requests = Some(n.parse().map_err(|_| format!("bad --requests {n}"))?);
            }
            "--concurrency" => {
                let c = args.next().ok_or("--concurrency needs a number")?;
                let c = c.parse().map_err(|_| format!("bad --concurrency {c}"))?;
                options.concurrency = Some(c).filter(|&c| c > 0);
            }
            "--only" => {
                let shape = args.next().ok_or("--only needs a shape")?;
                let known = Shape::ALL.iter().any(|s| s.name() == shape)
                    || shape == "sleep_lateness"
                    || shape == "sleepers"
                    || shape == "http";
                if !known {
                    return Err(format!("unknown shape {shape}"));
                }
                options.only = Some(shape);
                if let Some(rt) = args.peek().and_then(|a| Rt::parse(a)) {
                    options.runtime = Some(rt);
                    args.next();
                }
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(options)
}

/// The rule a row is held to.
#[derive(Clone, Copy)]
enum Target {
    /// tinyloop at most 1.0x the better competitor.
    Ratio,
    /// tinyloop's value at most this.
    AtMost(f64),
    /// Information only.
    None,
}

/// One line of the table.
struct Row {
    name: String,
    unit: &'static str,
    values: [Option<f64>; 3],
    target: Target,
    /// Disagreement between rounds (worst runtime), when the row has rounds.
    spread: Option<f64>,
}

impl Row {
    /// tinyloop / best competitor, and which competitor was best.
    fn ratio(&self) -> Option<(f64, Rt)> {
        let ours = self.values[0]?;
        let (best, rt) = [(self.values[1], Rt::Tokio), (self.values[2], Rt::Smol)]
            .into_iter()
            .filter_map(|(v, rt)| Some((v?, rt)))
            .min_by(|a, b| a.0.total_cmp(&b.0))?;
        Some((ours / best, rt))
    }

    fn verdict(&self) -> &'static str {
        match self.target {
            Target::Ratio => match self.ratio() {
                Some((r, _)) if r <= 1.0 => "ok",
                Some(_) => "MISS",
                None => "-",
            },
            Target::AtMost(limit) => match self.values[0] {
                Some(v) if v <= limit => "ok",
                Some(_) => "MISS",
                None => "-",
            },
            Target::None => "",
        }
    }
}

fn index(rt: Rt) -> usize {
    Rt::ALL.iter().position(|&r| r == rt).unwrap()
}

fn selected(options: &Options) -> Vec<Rt> {
    match options.runtime {
        Some(rt) => vec![rt],
        None => Rt::ALL.to_vec(),
    }
}

fn wants(options: &Options, shape: &str) -> bool {
    options.only.as_deref().is_none_or(|only| only == shape)
}

fn scheduler_row(shape: Shape, runtimes: &[Rt], config: &Config) -> Row {
    eprintln!("measuring {shape} ...");
    let mut runners: Vec<(Rt, harness::Iteration)> = runtimes
        .iter()
        .map(|&rt| {
            let runner = match rt {
                Rt::Tinyloop => rt_tinyloop::runner(shape),
                Rt::Tokio => rt_tokio::runner(shape),
                Rt::Smol => rt_smol::runner(shape),
            };
            (rt, runner)
        })
        .collect();
    let timings: Vec<Timing> = harness::time(&mut runners, config);
    let mut values = [None; 3];
    let mut spread: f64 = 0.0;
    for ((rt, _), timing) in runners.iter().zip(&timings) {
        values[index(*rt)] = Some(timing.median_us);
        spread = spread.max(timing.spread());
        eprintln!(
            "  {:<9} median {:>10.1} µs over {} iterations; round medians {:?}",
            rt.name(),
            timing.median_us,
            timing.iterations,
            timing
                .round_medians_us
                .iter()
                .map(|v| (v * 10.0).round() / 10.0)
                .collect::<Vec<_>>()
        );
    }
    Row {
        name: shape.name().to_owned(),
        unit: "µs/iter",
        values,
        target: Target::Ratio,
        spread: Some(spread),
    }
}

fn lateness_rows(runtimes: &[Rt], samples: usize, rounds: usize) -> Vec<Row> {
    eprintln!(
        "measuring sleep_lateness ({samples} sequential sleeps per runtime, {rounds} interleaved rounds) ..."
    );
    let mut p50 = [None; 3];
    let mut p99 = [None; 3];
    let mut runners: Vec<(Rt, harness::Lateness)> = runtimes
        .iter()
        .map(|&rt| {
            let runner = match rt {
                Rt::Tinyloop => rt_tinyloop::sleep_lateness(),
                Rt::Tokio => rt_tokio::sleep_lateness(),
                Rt::Smol => rt_smol::sleep_lateness(),
            };
            (rt, runner)
        })
        .collect();
    let results = harness::lateness(&mut runners, samples, rounds);
    for (&rt, late) in runtimes.iter().zip(results) {
        let mut us: Vec<f64> = late.iter().map(|d| d.as_secs_f64() * 1e6).collect();
        p50[index(rt)] = Some(percentile(&mut us, 50.0));
        p99[index(rt)] = Some(percentile(&mut us, 99.0));
        eprintln!(
            "  {:<9} p50 {:>8.1} µs  p99 {:>8.1} µs  max {:>8.1} µs",
            rt.name(),
            p50[index(rt)].unwrap(),
            p99[index(rt)].unwrap(),
            percentile(&mut us, 100.0)
        );
    }
    vec![
        Row {
            name: "sleep(1ms) lateness p50".into(),
            unit: "µs",
            values: p50,
            target: Target::Ratio,
            spread: None,
        },
        Row {
            name: "sleep(1ms) lateness p99".into(),
            unit: "µs",
            values: p99,
            target: Target::Ratio,
            spread: None,
        },
    ]
}

/// Runs the sleepers shape for `rt` in this process.
fn sleepers_here(rt: Rt, tasks: usize, hold: Duration) -> SleepersReport {
    match rt {
        Rt::Tinyloop => rt_tinyloop::sleepers(tasks, hold),
        Rt::Tokio => rt_tokio::sleepers(tasks, hold),
        Rt::Smol => rt_smol::sleepers(tasks, hold),
    }
}

/// Runs the sleepers shape for `rt` in a child process, so its peak RSS is its own.
fn sleepers_child(rt: Rt, quick: bool) -> Result<SleepersReport, String> {
    let exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
    let mut command = Command::new(exe);
    command.args(["--child", "--only", "sleepers", rt.name()]);
    if quick {
        command.arg("--quick");
    }
    let output = command
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run the {} child: {e}", rt.name()))?;
    if !output.status.success() {
        return Err(format!("the {} child failed: {}", rt.name(), output.status));
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(SleepersReport::from_line)
        .map(|(_, report)| report)
        .ok_or_else(|| format!("the {} child printed no report", rt.name()))
}

/// Prints the details of each runtime's sleepers report on stderr.
fn describe_sleepers(reports: &[(Rt, SleepersReport)]) {
    for (rt, report) in reports {
        let per_task = (report.peak_kib.saturating_sub(report.baseline_kib)) as f64 * 1024.0
            / report.tasks.max(1) as f64;
        eprintln!(
            "  {:<9} spawn {:>8.1} ms  all asleep {:>8.1} ms  baseline {:>6.1} MB  peak {:>7.1} MB \
             ({per_task:.0} B/task)  wake all {:>8.1} ms{}",
            rt.name(),
            report.spawn.as_secs_f64() * 1e3,
            report.asleep.as_secs_f64() * 1e3,
            report.baseline_kib as f64 * 1024.0 / 1e6,
            report.peak_kib as f64 * 1024.0 / 1e6,
            report.wake_all.as_secs_f64() * 1e3,
            if report.early > 0 {
                format!("  WARNING: {} tasks woke before the peak was read", report.early)
            } else {
                String::new()
            }
        );
    }
}

fn sleepers_rows(reports: &[(Rt, SleepersReport)], tasks: usize) -> Vec<Row> {
    let mut spawn = [None; 3];
    let mut asleep = [None; 3];
    let mut peak = [None; 3];
    let mut wake = [None; 3];
    for (rt, report) in reports {
        let i = index(*rt);
        spawn[i] = Some(report.spawn.as_secs_f64() * 1e3);
        asleep[i] = Some(report.asleep.as_secs_f64() * 1e3);
        peak[i] = Some(report.peak_kib as f64 * 1024.0 / 1e6);
        wake[i] = Some(report.wake_all.as_secs_f64() * 1e3);
    }
    let n = if tasks == 1_000_000 {
        "10^6".to_owned()
    } else {
        tasks.to_string()
    };
    let row = |name: String, unit, values, target| Row {
        name,
        unit,
        values,
        target,
        spread: None,
    };
    vec![
        row(format!("{n} sleepers: spawn"), "ms", spawn, Target::Ratio),
        row(
            format!("{n} sleepers: all asleep"),
            "ms",
            asleep,
            Target::None,
        ),
        row(
            format!("{n} sleepers: peak RSS"),
            "MB",
            peak,
            Target::AtMost(250.0),
        ),
        row(format!("{n} sleepers: wake all"), "ms", wake, Target::None),
    ]
}

fn format_value(v: Option<f64>) -> String {
    match v {
        None => "-".into(),
        Some(v) if v >= 1000.0 => format!("{v:.0}"),
        Some(v) if v >= 100.0 => format!("{v:.1}"),
        Some(v) => format!("{v:.2}"),
    }
}

fn print_table(rows: &[Row]) {
    let mut lines: Vec<[String; 8]> = vec![[
        "shape".into(),
        "unit".into(),
        Rt::Tinyloop.label().into(),
        Rt::Tokio.label().into(),
        Rt::Smol.label().into(),
        "tinyloop / best".into(),
        "target".into(),
        "spread".into(),
    ]];
    for row in rows {
        let ratio = match row.ratio() {
            Some((r, rt)) => format!("{r:.2}x ({})", rt.name()),
            None => "-".into(),
        };
        let target = match row.target {
            Target::Ratio => format!("<= 1.0x {}", row.verdict()),
            Target::AtMost(limit) => format!("<= {limit:.0} {}", row.verdict()),
            Target::None => String::new(),
        };
        lines.push([
            row.name.clone(),
            row.unit.into(),
            format_value(row.values[0]),
            format_value(row.values[1]),
            format_value(row.values[2]),
            ratio,
            target,
            row.spread
                .map(|s| format!("{:.0}%", s * 100.0))
                .unwrap_or_default(),
        ]);
    }
    let widths: Vec<usize> = (0..8)
        .map(|c| {
            lines
                .iter()
                .map(|l| l[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for (n, line) in lines.iter().enumerate() {
        let mut out = String::new();
        for (c, cell) in line.iter().enumerate() {
            let pad = widths[c] - cell.chars().count();
            if c == 0 || c == 1 || c >= 5 {
                out.push_str(cell);
                out.push_str(&" ".repeat(pad));
            } else {
                out.push_str(&" ".repeat(pad));
                out.push_str(cell);
            }
            out.push_str("  ");
        }
        println!("{}", out.trim_end());
        if n == 0 {
            let total = widths.iter().sum::<usize>() + 2 * (widths.len() - 1);
            println!("{}", "-".repeat(total));
        }
    }
}

fn main() -> ExitCode {
    let options = match parse_args() {
        Ok(options) => options,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("{message}");
            }
            eprintln!("{USAGE}");
            return if message.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            };
        }
    };
    let config = if options.quick {
        Config {
            target: Duration::from_millis(200),
            warmup: Duration::from_millis(20),
            rounds: options.rounds.unwrap_or(3),
        }
    } else {
        Config {
            target: Duration::from_millis(1000),
            warmup: Duration::from_millis(100),
            rounds: options.rounds.unwrap_or(5),
        }
    };
    let (lateness_samples, sleeper_tasks, hold, sleeper_runs) = if options.quick {
        (100, 100_000, Duration::from_millis(1000), 1)
    } else {
        (1000, 1_000_000, Duration::from_millis(3000), 3)
    };
    let runtimes = selected(&options);
    let started = Instant::now();

    // The http shape has its own clients and table, and runs only when asked for.
    if options.only.as_deref() == Some("http") {
        let requests = options
            .requests
            .unwrap_or(if options.quick { 4_000 } else { 20_000 });
        http::run(&http::Options {
            requests,
            concurrency: options.concurrency.unwrap_or(32),
            rounds: options.rounds.unwrap_or(if options.quick { 2 } else { 5 }),
            python_requests: requests.min(if options.quick { 1_000 } else { 4_000 }),
        });
        eprintln!("\ntotal time {:.1} s", started.elapsed().as_secs_f64());
        return ExitCode::SUCCESS;
    }

    // A child measuring one runtime's sleepers.
    if options.only.as_deref() == Some("sleepers") {
        if let Some(rt) = options.runtime {
            let report = sleepers_here(rt, sleeper_tasks, hold);
            if options.child {
                println!("{}", report.to_line(rt));
            } else {
                describe_sleepers(&[(rt, report)]);
                println!();
                print_table(&sleepers_rows(&[(rt, report)], sleeper_tasks));
            }
            return ExitCode::SUCCESS;
        }
    }

    let mut rows = Vec::new();
    for shape in Shape::ALL {
        if wants(&options, shape.name()) {
            rows.push(scheduler_row(shape, &runtimes, &config));
        }
    }
    if wants(&options, "sleep_lateness") {
        rows.extend(lateness_rows(&runtimes, lateness_samples, config.rounds));
    }
    if wants(&options, "sleepers") {
        eprintln!(
            "measuring sleepers ({sleeper_tasks} tasks, one child process per runtime and run, \
             {sleeper_runs} interleaved runs) ..."
        );
        let mut runs: Vec<Vec<SleepersReport>> = vec![Vec::new(); runtimes.len()];
        for _ in 0..sleeper_runs {
            let mut this_run = Vec::new();
            for (i, &rt) in runtimes.iter().enumerate() {
                match sleepers_child(rt, options.quick) {
                    Ok(report) => {
                        runs[i].push(report);
                        this_run.push((rt, report));
                    }
                    Err(message) => {
                        eprintln!("{message}");
                        return ExitCode::FAILURE;
                    }
                }
            }
            describe_sleepers(&this_run);
        }
        let reports: Vec<(Rt, SleepersReport)> = runtimes
            .iter()
            .zip(&runs)
            .map(|(&rt, runs)| (rt, SleepersReport::median(runs)))
            .collect();
        rows.extend(sleepers_rows(&reports, sleeper_tasks));
    }

    println!();
    println!(
        "{} run: scheduler rows are the median µs per iteration over {} interleaved rounds \
         ({:.1} s measured per shape and runtime); spread = (max - min) / median of the round \
         medians, worst runtime. Sleepers rows: median of {} run(s), each in a fresh child \
         process. Lower is better everywhere. MB = 10^6 bytes.",
        if options.quick { "quick" } else { "full" },
        config.rounds,
        config.target.as_secs_f64(),
        sleeper_runs,
    );
    println!();
    print_table(&rows);
    eprintln!("\ntotal time {:.1} s", started.elapsed().as_secs_f64());
    ExitCode::SUCCESS
}
