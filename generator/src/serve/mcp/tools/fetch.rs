//! `fetch`: one chunk or page by id.

use super::{no_page, ToolResult, DEFAULT_CHARS};
use crate::serve::library::{Doc, Library, Page};
use crate::serve::mcp::scope;
use crate::serve::mcp::text::{self, Target};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FetchArgs {
    /// A chunk id from search (`product::version::doc-set::document::N`) or a
    /// page id (`product::version::doc-set::document::pN`, N the physical page).
    pub id: String,
    /// `next_cursor` of the previous call, to read on in a long page.
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Passage {
    pub id: String,
    /// `chunk` or `page`.
    pub kind: String,
    /// Document id.
    pub document: String,
    /// Document title.
    pub title: String,
    pub vendor: String,
    pub product: String,
    pub product_name: String,
    pub version: String,
    pub doc_set: String,
    pub doc_set_title: String,
    /// Physical page number.
    pub page: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_label: Option<String>,
    pub page_id: String,
    /// Heading path of a chunk, or the title of a page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
    pub url: String,
    pub citation: String,
    pub markdown: String,
    /// Id of the chunk or page before this one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous: Option<String>,
    /// Id of the chunk or page after this one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    /// Chunk ids on a page.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub chunks: Vec<String>,
    /// Set when `markdown` stops early; pass `next_cursor` to read on.
    pub truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

pub fn fetch(lib: &Library, args: &FetchArgs) -> ToolResult<Passage> {
    match text::parse_id(&args.id) {
        Target::Chunk(d, n) => {
            let doc = scope::find_document(lib, d)?;
            let i = doc.chunk_index(n).ok_or_else(|| no_chunk(&doc, n))?;
            Ok(chunk_passage(lib, &doc, i))
        }
        Target::Page(d, n) => {
            let doc = scope::find_document(lib, d)?;
            let page = doc.page(n).ok_or_else(|| no_page(&doc, &n.to_string()))?;
            let fp = text::fingerprint(&["fetch", &args.id]);
            let offset = text::decode_cursor(args.cursor.as_deref(), fp)?;
            Ok(page_passage(lib, &doc, page, offset, fp))
        }
        Target::Other if lib.doc(args.id.trim()).is_some() => Err(format!(
            "`{0}` is a document id. fetch takes a chunk id or a page id such as `{0}::p1`; get_outline lists a document's headings.",
            args.id.trim()
        )),
        Target::Other => Err(format!(
            "Unknown id `{}`. Chunk ids come from search and look like `product::version::doc-set::document::12`; page ids end in `::p<page>`.",
            args.id
        )),
    }
}

fn no_chunk(doc: &Doc, n: u32) -> String {
    let last = doc.chunks.last().map_or(0, |c| c.n);
    format!(
        "Document `{}` has no chunk {n}; its chunks are 1 to {last}.",
        doc.id
    )
}

fn chunk_passage(lib: &Library, doc: &Doc, i: usize) -> Passage {
    let c = &doc.chunks[i];
    let page = doc.page(c.page);
    let section = text::section(doc, c);
    let mut p = passage(lib, doc, c.page, page);
    p.id = c.id.clone();
    p.kind = "chunk".into();
    p.citation = text::citation(doc, page, section.as_deref());
    p.section = section;
    p.url = lib.url(&format!(
        "{}#{}",
        page.map_or("", |p| p.url.as_str()),
        crate::site::chunk_anchor(c.n)
    ));
    p.markdown = c.markdown.clone();
    p.previous = i.checked_sub(1).map(|j| doc.chunks[j].id.clone());
    p.next = doc.chunks.get(i + 1).map(|o| o.id.clone());
    p
}

fn page_passage(lib: &Library, doc: &Doc, page: &Page, offset: usize, fp: u64) -> Passage {
    let i = doc.page_index(page.number).unwrap_or(0);
    let full = doc.page_markdown(page);
    let (md, next) = text::window(&full, offset, DEFAULT_CHARS);
    let mut p = passage(lib, doc, page.number, Some(page));
    p.id = text::page_id(doc, page.number);
    p.kind = "page".into();
    p.citation = text::citation(doc, Some(page), page.title.as_deref());
    p.section = page.title.clone();
    p.markdown = md.to_string();
    p.truncated = next.is_some();
    p.next_cursor = next.map(|n| text::cursor(fp, n));
    p.previous = i
        .checked_sub(1)
        .map(|j| text::page_id(doc, doc.pages[j].number));
    p.next = doc.pages.get(i + 1).map(|o| text::page_id(doc, o.number));
    p.chunks = doc.page_chunks(page).iter().map(|c| c.id.clone()).collect();
    p
}

fn passage(lib: &Library, doc: &Doc, number: u32, page: Option<&Page>) -> Passage {
    Passage {
        id: String::new(),
        kind: String::new(),
        document: doc.id.clone(),
        title: doc.title.clone(),
        vendor: doc.vendor.clone(),
        product: doc.product.clone(),
        product_name: doc.product_name.clone(),
        version: doc.version.clone(),
        doc_set: doc.doc_set.clone(),
        doc_set_title: doc.doc_set_title.clone(),
        page: number,
        page_label: page.and_then(|p| p.label.clone()),
        page_id: text::page_id(doc, number),
        section: None,
        url: lib.url(page.map_or(doc.url.as_str(), |p| p.url.as_str())),
        citation: String::new(),
        markdown: String::new(),
        previous: None,
        next: None,
        chunks: Vec::new(),
        truncated: false,
        next_cursor: None,
    }
}
