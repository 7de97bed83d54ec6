//! Counting where wakers sit: per entry (`main`, a task) and per combinator, how many are
//! alive and how many the graph found in the runtime's primitives.

use std::collections::HashMap;

use crate::task::parking::WakerId;

/// Who a waker wakes: an entry (`main` or a task), or a combinator's child.
#[derive(Clone, Copy)]
pub(super) enum Target {
    Entry(usize),
    Child { group: usize, index: u32 },
}

/// An entry's wakers.
#[derive(Default)]
pub(super) struct Counts {
    /// Wakers alive.
    pub(super) live: usize,
    /// Of those, the ones sitting in the runtime's primitives.
    pub(super) inside: usize,
}

/// A combinator as the graph sees it.
pub(super) struct Group {
    pub(super) name: &'static str,
    /// Whose the one copy of the parent's waker is, if the graph knows it.
    pub(super) parent: Option<Target>,
    /// Owned child wakers alive, and how many of them sit in the runtime's primitives.
    pub(super) counts: Counts,
    /// Whether a child's waker is outside, which puts the parent's copy outside too.
    pub(super) open: bool,
}

/// The wakers found so far: whose, and where.
pub(super) struct Found {
    pub(super) entries: Vec<Counts>,
    pub(super) entry_of: HashMap<*const (), usize>,
    pub(super) groups: Vec<Group>,
    pub(super) group_of: HashMap<*const (), usize>,
}

impl Found {
    /// Counts one waker found in a primitive; returns whose it is, if it is this runtime's.
    pub(super) fn inside(&mut self, id: WakerId) -> Option<Target> {
        match id.child {
            Some((stack, index)) => {
                let group = *self.group_of.get(&stack)?;
                self.groups[group].counts.inside += 1;
                Some(Target::Child { group, index })
            }
            None => {
                let entry = *self.entry_of.get(&id.data)?;
                self.entries[entry].inside += 1;
                Some(Target::Entry(entry))
            }
        }
    }

    /// A waker counted inside is outside after all.
    fn outside(&mut self, target: Target) {
        let counts = match target {
            Target::Entry(entry) => &mut self.entries[entry],
            Target::Child { group, .. } => &mut self.groups[group].counts,
        };
        counts.inside -= 1;
    }

    /// Opens every combinator with a child waker outside: its copy of the parent's waker
    /// is then outside too, which may open the combinator around it.
    pub(super) fn open_groups(&mut self) {
        let mut changed = true;
        while changed {
            changed = false;
            for g in 0..self.groups.len() {
                let group = &mut self.groups[g];
                if group.open || group.counts.live <= group.counts.inside {
                    continue;
                }
                group.open = true;
                changed = true;
                if let Some(parent) = group.parent {
                    self.outside(parent);
                }
            }
        }
    }
}

/// The entry a waker leads to, and the path of combinator children on the way:
/// `child 2 of its gather`.
pub(super) fn owner_of(groups: &[Group], mut target: Target) -> Option<(usize, Option<String>)> {
    let mut path: Vec<String> = Vec::new();
    // Combinators nest only as deep as the futures do; a cycle cannot form, but bound it.
    for _ in 0..64 {
        match target {
            Target::Entry(entry) => {
                path.reverse();
                let child = (!path.is_empty()).then(|| path.join(" › "));
                return Some((entry, child));
            }
            Target::Child { group, index } => {
                path.push(format!("child {index} of its {}", groups[group].name));
                target = groups[group].parent?;
            }
        }
    }
    None
}
