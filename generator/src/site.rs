//! The contract of a built site: every file it holds besides its pages and
//! theme assets. The marker (`.mcdewey-site`), `library.json`, each
//! document's `document.json`, the search index directory, and the ids and
//! URLs those files use are defined here once. The build writes them through
//! these types and `serve`, `/mcp` and `mcdewey search` read them through the
//! same types, after [`SiteDir::open`] has checked the format version.

use anyhow::Context;
use mcdewey_search_core::Index;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::path::{Path, PathBuf};

/// Version of the site's data files (marker, `library.json`,
/// `document.json`). Raise it when a reader of the old files would misread
/// the new ones (or the reverse); readers refuse any other version.
pub const FORMAT_VERSION: u32 = 3;
/// Written into every site so a rebuild may safely replace the directory.
pub const MARKER: &str = ".mcdewey-site";
/// Directory of the search index inside a site.
pub const SEARCH_DIR: &str = "_search";
pub const LIBRARY_JSON: &str = "library.json";
pub const DOCUMENT_JSON: &str = "document.json";
const LIBRARY_FORMAT: &str = "mcdewey-library";
const DOCUMENT_FORMAT: &str = "mcdewey-document";

/// Why a directory cannot be read as a site.
#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    #[error("{0} is not a McDewey site (no {MARKER}); build it with `mcdewey build`")]
    NotASite(PathBuf),
    #[error(
        "{path} was built with site format version {found} ({generator}); this mcdewey {} reads format version {expected} only: rebuild the site with it",
        env!("CARGO_PKG_VERSION")
    )]
    Version {
        path: PathBuf,
        generator: String,
        found: u32,
        expected: u32,
    },
    #[error("{path} is malformed")]
    Malformed {
        path: PathBuf,
        #[source]
        source: anyhow::Error,
    },
}

// ---------------------------------------------------------------- ids, URLs

/// `product::version::doc-set::document`
pub fn doc_id(product: &str, version: &str, doc_set: &str, document: &str) -> String {
    format!("{product}::{version}::{doc_set}::{document}")
}

/// `product::version::doc-set::document::n`
pub fn chunk_id(doc_id: &str, n: u32) -> String {
    format!("{doc_id}::{n}")
}

/// Site-relative directory of a document, ending with `/`.
pub fn doc_dir(product: &str, version: &str, doc_set: &str, document: &str) -> String {
    format!("{product}/{version}/{doc_set}/{document}/")
}

pub fn product_url(product: &str) -> String {
    format!("{product}/index.html")
}

pub fn version_url(product: &str, version: &str) -> String {
    format!("{product}/{version}/index.html")
}

pub fn doc_set_url(product: &str, version: &str, doc_set: &str) -> String {
    format!("{product}/{version}/{doc_set}/index.html")
}

/// The document's own page, for `dir` from [`doc_dir`].
pub fn doc_url(dir: &str) -> String {
    format!("{dir}index.html")
}

pub fn page_url(dir: &str, page: u32) -> String {
    format!("{dir}p/{page}.html")
}

pub fn page_md_url(dir: &str, page: u32) -> String {
    format!("{dir}p/{page}.md")
}

/// The element id of a chunk in its page view.
pub fn chunk_anchor(n: u32) -> String {
    format!("c-{n}")
}

/// A chunk in the page that holds it.
pub fn chunk_in_page_url(dir: &str, page: u32, n: u32) -> String {
    format!("{dir}p/{page}.html#c-{n}")
}

/// The chunk's own view.
pub fn chunk_url(dir: &str, n: u32) -> String {
    format!("{dir}c/{n}.html")
}

/// Whether a site path is a chunk view ([`chunk_url`]'s shape).
pub fn is_chunk_view(rel: &str) -> bool {
    let mut parts = rel.rsplit('/');
    let name = parts.next().unwrap_or("");
    let n = name.strip_suffix(".html").unwrap_or("");
    parts.next() == Some("c") && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())
}

// ------------------------------------------------------------------ marker

/// `.mcdewey-site`: who built the site, for which path and origin.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Marker {
    pub generator: String,
    /// Absent in sites built before the marker carried it; `library.json`
    /// says then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format_version: Option<u32>,
    #[serde(default = "root_path")]
    pub base_path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site_url: Option<String>,
}

fn root_path() -> String {
    "/".into()
}

impl Marker {
    pub fn new(base_path: &str, site_url: Option<&str>) -> Marker {
        Marker {
            generator: format!("mcdewey {}", env!("CARGO_PKG_VERSION")),
            format_version: Some(FORMAT_VERSION),
            base_path: base_path.to_string(),
            site_url: site_url.map(str::to_string),
        }
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        toml::to_string(self)
            .expect("the marker is plain strings")
            .into_bytes()
    }

    pub fn parse(text: &str) -> anyhow::Result<Marker> {
        Ok(toml::from_str(text)?)
    }
}

// ------------------------------------------------------------- library.json

/// `library.json`: the whole tree, as the library pages show it.
#[derive(Debug, Serialize, Deserialize)]
pub struct LibraryFile {
    pub format: Cow<'static, str>,
    pub format_version: u32,
    pub counts: crate::content::Counts,
    pub vendors: Vec<VendorEntry>,
}

