//! Font preparation, done once per document before text extraction.
//!
//! pdf-extract rebuilds every font on every page, and parsing an embedded
//! Type 1 program just to read its built-in encoding dominated import time
//! (over 80% on TeX manuals). It also panics on some real-world font data,
//! losing the whole page. So, once per font object, we:
//!
//! * read a Type 1 program's built-in encoding ourselves (cleartext part only)
//!   and write it into the font dictionary as an explicit `/Differences`
//!   encoding, which is what the spec says that built-in encoding means, then
//!   detach the program (`/FontFile`) so it is never parsed again;
//! * validate `/ToUnicode` CMaps with the parser pdf-extract uses, repair the
//!   common defect of one-byte `bfrange` destinations, and drop maps that
//!   still fail (the font's encoding then applies);
//! * drop encoding names and `/Differences` entries pdf-extract cannot read.

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};

use lopdf::{Dictionary, Document, Object, ObjectId, Stream};

/// Encodings pdf-extract knows by name; any other name makes it panic.
const KNOWN_ENCODINGS: [&[u8]; 3] = [
    b"WinAnsiEncoding",
    b"MacRomanEncoding",
    b"MacExpertEncoding",
];

#[derive(Default)]
pub(crate) struct FontReport {
    pub repaired_cmaps: usize,
    pub dropped_cmaps: usize,
}

pub(crate) fn prepare(doc: &mut Document) -> FontReport {
    let mut report = FontReport::default();
    let font_ids: Vec<ObjectId> = doc
        .objects
        .iter()
        .filter(|(_, o)| {
            o.as_dict().is_ok_and(|d| {
                d.get(b"Type")
                    .ok()
                    .and_then(|t| t.as_name().ok())
                    .is_some_and(|t| t == b"Font")
            })
        })
        .map(|(id, _)| *id)
        .collect();

    // Phase 1: decide every change while the document is borrowed immutably.
    let mut cmap_fixes: HashMap<ObjectId, Option<Vec<u8>>> = HashMap::new();
    let mut font_edits: Vec<(ObjectId, FontEdit)> = Vec::new();
    let mut builtin_cache: HashMap<ObjectId, Option<Builtin>> = HashMap::new();
    let mut programs_to_detach: Vec<ObjectId> = Vec::new();

    for &fid in &font_ids {
        let Ok(font) = doc.get_dictionary(fid) else {
            continue;
        };
        let mut edit = FontEdit::default();

        if let Ok(Object::Reference(cmap_id)) = font.get(b"ToUnicode") {
            if let std::collections::hash_map::Entry::Vacant(slot) = cmap_fixes.entry(*cmap_id) {
                if let Ok(stream) = doc.get_object(*cmap_id).and_then(Object::as_stream) {
                    let data = stream_bytes(stream);
                    // Repair first: checking a known-bad map would panic inside
                    // the parser, which prints noise even though it is caught.
                    let repaired = repair_cmap(&data);
                    let ok = cmap_ok(repaired.as_deref().unwrap_or(&data));
                    match (ok, repaired) {
                        (true, Some(fixed)) => {
                            slot.insert(Some(fixed));
                        }
                        (true, None) => {}
                        (false, _) => {
                            slot.insert(None);
                        }
                    }
                }
            }
        }

        let subtype = font.get(b"Subtype").ok().and_then(|s| s.as_name().ok());
        let simple = matches!(
            subtype,
            Some(b"Type1") | Some(b"MMType1") | Some(b"TrueType") | Some(b"Type3")
        );
        let encoding = font.get(b"Encoding").ok().map(|e| deref(doc, e));
        // Composite (Type0) fonts name a CMap here, which is a different thing.
        match encoding.filter(|_| simple) {
            Some(Object::Name(name)) if !KNOWN_ENCODINGS.contains(&name.as_slice()) => {
                edit.remove_encoding = true;
            }
            Some(Object::Dictionary(enc)) => {
                if let Some(fixed) = sanitize_encoding_dict(doc, enc) {
                    edit.set_encoding = Some(Object::Dictionary(fixed));
                }
            }
            _ => {}
        }

        if matches!(subtype, Some(b"Type1") | Some(b"MMType1")) {
            let descriptor = font
                .get(b"FontDescriptor")
                .ok()
                .and_then(|d| d.as_reference().ok());
            let program = descriptor
                .and_then(|d| doc.get_dictionary(d).ok())
                .and_then(|d| d.get(b"FontFile").ok())
                .and_then(|f| f.as_reference().ok());
            if let (Some(descriptor), Some(program)) = (descriptor, program) {
                let has_encoding = encoding.is_some() && !edit.remove_encoding;
                if !has_encoding {
                    let builtin = builtin_cache
                        .entry(program)
                        .or_insert_with(|| builtin_encoding(doc, program));
                    if let Some(entries) = builtin {
                        edit.set_encoding = Some(differences(entries));
                        edit.remove_encoding = false;
                    }
                }
                programs_to_detach.push(descriptor);
            }
        }
        if edit.remove_encoding || edit.set_encoding.is_some() {
            font_edits.push((fid, edit));
        }
    }

    // Phase 2: apply.
    for (cmap_id, fix) in cmap_fixes {
        match fix {
            Some(bytes) => {
                let stream = Stream::new(Dictionary::new(), bytes);
                doc.objects.insert(cmap_id, Object::Stream(stream));
                report.repaired_cmaps += 1;
            }
            None => {
                // Replace with an empty map rather than editing every font
                // that shares it: an empty CMap parses and maps nothing, so
                // the font's encoding is used for every code.
                let stream = Stream::new(Dictionary::new(), EMPTY_CMAP.to_vec());
                doc.objects.insert(cmap_id, Object::Stream(stream));
                report.dropped_cmaps += 1;
            }
        }
    }
    for (fid, edit) in font_edits {
        if let Ok(font) = doc.get_dictionary_mut(fid) {
            if edit.remove_encoding {
                font.remove(b"Encoding");
            }
            if let Some(enc) = edit.set_encoding {
                font.set("Encoding", enc);
            }
        }
    }
    for descriptor in programs_to_detach {
        if let Ok(d) = doc.get_dictionary_mut(descriptor) {
            d.remove(b"FontFile");
        }
    }
    report
}

