//! The wait-for graph in words: what a resource is, and who could release a waiter parked
//! on it.

use std::collections::HashMap;
use std::panic::Location;

use super::{Edge, On};
use crate::task::parking::{Releaser, ResourceKind, Role};
use crate::task::report::file_line;
use crate::task::{Await, TaskId, TaskReport, Wait};

/// What the lot says about one resource.
pub(super) struct ResourceInfo {
    pub(super) kind: ResourceKind,
    pub(super) created_at: &'static Location<'static>,
    /// Who could release its waiters.
    pub(super) releasers: Vec<Releaser>,
}

/// A wait in words: the resource and who could release it.
pub(super) fn describe(
    edge: &Edge,
    child: Option<String>,
    resources: &HashMap<u32, ResourceInfo>,
    reports: &[TaskReport],
) -> Wait {
    let (resource, release, waits_for) = match edge.on {
        On::Join(i) => {
            let task = reports[i].id;
            (
                format!("the end of {}", reports[i].id_and_name()),
                String::new(),
                vec![task],
            )
        }
        On::Resource(key) => match resources.get(&key) {
            Some(info) => release_of(info, edge.point.what),
            None => ("a dropped resource".to_owned(), String::new(), Vec::new()),
        },
    };
    Wait {
        child,
        stack: edge.frames.clone(),
        point: edge.point,
        resource,
        release,
        waits_for,
    }
}

/// The resource's description, who could release a waiter parked on it as `what`, and
/// those tasks.
fn release_of(info: &ResourceInfo, what: Await) -> (String, String, Vec<TaskId>) {
    let kind = match info.kind {
        ResourceKind::Semaphore => "semaphore",
        ResourceKind::Oneshot => "oneshot channel",
        ResourceKind::Mpsc => "mpsc channel",
        ResourceKind::Connection => "simulated connection",
        ResourceKind::Listener => "simulated listener",
    };
    let resource = format!("{kind} created at {}", file_line(info.created_at));
    let role = match (info.kind, what) {
        (ResourceKind::Semaphore, _) => Role::Permit,
        (ResourceKind::Mpsc, Await::Send) => Role::Receiver,
        (ResourceKind::Connection | ResourceKind::Listener, _) => Role::Peer,
        _ => Role::Sender,
    };
    let of_role: Vec<_> = info.releasers.iter().filter(|r| r.role == role).collect();
    let tasks: Vec<TaskId> = of_role.iter().filter_map(|r| r.by).collect();
    // A handle may have moved since: the task that made or last used it is where it was
    // last seen.
    let by = |by: Option<TaskId>| {
        by.map(|t| format!(", last seen in {t}"))
            .unwrap_or_default()
    };
    let release = match role {
        Role::Permit if of_role.is_empty() => {
            "no task holds a permit (only add_permits or close can let it in)".to_owned()
        }
        Role::Permit => {
            let holders: Vec<String> = of_role
                .iter()
                .map(|r| {
                    r.by.map_or("code outside any task".to_owned(), |t| t.to_string())
                })
                .collect();
            format!("held by {}", holders.join(" and "))
        }
        Role::Sender => {
            let senders: Vec<String> = of_role
                .iter()
                .map(|r| format!("created at {}{}", file_line(r.at), by(r.by)))
                .collect();
            match senders.len() {
                0 => "whose senders are all gone".to_owned(),
                1 => format!("whose sender ({}) is still alive", senders[0]),
                n => format!("whose {n} senders ({}) are still alive", senders.join("; ")),
            }
        }
        Role::Peer if info.kind == ResourceKind::Listener => {
            "on which no connection is on its way".to_owned()
        }
        Role::Peer => match of_role.first() {
            Some(r) => match r.by {
                Some(t) => format!("whose other end (last seen in {t}) sends nothing"),
                None => "whose other end sends nothing".to_owned(),
            },
            None => "whose other end is gone".to_owned(),
        },
        Role::Receiver => match of_role.first() {
            Some(r) => format!(
                "whose receiver (created at {}{}) does not receive",
                file_line(r.at),
                by(r.by)
            ),
            None => "whose receiver is gone".to_owned(),
        },
    };
    (resource, release, tasks)
}
