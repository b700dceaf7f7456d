//! Ethernet ports: lookup by device name, configuration (queues, symmetric
//! RSS, MTU, promiscuous mode), start/stop, statistics, and the per-queue
//! handles that move bursts.

use std::ffi::{CStr, CString};

use crate::error::{strerror, HwError};
use crate::{ffi, Burst, Eal, Mempool};

/// A DPDK port number.
pub type PortId = u16;

// RSS hash types (RTE_ETH_RSS_* in rte_ethdev.h; macros bindgen cannot see).
const RSS_IPV4: u64 = 1 << 2;
const RSS_FRAG_IPV4: u64 = 1 << 3;
const RSS_NONFRAG_IPV4_TCP: u64 = 1 << 4;
const RSS_NONFRAG_IPV4_UDP: u64 = 1 << 5;
const RSS_NONFRAG_IPV4_OTHER: u64 = 1 << 7;
const RSS_IPV6: u64 = 1 << 8;
const RSS_FRAG_IPV6: u64 = 1 << 9;
const RSS_NONFRAG_IPV6_TCP: u64 = 1 << 10;
const RSS_NONFRAG_IPV6_UDP: u64 = 1 << 11;
const RSS_NONFRAG_IPV6_OTHER: u64 = 1 << 13;
const RSS_WANTED: u64 = RSS_IPV4
    | RSS_FRAG_IPV4
    | RSS_NONFRAG_IPV4_TCP
    | RSS_NONFRAG_IPV4_UDP
    | RSS_NONFRAG_IPV4_OTHER
    | RSS_IPV6
    | RSS_FRAG_IPV6
    | RSS_NONFRAG_IPV6_TCP
    | RSS_NONFRAG_IPV6_UDP
    | RSS_NONFRAG_IPV6_OTHER;
const RX_OFFLOAD_TIMESTAMP: u64 = 1 << 14;
/// Linux's ENOTSUP, as DPDK returns it (negated).
const ENOTSUP: i32 = 95;

/// A Toeplitz key made of one repeated 16-bit word hashes (a, b) and (b, a)
/// to the same value, so both directions of a flow land on one queue.
const SYMMETRIC_KEY_WORD: [u8; 2] = [0x6d, 0x5a];

/// How to set a port up.
#[derive(Debug, Clone)]
pub struct PortConfig {
    /// Receive queues (one per worker).
    pub rx_queues: u16,
    /// Transmit queues (one per worker).
    pub tx_queues: u16,
    /// Descriptors per receive queue.
    pub rx_desc: u16,
    /// Descriptors per transmit queue.
    pub tx_desc: u16,
    /// Spread flows over rx queues with a symmetric RSS key (when the device
    /// supports RSS and there is more than one queue).
    pub rss: bool,
    /// MTU to set, if any.
    pub mtu: Option<u16>,
    /// Receive every frame, whatever its destination MAC.
    pub promiscuous: bool,
    /// Ask the device for rx timestamps (capture devices fill them from the file).
    pub rx_timestamp: bool,
}

impl Default for PortConfig {
    fn default() -> Self {
        PortConfig {
            rx_queues: 1,
            tx_queues: 1,
            rx_desc: 1024,
            tx_desc: 1024,
            rss: true,
            mtu: None,
            promiscuous: true,
            rx_timestamp: false,
        }
    }
}

/// What the device says about itself.
#[derive(Debug, Clone)]
pub struct PortInfo {
    pub driver: String,
    pub max_rx_queues: u16,
    pub max_tx_queues: u16,
    pub rss_offloads: u64,
    pub rss_key_size: u8,
    pub rx_offloads: u64,
    pub mac: [u8; 6],
}

/// Counters kept by the device (or its driver).
#[derive(Debug, Clone, Copy, Default)]
pub struct PortStats {
    pub rx_packets: u64,
    pub tx_packets: u64,
    pub rx_bytes: u64,
    pub tx_bytes: u64,
    pub rx_missed: u64,
    pub rx_errors: u64,
    pub tx_errors: u64,
    pub rx_nombuf: u64,
}

