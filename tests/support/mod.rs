//! Running the examples as a user does: the built executables, with arguments, their
//! output and exit status read back.
//!
//! Cargo gives integration tests the path of each `[[bin]]` (`CARGO_BIN_EXE_<name>`), not
//! of the examples, and `cargo test --test NAME` does not build the examples at all. So
//! the first test that needs one runs `cargo build --examples` once, with the cargo, the
//! manifest, the target directory and the profile this test binary was built with, and
//! takes each example's path from cargo's own report (`--message-format json`), rather
//! than guessing it.

// Each test file uses a part of this module.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};

/// How long any example may run in a test before it is killed and the test fails.
pub const DEADLINE: Duration = Duration::from_secs(120);

/// The path of the built example `name`.
pub fn example(name: &str) -> PathBuf {
    static BUILT: OnceLock<HashMap<String, PathBuf>> = OnceLock::new();
    let built = BUILT.get_or_init(build_examples);
    built
        .get(name)
        .unwrap_or_else(|| panic!("cargo built no example named {name}: {built:?}"))
        .clone()
}

/// `cargo build --examples`, for this test binary's target directory and profile; the
/// executable of each example, by name.
fn build_examples() -> HashMap<String, PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| env!("CARGO").into());
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    let mut command = Command::new(cargo);
    command.args([
        "build",
        "--examples",
        "--message-format",
        "json-render-diagnostics",
    ]);
    // Cargo sets these for the test binary, not for a shell; build scripts that watch one
    // (ring's watches CARGO_MANIFEST_DIR) would rebuild, here and again in the next build.
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name.starts_with("CARGO_PKG_")
            || name.starts_with("CARGO_BIN_EXE_")
            || [
                "CARGO_MANIFEST_DIR",
                "CARGO_MANIFEST_PATH",
                "CARGO_CRATE_NAME",
                "CARGO_BIN_NAME",
                "CARGO_PRIMARY_PACKAGE",
                "CARGO_TARGET_TMPDIR",
                "OUT_DIR",
            ]
            .contains(&name.as_ref())
        {
            command.env_remove(name.as_ref());
        }
    }
    command.arg("--manifest-path").arg(&manifest);
    // This binary is TARGET_DIR/PROFILE/deps/NAME-HASH: build into the same directory, so
    // that nothing is built twice.
    let exe = std::env::current_exe().expect("the test binary's path");
    if let Some(profile_dir) = exe
        .parent()
        .filter(|deps| deps.ends_with("deps"))
        .and_then(Path::parent)
    {
        if let Some(target_dir) = profile_dir.parent() {
            command.arg("--target-dir").arg(target_dir);
        }
        if profile_dir.ends_with("release") {
            command.arg("--release");
        }
    }
    let output = command
        .stderr(Stdio::inherit())
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "cargo build --examples failed: {}",
        output.status
    );
    let mut built = HashMap::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let is_example = message["target"]["kind"]
            .as_array()
            .is_some_and(|kinds| kinds.iter().any(|kind| kind == "example"));
        if let (true, Some(name), Some(exe)) = (
            is_example,
            message["target"]["name"].as_str(),
            message["executable"].as_str(),
        ) {
            built.insert(name.to_owned(), PathBuf::from(exe));
        }
    }
    built
}

/// What an example printed, and how it ended.
#[derive(Debug)]
pub struct Run {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The exit code; a test fails if the example was killed by a signal.
    pub fn code(&self) -> i32 {
        self.status
            .code()
            .unwrap_or_else(|| panic!("killed by a signal: {self:#?}"))
    }

    /// The lines of stdout.
    pub fn lines(&self) -> Vec<&str> {
        self.stdout.lines().collect()
    }

    /// The last line of stdout.
    pub fn last_line(&self) -> &str {
        self.stdout.lines().last().unwrap_or("")
    }
}

/// Runs example `name` with `args` in `dir` and waits for it (at most [`DEADLINE`]).
pub fn run_example_in(dir: &Path, name: &str, args: &[&str]) -> Run {
    let child = Command::new(example(name))
        .args(args)
        .current_dir(dir)
        .env_remove("RUNTIME_TRACE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the example starts");
    wait(child, &format!("{name} {}", args.join(" ")))
}

/// Runs example `name` with `args` and waits for it.
pub fn run_example(name: &str, args: &[&str]) -> Run {
    run_example_in(&std::env::temp_dir(), name, args)
}

/// Reads `child`'s output to the end and waits for it; kills it past [`DEADLINE`].
pub fn wait(mut child: Child, what: &str) -> Run {
    let read = |pipe: Option<Box<dyn Read + Send>>| {
        thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_string(&mut text);
            }
            text
        })
    };
    let stdout = read(child.stdout.take().map(|p| Box::new(p) as _));
    let stderr = read(child.stderr.take().map(|p| Box::new(p) as _));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for the example") {
            break status;
        }
        if start.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("`{what}` ran longer than {DEADLINE:?}");
        }
        thread::sleep(Duration::from_millis(10));
    };
    Run {
        status,
        stdout: stdout.join().expect("the stdout reader"),
        stderr: stderr.join().expect("the stderr reader"),
    }
}

/// A directory of this test's own, empty, removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(test: &str) -> TempDir {
        let path = std::env::temp_dir().join(format!("tinyloop-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("a temporary directory");
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
