//! Configuration errors worded as the checks after reading word theirs,
//! each ending with "at line L column C", as every configuration error
//! does:
//!
//! - a number its key's integer type cannot hold (which serde_yaml reports
//!   as `expected u32`) names the key, the value as written and the range;
//! - a key written twice, at any depth, is placed at its second occurrence
//!   and names the first;
//! - flow collections nested past [`MAX_DEPTH`] are refused at the bracket;
//! - a second YAML document is placed at its `---`, and a tab that indents
//!   is named as such (serde_yaml says "found character that cannot start
//!   any token").

use anyhow::{anyhow, Error};

use crate::config::{is_key_path, Config};

/// The first key written twice in one mapping of `text`, or `None`. Text
/// the rule crate's YAML reader does not take (anchors, several
/// documents) is left to serde_yaml, which refuses duplicates too.
pub(crate) fn duplicate_key(text: &str) -> Option<Error> {
    let found = palisade_rules::duplicate_key(text)?;
    let within = match found.path.is_empty() {
        true => String::new(),
        false => format!("{}: ", found.path),
    };
    let (first_line, first_column) = found.first;
    let (line, column) = found.second;
    Some(anyhow!(
        "{within}duplicate key `{}` (first at line {first_line} column {first_column}) \
         at line {line} column {column}",
        palisade_rules::excerpt(&found.key)
    ))
}

/// The deepest nesting of flow collections (`[`, `{`) a configuration may
/// have; real ones stay under five, and serde_yaml takes time that grows
/// with the square of the depth.
const MAX_DEPTH: usize = 64;

/// A refusal of `text` when its flow collections nest deeper than
/// [`MAX_DEPTH`], at the bracket that goes past it. Quoted scalars inside
/// flow collections and comments are skipped; nesting by indentation is not
/// counted (a deep one takes a file whose size grows with the square of
/// the depth, which reading bounds).
pub(crate) fn too_deep(text: &str) -> Option<Error> {
    let (mut depth, mut line, mut column) = (0usize, 1usize, 0usize);
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut comment = false;
    let mut previous = '\n';
    for c in text.chars() {
        column += 1;
        if c == '\n' {
            (line, column, comment) = (line + 1, 0, false);
        }
        match (quote, comment) {
            (_, true) => {}
            (Some('"'), _) if escaped => escaped = false,
            (Some('"'), _) if c == '\\' => escaped = true,
            (Some(q), _) if c == q => quote = None,
            (Some(_), _) => {}
            (None, _) => match c {
                '#' if previous.is_whitespace() => comment = true,
                '\'' | '"' if depth > 0 => quote = Some(c),
                '[' | '{' => {
                    depth += 1;
                    if depth > MAX_DEPTH {
                        return Some(anyhow!(
                            "collections nested deeper than {MAX_DEPTH} levels \
                             at line {line} column {column}"
                        ));
                    }
                }
                ']' | '}' => depth = depth.saturating_sub(1),
                _ => {}
            },
        }
        previous = c;
    }
    None
}

/// serde_yaml's refusal of a number outside its key's integer type,
/// reworded: `pool.mbufs: -1 is out of range (1024 to 16777216) at line 6
/// column 10`. The range is the one the key's own check enforces when it
/// has one, else the type's. `None` for every other error.
pub(crate) fn out_of_range(text: &str, error: &serde_yaml::Error) -> Option<Error> {
    let at = error.location()?;
    let (line, column) = (at.line(), at.column());
    let message = error.to_string();
    let message = message.strip_suffix(&format!(" at line {line} column {column}"))?;
    let (key, reason) = message.split_once(": ")?;
    let (what, type_name) = reason.rsplit_once(", expected ")?;
    let (lo, hi) = integer_range(type_name).filter(|_| is_key_path(key))?;

    // serde_yaml's own rendering of the value, then the text as written.
    let read = what.split('`').nth(1)?;
    if !what.contains("integer `") && !what.contains("floating point `") {
        return None;
    }
    let written = written_at(text, line, column).unwrap_or_else(|| read.to_owned());
    // A number written as a fraction or with an exponent that the type
    // could hold is wrong in its form, not its size.
    let is_float_in_range = what.contains("floating point `")
        && read
            .parse::<f64>()
            .is_ok_and(|v| (lo as f64..=hi as f64).contains(&v));
    let why = match is_float_in_range {
        true => "is not an integer",
        false => "is out of range",
    };

    let place = Place {
        line,
        column,
        len: written.chars().count(),
    };
    let range = checked_range(text, key, place, [hi, lo]).unwrap_or(format!("{lo} to {hi}"));
    Some(anyhow!(
        "{key}: {} {why} ({range}) at line {line} column {column}",
        palisade_rules::excerpt(&written)
    ))
}

