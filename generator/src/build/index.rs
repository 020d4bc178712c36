//! The index stage: every chunk of the library goes to search-core's index
//! writer. The files land in the site's search directory
//! ([`crate::site::SEARCH_DIR`]) and are read by both the browser engine and
//! `/mcp`.

use crate::content::document::ParsedDoc;
use crate::content::{title_from_id, Catalog, DocRef};
use crate::markdown;
use crate::site;
use mcdewey_search_core::names::ProductNames;
use mcdewey_search_core::synonyms::SynonymSettings;
use mcdewey_search_core::{
    build_index, build_index_to_cached, AnalysisCache, AnalysisCounts, BuildOptions, ChunkInput,
    IndexFiles,
};
use rayon::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Display names of facet ids, for the UI (the index stores ids). Only
/// names that differ from the id's default title ([`title_from_id`], which
/// the UI applies to the rest) are listed, so the file every cold search
/// fetches stays small however many doc sets a library has.
#[derive(Debug, Serialize, Default)]
pub struct Labels {
    pub format: &'static str,
    pub products: BTreeMap<String, String>,
    pub doc_sets: BTreeMap<String, String>,
}

/// Whether the UI's default title of `id` is `name`: the UI derives it
/// the same way for ASCII ids; any other id keeps its entry.
fn default_title(id: &str, name: &str) -> bool {
    id.is_ascii() && title_from_id(id) == name
}

/// Plain texts of documents' chunks by a digest of their Markdown, kept
/// between builds of one process: an unchanged document's text is not
/// extracted again.
#[derive(Debug, Default)]
pub struct TextCache {
    by_digest: HashMap<[u8; 32], Vec<String>>,
}

/// One search record per chunk; facet values are ids so filters are stable.
/// Parses every document again, one at a time.
pub fn chunk_inputs(lib: &Catalog) -> anyhow::Result<Vec<ChunkInput>> {
    let docs: Vec<_> = lib.documents().collect();
    let per_doc = docs
        .par_iter()
        .map(|d| Ok(document_inputs(d, &*d.parse()?, None, None).chunks))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut chunks: Vec<ChunkInput> = per_doc.into_iter().flatten().collect();
    set_inlinks(&mut chunks, &crate::render::inlinks(lib));
    Ok(chunks)
}

/// Gives each chunk its count of documents linking to it (see
/// [`crate::render::inlinks`]).
pub fn set_inlinks(chunks: &mut [ChunkInput], counts: &HashMap<String, u32>) {
    for c in chunks {
        c.inlinks = counts.get(&c.id).copied().unwrap_or(0);
    }
}

/// One document's search records, and the texts to remember for the next
/// build when there is a [`TextCache`].
pub struct DocInputs {
    pub chunks: Vec<ChunkInput>,
    remember: Option<([u8; 32], Vec<String>)>,
}

/// The search records of document `d` (parsed as `parsed`), with its
/// chunks' texts from its rendering (`rendered`) when it was rendered, or
/// else from `cache` where it has them. Either way a chunk's text is its
/// [`markdown::chunk_text`].
pub fn document_inputs(
    d: &DocRef<'_>,
    parsed: &ParsedDoc,
    rendered: Option<Vec<String>>,
    cache: Option<&TextCache>,
) -> DocInputs {
    let chunks = &parsed.chunks;
    let extract = || -> Vec<String> {
        chunks
            .iter()
            .map(|c| markdown::chunk_text(&c.markdown, &parsed.link_defs))
            .collect()
    };
    let (texts, remember) = match cache {
        None => (rendered.unwrap_or_else(extract), None),
        Some(cache) => {
            let mut h = Sha256::new();
            for c in chunks {
                h.update((c.markdown.len() as u64).to_le_bytes());
                h.update(c.markdown.as_bytes());
            }
            // The texts also depend on the document's link definitions.
            parsed.link_defs.feed(&mut |bytes| {
                h.update((bytes.len() as u64).to_le_bytes());
                h.update(bytes);
            });
            let digest: [u8; 32] = h.finalize().into();
            let texts = rendered
                .or_else(|| cache.by_digest.get(&digest).cloned())
                .unwrap_or_else(extract);
            (texts.clone(), Some((digest, texts)))
        }
    };
    let dir = d.dir();
    let chunks = chunks
        .iter()
        .zip(texts)
        .map(|(c, text)| {
            let page = &parsed.pages[c.page];
            ChunkInput {
                id: d.chunk_id(c.n),
                url: site::chunk_in_page_url(&dir, page.number, c.n),
                title: d.doc.title.clone(),
                breadcrumb: c.breadcrumb.clone(),
                page: page.number,
                // Results name a section of an unpaged document by its
                // title, as the site's own pages do.
                page_label: if parsed.has_markers {
                    page.label.clone()
                } else {
                    page.title.clone()
                },
                paged: parsed.has_markers,
                vendor: d.product.vendor.clone(),
                product: d.product.id.clone(),
                version: d.version.id.clone(),
                version_rank: d.version_rank(),
                doc_set: d.doc_set.id.clone(),
                document: d.doc.id.clone(),
                text,
                // Counted over the whole library once every document is
                // in (see [`set_inlinks`]).
                inlinks: 0,
            }
        })
        .collect();
    DocInputs { chunks, remember }
}

