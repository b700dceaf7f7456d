//! Masks sensitive values in events before they are stored or written:
//! card numbers (13 to 19 digits, spaces or dashes allowed between them,
//! passing the Luhn check) anywhere in a string keep only their last four
//! digits; values of credential headers (`Authorization`, `Cookie`, API
//! keys, ...) and of query parameters named like credentials keep only
//! their first four characters.

use serde_json::Value;

/// Header and parameter names whose values are credentials (lowercase
/// substrings).
const SECRET_NAMES: [&str; 9] = [
    "authorization",
    "cookie",
    "password",
    "passwd",
    "secret",
    "token",
    "api-key",
    "api_key",
    "apikey",
];

/// Masks one event in place.
pub fn event(v: &mut Value) {
    if let Some(http) = v.get_mut("http") {
        for list in ["request_headers", "response_headers"] {
            if let Some(Value::Array(headers)) = http.get_mut(list) {
                headers.iter_mut().for_each(header);
            }
        }
        for key in ["url", "http_refer"] {
            if let Some(Value::String(s)) = http.get_mut(key) {
                *s = query_secrets(s);
            }
        }
    }
    strings(v);
}

fn is_secret(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    SECRET_NAMES.iter().any(|s| n.contains(s))
}

/// The first four characters, the rest as `*`.
fn hide(s: &str) -> String {
    let shown: String = s.chars().take(4).collect();
    format!("{shown}****")
}

fn header(h: &mut Value) {
    let secret = h["name"].as_str().is_some_and(is_secret);
    if let (true, Some(Value::String(value))) = (secret, h.get_mut("value")) {
        *value = hide(value);
    }
}

/// `a=1&password=xyz` -> `a=1&password=xyz****` style masking of values
/// of secret-named parameters.
fn query_secrets(url: &str) -> String {
    let Some((path, query)) = url.split_once('?') else {
        return url.to_owned();
    };
    let params: Vec<String> = query
        .split('&')
        .map(|p| match p.split_once('=') {
            Some((k, v)) if is_secret(k) => format!("{k}={}", hide(v)),
            _ => p.to_owned(),
        })
        .collect();
    format!("{path}?{}", params.join("&"))
}

/// Masks card numbers in every string of `v`.
fn strings(v: &mut Value) {
    match v {
        Value::String(s) => {
            if let Some(masked) = cards(s) {
                *s = masked;
            }
        }
        Value::Array(a) => a.iter_mut().for_each(strings),
        Value::Object(o) => o.values_mut().for_each(strings),
        _ => {}
    }
}

/// `s` with every card number masked, or `None` when it holds none.
pub fn cards(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut changed = false;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() && (i == 0 || !bytes[i - 1].is_ascii_digit()) {
            if let Some(end) = card_at(bytes, i) {
                out.push_str(&mask_digits(&s[i..end]));
                changed = true;
                i = end;
                continue;
            }
        }
        let ch = s[i..].chars().next().unwrap_or('\u{fffd}');
        out.push(ch);
        i += ch.len_utf8().max(1);
    }
    changed.then_some(out)
}

/// The end of a card number starting at `start`: 13 to 19 digits with
/// single spaces or dashes between them, not followed by another digit,
/// passing Luhn.
fn card_at(b: &[u8], start: usize) -> Option<usize> {
    let mut digits = Vec::with_capacity(19);
    let mut i = start;
    let mut end = start;
    while i < b.len() && digits.len() < 20 {
        match b[i] {
            d @ b'0'..=b'9' => {
                digits.push(d - b'0');
                end = i + 1;
            }
            b' ' | b'-' if b.get(i + 1).is_some_and(u8::is_ascii_digit) && end == i => {}
            _ => break,
        }
        i += 1;
    }
    let ok = (13..=19).contains(&digits.len()) && palisade_rules::luhn_valid(&digits);
    ok.then_some(end)
}

/// Digits replaced by `*` except the last four; separators kept.
fn mask_digits(s: &str) -> String {
    let total = s.bytes().filter(u8::is_ascii_digit).count();
    let mut seen = 0;
    s.chars()
        .map(|c| {
            if !c.is_ascii_digit() {
                return c;
            }
            seen += 1;
            if seen + 4 > total {
                c
            } else {
                '*'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn card_numbers_from_the_card_networks_test_lists_are_masked() {
        // Published test numbers: Visa, Mastercard, Amex (15 digits).
        assert_eq!(
            cards("pay 4111111111111111 now").as_deref(),
            Some("pay ************1111 now")
        );
        assert_eq!(
            cards("5555-5555-5555-4444").as_deref(),
            Some("****-****-****-4444")
        );
        assert_eq!(cards("378282246310005").as_deref(), Some("***********0005"));
        // Fails Luhn, too short, or part of a longer digit run: kept.
        assert_eq!(cards("4111111111111112"), None);
        assert_eq!(cards("order 123456789012"), None);
        assert_eq!(cards("41111111111111110000000"), None);
    }

    #[test]
    fn credential_headers_and_parameters_are_masked() {
        let mut e = json!({
            "event_type": "http",
            "http": {
                "url": "/login?user=bob&password=hunter22&x=1",
                "request_headers": [
                    {"name": "Authorization", "value": "Bearer abcdefgh"},
                    {"name": "Accept", "value": "*/*"}
                ]
            }
        });
        event(&mut e);
        assert_eq!(e["http"]["url"], "/login?user=bob&password=hunt****&x=1");
        assert_eq!(e["http"]["request_headers"][0]["value"], "Bear****");
        assert_eq!(e["http"]["request_headers"][1]["value"], "*/*");
    }
}
