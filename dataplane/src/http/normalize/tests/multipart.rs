//! Multipart bodies: the RFC 7578 / HTML form example, the RFC 2046 §5.1.1
//! example with its preamble and epilogue, and broken bodies.

use super::super::*;

const CT: &[u8] = b"multipart/form-data; boundary=AaB03x";

/// The classic form upload example (HTML 4.01 §17.13.4, RFC 7578).
fn form_body(eol: &str) -> Vec<u8> {
    [
        "--AaB03x",
        "Content-Disposition: form-data; name=\"submit-name\"",
        "",
        "Larry",
        "--AaB03x",
        "Content-Disposition: form-data; name=\"files\"; filename=\"file1.txt\"",
        "Content-Type: text/plain",
        "",
        "... contents of file1.txt ...",
        "--AaB03x--",
        "",
    ]
    .join(eol)
    .into_bytes()
}

fn parse(body: &[u8]) -> (Vec<Part>, Flags) {
    parse_multipart(CT, body, &Limits::default())
}

#[test]
fn form_example_with_crlf_and_with_lf() {
    for eol in ["\r\n", "\n"] {
        let (parts, flags) = parse(&form_body(eol));
        assert!(flags.is_empty(), "{flags}");
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name, b"submit-name");
        assert_eq!(parts[0].data, b"Larry");
        assert_eq!(parts[0].filename, None);
        assert_eq!(parts[1].name, b"files");
        assert_eq!(parts[1].filename.as_deref(), Some(&b"file1.txt"[..]));
        assert_eq!(parts[1].content_type.as_deref(), Some(&b"text/plain"[..]));
        assert_eq!(parts[1].data, b"... contents of file1.txt ...");
    }
}

#[test]
fn rfc2046_example_with_preamble_and_epilogue() {
    let body = [
        "This is the preamble.  It is to be ignored, though it",
        "is a handy place for composition agents to include an",
        "explanatory note to non-MIME conformant readers.",
        "",
        "--simple boundary",
        "",
        "This is implicitly typed plain US-ASCII text.",
        "It does NOT end with a linebreak.",
        "--simple boundary",
        "Content-type: text/plain; charset=us-ascii",
        "",
        "This is explicitly typed plain US-ASCII text.",
        "It DOES end with a linebreak.",
        "",
        "--simple boundary--",
        "",
        "This is the epilogue.  It is also to be ignored.",
    ]
    .join("\r\n");
    let ct = b"multipart/mixed; boundary=\"simple boundary\"";
    let (parts, flags) = parse_multipart(ct, body.as_bytes(), &Limits::default());

    assert_eq!(parts.len(), 2);
    let first = "This is implicitly typed plain US-ASCII text.\r\n\
                 It does NOT end with a linebreak.";
    assert_eq!(parts[0].data, first.as_bytes());
    let second = "This is explicitly typed plain US-ASCII text.\r\n\
                  It DOES end with a linebreak.\r\n";
    assert_eq!(parts[1].data, second.as_bytes());
    assert_eq!(
        parts[1].content_type.as_deref(),
        Some(&b"text/plain; charset=us-ascii"[..])
    );
    // Not form data: no Content-Disposition with a name.
    assert!(flags.contains(Flag::MalformedMultipart));
    assert!(!flags.contains(Flag::MultipartUnterminated));
}

#[test]
fn boundary_lookalikes_stay_in_the_data() {
    let body = b"--AaB03x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n\
                 x\r\n--AaB03xyz\r\n--AaB03\r\ny\r\n--AaB03x--\r\n";
    let (parts, flags) = parse(body);
    assert_eq!(parts.len(), 1);
    assert_eq!(parts[0].data, b"x\r\n--AaB03xyz\r\n--AaB03\r\ny");
    assert!(flags.is_empty(), "{flags}");
}

#[test]
fn empty_part_data() {
    let body = b"--AaB03x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n\r\n--AaB03x--";
    let (parts, flags) = parse(body);
    assert_eq!(parts.len(), 1);
    assert_eq!(parts[0].data, b"");
    assert!(flags.is_empty(), "{flags}");
}

#[test]
fn missing_close_delimiter_is_flagged() {
    let mut body = form_body("\r\n");
    body.truncate(body.len() - b"--AaB03x--\r\n".len());
    let (parts, flags) = parse(&body);
    assert_eq!(parts.len(), 2);
    assert_eq!(parts[1].data, b"... contents of file1.txt ...\r\n");
    assert!(flags.contains(Flag::MultipartUnterminated));
}

#[test]
fn bodies_that_cannot_be_split() {
    let no_boundary = parse_multipart(
        b"multipart/form-data",
        &form_body("\r\n"),
        &Limits::default(),
    );
    assert_eq!(no_boundary.0.len(), 0);
    assert!(no_boundary.1.contains(Flag::MalformedMultipart));

    let (parts, flags) = parse(b"no delimiter here");
    assert!(parts.is_empty());
    assert!(flags.contains(Flag::MalformedMultipart));
}

#[test]
fn ambiguous_parts_are_flagged() {
    let body = b"--AaB03x\r\n\
        Content-Disposition: form-data; name=\"safe\"; name=\"evil\"\r\n\r\n1\r\n\
        --AaB03x\r\n\
        Content-Disposition: form-data; name=\"b\"\r\n\
        Content-Disposition: form-data; name=\"c\"\r\n\r\n2\r\n\
        --AaB03x--\r\n";
    let (parts, flags) = parse(body);
    assert_eq!(parts.len(), 2);
    assert_eq!(parts[0].name, b"safe");
    assert_eq!(parts[1].name, b"b");
    assert!(flags.contains(Flag::MalformedMultipart));
}

#[test]
fn part_limits() {
    let limits = Limits {
        max_parts: 1,
        max_part_data: 3,
        ..Limits::default()
    };
    let (parts, flags) = parse_multipart(CT, &form_body("\r\n"), &limits);
    assert_eq!(parts.len(), 1);
    assert_eq!(parts[0].data, b"Lar");
    assert!(flags.contains(Flag::TooManyParams));
    assert!(flags.contains(Flag::TooLong));
}

#[test]
fn header_section_cut_short_by_a_delimiter() {
    let body = b"--AaB03x\r\nContent-Disposition: form-data; name=\"a\"\r\n\
                 --AaB03x\r\nContent-Disposition: form-data; name=\"b\"\r\n\r\n2\r\n\
                 --AaB03x\r\nContent-Disposition: form-data; name=\"c\"\r\n--AaB03x--";
    let (parts, flags) = parse(body);
    let got: Vec<(&[u8], &[u8])> = parts.iter().map(|p| (&p.name[..], &p.data[..])).collect();
    assert_eq!(got, [(&b"a"[..], &b""[..]), (b"b", b"2"), (b"c", b"")]);
    assert!(flags.contains(Flag::MalformedMultipart));
    assert!(!flags.contains(Flag::MultipartUnterminated));

    let (parts, flags) = parse(b"--AaB03x\r\nContent-Disposition: form-data; name=\"a\"");
    assert!(parts.is_empty());
    assert!(flags.contains(Flag::MultipartUnterminated));
}
