//! `html-entity-decode`: character references decoded as an HTML5 parser
//! decodes them in text, for attacks hidden behind `&lt;`, `&#x3C;` or
//! `jav&Tab;ascript&colon;`.
//!
//! - Numeric references `&#NNN;` and `&#xHH;` (the `;` is optional): `0`,
//!   surrogates and values above U+10FFFF become U+FFFD, and 0x80 to 0x9F
//!   map through windows-1252 as HTML5 §13.2.5.80 says.
//! - Named references need their `;`, except the legacy names HTML5 also
//!   accepts without one (`&amp`, `&lt`, `&gt`, `&quot`, `&nbsp`, `&copy`,
//!   `&reg`, and their upper-case forms). The table below holds the names
//!   that matter for inspection (ASCII punctuation, spaces, quotes, Latin-1
//!   signs), not all 2,231 of HTML5; any other reference stays as written.
//!
//! Output is UTF-8 for decoded references and the input bytes otherwise; it
//! is never longer than the input.

/// Longest entity name looked up.
const MAX_NAME: usize = 32;

/// Named references: name, code point.
#[rustfmt::skip]
const NAMED: &[(&str, u32)] = &[
    ("Tab", 0x09), ("NewLine", 0x0A), ("excl", 0x21), ("quot", 0x22), ("QUOT", 0x22),
    ("num", 0x23), ("dollar", 0x24), ("percnt", 0x25), ("amp", 0x26), ("AMP", 0x26),
    ("apos", 0x27), ("lpar", 0x28), ("rpar", 0x29), ("ast", 0x2A), ("midast", 0x2A),
    ("plus", 0x2B), ("comma", 0x2C), ("period", 0x2E), ("sol", 0x2F), ("colon", 0x3A),
    ("semi", 0x3B), ("lt", 0x3C), ("LT", 0x3C), ("equals", 0x3D), ("gt", 0x3E),
    ("GT", 0x3E), ("quest", 0x3F), ("commat", 0x40), ("lsqb", 0x5B), ("lbrack", 0x5B),
    ("bsol", 0x5C), ("rsqb", 0x5D), ("rbrack", 0x5D), ("Hat", 0x5E), ("lowbar", 0x5F),
    ("grave", 0x60), ("lcub", 0x7B), ("lbrace", 0x7B), ("verbar", 0x7C), ("vert", 0x7C),
    ("VerticalLine", 0x7C), ("rcub", 0x7D), ("rbrace", 0x7D), ("nbsp", 0xA0),
    ("iexcl", 0xA1), ("cent", 0xA2), ("pound", 0xA3), ("curren", 0xA4), ("yen", 0xA5),
    ("brvbar", 0xA6), ("sect", 0xA7), ("uml", 0xA8), ("copy", 0xA9), ("COPY", 0xA9),
    ("ordf", 0xAA), ("laquo", 0xAB), ("not", 0xAC), ("shy", 0xAD), ("reg", 0xAE),
    ("REG", 0xAE), ("macr", 0xAF), ("deg", 0xB0), ("plusmn", 0xB1), ("sup2", 0xB2),
    ("sup3", 0xB3), ("acute", 0xB4), ("micro", 0xB5), ("para", 0xB6), ("middot", 0xB7),
    ("cedil", 0xB8), ("sup1", 0xB9), ("ordm", 0xBA), ("raquo", 0xBB), ("frac14", 0xBC),
    ("frac12", 0xBD), ("frac34", 0xBE), ("iquest", 0xBF), ("times", 0xD7),
    ("divide", 0xF7), ("ensp", 0x2002), ("emsp", 0x2003), ("thinsp", 0x2009),
    ("zwnj", 0x200C), ("zwj", 0x200D), ("lrm", 0x200E), ("rlm", 0x200F),
    ("hyphen", 0x2010), ("dash", 0x2010), ("ndash", 0x2013), ("mdash", 0x2014),
    ("lsquo", 0x2018), ("rsquo", 0x2019), ("sbquo", 0x201A), ("ldquo", 0x201C),
    ("rdquo", 0x201D), ("bdquo", 0x201E), ("bull", 0x2022), ("hellip", 0x2026),
    ("lsaquo", 0x2039), ("rsaquo", 0x203A), ("euro", 0x20AC), ("trade", 0x2122),
    ("larr", 0x2190), ("uarr", 0x2191), ("rarr", 0x2192), ("darr", 0x2193),
    ("minus", 0x2212), ("lowast", 0x2217),
];

