//! Process-wide start and stop of DPDK's Environment Abstraction Layer.

use std::ffi::{c_char, CString};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::{last_errno, strerror, HwError};
use crate::ffi;

static STARTED: AtomicBool = AtomicBool::new(false);

/// A running EAL. At most one exists per process; dropping it calls
/// `rte_eal_cleanup`, after which DPDK cannot be started again in this process.
#[derive(Debug)]
pub struct Eal {
    _private: (),
}

impl Eal {
    /// Starts the EAL with `args` (the first is the program name, as in argv).
    /// The error carries DPDK's reason; EAL also logs details to stderr.
    pub fn init(args: &[String]) -> Result<Eal, HwError> {
        if STARTED.swap(true, Ordering::SeqCst) {
            return Err(HwError::EalAlreadyStarted);
        }
        let owned = args
            .iter()
            .map(|a| CString::new(a.as_str()).map_err(|_| HwError::Nul(a.clone())))
            .collect::<Result<Vec<_>, _>>()?;
        // rte_eal_init may permute argv; it gets its own array of pointers.
        let mut argv: Vec<*mut c_char> = owned.iter().map(|a| a.as_ptr().cast_mut()).collect();
        let argc = i32::try_from(argv.len()).unwrap_or(i32::MAX);
        // SAFETY: argv holds argc valid NUL-terminated strings that outlive the
        // call (`owned`); EAL may reorder the pointer array but does not write
        // through the pointers. STARTED guarantees a single call per process.
        let ret = unsafe { ffi::rte_eal_init(argc, argv.as_mut_ptr()) };
        if ret < 0 {
            return Err(HwError::EalInit {
                args: args.join(" "),
                reason: strerror(last_errno()),
            });
        }
        Ok(Eal { _private: () })
    }

    /// Number of ports DPDK probed.
    pub fn port_count(&self) -> u16 {
        // SAFETY: EAL is initialised (self exists); the call only reads.
        unsafe { ffi::rte_eth_dev_count_avail() }
    }

    /// The TSC frequency in Hz, as calibrated by EAL.
    pub fn tsc_hz(&self) -> u64 {
        // SAFETY: EAL is initialised; the call only reads a calibrated value.
        unsafe { ffi::rte_get_tsc_hz() }
    }
}

impl Drop for Eal {
    fn drop(&mut self) {
        // SAFETY: the EAL was initialised by this value and every worker was
        // joined by its owner before the Eal is dropped (lcore::wait_all is
        // called by the dataplane's run loop); cleanup runs once.
        unsafe {
            ffi::rte_eal_cleanup();
        }
    }
}