pub fn labels(lib: &Catalog) -> Labels {
    let mut l = Labels {
        format: "mcdewey-search-labels",
        ..Default::default()
    };
    // The first title of a doc set id names it everywhere.
    let mut seen = HashSet::new();
    for p in &lib.products {
        if !default_title(&p.id, &p.name) {
            l.products.insert(p.id.clone(), p.name.clone());
        }
        for v in &p.versions {
            for s in &v.doc_sets {
                if seen.insert(s.id.as_str()) && !default_title(&s.id, &s.title) {
                    l.doc_sets.insert(s.id.clone(), s.title.clone());
                }
            }
        }
    }
    l
}

/// Names by which a query may name a product besides its id: its display
/// name (unless made from the id) and its `aliases`.
pub fn product_names(lib: &Catalog) -> ProductNames {
    let mut products = Vec::new();
    for p in &lib.products {
        let mut names: Vec<String> = Vec::new();
        let display = (!default_title(&p.id, &p.name)).then_some(&p.name);
        for n in display.into_iter().chain(&p.aliases) {
            let known =
                n.eq_ignore_ascii_case(&p.id) || names.iter().any(|m| m.eq_ignore_ascii_case(n));
            if !known {
                names.push(n.clone());
            }
        }
        if !names.is_empty() {
            products.push((p.id.clone(), names));
        }
    }
    products.sort();
    ProductNames { products }
}

/// Builds the index files, paths relative to [`SEARCH_DIR`]; with a
/// `model` name the index also gets chunk vectors and the sharded token
/// table from that embedded model.
pub fn build(lib: &Catalog, model_name: Option<&str>) -> anyhow::Result<IndexFiles> {
    let opts = options(model_name, &SynonymSettings::default(), lib)?;
    let mut files = build_index(chunk_inputs(lib)?, &opts)
        .map_err(|e| anyhow::anyhow!("cannot build the search index: {e}"))?;
    files.push(("labels.json".into(), serde_json::to_vec(&labels(lib))?));
    Ok(files)
}

/// Index options of a site: its embedding model (none: lexical only), its
/// thesaurus and its products' names.
pub fn options(
    model_name: Option<&str>,
    synonyms: &SynonymSettings,
    lib: &Catalog,
) -> anyhow::Result<BuildOptions> {
    let mut opts = BuildOptions {
        synonyms: synonyms.clone(),
        names: product_names(lib),
        ..BuildOptions::default()
    };
    if let Some(name) = model_name {
        opts = opts.with_model(crate::search::model(name)?);
    }
    Ok(opts)
}

/// How a streaming index build keeps within its memory.
pub struct Budget<'a> {
    /// Bytes for the whole build; the index writer's postings get half and
    /// its store of finished payloads a quarter.
    pub bytes: usize,
    /// Where the store keeps what exceeds its share.
    pub spill_dir: &'a std::path::Path,
}

/// What a streaming index build leaves besides its files.
pub struct Built {
    /// The chunk-text cache for the next build, when one was given.
    pub texts: Option<TextCache>,
    /// Bytes the writer kept on disk because they exceeded the budget.
    pub spilled: u64,
    /// What the analysis cache saved, when one was given.
    pub analysis: Option<AnalysisCounts>,
    /// What the teacher step did, when there was one.
    pub teacher: Option<crate::teacher::TeacherCounts>,
}

