//! The runtime's modules form layers that import downward only: no top-level module
//! (folder or file under `src/`) reaches, directly or through others, back into itself.
//!
//! Read from the source, so that a new `use` that closes a cycle fails here. Test code
//! (`tests/` folders, `tests.rs`, `loom_models.rs`, and inline `#[cfg(test)]` modules) may
//! use any layer; comments and doc links do not count.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// Every top-level module and the top-level modules its non-test code names.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for entry in fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if name == "lib" {
            continue; // the root re-exports every layer
        }
        let mut files = Vec::new();
        collect_files(&path, &mut files);
        let used = graph.entry(name.clone()).or_default();
        for file in files {
            for module in crate_paths(&fs::read_to_string(&file).unwrap()) {
                if module != name {
                    used.insert(module);
                }
            }
        }
    }
    graph
}

fn collect_files(path: &Path, files: &mut Vec<std::path::PathBuf>) {
    let name = path.file_name().unwrap().to_string_lossy();
    if name == "tests" || name == "tests.rs" || name == "loom_models.rs" {
        return;
    }
    if path.is_dir() {
        for entry in fs::read_dir(path).unwrap() {
            collect_files(&entry.unwrap().path(), files);
        }
    } else if name.ends_with(".rs") {
        files.push(path.to_owned());
    }
}

/// The `X` of every `crate::X` in code, up to an inline `#[cfg(test)]` module.
fn crate_paths(source: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut lines = source.lines().peekable();
    while let Some(line) = lines.next() {
        let code = line.trim_start();
        if code.starts_with("//") {
            continue;
        }
        let opens_a_module = |next: &&str| next.contains("mod ") && next.contains('{');
        if code == "#[cfg(test)]" && lines.peek().is_some_and(opens_a_module) {
            break;
        }
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            let module: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !module.is_empty() {
                found.push(module);
            }
        }
    }
    found
}

/// A cycle through `start`, if there is one.
fn cycle_from(
    graph: &BTreeMap<String, BTreeSet<String>>,
    start: &str,
    path: &mut Vec<String>,
) -> Option<Vec<String>> {
    let last = path.last().expect("the path starts at `start`").clone();
    for next in graph.get(&last).into_iter().flatten() {
        if next == start {
            let mut cycle = path.clone();
            cycle.push(next.clone());
            return Some(cycle);
        }
        if !path.contains(next) {
            path.push(next.clone());
            if let Some(cycle) = cycle_from(graph, start, path) {
                return Some(cycle);
            }
            path.pop();
        }
    }
    None
}

#[test]
#[cfg_attr(
    miri,
    ignore = "reads source files: nothing for Miri to check, and slow there"
)]
fn code_names_items_by_their_module_not_by_the_root_re_exports() {
    let graph = imports();
    let modules: BTreeSet<&String> = graph.keys().collect();
    for (module, used) in &graph {
        for name in used {
            assert!(modules.contains(name), "{module} uses crate::{name}");
        }
    }
}

#[test]
#[cfg_attr(
    miri,
    ignore = "reads source files: nothing for Miri to check, and slow there"
)]
fn no_module_imports_back_into_itself_through_other_modules() {
    let graph = imports();
    for module in graph.keys() {
        let cycle = cycle_from(&graph, module, &mut vec![module.clone()]);
        assert_eq!(cycle, None, "an import cycle; the whole graph: {graph:#?}");
    }
}

#[test]
#[cfg_attr(
    miri,
    ignore = "reads source files: nothing for Miri to check, and slow there"
)]
fn the_core_layers_sit_where_the_reading_order_says() {
    let graph = imports();
    let uses = |module: &str| graph[module].iter().cloned().collect::<Vec<_>>();
    // The drivers and the task vocabulary know nothing above them.
    assert_eq!(uses("task"), ["flags"]);
    assert_eq!(uses("reactor"), ["flags"]);
    // The simulation's machinery (the seeded picker, the simulated network) sits beside
    // the drivers: it knows nothing of the executor that uses it.
    assert_eq!(uses("sim"), ["reactor", "task"]);
    // The executor builds on them, the trace and the channels, and nothing else.
    assert_eq!(
        uses("executor"),
        ["loom", "reactor", "sim", "sync", "task", "trace"]
    );
}