/// A probed port. Created by name; queues are handed out once each.
#[derive(Debug)]
pub struct Port {
    id: PortId,
    name: String,
    info: PortInfo,
    started: bool,
    queues_taken: bool,
    queues: u16,
    rss_active: bool,
    timestamp_offset: Option<usize>,
}

impl Port {
    /// Finds the port DPDK created for device `name` (a vdev name such as
    /// `net_pcap0` or a PCI address).
    pub fn open(_eal: &Eal, name: &str) -> Result<Port, HwError> {
        let cname = CString::new(name).map_err(|_| HwError::Nul(name.to_owned()))?;
        let mut id: u16 = 0;
        // SAFETY: EAL is running; cname is a valid C string; id is a valid out
        // pointer.
        let ret = unsafe { ffi::rte_eth_dev_get_port_by_name(cname.as_ptr(), &mut id) };
        if ret != 0 {
            return Err(HwError::NoSuchPort {
                name: name.to_owned(),
            });
        }
        let info = device_info(id, name)?;
        Ok(Port {
            id,
            name: name.to_owned(),
            info,
            started: false,
            queues_taken: false,
            queues: 0,
            rss_active: false,
            timestamp_offset: None,
        })
    }

    pub fn id(&self) -> PortId {
        self.id
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn info(&self) -> &PortInfo {
        &self.info
    }

    /// True when the port spreads flows over queues with the symmetric key.
    pub fn rss_active(&self) -> bool {
        self.rss_active
    }

    /// Offset of the rx timestamp dynamic field, when timestamps were asked
    /// for and the device provides them.
    pub fn timestamp_offset(&self) -> Option<usize> {
        self.timestamp_offset
    }

    fn fail(&self, what: &'static str, ret: i32) -> HwError {
        HwError::Port {
            port: self.id,
            name: self.name.clone(),
            what,
            reason: strerror(ret),
        }
    }

    /// Configures queues, RSS, MTU and promiscuous mode, then starts the port.
    pub fn configure_and_start(&mut self, cfg: &PortConfig, pool: &Mempool) -> Result<(), HwError> {
        self.check_queue_counts(cfg)?;
        let mut key = self.symmetric_key();
        let mut conf = ffi::rte_eth_conf::default();
        self.rss_active = cfg.rss && cfg.rx_queues > 1 && self.info.rss_offloads != 0;
        if self.rss_active {
            conf.rxmode.mq_mode = ffi::RTE_ETH_MQ_RX_RSS;
            conf.rx_adv_conf.rss_conf.rss_key = key.as_mut_ptr();
            conf.rx_adv_conf.rss_conf.rss_key_len = key.len() as u8;
            conf.rx_adv_conf.rss_conf.rss_hf = RSS_WANTED & self.info.rss_offloads;
        }
        if cfg.rx_timestamp && self.info.rx_offloads & RX_OFFLOAD_TIMESTAMP != 0 {
            conf.rxmode.offloads |= RX_OFFLOAD_TIMESTAMP;
        }
        // SAFETY: conf (and the key it points to) outlive the call, which
        // copies what it needs; the port exists and is stopped.
        let ret =
            unsafe { ffi::rte_eth_dev_configure(self.id, cfg.rx_queues, cfg.tx_queues, &conf) };
        if ret != 0 {
            return Err(self.fail("configure", ret));
        }
        self.setup_queues(cfg, pool)?;
        self.apply_mtu_and_promisc(cfg)?;
        if cfg.rx_timestamp {
            // Some drivers (pcap) fill the field without advertising the
            // offload; registering is idempotent and gives its offset.
            self.timestamp_offset = timestamp_dynfield();
        }
        // SAFETY: the port is configured with all its queues set up.
        let ret = unsafe { ffi::rte_eth_dev_start(self.id) };
        if ret != 0 {
            return Err(self.fail("start", ret));
        }
        self.started = true;
        self.queues = cfg.rx_queues.min(cfg.tx_queues);
        Ok(())
    }

    fn check_queue_counts(&self, cfg: &PortConfig) -> Result<(), HwError> {
        if cfg.rx_queues == 0 || cfg.rx_queues > self.info.max_rx_queues {
            return Err(HwError::Port {
                port: self.id,
                name: self.name.clone(),
                what: "queue setup",
                reason: format!(
                    "{} rx queues asked, the device ({}) supports {} (for af_packet add qpairs=N to the device string)",
                    cfg.rx_queues, self.info.driver, self.info.max_rx_queues
                ),
            });
        }
        if cfg.tx_queues == 0 || cfg.tx_queues > self.info.max_tx_queues {
            return Err(HwError::Port {
                port: self.id,
                name: self.name.clone(),
                what: "queue setup",
                reason: format!(
                    "{} tx queues asked, the device ({}) supports {}",
                    cfg.tx_queues, self.info.driver, self.info.max_tx_queues
                ),
            });
        }
        Ok(())
    }

    fn symmetric_key(&self) -> Vec<u8> {
        let size = if self.info.rss_key_size == 0 {
            40
        } else {
            usize::from(self.info.rss_key_size)
        };
        SYMMETRIC_KEY_WORD
            .iter()
            .copied()
            .cycle()
            .take(size)
            .collect()
    }

    fn setup_queues(&self, cfg: &PortConfig, pool: &Mempool) -> Result<(), HwError> {
        // SAFETY: plain query of an existing port.
        let socket = unsafe { ffi::rte_eth_dev_socket_id(self.id) };
        // A negative answer means "any socket" (SOCKET_ID_ANY, -1), which the
        // setup calls take as the same bits in an unsigned int.
        let socket = socket as u32;
        for q in 0..cfg.rx_queues {
            // SAFETY: the port is configured for rx_queues queues; a null
            // rxconf means the driver's defaults; the pool outlives the port.
            let ret = unsafe {
                ffi::rte_eth_rx_queue_setup(
                    self.id,
                    q,
                    cfg.rx_desc,
                    socket,
                    std::ptr::null(),
                    pool.as_ptr(),
                )
            };
            if ret != 0 {
                return Err(self.fail("rx queue setup", ret));
            }
        }
        for q in 0..cfg.tx_queues {
            // SAFETY: as above, for the tx side.
            let ret = unsafe {
                ffi::rte_eth_tx_queue_setup(self.id, q, cfg.tx_desc, socket, std::ptr::null())
            };
            if ret != 0 {
                return Err(self.fail("tx queue setup", ret));
            }
        }
        Ok(())
    }

    fn apply_mtu_and_promisc(&self, cfg: &PortConfig) -> Result<(), HwError> {
        if let Some(mtu) = cfg.mtu {
            // SAFETY: plain setter on an existing, configured port.
            let ret = unsafe { ffi::rte_eth_dev_set_mtu(self.id, mtu) };
            if ret != 0 {
                return Err(self.fail("set MTU", ret));
            }
        }
        if cfg.promiscuous {
            // SAFETY: as above. Devices without the notion (pcap files) answer
            // -ENOTSUP, which is harmless and ignored.
            let ret = unsafe { ffi::rte_eth_promiscuous_enable(self.id) };
            if ret != 0 && ret != -ENOTSUP {
                return Err(self.fail("enable promiscuous mode", ret));
            }
        }
        Ok(())
    }

    /// Hands out one (rx, tx) queue pair per configured queue, once.
    pub fn take_queues(&mut self) -> Vec<(RxQueue, TxQueue)> {
        if self.queues_taken || !self.started {
            return Vec::new();
        }
        self.queues_taken = true;
        (0..self.queues)
            .map(|q| {
                (
                    RxQueue {
                        port: self.id,
                        queue: q,
                    },
                    TxQueue {
                        port: self.id,
                        queue: q,
                    },
                )
            })
            .collect()
    }

    /// The device's counters.
    pub fn stats(&self) -> PortStats {
        let mut s = ffi::rte_eth_stats::default();
        // SAFETY: s is a valid out pointer; the port exists.
        let ret = unsafe { ffi::rte_eth_stats_get(self.id, &mut s) };
        if ret != 0 {
            return PortStats::default();
        }
        PortStats {
            rx_packets: s.ipackets,
            tx_packets: s.opackets,
            rx_bytes: s.ibytes,
            tx_bytes: s.obytes,
            rx_missed: s.imissed,
            rx_errors: s.ierrors,
            tx_errors: s.oerrors,
            rx_nombuf: s.rx_nombuf,
        }
    }

    /// Stops and closes the port. Every queue handle must be dropped first
    /// (workers joined); dropping the Port does the same.
    pub fn close(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if self.started {
            // SAFETY: the port was started by us; its workers are joined (see
            // `close`), so no burst call races with stop/close. Stop flushes
            // a pcap writer's file.
            unsafe {
                ffi::rte_eth_dev_stop(self.id);
                ffi::rte_eth_dev_close(self.id);
            }
            self.started = false;
        }
    }
}

impl Drop for Port {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn device_info(id: PortId, name: &str) -> Result<PortInfo, HwError> {
    let mut info = ffi::rte_eth_dev_info::default();
    // SAFETY: info is a valid out pointer; the port id came from DPDK.
    let ret = unsafe { ffi::rte_eth_dev_info_get(id, &mut info) };
    if ret != 0 {
        return Err(HwError::Port {
            port: id,
            name: name.to_owned(),
            what: "device info",
            reason: strerror(ret),
        });
    }
    let driver = if info.driver_name.is_null() {
        String::from("unknown")
    } else {
        // SAFETY: non-null driver_name points at the driver's static name.
        unsafe { CStr::from_ptr(info.driver_name) }
            .to_string_lossy()
            .into_owned()
    };
    let mut mac = ffi::rte_ether_addr::default();
    // SAFETY: mac is a valid out pointer; failure leaves it zeroed.
    unsafe { ffi::rte_eth_macaddr_get(id, &mut mac) };
    Ok(PortInfo {
        driver,
        max_rx_queues: info.max_rx_queues,
        max_tx_queues: info.max_tx_queues,
        rss_offloads: info.flow_type_rss_offloads,
        rss_key_size: info.hash_key_size,
        rx_offloads: info.rx_offload_capa,
        mac: mac.addr_bytes,
    })
}

fn timestamp_dynfield() -> Option<usize> {
    let mut offset: i32 = -1;
    let mut flag: u64 = 0;
    // SAFETY: both are valid out pointers; registering twice returns the
    // same offset.
    let ret = unsafe { ffi::rte_mbuf_dyn_rx_timestamp_register(&mut offset, &mut flag) };
    if ret != 0 {
        return None;
    }
    usize::try_from(offset).ok()
}

/// The receive side of one queue of one port. Exactly one exists per queue,
/// and DPDK queues are single-consumer, so it is `Send` but not `Clone`.
#[derive(Debug)]
pub struct RxQueue {
    port: PortId,
    queue: u16,
}

/// The transmit side of one queue of one port (single-producer).
#[derive(Debug)]
pub struct TxQueue {
    port: PortId,
    queue: u16,
}

impl RxQueue {
    pub fn port(&self) -> PortId {
        self.port
    }

