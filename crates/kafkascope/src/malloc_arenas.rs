//! Caps glibc's malloc arenas before any thread starts.
//!
//! glibc gives threads that allocate at the same time arenas of their own
//! (up to eight per core), and memory freed in one arena is not reused by
//! another. A cycle's large, short-lived answers are decoded on whichever
//! runtime thread polls them, so with the default the resident set of the
//! 10,000-partition benchmark wandered between 45 and 78 MB from run to run
//! (two arenas were no better). One arena costs nothing we can measure: the
//! process has few threads and spends its time waiting on the network.
//!
//! Large blocks (decoded answers, frames) are served by mmap above a fixed
//! threshold; glibc would otherwise raise the threshold after the first big
//! free and keep later big blocks in the heap, where they fragment.
//! Nothing to do on other libcs.

#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)] // glibc's malloc tunables are only reachable through FFI
pub fn limit() {
    const ARENAS: libc::c_int = 1;
    const MMAP_THRESHOLD_BYTES: libc::c_int = 256 * 1024;
    // SAFETY: mallopt only sets malloc tunables; it is called before the
    // runtime starts any thread.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, ARENAS);
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn limit() {}

/// Returns freed heap pages to the system after a large transient burst.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)] // malloc_trim is only reachable through FFI
pub fn release_free_memory() {
    // SAFETY: malloc_trim only walks malloc's own free lists.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn release_free_memory() {}