/// A Type 1 program's built-in encoding: (code, glyph name), by code.
type Builtin = Vec<(u32, Vec<u8>)>;

#[derive(Default)]
struct FontEdit {
    remove_encoding: bool,
    set_encoding: Option<Object>,
}

const EMPTY_CMAP: &[u8] = b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap \
1 begincodespacerange <00> <FF> endcodespacerange endcmap end end";

fn deref<'a>(doc: &'a Document, obj: &'a Object) -> &'a Object {
    doc.dereference(obj).map(|(_, o)| o).unwrap_or(obj)
}

fn stream_bytes(stream: &Stream) -> Vec<u8> {
    stream
        .decompressed_content()
        .unwrap_or_else(|_| stream.content.clone())
}

/// True when pdf-extract will be able to use this ToUnicode CMap without
/// panicking: it parses, and every value is well-formed UTF-16BE.
fn cmap_ok(data: &[u8]) -> bool {
    let parsed = catch_unwind(AssertUnwindSafe(|| {
        adobe_cmap_parser::get_unicode_map(data)
    }));
    let Ok(Ok(map)) = parsed else {
        return false;
    };
    map.values().all(|v| {
        if v.len() % 2 != 0 {
            return false;
        }
        let units: Vec<u16> = v
            .chunks(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        // pdf-extract skips lone surrogates itself; anything else must decode.
        matches!(units.as_slice(), [0xD800..=0xDFFF]) || String::from_utf16(&units).is_ok()
    })
}

/// Pads odd-sized hex destinations in `bfrange`/`bfchar` sections to whole
/// UTF-16 code units (`<C5>` → `<00C5>`), the defect seen in TeX-generated
/// maps. Returns `None` when nothing needed changing.
fn repair_cmap(data: &[u8]) -> Option<Vec<u8>> {
    let text = String::from_utf8_lossy(data);
    let mut out = String::with_capacity(text.len() + 64);
    let mut changed = false;
    let mut section: Option<usize> = None; // tokens per entry: 3 for bfrange, 2 for bfchar
    for line in text.lines() {
        let t = line.trim();
        if t.ends_with("beginbfrange") {
            section = Some(3);
        } else if t.ends_with("beginbfchar") {
            section = Some(2);
        } else if t.starts_with("endbfrange") || t.starts_with("endbfchar") {
            section = None;
        } else if let Some(n) = section {
            let toks: Vec<&str> = t.split_whitespace().collect();
            if toks.len() == n {
                let last = toks[n - 1];
                if let Some(hex) = last.strip_prefix('<').and_then(|h| h.strip_suffix('>')) {
                    if hex.len() % 4 != 0 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
                        let padded = format!("{}{}", "0".repeat(4 - hex.len() % 4), hex);
                        out.push_str(&toks[..n - 1].join(" "));
                        out.push_str(&format!(" <{padded}>\n"));
                        changed = true;
                        continue;
                    }
                }
            }
        }
        out.push_str(line);
        out.push('\n');
    }
    changed.then(|| out.into_bytes())
}

