//! Literal prefilters: a cheap first pass that spares a sweep its
//! expensive patterns when the text cannot hold them.
//!
//! Many sweep patterns start with a character class or a repetition
//! (`['"`)]\s*...`, `[\w.@+-]{1,64}`), so Vectorscan runs an automaton
//! over every byte of the text for them, at a fraction of its literal
//! speed. Most such patterns still require some literal: a SQL keyword,
//! `<script`, `.ey` between the parts of a token. [`factors`] reads a
//! pattern's syntax and finds a set of strings such that every match holds
//! at least one of them; a pattern whose set has no string shorter than
//! [`MIN_FACTOR`] bytes is *factored*. All factors of a sweep go into one
//! literal database, matched caseless, and the sweep's patterns without
//! factors into a *residual* database.
//!
//! A sweep then first runs the literal database: a factored pattern
//! none of whose factors it reports cannot match. When it reports the
//! factors of a few patterns, the residual database runs, and each of
//! those patterns alone; when it reports many, the whole sweep database
//! runs as before. Either way the reports are those the whole database
//! gives: the literal pass only skips patterns that cannot match. A factor is taken from the pattern as the sweep scans it,
//! on the text the sweep scans (after its transforms), so a literal that
//! only appears once a value is decoded is still found.
//!
//! The analysis only ever widens: a pattern the parser here cannot read
//! exactly as Vectorscan does (back-references, look-around, unusual
//! escapes) fails to parse and stays residual; caseless matching of the
//! factors only adds reports.

use hyperscan::{BlockDatabase, Matching, Pattern as HsPattern, PatternFlags as HsFlags};
use hyperscan::{Builder, Patterns, Scratch};
use regex_syntax::hir::{Class, Hir, HirKind};
use regex_syntax::ParserBuilder;

/// Lightest factor worth a literal pass (see [`score`]): lighter ones (a
/// quote, `or`) occur in most texts.
pub(crate) const MIN_FACTOR: usize = 3;
/// Most strings a factor set may hold while it is built.
const MAX_SET: usize = 64;
/// Most factors one pattern may have.
const MAX_FACTORS: usize = 256;
/// Most distinct bytes a character class may stand for in a factor.
const MAX_CLASS: usize = 4;

/// A finite set of lower-case byte strings.
type Set = Vec<Vec<u8>>;

/// Most candidate patterns scanned one by one; with more, the whole sweep
/// database runs instead.
const MAX_SINGLES: usize = 4;

/// A sweep's literal pass, its residual database and its factored
/// patterns one by one.
pub(crate) struct Prefilter {
    /// Every factor of every factored pattern, caseless.
    pub(crate) literals: BlockDatabase,
    /// Per literal id, the sweep patterns it is a factor of.
    owners: Vec<Vec<u32>>,
    /// The sweep's patterns without factors, with their sweep ids; `None`
    /// when every pattern is factored.
    pub(crate) residual: Option<BlockDatabase>,
    /// Per sweep pattern id, the pattern alone when it is factored.
    pub(crate) singles: Vec<Option<BlockDatabase>>,
}

/// Which databases a text needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Needs {
    /// Many factors are present: the whole sweep database.
    Whole,
    /// The residual database, if any, and these factored patterns alone.
    Some(Vec<u32>),
}

impl Prefilter {
    /// The prefilter of a sweep over `entries` (pattern text and flags,
    /// by sweep id); `None` when no pattern is factored, or when a
    /// database does not compile.
    pub(crate) fn build(entries: &[(String, HsFlags)]) -> Option<Prefilter> {
        let mut factored: Vec<(Vec<u8>, u32)> = Vec::new();
        let mut residual = Vec::new();
        let mut singles = Vec::with_capacity(entries.len());
        for (id, (text, flags)) in entries.iter().enumerate() {
            let sweep_id = u32::try_from(id).ok()?;
            match factors(text, *flags) {
                Some(set) => {
                    factored.extend(set.into_iter().map(|l| (l, sweep_id)));
                    singles.push(Some(compile(vec![(id, text.clone(), *flags)])?));
                }
                None => {
                    residual.push((id, text.clone(), *flags));
                    singles.push(None);
                }
            }
        }
        if factored.is_empty() {
            return None;
        }
        factored.sort_unstable();
        let mut literals: Vec<(usize, String, HsFlags)> = Vec::new();
        let mut owners: Vec<Vec<u32>> = Vec::new();
        for (literal, owner) in factored {
            let text = escaped(&literal);
            match literals.last() {
                Some((_, last, _)) if *last == text => {
                    owners.last_mut()?.push(owner);
                }
                _ => {
                    literals.push((
                        literals.len(),
                        text,
                        HsFlags::CASELESS | HsFlags::SINGLEMATCH,
                    ));
                    owners.push(vec![owner]);
                }
            }
        }
        let residual = match residual.is_empty() {
            true => None,
            false => Some(compile(residual)?),
        };
        Some(Prefilter {
            literals: compile(literals)?,
            owners,
            residual,
            singles,
        })
    }

