//! A built site loaded into memory for the MCP server: the tree from
//! `library.json`, every `document.json`, and the whole search index, read
//! through the site contract ([`crate::site`]). Read once at start, then
//! shared read-only by every request.

use crate::site::{self, DocEntry, DocSetEntry, DocumentFile, IndexParts, ProductEntry, SiteDir};
use mcdewey_search_core::{FacetKind, FacetNode, Index};
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::Path;

/// Everything the MCP tools answer from.
pub struct Library {
    /// Path prefix the site was built for; prepended to every URL.
    pub base_path: String,
    /// `site_url` the site was built with (`https://docs.example.com`):
    /// URLs are absolute when it is known.
    pub site_url: Option<String>,
    /// Vendors in the order of `library.json` (by vendor, then product name).
    pub vendors: Vec<Vendor>,
    /// Every document; doc sets refer to them by position.
    pub docs: Vec<Doc>,
    by_id: HashMap<String, usize>,
    /// The site's own search index, with every file a search needs.
    pub index: Index,
    /// Per index document, in ordinal order: its first chunk ordinal and its
    /// position in `docs`.
    ordinals: Vec<(u32, usize)>,
}

pub struct Vendor {
    pub name: String,
    pub products: Vec<Product>,
}

pub struct Product {
    pub id: String,
    pub name: String,
    pub vendor: String,
    pub description: Option<String>,
    /// Newest first: the first one is the current version.
    pub versions: Vec<Version>,
}

pub struct Version {
    pub id: String,
    pub doc_sets: Vec<DocSet>,
}

pub struct DocSet {
    pub id: String,
    pub title: String,
    /// Positions in [`Library::docs`].
    pub docs: Vec<usize>,
}

/// One `document.json`, plus what only `library.json` knows.
pub struct Doc {
    pub id: String,
    pub title: String,
    pub vendor: String,
    pub product: String,
    pub product_name: String,
    pub version: String,
    pub doc_set: String,
    pub doc_set_title: String,
    pub document: String,
    pub url: String,
    /// Physical pages with numbers a reader can check (page markers);
    /// `false`: pages are sections of a web page or plain Markdown.
    pub paged: bool,
    pub pages: Vec<Page>,
    pub outline: Vec<Heading>,
    pub chunks: Vec<Chunk>,
    pub description: Option<String>,
    /// Number of documents in the doc set (citations name the document only
    /// when the doc set has several).
    pub siblings: usize,
}

pub type Page = site::PageEntry;
pub type Heading = site::HeadingEntry;

pub struct Chunk {
    pub n: u32,
    pub id: String,
    pub page: u32,
    pub breadcrumb: Vec<String>,
    pub markdown: String,
    /// Plain text for snippets, made the first time the chunk is a hit.
    plain: std::sync::OnceLock<String>,
}

impl From<DocumentFile<'static>> for Doc {
    fn from(f: DocumentFile<'static>) -> Doc {
        Doc {
            id: f.id,
            title: f.title.into_owned(),
            vendor: f.vendor.into_owned(),
            product: f.product.into_owned(),
            product_name: f.product_name.into_owned(),
            version: f.version.into_owned(),
            doc_set: f.doc_set.into_owned(),
            doc_set_title: f.doc_set_title.into_owned(),
            document: f.document.into_owned(),
            url: f.url,
            paged: f.paged,
            pages: f.pages,
            outline: f.outline,
            chunks: f
                .chunks
                .into_iter()
                .map(|c| Chunk {
                    n: c.n,
                    id: c.id,
                    page: c.page,
                    breadcrumb: c.breadcrumb.into_owned(),
                    markdown: c.markdown.into_owned(),
                    plain: Default::default(),
                })
                .collect(),
            description: None,
            siblings: 0,
        }
    }
}

impl Chunk {
    /// The chunk's text as search indexed it (for snippets).
    pub fn plain_text(&self) -> &str {
        self.plain
            .get_or_init(|| crate::markdown::plain_text(&self.markdown))
    }
}

impl Library {
    /// Reads a built site. Fails on a missing or malformed file, since a
    /// server answering from half a library would give wrong answers.
    pub fn load(site: &Path) -> anyhow::Result<Library> {
        let dir = SiteDir::open(site)?;
        let raw = dir.read_library()?;
        let summaries: Vec<&DocEntry> = raw
            .vendors
            .iter()
            .flat_map(|v| &v.products)
            .flat_map(|p| &p.versions)
            .flat_map(|v| &v.doc_sets)
            .flat_map(|s| &s.documents)
            .collect();
        let docs = summaries
            .par_iter()
            .map(|s| dir.read_document(&s.url).map(Doc::from))
            .collect::<Result<Vec<Doc>, _>>()?;
        let index = dir.load_index(IndexParts::Ranking)?;
        let mut lib = Library::assemble(dir.marker.base_path.clone(), raw.vendors, docs, index);
        lib.site_url = dir.marker.site_url.clone();
        lib.ordinals = ordinal_map(&lib)?;
        Ok(lib)
    }

    fn assemble(
        base_path: String,
        raw: Vec<site::VendorEntry>,
        mut docs: Vec<Doc>,
        index: Index,
    ) -> Self {
        let mut next = 0;
        let vendors = raw
            .into_iter()
            .map(|v| Vendor {
                name: v.name,
                products: v
                    .products
                    .into_iter()
                    .map(|p| product(p, &mut docs, &mut next))
                    .collect(),
            })
            .collect();
        let by_id = docs
            .iter()
            .enumerate()
            .map(|(i, d)| (d.id.clone(), i))
            .collect();
        Library {
            base_path,
            site_url: None,
            vendors,
            docs,
            by_id,
            index,
            ordinals: Vec::new(),
        }
    }

