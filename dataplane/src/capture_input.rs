//! Checks on capture mode's files before DPDK sees them, so that mistakes
//! get a clear message naming the file: inputs must be pcap or pcapng files
//! (a damaged one is read up to the damage, with a warning), the
//! output must be writable and must not be one of the inputs. Also reads
//! each input's link type, which DPDK's pcap driver does not report.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use anyhow::{bail, Context, Result};

use crate::pipeline::LinkType;

/// Largest packet libpcap accepts in a classic pcap file.
const MAX_CAPLEN: u32 = 262_144;

/// Refuses an input that is missing, empty, unreadable or not a capture
/// file; warns about a classic pcap that ends inside a packet.
pub fn check(path: &Path) -> Result<()> {
    let name = path.display();
    let meta = std::fs::metadata(path).with_context(|| format!("input {name}"))?;
    if !meta.is_file() {
        bail!("input {name}: not a regular file");
    }
    let mut head = [0u8; 24];
    let mut f = File::open(path).with_context(|| format!("input {name}"))?;
    let n = read_up_to(&mut f, &mut head).with_context(|| format!("input {name}"))?;
    match head.get(..4) {
        _ if n == 0 => bail!("input {name}: empty file, not a capture"),
        Some([0x0a, 0x0d, 0x0d, 0x0a]) => scan_blocks(path, f),
        Some(m) if classic_order(m).is_some() && n < 24 => {
            bail!("input {name}: pcap file header cut short ({n} of 24 bytes)")
        }
        Some(m) => match classic_order(m) {
            Some(big) => scan_records(path, f, big),
            None => bail!("input {name}: not a pcap or pcapng file (starts with {m:02x?})"),
        },
        None => bail!("input {name}: too short to be a capture ({n} bytes)"),
    }
}

/// Refuses an output that cannot be written or that is one of the inputs
/// (DPDK empties the output when it opens it).
pub fn check_output(out: &Path, inputs: &[impl AsRef<Path>]) -> Result<()> {
    if let Ok(meta) = std::fs::metadata(out) {
        for input in inputs {
            let same = std::fs::metadata(input.as_ref())
                .is_ok_and(|m| m.dev() == meta.dev() && m.ino() == meta.ino());
            if same {
                bail!(
                    "--output {}: is also an input; it would be overwritten",
                    out.display()
                );
            }
        }
    }
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(out)
        .with_context(|| format!("--output {}", out.display()))?;
    Ok(())
}

/// Byte order of a classic pcap magic: `Some(true)` big-endian.
fn classic_order(magic: &[u8]) -> Option<bool> {
    match magic {
        [0xd4, 0xc3, 0xb2, 0xa1] | [0x4d, 0x3c, 0xb2, 0xa1] => Some(false),
        [0xa1, 0xb2, 0xc3, 0xd4] | [0xa1, 0xb2, 0x3c, 0x4d] => Some(true),
        _ => None,
    }
}