/// Where a scalar stands in the text: 1-based line and column, and its
/// length in characters.
#[derive(Clone, Copy)]
struct Place {
    line: usize,
    column: usize,
    len: usize,
}

/// The range `key`'s own check states (`1024 to 16777216`), learnt by
/// reading the text again with each of `probes` (values its type holds, the
/// greatest first) in place of the refused one; `None` when neither draws
/// that check's words.
fn checked_range(text: &str, key: &str, place: Place, probes: [i128; 2]) -> Option<String> {
    probes.into_iter().find_map(|probe| {
        let probed = replaced(text, place, &probe.to_string())?;
        // Only a text serde_yaml reads whole goes on to the checks, so that
        // a second refused number does not start probes of its own.
        serde_yaml::from_str::<Config>(&probed).ok()?;
        let refusal = format!("{:#}", Config::parse(&probed).err()?);
        stated_range(&refusal, key, probe, probes[0])
    })
}

/// The range in a check's refusal of `probe` at `key` (or the list `key`
/// is an item of): `key: probe is out of range (A to B)`, or `is too small
/// (at least A)`, which reaches up to `greatest`.
fn stated_range(refusal: &str, key: &str, probe: i128, greatest: i128) -> Option<String> {
    let list = key.rsplit_once('[').map_or(key, |(list, _)| list);
    let rest = refusal
        .strip_prefix(key)
        .or_else(|| refusal.strip_prefix(list))?
        .strip_prefix(':')?;
    if let Some((_, range)) = rest.split_once(&format!(" {probe} is out of range (")) {
        return Some(range.split_once(')')?.0.to_owned());
    }
    let (_, least) = rest.split_once(&format!(" {probe} is too small (at least "))?;
    Some(format!("{} to {greatest}", least.split_once(')')?.0))
}

/// `text` with the scalar at `place` replaced by `with`.
fn replaced(text: &str, place: Place, with: &str) -> Option<String> {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(place.line.checked_sub(1)?)
        .map(str::len)
        .sum();
    let line = text.get(line_start..)?;
    let mut offsets = line.char_indices().map(|(i, _)| line_start + i);
    let start = offsets.nth(place.column.checked_sub(1)?)?;
    let end = match place.len {
        0 => start,
        n => offsets.nth(n - 1).unwrap_or(text.len()),
    };
    Some(format!("{}{with}{}", text.get(..start)?, text.get(end..)?))
}

/// The least and greatest value of a Rust integer type, by its name.
fn integer_range(type_name: &str) -> Option<(i128, i128)> {
    let range = match type_name {
        "u8" => (0, u8::MAX.into()),
        "u16" => (0, u16::MAX.into()),
        "u32" => (0, u32::MAX.into()),
        "u64" => (0, u64::MAX.into()),
        "usize" => (0, usize::MAX as i128),
        "i8" => (i8::MIN.into(), i8::MAX.into()),
        "i16" => (i16::MIN.into(), i16::MAX.into()),
        "i32" => (i32::MIN.into(), i32::MAX.into()),
        "i64" => (i64::MIN.into(), i64::MAX.into()),
        "isize" => (isize::MIN as i128, isize::MAX as i128),
        _ => return None,
    };
    Some(range)
}

