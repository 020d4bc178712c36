//! McDewey's importers: vendor documentation in PDF or HTML form, converted to
//! Markdown documents in McDewey's content format.
//!
//! The crate is pure: it takes bytes and returns documents and warnings. Reading
//! the inputs and writing the results is the caller's job (the `mcdewey import`
//! command and drop-in handling of `build`).
//!
//! # PDF
//!
//! [`pdf_to_markdown`] turns one PDF into one [`ImportedDoc`]:
//!
//! ```text
//! ---
//! title: "An Introduction to R"
//! source: "R-intro.pdf"
//! pages: 113
//! importer: "mcdewey-import 0.2.0+2"
//! ---
//!
//! <!-- page 1 label="T-1" -->
//!
//! ...
//!
//! <!-- page 7 label="1" -->
//!
//! # 1 Introduction and preliminaries
//! ```
//!
//! Every physical page gets exactly one marker, in order, even when empty;
//! `label` is the printed label from the document's `/PageLabels` tree. Headings
//! come from the outline (bookmarks) when there is one, else from font sizes.
//! Running headers and footers are removed (and reported per page in
//! [`PdfImport::pages`]), end-of-line hyphenation is joined, two-column pages
//! are read column by column, monospaced runs become fenced code blocks and
//! column-aligned rows become fenced text blocks. A page without extractable
//! text gets its marker and an [`ImportWarning`] naming it.
//!
//! # HTML doc sets
//!
//! [`html_set_to_markdown`] takes every file of a doc set directory as
//! `(relative path, bytes)` and returns one [`ImportedDoc`] per content page, in
//! the doc set's table-of-contents order (front matter `weight`). Sphinx and
//! DocBook (XSL) output are recognised; anything else is handled generically.
//! Only the main content is kept; navigation, sidebars, search and index
//! pages are dropped; internal links are rewritten to the imported `.md`
//! paths.
//!
//! Output is deterministic: the same input gives the same bytes.

mod anchors;
mod frontmatter;
mod html;
mod paths;
mod pdf;
mod text;

pub use anchors::{heading_anchors, heading_slug, markdown_options, HeadingIds};
pub use html::{
    html_set_to_markdown, skip_reason, HtmlFlavor, HtmlImport, HtmlOptions, HtmlProblem,
};
pub use pdf::{
    format_page_label, page_labels, pdf_to_markdown, LimitExceeded, PdfImport, PdfLimits,
    PdfOptions, PdfPageReport,
};

/// Value written to the `importer` front-matter key, and part of the key of
/// every cached conversion. After `+` is the conversion's revision: raise it
/// whenever the same input converts to different Markdown, so that builds
/// convert again instead of reusing the old result.
pub const IMPORTER: &str = concat!("mcdewey-import ", env!("CARGO_PKG_VERSION"), "+20");

/// One imported Markdown document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedDoc {
    /// Path of the document relative to the import's output directory, with
    /// `/` separators, e.g. `tutorial/index.md`.
    pub rel_path: String,
    /// The complete document: front matter and body.
    pub markdown: String,
    /// The document title (also in the front matter).
    pub title: String,
    /// Position in the doc set's reading order (HTML sets; also in the front
    /// matter). `None` for PDFs.
    pub weight: Option<u32>,
    /// Problems found while importing this document.
    pub warnings: Vec<ImportWarning>,
}

/// A problem that did not stop the import, e.g. a page without text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportWarning {
    /// Physical page (1-based) for PDFs, when the problem is about one page.
    pub page: Option<u32>,
    /// What happened, for a person.
    pub message: String,
}

impl std::fmt::Display for ImportWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.page {
            Some(p) => write!(f, "page {p}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Why an import failed as a whole.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The bytes are not a PDF that could be parsed.
    #[error("not a readable PDF: {0}")]
    Pdf(String),
    /// The PDF is encrypted and cannot be read without a password.
    #[error("the PDF is encrypted")]
    Encrypted,
    /// The PDF goes over one of the resource limits ([`PdfLimits`]).
    #[error("over the {} limit: {}", .0.limit, .0.detail)]
    Limit(LimitExceeded),
    /// The doc set contains no HTML page to import.
    #[error("no HTML page to import")]
    NoHtml,
}

impl From<LimitExceeded> for ImportError {
    fn from(e: LimitExceeded) -> Self {
        ImportError::Limit(e)
    }
}
