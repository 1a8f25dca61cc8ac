//! Memory: when freed memory goes back to the system. The binary allocates with mimalloc
//! (`main.rs`), which keeps what is freed for a while before returning it: right for a
//! rebuild from the build cache, which frees and allocates again at once (every page it
//! returned it would fault in again), but a build that renders every page frees and allocates
//! hundreds of megabytes in turn, and would peak some 30 MiB higher than with memory returned
//! as soon as it is freed. Such a build asks for that.

use libmimalloc_sys::{mi_option_set, mi_option_t};

/// `mi_option_purge_delay` in mimalloc's `mimalloc.h` (the Rust bindings do not name it): how
/// many milliseconds freed memory is kept before it is returned.
const PURGE_DELAY: mi_option_t = 15;

/// Sets how the rest of the process returns freed memory, once the build cache told how many
/// pages it can `reuse`: at once when it can reuse none.
pub(super) fn for_build(reuse: usize) {
    if reuse == 0 {
        return_freed_memory_at_once();
    }
}

/// From now on, for the rest of the process, freed memory goes back to the system at once.
/// Nothing changes when mimalloc is not the allocator (the unit tests).
fn return_freed_memory_at_once() {
    // SAFETY: sets one of mimalloc's options; it reads them atomically.
    unsafe { mi_option_set(PURGE_DELAY, 0) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::{c_char, c_void, CStr};

    unsafe extern "C" {
        /// Prints every option as `option '<name>': <value>` (not in the Rust bindings).
        fn mi_options_print_out(out: libmimalloc_sys::mi_output_fun, arg: *mut c_void);
    }

    unsafe extern "C" fn collect(msg: *const c_char, arg: *mut c_void) {
        // SAFETY: `arg` is the `String` below; mimalloc passes a NUL-terminated message.
        let text = unsafe { &mut *arg.cast::<String>() };
        text.push_str(&unsafe { CStr::from_ptr(msg) }.to_string_lossy());
    }

    #[test]
    fn the_option_set_is_the_purge_delay() {
        // A value no option has by default, printed under the option's own name.
        unsafe { mi_option_set(PURGE_DELAY, 4321) };
        let mut printed = String::new();
        unsafe { mi_options_print_out(Some(collect), (&raw mut printed).cast()) };
        assert!(
            printed.contains("option 'purge_delay': 4321"),
            "mimalloc's options:\n{printed}"
        );
        return_freed_memory_at_once();
        printed.clear();
        unsafe { mi_options_print_out(Some(collect), (&raw mut printed).cast()) };
        assert!(printed.contains("option 'purge_delay': 0"), "{printed}");
    }
}