/// What a build of the same process keeps for the next one: chunk texts by
/// document, and each chunk's analysis (terms, token ids, vector).
#[derive(Debug, Default)]
pub struct IndexMemo {
    pub texts: TextCache,
    pub analysis: AnalysisCache,
}

/// [`build`] over documents as they come (`documents`, in any order: the
/// index orders chunks by their facets, and a document's chunks arrive
/// together), handing each file to `emit` as soon as it is final instead
/// of holding the index, within `budget`, taking each chunk's analysis
/// from `memo` (the previous build's) where it is unchanged and leaving
/// this build's in it. With `memo`, also the chunk-text cache for the next
/// build (the documents' texts come from the previous one's, by the feeder).
/// The chunks come with their in-link counts set ([`set_inlinks`]).
pub fn build_with(
    documents: impl Iterator<Item = DocInputs>,
    lib: &Catalog,
    opts: BuildOptions,
    teacher: Option<(&crate::teacher::Teacher, &std::path::Path)>,
    memo: Option<&IndexMemo>,
    budget: &Budget<'_>,
    mut emit: impl FnMut(String, Vec<u8>) -> anyhow::Result<()> + Send,
) -> anyhow::Result<Built> {
    let mut opts = BuildOptions {
        memory_budget: budget.bytes / 2,
        ..opts
    };
    let mut next = memo.map(|_| TextCache::default());
    let mut chunks = Vec::new();
    for d in documents {
        if let (Some(next), Some((digest, texts))) = (&mut next, d.remember) {
            next.by_digest.insert(digest, texts);
        }
        chunks.extend(d.chunks);
    }
    // Teacher vectors need every chunk (the alignment is fitted on the
    // whole library); the semantic half then takes them instead of the
    // table's, and nothing of it comes from the analysis cache.
    let mut teacher_counts = None;
    let mut analysis = memo.map(|m| &m.analysis);
    if let (Some((t, cache_dir)), Some(s)) = (teacher, opts.semantic.as_mut()) {
        let (vectors, counts) = t.chunk_vectors(&chunks, cache_dir)?;
        s.teacher = Some(std::sync::Arc::new(vectors));
        teacher_counts = Some(counts);
        analysis = None;
    }
    let store = super::spill::FileSpill::new(budget.spill_dir.to_path_buf(), budget.bytes / 4);
    build_index_to_cached(chunks, &opts, &store, analysis, &mut emit)
        .map_err(|e| e.context("cannot build the search index"))?;
    emit("labels.json".into(), serde_json::to_vec(&labels(lib))?)?;
    Ok(Built {
        texts: next,
        spilled: store.spilled(),
        analysis: analysis.map(AnalysisCache::counts),
        teacher: teacher_counts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::{load, LoadOptions};
    use crate::diag::Sink;

    /// The sample library has product names and doc set titles of both
    /// kinds: those equal to their id's default title are left to the UI.
    #[test]
    fn labels_list_only_names_the_ui_cannot_derive() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../content");
        let (lib, _) = load(&root, &LoadOptions::default(), &Sink::default(), &|| {}).unwrap();
        let l = labels(&lib);
        assert_eq!(
            l.products.get("relay").map(String::as_str),
            Some("Relay Gateway")
        );
        assert_eq!(
            l.products.get("mcdewey").map(String::as_str),
            Some("McDewey")
        );
        assert_eq!(
            l.doc_sets.get("api-reference").map(String::as_str),
            Some("API Reference")
        );
        for default in ["getting-started", "guide", "release-notes"] {
            assert!(!l.doc_sets.contains_key(default), "{default} is listed");
        }
        // Every doc set of the library is either listed or derivable.
        for p in &lib.products {
            for s in p.versions.iter().flat_map(|v| &v.doc_sets) {
                let shown = l
                    .doc_sets
                    .get(&s.id)
                    .cloned()
                    .unwrap_or_else(|| title_from_id(&s.id));
                assert_eq!(shown, s.title, "{}", s.id);
            }
        }
    }
}