impl LibraryFile {
    pub fn new(vendors: Vec<VendorEntry>, counts: crate::content::Counts) -> LibraryFile {
        LibraryFile {
            format: Cow::Borrowed(LIBRARY_FORMAT),
            format_version: FORMAT_VERSION,
            counts,
            vendors,
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
pub struct VendorEntry {
    pub name: String,
    pub products: Vec<ProductEntry>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct ProductEntry {
    pub id: String,
    pub name: String,
    /// Other names users call the product by (`aliases` of product.toml).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    pub vendor: String,
    pub description: Option<String>,
    pub url: String,
    /// Newest first: the first one is the current version.
    pub versions: Vec<VersionEntry>,
    pub counts: crate::content::Counts,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct VersionEntry {
    pub id: String,
    pub url: String,
    pub doc_sets: Vec<DocSetEntry>,
    pub counts: crate::content::Counts,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct DocSetEntry {
    pub id: String,
    pub title: String,
    pub url: String,
    pub documents: Vec<DocEntry>,
    pub counts: crate::content::Counts,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct DocEntry {
    pub title: String,
    pub url: String,
    pub description: Option<String>,
    pub pages: usize,
    pub chunks: usize,
    /// The document's [`DocumentFile::digest`]: a reader of both files
    /// tells a `document.json` of another build by it.
    pub digest: String,
}

// ------------------------------------------------------------ document.json

/// `document.json`: one document's pages, outline and chunks, for `/mcp` and
/// for agents on static hosting. Borrowed when written, owned when read.
///
/// The file is compact ([`DocumentFile::to_json`], [`DocumentFile::from_json`]):
/// what follows from other fields is left out (ids, URLs, the pages' first
/// and last chunks, each chunk's Markdown, named by byte ranges of its
/// page's `p/<page>.md`), chunks and outline are columns, and heading paths
/// are stored once per document. [`SiteDir::read_document`] fills it all in.
#[derive(Debug, Serialize, PartialEq)]
pub struct DocumentFile<'a> {
    pub format: Cow<'static, str>,
    pub format_version: u32,
    /// Short digest of the document's files (this one and its pages'
    /// Markdown): equal across builds when the document is unchanged.
    pub digest: String,
    pub id: String,
    pub title: Cow<'a, str>,
    pub vendor: Cow<'a, str>,
    pub product: Cow<'a, str>,
    pub product_name: Cow<'a, str>,
    pub version: Cow<'a, str>,
    pub doc_set: Cow<'a, str>,
    pub doc_set_title: Cow<'a, str>,
    pub document: Cow<'a, str>,
    pub source: Cow<'a, str>,
    pub url: String,
    /// Pages are physical pages (page markers, e.g. from a PDF); otherwise
    /// they are the document's sections and have no printed number to cite.
    pub paged: bool,
    pub pages: Vec<PageEntry>,
    pub outline: Vec<HeadingEntry>,
    pub chunks: Vec<ChunkEntry<'a>>,
}

fn paged_by_default() -> bool {
    true
}

impl DocumentFile<'static> {
    /// Reads a `document.json` and fills in what follows from its fields
    /// (ids, URLs, pages' chunk ranges, heading paths, chunks' byte ranges);
    /// chunks' Markdown is left to [`DocumentFile::complete`].
    pub fn from_json(bytes: &[u8]) -> anyhow::Result<DocumentFile<'static>> {
        let w: wire::Document<'static> = serde_json::from_slice(bytes)?;
        w.decode()
    }

    /// Fills in each chunk's Markdown, sliced from its page's `p/N.md`
    /// (read once per page through `read_page`, given a site-relative path).
    /// `dir` is the document's directory. An error names the page file:
    /// `Some` is the reader's error, `None` a chunk whose byte ranges the
    /// file lacks.
    pub fn complete<E>(
        &mut self,
        dir: &str,
        mut read_page: impl FnMut(&str) -> Result<String, E>,
    ) -> Result<(), (String, Option<E>)> {
        for p in &mut self.pages {
            p.url = page_url(dir, p.number);
        }
        let mut file: Option<(u32, String)> = None;
        for c in &mut self.chunks {
            c.id = chunk_id(&self.id, c.n);
            if let Some(t) = &c.md_text {
                c.markdown = t.clone();
                continue;
            }
            if c.md.is_empty() {
                continue;
            }
            let rel = page_md_url(dir, c.page);
            if file.as_ref().is_none_or(|(n, _)| *n != c.page) {
                let text = read_page(&rel).map_err(|e| (rel.clone(), Some(e)))?;
                file = Some((c.page, text));
            }
            let text = &file.as_ref().expect("read above").1;
            c.markdown = Cow::Owned(markdown_from_slices(text, &c.md).ok_or((rel, None))?);
        }
        Ok(())
    }
}

impl DocumentFile<'_> {
    /// The `format` and `format_version` the build writes.
    pub fn header() -> (Cow<'static, str>, u32) {
        (Cow::Borrowed(DOCUMENT_FORMAT), FORMAT_VERSION)
    }

    /// The file's bytes, in the compact form.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(&wire::Document::encode(self)).expect("plain data")
    }

    /// The digest of a document whose `document.json` (without its digest)
    /// and pages' Markdown files are these: 16 hex digits of their SHA-256.
    pub fn digest_of(&self, page_files: &[String]) -> String {
        use sha2::Digest;
        let mut w = wire::Document::encode(self);
        w.digest = Cow::Borrowed("");
        let mut h = sha2::Sha256::new();
        h.update(serde_json::to_vec(&w).expect("plain data"));
        for f in page_files {
            h.update((f.len() as u64).to_le_bytes());
            h.update(f.as_bytes());
        }
        h.finalize()[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PageEntry {
    pub number: u32,
    pub label: Option<String>,
    pub title: Option<String>,
    /// [`page_url`]: not in the file, filled in by the reader.
    #[serde(skip)]
    pub url: String,
    pub first_chunk: Option<u32>,
    pub last_chunk: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct HeadingEntry {
    pub level: u8,
    pub text: String,
    pub anchor: String,
    pub page: u32,
    pub chunk: Option<u32>,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct ChunkEntry<'a> {
    pub n: u32,
    /// [`chunk_id`]: filled in by the reader.
    pub id: String,
    pub page: u32,
    pub breadcrumb: Cow<'a, [String]>,
    pub line: usize,
    pub words: usize,
    /// Byte ranges of the page's `p/<page>.md` that, joined by a blank line,
    /// make the chunk's Markdown ([`markdown_slices`]).
    pub md: Vec<[usize; 2]>,
    /// The chunk's Markdown when it is not made of slices of its page's
    /// file.
    pub md_text: Option<Cow<'a, str>>,
    /// The chunk's Markdown: made by the reader from `md` or `md_text`.
    pub markdown: Cow<'a, str>,
}

impl<'a> ChunkEntry<'a> {
    /// Names `markdown` in the file: by slices of `page_file` (the page's
    /// `p/<page>.md`) when it is made of them, else by its text.
    /// `from`: where in the file to look first (the end of the page's
    /// previous chunk, which this one follows); returns where the next
    /// chunk's search starts.
    pub fn set_markdown(&mut self, page_file: &str, markdown: &'a str, from: usize) -> usize {
        let found = markdown_slices_from(page_file, markdown, from)
            .or_else(|| (from > 0).then(|| markdown_slices(page_file, markdown))?);
        match found {
            Some(md) => {
                let end = md.last().map_or(from, |r| r[1]);
                self.md = md;
                end
            }
            None => {
                self.md_text = Some(Cow::Borrowed(markdown));
                from
            }
        }
    }
}

/// The compact form of `document.json`, as stored.
mod wire {
    use super::*;
    use std::collections::HashMap;

    #[derive(Serialize, Deserialize)]
    pub(super) struct Document<'a> {
        pub format: Cow<'static, str>,
        pub format_version: u32,
        #[serde(default, skip_serializing_if = "str::is_empty")]
        pub digest: Cow<'a, str>,
        pub title: Cow<'a, str>,
        pub vendor: Cow<'a, str>,
        pub product: Cow<'a, str>,
        pub product_name: Cow<'a, str>,
        pub version: Cow<'a, str>,
        pub doc_set: Cow<'a, str>,
        pub doc_set_title: Cow<'a, str>,
        pub document: Cow<'a, str>,
        pub source: Cow<'a, str>,
        #[serde(default = "paged_by_default")]
        pub paged: bool,
        pub pages: Vec<Page<'a>>,
        pub outline: Outline<'a>,
        /// Distinct heading paths; each part is an index into `outline`
        /// (the first heading with that text) or, when no heading has it,
        /// the text.
        pub paths: Vec<Vec<Part<'a>>>,
        pub chunks: Chunks<'a>,
    }

    #[derive(Serialize, Deserialize)]
    pub(super) struct Page<'a> {
        pub number: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub label: Option<Cow<'a, str>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub title: Option<Cow<'a, str>>,
        /// Chunks on the page: the chunks are in page order.
        #[serde(default, skip_serializing_if = "is_zero")]
        pub chunks: u32,
    }

    #[derive(Serialize, Deserialize, Default)]
    pub(super) struct Outline<'a> {
        pub level: Vec<u8>,
        pub text: Vec<Cow<'a, str>>,
        pub anchor: Vec<Cow<'a, str>>,
        pub page: Vec<u32>,
        pub chunk: Vec<Option<u32>>,
    }

    #[derive(Serialize, Deserialize, Clone, PartialEq, Eq, Hash)]
    #[serde(untagged)]
    pub(super) enum Part<'a> {
        Heading(u32),
        Text(Cow<'a, str>),
    }

    #[derive(Serialize, Deserialize, Default)]
    pub(super) struct Chunks<'a> {
        /// Chunk numbers, when they are not 1, 2, 3…
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        pub n: Vec<u32>,
        /// Page numbers, when the pages' `chunks` counts do not give them.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        pub page: Vec<u32>,
        /// Index into `paths`.
        pub path: Vec<u32>,
        /// Source line, less the previous chunk's (the first: less 0).
        pub line: Vec<i64>,
        pub words: Vec<usize>,
        /// Byte ranges of the page's Markdown as `[gap, length, gap,
        /// length…]`; a gap counts from the end of the previous range on
        /// the same page (of this chunk or the chunk before), or from 0.
        pub md: Vec<Vec<i64>>,
        /// `[chunk position, Markdown]` of chunks whose text is not slices
        /// of their page's file.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        pub text: Vec<(u32, Cow<'a, str>)>,
    }

    fn is_zero(n: &u32) -> bool {
        *n == 0
    }

    fn borrow(s: &Option<String>) -> Option<Cow<'_, str>> {
        s.as_deref().map(Cow::Borrowed)
    }

    impl<'a> Document<'a> {
        pub fn encode(f: &'a DocumentFile<'_>) -> Document<'a> {
            let mut counts: Vec<u32> = vec![0; f.pages.len()];
            let at: HashMap<u32, usize> = f
                .pages
                .iter()
                .enumerate()
                .map(|(i, p)| (p.number, i))
                .collect();
            for c in &f.chunks {
                if let Some(&i) = at.get(&c.page) {
                    counts[i] += 1;
                }
            }
            let derived: Vec<u32> = f
                .pages
                .iter()
                .zip(&counts)
                .flat_map(|(p, &k)| std::iter::repeat_n(p.number, k as usize))
                .collect();
            let pages_given = derived.iter().eq(f.chunks.iter().map(|c| &c.page));
            let numbered = f
                .chunks
                .iter()
                .enumerate()
                .all(|(i, c)| c.n == i as u32 + 1);

            // A path part names the first heading with its text, so a path
            // is stored once however many headings repeat it.
            let mut first: HashMap<&str, u32> = HashMap::new();
            for (i, o) in f.outline.iter().enumerate() {
                first.entry(o.text.as_str()).or_insert(i as u32);
            }
            let mut paths: Vec<Vec<Part<'a>>> = Vec::new();
            let mut path_ids: HashMap<Vec<Part<'a>>, u32> = HashMap::new();
            let mut chunks = Chunks::default();
            let (mut prev_line, mut prev_page, mut cursor) = (0i64, None, 0i64);
            for (i, c) in f.chunks.iter().enumerate() {
                let path: Vec<Part<'a>> = c
                    .breadcrumb
                    .iter()
                    .map(|t| match first.get(t.as_str()) {
                        Some(&h) => Part::Heading(h),
                        None => Part::Text(Cow::Borrowed(t.as_str())),
                    })
                    .collect();
                let id = *path_ids.entry(path.clone()).or_insert_with(|| {
                    paths.push(path);
                    paths.len() as u32 - 1
                });
                chunks.path.push(id);
                if !numbered {
                    chunks.n.push(c.n);
                }
                if !pages_given {
                    chunks.page.push(c.page);
                }
                chunks.line.push(c.line as i64 - prev_line);
                prev_line = c.line as i64;
                chunks.words.push(c.words);
                if prev_page != Some(c.page) {
                    cursor = 0;
                    prev_page = Some(c.page);
                }
                let mut md = Vec::with_capacity(c.md.len() * 2);
                for &[a, b] in &c.md {
                    md.push(a as i64 - cursor);
                    md.push(b as i64 - a as i64);
                    cursor = b as i64;
                }
                chunks.md.push(md);
                if let Some(t) = &c.md_text {
                    chunks.text.push((i as u32, Cow::Borrowed(t.as_ref())));
                }
            }
            let mut outline = Outline::default();
            for o in &f.outline {
                outline.level.push(o.level);
                outline.text.push(Cow::Borrowed(&o.text));
                outline.anchor.push(Cow::Borrowed(&o.anchor));
                outline.page.push(o.page);
                outline.chunk.push(o.chunk);
            }
            Document {
                format: f.format.clone(),
                format_version: f.format_version,
                digest: Cow::Borrowed(&f.digest),
                title: Cow::Borrowed(&f.title),
                vendor: Cow::Borrowed(&f.vendor),
                product: Cow::Borrowed(&f.product),
                product_name: Cow::Borrowed(&f.product_name),
                version: Cow::Borrowed(&f.version),
                doc_set: Cow::Borrowed(&f.doc_set),
                doc_set_title: Cow::Borrowed(&f.doc_set_title),
                document: Cow::Borrowed(&f.document),
                source: Cow::Borrowed(&f.source),
                paged: f.paged,
                pages: f
                    .pages
                    .iter()
                    .zip(counts)
                    .map(|(p, chunks)| Page {
                        number: p.number,
                        label: borrow(&p.label),
                        title: borrow(&p.title),
                        chunks,
                    })
                    .collect(),
                outline,
                paths,
                chunks,
            }
        }
    }

