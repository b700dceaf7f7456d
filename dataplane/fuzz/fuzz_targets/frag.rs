//! Fuzz target for the fragment reassembler. The input is a sequence of
//! records, each `flags, offset_hi, offset_lo, len` followed by up to `len`
//! data bytes. Flags: bit 0 IPv6, bit 1 more fragments, bits 2-3 the
//! datagram id, bits 4-7 nanoseconds to advance the clock. Small limits make
//! evictions, timeouts and every drop reason reachable.
#![no_main]

use std::net::{Ipv4Addr, Ipv6Addr};

use libfuzzer_sys::fuzz_target;
use palisade_dataplane::decode::{decode_ip, DecodeOptions, IpProtocol};
use palisade_dataplane::frag::{FragKey, FragLimits, Fragment, Outcome, Reassembler};

/// An IPv4 header (protocol UDP) with a valid layout.
const V4_HEADER: [u8; 20] = [
    0x45, 0, 0, 20, 0x12, 0x34, 0x20, 0, 64, 17, 0, 0, 192, 0, 2, 1, 198, 51, 100, 7,
];

/// An IPv6 header naming a fragment header.
fn v6_header() -> [u8; 40] {
    let mut header = [0u8; 40];
    header[0] = 0x60;
    header[6] = 44;
    header[7] = 64;
    header[8..24].copy_from_slice(&Ipv6Addr::LOCALHOST.octets());
    header[24..40].copy_from_slice(&Ipv6Addr::LOCALHOST.octets());
    header
}

fn key(flags: u8) -> FragKey {
    let id = (flags >> 2) & 3;
    if flags & 1 == 0 {
        FragKey::V4 {
            src: Ipv4Addr::new(192, 0, 2, 1),
            dst: Ipv4Addr::new(198, 51, 100, 7),
            id: u16::from(id),
            protocol: IpProtocol::UDP,
        }
    } else {
        FragKey::V6 {
            src: Ipv6Addr::LOCALHOST,
            dst: Ipv6Addr::LOCALHOST,
            id: u32::from(id),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let limits = FragLimits {
        max_fragments: 16,
        global_memory: 16 * 1024,
        max_datagrams: 3,
        timeout_ns: 200,
        spare_buffers: 2,
        ..FragLimits::default()
    };
    let mut reassembler = Reassembler::new(limits);
    let v6 = v6_header();
    let mut now = 0u64;
    let mut rest = data;
    while let [flags, hi, lo, len, tail @ ..] = rest {
        let take = usize::from(*len).min(tail.len());
        let (payload, next) = tail.split_at(take);
        rest = next;
        now += u64::from(flags >> 4);

        let header: &[u8] = if flags & 1 == 0 { &V4_HEADER } else { &v6 };
        let fragment = Fragment {
            key: key(*flags),
            offset: u16::from_be_bytes([*hi, *lo]),
            more: flags & 2 != 0,
            header,
            next_header_at: if flags & 1 == 0 { 9 } else { 6 },
            protocol: IpProtocol::UDP,
            data: payload,
        };
        if let Outcome::Complete(datagram) = reassembler.push(&fragment, now) {
            let _ = decode_ip(datagram, &DecodeOptions::LIVE);
        }
        assert!(reassembler.memory() <= limits.global_memory);
        assert!(reassembler.len() <= limits.max_datagrams);
    }
});
