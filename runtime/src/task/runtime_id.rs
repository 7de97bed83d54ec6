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

#[cfg(test)]
mod tests {
    use super::RuntimeId;

    #[test]
    fn each_new_id_is_larger_than_the_last() {
        let (a, b) = (RuntimeId::next(), RuntimeId::next());
        assert!(b > a);
    }
}