    impl Document<'static> {
        pub fn decode(self) -> anyhow::Result<DocumentFile<'static>> {
            let Document {
                format,
                format_version,
                digest,
                title,
                vendor,
                product,
                product_name,
                version,
                doc_set,
                doc_set_title,
                document,
                source,
                paged,
                pages,
                outline: o,
                paths,
                chunks: c,
            } = self;
            let k = c.path.len();
            let bad = |what: &str| anyhow::anyhow!("its {what} do not fit its chunks or outline");
            if c.line.len() != k
                || c.words.len() != k
                || c.md.len() != k
                || !(c.n.is_empty() || c.n.len() == k)
                || !(c.page.is_empty() || c.page.len() == k)
            {
                return Err(bad("chunk columns"));
            }
            let h = o.level.len();
            if o.text.len() != h || o.anchor.len() != h || o.page.len() != h || o.chunk.len() != h {
                return Err(bad("outline columns"));
            }
            let page_of: Vec<u32> = if c.page.is_empty() {
                pages
                    .iter()
                    .flat_map(|p| std::iter::repeat_n(p.number, p.chunks as usize))
                    .collect()
            } else {
                c.page.clone()
            };
            if page_of.len() != k {
                return Err(bad("pages' chunk counts"));
            }
            let paths: Vec<Vec<String>> = paths
                .into_iter()
                .map(|p| {
                    p.into_iter()
                        .map(|part| match part {
                            Part::Heading(i) => o
                                .text
                                .get(i as usize)
                                .map(|t| t.to_string())
                                .ok_or_else(|| bad("heading paths")),
                            Part::Text(t) => Ok(t.into_owned()),
                        })
                        .collect()
                })
                .collect::<anyhow::Result<_>>()?;
            let mut texts: HashMap<u32, Cow<'static, str>> = c.text.into_iter().collect();
            let id = doc_id(&product, &version, &doc_set, &document);
            let dir = doc_dir(&product, &version, &doc_set, &document);
            let mut chunks = Vec::with_capacity(k);
            let (mut line, mut prev_page, mut cursor) = (0i64, None, 0i64);
            for (i, &page) in page_of.iter().enumerate() {
                let n = c.n.get(i).copied().unwrap_or(i as u32 + 1);
                line += c.line[i];
                if prev_page != Some(page) {
                    cursor = 0;
                    prev_page = Some(page);
                }
                let md = c.md[i]
                    .chunks(2)
                    .map(|gl| {
                        let [gap, len] = gl else {
                            return Err(bad("byte ranges"));
                        };
                        let a = cursor + gap;
                        cursor = a + len;
                        usize::try_from(a)
                            .ok()
                            .zip(usize::try_from(cursor).ok())
                            .map(|(a, b)| [a, b])
                            .ok_or_else(|| bad("byte ranges"))
                    })
                    .collect::<anyhow::Result<Vec<_>>>()?;
                let breadcrumb = paths
                    .get(c.path[i] as usize)
                    .ok_or_else(|| bad("heading paths"))?
                    .clone();
                chunks.push(ChunkEntry {
                    n,
                    id: chunk_id(&id, n),
                    page,
                    breadcrumb: Cow::Owned(breadcrumb),
                    line: usize::try_from(line).map_err(|_| bad("lines"))?,
                    words: c.words[i],
                    md,
                    md_text: texts.remove(&(i as u32)),
                    markdown: Cow::Borrowed(""),
                });
            }
            let mut spans: HashMap<u32, (u32, u32)> = HashMap::new();
            for c in &chunks {
                spans.entry(c.page).or_insert((c.n, c.n)).1 = c.n;
            }
            let pages = pages
                .into_iter()
                .map(|p| {
                    let span = spans.get(&p.number);
                    let (first_chunk, last_chunk) = (span.map(|s| s.0), span.map(|s| s.1));
                    PageEntry {
                        number: p.number,
                        label: p.label.map(Cow::into_owned),
                        title: p.title.map(Cow::into_owned),
                        url: page_url(&dir, p.number),
                        first_chunk,
                        last_chunk,
                    }
                })
                .collect();
            let outline = (0..h)
                .map(|i| HeadingEntry {
                    level: o.level[i],
                    text: o.text[i].to_string(),
                    anchor: o.anchor[i].to_string(),
                    page: o.page[i],
                    chunk: o.chunk[i],
                })
                .collect();
            Ok(DocumentFile {
                format,
                format_version,
                digest: digest.into_owned(),
                id,
                title,
                vendor,
                product,
                product_name,
                version,
                doc_set,
                doc_set_title,
                document,
                source,
                url: doc_url(&dir),
                paged,
                pages,
                outline,
                chunks,
            })
        }
    }
}

