//! What the index is built from: one chunk of a document.

/// One chunk to index.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChunkInput {
    /// Unique id of the chunk (e.g. `doc-key#3`).
    pub id: String,
    pub url: String,
    /// Title of the document the chunk belongs to.
    pub title: String,
    /// Headings leading to the chunk, outermost first.
    pub breadcrumb: Vec<String>,
    pub page: u32,
    /// Printed page label when it differs from the page number (`iv`, `A-3`);
    /// in a document without pages, the title of the section `page` numbers.
    pub page_label: Option<String>,
    /// The document has physical pages (page markers, e.g. from a PDF), so
    /// `page` is a number a reader can check; otherwise results name the
    /// section instead.
    pub paged: bool,
    pub vendor: String,
    pub product: String,
    pub version: String,
    /// Place of `version` among its product's versions, current first
    /// (0). Of identical passages in several versions, search shows the
    /// current-most one (see [`crate::SearchResult::also`]).
    pub version_rank: u32,
    pub doc_set: String,
    /// Key of the document (unique within its doc set).
    pub document: String,
    /// Plain text of the chunk.
    pub text: String,
    /// How many other documents link to a heading in the chunk: the pages
    /// a library points at from everywhere are its definitions, which
    /// rank a little higher (see [`crate::BuildOptions::inlink_prior`]).
    pub inlinks: u32,
}

/// What a chunk's analysis (its terms, token ids and vector) reads: its
/// title, headings and text. Chunks with the same passage get the same
/// analysis.
pub(crate) type Passage<'a> = (&'a str, &'a [String], &'a str);

impl ChunkInput {
    pub(crate) fn passage(&self) -> Passage<'_> {
        (&self.title, &self.breadcrumb, &self.text)
    }
}
