//! `mcdewey search SITE QUERY`: the library's search from a terminal, through
//! the same search-core ranking the browser and `/mcp` use.

use crate::cli::SearchArgs;
use crate::site::{self, IndexParts, SiteDir};
use crate::ExitError;
use anyhow::Context as _;
use mcdewey_search_core::{parse_query, Filters};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write as _;

pub fn run(args: SearchArgs) -> Result<(), ExitError> {
    let site = SiteDir::open(&args.site).map_err(|e| ExitError::usage(e.into()))?;
    let index = site.load_index(IndexParts::All).map_err(ExitError::usage)?;
    let filters = Filters {
        vendor: args.vendor,
        product: args.product,
        version: args.version,
        doc_set: args.doc_set,
        document: args.document,
    };
    let query = parse_query(&args.query, filters)
        .with_prefix(args.prefix)
        .with_limit(args.limit);
    if args.embedding {
        // Bit patterns, not decimal floats: the browser test compares them
        // with the WASM engine's exactly, with no formatting in between.
        let bits = index
            .query_embedding(&query)
            .map(|v| v.iter().map(|x| x.to_bits()).collect::<Vec<u32>>());
        return print(&format!("{}\n", serde_json::json!({ "embedding": bits })));
    }
    let result = index
        .search(&query)
        .context("search failed")
        .map_err(ExitError::io)?;
    let failed = |e| ExitError::io(anyhow::Error::new(e).context("search failed"));
    let mut hits = Vec::new();
    // Documents without physical pages are cited by section, not page.
    let mut paged: HashMap<String, bool> = HashMap::new();
    for (h, also) in result.hits.iter().zip(&result.also) {
        let hit = index.hit(h.ordinal, &query).map_err(failed)?;
        let dir = site::doc_dir(&hit.product, &hit.version, &hit.doc_set, &hit.document);
        let is_paged = match paged.get(&dir) {
            Some(&p) => p,
            None => {
                let p = site.is_paged(&dir).map_err(|e| ExitError::io(e.into()))?;
                *paged.entry(dir).or_insert(p)
            }
        };
        // The same passage in other versions: (chunk id, version).
        let mut twins = Vec::new();
        for &o in also {
            let id = index.hit(o, &query).map_err(failed)?.id;
            twins.push((id, index.version_of(o).unwrap_or_default().to_string()));
        }
        let section = section(&hit.title, &hit.breadcrumb);
        let page = is_paged.then(|| {
            hit.page_label
                .clone()
                .unwrap_or_else(|| hit.page.to_string())
        });
        hits.push(Row {
            hit,
            score: h.score,
            twins,
            page,
            section,
        });
    }
    if args.json {
        let rows: Vec<serde_json::Value> = hits
            .iter()
            .map(|r| {
                let h = &r.hit;
                let also: Vec<_> = r.twins.iter().map(|(id, _)| id).collect();
                let paged = r.page.is_some();
                serde_json::json!({
                    "id": h.id, "url": h.url, "title": h.title,
                    "paged": paged,
                    "page": paged.then_some(h.page),
                    "page_label": h.page_label.as_ref().filter(|_| paged),
                    "section": r.section, "breadcrumb": h.breadcrumb,
                    "score": r.score, "snippet": h.snippet.text, "also": also,
                })
            })
            .collect();
        let out = serde_json::json!({ "total": result.total, "hits": rows });
        print(&format!("{out}\n"))
    } else {
        let mut out = format!("{} results\n", result.total);
        for r in &hits {
            let (h, score, twins) = (&r.hit, r.score, &r.twins);
            // `p. 12` where the document has pages a reader can check, else
            // the section.
            let place = match (&r.page, &r.section) {
                (Some(page), _) => format!(" — p. {page}"),
                (None, Some(section)) => format!(" — § {section}"),
                (None, None) => String::new(),
            };
            let _ = writeln!(out, "\n{:.3}  {}{}  [{}]", score, h.title, place, h.id);
            if !h.breadcrumb.is_empty() {
                let _ = writeln!(out, "       {}", h.breadcrumb.join(" › "));
            }
            let _ = writeln!(out, "       {}", h.snippet.text);
            if !twins.is_empty() {
                let versions: Vec<&str> = twins.iter().map(|(_, v)| v.as_str()).collect();
                let _ = writeln!(out, "       same text in {}", versions.join(", "));
            }
        }
        print(&out)
    }
}

/// One result as printed.
struct Row {
    hit: mcdewey_search_core::Hit,
    score: f32,
    /// The same passage in other versions: (chunk id, version).
    twins: Vec<(String, String)>,
    /// The page as printed (its label, else its number); `None` for a
    /// document without physical pages.
    page: Option<String>,
    section: Option<String>,
}

/// The heading path of a hit without a leading document title.
fn section(title: &str, breadcrumb: &[String]) -> Option<String> {
    let parts = match breadcrumb.split_first() {
        Some((first, rest)) if first.eq_ignore_ascii_case(title) => rest,
        _ => breadcrumb,
    };
    (!parts.is_empty()).then(|| parts.join(" › "))
}

/// Writes the results to stdout. A reader that stops early (`| head -1`)
/// closes the pipe: that ends the output quietly, as other command-line
/// tools do, instead of failing.
fn print(text: &str) -> Result<(), ExitError> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(ExitError::io(
            anyhow::Error::new(e).context("cannot write the results"),
        )),
        _ => Ok(()),
    }
}
