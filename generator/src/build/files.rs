//! The site's files for machines and agents, beside the HTML: each
//! document's `document.json`, `index.md` and `p/<page>.md`, and the
//! library's `library.json`, `llms.txt` and marker. Their shapes are the
//! [`crate::site`] contract; this module fills them from the content model.

use crate::config::Config;
use crate::content::document::{Page, ParsedDoc};
use crate::content::{Catalog, Counts, DocRef};
use crate::render::Sink;
use crate::site::{
    self, ChunkEntry, DocumentFile, HeadingEntry, LibraryFile, Marker, PageEntry, VendorEntry,
};
use std::borrow::Cow;

/// `document.json`, `index.md` and the raw Markdown of every page; returns
/// the digest `document.json` carries, which `library.json` repeats.
pub fn document_files(
    d: &DocRef<'_>,
    parsed: &ParsedDoc,
    out: &dyn Sink,
) -> anyhow::Result<String> {
    let dir = d.dir();
    let pages: Vec<String> = parsed
        .pages
        .iter()
        .map(|page| page_markdown(d, page))
        .collect();
    let mut file = document_file(d, parsed, &pages);
    file.digest = file.digest_of(&pages);
    let digest = file.digest.clone();
    out.put(format!("{dir}{}", site::DOCUMENT_JSON), file.to_json())?;
    for (page, md) in parsed.pages.iter().zip(pages) {
        out.put(site::page_md_url(&dir, page.number), md.into_bytes())?;
    }
    out.put(
        format!("{dir}index.md"),
        document_index_md(d, parsed).into_bytes(),
    )?;
    Ok(digest)
}

/// `pages`: each page's `p/<page>.md`, which the chunks' Markdown is named
/// in.
fn document_file<'a>(d: &DocRef<'a>, parsed: &'a ParsedDoc, pages: &[String]) -> DocumentFile<'a> {
    let dir = d.dir();
    let doc_id = d.id();
    let (format, format_version) = DocumentFile::header();
    DocumentFile {
        format,
        format_version,
        digest: String::new(),
        id: doc_id.clone(),
        title: Cow::Borrowed(&d.doc.title),
        vendor: Cow::Borrowed(&d.product.vendor),
        product: Cow::Borrowed(&d.product.id),
        product_name: Cow::Borrowed(&d.product.name),
        version: Cow::Borrowed(&d.version.id),
        doc_set: Cow::Borrowed(&d.doc_set.id),
        doc_set_title: Cow::Borrowed(&d.doc_set.title),
        document: Cow::Borrowed(&d.doc.id),
        source: Cow::Borrowed(&d.doc.source),
        url: site::doc_url(&dir),
        paged: parsed.has_markers,
        pages: parsed
            .pages
            .iter()
            .map(|p| PageEntry {
                number: p.number,
                label: p.label.clone(),
                title: p.title.clone(),
                url: site::page_url(&dir, p.number),
                first_chunk: parsed
                    .chunks
                    .get(p.chunks.start)
                    .filter(|_| !p.chunks.is_empty())
                    .map(|c| c.n),
                last_chunk: p
                    .chunks
                    .end
                    .checked_sub(1)
                    .filter(|_| !p.chunks.is_empty())
                    .map(|i| parsed.chunks[i].n),
            })
            .collect(),
        outline: parsed
            .outline
            .iter()
            .map(|o| HeadingEntry {
                level: o.level,
                text: o.text.clone(),
                anchor: o.id.clone(),
                page: parsed.pages[o.page].number,
                chunk: parsed.chunks.get(o.chunk).map(|c| c.n),
            })
            .collect(),
        chunks: parsed
            .chunks
            .iter()
            .scan((usize::MAX, 0), |at, c| {
                let mut e = ChunkEntry {
                    n: c.n,
                    id: site::chunk_id(&doc_id, c.n),
                    page: parsed.pages[c.page].number,
                    breadcrumb: Cow::Borrowed(&c.breadcrumb),
                    line: c.line,
                    words: c.words,
                    md: Vec::new(),
                    md_text: None,
                    markdown: Cow::Borrowed(&c.markdown),
                };
                // Where the page's previous chunk ended.
                if at.0 != c.page {
                    *at = (c.page, 0);
                }
                at.1 = e.set_markdown(&pages[c.page], &c.markdown, at.1);
                Some(e)
            })
            .collect(),
    }
}

