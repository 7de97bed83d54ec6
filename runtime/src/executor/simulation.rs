//! What a seeded schedule and a simulated network add to the core (`sim/`): the run
//! queue's picker, the network, and the network's timers in the trace.

use super::core::Core;
use super::run_queue::RunQueue;
use crate::sim::{AlarmNote, Network, Picker, Schedule};
use crate::task::TaskId;
use crate::trace::Event;

impl Core {
    /// The core, picking tasks as `schedule` says (FIFO by default).
    pub(crate) fn with_schedule(mut self, schedule: Schedule) -> Core {
        self.run_queue = RunQueue::new(Picker::new(schedule));
        self
    }

    /// The core, with a simulated network whose jitter `seed` draws. A traced runtime has
    /// the network note the timers it arms, to record them as a `sleep`'s are.
    pub(crate) fn with_network(mut self, seed: u64) -> Core {
        let network = Network::new(seed, self.time().clone());
        if self.trace().is_on() {
            network.note_alarms();
        }
        self.network = Some(network);
        self
    }

    /// Records the timers the simulated network armed and cancelled since the last call,
    /// as armed by `task` (the one just polled; `None` between polls).
    pub(crate) fn trace_network_alarms(&self, task: Option<TaskId>) {
        let Some(network) = self.network() else {
            return;
        };
        for note in network.take_alarm_notes() {
            self.trace().emit(|| match note {
                AlarmNote::Armed { timer, deadline } => Event::TimerArmed {
                    timer,
                    deadline,
                    task,
                },
                AlarmNote::Cancelled { timer } => Event::TimerCancelled { timer },
            });
        }
    }
}