/// Names HTML5 also recognizes without a `;`.
const LEGACY: &[&str] = &[
    "amp", "AMP", "lt", "LT", "gt", "GT", "quot", "QUOT", "nbsp", "copy", "COPY", "reg", "REG",
];

/// Code points for numeric references 0x80 to 0x9F (HTML5 §13.2.5.80); 0
/// means the value is kept as it is.
#[rustfmt::skip]
const WINDOWS_1252: [u32; 32] = [
    0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039,
    0x0152, 0, 0x017D, 0, 0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC,
    0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
];

/// Decodes every character reference of `input`.
pub(crate) fn decode(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while let Some(&b) = input.get(i) {
        let rest = input.get(i + 1..).unwrap_or_default();
        match (b, reference(rest)) {
            (b'&', Some((ch, used))) => {
                push_char(&mut out, ch);
                i += 1 + used;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

/// The character a reference decodes to and the bytes it used after `&`.
fn reference(rest: &[u8]) -> Option<(char, usize)> {
    match rest {
        [b'#', b'x' | b'X', ..] => numeric(rest.get(2..)?, 16).map(|(c, n)| (c, n + 2)),
        [b'#', ..] => numeric(rest.get(1..)?, 10).map(|(c, n)| (c, n + 1)),
        _ => named(rest),
    }
}

/// A numeric reference's digits in `radix`, an optional `;` after them.
fn numeric(digits: &[u8], radix: u32) -> Option<(char, usize)> {
    let count = digits
        .iter()
        .take_while(|b| char::from(**b).is_digit(radix))
        .count();
    if count == 0 {
        return None;
    }
    let value = digits.iter().take(count).fold(0u32, |acc, b| {
        let digit = char::from(*b).to_digit(radix).unwrap_or(0);
        acc.saturating_mul(radix)
            .saturating_add(digit)
            .min(0x11_0000)
    });
    let semicolon = usize::from(digits.get(count) == Some(&b';'));
    Some((code_point(value), count + semicolon))
}

/// HTML5's replacement of a numeric reference's value.
fn code_point(value: u32) -> char {
    let mapped = match value {
        0x80..=0x9F => {
            let index = usize::try_from(value - 0x80).unwrap_or(0);
            match WINDOWS_1252.get(index) {
                Some(&0) | None => value,
                Some(&cp) => cp,
            }
        }
        0 => 0xFFFD,
        _ => value,
    };
    char::from_u32(mapped).unwrap_or(char::REPLACEMENT_CHARACTER)
}

/// A named reference: the whole name with `;`, or a legacy name without.
fn named(rest: &[u8]) -> Option<(char, usize)> {
    let len = rest
        .iter()
        .take(MAX_NAME + 1)
        .take_while(|b| b.is_ascii_alphanumeric())
        .count();
    let name = rest.get(..len)?;
    if rest.get(len) == Some(&b';') {
        if let Some(ch) = lookup(name) {
            return Some((ch, len + 1));
        }
    }
    let legacy = LEGACY
        .iter()
        .filter(|l| name.starts_with(l.as_bytes()))
        .max_by_key(|l| l.len())?;
    lookup(legacy.as_bytes()).map(|ch| (ch, legacy.len()))
}

fn lookup(name: &[u8]) -> Option<char> {
    NAMED
        .iter()
        .find(|(n, _)| n.as_bytes() == name)
        .and_then(|(_, cp)| char::from_u32(*cp))
}

fn push_char(out: &mut Vec<u8>, ch: char) {
    let mut buf = [0u8; 4];
    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
}
