//! A minimal reader of classic pcap files (both byte orders, micro- and
//! nanosecond variants), enough to compare what went in and came out.

use std::path::Path;

/// One captured frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub ts_sec: u32,
    pub ts_frac: u32,
    pub orig_len: u32,
    pub data: Vec<u8>,
}

/// A whole capture file.
#[derive(Debug, Clone)]
pub struct Capture {
    pub linktype: u32,
    pub frames: Vec<Frame>,
}

/// Reads a classic pcap file; panics with the reason on anything else.
pub fn read(path: &Path) -> Capture {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    parse(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Parses classic pcap bytes.
pub fn parse(bytes: &[u8]) -> Result<Capture, String> {
    let magic = bytes.get(..4).ok_or("file shorter than a pcap header")?;
    let big = match magic {
        [0xd4, 0xc3, 0xb2, 0xa1] | [0x4d, 0x3c, 0xb2, 0xa1] => false,
        [0xa1, 0xb2, 0xc3, 0xd4] | [0xa1, 0xb2, 0x3c, 0x4d] => true,
        _ => return Err(format!("not a classic pcap file (magic {magic:02x?})")),
    };
    let u32_at = |off: usize| -> Result<u32, String> {
        let b: [u8; 4] = bytes
            .get(off..off + 4)
            .and_then(|s| s.try_into().ok())
            .ok_or_else(|| format!("truncated at byte {off}"))?;
        Ok(if big {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    };
    let linktype = u32_at(20)?;
    let mut frames = Vec::new();
    let mut off = 24;
    while off < bytes.len() {
        let caplen = u32_at(off + 8)? as usize;
        let data = bytes
            .get(off + 16..off + 16 + caplen)
            .ok_or_else(|| format!("frame at byte {off} truncated"))?
            .to_vec();
        frames.push(Frame {
            ts_sec: u32_at(off)?,
            ts_frac: u32_at(off + 4)?,
            orig_len: u32_at(off + 12)?,
            data,
        });
        off += 16 + caplen;
    }
    Ok(Capture { linktype, frames })
}