/// Returns a cleaned copy of an `/Encoding` dictionary when it holds
/// something pdf-extract would panic on; `None` when it is fine as is.
fn sanitize_encoding_dict(doc: &Document, enc: &Dictionary) -> Option<Dictionary> {
    let mut fixed = enc.clone();
    let mut changed = false;
    if let Ok(base) = enc.get(b"BaseEncoding").map(|b| deref(doc, b)) {
        let ok = base.as_name().is_ok_and(|n| KNOWN_ENCODINGS.contains(&n));
        if !ok {
            fixed.remove(b"BaseEncoding");
            changed = true;
        }
    }
    if let Ok(diffs) = enc
        .get(b"Differences")
        .map(|d| deref(doc, d))
        .and_then(Object::as_array)
    {
        let mut clean = Vec::with_capacity(diffs.len());
        let mut code: i64 = 0;
        for o in diffs {
            match deref(doc, o) {
                Object::Integer(i) if (0..=255).contains(i) => {
                    code = *i;
                    clean.push(Object::Integer(*i));
                }
                Object::Name(n) if code <= 255 => {
                    clean.push(Object::Name(n.clone()));
                    code += 1;
                }
                _ => {
                    changed = true;
                }
            }
        }
        if code > 256 {
            changed = true;
        }
        if changed {
            fixed.set("Differences", Object::Array(clean));
        }
    }
    changed.then_some(fixed)
}

/// Reads the `/Encoding` array of an embedded Type 1 program. Only the
/// cleartext part (`/Length1` bytes) holds it; skipping the encrypted part is
/// what makes this cheap.
fn builtin_encoding(doc: &Document, program: ObjectId) -> Option<Builtin> {
    let stream = doc.get_object(program).ok()?.as_stream().ok()?;
    let data = stream_bytes(stream);
    let clear_len = stream
        .dict
        .get(b"Length1")
        .ok()
        .map(|l| deref(doc, l))
        .and_then(|l| l.as_i64().ok())
        .and_then(|l| usize::try_from(l).ok())
        .filter(|&l| l > 0 && l <= data.len())
        .unwrap_or(data.len());
    let clear = cleartext_prefix(&data[..clear_len]);
    let parsed = catch_unwind(AssertUnwindSafe(|| {
        type1_encoding_parser::get_encoding_map(clear)
    }));
    let Ok(Ok(map)) = parsed else {
        return None;
    };
    let mut entries: Vec<(u32, Vec<u8>)> = map.into_iter().filter(|(c, _)| *c < 256).collect();
    entries.sort();
    Some(entries)
}

/// The cleartext portion ends at `eexec`; the parser only needs what precedes
/// it, and binary bytes after it can trip the PostScript lexer.
fn cleartext_prefix(data: &[u8]) -> &[u8] {
    match data.windows(5).position(|w| w == b"eexec") {
        Some(p) => &data[..p + 5],
        None => data,
    }
}

fn differences(entries: &[(u32, Vec<u8>)]) -> Object {
    let mut arr = Vec::with_capacity(entries.len() * 2);
    let mut next: Option<u32> = None;
    for (code, name) in entries {
        if next != Some(*code) {
            arr.push(Object::Integer(i64::from(*code)));
        }
        arr.push(Object::Name(name.clone()));
        next = Some(code + 1);
    }
    let mut enc = Dictionary::new();
    enc.set("Type", Object::Name(b"Encoding".to_vec()));
    enc.set("Differences", Object::Array(arr));
    Object::Dictionary(enc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repairs_short_bfrange_destinations() {
        let cmap = b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n\
1 begincodespacerange\n<00> <FF>\nendcodespacerange\n\
2 beginbfrange\n<30> <39> <0030>\n<C5> <D6> <C5>\nendbfrange\nendcmap end end\n";
        // (Not checking `cmap_ok(cmap)` itself: the parser's caught panic
        // would print to the test output.)
        let fixed = repair_cmap(cmap).expect("changed");
        assert!(cmap_ok(&fixed));
        let map = adobe_cmap_parser::get_unicode_map(&fixed).unwrap();
        assert_eq!(map[&0xC5], vec![0x00, 0xC5]);
        assert!(cmap_ok(EMPTY_CMAP));
    }
}
