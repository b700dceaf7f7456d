//! Fuzz target for the frame decoder: any bytes, as an Ethernet frame and
//! as a raw IP packet, with and without checksum verification. A decode
//! that succeeds must report spans inside the frame, and decoding into a
//! summary left over from another frame must give what a fresh decode gives
//! (the fast path and the general walk both overwrite all of it).
#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_dataplane::decode::{
    decode, decode_into, decode_ip, decode_ip_into, DecodeOptions, Decoded, MAX_TUNNEL_DEPTH,
};
use palisade_dataplane::frag::Fragment;

fn check(decoded: &Decoded<'_>, len: usize) {
    assert!(decoded.l3_offset <= decoded.l4_offset);
    assert!(decoded.l4_offset <= decoded.payload.start);
    assert!(decoded.payload.start <= decoded.payload.end);
    assert!(decoded.payload.range().end <= len);
    assert!(decoded.ip_packet().len() <= len);
    assert!(decoded.sack_blocks().count() <= 4);
    if let Some(tunnel) = decoded.tunnel {
        assert!((1..=MAX_TUNNEL_DEPTH).contains(&tunnel.depth));
    }
    // Fragments must also convert without panicking.
    if let Some(fragment) = Fragment::from_decoded(decoded) {
        assert!(fragment.header.len() <= decoded.ip_packet().len());
    }
}

/// A summary of another frame, to decode over.
fn stale() -> Decoded<'static> {
    const OTHER: &[u8] = &[0x45; 64];
    decode_ip(OTHER, &DecodeOptions::CAPTURE).unwrap_or_else(|_| Decoded::empty(OTHER))
}

fuzz_target!(|data: &[u8]| {
    for opts in [DecodeOptions::LIVE, DecodeOptions::CAPTURE] {
        let fresh = decode(data, &opts);
        if let Ok(decoded) = &fresh {
            check(decoded, data.len());
        }
        let mut reused = stale();
        let result = decode_into(data, &opts, &mut reused).map(|()| reused);
        assert_eq!(result, fresh);

        let fresh = decode_ip(data, &opts);
        if let Ok(decoded) = &fresh {
            check(decoded, data.len());
        }
        let mut reused = stale();
        let result = decode_ip_into(data, &opts, &mut reused).map(|()| reused);
        assert_eq!(result, fresh);
    }
});
