//! Fuzz target for the frame decoder: any bytes, as an Ethernet frame and
//! as a raw IP packet, with and without checksum verification. A decode
//! that succeeds must report spans inside the frame.
#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_dataplane::decode::{decode, decode_ip, DecodeOptions, Decoded};
use palisade_dataplane::frag::Fragment;

fn check(decoded: &Decoded<'_>, len: usize) {
    assert!(decoded.l3_offset <= decoded.l4_offset);
    assert!(decoded.l4_offset <= decoded.payload.start);
    assert!(decoded.payload.start <= decoded.payload.end);
    assert!(decoded.payload.end <= len);
    // Fragments must also convert without panicking.
    if let Some(fragment) = Fragment::from_decoded(decoded) {
        assert!(fragment.header.len() <= decoded.ip_packet().len());
    }
}

fuzz_target!(|data: &[u8]| {
    for opts in [DecodeOptions::LIVE, DecodeOptions::CAPTURE] {
        if let Ok(decoded) = decode(data, &opts) {
            check(&decoded, data.len());
        }
        if let Ok(decoded) = decode_ip(data, &opts) {
            check(&decoded, data.len());
        }
    }
});
