//! Writing one trace event as JSON text: the few shapes the writer uses, nothing more.

use std::fmt::{self, Write as _};

use super::PID;

/// A slice (`ph: "X"`) on track `tid` from `start` to `end` (ns), in category `cat`.
/// `args` values are JSON already.
pub(super) fn slice(
    tid: u64,
    cat: &str,
    name: &str,
    (start, end): (u64, u64),
    args: &[(&str, String)],
) -> String {
    let mut event = head("X", cat, name, tid, start);
    let _ = write!(event, r#","dur":{}"#, Micros(end - start));
    push_args(&mut event, args);
    event.push('}');
    event
}

/// One end of a flow: `ph` is `s` (its start) or `f` (its end, bound with `bp: "e"`).
pub(super) fn flow(ph: &str, cat: &str, name: &str, id: u64, tid: u64, at: u64) -> String {
    let mut event = head(ph, cat, name, tid, at);
    let _ = write!(event, r#","id":{id}"#);
    if ph == "f" {
        event.push_str(r#","bp":"e""#);
    }
    event.push('}');
    event
}

/// A metadata event (`ph: "M"`) naming or ordering track `tid`; `args` is a JSON object.
pub(super) fn metadata(name: &str, tid: u64, args: &str) -> String {
    format!(
        r#"{{"ph":"M","cat":"__metadata","name":"{name}","pid":{PID},"tid":{tid},"args":{args}}}"#
    )
}

/// The whole document: `{"traceEvents":[...]}`, one event per line.
pub(super) fn document<'a>(events: impl Iterator<Item = &'a String>) -> String {
    let mut json = String::from("{\"traceEvents\":[\n");
    for (i, event) in events.enumerate() {
        if i > 0 {
            json.push_str(",\n");
        }
        json.push_str(event);
    }
    json.push_str("\n]}\n");
    json
}

/// The start of a trace event object, up to and including `ts` (no closing brace).
fn head(ph: &str, cat: &str, name: &str, tid: u64, at: u64) -> String {
    format!(
        r#"{{"ph":"{ph}","cat":"{cat}","name":{},"pid":{PID},"tid":{tid},"ts":{}"#,
        json_str(name),
        Micros(at)
    )
}

/// Appends `,"args":{...}`; each value is JSON already.
fn push_args(event: &mut String, args: &[(&str, String)]) {
    if args.is_empty() {
        return;
    }
    event.push_str(r#","args":{"#);
    for (i, (key, value)) in args.iter().enumerate() {
        if i > 0 {
            event.push(',');
        }
        let _ = write!(event, "{}:{value}", json_str(key));
    }
    event.push('}');
}

/// `items` as a JSON array of strings.
pub(super) fn json_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|item| json_str(item)).collect();
    format!("[{}]", quoted.join(","))
}

/// Nanoseconds written as microseconds with three decimals: the format's unit, exactly.
/// Two events at the same nanosecond get the same text, so a viewer that matches a flow to
/// its slice by `ts` finds them equal.
pub(super) struct Micros(pub(super) u64);

impl fmt::Display for Micros {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:03}", self.0 / 1000, self.0 % 1000)
    }
}

/// `text` as a JSON string literal.
pub(in crate::trace) fn json_str(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
