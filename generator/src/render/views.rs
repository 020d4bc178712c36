//! What templates see: view structs built from the content model, so the
//! model can change without breaking themes. The library pages see the same
//! tree `library.json` holds ([`crate::site::VendorEntry`]).

use crate::content::document::ParsedDoc;
use crate::content::{Catalog, Counts, DocRef};
use crate::site::{self, DocEntry, DocSetEntry, ProductEntry, VendorEntry, VersionEntry};
use serde::Serialize;

#[derive(Serialize, Clone)]
pub(super) struct Link {
    pub title: String,
    pub url: String,
}

#[derive(Serialize, Clone)]
pub(super) struct PageSummary {
    pub number: u32,
    pub label: Option<String>,
    pub display: String,
    pub title: Option<String>,
    pub url: String,
    pub md_url: String,
    pub chunks: usize,
}

#[derive(Serialize, Clone)]
pub(super) struct OutlineView {
    pub level: u8,
    pub text: String,
    pub url: String,
    pub page: String,
}

#[derive(Serialize, Clone)]
pub(super) struct DocView {
    pub id: String,
    pub title: String,
    pub description: Option<String>,
    pub url: String,
    pub source: String,
    pub vendor: String,
    pub product: Link,
    pub version: Link,
    pub doc_set: Link,
    pub pages: Vec<PageSummary>,
    pub outline: Vec<OutlineView>,
    pub chunks: usize,
    pub has_markers: bool,
}

#[derive(Serialize)]
pub(super) struct ChunkView {
    pub n: u32,
    pub id: String,
    pub anchor: String,
    pub html: String,
    pub url: String,
    pub breadcrumb: Vec<String>,
}

pub(super) fn doc_view(d: &DocRef<'_>, parsed: &ParsedDoc) -> DocView {
    let dir = d.dir();
    let paged = parsed.has_markers;
    let (p, v, s) = (&d.product.id, &d.version.id, &d.doc_set.id);
    DocView {
        id: d.id(),
        title: d.doc.title.clone(),
        description: d.doc.description.clone(),
        url: site::doc_url(&dir),
        source: d.doc.source.clone(),
        vendor: d.product.vendor.clone(),
        product: Link {
            title: d.product.name.clone(),
            url: site::product_url(p),
        },
        version: Link {
            title: d.version.id.clone(),
            url: site::version_url(p, v),
        },
        doc_set: Link {
            title: d.doc_set.title.clone(),
            url: site::doc_set_url(p, v, s),
        },
        pages: parsed
            .pages
            .iter()
            .map(|p| PageSummary {
                number: p.number,
                label: p.label.clone(),
                display: site::page_display(
                    paged,
                    p.number,
                    p.label.as_deref(),
                    p.title.as_deref(),
                ),
                title: p.title.clone(),
                url: site::page_url(&dir, p.number),
                md_url: site::page_md_url(&dir, p.number),
                chunks: p.chunks.len(),
            })
            .collect(),
        outline: parsed
            .outline
            .iter()
            .map(|o| {
                let page = &parsed.pages[o.page];
                OutlineView {
                    level: o.level,
                    text: o.text.clone(),
                    url: format!("{}#{}", site::page_url(&dir, page.number), o.id),
                    page: site::page_display(
                        paged,
                        page.number,
                        page.label.as_deref(),
                        page.title.as_deref(),
                    ),
                }
            })
            .collect(),
        chunks: parsed.chunks.len(),
        has_markers: parsed.has_markers,
    }
}

/// The library tree by vendor, with counts at every level.
/// `digest` gives each document's `document.json` digest by its directory
/// (the build has it from writing that file).
pub fn library_view(lib: &Catalog, digest: &dyn Fn(&str) -> String) -> Vec<VendorEntry> {
    let mut vendors: Vec<VendorEntry> = Vec::new();
    for p in &lib.products {
        let mut pcounts = Counts::default();
        let versions = p
            .versions
            .iter()
            .map(|v| {
                let mut vcounts = Counts::default();
                let doc_sets = v
                    .doc_sets
                    .iter()
                    .map(|s| {
                        let mut scounts = Counts::default();
                        let documents = s
                            .documents
                            .iter()
                            .map(|d| {
                                scounts.add_doc(d);
                                DocEntry {
                                    title: d.title.clone(),
                                    url: site::doc_url(&site::doc_dir(&p.id, &v.id, &s.id, &d.id)),
                                    description: d.description.clone(),
                                    pages: d.pages,
                                    chunks: d.chunks,
                                    digest: digest(&site::doc_dir(&p.id, &v.id, &s.id, &d.id)),
                                }
                            })
                            .collect();
                        vcounts.add(scounts);
                        DocSetEntry {
                            id: s.id.clone(),
                            title: s.title.clone(),
                            url: site::doc_set_url(&p.id, &v.id, &s.id),
                            documents,
                            counts: scounts,
                        }
                    })
                    .collect();
                pcounts.add(vcounts);
                VersionEntry {
                    id: v.id.clone(),
                    url: site::version_url(&p.id, &v.id),
                    doc_sets,
                    counts: vcounts,
                }
            })
            .collect();
        let view = ProductEntry {
            id: p.id.clone(),
            name: p.name.clone(),
            aliases: p.aliases.clone(),
            vendor: p.vendor.clone(),
            description: p.description.clone(),
            url: site::product_url(&p.id),
            versions,
            counts: pcounts,
        };
        match vendors.last_mut() {
            Some(v) if v.name == p.vendor => v.products.push(view),
            _ => vendors.push(VendorEntry {
                name: p.vendor.clone(),
                products: vec![view],
            }),
        }
    }
    vendors
}