/// Byte ranges of `file` that, joined by a blank line, give `markdown`, or
/// `None` when its paragraphs are not all found in order. Paragraphs that
/// follow each other in the file, a blank line apart, share one range.
pub fn markdown_slices(file: &str, markdown: &str) -> Option<Vec<[usize; 2]>> {
    markdown_slices_from(file, markdown, 0)
}

/// [`markdown_slices`] with the first paragraph looked for from byte
/// `from` on: a page's chunks follow each other, and searching each from
/// the page's start cost the square of its chunks.
pub fn markdown_slices_from(file: &str, markdown: &str, from: usize) -> Option<Vec<[usize; 2]>> {
    let mut out: Vec<[usize; 2]> = Vec::new();
    if markdown.is_empty() {
        return Some(out);
    }
    let mut cur = from;
    for part in markdown.split("\n\n") {
        let next = file.get(cur..)?;
        let at = if !out.is_empty() && next.starts_with("\n\n") && next[2..].starts_with(part) {
            cur + 2
        } else {
            cur + next.find(part)?
        };
        let end = at + part.len();
        match out.last_mut() {
            Some(last) if at == last[1] + 2 && &file[last[1]..at] == "\n\n" => last[1] = end,
            _ => out.push([at, end]),
        }
        cur = end;
    }
    Some(out)
}

