//! Helpers shared by the integration tests and the `bench` example: locating
//! the shared corpora, running poppler's `pdftotext`, and measuring word
//! overlap between our pages and poppler's.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// `$MCDEWEY_SHARED`, else `../shared` next to the workspace root. `None`
/// (after printing a notice) when it does not exist.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("MCDEWEY_SHARED") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared"),
    };
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("skipping: ../shared not found (set MCDEWEY_SHARED to point at it)");
        None
    }
}

/// Every `*.pdf` below `dir`, sorted.
pub fn find_pdfs(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x.eq_ignore_ascii_case("pdf")) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// All files below `root` as (relative path, bytes), sorted by path.
pub fn read_tree(root: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).expect("read dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(root)
                    .expect("below root")
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push((rel, std::fs::read(&p).expect("read file")));
            }
        }
    }
    out.sort();
    out
}

/// Poppler's text, one string per page; `None` when `pdftotext` is missing.
pub fn pdftotext_pages(pdf: &Path) -> Option<Vec<String>> {
    let out = Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(pdf)
        .arg("-")
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut pages: Vec<String> = text.split('\u{0C}').map(str::to_string).collect();
    // pdftotext ends every page with a form feed, so the last piece is empty.
    if pages.last().is_some_and(|p| p.trim().is_empty()) {
        pages.pop();
    }
    Some(pages)
}

pub fn have_pdftotext() -> bool {
    Command::new("pdftotext")
        .arg("-v")
        .output()
        .is_ok_and(|o| o.status.success() || !o.stderr.is_empty())
}

/// Our Markdown split at the page markers: (physical page, label, text).
pub fn split_pages(markdown: &str) -> Vec<(u32, Option<String>, String)> {
    let mut pages: Vec<(u32, Option<String>, String)> = Vec::new();
    for line in markdown.lines() {
        if let Some(rest) = line
            .strip_prefix("<!-- page ")
            .and_then(|r| r.strip_suffix(" -->"))
        {
            let (num, label) = match rest.split_once(" label=\"") {
                Some((n, l)) => (n, Some(l.trim_end_matches('"').to_string())),
                None => (rest, None),
            };
            if let Ok(n) = num.trim().parse() {
                pages.push((n, label, String::new()));
                continue;
            }
        }
        if let Some(p) = pages.last_mut() {
            p.2.push_str(line);
            p.2.push('\n');
        }
    }
    pages
}

/// Bag of lowercased alphanumeric tokens, after NFKC normalisation so that
/// ligatures ("ﬁ") and decomposed accents ("o" + U+0308) compare equal to
/// their plain forms whichever side produced them.
pub fn bag(text: &str) -> HashMap<String, usize> {
    use unicode_normalization::UnicodeNormalization;
    let folded: String = text
        .chars()
        .map(|c| if c == '\u{0131}' { 'i' } else { c })
        .nfkc()
        .flat_map(char::to_lowercase)
        .collect();
    let mut bag = HashMap::new();
    for t in folded.split(|c: char| !c.is_alphanumeric()) {
        if !t.is_empty() {
            *bag.entry(t.to_string()).or_insert(0) += 1;
        }
    }
    bag
}

/// |ours ∩ theirs| / |theirs| over token multisets, after taking the words
/// of `stripped` (what we removed on purpose) out of `theirs`. `None` when
/// poppler has no words on the page.
pub fn overlap(ours: &str, theirs: &str, stripped: &[String]) -> Option<f64> {
    let ours = bag(ours);
    let mut theirs = bag(theirs);
    for s in stripped {
        for (t, n) in bag(s) {
            if let Some(c) = theirs.get_mut(&t) {
                *c = c.saturating_sub(n);
            }
        }
    }
    let total: usize = theirs.values().sum();
    if total == 0 {
        return None;
    }
    let common: usize = theirs
        .iter()
        .map(|(t, n)| (*n).min(ours.get(t).copied().unwrap_or(0)))
        .sum();
    Some(common as f64 / total as f64)
}

/// Per-page overlap of one import against poppler: (min, mean, worst page).
pub struct Fidelity {
    pub min: f64,
    pub mean: f64,
    pub worst_page: u32,
    pub pages: Vec<(u32, f64)>,
}

pub fn fidelity(markdown: &str, stripped: &[Vec<String>], poppler: &[String]) -> Option<Fidelity> {
    let ours = split_pages(markdown);
    let mut pages = Vec::new();
    for (i, theirs) in poppler.iter().enumerate() {
        let our_text = ours.get(i).map(|p| p.2.as_str()).unwrap_or("");
        let strip = stripped.get(i).map(Vec::as_slice).unwrap_or(&[]);
        if let Some(r) = overlap(our_text, theirs, strip) {
            pages.push((i as u32 + 1, r));
        }
    }
    if pages.is_empty() {
        return None;
    }
    let (worst_page, min) = pages
        .iter()
        .copied()
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .expect("non-empty");
    let mean = pages.iter().map(|p| p.1).sum::<f64>() / pages.len() as f64;
    Some(Fidelity {
        min,
        mean,
        worst_page,
        pages,
    })
}
