//! The little of a frame the guards read: the source address, the frame's
//! length, and for TCP the ports, sequence numbers and flags. Reading stops
//! at the first thing it does not know; such frames pass the guards on the
//! ACL and per-source limits only when their source could be read, and are
//! left to the pipeline otherwise.

/// A frame as the guards see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Peek {
    /// The source address, IPv4 mapped into IPv6.
    pub src: u128,
    pub dst: u128,
    /// Present for a TCP segment whose header is in this frame.
    pub tcp: Option<TcpBits>,
}

/// The TCP fields the SYN guard reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpBits {
    pub src_port: u16,
    pub dst_port: u16,
    pub seq: u32,
    pub flags: u8,
}

impl TcpBits {
    /// A connection request: SYN without ACK (nor RST).
    pub fn is_syn(&self) -> bool {
        self.flags & 0x16 == 0x02
    }

    pub fn is_rst(&self) -> bool {
        self.flags & 0x04 != 0
    }
}

const TCP: u8 = 6;

/// Reads an Ethernet frame (up to two VLAN tags) carrying IPv4 or IPv6.
#[inline]
pub fn peek(frame: &[u8]) -> Option<Peek> {
    let mut at = 14;
    let mut ethertype = be16(frame, 12)?;
    if ethertype == 0x8100 || ethertype == 0x88a8 {
        ethertype = be16(frame, 16)?;
        at = 18;
        if ethertype == 0x8100 {
            ethertype = be16(frame, 20)?;
            at = 22;
        }
    }
    let ip = frame.get(at..)?;
    match ethertype {
        0x0800 => ipv4(ip),
        0x86dd => ipv6(ip),
        _ => None,
    }
}

#[inline]
fn ipv4(ip: &[u8]) -> Option<Peek> {
    let head: &[u8; 20] = ip.first_chunk()?;
    let ihl = usize::from(head[0] & 0x0f) * 4;
    let src = u32::from_be_bytes([head[12], head[13], head[14], head[15]]);
    let dst = u32::from_be_bytes([head[16], head[17], head[18], head[19]]);
    // Only the first fragment (offset 0) holds the TCP header.
    let first = u16::from_be_bytes([head[6], head[7]]) & 0x1fff == 0;
    let tcp = if head[9] == TCP && first {
        ip.get(ihl..).and_then(tcp_bits)
    } else {
        None
    };
    Some(Peek {
        src: mapped(src),
        dst: mapped(dst),
        tcp,
    })
}

#[inline]
fn ipv6(ip: &[u8]) -> Option<Peek> {
    let head: &[u8; 40] = ip.first_chunk()?;
    let src = u128::from_be_bytes(head[8..24].try_into().ok()?);
    let dst = u128::from_be_bytes(head[24..40].try_into().ok()?);
    let tcp = if head[6] == TCP {
        ip.get(40..).and_then(tcp_bits)
    } else {
        None
    };
    Some(Peek { src, dst, tcp })
}

#[inline]
fn tcp_bits(tcp: &[u8]) -> Option<TcpBits> {
    let h: &[u8; 14] = tcp.first_chunk()?;
    Some(TcpBits {
        src_port: u16::from_be_bytes([h[0], h[1]]),
        dst_port: u16::from_be_bytes([h[2], h[3]]),
        seq: u32::from_be_bytes([h[4], h[5], h[6], h[7]]),
        flags: h[13],
    })
}

/// An IPv4 address as an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`).
pub fn mapped(v4: u32) -> u128 {
    0xffff_0000_0000 | u128::from(v4)
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}
