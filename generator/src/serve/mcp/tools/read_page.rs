//! `read_page`: a page of a document, with neighbours, as Markdown.

use super::{
    fingerprint_of, no_page, ToolResult, DEFAULT_CHARS, MAX_CHARS, MAX_NEIGHBORS, MIN_CHARS,
};
use crate::serve::library::{Doc, Library, Page};
use crate::serve::mcp::schema::lenient_u32;
use crate::serve::mcp::scope;
use crate::serve::mcp::text;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadPageArgs {
    /// Document id (`product::version::doc-set::document`).
    pub document: String,
    /// Physical page number, as in `p/<page>.html` and in page ids.
    #[serde(default, deserialize_with = "lenient_u32")]
    #[schemars(range(min = 1))]
    pub page: Option<u32>,
    /// Printed page label instead of `page`, e.g. `iv` or `12` as cited.
    pub page_label: Option<String>,
    /// Pages to add before and after, 0 to 3 (default 0).
    #[serde(default, deserialize_with = "lenient_u32")]
    #[schemars(range(min = 0, max = 3))]
    pub neighbors: Option<u32>,
    /// Most characters to return, 200 to 100000 (default 20000).
    #[serde(default, deserialize_with = "lenient_u32")]
    #[schemars(range(min = 200, max = 100000))]
    pub max_chars: Option<u32>,
    /// `next_cursor` of the previous call with the same arguments.
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct ReadPageOutput {
    pub document: String,
    pub title: String,
    /// Pages in the document.
    pub page_count: usize,
    /// The pages returned, in order.
    pub pages: Vec<PageRef>,
    /// Their Markdown; with several pages, each starts with a
    /// `<!-- page N (p. LABEL) -->` line.
    pub markdown: String,
    /// Page id before the first page returned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous: Option<String>,
    /// Page id after the last page returned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    pub truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct PageRef {
    pub id: String,
    pub number: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub url: String,
    pub citation: String,
}

pub fn read_page(lib: &Library, args: &ReadPageArgs) -> ToolResult<ReadPageOutput> {
    let doc = scope::find_document(lib, &args.document)?;
    let doc = &*doc;
    let page = requested_page(doc, args)?;
    let neighbors = args.neighbors.unwrap_or(0);
    if neighbors > MAX_NEIGHBORS {
        return Err(format!(
            "`neighbors` must be between 0 and {MAX_NEIGHBORS}."
        ));
    }
    let max_chars = args.max_chars.map_or(DEFAULT_CHARS, |n| n as usize);
    if !(MIN_CHARS..=MAX_CHARS).contains(&max_chars) {
        return Err(format!(
            "`max_chars` must be between {MIN_CHARS} and {MAX_CHARS}."
        ));
    }
    let fp = fingerprint_of("read_page", args);
    let offset = text::decode_cursor(args.cursor.as_deref(), fp)?;
    let i = doc.page_index(page.number).unwrap_or(0);
    let n = neighbors as usize;
    let range = i.saturating_sub(n)..(i + n + 1).min(doc.pages.len());
    let pages = &doc.pages[range.clone()];
    let full = joined_pages(doc, pages);
    let (md, next) = text::window(&full, offset, max_chars);
    Ok(ReadPageOutput {
        document: doc.id.clone(),
        title: doc.title.clone(),
        page_count: doc.pages.len(),
        pages: pages.iter().map(|p| page_ref(lib, doc, p)).collect(),
        markdown: md.to_string(),
        previous: range
            .start
            .checked_sub(1)
            .map(|j| text::page_id(doc, doc.pages[j].number)),
        next: doc
            .pages
            .get(range.end)
            .map(|p| text::page_id(doc, p.number)),
        truncated: next.is_some(),
        next_cursor: next.map(|o| text::cursor(fp, o)),
    })
}

fn requested_page<'a>(doc: &'a Doc, args: &ReadPageArgs) -> ToolResult<&'a Page> {
    match (args.page, args.page_label.as_deref()) {
        (Some(n), None) => doc.page(n).ok_or_else(|| no_page(doc, &n.to_string())),
        (None, Some(l)) => doc
            .page_by_label(l)
            .ok_or_else(|| no_page(doc, &format!("labelled `{l}`"))),
        (Some(_), Some(_)) => Err("Give either `page` or `page_label`, not both.".into()),
        (None, None) => {
            Err("Give `page` (physical number) or `page_label` (printed label).".into())
        }
    }
}

fn joined_pages(doc: &Doc, pages: &[Page]) -> String {
    if let [only] = pages {
        return doc.page_markdown(only);
    }
    pages
        .iter()
        .map(|p| {
            format!(
                "<!-- page {} (p. {}) -->\n{}",
                p.number,
                text::page_name(p),
                doc.page_markdown(p)
            )
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

fn page_ref(lib: &Library, doc: &Doc, p: &Page) -> PageRef {
    PageRef {
        id: text::page_id(doc, p.number),
        number: p.number,
        label: p.label.clone(),
        title: p.title.clone(),
        url: lib.url(&p.url),
        citation: text::citation(doc, Some(p), p.title.as_deref()),
    }
}