    /// Which databases `text` needs; `Whole` when the literal scan fails.
    pub(crate) fn needs(&self, text: &[u8], scratch: &Scratch) -> Needs {
        let mut candidates: Vec<u32> = Vec::new();
        let mut many = false;
        let owners = &self.owners;
        let scanned = self.literals.scan(text, scratch, |id, _, _, _| {
            for owner in owners.get(id as usize).into_iter().flatten() {
                if !candidates.contains(owner) {
                    candidates.push(*owner);
                }
            }
            many = candidates.len() > MAX_SINGLES;
            if many {
                return Matching::Terminate;
            }
            Matching::Continue
        });
        match many || scanned.is_err() {
            true => Needs::Whole,
            false => Needs::Some(candidates),
        }
    }
}

fn compile(list: Vec<(usize, String, HsFlags)>) -> Option<BlockDatabase> {
    let mut patterns = Vec::with_capacity(list.len());
    for (id, text, flags) in list {
        let mut pattern = HsPattern::with_flags(text, flags).ok()?;
        pattern.id = Some(id);
        patterns.push(pattern);
    }
    let patterns: Patterns = patterns.into_iter().collect();
    patterns.build().ok()
}

/// A byte string as a Vectorscan pattern that matches it literally.
fn escaped(literal: &[u8]) -> String {
    literal.iter().map(|b| format!("\\x{b:02x}")).collect()
}

/// The factors of pattern `text` compiled with `flags`: strings, lower
/// case, each weighing at least [`MIN_FACTOR`], one of which every match
/// holds (compared caseless); `None` when there is no such set or the
/// pattern cannot be read here.
pub(crate) fn factors(text: &str, flags: HsFlags) -> Option<Set> {
    let hir = ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .case_insensitive(flags.contains(HsFlags::CASELESS))
        .dot_matches_new_line(flags.contains(HsFlags::DOTALL))
        .multi_line(flags.contains(HsFlags::MULTILINE))
        .build()
        .parse(text)
        .ok()?;
    let set = Info::of(&hir).best()?;
    (score(&set) >= MIN_FACTOR).then_some(set)
}

/// What a sub-expression tells about the strings its matches hold; each
/// set is lower case, and `None` when nothing useful is known.
#[derive(Clone, Debug, Default)]
struct Info {
    /// Every string it can match, when there are few.
    exact: Option<Set>,
    /// Every match starts with one of these.
    prefix: Option<Set>,
    /// Every match ends with one of these.
    suffix: Option<Set>,
    /// Every match holds one of these.
    required: Option<Set>,
}

impl Info {
    fn exact(set: Set) -> Info {
        Info {
            prefix: Some(set.clone()),
            suffix: Some(set.clone()),
            exact: Some(set),
            required: None,
        }
    }

    fn of(hir: &Hir) -> Info {
        match hir.kind() {
            HirKind::Empty | HirKind::Look(_) => Info::exact(vec![Vec::new()]),
            HirKind::Literal(lit) => Info::exact(vec![lit.0.to_ascii_lowercase()]),
            HirKind::Class(class) => class_set(class).map(Info::exact).unwrap_or_default(),
            HirKind::Capture(capture) => Info::of(&capture.sub),
            HirKind::Repetition(rep) => repetition(rep.min, rep.max, Info::of(&rep.sub)),
            HirKind::Concat(subs) => concat(subs),
            HirKind::Alternation(subs) => alternation(subs),
        }
    }

    /// Every match starts with one of these (its exact strings if known).
    fn starts(&self) -> Option<&Set> {
        self.exact.as_ref().or(self.prefix.as_ref())
    }

