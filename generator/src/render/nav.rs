//! Navigation pages (library home, product, version, doc set) of bounded
//! size. Each level lists the next one with counts and only a few entries of
//! the level below; long lists are split into numbered pages (`index.html`,
//! `index-2.html`, ...) with a pager of constant size, and long titles and
//! descriptions are clipped. Every document stays reachable by links from
//! the home: home → product → version → doc set pages → document.

use super::{Renderer, Sink};
use crate::content::Counts;
use crate::site::{
    DocEntry as DocSummary, DocSetEntry as DocSetView, ProductEntry as ProductView,
    VendorEntry as VendorView,
};
use minijinja::context;
use serde::Serialize;

/// Products on one page of the library home.
pub const PRODUCTS_PER_PAGE: usize = 25;
/// Versions on one page of a product.
pub const VERSIONS_PER_PAGE: usize = 50;
/// Doc sets on one page of a version.
pub const DOC_SETS_PER_PAGE: usize = 20;
/// Documents on one page of a doc set.
pub const DOCUMENTS_PER_PAGE: usize = 100;
/// Entries of the level below shown under each entry (versions of a product
/// on the home, doc sets of a version, documents of a doc set); the rest are
/// one link away.
pub const INLINE: usize = 8;
/// Other versions named on a version page.
pub const OTHER_VERSIONS: usize = 12;
/// Characters of a title or description shown in a list.
pub const CLIP: usize = 200;

fn clip(s: &str) -> String {
    match s.char_indices().nth(CLIP) {
        Some((i, _)) => format!("{}…", s[..i].trim_end()),
        None => s.to_string(),
    }
}

#[derive(Serialize)]
struct PageLink {
    n: usize,
    url: String,
    current: bool,
    gap: bool,
}

#[derive(Serialize)]
struct Pager {
    pages: usize,
    prev: Option<String>,
    next: Option<String>,
    links: Vec<PageLink>,
}

/// URL of page `k` (1-based) of the list whose first page is `first`
/// (`.../index.html`).
pub fn page_url(first: &str, k: usize) -> String {
    if k <= 1 {
        return first.to_string();
    }
    let stem = first.strip_suffix(".html").unwrap_or(first);
    format!("{stem}-{k}.html")
}

fn pager(first: &str, k: usize, pages: usize) -> Pager {
    let mut links = Vec::new();
    let mut last = 0;
    for n in 1..=pages {
        // First, last and two either side of the current page.
        if n == 1 || n == pages || n.abs_diff(k) <= 2 {
            if n > last + 1 {
                links.push(PageLink {
                    n: 0,
                    url: String::new(),
                    current: false,
                    gap: true,
                });
            }
            links.push(PageLink {
                n,
                url: page_url(first, n),
                current: n == k,
                gap: false,
            });
            last = n;
        }
    }
    Pager {
        pages,
        prev: (k > 1).then(|| page_url(first, k - 1)),
        next: (k < pages).then(|| page_url(first, k + 1)),
        links,
    }
}

/// The list cut into pages of `per` entries; an empty list is one empty page.
fn pages_of<T>(items: &[T], per: usize) -> Vec<&[T]> {
    if items.is_empty() {
        return vec![&items[..0]];
    }
    items.chunks(per).collect()
}

#[derive(Serialize)]
struct VersionEntry<'a> {
    id: &'a str,
    url: &'a str,
    counts: Counts,
    doc_sets: Vec<DocSetEntry<'a>>,
    more_doc_sets: usize,
}

#[derive(Serialize)]
struct DocSetEntry<'a> {
    title: String,
    url: &'a str,
    counts: Counts,
    documents: Vec<DocEntry<'a>>,
    more_documents: usize,
}

#[derive(Serialize)]
struct DocEntry<'a> {
    title: String,
    url: &'a str,
    description: Option<String>,
    pages: usize,
    chunks: usize,
}

#[derive(Serialize)]
struct ProductEntry<'a> {
    id: &'a str,
    name: String,
    vendor: &'a str,
    description: Option<String>,
    url: &'a str,
    counts: Counts,
    versions: Vec<VersionEntry<'a>>,
    more_versions: usize,
}

#[derive(Serialize)]
struct VendorEntry<'a> {
    name: String,
    products: Vec<ProductEntry<'a>>,
}

fn doc_entry(d: &DocSummary) -> DocEntry<'_> {
    DocEntry {
        title: clip(&d.title),
        url: &d.url,
        description: d.description.as_deref().map(clip),
        pages: d.pages,
        chunks: d.chunks,
    }
}

fn doc_set_entry(s: &DocSetView, documents: usize) -> DocSetEntry<'_> {
    DocSetEntry {
        title: clip(&s.title),
        url: &s.url,
        counts: s.counts,
        documents: s.documents.iter().take(documents).map(doc_entry).collect(),
        more_documents: s.documents.len().saturating_sub(documents),
    }
}

/// A product with its first `versions` versions (each without doc sets).
fn product_entry(p: &ProductView, versions: usize) -> ProductEntry<'_> {
    ProductEntry {
        id: &p.id,
        name: clip(&p.name),
        vendor: &p.vendor,
        description: p.description.as_deref().map(clip),
        url: &p.url,
        counts: p.counts,
        versions: p
            .versions
            .iter()
            .take(versions)
            .map(|v| VersionEntry {
                id: &v.id,
                url: &v.url,
                counts: v.counts,
                doc_sets: Vec::new(),
                more_doc_sets: 0,
            })
            .collect(),
        more_versions: p.versions.len().saturating_sub(versions),
    }
}