/// The plain scalar that starts at 1-based `line` and `column` of `text`,
/// as written (`1e12`, not serde_yaml's `1000000000000.0`).
fn written_at(text: &str, line: usize, column: usize) -> Option<String> {
    let line = text.lines().nth(line.checked_sub(1)?)?;
    let start = line.chars().skip(column.checked_sub(1)?);
    let scalar: String = start
        .take_while(|c| !c.is_whitespace() && !",]}#".contains(*c))
        .collect();
    (!scalar.is_empty()).then_some(scalar)
}

/// A refusal of `text` when it holds a second YAML document, placed at
/// the `---` that starts it (a `---` before any content opens the first).
pub(crate) fn second_document(text: &str) -> Option<Error> {
    let mut content = false;
    for (i, line) in text.lines().enumerate() {
        let marker = line == "---" || line.starts_with("--- ") || line.starts_with("---\t");
        if marker && content {
            return Some(anyhow!(
                "a config file holds one YAML document; a second starts at line {} column 1",
                i + 1
            ));
        }
        // Directives (`%YAML 1.1`) come before the document they head.
        let meaningful = line.trim_start();
        let directive = line.starts_with('%');
        content |= !marker && !directive && !meaningful.is_empty() && !meaningful.starts_with('#');
    }
    None
}

