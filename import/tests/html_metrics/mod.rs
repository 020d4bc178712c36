//! Quality figures of one imported HTML doc set, shared by the shared-set
//! tests and the `html_bench` example. Every figure is computed from the
//! input files and the Markdown written, never from the importer's own
//! bookkeeping, so a regression in the importer cannot hide itself.
#![allow(dead_code)]

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use mcdewey_import::HtmlImport;
use scraper::{Html, Selector};

/// The figures of one set.
#[derive(Debug, Clone, Default)]
pub struct Figures {
    pub html_in: usize,
    pub docs_out: usize,
    /// Skipped pages by reason.
    pub skipped: Vec<(String, usize)>,
    /// Pages reported as problems (path, reason).
    pub problems: usize,
    /// Documents whose body has at least 20 words.
    pub with_text: usize,
    /// Documents under 20 words whose source page is short too: the page
    /// lost no more words than the median page of the set lost (its
    /// navigation), give or take ten (the title).
    pub short_in_source: usize,
    /// `<pre>` elements in the pages that became documents.
    pub pre_in: usize,
    pub fences_out: usize,
    /// Documents holding a run of 3 consecutive lines present in at least
    /// 30% of the set's documents.
    pub boilerplate_docs: usize,
    /// The most common such run, for the report.
    pub boilerplate_example: Option<(usize, String)>,
    pub headings: usize,
    pub permalink_headings: usize,
    pub distinct_titles: usize,
    pub table_rows: usize,
    pub empty_table_rows: usize,
}

impl Figures {
    pub fn share(n: usize, of: usize) -> f64 {
        if of == 0 {
            1.0
        } else {
            n as f64 / of as f64
        }
    }
    pub fn text_share(&self) -> f64 {
        Self::share(self.with_text, self.docs_out)
    }
    /// Documents with text, counting those whose source has no more.
    pub fn text_share_fair(&self) -> f64 {
        Self::share(self.with_text + self.short_in_source, self.docs_out)
    }
    pub fn code_share(&self) -> f64 {
        Self::share(self.fences_out.min(self.pre_in), self.pre_in)
    }
    pub fn boilerplate_share(&self) -> f64 {
        if self.docs_out == 0 {
            0.0
        } else {
            self.boilerplate_docs as f64 / self.docs_out as f64
        }
    }
    pub fn title_share(&self) -> f64 {
        Self::share(self.distinct_titles, self.docs_out)
    }
    pub fn empty_row_share(&self) -> f64 {
        if self.table_rows == 0 {
            0.0
        } else {
            self.empty_table_rows as f64 / self.table_rows as f64
        }
    }
}

/// Every doc set below `corpora/html`: directories holding an `index.html`
/// (vendor/version), sorted.
pub fn find_sets(html_root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(vendors) = std::fs::read_dir(html_root) else {
        return out;
    };
    for v in vendors.flatten() {
        let Ok(versions) = std::fs::read_dir(v.path()) else {
            continue;
        };
        for d in versions.flatten() {
            if d.path().join("index.html").is_file() {
                out.push(d.path());
            }
        }
    }
    out.sort();
    out
}

/// The Markdown after the front matter.
pub fn body(markdown: &str) -> &str {
    markdown
        .strip_prefix("---\n")
        .and_then(|rest| rest.find("\n---\n").map(|i| &rest[i + 5..]))
        .unwrap_or(markdown)
}

pub fn words(text: &str) -> usize {
    text.split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count()
}

pub fn count_fences(md: &str) -> usize {
    let mut open: Option<String> = None;
    let mut n = 0;
    for line in md.lines() {
        let t = line.trim_start_matches([' ', '>']).trim_start();
        let t = t
            .strip_prefix("- ")
            .or_else(|| {
                // Ordered-list marker before a fence.
                let digits = t.chars().take_while(char::is_ascii_digit).count();
                (digits > 0)
                    .then(|| t[digits..].strip_prefix(". "))
                    .flatten()
            })
            .unwrap_or(t)
            .trim_start();
        let ticks: String = t.chars().take_while(|c| *c == '`').collect();
        match &open {
            None if ticks.len() >= 3 => {
                open = Some(ticks);
                n += 1;
            }
            Some(f) if ticks.len() >= f.len() && t.trim_end() == ticks => open = None,
            _ => {}
        }
    }
    n
}

/// A heading line that still carries a permalink mark.
pub fn has_permalink_mark(heading: &str) -> bool {
    let t = heading.trim_start_matches('#').trim();
    // "C#" is a name; a mark stands apart ("Install #") or alone.
    let hash = t == "#" || t.ends_with(" #") || t.ends_with("\u{a0}#");
    t.ends_with('¶')
        || hash
        || t.ends_with('§')
        || t.ends_with('🔗')
        || t.contains("Link to this heading")
        || t.contains("Permalink to this")
}

fn md_of(html_path: &str) -> String {
    let name_start = html_path.rfind('/').map_or(0, |i| i + 1);
    match html_path[name_start..].rfind('.') {
        Some(i) => format!("{}.md", &html_path[..name_start + i]),
        None => format!("{html_path}.md"),
    }
}

