//! Errors of the hardware layer. They occur at start-up and configuration,
//! never per packet, so they carry text: DPDK's own error message and the
//! name of the thing that failed.

use std::ffi::CStr;

/// A failed DPDK call, with what was being done and DPDK's reason.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HwError {
    /// `rte_eal_init` refused the arguments or the environment.
    #[error("DPDK EAL init failed: {reason} (EAL arguments: {args})")]
    EalInit { args: String, reason: String },
    /// The EAL was started twice in one process.
    #[error("DPDK EAL is already running in this process")]
    EalAlreadyStarted,
    /// A device name did not match any probed port.
    #[error("device {name:?}: no such DPDK port (is the device string right, does the interface exist?)")]
    NoSuchPort { name: String },
    /// A port or queue call failed.
    #[error("port {port} ({name}): {what} failed: {reason}")]
    Port {
        port: u16,
        name: String,
        what: &'static str,
        reason: String,
    },
    /// A mempool could not be created.
    #[error("mempool {name:?} ({mbufs} mbufs of {data_room} bytes): {reason}")]
    Mempool {
        name: String,
        mbufs: u32,
        data_room: u16,
        reason: String,
    },
    /// A worker could not be launched on an lcore.
    #[error("lcore {lcore}: {reason}")]
    Lcore { lcore: u32, reason: String },
    /// A name contained a NUL byte.
    #[error("{0:?}: names passed to DPDK cannot contain NUL bytes")]
    Nul(String),
}

/// DPDK's text for an errno value (negative values are accepted too).
pub(crate) fn strerror(errnum: i32) -> String {
    // SAFETY: rte_strerror accepts any int and returns a pointer to a static
    // or thread-local NUL-terminated string, valid until the next call on this
    // thread; it is copied out at once.
    let text = unsafe { CStr::from_ptr(crate::ffi::rte_strerror(errnum.abs())) };
    text.to_string_lossy().into_owned()
}

/// The current thread's `rte_errno`.
pub(crate) fn last_errno() -> i32 {
    // SAFETY: reads a thread-local int; no preconditions.
    unsafe { crate::ffi::pal_errno() }
}