/// The text [`markdown_slices`] names, or `None` when a range is not in
/// `file`.
pub fn markdown_from_slices(file: &str, md: &[[usize; 2]]) -> Option<String> {
    let parts = md
        .iter()
        .map(|&[a, b]| file.get(a..b))
        .collect::<Option<Vec<&str>>>()?;
    Some(parts.join("\n\n"))
}

/// How a page of a document is named where a reader sees it: `Page 12` (or
/// its printed label) when the document has physical pages, else the
/// section's title, since a web page's or a Markdown file's sections carry
/// no number a reader could check.
pub fn page_display(paged: bool, number: u32, label: Option<&str>, title: Option<&str>) -> String {
    match (paged, title) {
        (false, Some(t)) if !t.trim().is_empty() => t.to_string(),
        (false, _) => format!("Section {number}"),
        (true, _) => format!("Page {}", label.unwrap_or(&number.to_string())),
    }
}

// ------------------------------------------------------------------ reading

/// A built site on disk whose format version has been checked.
#[derive(Debug, Clone)]
pub struct SiteDir {
    pub path: PathBuf,
    pub marker: Marker,
}

/// What of the search index to load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexParts {
    /// Everything ranking needs; no display fragments (a server shows
    /// results from `document.json`, which holds the same text).
    Ranking,
    /// Everything, fragments included (snippets from the index itself).
    All,
}

/// Whether `dir` holds a site (of any format version).
pub fn is_site(dir: &Path) -> bool {
    dir.join(MARKER).is_file()
}

#[derive(Deserialize)]
struct Header {
    #[serde(default)]
    format_version: Option<u32>,
}

impl SiteDir {
    /// Opens a built site: reads its marker and refuses a site of another
    /// format version.
    pub fn open(path: &Path) -> Result<SiteDir, SiteError> {
        let marker_path = path.join(MARKER);
        let text = std::fs::read_to_string(&marker_path)
            .map_err(|_| SiteError::NotASite(path.to_path_buf()))?;
        let mut marker = Marker::parse(&text).map_err(|e| SiteError::Malformed {
            path: marker_path,
            source: e,
        })?;
        let found = match marker.format_version {
            Some(v) => v,
            None => {
                // Older markers: the version is in library.json.
                let p = path.join(LIBRARY_JSON);
                let h: Header = read_json(&p)?;
                h.format_version.unwrap_or(0)
            }
        };
        check_version(path, &marker.generator, found)?;
        marker.format_version = Some(found);
        if let Some(u) = &marker.site_url {
            let u = u.trim_end_matches('/');
            marker.site_url =
                (u.starts_with("http://") || u.starts_with("https://")).then(|| u.to_string());
        }
        Ok(SiteDir {
            path: path.to_path_buf(),
            marker,
        })
    }

    pub fn base_path(&self) -> &str {
        &self.marker.base_path
    }

    /// The origin the site was built for (`https://docs.example.com`).
    pub fn site_url(&self) -> Option<&str> {
        self.marker.site_url.as_deref()
    }

    pub fn read_library(&self) -> Result<LibraryFile, SiteError> {
        let path = self.path.join(LIBRARY_JSON);
        let lib: LibraryFile = read_json(&path)?;
        check_version(&path, &self.marker.generator, lib.format_version)?;
        Ok(lib)
    }

