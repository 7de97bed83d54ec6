//! The seed's own runtime beside tinyloop's: the sleep job in CPython, with asyncio tasks
//! and with threads, run by `sleep_job.py`.

use std::io::ErrorKind;
use std::process::Command;
use std::time::Duration;

use crate::job::Job;
use crate::modes::skip_reason;

/// The Python rows, after tinyloop's for the sleep job.
pub const MODES: [&str; 2] = ["py-asyncio", "py-threads"];

/// The script, built into the example so that it runs wherever the binary does.
const SCRIPT: &str = include_str!("sleep_job.py");

/// Runs the sleep job in CPython for one row: `n` sleeps of `sleep_ms` at once, as asyncio
/// tasks (`py-asyncio`) or threads (`py-threads`). Returns a line like a child's:
/// `RESULT wall_ms rss_kb threads note`, or `SKIP reason`.
pub fn run(mode: &str, n: usize, sleep_ms: u64) -> String {
    if let Some(reason) = skip_reason(mode, Job::Sleep(Duration::from_millis(sleep_ms)), n) {
        return format!("SKIP {reason}");
    }
    let how = match mode {
        "py-asyncio" => "asyncio",
        _ => "threads",
    };
    let output = Command::new("python3")
        .args(["-c", SCRIPT, how, &n.to_string(), &sleep_ms.to_string()])
        .output();
    match output {
        Err(e) if e.kind() == ErrorKind::NotFound => {
            "SKIP python3 is not on the PATH, so there is no asyncio to compare with".to_owned()
        }
        Err(e) => format!("SKIP python3 could not start: {e}"),
        Ok(output) if !output.status.success() => {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let last = stderr.lines().last().unwrap_or("no message");
            format!("SKIP python3 failed ({}): {last}", output.status)
        }
        Ok(output) => String::from_utf8_lossy(&output.stdout)
            .lines()
            .last()
            .unwrap_or("SKIP python3 printed nothing")
            .to_owned(),
    }
}
