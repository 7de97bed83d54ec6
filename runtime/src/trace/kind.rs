//! Event kinds, so a hook can choose which events it keeps.

use super::Event;

/// The kind of an [`Event`], without its fields: what [`Recorder::only`] selects by.
///
/// [`Recorder::only`]: crate::trace::Recorder::only
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[allow(missing_docs)] // each is named after its `Event` variant
pub enum EventKind {
    Spawned,
    PollStart,
    PollEnd,
    Woken,
    WakeIgnored,
    AbortRequested,
    Requeued,
    Park,
    Unpark,
    TimerFired,
    ClockJump,
    LostWaker,
    Children,
    ChildPoll,
    ChildPollEnd,
    ChildWoken,
    ChildLabel,
    ChildFinished,
    SpanStart,
    SpanEnd,
    Finished,
    TimerArmed,
    TimerCancelled,
    Interest,
    Deregistered,
}

impl EventKind {
    /// Whether a task-level view shows this kind: everything but the detail inside a
    /// task's poll (children's ends, wakes, labels and finishes, combinators starting,
    /// spans). A child's poll start is kept: it says which child a task's poll polled.
    pub fn is_task_level(self) -> bool {
        !matches!(
            self,
            EventKind::TimerArmed
                | EventKind::TimerCancelled
                | EventKind::Interest
                | EventKind::Deregistered
                | EventKind::Children
                | EventKind::ChildPollEnd
                | EventKind::ChildWoken
                | EventKind::ChildLabel
                | EventKind::ChildFinished
                | EventKind::SpanStart
                | EventKind::SpanEnd
        )
    }

    /// Every kind.
    pub const ALL: &'static [EventKind] = &[
        EventKind::Spawned,
        EventKind::PollStart,
        EventKind::PollEnd,
        EventKind::Woken,
        EventKind::WakeIgnored,
        EventKind::AbortRequested,
        EventKind::Requeued,
        EventKind::Park,
        EventKind::Unpark,
        EventKind::TimerFired,
        EventKind::ClockJump,
        EventKind::LostWaker,
        EventKind::Children,
        EventKind::ChildPoll,
        EventKind::ChildPollEnd,
        EventKind::ChildWoken,
        EventKind::ChildLabel,
        EventKind::ChildFinished,
        EventKind::SpanStart,
        EventKind::SpanEnd,
        EventKind::Finished,
        EventKind::TimerArmed,
        EventKind::TimerCancelled,
        EventKind::Interest,
        EventKind::Deregistered,
    ];
}

// A `Recorder` keeps its selection as one bit per kind.
const _: () = assert!(EventKind::ALL.len() <= 32);

impl Event {
    /// Whether this is the drivers' bookkeeping (a timer armed or cancelled, a socket waited
    /// on or deregistered): what a step-by-step view needs and a text view leaves out.
    pub fn is_bookkeeping(&self) -> bool {
        matches!(
            self.kind(),
            EventKind::TimerArmed
                | EventKind::TimerCancelled
                | EventKind::Interest
                | EventKind::Deregistered
        )
    }

    /// This event's kind.
    pub fn kind(&self) -> EventKind {
        match self {
            Event::Spawned { .. } => EventKind::Spawned,
            Event::PollStart { .. } => EventKind::PollStart,
            Event::PollEnd { .. } => EventKind::PollEnd,
            Event::Woken { .. } => EventKind::Woken,
            Event::WakeIgnored { .. } => EventKind::WakeIgnored,
            Event::AbortRequested { .. } => EventKind::AbortRequested,
            Event::Requeued { .. } => EventKind::Requeued,
            Event::Park { .. } => EventKind::Park,
            Event::Unpark { .. } => EventKind::Unpark,
            Event::TimerFired { .. } => EventKind::TimerFired,
            Event::ClockJump { .. } => EventKind::ClockJump,
            Event::LostWaker { .. } => EventKind::LostWaker,
            Event::Children { .. } => EventKind::Children,
            Event::ChildPoll { .. } => EventKind::ChildPoll,
            Event::ChildPollEnd { .. } => EventKind::ChildPollEnd,
            Event::ChildWoken { .. } => EventKind::ChildWoken,
            Event::ChildLabel { .. } => EventKind::ChildLabel,
            Event::ChildFinished { .. } => EventKind::ChildFinished,
            Event::SpanStart { .. } => EventKind::SpanStart,
            Event::SpanEnd { .. } => EventKind::SpanEnd,
            Event::Finished { .. } => EventKind::Finished,
            Event::TimerArmed { .. } => EventKind::TimerArmed,
            Event::TimerCancelled { .. } => EventKind::TimerCancelled,
            Event::Interest { .. } => EventKind::Interest,
            Event::Deregistered { .. } => EventKind::Deregistered,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::EventKind;

    #[test]
    fn every_kind_is_in_all_once() {
        let all: std::collections::HashSet<_> = EventKind::ALL.iter().collect();
        assert_eq!(all.len(), EventKind::ALL.len());
    }
}