/// Why a page was left out, for the report (same classes as the importer).
pub fn skip_class(path: &str) -> String {
    if let Some(seg) = path.split('/').find(|s| s.starts_with('_')) {
        return format!("{seg}/");
    }
    let name = path.rsplit('/').next().unwrap_or(path);
    let stem = name.split('.').next().unwrap_or(name);
    if stem.starts_with("genindex") {
        "genindex".into()
    } else {
        stem.to_string()
    }
}

pub fn measure(files: &[(String, Vec<u8>)], imp: &HtmlImport) -> Figures {
    let is_html = |p: &str| {
        let l = p.to_ascii_lowercase();
        l.ends_with(".html") || l.ends_with(".htm") || l.ends_with(".xhtml")
    };
    let mut f = Figures {
        html_in: files.iter().filter(|(p, _)| is_html(p)).count(),
        docs_out: imp.docs.len(),
        problems: imp.problems.len(),
        ..Figures::default()
    };
    let mut skipped: HashMap<String, usize> = HashMap::new();
    for s in &imp.skipped {
        *skipped.entry(skip_class(s)).or_default() += 1;
    }
    f.skipped = skipped.into_iter().collect();
    f.skipped.sort();

    // <pre> in the pages that became documents (not in scripts or templates).
    let docs: HashSet<&str> = imp.docs.iter().map(|d| d.rel_path.as_str()).collect();
    let pre = Selector::parse("pre").expect("selector");
    let body_sel = Selector::parse("body").expect("selector");
    let mut source_words: HashMap<String, usize> = HashMap::new();
    for (path, bytes) in files {
        if !is_html(path) || !docs.contains(md_of(path).as_str()) {
            continue;
        }
        let page = Html::parse_document(&String::from_utf8_lossy(bytes));
        let visible: String = page
            .select(&body_sel)
            .flat_map(|b| b.descendants())
            .filter_map(|n| n.value().as_text().map(|t| (n, t)))
            .filter(|(n, _)| {
                !n.ancestors().any(|a| {
                    a.value().as_element().is_some_and(|e| {
                        matches!(
                            e.name(),
                            "script" | "style" | "noscript" | "template" | "svg"
                        )
                    })
                })
            })
            .map(|(_, t)| format!("{} ", &**t))
            .collect();
        source_words.insert(md_of(path), words(&visible));
        f.pre_in += page
            .select(&pre)
            .filter(|p| {
                !p.ancestors().any(|a| {
                    a.value()
                        .as_element()
                        .is_some_and(|e| matches!(e.name(), "script" | "noscript" | "template"))
                })
            })
            .count();
    }

    // Runs of three consecutive non-blank lines, per document.
    let mut runs: HashMap<String, usize> = HashMap::new();
    let mut doc_runs: Vec<HashSet<String>> = Vec::new();
    let mut titles = HashSet::new();
    // Words a page loses to navigation: what the median page with text lost
    // (Markdown can count more words than the source, so not the least).
    let lost = |d: &mcdewey_import::ImportedDoc| {
        source_words
            .get(&d.rel_path)
            .map(|&n| n.saturating_sub(words(body(&d.markdown))))
    };
    let mut losses: Vec<usize> = imp
        .docs
        .iter()
        .filter(|d| words(body(&d.markdown)) >= 20)
        .filter_map(lost)
        .collect();
    losses.sort_unstable();
    let chrome = losses.get(losses.len() / 2).copied().unwrap_or(0);
    for d in &imp.docs {
        titles.insert(d.title.clone());
        let b = body(&d.markdown);
        if words(b) >= 20 {
            f.with_text += 1;
        } else if lost(d).is_some_and(|n| n <= chrome + 10) {
            f.short_in_source += 1;
        }
        f.fences_out += count_fences(b);
        let mut in_fence = false;
        for line in b.lines() {
            let t = line.trim();
            if t.starts_with("```") {
                in_fence = !in_fence;
                continue;
            }
            if in_fence {
                continue;
            }
            if t.starts_with('#') && t.trim_start_matches('#').starts_with(' ') {
                f.headings += 1;
                if has_permalink_mark(t) {
                    f.permalink_headings += 1;
                }
            }
            if t.starts_with('|') && t.ends_with('|') && t.len() > 1 {
                let cells: Vec<&str> = t[1..t.len() - 1].split(" | ").map(str::trim).collect();
                if cells
                    .iter()
                    .all(|c| !c.is_empty() && c.chars().all(|ch| ch == '-' || ch == ':'))
                {
                    continue; // the delimiter row
                }
                f.table_rows += 1;
                if cells.iter().all(|c| c.is_empty()) {
                    f.empty_table_rows += 1;
                }
            }
        }
        let lines: Vec<&str> = b.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        let set: HashSet<String> = lines.windows(3).map(|w| w.join("\n")).collect();
        for r in &set {
            *runs.entry(r.clone()).or_default() += 1;
        }
        doc_runs.push(set);
    }
    f.distinct_titles = titles.len();
    let limit = (imp.docs.len() as f64 * 0.3).ceil().max(2.0) as usize;
    f.boilerplate_docs = doc_runs
        .iter()
        .filter(|set| set.iter().any(|r| runs[r] >= limit))
        .count();
    f.boilerplate_example = runs
        .iter()
        .filter(|(_, n)| **n >= limit)
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        .map(|(r, n)| (*n, r.clone()));
    f
}