fn write_page(
    r: &Renderer<'_>,
    w: &dyn Sink,
    template: &str,
    url: &str,
    ctx: minijinja::Value,
) -> anyhow::Result<()> {
    w.put(url.to_string(), r.render(template, url, ctx)?.into_bytes())
}

/// Writes the home, product, version and doc set pages.
pub(super) fn write(
    r: &Renderer<'_>,
    w: &dyn Sink,
    vendors: &[VendorView],
    counts: Counts,
) -> anyhow::Result<()> {
    let products: Vec<&ProductView> = vendors.iter().flat_map(|v| &v.products).collect();
    let home_pages = pages_of(&products, PRODUCTS_PER_PAGE);
    for (i, page) in home_pages.iter().enumerate() {
        let mut groups: Vec<VendorEntry<'_>> = Vec::new();
        for p in page.iter() {
            let entry = product_entry(p, INLINE);
            match groups.last_mut() {
                Some(g) if g.name == clip(&p.vendor) => g.products.push(entry),
                _ => groups.push(VendorEntry {
                    name: clip(&p.vendor),
                    products: vec![entry],
                }),
            }
        }
        let url = page_url("index.html", i + 1);
        let ctx = context! {
            vendors => groups,
            vendor_count => vendors.len(),
            counts => counts,
            pager => pager("index.html", i + 1, home_pages.len()),
        };
        write_page(r, w, "home.html", &url, ctx)?;
    }
    for p in &products {
        let head = product_entry(p, 0);
        let version_pages = pages_of(&p.versions, VERSIONS_PER_PAGE);
        for (i, page) in version_pages.iter().enumerate() {
            let versions: Vec<VersionEntry<'_>> = page
                .iter()
                .map(|v| VersionEntry {
                    id: &v.id,
                    url: &v.url,
                    counts: v.counts,
                    doc_sets: v
                        .doc_sets
                        .iter()
                        .take(INLINE)
                        .map(|s| doc_set_entry(s, 0))
                        .collect(),
                    more_doc_sets: v.doc_sets.len().saturating_sub(INLINE),
                })
                .collect();
            let url = page_url(&p.url, i + 1);
            let ctx = context! {
                product => &head,
                versions => versions,
                pager => pager(&p.url, i + 1, version_pages.len()),
            };
            write_page(r, w, "product.html", &url, ctx)?;
        }
        for (vi, v) in p.versions.iter().enumerate() {
            // The versions nearest to this one, in the product's order.
            let start = vi.saturating_sub(OTHER_VERSIONS / 2);
            let others: Vec<_> = p
                .versions
                .iter()
                .enumerate()
                .filter(|&(i, _)| i != vi)
                .skip(start.min(p.versions.len().saturating_sub(OTHER_VERSIONS + 1)))
                .take(OTHER_VERSIONS)
                .map(|(_, o)| context! { id => &o.id, url => &o.url })
                .collect();
            let more_versions = p.versions.len().saturating_sub(1 + others.len());
            let version = context! { id => &v.id, url => &v.url, counts => v.counts };
            let set_pages = pages_of(&v.doc_sets, DOC_SETS_PER_PAGE);
            for (i, page) in set_pages.iter().enumerate() {
                let doc_sets: Vec<DocSetEntry<'_>> =
                    page.iter().map(|s| doc_set_entry(s, INLINE)).collect();
                let url = page_url(&v.url, i + 1);
                let ctx = context! {
                    product => &head,
                    version => &version,
                    other_versions => &others,
                    more_versions => more_versions,
                    doc_sets => doc_sets,
                    pager => pager(&v.url, i + 1, set_pages.len()),
                };
                write_page(r, w, "version.html", &url, ctx)?;
            }
            for s in &v.doc_sets {
                let set = doc_set_entry(s, 0);
                let doc_pages = pages_of(&s.documents, DOCUMENTS_PER_PAGE);
                for (i, page) in doc_pages.iter().enumerate() {
                    let documents: Vec<DocEntry<'_>> = page.iter().map(doc_entry).collect();
                    let url = page_url(&s.url, i + 1);
                    let ctx = context! {
                        product => &head,
                        version => &version,
                        doc_set => &set,
                        documents => documents,
                        pager => pager(&s.url, i + 1, doc_pages.len()),
                    };
                    write_page(r, w, "docset.html", &url, ctx)?;
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_urls_and_pager_links() {
        assert_eq!(page_url("a/b/index.html", 1), "a/b/index.html");
        assert_eq!(page_url("a/b/index.html", 3), "a/b/index-3.html");
        let p = pager("index.html", 5, 40);
        let shown: Vec<usize> = p.links.iter().filter(|l| !l.gap).map(|l| l.n).collect();
        assert_eq!(shown, vec![1, 3, 4, 5, 6, 7, 40]);
        assert_eq!(p.links.iter().filter(|l| l.gap).count(), 2);
        assert_eq!(p.prev.as_deref(), Some("index-4.html"));
        assert_eq!(p.next.as_deref(), Some("index-6.html"));
        let one = pager("index.html", 1, 1);
        assert!(one.prev.is_none() && one.next.is_none());
    }

    #[test]
    fn long_text_is_clipped_on_a_character_boundary() {
        let long = "é".repeat(CLIP + 10);
        let c = clip(&long);
        assert_eq!(c.chars().count(), CLIP + 1);
        assert!(c.ends_with('…'));
        assert_eq!(clip("short"), "short");
    }
}
