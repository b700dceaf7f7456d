//! [`FlowRecord`]: what is reported about a flow when it ends, shaped after
//! Suricata's EVE `flow` event (initiator as `src_*`, per-direction packet
//! and byte counts, start and end, end reason, TCP flags and state).

use std::net::IpAddr;

use serde::Serialize;

use super::{Endpoints, FlowState};
use crate::flow::Removed;

/// Why a flow was reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FlowEnd {
    /// Idle past its timeout.
    Timeout,
    /// Evicted from a full table.
    Evicted,
    /// End of the capture or shutdown.
    Shutdown,
}

/// A finished flow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlowRecord {
    pub flow_id: u64,
    pub src_ip: IpAddr,
    pub src_port: u16,
    pub dest_ip: IpAddr,
    pub dest_port: u16,
    /// IP protocol number.
    pub proto: u8,
    pub pkts_toserver: u64,
    pub pkts_toclient: u64,
    pub bytes_toserver: u64,
    pub bytes_toclient: u64,
    /// First and last packet, nanoseconds since the epoch (captures) or
    /// since start (live).
    pub start_ns: u64,
    pub end_ns: u64,
    pub reason: FlowEnd,
    /// TCP: flags seen to the server and to the client (OR-ed), final state.
    pub tcp_flags_ts: Option<u8>,
    pub tcp_flags_tc: Option<u8>,
    pub tcp_state: Option<String>,
    /// The JA4 of the connection's ClientHello, set by inspection.
    #[serde(skip)]
    pub ja4: Option<std::sync::Arc<str>>,
}

impl FlowRecord {
    pub(super) fn new(r: &Removed<FlowState>, reason: FlowEnd) -> Self {
        let ends = Endpoints::of(&r.key, r.data.initiator_low);
        let is_tcp = r.key.proto() == 6;
        FlowRecord {
            flow_id: r.id.0,
            src_ip: ends.client.ip(),
            src_port: ends.client.port(),
            dest_ip: ends.server.ip(),
            dest_port: ends.server.port(),
            proto: r.key.proto(),
            pkts_toserver: r.data.packets[0],
            pkts_toclient: r.data.packets[1],
            bytes_toserver: r.data.bytes[0],
            bytes_toclient: r.data.bytes[1],
            start_ns: r.first_seen,
            end_ns: r.last_seen,
            reason,
            tcp_flags_ts: is_tcp.then_some(r.data.flags[0]),
            tcp_flags_tc: is_tcp.then_some(r.data.flags[1]),
            tcp_state: is_tcp.then(|| format!("{:?}", r.data.tcp.state()).to_lowercase()),
            ja4: None,
        }
    }
}