    /// The document and chunk of an index ordinal. The index keeps each
    /// document's chunks in order, so the position within the document's
    /// ordinal range is the position in its `chunks`.
    pub fn chunk_at(&self, ordinal: u32) -> Option<(&Doc, &Chunk)> {
        let i = self
            .ordinals
            .partition_point(|&(start, _)| start <= ordinal);
        let (start, d) = *self.ordinals.get(i.checked_sub(1)?)?;
        let doc = &self.docs[d];
        Some((doc, doc.chunks.get((ordinal - start) as usize)?))
    }

    pub fn doc(&self, id: &str) -> Option<&Doc> {
        self.by_id.get(id).map(|&i| &self.docs[i])
    }

    pub fn products(&self) -> impl Iterator<Item = &Product> {
        self.vendors.iter().flat_map(|v| &v.products)
    }

    pub fn product(&self, id: &str) -> Option<&Product> {
        self.products().find(|p| p.id == id)
    }

    /// A site-relative URL made absolute with the base path, and with the
    /// site's origin when `site_url` is known.
    pub fn url(&self, rel: &str) -> String {
        let origin = self.site_url.as_deref().unwrap_or("");
        format!("{origin}{}{}", self.base_path, rel)
    }
}

fn product(p: ProductEntry, docs: &mut [Doc], next: &mut usize) -> Product {
    let versions = p
        .versions
        .into_iter()
        .map(|v| Version {
            id: v.id,
            doc_sets: v
                .doc_sets
                .into_iter()
                .map(|s| doc_set(s, docs, next))
                .collect(),
        })
        .collect();
    Product {
        id: p.id,
        name: p.name,
        vendor: p.vendor,
        description: p.description,
        versions,
    }
}

fn doc_set(s: DocSetEntry, docs: &mut [Doc], next: &mut usize) -> DocSet {
    let n = s.documents.len();
    let ids: Vec<usize> = (*next..*next + n).collect();
    for (i, summary) in ids.iter().zip(s.documents) {
        docs[*i].description = summary.description;
        docs[*i].siblings = n;
    }
    *next += n;
    DocSet {
        id: s.id,
        title: s.title,
        docs: ids,
    }
}

/// Matches each document of the index to its `document.json` through the
/// facet tree (doc set → version → product), and checks the chunk counts so
/// an index from another build is refused rather than misread.
fn ordinal_map(lib: &Library) -> anyhow::Result<Vec<(u32, usize)>> {
    let facets = lib.index.facets();
    let mut sets: Vec<&FacetNode> = facets
        .tree
        .iter()
        .filter(|n| n.kind == FacetKind::DocSet)
        .collect();
    sets.sort_by_key(|n| n.start);
    let value = |i: Option<usize>| i.map_or("", |i| facets.tree[i].value.as_str());
    let mut out = Vec::with_capacity(facets.documents.len());
    for info in &facets.documents {
        let i = sets.partition_point(|n| n.start <= info.start);
        let set = i
            .checked_sub(1)
            .map(|i| sets[i])
            .filter(|n| info.start < n.end)
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "the search index places document `{}` in no doc set",
                    info.key
                )
            })?;
        let version = set.parent;
        let product = version.and_then(|v| facets.tree[v].parent);
        let id = site::doc_id(value(product), value(version), &set.value, &info.key);
        let d = *lib.by_id.get(&id).ok_or_else(|| {
            anyhow::anyhow!(
                "the search index has document `{id}`, which the site lacks; rebuild the site"
            )
        })?;
        if lib.docs[d].chunks.len() != (info.end - info.start) as usize {
            anyhow::bail!("the search index and document.json of `{id}` disagree on its chunks; rebuild the site");
        }
        out.push((info.start, d));
    }
    Ok(out)
}

impl Doc {
    pub fn chunk(&self, n: u32) -> Option<&Chunk> {
        let i = self.chunks.binary_search_by_key(&n, |c| c.n).ok()?;
        Some(&self.chunks[i])
    }

    /// Position of a page in [`Doc::pages`] by its physical number.
    pub fn page_index(&self, number: u32) -> Option<usize> {
        self.pages.binary_search_by_key(&number, |p| p.number).ok()
    }

    pub fn page(&self, number: u32) -> Option<&Page> {
        self.page_index(number).map(|i| &self.pages[i])
    }

    /// A page by its printed label (`iv`, `12`), compared without case.
    pub fn page_by_label(&self, label: &str) -> Option<&Page> {
        let label = label.trim();
        self.pages.iter().find(|p| {
            p.label
                .as_deref()
                .is_some_and(|l| l.eq_ignore_ascii_case(label))
        })
    }

    /// The chunks printed on a page, in order.
    pub fn page_chunks(&self, page: &Page) -> &[Chunk] {
        let (Some(first), Some(last)) = (page.first_chunk, page.last_chunk) else {
            return &[];
        };
        let start = self.chunks.partition_point(|c| c.n < first);
        let end = self.chunks.partition_point(|c| c.n <= last);
        &self.chunks[start..end.max(start)]
    }

    /// A page's Markdown: its chunks joined, the same text as its `p/<n>.md`
    /// file without the header comment.
    pub fn page_markdown(&self, page: &Page) -> String {
        self.page_chunks(page)
            .iter()
            .map(|c| c.markdown.as_str())
            .collect::<Vec<_>>()
            .join("\n\n")
    }
}
