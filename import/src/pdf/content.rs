//! A pass over every page's content streams before interpretation: counts
//! the operations each page runs (the `max_page_operations` limit, forms
//! included, cycles refused) and the character codes its text operators
//! show (the per-page self-check compares them with what the interpreter
//! delivered), and rewrites the `'` and `"` operators, which pdf-extract
//! does not implement, into their defined equivalents (`T*` then `Tj`;
//! `Tw`, `Tc`, `T*`, `Tj`).
//!
//! The scanner is a tokenizer only: it allocates nothing per operation, so
//! counting a page that would exhaust memory if parsed is cheap.

use std::collections::{HashMap, HashSet};

use lopdf::content::{Content, Operation};
use lopdf::{Dictionary, Document, Object, ObjectId};

use super::limits::{exceeded, LimitExceeded, PdfLimits};

/// What a page's content streams do, as counted before interpretation.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct PageScan {
    /// Character codes shown by `Tj`, `TJ`, `'` and `"`.
    pub codes: u64,
}

#[derive(Default, Clone, Copy)]
struct Counts {
    ops: u64,
    codes: u64,
}

/// The outcome of tokenizing one stream.
#[derive(Default)]
struct Scan {
    counts: Counts,
    /// Names passed to `Do`, once per use.
    dos: Vec<Vec<u8>>,
    /// The stream uses `'` or `"`.
    quotes: bool,
}

fn is_delim(c: u8) -> bool {
    matches!(
        c,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'\0')
}

/// Bytes a literal string starting after its `(` decodes to, and where it
/// ends (after its `)`).
fn literal_string(d: &[u8], mut i: usize) -> (u64, usize) {
    let (mut depth, mut n) = (1u32, 0u64);
    while i < d.len() {
        match d[i] {
            b'\\' => {
                i += 1;
                match d.get(i) {
                    Some(b'0'..=b'7') => {
                        let mut k = 0;
                        while k < 3 && matches!(d.get(i), Some(b'0'..=b'7')) {
                            i += 1;
                            k += 1;
                        }
                        n += 1;
                        continue;
                    }
                    // A backslash before an end of line continues the line.
                    Some(b'\r') => {
                        if d.get(i + 1) == Some(&b'\n') {
                            i += 1;
                        }
                    }
                    Some(b'\n') => {}
                    Some(_) => n += 1,
                    None => break,
                }
            }
            b'(' => {
                depth += 1;
                n += 1;
            }
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return (n, i + 1);
                }
                n += 1;
            }
            _ => n += 1,
        }
        i += 1;
    }
    (n, i)
}

/// Tokenizes a content stream. `two_byte` says whether a font resource
/// uses two-byte codes. Stops counting once `max_ops` is passed.
fn scan(d: &[u8], two_byte: &dyn Fn(&[u8]) -> bool, max_ops: u64) -> Scan {
    let mut out = Scan::default();
    let mut i = 0;
    // Bytes in strings since the last operator, and the last name operand.
    let mut pending = 0u64;
    let mut name: &[u8] = b"";
    let mut wide = false;
    while i < d.len() {
        let c = d[i];
        if is_space(c) {
            i += 1;
            continue;
        }
        match c {
            b'%' => {
                while i < d.len() && d[i] != b'\n' && d[i] != b'\r' {
                    i += 1;
                }
            }
            b'(' => {
                let (n, end) = literal_string(d, i + 1);
                pending += n;
                i = end;
            }
            b'<' if d.get(i + 1) == Some(&b'<') => i += 2,
            b'<' => {
                let end = d[i..]
                    .iter()
                    .position(|&b| b == b'>')
                    .map_or(d.len(), |p| i + p);
                let digits = d[i + 1..end]
                    .iter()
                    .filter(|b| b.is_ascii_hexdigit())
                    .count();
                pending += digits.div_ceil(2) as u64;
                i = end + 1;
            }
            b'/' => {
                let start = i + 1;
                i += 1;
                while i < d.len() && !is_space(d[i]) && !is_delim(d[i]) {
                    i += 1;
                }
                name = &d[start..i];
            }
            b'>' | b'[' | b']' | b'{' | b'}' | b')' => i += 1,
            _ => {
                let start = i;
                while i < d.len() && !is_space(d[i]) && !is_delim(d[i]) {
                    i += 1;
                }
                let tok = &d[start..i];
                let numeric = matches!(tok[0], b'0'..=b'9' | b'+' | b'-' | b'.');
                if numeric || matches!(tok, b"true" | b"false" | b"null") {
                    continue;
                }
                out.counts.ops += 1;
                match tok {
                    b"Tf" => wide = two_byte(name),
                    b"Tj" | b"TJ" | b"'" | b"\"" => {
                        out.counts.codes += if wide { pending / 2 } else { pending };
                        out.quotes |= tok[0] == b'\'' || tok[0] == b'"';
                    }
                    b"Do" => out.dos.push(name.to_vec()),
                    b"BI" => i = skip_inline_image(d, i),
                    _ => {}
                }
                pending = 0;
                if out.counts.ops > max_ops {
                    return out;
                }
            }
        }
    }
    out
}

