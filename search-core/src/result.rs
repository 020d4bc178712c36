//! What a search gives back: ranked chunks, facet counts and display hits.
//! Plain data shared by the ranking, the display and the twins table.

use crate::fragment::DocumentInfo;
use crate::snippet::Snippet;

/// A facet level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FacetKind {
    Vendor,
    Product,
    Version,
    DocSet,
    Document,
}

/// One node of the facet tree (vendor, product, version or doc set).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FacetNode {
    pub kind: FacetKind,
    pub value: String,
    /// Index of the parent node in [`Facets::tree`].
    pub parent: Option<usize>,
    /// Chunk ordinals covered: `start..end`.
    pub start: u32,
    pub end: u32,
}

/// All facet values of the index.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Facets {
    pub vendor: Vec<String>,
    pub product: Vec<String>,
    pub version: Vec<String>,
    pub doc_set: Vec<String>,
    /// Vendors, then products, versions and doc sets, each pointing to its parent.
    pub tree: Vec<FacetNode>,
    /// Documents in ordinal order; empty until `docs.bin` is added.
    pub documents: Vec<DocumentInfo>,
}

/// Number of matching chunks per facet value, sorted by count (descending).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FacetCounts {
    pub vendor: Vec<(String, u32)>,
    pub product: Vec<(String, u32)>,
    pub version: Vec<(String, u32)>,
    pub doc_set: Vec<(String, u32)>,
    /// (document index, count); see [`Index::document`] for names.
    pub document: Vec<(u32, u32)>,
}

/// Ordinals and quantised impacts of one term, see [`Index::postings`].
pub type PostingsView<'a> = (&'a [u32], &'a [u8]);

pub(crate) use crate::order::better;
pub use crate::order::ScoredChunk;

/// Result of [`Index::search`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SearchResult {
    /// Best first, at most `query.limit`.
    pub hits: Vec<ScoredChunk>,
    /// Per hit, the matching chunks with the same text in other versions
    /// of the document (ascending ordinals): they are not hits of their
    /// own. Empty lists when the index has no such passages.
    pub also: Vec<Vec<u32>>,
    /// Number of results: matching chunks, like the facet counts (each
    /// version of a passage counts; the hits fold them). Counting each
    /// passage once would need the twin table of every result.
    pub total: u32,
    pub facets: FacetCounts,
    /// The query's quoted phrases matched nothing, so its results match
    /// their words anywhere instead (a page can say so).
    pub phrases_relaxed: bool,
}

/// Display data of one result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub ordinal: u32,
    pub id: String,
    pub url: String,
    pub title: String,
    /// Byte ranges of `title` to highlight.
    pub title_highlights: Vec<(usize, usize)>,
    pub breadcrumb: Vec<String>,
    pub page: u32,
    pub page_label: Option<String>,
    /// `page` is a physical page; otherwise it numbers a section and
    /// `page_label` holds the section's title.
    pub paged: bool,
    pub vendor: String,
    pub product: String,
    pub version: String,
    pub doc_set: String,
    pub document: String,
    /// Index of the chunk's document (see [`crate::Index::document`]),
    /// once its document block is added ([`crate::Index::doc_blocks_for`]).
    pub document_index: Option<u32>,
    pub snippet: Snippet,
}
