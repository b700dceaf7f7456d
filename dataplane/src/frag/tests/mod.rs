//! Reassembler tests: whole datagrams are cut into real fragment packets,
//! decoded, pushed back, and compared with the original.

mod basic;
mod limits;
mod prop;

use crate::decode::tests::build::{self, V4};
use crate::decode::{decode_ip, DecodeOptions, IpProtocol};
use crate::frag::{Fragment, Outcome, Reassembler};

/// One second in the reassembler's unit.
const SECOND: u64 = 1_000_000_000;

/// A UDP-over-IPv4 datagram, not fragmented, with `len` bytes of payload.
fn v4_datagram(len: usize, options: &[u8]) -> Vec<u8> {
    let payload: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
    let mut v4 = V4::new(IpProtocol::UDP);
    v4.flags_offset = 0;
    v4.options = options.to_vec();
    v4.build(&build::udp(4000, 53, &payload, &build::pseudo_v4()))
}

/// Cuts an IPv4 datagram into fragment packets of at most `chunk` payload
/// bytes (a multiple of 8); the first keeps the options, later ones do not.
fn split_v4(datagram: &[u8], chunk: usize) -> Vec<Vec<u8>> {
    let header_len = usize::from(datagram[0] & 0x0f) * 4;
    let payload = &datagram[header_len..];
    let pieces: Vec<&[u8]> = payload.chunks(chunk).collect();
    let count = pieces.len();
    pieces
        .iter()
        .enumerate()
        .map(|(i, piece)| {
            let mut v4 = V4::new(IpProtocol(datagram[9]));
            let offset = u16::try_from(i * chunk / 8).expect("offset fits");
            v4.flags_offset = offset | if i + 1 < count { 0x2000 } else { 0 };
            if i == 0 {
                v4.options = datagram[20..header_len].to_vec();
            }
            v4.build(piece)
        })
        .collect()
}

/// A UDP-over-IPv6 datagram behind one hop-by-hop header.
fn v6_datagram(len: usize) -> Vec<u8> {
    let payload: Vec<u8> = (0..len).map(|i| (i * 13 % 253) as u8).collect();
    let udp = build::udp(4000, 53, &payload, &build::pseudo_v6());
    build::ipv6(0, &[build::ext_header(17, 1), udp].concat())
}

/// Cuts a `v6_datagram` into fragment packets of `chunk` payload bytes,
/// the fragment header placed after the hop-by-hop header.
fn split_v6(datagram: &[u8], chunk: usize, ident: u32) -> Vec<Vec<u8>> {
    let fragmentable = &datagram[48..];
    let pieces: Vec<&[u8]> = fragmentable.chunks(chunk).collect();
    let count = pieces.len();
    pieces
        .iter()
        .enumerate()
        .map(|(i, piece)| {
            let offset = u16::try_from(i * chunk).expect("offset fits");
            let fragment = build::fragment_header(17, offset, i + 1 < count, ident);
            build::ipv6(
                0,
                &[build::ext_header(44, 1), fragment, piece.to_vec()].concat(),
            )
        })
        .collect()
}

/// Decodes `packet` and pushes its fragment; returns an owned outcome.
fn push(reassembler: &mut Reassembler, packet: &[u8], now: u64) -> Result<Option<Vec<u8>>, String> {
    let decoded = decode_ip(packet, &DecodeOptions::LIVE).map_err(|e| e.to_string())?;
    let fragment = Fragment::from_decoded(&decoded).ok_or("not a fragment")?;
    match reassembler.push(&fragment, now) {
        Outcome::Held => Ok(None),
        Outcome::Complete(datagram) => Ok(Some(datagram.to_vec())),
        Outcome::Dropped(reason) => Err(reason.as_str().to_owned()),
    }
}

/// Pushes every packet in order; returns the datagrams completed.
fn push_all(reassembler: &mut Reassembler, packets: &[Vec<u8>]) -> Vec<Vec<u8>> {
    packets
        .iter()
        .filter_map(|p| push(reassembler, p, 0).expect("fragment accepted"))
        .collect()
}
