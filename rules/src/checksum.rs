//! Check-digit algorithms the sensitive-data detectors share: the
//! dataplane's (inventory, findings) and the control plane's (masking of
//! stored events) must agree on what a card number is.

/// The Luhn (mod 10) check of ISO/IEC 7812-1 over decimal digit values
/// (0-9), check digit last; false for no digits.
pub fn luhn_valid(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 1 {
                let twice = d * 2;
                twice - if twice > 9 { 9 } else { 0 }
            } else {
                d
            }
        })
        .sum();
    !digits.is_empty() && sum.is_multiple_of(10)
}