/// serde_yaml's refusal of a tab where YAML wants indentation, reworded.
pub(crate) fn tab_indent(text: &str, error: &serde_yaml::Error) -> Option<Error> {
    let place = error.location()?;
    let line = text.lines().nth(place.line().checked_sub(1)?)?;
    let at = line.chars().nth(place.column().checked_sub(1)?)?;
    (at == '\t').then(|| {
        anyhow!(
            "a tab cannot indent YAML, use spaces, at line {} column {}",
            place.line(),
            place.column()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flow_collections_past_the_depth_are_refused_at_the_bracket() {
        let deep = format!("eal_args: {}{}\n", "[".repeat(200_000), "]".repeat(200_000));
        let refused = too_deep(&deep).map(|e| e.to_string());
        assert_eq!(
            refused.as_deref(),
            Some("collections nested deeper than 64 levels at line 1 column 75")
        );
        let nested = format!("{}1{}", "{a: ".repeat(65), "}".repeat(65));
        assert!(too_deep(&format!("inspection: {nested}\n")).is_some());
        let fine = format!("inspection: {}1{}\n", "{a: ".repeat(64), "}".repeat(64));
        assert!(too_deep(&fine).is_none());
    }

    #[test]
    fn brackets_in_quotes_and_comments_do_not_count() {
        let brackets = "[".repeat(100);
        let text = format!(
            "eal_args: ['{brackets}', \"{brackets}\\\" {brackets}\"]\n# {brackets}\nmode: tap\n"
        );
        assert!(too_deep(&text).is_none(), "{text}");
    }

    const PORT: &str = "mode: tap\nports:\n  - name: a\n    device: net_null0\n";

    fn refusal(text: &str) -> String {
        format!("{:#}", Config::parse(text).unwrap_err())
    }

    /// Some editors start a file with a byte-order mark (U+FEFF); YAML 1.2
    /// §5.2 allows it, and it is no part of the first key.
    #[test]
    fn a_byte_order_mark_is_not_part_of_the_first_key() {
        let plain = Config::parse(PORT).expect("parses");
        let marked = Config::parse(&format!("\u{feff}{PORT}")).expect("parses");
        assert_eq!(marked.ports.len(), plain.ports.len());
        let bad = refusal(&format!("\u{feff}{PORT}bogus: 1\n"));
        assert!(bad.contains("unknown field `bogus`"), "{bad}");
        assert!(bad.contains("line 5 column 1"), "{bad}");
    }

    #[test]
    fn a_number_past_its_type_names_key_value_and_range() {
        // The key's own check gives the range (config.rs: mtu from 68,
        // RFC 791; 1024 to 2^24 mbufs; lcores below 128) where it has one;
        // else the type's (usize::MAX is 2^64 - 1 here).
        for (bad, expected) in [
            (
                "    mtu: 70000\n",
                "ports[0].mtu: 70000 is out of range (68 to 65535) at line 5 column 10",
            ),
            (
                "pool:\n  mbufs: -1\n",
                "pool.mbufs: -1 is out of range (1024 to 16777216) at line 6 column 10",
            ),
            (
                "pool:\n  mbufs: 1e12\n",
                "pool.mbufs: 1e12 is out of range (1024 to 16777216) at line 6 column 10",
            ),
            (
                "pool:\n  mbufs: 2.5\n",
                "pool.mbufs: 2.5 is not an integer (1024 to 16777216) at line 6 column 10",
            ),
            (
                "pool:\n  mbufs: 4e3\n",
                "pool.mbufs: 4e3 is not an integer (1024 to 16777216) at line 6 column 10",
            ),
            (
                "cores: {main: 0, workers: [99999999999]}\n",
                "cores.workers[0]: 99999999999 is out of range (0 to 127) at line 5 column 28",
            ),
            (
                "pool:\n  data_room: 70000\n",
                "pool.data_room: 70000 is out of range (1024 to 65535) at line 6 column 14",
            ),
            (
                "enforcement: {max_tarpit: -5}\n",
                "enforcement.max_tarpit: -5 is out of range (0 to 2^20) at line 5 column 27",
            ),
            (
                "guard: {source: {packets_per_sec: -5}}\n",
                "guard.source.packets_per_sec: -5 is out of range (0 to 18446744073709551615) \
                 at line 5 column 35",
            ),
        ] {
            assert_eq!(refusal(&format!("{PORT}{bad}")), expected, "{bad}");
        }
    }

    #[test]
    fn the_value_is_found_after_wide_characters_and_among_other_bad_ones() {
        // Column 39 in characters: `é` is one character, two bytes.
        let text = "mode: tap\nports:\n  - {name: é, device: net_null0, mtu: 70000}\n";
        assert_eq!(
            refusal(text),
            "ports[0].mtu: 70000 is out of range (68 to 65535) at line 3 column 39"
        );
        // Every worker refused: the first is named, with its type's range
        // (the text read again still holds the others).
        let workers = vec!["99999999999"; 40].join(", ");
        let text = format!("{PORT}cores: {{main: 0, workers: [{workers}]}}\n");
        assert_eq!(
            refusal(&text),
            "cores.workers[0]: 99999999999 is out of range (0 to 4294967295) at line 5 column 28"
        );
    }

    #[test]
    fn other_type_errors_keep_serde_yaml_words() {
        let err = refusal(&format!("{PORT}pool:\n  mbufs: many\n"));
        assert!(err.contains("pool.mbufs: invalid type: string"), "{err}");
        assert!(err.ends_with("at line 6 column 10"), "{err}");
    }

    #[test]
    fn a_duplicate_key_is_placed_at_its_second_occurrence_at_any_depth() {
        for (text, expected) in [
            (
                format!("{PORT}mode: tap\n"),
                "duplicate key `mode` (first at line 1 column 1) at line 5 column 1",
            ),
            (
                format!("{PORT}pool:\n  mbufs: 4096\n  mbufs: 8192\n"),
                "pool: duplicate key `mbufs` (first at line 6 column 3) at line 7 column 3",
            ),
            (
                format!("{PORT}    name: b\n"),
                "ports[0]: duplicate key `name` (first at line 3 column 5) at line 5 column 5",
            ),
            (
                format!("{PORT}inspection: {{http: {{enabled: true, enabled: false}}}}\n"),
                "inspection.http: duplicate key `enabled` (first at line 5 column 21) \
                 at line 5 column 36",
            ),
        ] {
            assert_eq!(refusal(&text), expected, "{text}");
        }
    }
}
