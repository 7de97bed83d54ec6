use std::cell::RefCell;
use std::io::{self, Write};
use std::rc::Rc;
use std::time::Duration;

use super::{wants_colour, Timeline};
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
        .on_event(Timeline::to_writer(out.clone(), colour))
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
    let expected = r#"       time  task            event       cause / detail
        0µs  main            poll        #1
        0µs  t1 "sleeper"    spawn       by main
        0µs  t2 "yielder"    spawn       by main
        0µs  main            pending
        0µs  t1 "sleeper"    poll        #1
        0µs  t1 "sleeper"    pending
        0µs  t2 "yielder"    poll        #1
        0µs  t2 "yielder"    wake        by itself
        0µs  t2 "yielder"    pending
        0µs  t2 "yielder"    requeue     woken during its own poll: back of the queue
        0µs  t2 "yielder"    poll        #2
        0µs  t2 "yielder"    ready
        0µs  t2 "yielder"    finish      completed
        0µs  main            wake        by t2 "yielder"
        0µs  main            poll        #2
        0µs  main            pending
        0µs  reactor         park        non-blocking
        0µs  reactor         unpark      timed out, 0 I/O events
     5000µs  clock           jump        to 5ms
     5000µs  timers          fire        timer#0
     5000µs  t1 "sleeper"    wake        by timer#0
     5000µs  t1 "sleeper"    poll        #2
     5000µs  t1 "sleeper"    ready
     5000µs  t1 "sleeper"    finish      completed
     5000µs  main            wake        by t1 "sleeper"
     5000µs  main            poll        #3
     5000µs  main            ready

per-task summary (3 tasks):
  task          polls  wakes  by cause  busy  wake→poll avg  max  end
  main              3      2  task 2     0µs            0µs  0µs  completed
  t1 "sleeper"      2      1  timer 1    0µs            0µs  0µs  completed
  t2 "yielder"      2      1  task 1     0µs            0µs  0µs  completed
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
    assert!(wants_colour(true, None));
    assert!(!wants_colour(false, None));
    assert!(!wants_colour(true, Some("1".into())));
    assert!(!wants_colour(false, Some("1".into())));
    // An empty NO_COLOR does not count as set.
    assert!(wants_colour(true, Some("".into())));
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
        text.contains("     3000µs  clock           jump        to 3ms\n"),
        "{text}"
    );
    assert!(
        text.contains("t2              lost-waker  Pending on poll #1"),
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
