use std::panic::catch_unwind;

#[test]
fn spawn_outside_a_runtime_panics_saying_what_to_do() {
    let panic = catch_unwind(|| crate::spawn(async {})).unwrap_err();
    let message = panic.downcast_ref::<String>().unwrap();
    assert!(message.contains("outside a tinyloop runtime"), "{message}");
    assert!(message.contains("Runtime::spawn"), "{message}");
}

#[test]
fn nested_block_on_panics_with_a_clear_message() {
    let rt = crate::Runtime::new().unwrap();
    let panic = catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt.block_on(async { crate::block_on(async {}) })
    }))
    .unwrap_err();
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap();
    assert!(message.contains("nested block_on"), "{message}");
    // The runtime is still usable afterwards.
    assert_eq!(rt.block_on(async { 1 }), 1);
}