/// From after `BI`, past the image data and its `EI`.
fn skip_inline_image(d: &[u8], from: usize) -> usize {
    let Some(id) = d[from..]
        .windows(4)
        .position(|w| is_space(w[0]) && &w[1..3] == b"ID" && is_space(w[3]))
    else {
        return d.len();
    };
    let mut i = from + id + 4;
    while i + 2 < d.len() {
        if is_space(d[i])
            && &d[i + 1..i + 3] == b"EI"
            && d.get(i + 3).is_none_or(|&b| is_space(b) || is_delim(b))
        {
            return i + 3;
        }
        i += 1;
    }
    d.len()
}

fn deref<'a>(doc: &'a Document, o: &'a Object) -> Option<&'a Object> {
    match o {
        Object::Reference(id) => doc.get_object(*id).ok(),
        o => Some(o),
    }
}

fn dict<'a>(doc: &'a Document, o: &'a Object) -> Option<&'a Dictionary> {
    match deref(doc, o)? {
        Object::Dictionary(d) => Some(d),
        Object::Stream(s) => Some(&s.dict),
        _ => None,
    }
}

/// One resource category (`Font`, `XObject`) as seen from a stream: its own
/// resources first, then the page's inherited ones.
fn lookup<'a>(
    doc: &'a Document,
    resources: &[&'a Dictionary],
    category: &[u8],
    name: &[u8],
) -> Option<&'a Object> {
    resources
        .iter()
        .find_map(|r| dict(doc, r.get(category).ok()?)?.get(name).ok())
}

struct Walker<'a> {
    doc: &'a Document,
    max_ops: u64,
    forms: HashMap<ObjectId, Counts>,
    quoted: HashSet<ObjectId>,
}

