//! Drop-in imports: PDFs at a document position and HTML doc sets (a doc-set
//! directory with an `index.html`) are converted to Markdown during the build
//! by `mcdewey-import`, then parsed like any other document.
//!
//! Conversions go through a cache keyed by a SHA-256 of the importer version,
//! the input's name and its bytes, so an unchanged input is never converted
//! twice. Entries are JSON files in `<cache_dir>/import/`; an entry that is
//! unreadable or from another importer is simply converted again.

use crate::diag::Sink;
use mcdewey_import::{
    html_set_to_markdown, pdf_to_markdown, HtmlOptions, ImportWarning, PdfOptions, IMPORTER,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

/// Name of the default cache directory, created beside the output directory.
pub const CACHE_DIR_NAME: &str = ".mcdewey-cache";

/// Unused cache entries older than this are deleted after a build; entries
/// are touched on every hit, so only inputs that changed or left age out.
const CACHE_MAX_AGE: Duration = Duration::from_secs(30 * 24 * 3600);

/// What a build did with drop-ins, for the summary (and tests).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ImportStats {
    /// PDFs imported, converted or from the cache.
    pub pdfs: usize,
    /// HTML doc sets imported, converted or from the cache.
    pub html_sets: usize,
    /// Of those inputs, how many were actually converted in this build.
    pub converted: usize,
    /// Of those inputs, how many came from the cache.
    pub cached: usize,
    /// Wall time spent converting (summed over parallel conversions).
    pub convert_time: Duration,
}

impl ImportStats {
    pub fn is_empty(&self) -> bool {
        self.pdfs + self.html_sets == 0
    }
}

pub fn is_pdf(p: &Path) -> bool {
    has_ext(p, &["pdf"])
}

pub fn is_html(p: &Path) -> bool {
    has_ext(p, &["html", "htm", "xhtml"])
}

fn has_ext(p: &Path, exts: &[&str]) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| exts.iter().any(|x| e.eq_ignore_ascii_case(x)))
}

/// The path of the Markdown document the importer makes from HTML page
/// `rel` (same rule as `mcdewey-import`: the extension becomes `.md`).
pub fn md_path(rel: &str) -> String {
    let name_start = rel.rfind('/').map_or(0, |i| i + 1);
    match rel[name_start..].rfind('.') {
        Some(i) => format!("{}.md", &rel[..name_start + i]),
        None => format!("{rel}.md"),
    }
}

/// Importer warnings say which page they are about; HTML ones start with the
/// page path, which the diagnostic already names.
pub fn warning_text(w: &ImportWarning, rel: Option<&str>) -> String {
    let s = w.to_string();
    match rel
        .and_then(|r| s.strip_prefix(r))
        .and_then(|s| s.strip_prefix(": "))
    {
        Some(rest) => rest.to_string(),
        None => s,
    }
}

/// A doc-set directory with an `index.html`: every HTML page below it, by
/// path relative to it (`/`-separated), and the paths of its other files.
#[derive(Debug)]
pub struct HtmlSetInput {
    pub dir: PathBuf,
    pub display: String,
    pub pages: Vec<(String, PathBuf)>,
    pub assets: Vec<(String, PathBuf)>,
}