/// Raw Markdown of one page, with a small header so the file stands alone.
fn page_markdown(d: &DocRef<'_>, page: &Page) -> String {
    let label = page
        .label
        .as_deref()
        .map(|l| format!(" label=\"{l}\""))
        .unwrap_or_default();
    format!(
        "<!-- {} — {} {} — {} — source: {} -->\n<!-- page {}{} -->\n{}",
        d.id(),
        d.product.name,
        d.version.id,
        d.doc.title,
        d.doc.source,
        page.number,
        label,
        page.markdown
    )
}

fn document_index_md(d: &DocRef<'_>, parsed: &ParsedDoc) -> String {
    let mut s = format!(
        "# {}\n\n{} {} — {} — id `{}` — source `{}`\n\n## Pages\n\n",
        d.doc.title,
        d.product.name,
        d.version.id,
        d.doc_set.title,
        d.id(),
        d.doc.source
    );
    // Sections of an unpaged document are named by their titles alone.
    let paged = parsed.has_markers;
    let display =
        |p: &Page| site::page_display(paged, p.number, p.label.as_deref(), p.title.as_deref());
    for p in &parsed.pages {
        let title = p.title.as_deref().filter(|_| paged);
        s.push_str(&format!(
            "- [{}{}](p/{}.md)\n",
            display(p),
            title.map(|t| format!(": {t}")).unwrap_or_default(),
            p.number
        ));
    }
    s.push_str("\n## Outline\n\n");
    for o in &parsed.outline {
        let page = &parsed.pages[o.page];
        let at = if paged {
            format!(" ({})", display(page))
        } else {
            String::new()
        };
        s.push_str(&format!(
            "{}- [{}](p/{}.md){at}\n",
            "  ".repeat(o.level.saturating_sub(1) as usize),
            o.text,
            page.number,
        ));
    }
    s
}

/// `library.json`, `llms.txt` and the site marker.
pub fn library_files(
    lib: &Catalog,
    vendors: Vec<VendorEntry>,
    config: &Config,
    out: &dyn Sink,
) -> anyhow::Result<()> {
    let counts = lib.counts();
    out.put(
        "llms.txt".into(),
        llms_txt(lib, &vendors, counts, config).into_bytes(),
    )?;
    // Through a JSON value, whose object keys are sorted: the file's bytes
    // do not depend on the order of the struct fields.
    let json = serde_json::to_value(LibraryFile::new(vendors, counts))?;
    out.put(site::LIBRARY_JSON.into(), serde_json::to_vec(&json)?)?;
    out.put(
        site::MARKER.into(),
        Marker::new(&config.base_path, config.site_url.as_deref()).to_bytes(),
    )
}

fn llms_txt(lib: &Catalog, vendors: &[VendorEntry], counts: Counts, config: &Config) -> String {
    let mut s = String::new();
    s.push_str(&format!(
        "# {}\n\n> A static documentation library of {} documents ({} pages, {} chunks) from {} products. Each document has an index.md (outline and page list); each page has its raw Markdown at p/<page>.md and each document its data at document.json. library.json lists the whole tree.\n",
        config.title.as_deref().unwrap_or("McDewey library"),
        counts.documents,
        counts.pages,
        counts.chunks,
        lib.products.len()
    ));
    for vendor in vendors {
        for p in &vendor.products {
            for v in &p.versions {
                s.push_str(&format!("\n## {} {} {}\n\n", vendor.name, p.name, v.id));
                for set in &v.doc_sets {
                    for d in &set.documents {
                        let md = d.url.trim_end_matches("index.html").to_string() + "index.md";
                        s.push_str(&format!(
                            "- [{} — {}]({}): {} pages",
                            set.title, d.title, md, d.pages
                        ));
                        if let Some(desc) = &d.description {
                            s.push_str(&format!(": {}", desc.replace('\n', " ")));
                        }
                        s.push('\n');
                    }
                }
            }
        }
    }
    s
}
