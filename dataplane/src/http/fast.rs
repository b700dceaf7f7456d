//! The fast path of header parsing: field lines that are plainly well
//! formed (`name: value` CRLF, token names, values of visible bytes, spaces,
//! tabs and obs-text, no obs-fold, then the empty line and nothing after)
//! are read in one pass with no intermediate copies.
//!
//! Input: a collected header block from [`super::head`]. Output: the
//! [`Header`] fields, or `None` for anything the tolerant reader in
//! [`super::parse`] must look at. Taken only where that reader would note no
//! anomaly and find the same fields (see `tests/fast.rs`).

use super::message::Header;

/// True for the token characters of RFC 9110 §5.6.2, by byte value.
static TCHAR: [bool; 256] = tchar_table();

const fn tchar_table() -> [bool; 256] {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric()
            || matches!(
                c,
                b'!' | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b'-'
                    | b'.'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'|'
                    | b'~'
            );
        b += 1;
    }
    table
}

/// True for a token byte.
pub(crate) fn is_tchar(b: u8) -> bool {
    TCHAR[usize::from(b)]
}

/// The field lines of `block` from `from` up to its empty line, at most
/// `max_headers` of them; `None` unless every line is a plain field ended by
/// CRLF and the empty line ends the block.
pub(crate) fn fields(block: &[u8], from: usize, max_headers: usize) -> Option<Vec<Header>> {
    let rest = block.get(from..)?;
    let mut fields = Vec::with_capacity(memchr::memchr_iter(b'\n', rest).count());
    let mut at = from;
    loop {
        let rest = block.get(at..)?;
        let end = memchr::memchr(b'\n', rest)?;
        let line = rest.get(..end)?.strip_suffix(b"\r")?;
        if line.is_empty() {
            return (at + end + 1 == block.len()).then_some(fields);
        }
        if fields.len() >= max_headers {
            return None;
        }
        fields.push(field(line)?);
        at += end + 1;
    }
}

/// One plain `name: value` line.
fn field(line: &[u8]) -> Option<Header> {
    let name_len = line.iter().position(|&b| !is_tchar(b))?;
    if name_len == 0 || line.get(name_len) != Some(&b':') {
        return None;
    }
    let value = line.get(name_len + 1..)?;
    // Written as a fold so that it checks whole words at a time.
    let clean = value.iter().fold(true, |ok, &b| ok & is_value_byte(b));
    if !clean {
        return None;
    }
    let start = value
        .iter()
        .position(|&b| !is_blank(b))
        .unwrap_or(value.len());
    let end = value
        .iter()
        .rposition(|&b| !is_blank(b))
        .map_or(start, |e| e + 1);
    Some(Header {
        name: line.get(..name_len)?.to_vec(),
        value: value.get(start..end)?.to_vec(),
    })
}

/// Bytes a field value may hold without an anomaly: HTAB, visible ASCII,
/// space and obs-text.
fn is_value_byte(b: u8) -> bool {
    b == b'\t' || (b >= b' ' && b != 0x7f)
}

fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}
