//! `get_outline`: a document's headings as a tree.

use super::{fingerprint_of, ToolResult, HEADINGS_PER_PAGE};
use crate::serve::library::Library;
use crate::serve::mcp::scope;
use crate::serve::mcp::text;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OutlineArgs {
    /// Document id (`product::version::doc-set::document`).
    pub document: String,
    /// `next_cursor` of the previous call with the same arguments.
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct OutlineOutput {
    pub document: String,
    pub title: String,
    pub citation: String,
    pub page_count: usize,
    /// Top-level headings; each holds the headings below it.
    pub headings: Vec<HeadingNode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct HeadingNode {
    pub level: u8,
    pub text: String,
    /// Physical page number the heading is on.
    pub page: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_label: Option<String>,
    pub page_id: String,
    /// The chunk that starts at this heading, for fetch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chunk_id: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub children: Vec<HeadingNode>,
}

pub fn get_outline(lib: &Library, args: &OutlineArgs) -> ToolResult<OutlineOutput> {
    let doc = scope::find_document(lib, &args.document)?;
    let doc = &*doc;
    let fp = fingerprint_of("get_outline", args);
    let offset = text::decode_cursor(args.cursor.as_deref(), fp)?.min(doc.outline.len());
    let end = (offset + HEADINGS_PER_PAGE).min(doc.outline.len());
    let flat: Vec<HeadingNode> = doc.outline[offset..end]
        .iter()
        .map(|h| HeadingNode {
            level: h.level,
            text: h.text.clone(),
            page: h.page,
            page_label: doc.page(h.page).and_then(|p| p.label.clone()),
            page_id: text::page_id(doc, h.page),
            chunk_id: h.chunk.and_then(|n| doc.chunk(n)).map(|c| c.id.clone()),
            children: Vec::new(),
        })
        .collect();
    Ok(OutlineOutput {
        document: doc.id.clone(),
        title: doc.title.clone(),
        citation: text::citation(doc, None, None),
        page_count: doc.pages.len(),
        headings: nest(flat),
        next_cursor: (end < doc.outline.len()).then(|| text::cursor(fp, end)),
    })
}

/// Builds the tree from headings in document order: each heading goes under
/// the nearest earlier heading of a lower level.
fn nest(flat: Vec<HeadingNode>) -> Vec<HeadingNode> {
    let mut roots: Vec<HeadingNode> = Vec::new();
    let mut stack: Vec<HeadingNode> = Vec::new();
    for h in flat {
        while stack.last().is_some_and(|top| top.level >= h.level) {
            close(&mut stack, &mut roots);
        }
        stack.push(h);
    }
    while !stack.is_empty() {
        close(&mut stack, &mut roots);
    }
    roots
}

fn close(stack: &mut Vec<HeadingNode>, roots: &mut Vec<HeadingNode>) {
    if let Some(done) = stack.pop() {
        match stack.last_mut() {
            Some(parent) => parent.children.push(done),
            None => roots.push(done),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(level: u8, text: &str) -> HeadingNode {
        HeadingNode {
            level,
            text: text.into(),
            page: 1,
            page_label: None,
            page_id: String::new(),
            chunk_id: None,
            children: Vec::new(),
        }
    }

    #[test]
    fn headings_nest_by_level() {
        let t = nest(vec![
            h(1, "a"),
            h(2, "b"),
            h(3, "c"),
            h(2, "d"),
            h(1, "e"),
            h(3, "f"),
        ]);
        let names = |v: &[HeadingNode]| v.iter().map(|n| n.text.clone()).collect::<Vec<_>>();
        assert_eq!(names(&t), ["a", "e"]);
        assert_eq!(names(&t[0].children), ["b", "d"]);
        assert_eq!(names(&t[0].children[0].children), ["c"]);
        assert_eq!(names(&t[1].children), ["f"]);
    }
}