/// The outcome of one HTML set: documents by page path, and how the pages
/// that gave none are accounted for.
#[derive(Debug, Default)]
pub struct SetOutcome {
    /// (page path relative to the set, Markdown).
    pub docs: Vec<(String, String)>,
    /// Pages the importer leaves out on purpose (search, indexes).
    pub not_content: usize,
    /// Pages that could not be imported (diagnostics were pushed).
    pub failed: usize,
    /// The set's own name (its pages' common title affix, else its index
    /// page's title), for the doc set's title.
    pub title: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    importer: String,
    docs: Vec<EntryDoc>,
    skipped: Vec<String>,
    warnings: Vec<EntryWarning>,
    /// HTML pages that gave an empty document, with the reason.
    #[serde(default)]
    problems: Vec<(String, String)>,
    #[serde(default)]
    title: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct EntryDoc {
    rel_path: String,
    markdown: String,
    warnings: Vec<EntryWarning>,
}

#[derive(Debug, Serialize, Deserialize)]
struct EntryWarning {
    page: Option<u32>,
    message: String,
}

fn to_entry_warnings(ws: &[ImportWarning]) -> Vec<EntryWarning> {
    ws.iter()
        .map(|w| EntryWarning {
            page: w.page,
            message: w.message.clone(),
        })
        .collect()
}

impl EntryWarning {
    fn to_warning(&self) -> ImportWarning {
        ImportWarning {
            page: self.page,
            message: self.message.clone(),
        }
    }
}

/// Converts drop-ins for one build; safe to share between rayon workers.
pub struct Importer {
    cache: Option<Cache>,
    pdfs: AtomicUsize,
    html_sets: AtomicUsize,
    converted: AtomicUsize,
    cached: AtomicUsize,
    convert_nanos: AtomicUsize,
}

impl Importer {
    /// `cache_dir: None` converts every time (nothing is written).
    pub fn new(cache_dir: Option<PathBuf>) -> Self {
        Importer {
            cache: cache_dir.map(Cache::new),
            pdfs: AtomicUsize::new(0),
            html_sets: AtomicUsize::new(0),
            converted: AtomicUsize::new(0),
            cached: AtomicUsize::new(0),
            convert_nanos: AtomicUsize::new(0),
        }
    }

    /// Converts one PDF. `None` when it cannot be read or is not a PDF (an
    /// error naming the file was pushed).
    pub fn pdf(&self, path: &Path, display: &str, sink: &Sink) -> Option<String> {
        self.pdfs.fetch_add(1, Ordering::Relaxed);
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => {
                sink.error(display, None, format!("cannot read: {e}"));
                return None;
            }
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        // The file name is part of the output (source, fallback title).
        let key = key(&["pdf", &name], [bytes.as_slice()]);
        let entry = match self.lookup(&key) {
            Some(e) => e,
            None => {
                let start = Instant::now();
                let result = pdf_to_markdown(&bytes, &name, &PdfOptions::default());
                self.converted_in(start, display);
                match result {
                    Ok(imp) => {
                        let e = Entry {
                            importer: IMPORTER.to_string(),
                            docs: vec![EntryDoc {
                                rel_path: imp.doc.rel_path,
                                markdown: imp.doc.markdown,
                                warnings: to_entry_warnings(&imp.doc.warnings),
                            }],
                            skipped: Vec::new(),
                            warnings: Vec::new(),
                            problems: Vec::new(),
                            title: None,
                        };
                        self.store(&key, &e, sink);
                        e
                    }
                    Err(e) => {
                        sink.error(display, None, format!("cannot import: {e}; skipped"));
                        return None;
                    }
                }
            }
        };
        let Some(doc) = entry.docs.into_iter().next() else {
            sink.error(display, None, "the import produced no document; skipped");
            return None;
        };
        for w in &doc.warnings {
            sink.warn(display, None, warning_text(&w.to_warning(), None));
        }
        Some(doc.markdown)
    }

