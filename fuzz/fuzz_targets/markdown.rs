//! Fuzz target: `playbook::fuzz::markdown` on arbitrary bytes (see src/fuzz.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    playbook::fuzz::markdown(data);
});
