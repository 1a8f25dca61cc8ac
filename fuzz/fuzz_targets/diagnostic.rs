//! Fuzz target: `playbook::fuzz::diagnostic` on arbitrary bytes (see src/fuzz.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    playbook::fuzz::diagnostic(data);
});
