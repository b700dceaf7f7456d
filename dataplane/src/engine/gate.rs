//! Byte gates: for a sweep pattern, a few rare bytes one of which every
//! match holds, so that a text holding none of them cannot match.
//!
//! Most attack patterns need a byte that ordinary API values rarely hold:
//! a `<` for markup, a quote for SQL, a `;`, `|` or backtick for a shell.
//! Vectorscan pays for every pattern on every byte of a text, whether or
//! not the text holds such a byte. So a sweep also compiles a database
//! without its gated patterns (see [`super::sweep::Gate`]), and a text
//! holding none of the gate's bytes is scanned with that one. The bytes
//! are looked for source by source: a `&` in the raw query string opens
//! the gate only for patterns that read the raw query string. That
//! database also holds the other patterns narrowed: without their
//! optional items made of rare bytes, which then open the gate as well.
//!
//! [`required`] reads a pattern's syntax tree: a literal byte or a class is
//! required when it is not optional; a sequence requires what its cheapest
//! required part requires; an alternation, the union of what each branch
//! requires. Anchors, word boundaries and empty branches require nothing.
//! The cost of a set is how often its bytes occur in ordinary values: each
//! byte of the phase's [`Alphabet`] counts one, any other byte far more, so
//! a pattern is gated only when a set of rare bytes is required. Among
//! the values of a body read as JSON ([`Alphabet::JsonValue`]), `"` and
//! `\` never occur: a part that needs one of them needs the empty set,
//! and a pattern all of whose branches do can be left out altogether (see
//! [`super::sweep::Lean`]).
//!
//! The tree is read at the byte level with ASCII classes, as Vectorscan
//! reads a pattern. Escapes whose meaning differs between the two syntaxes
//! (`\v` is vertical space to Vectorscan, one control byte to the parser
//! used here) make the pattern ungated, as does any text that parser
//! refuses.

use hyperscan::PatternFlags as HsFlags;
use regex_syntax::hir::{Class, Hir, HirKind};
use regex_syntax::ParserBuilder;

/// A set of bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct ByteSet([u64; 4]);

impl ByteSet {
    pub(crate) fn insert(&mut self, byte: u8) {
        if let Some(word) = self.0.get_mut(usize::from(byte >> 6)) {
            *word |= 1 << (byte & 63);
        }
    }

    pub(crate) fn contains(&self, byte: u8) -> bool {
        self.0
            .get(usize::from(byte >> 6))
            .is_some_and(|word| word >> (byte & 63) & 1 == 1)
    }

    pub(crate) fn union(mut self, other: ByteSet) -> ByteSet {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a |= b;
        }
        self
    }

    pub(crate) fn of(bytes: &[u8]) -> ByteSet {
        let mut set = ByteSet::default();
        bytes.iter().for_each(|b| set.insert(*b));
        set
    }

    fn minus(mut self, other: ByteSet) -> ByteSet {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a &= !b;
        }
        self
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0 == [0; 4]
    }

    fn range(from: u8, to: u8) -> ByteSet {
        let mut set = ByteSet::default();
        for byte in from..=to {
            set.insert(byte);
        }
        set
    }

    /// The bytes, in order.
    pub(crate) fn bytes(&self) -> Vec<u8> {
        (0..=u8::MAX).filter(|b| self.contains(*b)).collect()
    }

    pub(crate) fn is_subset(&self, of: &ByteSet) -> bool {
        self.0.iter().zip(of.0).all(|(a, b)| a & !b == 0)
    }
}

/// The bytes rare enough in a phase's values to gate on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Alphabet {
    /// Values of the request line and head fields.
    Head,
    /// Raw bodies and their values: JSON structure (quotes, braces,
    /// brackets) is not rare there.
    Body,
    /// The values of a body the raw-body screen may clear as JSON: rare
    /// bytes as for [`Alphabet::Body`], and no `"` or `\\` at all (see
    /// [`super::sweep::Lean`]). A part of a pattern that needs one of those
    /// can never match there.
    JsonValue,
}

