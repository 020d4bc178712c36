//! `mcdewey search SITE QUERY`: the library's search from a terminal, through
//! the same search-core ranking the browser and `/mcp` use.

use crate::cli::SearchArgs;
use crate::site::{IndexParts, SiteDir};
use crate::ExitError;
use mcdewey_search_core::{parse_query, Filters};
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
        .map_err(|e| ExitError::io(anyhow::anyhow!("search failed: {e}")))?;
    let failed = |e| ExitError::io(anyhow::anyhow!("search failed: {e}"));
    let mut hits = Vec::new();
    for (h, also) in result.hits.iter().zip(&result.also) {
        let hit = index.hit(h.ordinal, &query).map_err(failed)?;
        // The same passage in other versions: (chunk id, version).
        let mut twins = Vec::new();
        for &o in also {
            let id = index.hit(o, &query).map_err(failed)?.id;
            twins.push((id, index.version_of(o).unwrap_or_default().to_string()));
        }
        hits.push((hit, h.score, twins));
    }
    if args.json {
        let rows: Vec<serde_json::Value> = hits
            .iter()
            .map(|(h, score, twins)| {
                let also: Vec<_> = twins.iter().map(|(id, _)| id).collect();
                serde_json::json!({
                    "id": h.id, "url": h.url, "title": h.title, "page": h.page,
                    "page_label": h.page_label, "breadcrumb": h.breadcrumb,
                    "score": score, "snippet": h.snippet.text, "also": also,
                })
            })
            .collect();
        let out = serde_json::json!({ "total": result.total, "hits": rows });
        print(&format!("{out}\n"))
    } else {
        let mut out = format!("{} results\n", result.total);
        for (h, score, twins) in &hits {
            let page = h.page_label.clone().unwrap_or_else(|| h.page.to_string());
            let _ = writeln!(out, "\n{:.3}  {} — p. {}  [{}]", score, h.title, page, h.id);
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

/// Writes the results to stdout. A reader that stops early (`| head -1`)
/// closes the pipe: that ends the output quietly, as other command-line
/// tools do, instead of failing.
fn print(text: &str) -> Result<(), ExitError> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(ExitError::io(
            anyhow::anyhow!("cannot write the results: {e}"),
        )),
        _ => Ok(()),
    }
}
