//! The parameter names a sweep pattern's tests are limited to, and which
//! of them a raw body holds.
//!
//! A test of named parameters (`param` with `name: url`) can only hit a
//! body that holds one of its names. When such a pattern reports on a raw
//! body (see [`super::scan`]), the body clears the screen anyway if it
//! holds none of the names. The names of a sweep are literals of one
//! Vectorscan database, searched in one pass after the screen's scan, and
//! only when a pattern limited to names reported.

use hyperscan::{
    BlockDatabase, BlockMode, Builder, Matching, Pattern, PatternFlags, Patterns, Scratch,
};
use smallvec::SmallVec;

/// Per sweep pattern, the names its tests select.
#[derive(Default)]
pub(crate) struct Named {
    /// Per sweep pattern id, the ids of the names every test behind it
    /// selects; `None` when some test reads values of any name.
    by_pattern: Vec<Option<Vec<u32>>>,
    /// Every name as a literal, each under its id, reported once.
    finder: Option<BlockDatabase>,
    count: usize,
}

/// Which names a body holds, by name id.
pub(crate) type Present = SmallVec<[bool; 64]>;

impl Named {
    /// From the names of each pattern (`None`: any name).
    pub(crate) fn new(per_pattern: &[Option<Vec<Vec<u8>>>]) -> Named {
        let mut names: Vec<&[u8]> = Vec::new();
        let mut by_pattern = Vec::with_capacity(per_pattern.len());
        for list in per_pattern {
            let Some(list) = list else {
                by_pattern.push(None);
                continue;
            };
            let mut ids = Vec::with_capacity(list.len());
            for name in list {
                let at = names.iter().position(|n| *n == name.as_slice());
                let at = at.unwrap_or_else(|| {
                    names.push(name);
                    names.len() - 1
                });
                ids.push(u32::try_from(at).unwrap_or(u32::MAX));
            }
            by_pattern.push(Some(ids));
        }
        Named {
            by_pattern,
            finder: literals(&names),
            count: names.len(),
        }
    }

    /// The database of the names, for a scratch to fit.
    pub(crate) fn database(&self) -> Option<&BlockDatabase> {
        self.finder.as_ref()
    }

    /// The name ids pattern `id` is limited to; `None` when it reads
    /// values of any name.
    pub(crate) fn of(&self, id: u32) -> Option<&[u32]> {
        self.by_pattern.get(id as usize)?.as_deref()
    }

    /// Which names `texts` hold, found with `scratch`. Every name counts
    /// as present when they cannot be searched, so that nothing is cleared
    /// on a guess.
    pub(crate) fn present(&self, texts: &[&[u8]], scratch: &Scratch) -> Present {
        let mut present: Present = SmallVec::from_elem(false, self.count);
        let Some(finder) = &self.finder else {
            present.fill(true);
            return present;
        };
        for text in texts.iter().filter(|t| !t.is_empty()) {
            let scanned = finder.scan(*text, scratch, |id, _, _, _| {
                if let Some(slot) = present.get_mut(id as usize) {
                    *slot = true;
                }
                Matching::Continue
            });
            if scanned.is_err() {
                present.fill(true);
                break;
            }
        }
        present
    }
}

/// A pattern matching `name` byte for byte, whatever bytes it holds.
pub(crate) fn literal(name: &[u8]) -> String {
    name.iter().map(|b| format!("\\x{b:02x}")).collect()
}

/// One database holding each of `names` as a literal under its index, each
/// reported at most once; `None` when there are none or it does not
/// compile.
fn literals(names: &[&[u8]]) -> Option<BlockDatabase> {
    if names.is_empty() {
        return None;
    }
    let mut list = Vec::with_capacity(names.len());
    for (id, name) in names.iter().enumerate() {
        let mut pattern = Pattern::with_flags(literal(name), PatternFlags::SINGLEMATCH).ok()?;
        pattern.id = Some(id);
        list.push(pattern);
    }
    let patterns: Patterns = list.into_iter().collect();
    patterns.build::<BlockMode>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named() -> Named {
        let lists = [
            Some(vec![b"url".to_vec(), b"redirect".to_vec()]),
            None,
            Some(vec![b"redirect_url".to_vec()]),
        ];
        Named::new(&lists)
    }

    #[test]
    fn names_are_shared_by_id() {
        let named = named();
        assert_eq!(named.of(0), Some(&[0, 1][..]));
        assert_eq!(named.of(1), None);
        assert_eq!(named.of(2), Some(&[2][..]));
        assert_eq!(named.of(3), None);
    }

    #[test]
    fn overlapping_names_are_all_found() {
        let named = named();
        let db = named.database().expect("names compile");
        let scratch = db.alloc_scratch().expect("scratch");
        let present = named.present(&[b"{\"redirect_url\":1}"], &scratch);
        assert_eq!(present.as_slice(), &[true, true, true]);
        let present = named.present(&[b"uri=1", b"a=url"], &scratch);
        assert_eq!(present.as_slice(), &[true, false, false]);
        let present = named.present(&[b"URL=1", b"", b"redirect"], &scratch);
        assert_eq!(present.as_slice(), &[false, true, false]);
    }

    #[test]
    fn names_with_pattern_syntax_are_literal() {
        let named = Named::new(&[Some(vec![b"a.b".to_vec(), b"x[0]".to_vec()])]);
        let db = named.database().expect("names compile");
        let scratch = db.alloc_scratch().expect("scratch");
        let present = named.present(&[b"{\"axb\":1,\"x[0]\":2}"], &scratch);
        assert_eq!(present.as_slice(), &[false, true]);
    }
}