impl Alphabet {
    fn set(self) -> ByteSet {
        let rare: &[u8] = match self {
            Alphabet::Head => b"\0\n\x0b\x0c\r!\"#$%&'*;<>?[\\]^`{|}~",
            Alphabet::Body | Alphabet::JsonValue => b"\0\n\x0b\x0c\r!#$%&'*;<>\\^`|~",
        };
        ByteSet::of(rare)
    }

    /// Bytes an optional part of a pattern may match for it to be dropped
    /// on texts without them (see [`super::lead::drop_optional`]): the rare
    /// ones, and tab.
    pub(crate) fn narrowing(self) -> ByteSet {
        self.set().union(ByteSet::of(b"\t"))
    }

    /// Bytes no value read in this alphabet holds.
    fn impossible(self) -> ByteSet {
        match self {
            Alphabet::JsonValue => ByteSet::of(b"\"\\"),
            Alphabet::Head | Alphabet::Body => ByteSet::default(),
        }
    }
}

/// Flags of a pattern that change how it is read.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Reading {
    pub(crate) caseless: bool,
    pub(crate) dotall: bool,
    pub(crate) multiline: bool,
}

impl Reading {
    /// How a pattern compiled with Vectorscan `flags` reads.
    pub(crate) fn of(flags: HsFlags) -> Reading {
        Reading {
            caseless: flags.contains(HsFlags::CASELESS),
            dotall: flags.contains(HsFlags::DOTALL),
            multiline: flags.contains(HsFlags::MULTILINE),
        }
    }
}

/// Bytes of `alphabet` one of which every match of `pattern` holds;
/// `None` when no such set is found.
pub(crate) fn required(pattern: &str, reading: Reading, alphabet: Alphabet) -> Option<ByteSet> {
    let hir = parse(pattern, reading)?;
    let bytes = Bytes {
        rare: alphabet.set(),
        impossible: alphabet.impossible(),
    };
    needs(&hir, &bytes).filter(|set| set.is_subset(&bytes.rare))
}

/// What [`needs`] weighs bytes by.
struct Bytes {
    rare: ByteSet,
    /// Bytes no value holds: a part that needs one never matches, and
    /// needs the empty set.
    impossible: ByteSet,
}

/// The bytes `atom` (one class, escape or byte of a pattern, without
/// quantifier) matches; `None` when it is not one of those or cannot be
/// read with certainty.
pub(crate) fn atom_bytes(atom: &str, reading: Reading) -> Option<ByteSet> {
    match parse(atom, reading)?.kind() {
        HirKind::Class(class) => Some(class_bytes(class)),
        HirKind::Literal(literal) if literal.0.len() == 1 => Some(ByteSet::of(&literal.0)),
        _ => None,
    }
}

/// The syntax tree of `pattern` read at the byte level, as Vectorscan
/// reads it; `None` for syntax the two may read differently.
fn parse(pattern: &str, reading: Reading) -> Option<Hir> {
    if has_foreign_syntax(pattern) {
        return None;
    }
    ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .case_insensitive(reading.caseless)
        .dot_matches_new_line(reading.dotall)
        .multi_line(reading.multiline)
        .build()
        .parse(pattern)
        .ok()
}

/// Whether `pattern` holds syntax the two parsers read differently or that
/// only Vectorscan knows: an escaped letter but the shared ones, or, in a
/// class, a nested class or `&&`, `--`, `~~` (set operations to the parser
/// used here, plain bytes or a range to Vectorscan).
fn has_foreign_syntax(pattern: &str) -> bool {
    let mut chars = pattern.chars().peekable();
    let mut in_class = false;
    let mut last = None;
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some(e) if e.is_ascii_alphabetic() && !"dDwWsSbBxnrtfAz".contains(e) => {
                    return true
                }
                Some(e) if e.is_ascii_digit() => return true,
                _ => {}
            }
            last = None;
            continue;
        }
        match (c, in_class) {
            ('[', false) => {
                in_class = true;
                // A leading `^` and a first `]` belong to the class.
                chars.next_if_eq(&'^');
                chars.next_if_eq(&']');
            }
            ('[', true) if chars.peek() != Some(&':') => return true,
            ('[', true) => {
                // A POSIX class, `[:alpha:]`: both read it alike.
                for p in chars.by_ref() {
                    if p == ']' {
                        break;
                    }
                }
            }
            (']', true) => in_class = false,
            ('&' | '-' | '~', true) if last == Some(c) => return true,
            _ => {}
        }
        last = Some(c);
    }
    false
}