    /// Receives into the free slots of `burst`; returns how many arrived.
    #[inline]
    pub fn recv(&mut self, burst: &mut Burst) -> usize {
        let (ptr, room) = burst.spare_raw();
        if room == 0 {
            return 0;
        }
        // SAFETY: ptr points at `room` writable slots; this handle is the
        // only user of the queue (one RxQueue per queue, &mut self).
        let n = unsafe { ffi::pal_rx_burst(self.port, self.queue, ptr, room as u16) };
        // SAFETY: DPDK wrote n (<= room) valid mbufs that we now own.
        unsafe { burst.commit_filled(usize::from(n)) };
        usize::from(n)
    }
}

impl TxQueue {
    pub fn port(&self) -> PortId {
        self.port
    }

    /// Sends as many packets of `burst` as the queue takes; the rest stay in
    /// the burst (first unsent first). Returns how many were sent.
    #[inline]
    pub fn send(&mut self, burst: &mut Burst) -> usize {
        let (ptr, len) = burst.filled_raw();
        if len == 0 {
            return 0;
        }
        // SAFETY: ptr holds len owned mbufs; DPDK takes ownership of the first
        // n returned, which the burst then forgets; this handle is the only
        // user of the queue.
        let n = usize::from(unsafe { ffi::pal_tx_burst(self.port, self.queue, ptr, len as u16) });
        burst.consume_front(n);
        n
    }
}
