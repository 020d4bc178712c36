//! The content model: Catalog → Product → Version → DocSet → Document → Page →
//! Chunk, and loading it from a `product/version/doc-set/document.md` tree.

mod cache;
pub mod document;
pub mod dropin;
pub mod frontmatter;
mod load;
pub mod versions;

pub use cache::ParseCache;
pub use load::{load, LoadOptions, LoadReport};

use document::{ChunkingOptions, ParsedDoc};
use std::cmp::Ordering;
use std::path::PathBuf;
use std::sync::Arc;

/// The library as loaded from the content tree (the built site's view of
/// it is [`crate::serve::library::Library`]).
#[derive(Debug, Clone)]
pub struct Catalog {
    /// Sorted by vendor, then product name.
    pub products: Vec<Product>,
}

#[derive(Debug, Clone)]
pub struct Product {
    pub id: String,
    pub vendor: String,
    pub name: String,
    /// Other names users call the product by (`aliases` of product.toml).
    pub aliases: Vec<String>,
    pub description: Option<String>,
    /// Display order, newest first.
    pub versions: Vec<Version>,
}

#[derive(Debug, Clone)]
pub struct Version {
    pub id: String,
    pub doc_sets: Vec<DocSet>,
}

#[derive(Debug, Clone)]
pub struct DocSet {
    pub id: String,
    pub title: String,
    pub documents: Vec<Document>,
}

/// A document as the catalog keeps it: what navigation, links and the
/// library's own pages need, not its text. The text is parsed again when
/// the document's files are made ([`DocRef::parse`]), one document at a
/// time, so a build holds the whole library's summaries but only a few
/// documents' bodies.
#[derive(Debug, Clone)]
pub struct Document {
    /// Path below the doc set without extension, `/`-separated for nested files.
    pub id: String,
    pub title: String,
    pub description: Option<String>,
    pub weight: Option<i64>,
    /// Source path relative to the content root, `/`-separated.
    pub source: String,
    pub pages: usize,
    pub chunks: usize,
    /// Each heading's anchor, the number of the page it is on and the
    /// number of its chunk: what links from other documents resolve
    /// against.
    pub anchors: Vec<(String, u32, u32)>,
    /// Destinations of its links to other files' headings, each once.
    pub fragment_links: Vec<String>,
    body: Body,
}

/// Where a document's parse comes from when its files are made.
#[derive(Debug, Clone)]
enum Body {
    /// Read again from the file, which must still hold the bytes the load
    /// read (`digest`).
    File {
        path: PathBuf,
        display: String,
        digest: [u8; 32],
        chunking: ChunkingOptions,
    },
    /// Markdown converted from a PDF or HTML page, which has no file of
    /// its own to read again.
    Converted {
        markdown: Arc<str>,
        chunking: ChunkingOptions,
    },
    /// Kept parsed: a parse cache (watch mode) holds it anyway.
    Parsed(Arc<ParsedDoc>),
}

impl Document {
    /// Bytes of document text this summary holds: none for a Markdown file,
    /// which is read again when needed.
    pub fn held_text_bytes(&self) -> usize {
        match &self.body {
            Body::File { .. } => 0,
            Body::Converted { markdown, .. } => markdown.len(),
            Body::Parsed(p) => p.pages.iter().map(|p| p.markdown.len()).sum(),
        }
    }
}

impl Catalog {
    pub fn documents(&self) -> impl Iterator<Item = DocRef<'_>> {
        self.products.iter().flat_map(|p| {
            p.versions.iter().flat_map(move |v| {
                v.doc_sets.iter().flat_map(move |s| {
                    s.documents.iter().map(move |d| DocRef {
                        product: p,
                        version: v,
                        doc_set: s,
                        doc: d,
                    })
                })
            })
        })
    }

    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for d in self.documents() {
            c.add_doc(d.doc);
        }
        c
    }
}

/// A document with its ancestors, enough to build ids and URLs.
#[derive(Debug, Clone, Copy)]
pub struct DocRef<'a> {
    pub product: &'a Product,
    pub version: &'a Version,
    pub doc_set: &'a DocSet,
    pub doc: &'a Document,
}