/// A set one byte of which every match of `hir` holds, the cheapest found;
/// `None` when a match may be empty of any byte worth naming. A part that
/// cannot match at all needs the empty set, which costs nothing.
fn needs(hir: &Hir, bytes: &Bytes) -> Option<ByteSet> {
    let possible = |set: ByteSet| set.minus(bytes.impossible);
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => None,
        HirKind::Literal(literal) => {
            let one = |b: &u8| possible(ByteSet::of(&[*b]));
            match literal.0.iter().map(one).find(ByteSet::is_empty) {
                Some(never) => Some(never),
                None => literal
                    .0
                    .iter()
                    .map(one)
                    .min_by_key(|set| cost(set, &bytes.rare)),
            }
        }
        HirKind::Class(class) => Some(possible(class_bytes(class))),
        HirKind::Repetition(rep) if rep.min >= 1 => needs(&rep.sub, bytes),
        HirKind::Repetition(_) => None,
        HirKind::Capture(capture) => needs(&capture.sub, bytes),
        HirKind::Concat(parts) => parts
            .iter()
            .filter_map(|part| needs(part, bytes))
            .min_by_key(|set| cost(set, &bytes.rare)),
        HirKind::Alternation(branches) => branches
            .iter()
            .map(|branch| needs(branch, bytes))
            .try_fold(ByteSet::default(), |all, set| Some(all.union(set?))),
    }
}

fn class_bytes(class: &Class) -> ByteSet {
    let mut set = ByteSet::default();
    match class {
        Class::Bytes(bytes) => {
            for range in bytes.ranges() {
                set = set.union(ByteSet::range(range.start(), range.end()));
            }
        }
        Class::Unicode(chars) => {
            for range in chars.ranges() {
                let start = u8::try_from(u32::from(range.start())).unwrap_or(u8::MAX);
                let end = u8::try_from(u32::from(range.end())).unwrap_or(u8::MAX);
                set = set.union(ByteSet::range(start, end));
            }
        }
    }
    set
}

/// How often a set's bytes occur in ordinary values: one per rare byte,
/// far more for any other.
fn cost(set: &ByteSet, rare: &ByteSet) -> u32 {
    (0..=u8::MAX)
        .filter(|b| set.contains(*b))
        .map(|b| if rare.contains(b) { 1 } else { 1000 })
        .sum()
}

