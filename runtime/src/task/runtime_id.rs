//! Which runtime a task belongs to: a number unique in the process, and an optional name.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

/// A runtime's number, unique in the process: runtimes are numbered from 1 in the order
/// they are built, on whatever thread. With its name (see
/// [`Builder::name`](crate::Builder::name)), it tells apart the runtimes of one program in
/// errors and reports. Displayed as `runtime 2`.
///
/// A task is named by its runtime's id and its [`TaskId`](crate::trace::TaskId), which is
/// unique only within its runtime.
///
/// ```
/// let a = runtime::Runtime::new()?;
/// let b = runtime::Runtime::builder().name("replica").build()?;
/// assert_ne!(a.id(), b.id());
/// assert_eq!(b.name(), Some("replica"));
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RuntimeId(pub u64);

impl RuntimeId {
    /// A number no runtime of this process had before. (`Relaxed`: the counter orders
    /// nothing but itself.)
    pub(crate) fn next() -> RuntimeId {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        RuntimeId(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

impl fmt::Display for RuntimeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "runtime {}", self.0)
    }
}

/// A runtime as errors and reports name it: `runtime 2 "replica"`, or `runtime 2` when it
/// has no name.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RuntimeLabel<'a> {
    pub(crate) id: RuntimeId,
    pub(crate) name: Option<&'a str>,
}

impl fmt::Display for RuntimeLabel<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name {
            Some(name) => write!(f, "{} \"{name}\"", self.id),
            None => write!(f, "{}", self.id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{RuntimeId, RuntimeLabel};

    #[test]
    fn a_label_quotes_the_name_after_the_id_and_omits_a_missing_one() {
        let id = RuntimeId(2);
        let named = RuntimeLabel {
            id,
            name: Some("replica"),
        };
        assert_eq!(named.to_string(), "runtime 2 \"replica\"");
        assert_eq!(RuntimeLabel { id, name: None }.to_string(), "runtime 2");
    }

    #[test]
    fn each_new_id_is_larger_than_the_last() {
        let (a, b) = (RuntimeId::next(), RuntimeId::next());
        assert!(b > a);
    }
}
