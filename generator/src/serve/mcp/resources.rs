//! MCP resources: a chunk, a page and a document outline as Markdown, by
//! URI. The listing names every document's outline, a page at a time.

use super::scope;
use super::text::{self, Target};
use crate::serve::library::{Doc, Library};
use rmcp::model::{
    ListResourceTemplatesResult, ListResourcesResult, ReadResourceResult, Resource,
    ResourceContents, ResourceTemplate,
};

pub const CHUNK_PREFIX: &str = "mcdewey://chunk/";
pub const PAGE_PREFIX: &str = "mcdewey://page/";
pub const OUTLINE_PREFIX: &str = "mcdewey://outline/";
const MARKDOWN: &str = "text/markdown";
/// Resources per `resources/list` answer.
pub const RESOURCES_PER_PAGE: usize = 100;

pub fn templates() -> ListResourceTemplatesResult {
    let t = |uri: &str, name: &str, title: &str, description: &str| {
        ResourceTemplate::new(uri, name)
            .with_title(title)
            .with_description(description)
            .with_mime_type(MARKDOWN)
    };
    ListResourceTemplatesResult::with_all_items(vec![
        t(
            "mcdewey://chunk/{id}",
            "chunk",
            "Chunk",
            "One chunk by its id (product::version::doc-set::document::N), with its citation.",
        ),
        t(
            "mcdewey://page/{id}",
            "page",
            "Page",
            "One page by its page id (product::version::doc-set::document::pN, N the physical page number).",
        ),
        t(
            "mcdewey://outline/{document}",
            "outline",
            "Document outline",
            "A document's pages and headings by document id (product::version::doc-set::document).",
        ),
    ])
}

/// One outline resource per document, [`RESOURCES_PER_PAGE`] at a time.
pub fn list(lib: &Library, cursor: Option<&str>) -> Result<ListResourcesResult, String> {
    let fp = text::fingerprint(&["resources/list"]);
    let start = text::decode_cursor(cursor, fp)?.min(lib.docs.len());
    let end = (start + RESOURCES_PER_PAGE).min(lib.docs.len());
    let items = lib.docs[start..end]
        .iter()
        .map(|d| {
            Resource::new(format!("{OUTLINE_PREFIX}{}", d.id), d.id.clone())
                .with_title(format!("{} {} — {}", d.product_name, d.version, d.title))
                .with_mime_type(MARKDOWN)
        })
        .collect();
    let mut result = ListResourcesResult::with_all_items(items);
    result.next_cursor = (end < lib.docs.len()).then(|| text::cursor(fp, end));
    Ok(result)
}

pub fn read(lib: &Library, uri: &str) -> Result<ReadResourceResult, String> {
    let body = if let Some(id) = uri.strip_prefix(CHUNK_PREFIX) {
        chunk(lib, &percent_decode(id))?
    } else if let Some(id) = uri.strip_prefix(PAGE_PREFIX) {
        page(lib, &percent_decode(id))?
    } else if let Some(id) = uri.strip_prefix(OUTLINE_PREFIX) {
        outline(&*scope::find_document(lib, &percent_decode(id))?)
    } else {
        return Err(format!(
            "Unknown resource `{uri}`. Resource URIs start with {CHUNK_PREFIX}, {PAGE_PREFIX} or {OUTLINE_PREFIX}."
        ));
    };
    Ok(ReadResourceResult::new(vec![ResourceContents::text(
        body, uri,
    )
    .with_mime_type(MARKDOWN)]))
}

fn chunk(lib: &Library, id: &str) -> Result<String, String> {
    let Target::Chunk(d, n) = text::parse_id(id) else {
        return Err(format!(
            "`{id}` is not a chunk id (product::version::doc-set::document::N)."
        ));
    };
    let doc = scope::find_document(lib, d)?;
    let doc = &*doc;
    let c = doc
        .chunk(n)
        .ok_or_else(|| format!("Document `{}` has no chunk {n}.", doc.id))?;
    let cite = text::citation(doc, doc.page(c.page), text::section(doc, c).as_deref());
    Ok(format!("<!-- {} — {cite} -->\n{}", c.id, c.markdown))
}

fn page(lib: &Library, id: &str) -> Result<String, String> {
    let Target::Page(d, n) = text::parse_id(id) else {
        return Err(format!(
            "`{id}` is not a page id (product::version::doc-set::document::pN)."
        ));
    };
    let doc = scope::find_document(lib, d)?;
    let doc = &*doc;
    let p = doc
        .page(n)
        .ok_or_else(|| format!("Document `{}` has no page {n}.", doc.id))?;
    let cite = text::citation(doc, Some(p), p.title.as_deref());
    Ok(format!("<!-- {id} — {cite} -->\n{}", doc.page_markdown(p)))
}

/// The outline as Markdown, like the site's `index.md`, with ids to fetch.
pub fn outline(doc: &Doc) -> String {
    let mut s = format!(
        "# {}\n\n{} — id `{}`\n\n## Pages\n\n",
        doc.title,
        text::citation(doc, None, None),
        doc.id
    );
    for p in &doc.pages {
        let title = p
            .title
            .as_deref()
            .map(|t| format!(": {t}"))
            .unwrap_or_default();
        s.push_str(&format!(
            "- p. {}{title} — `{}`\n",
            text::page_name(p),
            text::page_id(doc, p.number)
        ));
    }
    s.push_str("\n## Outline\n\n");
    for h in &doc.outline {
        let label = doc.page(h.page).map(text::page_name).unwrap_or_default();
        let chunk = h
            .chunk
            .and_then(|n| doc.chunk(n))
            .map(|c| format!(" — `{}`", c.id))
            .unwrap_or_default();
        s.push_str(&format!(
            "{}- {} (p. {label}){chunk}\n",
            "  ".repeat(usize::from(h.level.saturating_sub(1))),
            h.text
        ));
    }
    s
}

/// Undoes `%XX` escapes, which clients may apply to `:` and `/` in ids.
fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::percent_decode;

    #[test]
    fn decodes_escapes_and_keeps_the_rest() {
        assert_eq!(percent_decode("a%3A%3Ab%2Fc::1"), "a::b/c::1");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%4%+1"), "%zz%4%+1");
        assert_eq!(percent_decode("%C3%A9"), "é");
    }
}
