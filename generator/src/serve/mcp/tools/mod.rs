//! The MCP tools: arguments, results and what they do, one module per
//! tool. Each tool is a plain function from the library and its arguments
//! to a result or to a message for the client, so it can be tested without
//! any transport.

mod fetch;
mod get_outline;
mod list_library;
mod read_page;
mod search;

pub use fetch::{fetch, FetchArgs, Passage};
pub use get_outline::{get_outline, HeadingNode, OutlineArgs, OutlineOutput};
pub use list_library::{
    list_library, Counts, DocNode, DocSetNode, LibraryOutput, ListLibraryArgs, ProductNode,
    VendorNode, VersionNode,
};
pub use read_page::{read_page, PageRef, ReadPageArgs, ReadPageOutput};
pub use search::{search, search_ids, SameText, SearchArgs, SearchHit, SearchOutput};

use super::text;
use crate::serve::library::Doc;
use serde::Serialize;

/// A message the client should read (returned with `isError`).
pub type ToolResult<T> = Result<T, String>;

/// What a call stopped by its client or its time budget says (never sent
/// to a client that went away; never cached).
pub const CANCELLED: &str = "The call was cancelled.";

pub const DEFAULT_LIMIT: usize = 10;
pub const MAX_LIMIT: usize = 50;
/// Deepest result reachable through cursors.
pub const MAX_RESULTS: usize = 1000;
pub const DEFAULT_CHARS: usize = 20_000;
pub const MAX_CHARS: usize = 100_000;
pub const MIN_CHARS: usize = 200;
pub const MAX_NEIGHBORS: u32 = 3;
/// The tools' names.
pub const NAMES: &[&str] = &[
    "search",
    "fetch",
    "read_page",
    "list_library",
    "get_outline",
];

/// Documents per `list_library` answer.
pub const DOCS_PER_PAGE: usize = 200;
/// Headings per `get_outline` answer.
pub const HEADINGS_PER_PAGE: usize = 300;

/// Fingerprint of a call's arguments without its cursor: a cursor is
/// valid only for the call that gave it.
fn fingerprint_of<T: Serialize>(tool: &str, args: &T) -> u64 {
    let mut v = serde_json::to_value(args).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        o.remove("cursor");
    }
    text::fingerprint(&[tool, &v.to_string()])
}

/// The message for a page a document does not have.
fn no_page(doc: &Doc, asked: &str) -> String {
    let (first, last) = (doc.pages.first(), doc.pages.last());
    let range = match (first, last) {
        (Some(f), Some(l)) => format!(
            "its pages are {} to {} (printed {} to {})",
            f.number,
            l.number,
            text::page_name(f),
            text::page_name(l)
        ),
        _ => "it has no pages".into(),
    };
    format!("Document `{}` has no page {asked}; {range}.", doc.id)
}
