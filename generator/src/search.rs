//! Feeds every chunk of the library to search-core's index writer. The files
//! land in `_search/` and are read by both the browser engine and `/mcp`.

use crate::content::Library;
use crate::markdown;
use anyhow::Context as _;
use mcdewey_search_core::{build_index, BuildOptions, ChunkInput, IndexFiles, Model};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;

/// Directory of the search index inside a site.
pub const SEARCH_DIR: &str = "_search";

/// Display names of facet ids, for the UI (the index stores ids).
#[derive(Debug, Serialize, Default)]
pub struct Labels {
    pub format: &'static str,
    pub products: BTreeMap<String, String>,
    pub doc_sets: BTreeMap<String, String>,
}

/// One search record per chunk; facet values are ids so filters are stable.
pub fn chunk_inputs(lib: &Library) -> Vec<ChunkInput> {
    let docs: Vec<_> = lib.documents().collect();
    docs.par_iter()
        .flat_map_iter(|d| {
            let dir = d.dir();
            let parsed = &d.doc.parsed;
            parsed.chunks.iter().map(move |c| {
                let page = &parsed.pages[c.page];
                ChunkInput {
                    id: d.chunk_id(c.n),
                    url: format!("{dir}p/{}.html#c-{}", page.number, c.n),
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

pub fn labels(lib: &Library) -> Labels {
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

/// The embedded static embedding models, compiled in so building needs no
/// download; the first is the default (see models/NOTICE for each one's
/// origin and licence).
pub const MODELS: [(&str, &[u8]); 4] = [
    (
        "minilm-retrieval-128",
        include_bytes!("../../models/minilm-retrieval-128.mcdm"),
    ),
    (
        "minilm-context-128",
        include_bytes!("../../models/minilm-context-128.mcdm"),
    ),
    (
        "minilm-static-128",
        include_bytes!("../../models/minilm-static-128.mcdm"),
    ),
    (
        "wordllama-l2-128",
        include_bytes!("../../models/wordllama-l2-128.mcdm"),
    ),
];

/// Embedded model `name`, decoded once per process.
pub fn model(name: &str) -> anyhow::Result<std::sync::Arc<Model>> {
    type Slot = std::sync::OnceLock<Result<std::sync::Arc<Model>, String>>;
    static DECODED: [Slot; MODELS.len()] = [const { Slot::new() }; MODELS.len()];
    let i = MODELS
        .iter()
        .position(|(n, _)| *n == name)
        .ok_or_else(|| anyhow::anyhow!("no embedded embedding model named {name}"))?;
    DECODED[i]
        .get_or_init(|| {
            Model::from_bytes(MODELS[i].1)
                .map(std::sync::Arc::new)
                .map_err(|e| e.to_string())
        })
        .clone()
        .map_err(|e| anyhow::anyhow!("the embedded embedding model {name} is corrupt: {e}"))
}

/// Builds the index files, paths relative to [`SEARCH_DIR`]; with a
/// `model` name the index also gets chunk vectors and the sharded token
/// table from that embedded model.
pub fn build(lib: &Library, model_name: Option<&str>) -> anyhow::Result<IndexFiles> {
    let chunks = chunk_inputs(lib);
    let mut opts = BuildOptions::default();
    if let Some(name) = model_name {
        opts = opts.with_model(model(name)?);
    }
    let mut files = build_index(chunks, &opts).context("cannot build the search index")?;
    files.push(("labels.json".into(), serde_json::to_vec(&labels(lib))?));
    Ok(files)
}

/// Loads a built site's whole search index, for native searching (`/mcp`,
/// `mcdewey search`): every file once, then shared.
pub fn load_index(site: &std::path::Path) -> anyhow::Result<mcdewey_search_core::Index> {
    let dir = site.join(SEARCH_DIR);
    let read = |path: &str| {
        let p = dir.join(path);
        std::fs::read(&p).with_context(|| format!("cannot read {}", p.display()))
    };
    let mut index = mcdewey_search_core::Index::open(&read(mcdewey_search_core::MANIFEST_PATH)?)
        .with_context(|| format!("{} is not a McDewey search index", dir.display()))?;
    for path in index.all_files() {
        let bytes = read(&path)?;
        index
            .add_file(&path, &bytes)
            .with_context(|| format!("corrupt index file {}", dir.join(&path).display()))?;
    }
    Ok(index)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    /// Every embedded model is the file models/NOTICE describes (size and
    /// SHA-256 under its `models/<name>.mcdm` heading), decodes, and writes
    /// back to the same bytes.
    #[test]
    fn embedded_models_match_their_notice_and_round_trip() {
        let notice = include_str!("../../models/NOTICE");
        for (name, bytes) in MODELS {
            let heading = format!("models/{name}.mcdm");
            let start = notice
                .lines()
                .position(|l| l.starts_with(&heading))
                .unwrap_or_else(|| panic!("models/NOTICE has no section for {heading}"));
            let section: String = notice
                .lines()
                .skip(start + 1)
                .take_while(|l| !l.starts_with("models/"))
                .collect::<Vec<_>>()
                .join("\n");
            let size = format!("File: {} bytes", group_thousands(bytes.len()));
            assert!(section.contains(&size), "{heading}: NOTICE lacks {size:?}");
            let digest: String = Sha256::digest(bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            assert!(
                section.contains(&format!("sha256 {digest}")),
                "{heading}: sha256 {digest} is not the one in models/NOTICE"
            );
            let m = model(name).expect("embedded model decodes");
            assert_eq!(&*m.to_bytes(), bytes, "{heading} round trip");
        }
    }

    fn group_thousands(n: usize) -> String {
        let s = n.to_string();
        let mut out = String::new();
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        out
    }
}