    /// Converts an HTML doc set as a whole (reading order and links span its
    /// pages), accounting for each of its pages.
    pub fn html_set(&self, set: &HtmlSetInput, sink: &Sink) -> SetOutcome {
        self.html_sets.fetch_add(1, Ordering::Relaxed);
        let mut out = SetOutcome::default();
        // Assets only help recognise the generator, by path (see
        // `html_set_to_markdown`); their bytes are not needed.
        let mut files: Vec<(String, Vec<u8>)> = set
            .assets
            .iter()
            .map(|(rel, _)| (rel.clone(), Vec::new()))
            .collect();
        let mut readable = Vec::with_capacity(set.pages.len());
        for (rel, path) in &set.pages {
            // A FIFO or device named like a page would block the read or
            // never end.
            let special = std::fs::metadata(path).is_ok_and(|m| !m.is_file());
            if special {
                sink.error(
                    &path.display().to_string(),
                    None,
                    "not a regular file (a FIFO, socket or device); skipped",
                );
                out.failed += 1;
                continue;
            }
            match std::fs::read(path) {
                Ok(b) => {
                    files.push((rel.clone(), b));
                    readable.push((rel.as_str(), path));
                }
                Err(e) => {
                    sink.error(
                        &path.display().to_string(),
                        None,
                        format!("cannot read: {e}"),
                    );
                    out.failed += 1;
                }
            }
        }
        files.sort();
        // The label names the HTML output's revision: conversions cached by
        // an importer that wrote differently are not reused.
        let key = key(
            &["html", "furniture-titles-tables"],
            files
                .iter()
                .flat_map(|(rel, b)| [rel.as_bytes(), b.as_slice()]),
        );
        let entry = match self.lookup(&key) {
            Some(e) => e,
            None => {
                let start = Instant::now();
                let result = html_set_to_markdown(&files, &HtmlOptions::default());
                self.converted_in(start, &set.display);
                match result {
                    Ok(imp) => {
                        let e = Entry {
                            importer: IMPORTER.to_string(),
                            docs: imp
                                .docs
                                .into_iter()
                                .map(|d| EntryDoc {
                                    rel_path: d.rel_path,
                                    markdown: d.markdown,
                                    warnings: to_entry_warnings(&d.warnings),
                                })
                                .collect(),
                            skipped: imp.skipped,
                            warnings: to_entry_warnings(&imp.warnings),
                            problems: imp
                                .problems
                                .into_iter()
                                .map(|p| (p.path, p.reason))
                                .collect(),
                            title: imp.title,
                        };
                        self.store(&key, &e, sink);
                        e
                    }
                    Err(e) => {
                        sink.error(
                            &set.display,
                            None,
                            format!("cannot import the HTML doc set: {e}; skipped"),
                        );
                        out.failed += readable.len();
                        return out;
                    }
                }
            }
        };
        for w in &entry.warnings {
            sink.warn(&set.display, None, warning_text(&w.to_warning(), None));
        }
        for (rel, reason) in &entry.problems {
            sink.error(
                &set.dir.join(rel).display().to_string(),
                None,
                reason.clone(),
            );
        }
        out.title = entry.title.clone();
        let mut by_md: HashMap<String, EntryDoc> = entry
            .docs
            .into_iter()
            .map(|d| (d.rel_path.clone(), d))
            .collect();
        let skipped: HashSet<&str> = entry.skipped.iter().map(String::as_str).collect();
        for (rel, path) in readable {
            if let Some(doc) = by_md.remove(&md_path(rel)) {
                let shown = path.display().to_string();
                for w in &doc.warnings {
                    sink.warn(&shown, None, warning_text(&w.to_warning(), Some(rel)));
                }
                out.docs.push((rel.to_string(), doc.markdown));
            } else if skipped.contains(rel) {
                out.not_content += 1;
            } else {
                // E.g. two pages that differ only in extension (a.htm, a.html).
                sink.error(
                    &path.display().to_string(),
                    None,
                    "the importer made no document of this page; skipped",
                );
                out.failed += 1;
            }
        }
        out
    }

    fn lookup(&self, key: &str) -> Option<Entry> {
        let hit = self.cache.as_ref()?.get(key)?;
        self.cached.fetch_add(1, Ordering::Relaxed);
        Some(hit)
    }

    fn store(&self, key: &str, e: &Entry, sink: &Sink) {
        if let Some(c) = &self.cache {
            c.put(key, e, sink);
        }
    }

    fn converted_in(&self, start: Instant, shown: &str) {
        let took = start.elapsed();
        tracing::info!(file = shown, ?took, "imported");
        self.converted.fetch_add(1, Ordering::Relaxed);
        self.convert_nanos.fetch_add(
            took.as_nanos().min(usize::MAX as u128) as usize,
            Ordering::Relaxed,
        );
    }

    /// Counters for the report; ages out unused cache entries.
    pub fn finish(self) -> ImportStats {
        if let Some(c) = &self.cache {
            c.prune();
        }
        ImportStats {
            pdfs: self.pdfs.into_inner(),
            html_sets: self.html_sets.into_inner(),
            converted: self.converted.into_inner(),
            cached: self.cached.into_inner(),
            convert_time: Duration::from_nanos(self.convert_nanos.into_inner() as u64),
        }
    }
}

/// SHA-256 over the importer version, labels and byte strings, each length-
/// prefixed so that no two different inputs share a key.
fn key<'a>(labels: &[&str], parts: impl IntoIterator<Item = &'a [u8]>) -> String {
    let mut h = Sha256::new();
    let mut feed = |b: &[u8]| {
        h.update((b.len() as u64).to_le_bytes());
        h.update(b);
    };
    feed(IMPORTER.as_bytes());
    for l in labels {
        feed(l.as_bytes());
    }
    for p in parts {
        feed(p);
    }
    h.finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>()
}

