//! Synchronisation between tasks (and threads).

pub mod oneshot;
