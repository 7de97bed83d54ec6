//! Helpers shared by the unit tests of every module.

use crate::trace::Recorder;
use crate::Runtime;

/// A runtime under the virtual clock with a recorder attached: the setting of every
/// scheduler test that asserts the recorded trace.
pub(crate) fn traced() -> (Runtime, Recorder) {
    let recorder = Recorder::new();
    let rt = Runtime::builder()
        .virtual_clock(true)
        .on_event(recorder.clone())
        .build()
        .expect("runtime");
    (rt, recorder)
}
