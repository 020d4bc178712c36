//! `list_library`: the vendor → product → version → doc set tree with
//! counts, and the documents of a scope page by page.

use super::{fingerprint_of, ToolResult, DOCS_PER_PAGE};
use crate::serve::library::{DocInfo, DocSet, Library, Product, Version};
use crate::serve::mcp::scope;
use crate::serve::mcp::text;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, Serialize, JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ListLibraryArgs {
    /// Vendor name.
    pub vendor: Option<String>,
    /// Product id, name or alias.
    pub product: Option<String>,
    /// Version id (with or without `product`).
    pub version: Option<String>,
    /// `next_cursor` of the previous call with the same arguments.
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema, Clone, Copy, Default)]
pub struct Counts {
    pub documents: usize,
    pub pages: usize,
    pub chunks: usize,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct LibraryOutput {
    /// Totals of everything in scope.
    pub counts: Counts,
    pub vendors: Vec<VendorNode>,
    /// Set when documents are left out or continue on another call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct VendorNode {
    pub name: String,
    pub products: Vec<ProductNode>,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct ProductNode {
    pub id: String,
    pub name: String,
    /// Other names of the product; each also works as a `product` filter.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The version searched when none is given.
    pub current_version: String,
    pub counts: Counts,
    pub versions: Vec<VersionNode>,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct VersionNode {
    pub id: String,
    pub current: bool,
    pub counts: Counts,
    pub doc_sets: Vec<DocSetNode>,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct DocSetNode {
    pub id: String,
    pub title: String,
    pub counts: Counts,
    /// Left out when the scope is large and no product is given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub documents: Option<Vec<DocNode>>,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct DocNode {
    /// Document id.
    pub id: String,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub pages: usize,
    pub chunks: usize,
}

pub fn list_library(lib: &Library, args: &ListLibraryArgs) -> ToolResult<LibraryOutput> {
    let fp = fingerprint_of("list_library", args);
    let offset = text::decode_cursor(args.cursor.as_deref(), fp)?;
    let opt = |o: &Option<String>| o.iter().cloned().collect::<Vec<_>>();
    let vendors = scope::vendors(lib, &opt(&args.vendor))?;
    let products = scope::products(&vendors, &opt(&args.product))?;
    let versions = opt(&args.version);
    if !versions.is_empty() {
        scope::versions(&products, &versions)?;
    }
    let in_scope = |p: &str, v: &str| {
        products.iter().any(|o| o.id == p)
            && (versions.is_empty() || versions.iter().any(|x| x == v))
    };
    let docs: Vec<usize> = (0..lib.docs.len())
        .filter(|&i| in_scope(&lib.docs[i].product, &lib.docs[i].version))
        .collect();
    let with_docs = args.product.is_some() || args.version.is_some() || docs.len() <= DOCS_PER_PAGE;
    let shown: &[usize] = if with_docs {
        let start = offset.min(docs.len());
        &docs[start..(start + DOCS_PER_PAGE).min(docs.len())]
    } else {
        &[]
    };
    let end = offset + shown.len();
    Ok(LibraryOutput {
        counts: counts(lib, &docs),
        vendors: tree(lib, &docs, with_docs.then_some(shown)),
        note: library_note(with_docs, docs.len(), offset, end),
        next_cursor: (with_docs && end < docs.len()).then(|| text::cursor(fp, end)),
    })
}

fn library_note(with_docs: bool, total: usize, start: usize, end: usize) -> Option<String> {
    if !with_docs {
        return Some(format!(
            "{total} documents: pass `product` (and `version`) to list them."
        ));
    }
    (start > 0 || end < total).then(|| {
        format!(
            "Documents {} to {end} of {total}; pass `next_cursor` for more.",
            start + 1
        )
    })
}

fn counts(lib: &Library, docs: &[usize]) -> Counts {
    let mut c = Counts::default();
    for &i in docs {
        c.documents += 1;
        c.pages += lib.docs[i].page_count;
        c.chunks += lib.docs[i].chunk_count;
    }
    c
}

/// Which documents a `list_library` tree covers and which it lists.
struct Selection<'a> {
    lib: &'a Library,
    in_scope: Vec<bool>,
    /// Listed documents; `None` when documents are left out.
    shown: Option<Vec<bool>>,
}

impl Selection<'_> {
    fn keep(&self, ids: &[usize]) -> Vec<usize> {
        ids.iter().copied().filter(|&i| self.in_scope[i]).collect()
    }

    fn visible(&self, ids: &[usize]) -> bool {
        match &self.shown {
            Some(s) => ids.iter().any(|&i| s[i]),
            None => !ids.is_empty(),
        }
    }
}

/// The tree over `docs`. With `shown`, only nodes holding a shown document
/// appear, with those documents listed.
fn tree(lib: &Library, docs: &[usize], shown: Option<&[usize]>) -> Vec<VendorNode> {
    let mask = |ids: &[usize]| {
        let mut m = vec![false; lib.docs.len()];
        ids.iter().for_each(|&i| m[i] = true);
        m
    };
    let sel = Selection {
        lib,
        in_scope: mask(docs),
        shown: shown.map(mask),
    };
    lib.vendors
        .iter()
        .filter_map(|v| {
            let products: Vec<ProductNode> = v
                .products
                .iter()
                .filter_map(|p| product_node(&sel, p))
                .collect();
            (!products.is_empty()).then(|| VendorNode {
                name: v.name.clone(),
                products,
            })
        })
        .collect()
}

fn product_node(sel: &Selection<'_>, p: &Product) -> Option<ProductNode> {
    let versions: Vec<VersionNode> = p
        .versions
        .iter()
        .enumerate()
        .filter_map(|(i, v)| version_node(sel, v, i == 0))
        .collect();
    if versions.is_empty() {
        return None;
    }
    let ids: Vec<usize> = p
        .versions
        .iter()
        .flat_map(|v| &v.doc_sets)
        .flat_map(|s| sel.keep(&s.docs))
        .collect();
    Some(ProductNode {
        id: p.id.clone(),
        name: p.name.clone(),
        aliases: p.aliases.clone(),
        description: p.description.clone(),
        current_version: p.versions.first().map(|v| v.id.clone()).unwrap_or_default(),
        counts: counts(sel.lib, &ids),
        versions,
    })
}

fn version_node(sel: &Selection<'_>, v: &Version, current: bool) -> Option<VersionNode> {
    let sets: Vec<DocSetNode> = v
        .doc_sets
        .iter()
        .filter_map(|s| doc_set_node(sel, s))
        .collect();
    if sets.is_empty() {
        return None;
    }
    let ids: Vec<usize> = v.doc_sets.iter().flat_map(|s| sel.keep(&s.docs)).collect();
    Some(VersionNode {
        id: v.id.clone(),
        current,
        counts: counts(sel.lib, &ids),
        doc_sets: sets,
    })
}

fn doc_set_node(sel: &Selection<'_>, s: &DocSet) -> Option<DocSetNode> {
    let ids = sel.keep(&s.docs);
    if !sel.visible(&ids) {
        return None;
    }
    Some(DocSetNode {
        id: s.id.clone(),
        title: s.title.clone(),
        counts: counts(sel.lib, &ids),
        documents: sel.shown.as_ref().map(|sh| {
            ids.iter()
                .filter(|&&i| sh[i])
                .map(|&i| doc_node(&sel.lib.docs[i]))
                .collect()
        }),
    })
}

fn doc_node(d: &DocInfo) -> DocNode {
    DocNode {
        id: d.id.clone(),
        title: d.title.clone(),
        description: d.description.clone(),
        pages: d.page_count,
        chunks: d.chunk_count,
    }
}
