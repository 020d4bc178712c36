//! Snippets and highlight ranges, computed from a chunk's text by
//! re-tokenizing it, so no positions need to be downloaded for display.

use crate::order::TermSet;

use crate::tokenize::{TermKind, Tokenizer};

/// Default snippet length in characters.
pub const SNIPPET_CHARS: usize = 220;

/// A short piece of text with the byte ranges to highlight.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Snippet {
    pub text: String,
    /// Sorted, non-overlapping byte ranges `start..end` into `text`.
    pub highlights: Vec<(usize, usize)>,
}

impl Snippet {
    /// Highlights as UTF-16 code unit offsets, for JavaScript strings.
    pub fn highlights_utf16(&self) -> Vec<(usize, usize)> {
        utf16_ranges(&self.text, &self.highlights)
    }
}

/// Convert byte ranges of `text` to UTF-16 offsets.
pub fn utf16_ranges(text: &str, ranges: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let to16 = |b: usize| text[..b.min(text.len())].encode_utf16().count();
    ranges.iter().map(|&(a, b)| (to16(a), to16(b))).collect()
}

/// Byte ranges of `text` whose terms are in `terms`. A word matched as a
/// whole is highlighted whole; otherwise only its matching parts
/// (`Media` in `targetMediaAddress`).
pub fn highlight(tokenizer: &Tokenizer, text: &str, terms: &TermSet) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    tokenizer.tokenize_matching(text, terms, |w| {
        if let Some(t) = w
            .terms
            .iter()
            .find(|t| t.kind == TermKind::Whole && terms.contains(&t.text))
        {
            out.push((t.start, t.end));
            return;
        }
        for t in &w.terms {
            if t.kind != TermKind::Whole && terms.contains(&t.text) {
                out.push((t.start, t.end));
            }
        }
    });
    merge(out)
}

