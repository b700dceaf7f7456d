//! The parameter names a sweep pattern's tests are limited to, and which
//! of them a raw body holds.
//!
//! A test of named parameters (`param` with `name: url`) can only hit a
//! body that holds one of its names. When such a pattern reports on a raw
//! body (see [`super::scan`]), the body clears the screen anyway if it
//! holds none of the names. All names of a sweep are searched in one pass,
//! the first time a body needs them.

use aho_corasick::AhoCorasick;
use smallvec::SmallVec;

/// Per sweep pattern, the names its tests select.
#[derive(Debug, Default)]
pub(crate) struct Named {
    /// Per sweep pattern id, the ids of the names every test behind it
    /// selects; `None` when some test reads values of any name.
    by_pattern: Vec<Option<Vec<u32>>>,
    /// Every name, each under its id.
    finder: Option<AhoCorasick>,
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
            finder: AhoCorasick::new(&names).ok(),
            count: names.len(),
        }
    }

    /// The name ids pattern `id` is limited to; `None` when it reads
    /// values of any name.
    pub(crate) fn of(&self, id: u32) -> Option<&[u32]> {
        self.by_pattern.get(id as usize)?.as_deref()
    }

    /// Which names `texts` hold. Every name counts as present when they
    /// cannot be searched, so that nothing is cleared on a guess.
    pub(crate) fn present(&self, texts: &[&[u8]]) -> Present {
        let Some(finder) = &self.finder else {
            return SmallVec::from_elem(true, self.count);
        };
        let mut present: Present = SmallVec::from_elem(false, self.count);
        for text in texts {
            for found in finder.find_overlapping_iter(*text) {
                if let Some(slot) = present.get_mut(found.pattern().as_usize()) {
                    *slot = true;
                }
            }
        }
        present
    }
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
        let present = named.present(&[b"{\"redirect_url\":1}"]);
        assert_eq!(present.as_slice(), &[true, true, true]);
        let present = named.present(&[b"uri=1", b"a=url"]);
        assert_eq!(present.as_slice(), &[true, false, false]);
    }
}
