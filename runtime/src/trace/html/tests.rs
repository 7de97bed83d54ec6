use super::HtmlTrace;

#[test]
fn a_name_that_looks_like_markup_stays_inside_the_data() {
    let trace = HtmlTrace::new();
    let rt = crate::Runtime::builder()
        .virtual_clock(true)
        .on_event(trace.clone())
        .build()
        .unwrap();
    rt.block_on(async {
        crate::spawn_named("<!--<script>\"x\"\n</script>é", async {})
            .await
            .unwrap();
    });
    let page = trace.html("</script><script>alert(1)</script>");
    assert!(
        !page.contains("/*TINYLOOP_TRACE_DATA*/"),
        "the slot was filled"
    );
    let data = page
        .split("id=\"tinyloop-trace\" type=\"application/json\">")
        .nth(1)
        .and_then(|rest| rest.split("</script>").next())
        .expect("the data block");
    assert!(!data.contains('<'), "{data}");
    assert!(
        data.contains("\\u003c!--\\u003cscript>\\\"x\\\"\\n\\u003c/script>é"),
        "{data}"
    );
    assert_eq!(
        page.matches("<script").count(),
        2,
        "the data block and the page's script"
    );
}
