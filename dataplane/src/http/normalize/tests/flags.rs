//! The flag set: stable names, declaration order, set operations.

use super::super::*;

#[test]
fn all_follows_declaration_order() {
    for (i, flag) in Flag::ALL.iter().enumerate() {
        assert_eq!(flag.index(), i, "{flag}");
    }
}

#[test]
fn names_are_unique_snake_case() {
    let mut names: Vec<&str> = Flag::ALL.iter().map(|f| f.name()).collect();
    for name in &names {
        assert!(name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b == b'_' || b.is_ascii_digit()));
    }
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), Flag::ALL.len());
}

#[test]
fn every_flag_fits_in_the_set() {
    let mut all = Flags::EMPTY;
    for flag in Flag::ALL {
        assert!(!all.contains(*flag));
        all.insert(*flag);
        assert!(all.contains(*flag));
    }
    assert_eq!(all.iter().count(), Flag::ALL.len());
    assert_eq!(all.bits().count_ones() as usize, Flag::ALL.len());
}

#[test]
fn union_and_display() {
    let flags = Flags::from(Flag::TooLong) | Flags::from(Flag::NulByte);
    assert!(!flags.is_empty());
    assert!(Flags::EMPTY.is_empty());
    assert_eq!(flags.to_string(), "nul_byte,too_long");
    assert_eq!(Flags::EMPTY.to_string(), "");
}