    /// The `document.json` of the document whose page is `doc_url`
    /// (`…/index.html`, as `library.json` lists it) or whose directory is
    /// `doc_url` (`…/`).
    pub fn read_document(&self, doc_url: &str) -> Result<DocumentFile<'static>, SiteError> {
        let dir = doc_url.trim_end_matches("index.html");
        if dir.contains("..") || dir.starts_with('/') {
            return Err(SiteError::Malformed {
                path: self.path.join(LIBRARY_JSON),
                source: anyhow::anyhow!("it lists an unexpected URL `{doc_url}`"),
            });
        }
        let path = self.path.join(dir).join(DOCUMENT_JSON);
        let bytes = std::fs::read(&path).map_err(|e| SiteError::Malformed {
            path: path.clone(),
            source: anyhow::Error::new(e).context("cannot read it"),
        })?;
        let found = document_version(&bytes).map_err(|e| SiteError::Malformed {
            path: path.clone(),
            source: e,
        })?;
        check_version(&path, &self.marker.generator, found)?;
        let mut doc = DocumentFile::from_json(&bytes).map_err(|e| SiteError::Malformed {
            path: path.clone(),
            source: e,
        })?;
        let root = self.path.clone();
        doc.complete(dir, |rel| {
            let md_path = root.join(rel);
            std::fs::read_to_string(&md_path).map_err(|e| SiteError::Malformed {
                path: md_path,
                source: anyhow::Error::new(e).context("cannot read it"),
            })
        })
        .map_err(|(rel, e)| match e {
            Some(e) => e,
            None => SiteError::Malformed {
                path: self.path.join(rel),
                source: anyhow::anyhow!(
                    "a chunk of {} names bytes it does not hold; rebuild the site",
                    path.display()
                ),
            },
        })?;
        Ok(doc)
    }

    /// Whether the document in `dir` (from [`doc_dir`]) has physical pages,
    /// read from its `document.json` without keeping the rest.
    pub fn is_paged(&self, dir: &str) -> Result<bool, SiteError> {
        #[derive(Deserialize)]
        struct Paged {
            format_version: u32,
            #[serde(default = "paged_by_default")]
            paged: bool,
        }
        let path = self.path.join(dir).join(DOCUMENT_JSON);
        let p: Paged = read_json(&path)?;
        check_version(&path, &self.marker.generator, p.format_version)?;
        Ok(p.paged)
    }

    /// Loads the site's search index for native searching (`/mcp`,
    /// `mcdewey search`): every file it needs once, read in parallel.
    pub fn load_index(&self, parts: IndexParts) -> anyhow::Result<Index> {
        let dir = self.path.join(SEARCH_DIR);
        let read = |path: &str| {
            let p = dir.join(path);
            std::fs::read(&p).with_context(|| format!("cannot read {}", p.display()))
        };
        // Errors name the file, then say what is wrong with it.
        let manifest = mcdewey_search_core::MANIFEST_PATH;
        let mut index = Index::open(&read(manifest)?)
            .with_context(|| dir.join(manifest).display().to_string())?;
        // Which fragment files exist is known once the twin blocks are
        // added: read what the index names, then ask again. Each file is
        // read once, so a file that reads but is still named ends the loop.
        let mut read_once = std::collections::HashSet::new();
        loop {
            let mut wanted = index.files_to_load();
            wanted.retain(|p| read_once.insert(p.clone()));
            if parts == IndexParts::Ranking {
                wanted.retain(|p| !mcdewey_search_core::is_fragment_path(p));
            }
            if wanted.is_empty() {
                break;
            }
            let files = wanted
                .into_par_iter()
                .map(|p| read(&p).map(|bytes| (p, bytes)))
                .collect::<anyhow::Result<Vec<(String, Vec<u8>)>>>()?;
            for (path, bytes) in files {
                index
                    .add_file(&path, &bytes)
                    .with_context(|| dir.join(&path).display().to_string())?;
            }
        }
        Ok(index)
    }
}

/// The format version a `document.json` says it has, read before the rest
/// so a file of another version is refused by its version, not misread.
pub fn document_version(bytes: &[u8]) -> anyhow::Result<u32> {
    let h: Header = serde_json::from_slice(bytes)?;
    Ok(h.format_version.unwrap_or(0))
}