    fn ends(&self) -> Option<&Set> {
        self.exact.as_ref().or(self.suffix.as_ref())
    }

    /// The best set every match holds one of.
    fn best(self) -> Option<Set> {
        [self.exact, self.prefix, self.suffix, self.required]
            .into_iter()
            .flatten()
            .reduce(|a, b| if better(&b, &a) { b } else { a })
    }
}

/// `sub` repeated `min` to `max` times.
fn repetition(min: u32, max: Option<u32>, sub: Info) -> Info {
    match (min, max) {
        (0, Some(1)) => {
            let exact = sub.exact.map(|mut s| {
                s.push(Vec::new());
                dedup(s)
            });
            exact.map(Info::exact).unwrap_or_default()
        }
        (0, _) => Info::default(),
        (1, Some(1)) => sub,
        _ => {
            // At least `min` copies: their product starts and ends a
            // match when the part is exact.
            let copies = sub.exact.as_ref().and_then(|e| power(e, min));
            let prefix = copies.clone().or_else(|| sub.prefix.clone());
            let suffix = copies.or_else(|| sub.suffix.clone());
            let required = sub.clone().best();
            Info {
                exact: None,
                prefix,
                suffix,
                required,
            }
        }
    }
}

/// `set` concatenated `n` times; `None` when too many or too long.
fn power(set: &Set, n: u32) -> Option<Set> {
    let mut out = vec![Vec::new()];
    for _ in 0..n.min(8) {
        out = product(&out, set)?;
    }
    Some(out)
}

/// A concatenation: runs of exact parts multiply out, joined to the end
/// of the part before a run and the start of the part after it; the best
/// such run, or a part's own required set, stands for the whole.
fn concat(subs: &[Hir]) -> Info {
    let infos: Vec<Info> = subs.iter().map(Info::of).collect();
    let mut candidates: Vec<Set> = Vec::new();
    let mut run: Set = vec![Vec::new()];
    let mut all_exact = true;
    for info in &infos {
        if let Some(part) = &info.exact {
            run = match product(&run, part) {
                Some(joined) => joined,
                None => {
                    all_exact = false;
                    candidates.push(std::mem::replace(&mut run, part.clone()));
                    continue;
                }
            };
            continue;
        }
        all_exact = false;
        let closed = info.prefix.as_ref().and_then(|p| product(&run, p));
        candidates.push(closed.unwrap_or(run));
        candidates.extend(info.clone().best());
        run = info.suffix.clone().unwrap_or_else(|| vec![Vec::new()]);
    }
    let exact = all_exact.then(|| run.clone());
    candidates.push(run);
    let required = candidates
        .into_iter()
        .reduce(|a, b| if better(&b, &a) { b } else { a });
    if let Some(exact) = exact {
        return Info::exact(exact);
    }
    Info {
        exact: None,
        prefix: edge(&infos, false),
        suffix: edge(&infos, true),
        required,
    }
}

/// The strings a concatenation of `infos` starts with (`from_end`: ends
/// with): its exact parts at that edge multiplied out, with the edge of
/// the first part that is not exact.
fn edge(infos: &[Info], from_end: bool) -> Option<Set> {
    let mut out: Set = vec![Vec::new()];
    let ordered: Box<dyn Iterator<Item = &Info>> = match from_end {
        true => Box::new(infos.iter().rev()),
        false => Box::new(infos.iter()),
    };
    for info in ordered {
        let joined = match from_end {
            true => info.ends().and_then(|part| product(part, &out)),
            false => info.starts().and_then(|part| product(&out, part)),
        };
        let Some(joined) = joined else {
            break;
        };
        out = joined;
        if info.exact.is_none() {
            break;
        }
    }
    Some(out)
}

/// An alternation: every branch must give a set.
fn alternation(subs: &[Hir]) -> Info {
    let infos: Vec<Info> = subs.iter().map(Info::of).collect();
    let union = |pick: &dyn Fn(&Info) -> Option<Set>, most: usize| -> Option<Set> {
        let mut all = Vec::new();
        for info in &infos {
            all.extend(pick(info)?);
        }
        Some(dedup(all)).filter(|s| s.len() <= most)
    };
    if let Some(exact) = union(&|i| i.exact.clone(), MAX_SET) {
        return Info::exact(exact);
    }
    Info {
        exact: None,
        prefix: union(&|i| i.starts().cloned(), MAX_SET),
        suffix: union(&|i| i.ends().cloned(), MAX_SET),
        required: union(&|i| i.clone().best(), MAX_FACTORS),
    }
}

