//! The step-by-step HTML replay of the seed's gather: one self-contained page, small, whose
//! data rebuilds the runtime's state the way `runtime::trace::Stepper` does.
//!
//! Set `TINYLOOP_HTML_OUT=DIR` to also write `DIR/gather.html` and `DIR/gather.expect.json`
//! (the Stepper's state at sampled steps), which `scripts/html-trace-test --expect` checks
//! the page's panels against in headless Chromium.

use std::cell::RefCell;

use runtime::trace::{HtmlTrace, Recorder, Stepper};
use tinyloop::cli::Args;
use tinyloop::heroes::{people, Options, Setup};

/// The seed's gather of ten heroes from the in-process replica (TLS on loopback, its own
/// thread), traced twice: the page and the events.
fn traced_gather() -> (String, Vec<runtime::trace::Event>) {
    let (html, recorder) = (HtmlTrace::new(), Recorder::all());
    let args = Args::new(Vec::<String>::new());
    let options = Options::parse(args, people().len()).unwrap().unwrap();
    let setup = Setup::open(&options, people()).unwrap();
    let rt = runtime::Runtime::builder()
        .trace_from_env(false)
        .on_event(html.clone())
        .on_event(recorder.clone())
        .build()
        .unwrap();
    rt.block_on(async {
        let fetches = setup.ids().map(|id| {
            let setup = &setup;
            runtime::instrument::label(format!("hero {id}"), async move {
                let response = setup.client.get(&format!("{}{id}", setup.url)).await;
                response.unwrap().error_for_status().unwrap().text().len()
            })
        });
        let sizes = runtime::gather(fetches.collect::<Vec<_>>()).await;
        assert!(sizes.iter().all(|&n| n > 0));
    });
    drop(rt);
    (html.html("gather"), recorder.events())
}

#[test]
fn the_gather_page_is_small_loads_nothing_and_holds_every_event() {
    let (page, events) = traced_gather();
    assert!(page.len() < 300_000, "{} bytes", page.len());
    // Nothing from the network: no remote src or href, no CSS url(), no import or fetch.
    for needle in [
        "src=\"http",
        "href=\"http",
        "url(http",
        "url('http",
        "url(\"http",
    ] {
        assert!(!page.contains(needle), "{needle}");
    }
    for needle in ["import(", "fetch(", "XMLHttpRequest", "<link "] {
        assert!(!page.contains(needle), "{needle}");
    }
    // One data block, whose events are the runtime's, one array each.
    assert_eq!(page.matches("id=\"tinyloop-trace\"").count(), 1);
    let data_start = page.find("\"events\":[").expect("the data") + "\"events\":[".len();
    let rows = page[data_start..].matches("],[").count() + 1;
    assert!(
        rows >= events.len(),
        "{rows} rows for {} events",
        events.len()
    );
    // The drivers' bookkeeping is there: timers armed by the heroes, sockets waited on.
    assert!(page.contains("[\"ta\","), "timers armed");
    assert!(page.contains("[\"ir\","), "interests");
}

#[test]
fn the_stepper_rebuilds_queue_interests_and_timers_from_the_gathers_events() {
    let (page, events) = traced_gather();
    let mut stepper = Stepper::new();
    let (mut most_queued, mut most_timers, mut children_waiting) = (0, 0, false);
    let expected = RefCell::new(Vec::new());
    let every = (events.len() / 60).max(1);
    for (k, event) in events.iter().enumerate() {
        stepper.apply(event);
        most_queued = most_queued.max(stepper.run_queue().len());
        most_timers = most_timers.max(stepper.timers().len());
        children_waiting |= stepper.interests().iter().any(|i| i.child.is_some());
        if k % every == 0 || k + 1 == events.len() {
            expected
                .borrow_mut()
                .push(format!("\"{k}\":{}", stepper.to_json()));
        }
    }
    // Ten heroes each arm a request timeout and wait on their socket from their own child.
    assert!(most_timers >= 10, "{most_timers}");
    assert!(children_waiting);
    // One task (main) runs the whole gather: the queue holds it or nothing.
    assert_eq!(most_queued, 1);
    // At the end nothing waits: every hero arrived, the sockets are closed or idle.
    assert!(stepper.run_queue().is_empty(), "{:?}", stepper.run_queue());
    if let Ok(dir) = std::env::var("TINYLOOP_HTML_OUT") {
        let dir = std::path::Path::new(&dir);
        std::fs::write(dir.join("gather.html"), &page).unwrap();
        let states = expected.borrow().join(",");
        let expect = format!("{{\"steps\":{},\"states\":{{{states}}}}}", events.len());
        std::fs::write(dir.join("gather.expect.json"), expect).unwrap();
    }
}
