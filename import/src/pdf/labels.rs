//! Printed page labels from the catalog's `/PageLabels` number tree
//! (PDF 32000-1:2008, 12.4.2).

use lopdf::{Dictionary, Document, Object};

/// One labelling range: it starts at a physical page index (0-based).
#[derive(Debug, Clone, PartialEq)]
struct Range {
    start: usize,
    style: Option<char>,
    prefix: String,
    first: i64,
}

/// The label of every physical page, or `None` for all when the document has
/// no `/PageLabels` (or pages before the first range, which the spec forbids).
pub(crate) fn read(doc: &Document, page_count: usize) -> Vec<Option<String>> {
    let mut labels = vec![None; page_count];
    let Some(root) = doc
        .catalog()
        .ok()
        .and_then(|c| c.get(b"PageLabels").ok())
        .and_then(|o| deref_dict(doc, o))
    else {
        return labels;
    };
    let mut pairs = Vec::new();
    collect_nums(doc, root, 0, &mut pairs);
    let mut ranges: Vec<Range> = pairs
        .into_iter()
        .filter_map(|(start, obj)| {
            let start = usize::try_from(start).ok()?;
            let dict = deref_dict(doc, obj)?;
            let style = dict
                .get(b"S")
                .ok()
                .and_then(|o| o.as_name().ok())
                .and_then(|n| match n {
                    b"D" => Some('D'),
                    b"R" => Some('R'),
                    b"r" => Some('r'),
                    b"A" => Some('A'),
                    b"a" => Some('a'),
                    _ => None,
                });
            let prefix = dict
                .get(b"P")
                .ok()
                .map(|o| deref(doc, o))
                .map(text_string)
                .unwrap_or_default();
            let first = dict
                .get(b"St")
                .ok()
                .map(|o| deref(doc, o))
                .and_then(|o| o.as_i64().ok())
                .filter(|&n| n >= 1)
                .unwrap_or(1);
            Some(Range {
                start,
                style,
                prefix,
                first,
            })
        })
        .collect();
    // Keys must be ascending; a malformed tree is still usable once sorted.
    ranges.sort_by_key(|r| r.start);
    ranges.dedup_by_key(|r| r.start);
    for (i, range) in ranges.iter().enumerate() {
        let end = ranges
            .get(i + 1)
            .map_or(page_count, |n| n.start.min(page_count));
        for (page, slot) in labels.iter_mut().enumerate().take(end).skip(range.start) {
            let value = range.first.saturating_add((page - range.start) as i64);
            *slot = Some(format_page_label(range.style, &range.prefix, value));
        }
    }
    labels
}

/// Formats one page label: `prefix` followed by `value` in the numbering
/// `style` (`D` decimal, `R`/`r` upper/lower roman, `A`/`a` letters as
/// A..Z, AA..ZZ, AAA..; `None` for prefix only), as the PDF spec defines.
pub fn format_page_label(style: Option<char>, prefix: &str, value: i64) -> String {
    let value = value.max(1);
    let number = match style {
        Some('D') => value.to_string(),
        Some('R') => roman(value),
        Some('r') => roman(value).to_lowercase(),
        Some('A') => letters(value),
        Some('a') => letters(value).to_lowercase(),
        _ => String::new(),
    };
    format!("{prefix}{number}")
}

fn roman(mut n: i64) -> String {
    const TABLE: [(i64, &str); 13] = [
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    // Absurd values would allocate megabytes of M's; no real book needs them.
    n = n.min(100_000);
    let mut s = String::new();
    for (v, r) in TABLE {
        while n >= v {
            s.push_str(r);
            n -= v;
        }
    }
    s
}

fn letters(n: i64) -> String {
    // 1..26 = A..Z, 27..52 = AA..ZZ, and so on (the letter repeats).
    let n = n.min(26 * 1000);
    let letter = (b'A' + ((n - 1) % 26) as u8) as char;
    let times = ((n - 1) / 26 + 1) as usize;
    std::iter::repeat_n(letter, times).collect()
}

fn collect_nums<'a>(
    doc: &'a Document,
    node: &'a Dictionary,
    depth: usize,
    out: &mut Vec<(i64, &'a Object)>,
) {
    if depth > 32 {
        return;
    }
    if let Some(nums) = node
        .get(b"Nums")
        .ok()
        .map(|o| deref(doc, o))
        .and_then(|o| o.as_array().ok())
    {
        for pair in nums.chunks(2) {
            if let [k, v] = pair {
                if let Ok(k) = deref(doc, k).as_i64() {
                    out.push((k, v));
                }
            }
        }
    }
    if let Some(kids) = node
        .get(b"Kids")
        .ok()
        .map(|o| deref(doc, o))
        .and_then(|o| o.as_array().ok())
    {
        for kid in kids {
            if let Some(kid) = deref_dict(doc, kid) {
                collect_nums(doc, kid, depth + 1, out);
            }
        }
    }
}

pub(crate) fn deref<'a>(doc: &'a Document, obj: &'a Object) -> &'a Object {
    doc.dereference(obj).map(|(_, o)| o).unwrap_or(obj)
}

pub(crate) fn deref_dict<'a>(doc: &'a Document, obj: &'a Object) -> Option<&'a Dictionary> {
    match deref(doc, obj) {
        Object::Dictionary(d) => Some(d),
        Object::Stream(s) => Some(&s.dict),
        _ => None,
    }
}

/// A PDF text string (PDFDocEncoding, UTF-16BE or UTF-8), decoded leniently.
pub(crate) fn text_string(obj: &Object) -> String {
    match lopdf::decode_text_string(obj) {
        Ok(s) => s,
        Err(_) => match obj.as_str() {
            Ok(bytes) => String::from_utf8_lossy(bytes).into_owned(),
            Err(_) => String::new(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn styles() {
        assert_eq!(format_page_label(Some('D'), "", 12), "12");
        assert_eq!(format_page_label(Some('r'), "", 4), "iv");
        assert_eq!(format_page_label(Some('R'), "", 1994), "MCMXCIV");
        assert_eq!(format_page_label(Some('A'), "", 1), "A");
        assert_eq!(format_page_label(Some('A'), "", 26), "Z");
        assert_eq!(format_page_label(Some('a'), "", 28), "bb");
        assert_eq!(format_page_label(Some('D'), "T-", 2), "T-2");
        assert_eq!(format_page_label(None, "Cover", 5), "Cover");
    }
}