/// Each string of `a` followed by each of `b`; `None` when too many.
fn product(a: &Set, b: &Set) -> Option<Set> {
    if a.len().saturating_mul(b.len()) > MAX_SET {
        return None;
    }
    let mut out = Vec::with_capacity(a.len() * b.len());
    for x in a {
        for y in b {
            let mut s = x.clone();
            s.extend_from_slice(y);
            out.push(s);
        }
    }
    Some(dedup(out))
}

/// The bytes of a small class, lower-cased, as one-byte strings.
fn class_set(class: &Class) -> Option<Set> {
    let mut bytes: Vec<u8> = Vec::new();
    match class {
        Class::Bytes(set) => {
            for range in set.ranges() {
                if usize::from(range.end() - range.start()) >= MAX_CLASS * 2 {
                    return None;
                }
                bytes.extend(range.start()..=range.end());
            }
        }
        Class::Unicode(set) => {
            for range in set.ranges() {
                let (start, end) = (u32::from(range.start()), u32::from(range.end()));
                if end >= 0x80 || end - start >= (MAX_CLASS * 2) as u32 {
                    return None;
                }
                bytes.extend((start..=end).filter_map(|c| u8::try_from(c).ok()));
            }
        }
    }
    let set = dedup(bytes.iter().map(|b| vec![b.to_ascii_lowercase()]).collect());
    (set.len() <= MAX_CLASS).then_some(set)
}

fn dedup(mut set: Set) -> Set {
    set.sort_unstable();
    set.dedup();
    set
}

/// What a set is worth as factors: the weight of its lightest string,
/// where a string weighs its length, plus one when it holds a byte other
/// than a letter or digit: `${` or `../` are rarer in ordinary text than
/// `or` or `nc`.
fn score(set: &Set) -> usize {
    let weight = |s: &Vec<u8>| s.len() + usize::from(s.iter().any(|b| !b.is_ascii_alphanumeric()));
    set.iter().map(weight).min().unwrap_or(0)
}

/// Whether `a` makes better factors than `b`: longer shortest string,
/// then fewer strings.
fn better(a: &Set, b: &Set) -> bool {
    (score(a), std::cmp::Reverse(a.len())) > (score(b), std::cmp::Reverse(b.len()))
}

#[cfg(test)]
mod tests {
    use super::{factors, HsFlags};

    fn of(text: &str) -> Option<Vec<String>> {
        let set = factors(text, HsFlags::CASELESS)?;
        Some(
            set.into_iter()
                .map(|s| String::from_utf8_lossy(&s).into_owned())
                .collect(),
        )
    }

    #[test]
    fn the_heaviest_required_literal_stands_for_a_pattern() {
        assert_eq!(of(r"union\s+select").unwrap(), ["select"]);
        assert_eq!(of(r"UNION\s+ALL").unwrap(), ["union"]);
        assert_eq!(of(r"<(?:iframe|embed)\b").unwrap(), ["<embed", "<iframe"]);
        assert_eq!(of(r"(?:\.\.[/\\]+){2,}").unwrap(), ["../", r"..\"]);
        assert_eq!(of(r"\$\{?ifs\b").unwrap(), ["$ifs", "${ifs"]);
        assert_eq!(of(r"a(?:bc|de)?fgh").unwrap(), ["abcfgh", "adefgh", "afgh"]);
    }

    #[test]
    fn every_branch_must_hold_a_literal() {
        assert_eq!(of(r"select\b|drop\s+table").unwrap(), ["select", "table"]);
        assert_eq!(of(r"select\b|\bor\b"), None);
        assert_eq!(of(r"['\x22]\s*or\s*\d=\d"), None);
        assert_eq!(of(r"j\s*a\s*v\s*a"), None);
        assert_eq!(of(r"(?:abc)*"), None);
    }

    #[test]
    fn patterns_read_otherwise_here_have_no_literals() {
        // A back-reference and a look-ahead do not parse here; such
        // patterns stay with the residual ones.
        assert_eq!(of(r"(abc)\1"), None);
        assert_eq!(of(r"abc(?=def)"), None);
        assert_eq!(of(r"abc(?<!x)def"), None);
    }
}
