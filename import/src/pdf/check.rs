//! The per-page self-check: no page may lose text silently.
//!
//! Two comparisons per page. (1) The character codes the content stream
//! shows, counted by the scanner in `content.rs`, against the codes the
//! interpreter decoded: an operator or font the interpreter mishandles
//! shows up here. (2) The words of the page's lines, running headers and
//! footers aside, against the words of the page's Markdown: text lost by
//! layout or rendering shows up here. Either below the threshold is a
//! warning naming the page.

use std::collections::HashMap;

use super::layout::PageLayout;
use super::PdfPageReport;
use crate::ImportWarning;

/// Pages with fewer words or codes than this are not judged: one lost
/// word would swing the share.
const MIN_WORDS: u32 = 8;
const MIN_CODES: u64 = 40;

/// Lowercased alphanumeric tokens, NFKC-folded so that ligatures and
/// composed accents compare equal whichever side has them.
fn words(text: &str, into: &mut HashMap<String, u32>) {
    use unicode_normalization::UnicodeNormalization;
    let folded: String = text.nfkc().flat_map(char::to_lowercase).collect();
    for w in folded.split(|c: char| !c.is_alphanumeric()) {
        if !w.is_empty() {
            *into.entry(w.to_string()).or_insert(0) += 1;
        }
    }
}

/// The rendered body cut at its page markers, one string per page.
fn split_pages(body: &str, n: usize) -> Vec<String> {
    let mut pages = vec![String::new(); n];
    let mut current: Option<usize> = None;
    for line in body.lines() {
        if let Some(rest) = line.strip_prefix("<!-- page ") {
            let num = rest.split([' ', '-']).next().unwrap_or("");
            if let Ok(p) = num.parse::<usize>() {
                if (1..=n).contains(&p) {
                    current = Some(p - 1);
                    continue;
                }
            }
        }
        if let Some(p) = current {
            pages[p].push_str(line);
            pages[p].push('\n');
        }
    }
    pages
}

pub(crate) fn pages(
    layouts: &[PageLayout],
    furniture: &[Vec<usize>],
    body: &str,
    threshold: f64,
    reports: &mut [PdfPageReport],
    warnings: &mut Vec<ImportWarning>,
) {
    let rendered = split_pages(body, layouts.len());
    for (i, layout) in layouts.iter().enumerate() {
        let report = &mut reports[i];
        let number = report.number;
        if report.error.is_none()
            && report.codes_shown >= MIN_CODES
            && (report.codes_decoded as f64) < threshold * report.codes_shown as f64
        {
            warnings.push(ImportWarning {
                page: Some(number),
                message: format!(
                    "text is missing: the page shows {} characters, only {} ({:.0}%) could be decoded",
                    report.codes_shown,
                    report.codes_decoded,
                    100.0 * report.codes_decoded as f64 / report.codes_shown as f64
                ),
            });
        }

        let mut drawn = HashMap::new();
        let kept_lines: Vec<&str> = layout
            .lines
            .iter()
            .enumerate()
            .filter(|(l, _)| !furniture[i].contains(l))
            .map(|(_, line)| line.text.as_str())
            .collect();
        for (k, line) in kept_lines.iter().enumerate() {
            // A word cut by a line-end hyphen is one word in the output
            // (or two, where the hyphen belongs): judge neither piece.
            let mut text: &str = line;
            if text.trim_end().ends_with(['-', '\u{2010}', '\u{00AD}']) {
                text = text.trim_end().trim_end_matches(|c: char| {
                    c.is_alphanumeric() || "-\u{2010}\u{00AD}".contains(c)
                });
            }
            if k > 0
                && kept_lines[k - 1]
                    .trim_end()
                    .ends_with(['-', '\u{2010}', '\u{00AD}'])
            {
                text = text.trim_start().trim_start_matches(char::is_alphanumeric);
            }
            words(text, &mut drawn);
        }
        let mut out = HashMap::new();
        words(&rendered[i], &mut out);
        let total: u32 = drawn.values().sum();
        let kept: u32 = drawn
            .iter()
            .map(|(w, &n)| n.min(out.get(w).copied().unwrap_or(0)))
            .sum();
        report.words_drawn = total;
        report.words_kept = kept;
        if total >= MIN_WORDS && (kept as f64) < threshold * total as f64 {
            warnings.push(ImportWarning {
                page: Some(number),
                message: format!(
                    "text is missing: the output keeps {kept} of the {total} words the page draws ({:.0}%)",
                    100.0 * kept as f64 / total as f64
                ),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_cut_at_markers() {
        let body = "<!-- page 1 label=\"i\" -->\n\nOne\n\n<!-- page 2 -->\n\nTwo\n";
        let p = split_pages(body, 2);
        assert_eq!(p[0].trim(), "One");
        assert_eq!(p[1].trim(), "Two");
    }
}