struct Cache {
    dir: PathBuf,
    used: Mutex<HashSet<String>>,
    /// Only the first write failure is reported; the build goes on without.
    write_failed: AtomicBool,
}

impl Cache {
    fn new(root: PathBuf) -> Self {
        Cache {
            dir: root.join("import"),
            used: Mutex::default(),
            write_failed: AtomicBool::new(false),
        }
    }

    fn file(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.json"))
    }

    fn get(&self, key: &str) -> Option<Entry> {
        let path = self.file(key);
        let bytes = std::fs::read(&path).ok()?;
        let entry: Entry = match serde_json::from_slice(&bytes) {
            Ok(e) => e,
            Err(e) => {
                tracing::warn!(path = %path.display(), "unreadable cache entry, converting again: {e}");
                return None;
            }
        };
        if entry.importer != IMPORTER {
            return None;
        }
        self.used
            .lock()
            .expect("cache lock")
            .insert(key.to_string());
        // Marks the entry as in use for `prune`; failure only ages it early.
        if let Ok(f) = std::fs::File::options().append(true).open(&path) {
            let _ = f.set_modified(SystemTime::now());
        }
        Some(entry)
    }

    fn put(&self, key: &str, e: &Entry, sink: &Sink) {
        self.used
            .lock()
            .expect("cache lock")
            .insert(key.to_string());
        let path = self.file(key);
        // Write then rename, so a crashed or concurrent build never leaves a
        // half-written entry under the final name.
        let tmp = self.dir.join(format!(".{key}.{}.tmp", std::process::id()));
        let result = std::fs::create_dir_all(&self.dir)
            .and_then(|()| {
                let json = serde_json::to_vec(e).map_err(std::io::Error::other)?;
                std::fs::write(&tmp, json)
            })
            .and_then(|()| std::fs::rename(&tmp, &path));
        if let Err(err) = result {
            let _ = std::fs::remove_file(&tmp);
            if !self.write_failed.swap(true, Ordering::Relaxed) {
                sink.warn(
                    &self.dir.display().to_string(),
                    None,
                    format!(
                        "cannot write the import cache ({err}); imports will be converted again next build"
                    ),
                );
            }
        }
    }

    fn prune(&self) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let used = self.used.lock().expect("cache lock");
        let now = SystemTime::now();
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            let key = name.strip_suffix(".json").unwrap_or(&name);
            if used.contains(key) {
                continue;
            }
            let old = e
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|m| now.duration_since(m).ok())
                .is_some_and(|age| age > CACHE_MAX_AGE);
            if old {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md_paths_follow_the_importer() {
        assert_eq!(md_path("index.html"), "index.md");
        assert_eq!(md_path("tutorial/intro.htm"), "tutorial/intro.md");
        assert_eq!(md_path("a.b/c"), "a.b/c.md");
    }

    #[test]
    fn keys_separate_inputs() {
        let a = key(&["pdf", "a.pdf"], [b"xy".as_slice()]);
        assert_eq!(a, key(&["pdf", "a.pdf"], [b"xy".as_slice()]));
        assert_ne!(
            a,
            key(&["pdf", "a.pdf"], [b"x".as_slice(), b"y".as_slice()])
        );
        assert_ne!(a, key(&["pdf", "b.pdf"], [b"xy".as_slice()]));
        assert_eq!(a.len(), 64);
    }

    #[test]
    fn html_warnings_lose_their_path_prefix() {
        let w = ImportWarning {
            page: None,
            message: "a/b.html: no main content found".into(),
        };
        assert_eq!(warning_text(&w, Some("a/b.html")), "no main content found");
        let p = ImportWarning {
            page: Some(4),
            message: "blank".into(),
        };
        assert_eq!(warning_text(&p, None), "page 4: blank");
    }
}