fn read_up_to(f: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// Walks the record headers of a classic pcap file and warns where libpcap
/// will stop early: a packet cut short, or a length it refuses.
fn scan_records(path: &Path, f: File, big: bool) -> Result<()> {
    let len = f.metadata()?.len();
    let mut r = BufReader::new(f);
    r.seek(SeekFrom::Start(24))?;
    let (mut offset, mut packets) = (24u64, 0u64);
    let mut header = [0u8; 16];
    while offset < len {
        if offset + 16 > len || r.read_exact(&mut header).is_err() {
            return warn(path, packets, "the file ends inside a packet header");
        }
        let field: [u8; 4] = [header[8], header[9], header[10], header[11]];
        let caplen = if big {
            u32::from_be_bytes(field)
        } else {
            u32::from_le_bytes(field)
        };
        if caplen > MAX_CAPLEN {
            return warn(
                path,
                packets,
                &format!("packet {} claims {caplen} bytes", packets + 1),
            );
        }
        offset += 16 + u64::from(caplen);
        if offset > len {
            return warn(
                path,
                packets,
                "the file ends inside a packet (truncated capture)",
            );
        }
        r.seek_relative(i64::from(caplen))?;
        packets += 1;
    }
    Ok(())
}

/// The pcapng block type of a section header (the file's magic).
const SECTION_HEADER: u32 = 0x0a0d_0d0a;
/// The pcapng block type of an interface description.
const INTERFACE_DESCRIPTION: u32 = 1;
/// The pcapng byte-order magic, as written by a little-endian writer.
const BYTE_ORDER_LE: [u8; 4] = [0x4d, 0x3c, 0x2b, 0x1a];

/// Walks the blocks of a pcapng file and warns where the reader will stop
/// early: a block cut short or one whose length cannot be right.
fn scan_blocks(path: &Path, f: File) -> Result<()> {
    let len = f.metadata()?.len();
    let mut r = BufReader::new(f);
    r.seek(SeekFrom::Start(0))?;
    let (mut offset, mut packets, mut big) = (0u64, 0u64, false);
    let mut header = [0u8; 12];
    let mut links: Vec<u32> = Vec::new();
    while offset < len {
        if offset + 12 > len || r.read_exact(&mut header).is_err() {
            return warn(path, packets, "the file ends inside a block header");
        }
        let word = |at: usize, big: bool| {
            let b = [header[at], header[at + 1], header[at + 2], header[at + 3]];
            if big {
                u32::from_be_bytes(b)
            } else {
                u32::from_le_bytes(b)
            }
        };
        if word(0, false) == SECTION_HEADER {
            // Each section says its own byte order.
            big = header[8..12] != BYTE_ORDER_LE;
        }
        let (kind, block_len) = (word(0, big), word(4, big));
        if block_len < 12 || block_len % 4 != 0 {
            let why = format!("a block of type {kind:#x} has an impossible length {block_len}");
            return warn(path, packets, &why);
        }
        if kind == INTERFACE_DESCRIPTION {
            // The link type: the low 16 bits of the block's first body word.
            let link = if big {
                word(8, big) >> 16
            } else {
                word(8, big) & 0xffff
            };
            match links.first() {
                Some(first) if *first != link => bail!(
                    "input {}: its interfaces have different link types ({first} and {link}), \
                     which the capture reader cannot mix; split it by interface first \
                     (for example with tshark -r FILE -w OUT -Y frame.interface_id==N)",
                    path.display()
                ),
                Some(_) => {}
                None => links.push(link),
            }
        }
        offset += u64::from(block_len);
        if offset > len {
            return warn(
                path,
                packets,
                "the file ends inside a block (truncated capture)",
            );
        }
        // Enhanced, simple and obsolete packet blocks carry packets.
        if matches!(kind, 2 | 3 | 6) {
            packets += 1;
        }
        r.seek_relative(i64::from(block_len) - 12)?;
    }
    Ok(())
}

fn warn(path: &Path, packets: u64, why: &str) -> Result<()> {
    tracing::warn!(
        "input {}: {why}; only the {packets} packets before it are read",
        path.display()
    );
    Ok(())
}

/// The link type of a pcap file (its header) or a pcapng file (its first
/// interface description block).
pub fn link_type(path: &Path) -> Result<LinkType> {
    // A pcapng section header holds free-text options of any size; 64 KiB
    // covers it and the interface block after it in practice.
    let mut head = Vec::with_capacity(1 << 16);
    File::open(path)
        .and_then(|f| f.take(1 << 16).read_to_end(&mut head))
        .with_context(|| format!("input {}", path.display()))?;
    let u32_at = |at: usize, big: bool| -> Option<u32> {
        let b: [u8; 4] = head.get(at..at + 4)?.try_into().ok()?;
        Some(if big {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    };
    let linktype = match head.get(..4) {
        Some([0x0a, 0x0d, 0x0d, 0x0a]) => {
            let big = head.get(8..12) == Some(&[0x1a, 0x2b, 0x3c, 0x4d][..]);
            let shb_len = u32_at(4, big).unwrap_or(0) as usize;
            // The first block after the section header is the interface
            // description; its link type is the low 16 bits at offset 8.
            u32_at(shb_len + 8, big).map(|v| if big { v >> 16 } else { v & 0xffff })
        }
        Some(m) => classic_order(m).and_then(|big| u32_at(20, big)),
        None => None,
    };
    let link = linktype
        .map(LinkType::from_pcap)
        .with_context(|| format!("input {}: cannot read its link type", path.display()))?;
    if let LinkType::Other(n) = link {
        tracing::warn!(
            "input {}: link type {n} is not decoded; its frames pass uninspected",
            path.display()
        );
    }
    Ok(link)
}
