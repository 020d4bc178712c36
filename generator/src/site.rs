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
pub const FORMAT_VERSION: u32 = 2;
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
}

// ------------------------------------------------------------ document.json

/// `document.json`: one document's pages, outline and chunks, for `/mcp` and
/// for agents on static hosting. A chunk's Markdown is not repeated here: it
/// is named by byte ranges of its page's `p/<page>.md`, and ids and URLs that
/// follow from the document's are left out; [`SiteDir::read_document`] fills
/// them all in. Borrowed when written, owned when read.
#[derive(Debug, Serialize, Deserialize)]
pub struct DocumentFile<'a> {
    pub format: Cow<'static, str>,
    pub format_version: u32,
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
    /// Sites built before the field existed are read as paged.
    #[serde(default = "paged_by_default")]
    pub paged: bool,
    pub pages: Vec<PageEntry>,
    pub outline: Vec<HeadingEntry>,
    pub chunks: Vec<ChunkEntry<'a>>,
}

fn paged_by_default() -> bool {
    true
}

impl DocumentFile<'static> {
    /// Fills in what the file leaves out: page URLs, chunk ids and each
    /// chunk's Markdown, sliced from its page's `p/N.md` (read once per page
    /// through `read_page`, given a site-relative path). `dir` is the
    /// document's directory. An error names the page file: `Some` is the
    /// reader's error, `None` a chunk whose byte ranges the file lacks.
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
}

#[derive(Debug, Clone, Serialize, Deserialize)]
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

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HeadingEntry {
    pub level: u8,
    pub text: String,
    pub anchor: String,
    pub page: u32,
    pub chunk: Option<u32>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct ChunkEntry<'a> {
    pub n: u32,
    /// [`chunk_id`]: not in the file, filled in by the reader.
    #[serde(skip)]
    pub id: String,
    pub page: u32,
    pub breadcrumb: Cow<'a, [String]>,
    pub line: usize,
    pub words: usize,
    /// Byte ranges of the page's `p/<page>.md` that, joined by a blank line,
    /// make the chunk's Markdown ([`markdown_slices`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub md: Vec<[usize; 2]>,
    /// The chunk's Markdown when it is not made of slices of its page's
    /// file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub md_text: Option<Cow<'a, str>>,
    /// The chunk's Markdown: not in the file; the reader makes it from `md`
    /// or `md_text`.
    #[serde(skip)]
    pub markdown: Cow<'a, str>,
}

impl<'a> ChunkEntry<'a> {
    /// Names `markdown` in the file: by slices of `page_file` (the page's
    /// `p/<page>.md`) when it is made of them, else by its text.
    pub fn set_markdown(&mut self, page_file: &str, markdown: &'a str) {
        match markdown_slices(page_file, markdown) {
            Some(md) => self.md = md,
            None => self.md_text = Some(Cow::Borrowed(markdown)),
        }
    }
}

/// Byte ranges of `file` that, joined by a blank line, give `markdown`, or
/// `None` when its paragraphs are not all found in order. Paragraphs that
/// follow each other in the file, a blank line apart, share one range.
pub fn markdown_slices(file: &str, markdown: &str) -> Option<Vec<[usize; 2]>> {
    let mut out: Vec<[usize; 2]> = Vec::new();
    if markdown.is_empty() {
        return Some(out);
    }
    let mut cur = 0;
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
        let mut doc: DocumentFile<'static> = read_json(&path)?;
        check_version(&path, &self.marker.generator, doc.format_version)?;
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
        let mut wanted = index.all_files();
        if parts == IndexParts::Ranking {
            let all: Vec<u32> = (0..index.chunk_count()).collect();
            let fragments: std::collections::HashSet<String> =
                index.fragments_for(&all).into_iter().collect();
            wanted.retain(|p| !fragments.contains(p));
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
        Ok(index)
    }
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
    fn unpaged_documents_are_named_by_section() {
        assert_eq!(page_display(true, 3, Some("iv"), Some("Intro")), "Page iv");
        assert_eq!(page_display(true, 3, None, None), "Page 3");
        assert_eq!(page_display(false, 3, None, Some("Intro")), "Intro");
        assert_eq!(page_display(false, 3, None, None), "Section 3");
    }
}