fn check_version(path: &Path, generator: &str, found: u32) -> Result<(), SiteError> {
    if found == FORMAT_VERSION {
        return Ok(());
    }
    Err(SiteError::Version {
        path: path.to_path_buf(),
        generator: generator.to_string(),
        found,
        expected: FORMAT_VERSION,
    })
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, SiteError> {
    let bytes = std::fs::read(path).map_err(|e| SiteError::Malformed {
        path: path.to_path_buf(),
        source: anyhow::Error::new(e).context("cannot read it"),
    })?;
    serde_json::from_slice(&bytes).map_err(|e| SiteError::Malformed {
        path: path.to_path_buf(),
        source: e.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_views_are_told_from_other_pages() {
        assert!(is_chunk_view(&chunk_url("a/1.0/set/doc/", 12)));
        assert!(is_chunk_view("c/0.html"));
        for other in [
            "a/1.0/set/doc/p/12.html",
            "a/1.0/set/doc/index.html",
            "a/1.0/set/c/index.html",
            "a/1.0/c/x1.html",
            "a/1.0/set/doc/c/.html",
            "a/1.0/set/doc/c/12.md",
            "a/1.0/set/doc/c/12.html/index.html",
        ] {
            assert!(!is_chunk_view(other), "{other}");
        }
    }

    #[test]
    fn marker_round_trips_and_escapes() {
        let m = Marker::new("/docs/", Some("https://x.example/\"q\""));
        let back = Marker::parse(std::str::from_utf8(&m.to_bytes()).unwrap()).unwrap();
        assert_eq!(back, m);
        let old = Marker::parse("generator = \"mcdewey 0.1.0\"\nbase_path = \"/a/\"\n").unwrap();
        assert_eq!((old.format_version, old.base_path.as_str()), (None, "/a/"));
    }

    #[test]
    fn other_format_versions_are_refused_naming_both() {
        let dir = tempfile::tempdir().unwrap();
        let mut m = Marker::new("/", None);
        m.format_version = Some(FORMAT_VERSION + 1);
        std::fs::write(dir.path().join(MARKER), m.to_bytes()).unwrap();
        let e = SiteDir::open(dir.path()).unwrap_err().to_string();
        assert!(
            e.contains(&format!("format version {}", FORMAT_VERSION + 1))
                && e.contains(&format!("reads format version {FORMAT_VERSION}")),
            "{e}"
        );
        m.format_version = None;
        std::fs::write(dir.path().join(MARKER), m.to_bytes()).unwrap();
        std::fs::write(
            dir.path().join(LIBRARY_JSON),
            r#"{"format":"mcdewey-library","format_version":0}"#,
        )
        .unwrap();
        let e = SiteDir::open(dir.path()).unwrap_err().to_string();
        assert!(e.contains("format version 0"), "{e}");
    }

    #[test]
    fn chunk_markdown_is_named_by_slices_of_its_page() {
        let file = "<!-- header -->\n# Title\n\nFirst para.\n\n\nSecond para.\n\n- a\n- b\n";
        for md in [
            "# Title\n\nFirst para.",
            "First para.\n\nSecond para.\n\n- a\n- b",
            "Second para.",
            "",
        ] {
            let s = markdown_slices(file, md).unwrap();
            assert_eq!(markdown_from_slices(file, &s).unwrap(), md, "{s:?}");
        }
        // Contiguous paragraphs share one range; a wider gap starts another.
        assert_eq!(
            markdown_slices(file, "# Title\n\nFirst para.")
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            markdown_slices(file, "First para.\n\nSecond para.")
                .unwrap()
                .len(),
            2
        );
        // Text the page does not hold (or out of order) is not sliced.
        assert_eq!(markdown_slices(file, "Second para.\n\nFirst para."), None);
        assert_eq!(markdown_slices(file, "Other."), None);
        assert_eq!(markdown_from_slices(file, &[[0, 999]]), None);
    }

    #[test]
    fn a_chunk_is_looked_for_after_the_previous_one() {
        // "Note." is on the page twice: the second chunk holding it is the
        // second one, and a hint past the text falls back to the start.
        let file = "Note.\n\nFirst.\n\nNote.\n\nLast.";
        assert_eq!(markdown_slices_from(file, "Note.", 0), Some(vec![[0, 5]]));
        assert_eq!(markdown_slices_from(file, "Note.", 5), Some(vec![[15, 20]]));
        assert_eq!(markdown_slices_from(file, "First.", 20), None);
        let mut e = ChunkEntry {
            n: 1,
            id: String::new(),
            page: 1,
            breadcrumb: Cow::Owned(Vec::new()),
            line: 1,
            words: 1,
            md: Vec::new(),
            md_text: None,
            markdown: Cow::Borrowed(""),
        };
        let mut at = 0;
        for (md, want) in [("Note.", [0, 5]), ("First.", [7, 13]), ("Note.", [15, 20])] {
            at = e.set_markdown(file, md, at);
            assert_eq!((e.md.as_slice(), at), (&[want][..], want[1]));
        }
        assert_eq!(e.set_markdown(file, "First.", at), 13);
        assert_eq!(e.md, [[7, 13]]);
        assert_eq!(e.set_markdown(file, "Absent.", 13), 13);
        assert_eq!(e.md_text.as_deref(), Some("Absent."));
    }

    /// A document with `pages` (number, Markdown file) and chunks
    /// (n, page number, breadcrumb, line, Markdown), filled in as a reader
    /// fills it.
    fn document(
        pages: &[(u32, &str)],
        outline: Vec<HeadingEntry>,
        chunks: &[(u32, u32, &[&str], usize, &str)],
    ) -> DocumentFile<'static> {
        let (format, format_version) = DocumentFile::header();
        let dir = doc_dir("p", "1.0", "set", "doc");
        let id = doc_id("p", "1.0", "set", "doc");
        let chunks: Vec<ChunkEntry<'static>> = chunks
            .iter()
            .map(|&(n, page, crumbs, line, md)| {
                let file = pages.iter().find(|p| p.0 == page).unwrap().1;
                let mut e = ChunkEntry {
                    n,
                    id: chunk_id(&id, n),
                    page,
                    breadcrumb: Cow::Owned(crumbs.iter().map(|s| s.to_string()).collect()),
                    line,
                    words: md.split_whitespace().count(),
                    md: Vec::new(),
                    md_text: None,
                    markdown: Cow::Owned(md.to_string()),
                };
                match markdown_slices(file, md) {
                    Some(r) => e.md = r,
                    None => e.md_text = Some(Cow::Owned(md.to_string())),
                }
                e
            })
            .collect();
        let pages = pages
            .iter()
            .map(|&(number, _)| {
                let on: Vec<u32> = chunks
                    .iter()
                    .filter(|c| c.page == number)
                    .map(|c| c.n)
                    .collect();
                PageEntry {
                    number,
                    label: (number == 2).then(|| "ii".to_string()),
                    title: (number != 3).then(|| format!("Page title {number}")),
                    url: page_url(&dir, number),
                    first_chunk: on.first().copied(),
                    last_chunk: on.last().copied(),
                }
            })
            .collect();
        DocumentFile {
            format,
            format_version,
            digest: "0123456789abcdef".into(),
            id,
            title: "Doc".into(),
            vendor: "V".into(),
            product: "p".into(),
            product_name: "P".into(),
            version: "1.0".into(),
            doc_set: "set".into(),
            doc_set_title: "Set".into(),
            document: "doc".into(),
            source: "set/doc.md".into(),
            url: doc_url(&dir),
            paged: true,
            pages,
            outline,
            chunks,
        }
    }

    fn heading(level: u8, text: &str, page: u32, chunk: Option<u32>) -> HeadingEntry {
        HeadingEntry {
            level,
            text: text.into(),
            anchor: text.to_lowercase(),
            page,
            chunk,
        }
    }

    fn round_trip(doc: &DocumentFile<'static>, pages: &[(u32, &str)]) {
        let bytes = doc.to_json();
        let mut back = DocumentFile::from_json(&bytes).unwrap();
        back.complete(&doc_dir("p", "1.0", "set", "doc"), |rel| {
            let n: u32 = rel
                .rsplit('/')
                .next()
                .unwrap()
                .trim_end_matches(".md")
                .parse()
                .unwrap();
            Ok::<_, ()>(pages.iter().find(|p| p.0 == n).unwrap().1.to_string())
        })
        .unwrap();
        assert_eq!(&back, doc);
        // Written again, the same bytes.
        assert_eq!(back.to_json(), bytes);
    }

    #[test]
    fn document_json_round_trips_in_its_compact_form() {
        let pages = [
            (
                1,
                "<!-- head -->\n# Guide\n\nIntro text.\n\n## Setup\n\nStep one.\n\nStep two.\n",
            ),
            (
                2,
                "<!-- head -->\n## Setup\n\nMore steps.\n\n### Notes\n\nA note.\n",
            ),
            (3, "<!-- head -->\nNo headings here.\n"),
        ];
        let outline = vec![
            heading(1, "Guide", 1, Some(1)),
            heading(2, "Setup", 1, Some(2)),
            heading(2, "Setup", 2, Some(3)),
            heading(3, "Notes", 2, Some(4)),
            heading(2, "Unchunked", 3, None),
        ];
        // The common shape: chunks numbered 1…, in page order.
        let regular = document(
            &pages,
            outline.clone(),
            &[
                (1, 1, &["Guide"], 2, "# Guide\n\nIntro text."),
                (
                    2,
                    1,
                    &["Guide", "Setup"],
                    6,
                    "## Setup\n\nStep one.\n\nStep two.",
                ),
                (3, 2, &["Guide", "Setup"], 12, "## Setup\n\nMore steps."),
                (
                    4,
                    2,
                    &["Guide", "Setup", "Notes"],
                    16,
                    "### Notes\n\nA note.",
                ),
                (5, 3, &["Guide", "Setup", "Notes"], 20, "No headings here."),
            ],
        );
        round_trip(&regular, &pages);
        let text = String::from_utf8(regular.to_json()).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        // Left out because they follow: numbers 1…, each chunk's page.
        assert!(
            v["chunks"].get("n").is_none() && v["chunks"].get("page").is_none(),
            "{text}"
        );
        // Each heading path once; its parts name outline entries.
        assert_eq!(v["paths"].as_array().unwrap().len(), 3, "{text}");
        assert_eq!(
            v["paths"],
            serde_json::json!([[0], [0, 1], [0, 1, 3]]),
            "{text}"
        );

        // Irregular: numbers with gaps, pages out of order, a path part no
        // heading has, a chunk whose text is not slices of its page, lines
        // going back, an empty chunk, no outline.
        let irregular = document(
            &pages,
            Vec::new(),
            &[
                (3, 2, &["Elsewhere"], 12, "## Setup\n\nMore steps."),
                (7, 1, &[], 4, "Intro text.\n\nStep two."),
                (8, 1, &["Guide"], 1, "Not in the page."),
                (9, 3, &[], 20, ""),
            ],
        );
        round_trip(&irregular, &pages);
        let v: serde_json::Value = serde_json::from_slice(&irregular.to_json()).unwrap();
        assert_eq!(v["chunks"]["n"], serde_json::json!([3, 7, 8, 9]));
        assert_eq!(v["chunks"]["page"], serde_json::json!([2, 1, 1, 3]));
    }

    #[test]
    fn a_document_json_that_does_not_fit_is_refused() {
        let pages = [(1, "# A\n\nText.\n")];
        let doc = document(&pages, Vec::new(), &[(1, 1, &["A"], 1, "# A\n\nText.")]);
        let mut v: serde_json::Value = serde_json::from_slice(&doc.to_json()).unwrap();
        v["chunks"]["words"] = serde_json::json!([]);
        let e = DocumentFile::from_json(&serde_json::to_vec(&v).unwrap()).unwrap_err();
        assert!(e.to_string().contains("chunk columns"), "{e}");
        let mut v: serde_json::Value = serde_json::from_slice(&doc.to_json()).unwrap();
        v["paths"] = serde_json::json!([[5]]);
        let e = DocumentFile::from_json(&serde_json::to_vec(&v).unwrap()).unwrap_err();
        assert!(e.to_string().contains("heading paths"), "{e}");
    }

    #[test]
    fn the_digest_follows_the_document_and_its_pages() {
        let pages = [(1, "# A\n\nText.\n")];
        let doc = document(&pages, Vec::new(), &[(1, 1, &["A"], 1, "# A\n\nText.")]);
        let files = vec![pages[0].1.to_string()];
        let d = doc.digest_of(&files);
        assert_eq!(d.len(), 16);
        assert_eq!(d, doc.digest_of(&files), "deterministic");
        // Same length, other text: same byte ranges, another digest.
        assert_ne!(d, doc.digest_of(&["# A\n\nTexT.\n".to_string()]));
        let mut other = document(&pages, Vec::new(), &[(1, 1, &["A"], 1, "# A\n\nText.")]);
        other.title = "Doc 2".into();
        assert_ne!(d, other.digest_of(&files));
        // The digest the file carries does not feed itself.
        other.title = "Doc".into();
        other.digest = "x".into();
        assert_eq!(d, other.digest_of(&files));
    }

    #[test]
    fn unpaged_documents_are_named_by_section() {
        assert_eq!(page_display(true, 3, Some("iv"), Some("Intro")), "Page iv");
        assert_eq!(page_display(true, 3, None, None), "Page 3");
        assert_eq!(page_display(false, 3, None, Some("Intro")), "Intro");
        assert_eq!(page_display(false, 3, None, None), "Section 3");
    }
}
