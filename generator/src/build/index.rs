//! The index stage: every chunk of the library goes to search-core's index
//! writer. The files land in the site's search directory
//! ([`crate::site::SEARCH_DIR`]) and are read by both the browser engine and
//! `/mcp`.

use crate::content::Catalog;
use crate::markdown;
use crate::site;
use mcdewey_search_core::{build_index, BuildOptions, ChunkInput, IndexFiles};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;

/// Display names of facet ids, for the UI (the index stores ids).
#[derive(Debug, Serialize, Default)]
pub struct Labels {
    pub format: &'static str,
    pub products: BTreeMap<String, String>,
    pub doc_sets: BTreeMap<String, String>,
}

/// One search record per chunk; facet values are ids so filters are stable.
pub fn chunk_inputs(lib: &Catalog) -> Vec<ChunkInput> {
    let docs: Vec<_> = lib.documents().collect();
    docs.par_iter()
        .flat_map_iter(|d| {
            let dir = d.dir();
            let parsed = &d.doc.parsed;
            parsed.chunks.iter().map(move |c| {
                let page = &parsed.pages[c.page];
                ChunkInput {
                    id: d.chunk_id(c.n),
                    url: site::chunk_in_page_url(&dir, page.number, c.n),
                    title: d.doc.title.clone(),
                    breadcrumb: c.breadcrumb.clone(),
                    page: page.number,
                    page_label: page.label.clone(),
                    vendor: d.product.vendor.clone(),
                    product: d.product.id.clone(),
                    version: d.version.id.clone(),
                    version_rank: d.version_rank(),
                    doc_set: d.doc_set.id.clone(),
                    document: d.doc.id.clone(),
                    text: markdown::plain_text(&c.markdown),
                }
            })
        })
        .collect()
}

pub fn labels(lib: &Catalog) -> Labels {
    let mut l = Labels {
        format: "mcdewey-search-labels",
        ..Default::default()
    };
    for p in &lib.products {
        l.products.insert(p.id.clone(), p.name.clone());
        for v in &p.versions {
            for s in &v.doc_sets {
                l.doc_sets
                    .entry(s.id.clone())
                    .or_insert_with(|| s.title.clone());
            }
        }
    }
    l
}

/// Builds the index files, paths relative to [`SEARCH_DIR`]; with a
/// `model` name the index also gets chunk vectors and the sharded token
/// table from that embedded model.
pub fn build(lib: &Catalog, model_name: Option<&str>) -> anyhow::Result<IndexFiles> {
    let chunks = chunk_inputs(lib);
    let mut opts = BuildOptions::default();
    if let Some(name) = model_name {
        opts = opts.with_model(crate::search::model(name)?);
    }
    let mut files = build_index(chunks, &opts)
        .map_err(|e| anyhow::anyhow!("cannot build the search index: {e}"))?;
    files.push(("labels.json".into(), serde_json::to_vec(&labels(lib))?));
    Ok(files)
}
