use std::cell::RefCell;
use std::io::{self, Write};
use std::rc::Rc;
use std::time::Duration;

use super::{wants_colour, Detail, Timeline};
use crate::time::sleep;
use crate::trace::{Event, Hook, TaskId};
use crate::Runtime;

/// A writer whose bytes the test can read after the runtime took the timeline.
#[derive(Clone, Default)]
struct Captured(Rc<RefCell<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8(self.0.borrow().clone()).unwrap()
    }
}

/// Spawn, sleep, yield and a `JoinHandle` await, under the virtual clock.
fn small_program(colour: bool) -> String {
    let out = Captured::default();
    let rt = Runtime::builder()
        .virtual_clock(true)
        .on_event(Timeline::to_writer(out.clone(), colour).detail(Detail::Full))
        .build()
        .unwrap();
    rt.block_on(async {
        let sleeper = crate::spawn_named("sleeper", async {
            sleep(Duration::from_millis(5)).await;
            7
        });
        let yielder = crate::spawn_named("yielder", crate::yield_now());
        yielder.await.unwrap();
        sleeper.await.unwrap()
    });
    drop(rt);
    out.text()
}

#[test]
fn a_small_virtual_clock_program_prints_this_exact_timeline_and_summary() {
    let expected = r#"        time  who                   event       detail
    0.000 ms  main                  poll        #1
    0.000 ms  t1 "sleeper"          spawn       by main
    0.000 ms  t2 "yielder"          spawn       by main
    0.000 ms  main                  pending     on join t2 (runtime/src/trace/timeline/tests.rs:44)
    0.000 ms  t1 "sleeper"          poll        #1
    0.000 ms  t1 "sleeper"          pending     on sleep 5 ms (runtime/src/trace/timeline/tests.rs:41)
    0.000 ms  t2 "yielder"          poll        #1
    0.000 ms  t2 "yielder"          wake        by itself
    0.000 ms  t2 "yielder"          pending
    0.000 ms  t2 "yielder"          requeue     woken during its own poll: back of the queue
    0.000 ms  t2 "yielder"          poll        #2
    0.000 ms  t2 "yielder"          ready
    0.000 ms  t2 "yielder"          finish      completed
    0.000 ms  main                  wake        by t2 "yielder"
    0.000 ms  main                  poll        #2
    0.000 ms  main                  pending     on join t1 (runtime/src/trace/timeline/tests.rs:40)
    0.000 ms  reactor               park        non-blocking
    0.000 ms  reactor               unpark      timed out, 0 I/O events
    5.000 ms  clock                 jump        to 5.000 ms
    5.000 ms  timers                fire        timer#0
    5.000 ms  t1 "sleeper"          wake        by timer#0
    5.000 ms  t1 "sleeper"          poll        #2
    5.000 ms  t1 "sleeper"          ready
    5.000 ms  t1 "sleeper"          finish      completed
    5.000 ms  main                  wake        by t1 "sleeper"
    5.000 ms  main                  poll        #3
    5.000 ms  main                  ready

per-task summary (3 tasks):
  task          polls  wakes  by cause      busy  wake→poll avg       max  first poll→end  end
  main              3      2  task 2    0.000 ms       0.000 ms  0.000 ms        5.000 ms  completed
  t1 "sleeper"      2      1  timer 1   0.000 ms       0.000 ms  0.000 ms        5.000 ms  completed
  t2 "yielder"      2      1  task 1    0.000 ms       0.000 ms  0.000 ms        0.000 ms  completed
"#;
    assert_eq!(small_program(false), expected);
}

#[test]
fn the_timeline_is_the_same_on_every_run_under_the_virtual_clock() {
    assert_eq!(small_program(false), small_program(false));
}

#[test]
fn without_colour_there_are_no_escape_codes() {
    assert!(!small_program(false).contains('\x1b'));
}