fn merge(mut r: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    crate::order::sort(&mut r);
    let mut out: Vec<(usize, usize)> = Vec::with_capacity(r.len());
    for (a, b) in r {
        match out.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

/// Pick the window of about `max_chars` characters with the most distinct
/// matched terms (then the most matches), cut it at word boundaries,
/// collapse whitespace, mark cuts with `…`, and map highlights into it.
pub fn snippet(tokenizer: &Tokenizer, text: &str, terms: &TermSet, max_chars: usize) -> Snippet {
    // Matches with the term they matched, to count distinct terms.
    let mut matches: Vec<(usize, usize, String)> = Vec::new();
    tokenizer.tokenize_matching(text, terms, |w| {
        if let Some(t) = w
            .terms
            .iter()
            .find(|t| t.kind == TermKind::Whole && terms.contains(&t.text))
        {
            matches.push((t.start, t.end, t.text.clone()));
            return;
        }
        for t in &w.terms {
            if t.kind != TermKind::Whole && terms.contains(&t.text) {
                matches.push((t.start, t.end, t.text.clone()));
            }
        }
    });
    let char_starts: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
    let nchars = char_starts.len();
    let byte_at = |ci: usize| char_starts.get(ci).copied().unwrap_or(text.len());
    let char_of = |b: usize| char_starts.partition_point(|&s| s < b);

    // Window in chars.
    let (mut ws, mut we) = (0usize, nchars.min(max_chars));
    if nchars > max_chars && !matches.is_empty() {
        let lead = max_chars / 5;
        let mut best = (0usize, 0usize, usize::MAX);
        for (i, m) in matches.iter().enumerate() {
            let start_c = char_of(m.0).saturating_sub(lead);
            let end_b = byte_at(start_c + max_chars);
            let mut distinct: Vec<&str> = Vec::new();
            let mut count = 0;
            for m2 in &matches[i..] {
                if m2.1 > end_b {
                    break;
                }
                count += 1;
                if !distinct.contains(&m2.2.as_str()) {
                    distinct.push(&m2.2);
                }
            }
            let key = (distinct.len(), count);
            if key > (best.0, best.1) {
                best = (key.0, key.1, start_c);
            }
        }
        ws = best.2;
        we = (ws + max_chars).min(nchars);
        if we == nchars {
            ws = nchars.saturating_sub(max_chars);
        }
    }
    // Snap to word boundaries: move the start forward past a partial word and
    // the end back before one.
    let is_ws = |ci: usize| text[byte_at(ci)..].starts_with(char::is_whitespace);
    if ws > 0 {
        let mut s = ws;
        while s < we && !is_ws(s - 1) && s - ws < 20 {
            s += 1;
        }
        if s < we {
            ws = s;
        }
    }
    if we < nchars {
        let mut e = we;
        while e > ws && !is_ws(e) && we - e < 20 {
            e -= 1;
        }
        if e > ws {
            we = e;
        }
    }
    let (bs, be) = (byte_at(ws), byte_at(we));
    let hl = merge(
        matches
            .iter()
            .filter(|m| m.0 >= bs && m.1 <= be)
            .map(|m| (m.0, m.1))
            .collect(),
    );

    // Copy the window, collapsing whitespace and mapping highlight offsets.
    let mut out = String::with_capacity(be - bs + 8);
    if ws > 0 {
        out.push('…');
    }
    let mut mapped = Vec::with_capacity(hl.len());
    let mut hi = 0;
    let mut open: Option<usize> = None;
    let mut last_space = true;
    for (b, c) in text[bs..be].char_indices() {
        let b = b + bs;
        if open.is_none() && hi < hl.len() && hl[hi].0 == b {
            open = Some(out.len());
        }
        if c.is_whitespace() {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
        } else {
            out.push(c);
            last_space = false;
        }
        if let Some(o) = open {
            if b + c.len_utf8() == hl[hi].1 {
                mapped.push((o, out.len()));
                open = None;
                hi += 1;
            }
        }
    }
    while out.ends_with(' ') {
        out.pop();
    }
    if we < nchars {
        out.push('…');
    }
    Snippet {
        text: out,
        highlights: mapped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenize::TokenizerSettings;

    fn set(v: &[&str]) -> TermSet {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn marked(s: &Snippet) -> String {
        let mut out = String::new();
        let mut last = 0;
        for &(a, b) in &s.highlights {
            out.push_str(&s.text[last..a]);
            out.push('[');
            out.push_str(&s.text[a..b]);
            out.push(']');
            last = b;
        }
        out.push_str(&s.text[last..]);
        out
    }

    #[test]
    fn short_text_highlights_stems_and_parts() {
        let t = Tokenizer::new(TokenizerSettings::default());
        let s = snippet(
            &t,
            "Recording starts.\n\nSet targetMediaAddress first.",
            &set(&["record", "media"]),
            200,
        );
        assert_eq!(
            marked(&s),
            "[Recording] starts. Set target[Media]Address first."
        );
    }

    #[test]
    fn whole_identifier_match_highlights_whole_word() {
        let t = Tokenizer::new(TokenizerSettings::default());
        let s = snippet(
            &t,
            "Call START_RECORDING now",
            &set(&["start_recording", "start"]),
            200,
        );
        assert_eq!(marked(&s), "Call [START_RECORDING] now");
    }

    #[test]
    fn long_text_window_goes_to_densest_matches() {
        let t = Tokenizer::new(TokenizerSettings::default());
        let filler = "lorem ipsum dolor sit amet ".repeat(30);
        let text = format!("{filler}the alpha engine and the beta engine work together. {filler}");
        let s = snippet(&t, &text, &set(&["alpha", "beta"]), 80);
        let m = marked(&s);
        assert!(m.contains("[alpha]") && m.contains("[beta]"), "{m}");
        assert!(m.starts_with('…') && m.ends_with('…'), "{m}");
        assert!(s.text.chars().count() <= 82, "{m}");
        // Highlights are valid byte ranges on char boundaries.
        for &(a, b) in &s.highlights {
            assert!(s.text.is_char_boundary(a) && s.text.is_char_boundary(b) && a < b);
        }
    }

    #[test]
    fn no_match_gives_the_start() {
        let t = Tokenizer::new(TokenizerSettings::default());
        let s = snippet(&t, "one two three four five six", &set(&["zzz"]), 12);
        assert_eq!(s.text, "one two…");
        assert!(s.highlights.is_empty());
    }

    #[test]
    fn utf16_offsets() {
        let s = Snippet {
            text: "é😀 ab".into(),
            highlights: vec![(7, 9)],
        };
        assert_eq!(s.highlights_utf16(), vec![(4, 6)]);
    }
}
