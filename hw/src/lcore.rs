//! Logical cores: listing the worker lcores EAL was given, launching one
//! closure per lcore (pinned by EAL), waiting for them, and the TSC clock.

use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::error::{strerror, HwError};
use crate::{ffi, Eal};

type Job = Box<dyn FnOnce() -> i32 + Send + 'static>;

/// The lcore ids EAL may run workers on (every enabled lcore but the main one).
pub fn worker_lcores(_eal: &Eal) -> Vec<u32> {
    let mut out = Vec::new();
    // SAFETY: EAL is running; iterating the lcore table only reads it.
    let mut id = unsafe { ffi::rte_get_next_lcore(u32::MAX, 1, 0) };
    while id < ffi::RTE_MAX_LCORE {
        out.push(id);
        // SAFETY: as above.
        id = unsafe { ffi::rte_get_next_lcore(id, 1, 0) };
    }
    out
}

/// The main lcore's id.
pub fn main_lcore(_eal: &Eal) -> u32 {
    // SAFETY: EAL is running; plain read.
    unsafe { ffi::rte_get_main_lcore() }
}

/// The calling thread's lcore id (`u32::MAX` on a non-EAL thread).
pub fn current() -> u32 {
    // SAFETY: reads a thread-local; no preconditions.
    unsafe { ffi::pal_lcore_id() }
}

/// Reads the time stamp counter.
#[inline]
pub fn tsc() -> u64 {
    // SAFETY: rdtsc has no preconditions.
    unsafe { ffi::pal_rdtsc() }
}

extern "C" fn trampoline(arg: *mut c_void) -> i32 {
    // SAFETY: arg is the Box<Job> leaked by `launch`, handed to exactly one
    // lcore, so it is taken back exactly once here.
    let job = unsafe { Box::from_raw(arg.cast::<Job>()) };
    // A panic must not unwind into C: it becomes a failed worker instead.
    catch_unwind(AssertUnwindSafe(job)).unwrap_or(-1)
}

/// Runs `job` on worker lcore `lcore` (EAL pins that thread to its core).
/// The job's return value comes back from [`wait`].
pub fn launch<F>(_eal: &Eal, lcore: u32, job: F) -> Result<(), HwError>
where
    F: FnOnce() -> i32 + Send + 'static,
{
    let boxed: Box<Job> = Box::new(Box::new(job));
    let arg = Box::into_raw(boxed).cast::<c_void>();
    // SAFETY: trampoline matches lcore_function_t; arg stays valid until the
    // trampoline reclaims it. On failure the lcore never runs it, so it is
    // reclaimed here.
    let ret = unsafe { ffi::rte_eal_remote_launch(Some(trampoline), arg, lcore) };
    if ret != 0 {
        // SAFETY: the launch failed, so ownership of arg never left us.
        drop(unsafe { Box::from_raw(arg.cast::<Job>()) });
        return Err(HwError::Lcore {
            lcore,
            reason: strerror(ret),
        });
    }
    Ok(())
}

/// Waits for the job on `lcore` and returns its value.
pub fn wait(_eal: &Eal, lcore: u32) -> i32 {
    // SAFETY: waiting on a worker lcore has no preconditions.
    unsafe { ffi::rte_eal_wait_lcore(lcore) }
}