#[test]
fn with_colour_the_columns_are_wrapped_in_escape_codes() {
    let coloured = small_program(true);
    assert!(coloured.contains("\x1b[1mmain"));
    // Stripped of its escape codes, the coloured timeline reads the same.
    assert_eq!(strip_ansi(&coloured), small_program(false));
}

#[test]
fn colour_only_on_a_terminal_and_never_with_no_color_set() {
    assert!(wants_colour(true, None, None));
    assert!(!wants_colour(false, None, None));
    assert!(!wants_colour(true, Some("1".into()), None));
    assert!(!wants_colour(false, Some("1".into()), None));
    // An empty NO_COLOR does not count as set.
    assert!(wants_colour(true, Some("".into()), None));
    // A terminal that says it cannot show colour gets none.
    assert!(!wants_colour(true, None, Some("dumb".into())));
    assert!(wants_colour(true, None, Some("xterm-256color".into())));
}

#[test]
fn clock_jumps_and_lost_wakers_get_their_own_lines() {
    let out = Captured::default();
    let timeline = Timeline::to_writer(out.clone(), false);
    let jump = Event::ClockJump {
        to: Duration::from_millis(3),
    };
    timeline.on_event(Duration::from_millis(3), &jump);
    let lost = Event::LostWaker {
        task: TaskId(2),
        poll: 1,
    };
    timeline.on_event(Duration::from_millis(3), &lost);
    let text = out.text();
    assert!(
        text.contains("    3.000 ms  clock                 jump        to 3.000 ms\n"),
        "{text}"
    );
    assert!(
        text.contains("t2                    lost-waker  Pending on poll #1"),
        "{text}"
    );
}

fn strip_ansi(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Two labelled children under the virtual clock: one sleeps and then sends on a
/// channel, the other waits for the value; the compact timeline.
fn labelled_children() -> String {
    use crate::instrument::{label, span};
    use crate::sync::oneshot;

    let out = Captured::default();
    let rt = Runtime::builder()
        .virtual_clock(true)
        .on_event(Timeline::to_writer(out.clone(), false))
        .build()
        .unwrap();
    rt.block_on(async {
        let (tx, rx) = oneshot::channel();
        let sleeper = async move {
            span("nap", sleep(Duration::from_millis(5))).await;
            tx.send("hello").unwrap();
        };
        let receiver = async move { rx.await.unwrap() };
        crate::join(label("sleeper", sleeper), label("receiver", receiver)).await
    });
    drop(rt);
    out.text()
}

#[test]
fn the_compact_timeline_follows_each_labelled_child_from_first_poll_to_end() {
    let expected = r#"        time  who                   event       detail
    0.000 ms  main                  poll        #1
    0.000 ms  main                  combine     join of 2 children
    0.000 ms  main › sleeper        poll        #1 → pending on sleep 5 ms (runtime/src/trace/timeline/tests.rs:179), in nap
    0.000 ms  main › receiver       poll        #1 → pending on channel recv (runtime/src/trace/timeline/tests.rs:177)
    0.000 ms  main                  pending
    5.000 ms  clock                 jump        to 5.000 ms
    5.000 ms  main › sleeper        wake        by timer#0, queues main
    5.000 ms  main                  poll        #2
    5.000 ms  main › receiver       wake        by main › sleeper, queues main
    5.000 ms  main › sleeper        poll        #2 → ready after 5.000 ms
    5.000 ms  main                  pending
    5.000 ms  main                  requeue     woken during its own poll: back of the queue
    5.000 ms  main                  poll        #3
    5.000 ms  main › receiver       poll        #2 → ready after 5.000 ms
    5.000 ms  main                  ready

per-task summary (1 task, 2 children):
  task             polls  wakes  by cause             busy  wake→poll avg       max  first poll→end  end
  main                 3      2  task 1, timer 1  0.000 ms       0.000 ms  0.000 ms        5.000 ms  completed
  main › sleeper       2      1  timer 1          0.000 ms              -         -        5.000 ms  completed
  main › receiver      2      1  task 1           0.000 ms              -         -        5.000 ms  completed
"#;
    assert_eq!(labelled_children(), expected);
}
