//! Small text helpers shared by the tools: ids, citations, output windows and
//! opaque cursors.

use crate::serve::library::{Chunk, Doc, Page};

/// What a `fetch` id names.
#[derive(Debug, PartialEq, Eq)]
pub enum Target<'a> {
    Chunk(&'a str, u32),
    Page(&'a str, u32),
    Other,
}

/// Parses `doc::N` (a chunk) and `doc::pN` (a page). The document part is
/// not checked here.
pub fn parse_id(id: &str) -> Target<'_> {
    let Some((doc, last)) = id.trim().rsplit_once("::") else {
        return Target::Other;
    };
    if let Some(n) = last.strip_prefix('p').and_then(number) {
        return Target::Page(doc, n);
    }
    match number(last) {
        Some(n) => Target::Chunk(doc, n),
        None => Target::Other,
    }
}

fn number(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// The page id form: `<document id>::p<physical page number>`.
pub fn page_id(doc: &Doc, number: u32) -> String {
    format!("{}::p{}", doc.id, number)
}

/// How a page is named in citations: its printed label when it has one.
pub fn page_name(page: &Page) -> String {
    page.label
        .clone()
        .unwrap_or_else(|| page.number.to_string())
}

/// The heading path of a chunk, without a leading document title.
pub fn section(doc: &Doc, chunk: &Chunk) -> Option<String> {
    section_of(doc, &chunk.breadcrumb)
}

pub fn section_of(doc: &Doc, breadcrumb: &[String]) -> Option<String> {
    let parts = match breadcrumb.split_first() {
        Some((first, rest)) if first.eq_ignore_ascii_case(&doc.title) => rest,
        _ => breadcrumb,
    };
    (!parts.is_empty()).then(|| parts.join(" › "))
}

/// `Relay Gateway 5.0 — Administration Guide, p. 7 (§ Troubleshooting › Recording)`.
/// The document title is added when its doc set holds several documents.
/// Documents without physical pages (HTML imports, Markdown without page
/// markers) are cited by document and section only: their page numbers are
/// positions of sections, which a reader of the original cannot check.
pub fn citation(doc: &Doc, page: Option<&Page>, section: Option<&str>) -> String {
    let page = page.filter(|_| doc.paged);
    let mut s = format!(
        "{} {} — {}",
        doc.product_name, doc.version, doc.doc_set_title
    );
    if doc.siblings > 1 {
        s.push_str(" › ");
        s.push_str(&doc.title);
    }
    if let Some(p) = page {
        s.push_str(&format!(", p. {}", page_name(p)));
    }
    if let Some(sec) = section.filter(|t| !t.is_empty()) {
        s.push_str(&format!(" (§ {sec})"));
    }
    s
}

/// At most `max_chars` characters of `text` from byte `offset`, cut at a line
/// break when one is near the end. Returns the slice and the byte offset to
/// continue from, if any text is left.
pub fn window(text: &str, offset: usize, max_chars: usize) -> (&str, Option<usize>) {
    let start = floor_boundary(text, offset.min(text.len()));
    let rest = &text[start..];
    let Some((cut, _)) = rest.char_indices().nth(max_chars) else {
        return (rest, None);
    };
    // Prefer ending on a line break in the last fifth of the window.
    let min = cut - cut / 5;
    let end = rest[..cut]
        .rfind('\n')
        .filter(|&i| i >= min)
        .map(|i| i + 1)
        .unwrap_or(cut);
    (&rest[..end], Some(start + end))
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// FNV-1a: a stable hash that ties a cursor to the request it continues.
pub fn fingerprint(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain(std::iter::once(0xff)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// An opaque cursor: the request's fingerprint and a position.
pub fn cursor(fp: u64, position: usize) -> String {
    format!("{fp:016x}{position:x}")
}

/// The position in a cursor made for the same request; `Err` for anything
/// else, so a cursor is never applied to a different query.
pub fn decode_cursor(cursor: Option<&str>, fp: u64) -> Result<usize, String> {
    let Some(c) = cursor.map(str::trim).filter(|c| !c.is_empty()) else {
        return Ok(0);
    };
    let bad = || {
        "this cursor does not belong to this request; repeat the call without `cursor`".to_string()
    };
    if c.len() <= 16 || !c.is_ascii() {
        return Err(bad());
    }
    let (head, tail) = c.split_at(16);
    match (
        u64::from_str_radix(head, 16),
        usize::from_str_radix(tail, 16),
    ) {
        (Ok(h), Ok(pos)) if h == fp => Ok(pos),
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert_eq!(parse_id("a::1::s::d::12"), Target::Chunk("a::1::s::d", 12));
        assert_eq!(
            parse_id("a::1::s::d/e::p3"),
            Target::Page("a::1::s::d/e", 3)
        );
        assert_eq!(parse_id("a::1::s::d"), Target::Other);
        assert_eq!(parse_id("a::1::s::d::p"), Target::Other);
        assert_eq!(parse_id("a::1::s::d::-1"), Target::Other);
        assert_eq!(parse_id("plain"), Target::Other);
    }

    #[test]
    fn windows_end_on_char_and_line_boundaries() {
        let text = "ab\ncdé\nfgh";
        assert_eq!(window(text, 0, 100), (text, None));
        let (w, next) = window(text, 0, 6);
        assert_eq!(w, "ab\ncdé");
        assert_eq!(window(text, next.unwrap(), 100), ("\nfgh", None));
        let (w, next) = window(text, 0, 7);
        assert_eq!(w, "ab\ncdé\n");
        assert_eq!(&text[next.unwrap()..], "fgh");
        // An offset inside a character moves back to its start.
        assert_eq!(window(text, 6, 1).0, "é");
    }

    #[test]
    fn cursors_belong_to_one_request() {
        let fp = fingerprint(&["search", "tls"]);
        assert_ne!(fp, fingerprint(&["search", "tl", "s"]));
        let c = cursor(fp, 20);
        assert_eq!(decode_cursor(Some(&c), fp), Ok(20));
        assert_eq!(decode_cursor(None, fp), Ok(0));
        assert!(decode_cursor(Some(&c), fp ^ 1).is_err());
        assert!(decode_cursor(Some("zz"), fp).is_err());
        assert!(decode_cursor(Some("ééééééééééééééééé"), fp).is_err());
    }
}