impl DocRef<'_> {
    /// `product::version::doc-set::document`
    pub fn id(&self) -> String {
        crate::site::doc_id(
            &self.product.id,
            &self.version.id,
            &self.doc_set.id,
            &self.doc.id,
        )
    }

    /// Place of the version in its product, current (first) = 0.
    pub fn version_rank(&self) -> u32 {
        let at = self
            .product
            .versions
            .iter()
            .position(|v| std::ptr::eq(v, self.version));
        at.unwrap_or(0) as u32
    }

    /// The document's pages and chunks, parsed again from its text: the
    /// same parse the load made (a pure function of the text). A file that
    /// changed since the load is an error naming it, as the site would
    /// otherwise mix two versions of it.
    pub fn parse(&self) -> anyhow::Result<Arc<ParsedDoc>> {
        let (text, chunking) = match &self.doc.body {
            Body::Parsed(p) => return Ok(p.clone()),
            Body::Converted { markdown, chunking } => (markdown.to_string(), *chunking),
            Body::File {
                path,
                display,
                digest,
                chunking,
            } => {
                let bytes = std::fs::read(path)
                    .map_err(|e| anyhow::anyhow!("{display}: cannot read again: {e}"))?;
                if load::digest(&bytes) != *digest {
                    anyhow::bail!("{display}: changed while the site was being built; build again");
                }
                // The digest matched the bytes the load read as UTF-8.
                let text = String::from_utf8(bytes)
                    .map_err(|_| anyhow::anyhow!("{display}: not valid UTF-8"))?;
                (text, *chunking)
            }
        };
        let split = frontmatter::split(&text)
            .map_err(|e| anyhow::anyhow!("front matter no longer parses: {}", e.message))?;
        Ok(Arc::new(document::parse(
            split.body,
            split.line_offset,
            chunking,
        )))
    }

    pub fn chunk_id(&self, n: u32) -> String {
        crate::site::chunk_id(&self.id(), n)
    }

    /// Site-relative directory of the document, ending with `/`.
    pub fn dir(&self) -> String {
        crate::site::doc_dir(
            &self.product.id,
            &self.version.id,
            &self.doc_set.id,
            &self.doc.id,
        )
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Counts {
    pub documents: usize,
    pub pages: usize,
    pub chunks: usize,
}

impl Counts {
    pub fn add_doc(&mut self, d: &Document) {
        self.documents += 1;
        self.pages += d.pages;
        self.chunks += d.chunks;
    }

    pub fn add(&mut self, o: Counts) {
        self.documents += o.documents;
        self.pages += o.pages;
        self.chunks += o.chunks;
    }
}

/// Ids are lowercase `[a-z0-9._-]`, so URLs are the same on case-insensitive
/// file systems and need no escaping. Letters and digits outside ASCII
/// (`日本語`, `Größe`) cannot appear, so a name that has any gets a suffix of
/// 8 hex digits from a hash of the whole name (NFC, lowercased): `日本語` and
/// `中文` get distinct ids, and the same name always gets the same one.
pub fn sanitize_id(segment: &str) -> String {
    use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};
    // NFC first, so a name stored decomposed (macOS) gives the same id.
    let nfc: String;
    let segment = if segment.is_ascii() || is_nfc_quick(segment.chars()) == IsNormalized::Yes {
        segment
    } else {
        nfc = segment.nfc().collect();
        &nfc
    };
    let mut out = String::with_capacity(segment.len());
    let mut lost = false;
    for c in segment.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
            out.push(c);
        } else {
            lost |= c.is_alphanumeric();
            if !out.ends_with('-') {
                out.push('-');
            }
        }
    }
    let mut out = out.trim_matches('-').to_string();
    if lost {
        use sha2::Digest;
        // Lowercase, so names that differ only in case still collide, as
        // ASCII ones do.
        let key = segment.to_lowercase();
        let digest = sha2::Sha256::digest(key.as_bytes());
        let hex: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(&hex);
    }
    if out.is_empty() || out == "." || out == ".." {
        "_".into()
    } else {
        out
    }
}