impl<'a> Walker<'a> {
    /// Counts a stream and, recursively, the forms it draws. `stack` holds
    /// the forms being drawn, to refuse cycles.
    fn walk(
        &mut self,
        data: &[u8],
        resources: &[&'a Dictionary],
        stack: &mut Vec<ObjectId>,
    ) -> Result<(Counts, bool), ObjectId> {
        let doc = self.doc;
        let two_byte = |font: &[u8]| {
            lookup(doc, resources, b"Font", font)
                .and_then(|f| dict(doc, f))
                .and_then(|f| f.get(b"Subtype").ok())
                .and_then(|s| s.as_name().ok())
                == Some(b"Type0".as_slice())
        };
        let s = scan(data, &two_byte, self.max_ops);
        let mut total = s.counts;
        for name in &s.dos {
            if total.ops > self.max_ops {
                break;
            }
            let Some(Object::Reference(id)) = lookup(doc, resources, b"XObject", name) else {
                continue;
            };
            let id = *id;
            if stack.contains(&id) || stack.len() > 32 {
                return Err(id);
            }
            let counts = match self.forms.get(&id) {
                Some(c) => *c,
                None => {
                    let Ok(Object::Stream(form)) = doc.get_object(id) else {
                        continue;
                    };
                    let is_form = form
                        .dict
                        .get(b"Subtype")
                        .ok()
                        .and_then(|s| s.as_name().ok())
                        == Some(b"Form".as_slice());
                    if !is_form {
                        continue;
                    }
                    let mut res: Vec<&Dictionary> = Vec::with_capacity(resources.len() + 1);
                    if let Some(own) = form.dict.get(b"Resources").ok().and_then(|r| dict(doc, r)) {
                        res.push(own);
                    }
                    res.extend_from_slice(resources);
                    stack.push(id);
                    let (c, quotes) = self.walk(&form.content, &res, stack)?;
                    stack.pop();
                    if quotes {
                        self.quoted.insert(id);
                    }
                    self.forms.insert(id, c);
                    c
                }
            };
            total.ops = total.ops.saturating_add(counts.ops);
            total.codes = total.codes.saturating_add(counts.codes);
        }
        Ok((total, s.quotes))
    }
}

fn content_ids(doc: &Document, page: ObjectId) -> Vec<ObjectId> {
    let Ok(page) = doc.get_dictionary(page) else {
        return Vec::new();
    };
    match page.get(b"Contents") {
        Ok(Object::Reference(id)) => match doc.get_object(*id) {
            // An indirect array of streams.
            Ok(Object::Array(a)) => a.iter().filter_map(|o| o.as_reference().ok()).collect(),
            _ => vec![*id],
        },
        Ok(Object::Array(a)) => a.iter().filter_map(|o| o.as_reference().ok()).collect(),
        _ => Vec::new(),
    }
}

/// Scans every page (enforcing `max_page_operations`), then rewrites the
/// streams that use `'` or `"`. Streams must already be decoded.
pub(crate) fn prepare(
    doc: &mut Document,
    page_ids: &[ObjectId],
    limits: &PdfLimits,
) -> Result<Vec<PageScan>, LimitExceeded> {
    let mut walker = Walker {
        doc,
        max_ops: limits.max_page_operations,
        forms: HashMap::new(),
        quoted: HashSet::new(),
    };
    let mut scans = Vec::with_capacity(page_ids.len());
    for (i, &page) in page_ids.iter().enumerate() {
        let (direct, inherited) = doc.get_page_resources(page).unwrap_or((None, Vec::new()));
        let mut res: Vec<&Dictionary> = direct.into_iter().collect();
        res.extend(
            inherited
                .iter()
                .filter_map(|id| doc.get_dictionary(*id).ok()),
        );
        // Contents streams are one stream split in pieces: scan them joined.
        let ids = content_ids(doc, page);
        let mut data = Vec::new();
        for id in &ids {
            if let Ok(Object::Stream(s)) = doc.get_object(*id) {
                data.extend_from_slice(&s.content);
                data.push(b'\n');
            }
        }
        let (counts, quotes) = walker.walk(&data, &res, &mut Vec::new()).map_err(|id| {
            exceeded(
                "max_page_operations",
                format!(
                    "page {}: form XObject {} {} R draws itself (directly or through other forms), which never ends",
                    i + 1,
                    id.0,
                    id.1
                ),
            )
        })?;
        if counts.ops > limits.max_page_operations {
            return Err(exceeded(
                "max_page_operations",
                format!(
                    "page {} runs more than {} content-stream operations",
                    i + 1,
                    limits.max_page_operations
                ),
            ));
        }
        if quotes {
            walker.quoted.extend(ids);
        }
        scans.push(PageScan {
            codes: counts.codes,
        });
    }
    let mut quoted: Vec<ObjectId> = walker.quoted.into_iter().collect();
    quoted.sort();
    for id in quoted {
        if let Ok(Object::Stream(s)) = doc.get_object_mut(id) {
            if let Some(new) = rewrite_quotes(&s.content) {
                s.set_plain_content(new);
            }
        }
    }
    Ok(scans)
}

/// `'` and `"` spelled out with the operators they are defined as (PDF
/// 32000-1, 9.4.3). `None` when the stream does not parse.
fn rewrite_quotes(data: &[u8]) -> Option<Vec<u8>> {
    let content = Content::decode(data).ok()?;
    let mut ops = Vec::with_capacity(content.operations.len());
    for op in content.operations {
        match (op.operator.as_str(), op.operands.as_slice()) {
            ("'", [text]) => {
                ops.push(Operation::new("T*", vec![]));
                ops.push(Operation::new("Tj", vec![text.clone()]));
            }
            ("\"", [aw, ac, text]) => {
                ops.push(Operation::new("Tw", vec![aw.clone()]));
                ops.push(Operation::new("Tc", vec![ac.clone()]));
                ops.push(Operation::new("T*", vec![]));
                ops.push(Operation::new("Tj", vec![text.clone()]));
            }
            _ => ops.push(op),
        }
    }
    Content { operations: ops }.encode().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_operations_and_codes() {
        let s = scan(
            b"BT /F1 12 Tf (a\\(b\\)c) Tj [(de) -200 <6667>] TJ 14 TL (x)' 1 2 (yz)\" ET % (no) Tj\n/Im1 Do",
            &|_| false,
            u64::MAX,
        );
        // BT Tf Tj TJ TL ' " ET Do
        assert_eq!(s.counts.ops, 9);
        assert_eq!(s.counts.codes, 5 + 4 + 1 + 2);
        assert!(s.quotes);
        assert_eq!(s.dos, vec![b"Im1".to_vec()]);
        let wide = scan(b"/F2 9 Tf <00410042> Tj", &|n| n == b"F2", u64::MAX);
        assert_eq!(wide.counts.codes, 2);
    }

    #[test]
    fn inline_image_data_is_not_read_as_operators() {
        let s = scan(
            b"q BI /W 2 /H 1 /BPC 8 /CS /G ID \x00Tj( EI Q",
            &|_| false,
            u64::MAX,
        );
        // q BI Q
        assert_eq!(s.counts.ops, 3);
        assert_eq!(s.counts.codes, 0);
    }

    #[test]
    fn quote_operators_become_their_definitions() {
        let out = rewrite_quotes(b"BT 12 TL (one) Tj (two)' 3 1 (three)\" ET").unwrap();
        let ops: Vec<String> = Content::decode(&out)
            .unwrap()
            .operations
            .into_iter()
            .map(|o| o.operator)
            .collect();
        assert_eq!(
            ops,
            ["BT", "TL", "Tj", "T*", "Tj", "Tw", "Tc", "T*", "Tj", "ET"]
        );
    }
}