/// Whether `text` holds any of `bytes`.
pub(crate) fn holds_any(text: &[u8], bytes: &[u8]) -> bool {
    bytes.chunks(3).any(|c| match *c {
        [a] => memchr::memchr(a, text).is_some(),
        [a, b] => memchr::memchr2(a, b, text).is_some(),
        [a, b, c] => memchr::memchr3(a, b, c, text).is_some(),
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use hyperscan::prelude::*;
    use hyperscan::{BlockMode, Pattern as HsPattern, PatternFlags as HsFlags};
    use proptest::prelude::*;

    use super::*;

    fn gate(pattern: &str, alphabet: Alphabet) -> Option<Vec<u8>> {
        required(pattern, Reading::default(), alphabet).map(|set| set.bytes())
    }

    #[test]
    fn a_required_rare_byte_gates() {
        assert_eq!(gate(r"<script[^>]*>", Alphabet::Head), Some(b"<".to_vec()));
        let shell = r"(?:[;&|\n`]|\$\()\s*(?:wget|curl)\s";
        assert_eq!(gate(shell, Alphabet::Body), Some(b"\n$&;`|".to_vec()));
        // `(` is not rare (user agents hold it): the union is refused.
        let call = r"(?:[;|`]|\()\s*(?:wget|curl)\s";
        assert_eq!(gate(call, Alphabet::Head), None);
    }

    #[test]
    fn optional_parts_and_anchors_require_nothing() {
        assert_eq!(gate(r"^<?script", Alphabet::Head), None);
        assert_eq!(gate(r"a(?:<|)b", Alphabet::Head), None);
        assert_eq!(gate(r"\bunion\s+select\b", Alphabet::Head), None);
        assert_eq!(gate(r"x<{0,3}", Alphabet::Head), None);
        assert_eq!(gate(r"x<{1,3}", Alphabet::Head), Some(b"<".to_vec()));
    }

    #[test]
    fn the_alphabet_decides_what_is_rare() {
        assert_eq!(
            gate(r#"["']\s*or\s"#, Alphabet::Head),
            Some(b"\"'".to_vec())
        );
        assert_eq!(gate(r#"["']\s*or\s"#, Alphabet::Body), None);
        assert_eq!(gate(r"'\s*or\s", Alphabet::Body), Some(b"'".to_vec()));
    }

    #[test]
    fn a_json_value_holds_no_quote_or_backslash() {
        let quote = r#"['"]\s*--"#;
        assert_eq!(gate(quote, Alphabet::Body), None);
        assert_eq!(gate(quote, Alphabet::JsonValue), Some(b"'".to_vec()));
        // A part that needs either can never match: the empty set.
        assert_eq!(gate(r#"a"b|\\x"#, Alphabet::JsonValue), Some(vec![]));
        assert_eq!(gate(r#"a"?b"#, Alphabet::JsonValue), None);
        assert_eq!(gate(r#"x|a"b"#, Alphabet::JsonValue), None);
        assert_eq!(gate(r#"<|a"b"#, Alphabet::JsonValue), Some(b"<".to_vec()));
    }

    #[test]
    fn atoms_are_read_as_byte_sets() {
        let reading = Reading::default();
        let bytes = |atom| atom_bytes(atom, reading).map(|set| set.bytes());
        assert_eq!(bytes(r"[\t\n\r]"), Some(b"\t\n\r".to_vec()));
        assert_eq!(bytes(r"\x3c"), Some(b"<".to_vec()));
        assert_eq!(bytes(";"), Some(b";".to_vec()));
        assert_eq!(bytes(r"\b"), None);
        assert_eq!(bytes(r"\v"), None, "read differently by Vectorscan");
        let caseless = Reading {
            caseless: true,
            ..reading
        };
        let set = atom_bytes("a", caseless).map(|set| set.bytes());
        assert_eq!(set, Some(b"Aa".to_vec()));
    }

    #[test]
    fn escapes_read_differently_ungate() {
        assert_eq!(gate(r"<\v", Alphabet::Head), None);
        assert_eq!(gate(r"<\h", Alphabet::Head), None);
        assert_eq!(gate(r"(<)\1", Alphabet::Head), None);
        assert_eq!(gate(r"\Q<\E", Alphabet::Head), None);
        assert_eq!(gate(r"\x3c", Alphabet::Head), Some(b"<".to_vec()));
    }

    #[test]
    fn class_set_operations_ungate() {
        assert_eq!(gate(r"x[<&&<a]", Alphabet::Head), None);
        assert_eq!(gate(r"x[!--<]", Alphabet::Head), None);
        assert_eq!(gate(r"x[<~~<]", Alphabet::Head), None);
        assert_eq!(gate(r"x[a[<]]", Alphabet::Head), None);
        // Outside a class they are plain bytes to both.
        assert_eq!(gate(r"x&&<", Alphabet::Head), Some(b"&".to_vec()));
        assert_eq!(
            gate(r"[[:digit:]<][<]", Alphabet::Head),
            Some(b"<".to_vec())
        );
        assert_eq!(gate(r"[]<][<]", Alphabet::Head), Some(b"<".to_vec()));
    }

    #[test]
    fn anchored_literals_keep_their_gate() {
        assert_eq!(gate(r"\A\x3c\z", Alphabet::Head), Some(b"<".to_vec()));
    }

    #[test]
    fn holds_any_finds_each_byte() {
        let bytes = b"$;<`|";
        for b in bytes {
            assert!(holds_any(&[b'a', *b, b'z'], bytes));
        }
        assert!(!holds_any(b"plain text, 42 (ok)", bytes));
    }

    /// Pieces of random patterns: rare bytes, common ones, classes,
    /// escapes and anchors.
    const ATOMS: [&str; 24] = [
        "<", ";", "\\|", "\\$", "'", "a", "b", " ", "\\.", "[<;]", "[a<]", "[^a]", "\\x3c", "\\d",
        "\\w", "\\W", "\\s", ".", "^", "$", "\\b", "(?i)x", "\"", "[\"']",
    ];
    const QUANTIFIERS: [&str; 7] = ["", "", "?", "*", "+", "{2}", "{0,2}"];

    fn pattern() -> impl Strategy<Value = String> {
        let piece = (
            prop::sample::select(&ATOMS[..]),
            prop::sample::select(&QUANTIFIERS[..]),
        )
            .prop_map(|(a, q)| format!("{a}{q}"));
        let seq = prop::collection::vec(piece, 1..4).prop_map(|p| p.concat());
        let group = (
            prop::collection::vec(seq.clone(), 1..3),
            prop::sample::select(&QUANTIFIERS[..]),
        )
            .prop_map(|(alts, q)| format!("(?:{}){q}", alts.join("|")));
        prop::collection::vec(prop_oneof![seq, group], 1..4).prop_map(|p| p.concat())
    }

    fn text() -> impl Strategy<Value = Vec<u8>> {
        const BYTES: [u8; 11] = [
            b'<', b';', b'|', b'$', b'\'', b'a', b'b', b' ', b'.', b'X', b'"',
        ];
        prop::collection::vec(prop::sample::select(&BYTES[..]), 0..12)
    }

    /// Vectorscan is the reference: whenever it matches `pattern` in one
    /// of `texts`, the text holds a byte of the gate `alphabet` gives it.
    fn matches_hold_the_gate<'t>(
        pattern: &str,
        caseless: bool,
        alphabet: Alphabet,
        texts: impl Iterator<Item = &'t Vec<u8>>,
    ) -> Result<(), TestCaseError> {
        let reading = Reading {
            caseless,
            ..Reading::default()
        };
        let Some(gate) = required(pattern, reading, alphabet) else {
            return Ok(());
        };
        let mut flags = HsFlags::ALLOWEMPTY;
        flags.set(HsFlags::CASELESS, caseless);
        let Ok(expr) = HsPattern::with_flags(pattern.to_string(), flags) else {
            return Ok(());
        };
        let Ok(db) = expr.build::<BlockMode>() else {
            return Ok(());
        };
        let scratch = db.alloc_scratch().expect("scratch");
        for text in texts {
            let mut matched = false;
            db.scan(&text[..], &scratch, |_, _, _, _| {
                matched = true;
                Matching::Terminate
            })
            .ok();
            prop_assert!(
                !matched || holds_any(text, &gate.bytes()),
                "{pattern} matched {:?} without {:?}",
                String::from_utf8_lossy(text),
                String::from_utf8_lossy(&gate.bytes()),
            );
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn every_match_holds_a_gate_byte(
            pattern in pattern(),
            caseless in any::<bool>(),
            texts in prop::collection::vec(text(), 16),
        ) {
            matches_hold_the_gate(&pattern, caseless, Alphabet::Head, texts.iter())?;
        }

        /// Among JSON values, which hold no `"` or `\\`.
        #[test]
        fn every_match_of_a_json_value_holds_a_json_gate_byte(
            pattern in pattern(),
            texts in prop::collection::vec(text(), 16),
        ) {
            let values = texts.iter().filter(|t| !t.contains(&b'"'));
            matches_hold_the_gate(&pattern, false, Alphabet::JsonValue, values)?;
        }
    }
}