/// `developer-guide` → `Developer Guide`.
pub fn title_from_id(id: &str) -> String {
    id.split(['-', '_', ' '])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Natural order: digit runs compare as numbers (`v12.10` after `v12.9`).
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    loop {
        match (a.first(), b.first()) {
            (None, None) => return Ordering::Equal,
            (None, _) => return Ordering::Less,
            (_, None) => return Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let na = a.iter().take_while(|c| c.is_ascii_digit()).count();
                let nb = b.iter().take_while(|c| c.is_ascii_digit()).count();
                let (da, db) = (&a[..na], &b[..nb]);
                let ta = trim_zeros(da);
                let tb = trim_zeros(db);
                let ord = ta.len().cmp(&tb.len()).then(ta.cmp(tb));
                if ord != Ordering::Equal {
                    return ord;
                }
                a = &a[na..];
                b = &b[nb..];
            }
            (Some(x), Some(y)) => {
                if x != y {
                    return x.cmp(y);
                }
                a = &a[1..];
                b = &b[1..];
            }
        }
    }
}

fn trim_zeros(d: &[u8]) -> &[u8] {
    let z = d.iter().take_while(|&&c| c == b'0').count();
    &d[z.min(d.len().saturating_sub(1))..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_sanitized() {
        assert_eq!(
            sanitize_id("Microsoft.PowerShell.Core"),
            "microsoft.powershell.core"
        );
        assert_eq!(sanitize_id("Get Started!"), "get-started");
        assert_eq!(sanitize_id("_index"), "_index");
        assert_eq!(sanitize_id(".."), "_");
    }

    #[test]
    fn non_latin_names_get_distinct_stable_ids() {
        let ja = sanitize_id("日本語");
        let zh = sanitize_id("中文");
        assert_ne!(ja, zh);
        assert_ne!(ja, "_");
        assert!(
            ja.len() == 8 && ja.bytes().all(|b| b.is_ascii_hexdigit()),
            "{ja}"
        );
        // Stable: a pinned value, so a change of the rule is deliberate.
        assert_eq!(ja, sanitize_id("日本語"));
        // The ASCII part stays readable; case and NFD/NFC do not matter.
        let g = sanitize_id("Größe");
        assert!(g.starts_with("gr-e-"), "{g}");
        assert_eq!(g, sanitize_id("GRÖSSE".replace("SS", "ß").as_str()));
        assert_eq!(sanitize_id("Gro\u{308}ße"), g);
        // Names without such letters keep their old ids.
        assert_eq!(sanitize_id("Release Notes (v2)!"), "release-notes-v2");
        assert_eq!(sanitize_id("a – b"), "a-b");
    }

    #[test]
    fn natural_order() {
        let mut v = vec!["v12.10", "v12.9", "v3.5", "latest", "v12.5"];
        v.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(v, vec!["latest", "v3.5", "v12.5", "v12.9", "v12.10"]);
    }

    fn load_tree(files: &[(&str, &str)]) -> (tempfile::TempDir, Catalog) {
        let dir = tempfile::tempdir().unwrap();
        for (rel, text) in files {
            let path = dir.path().join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let sink = crate::diag::Sink::default();
        let (lib, report) = load(dir.path(), &LoadOptions::default(), &sink, &|| {}).unwrap();
        assert_eq!(report.documents, files.len());
        (dir, lib)
    }

    #[test]
    fn in_links_count_the_other_documents_that_link_to_a_heading() {
        let long = "word ".repeat(900);
        let guide = format!(
            "# Guide\n\nIntro, see [use](#use).\n\n## Setup\n\n{long}\n\n## Use\n\nMore text.\n"
        );
        let (_dir, lib) = load_tree(&[
            ("p/1.0/docs/guide.md", &guide),
            // Twice, and once by a reference link: one linking document.
            (
                "p/1.0/docs/a.md",
                "# A\n\n[setup](guide.md#setup), [again](guide.md#setup), [ref][r], [top](guide.md).\n\n[r]: guide.md#setup\n",
            ),
            (
                "p/1.0/docs/sub/b.md",
                "# B\n\n[use](../guide.md#use) and [lost](../guide.md#nowhere), [web](https://example.com/x#setup).\n",
            ),
        ]);
        let docs: Vec<DocRef<'_>> = lib.documents().collect();
        let guide = docs.iter().find(|d| d.doc.id == "guide").unwrap();
        let chunk_of = |anchor: &str| {
            let (_, _, n) = guide
                .doc
                .anchors
                .iter()
                .find(|(a, ..)| a == anchor)
                .unwrap();
            guide.chunk_id(*n)
        };
        assert_ne!(chunk_of("setup"), chunk_of("use"));
        let counts = crate::render::inlinks(&lib);
        assert_eq!(counts.get(&chunk_of("setup")), Some(&1), "{counts:?}");
        // Its own link to `#use` does not count; b's does.
        assert_eq!(counts.get(&chunk_of("use")), Some(&1), "{counts:?}");
        assert_eq!(counts.len(), 2, "{counts:?}");
        // And the index records carry them.
        let inputs = crate::build::index::chunk_inputs(&lib).unwrap();
        let setup = inputs.iter().find(|c| c.id == chunk_of("setup")).unwrap();
        assert_eq!(setup.inlinks, 1);
        assert_eq!(inputs.iter().map(|c| c.inlinks).sum::<u32>(), 2);
    }

    #[test]
    fn the_catalog_holds_summaries_and_parses_again_on_demand() {
        let long = "word ".repeat(900);
        let text = format!(
            "---\ntitle: Guide\n---\n# Guide\n\nIntro.\n\n## Setup\n\n{long}\n\n## Use\n\nMore text.\n"
        );
        let (_dir, lib) = load_tree(&[
            ("p/1.0/docs/guide.md", &text),
            (
                "p/1.0/docs/other.md",
                "# Other\n\nSee [setup](guide.md#setup).\n",
            ),
        ]);
        let docs: Vec<DocRef<'_>> = lib.documents().collect();
        for d in &docs {
            // No body stays in memory after the load: a Markdown file is
            // read again when its files are made.
            assert_eq!(d.doc.held_text_bytes(), 0, "{}", d.doc.source);
        }
        let guide = docs.iter().find(|d| d.doc.id == "guide").unwrap();
        let parsed = guide.parse().unwrap();
        let split = frontmatter::split(&text).unwrap();
        let fresh = document::parse(split.body, split.line_offset, ChunkingOptions::default());
        assert_eq!(*parsed, fresh, "the second parse is the load's");
        assert_eq!(guide.doc.pages, parsed.pages.len());
        assert_eq!(guide.doc.chunks, parsed.chunks.len());
        assert!(guide.doc.chunks > 2, "{} chunks", guide.doc.chunks);
        assert!(
            guide
                .doc
                .anchors
                .iter()
                .any(|(a, page, chunk)| a == "setup" && *page == 2 && *chunk > 0),
            "{:?}",
            guide.doc.anchors
        );
        let counts = lib.counts();
        assert_eq!(counts.documents, 2);
        assert_eq!(
            counts.chunks,
            docs.iter()
                .map(|d| d.parse().unwrap().chunks.len())
                .sum::<usize>()
        );
    }

    #[test]
    fn a_file_changed_after_the_load_is_an_error_naming_it() {
        let (dir, lib) = load_tree(&[("p/1.0/docs/guide.md", "# Guide\n\nText.\n")]);
        let d = lib.documents().next().unwrap();
        assert!(d.parse().is_ok());
        std::fs::write(
            dir.path().join("p/1.0/docs/guide.md"),
            "# Guide\n\nEdited.\n",
        )
        .unwrap();
        let e = d.parse().unwrap_err().to_string();
        assert!(e.contains("guide.md") && e.contains("changed"), "{e}");
    }

    #[test]
    fn titles_from_ids() {
        assert_eq!(title_from_id("developer-guide"), "Developer Guide");
        assert_eq!(title_from_id("op_guide"), "Op Guide");
    }
}
