//! Builds that keep each chunk's analysis between them
//! ([`build_index_to_cached`]): the files are the same bytes as a build
//! without the cache, and only chunks whose text changed are analysed.

#[path = "../examples/synth/mod.rs"]
mod synth;

use std::sync::Arc;

use mcdewey_search_core::embed::Model;
use mcdewey_search_core::*;

fn model() -> Arc<Model> {
    let path = format!(
        "{}/../models/minilm-regress-128.mcdm",
        env!("CARGO_MANIFEST_DIR")
    );
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path} is committed: {e}"));
    Arc::new(Model::from_bytes(&bytes).expect("model reads"))
}

fn options(model: &Arc<Model>) -> BuildOptions {
    let mut opts = BuildOptions::default().with_model(model.clone());
    // Small enough that postings are spilled as several runs.
    opts.memory_budget = 64 << 10;
    if let Some(s) = &mut opts.semantic {
        s.partition_size = 32;
    }
    opts
}

fn build(chunks: &[ChunkInput], opts: &BuildOptions, cache: Option<&AnalysisCache>) -> IndexFiles {
    let mut files = IndexFiles::new();
    build_index_to_cached(
        chunks.to_vec(),
        opts,
        &MemorySpill::default(),
        cache,
        |path, bytes| {
            files.push((path, bytes));
            Ok::<(), BuildError>(())
        },
    )
    .unwrap();
    files
}

/// Builds with `cache` and without; the files must be identical.
fn same_as_fresh(
    chunks: &[ChunkInput],
    opts: &BuildOptions,
    cache: &AnalysisCache,
) -> AnalysisCounts {
    let cached = build(chunks, opts, Some(cache));
    let fresh = build(chunks, opts, None);
    assert_eq!(cached.len(), fresh.len(), "the same files");
    for ((p, a), (q, b)) in cached.iter().zip(&fresh) {
        assert_eq!(p, q);
        assert!(a == b, "{p} differs from a build without the cache");
    }
    cache.counts()
}

#[test]
fn cached_builds_equal_fresh_ones_and_analyse_only_changed_chunks() {
    let model = model();
    let opts = options(&model);
    let mut chunks = synth::generate(60, 6, 11);
    let n = chunks.len();
    let cache = AnalysisCache::default();

    let c = same_as_fresh(&chunks, &opts, &cache);
    assert_eq!((c.reused, c.analysed, c.embedded), (0, n, n));
    assert_eq!(cache.len(), n);

    let c = same_as_fresh(&chunks, &opts, &cache);
    assert_eq!((c.reused, c.analysed, c.embedded), (n, 0, 0));

    // One chunk's text: it alone is analysed; the vectors that share a
    // token whose weight moved are made again, the others kept.
    chunks[17].text.push_str(" recalibrate the flux capacitor");
    let c = same_as_fresh(&chunks, &opts, &cache);
    assert_eq!((c.reused, c.analysed), (n - 1, 1), "{c:?}");
    assert!(c.embedded >= 1 && c.embedded < n, "{c:?}");

    // A heading counts as much as the text.
    chunks[3].breadcrumb.push("New section".into());
    let c = same_as_fresh(&chunks, &opts, &cache);
    assert_eq!(c.analysed, 1, "{c:?}");

    // A chunk removed and a copy of another's text added under a new id:
    // the copy is found in the cache, and the index gains a twin.
    chunks.remove(40);
    let mut copy = chunks[5].clone();
    copy.id.push_str("-copy");
    copy.version = "99".into();
    chunks.push(copy);
    let c = same_as_fresh(&chunks, &opts, &cache);
    assert_eq!((c.reused, c.analysed), (n, 0), "{c:?}");

    // Other tokenizer settings: nothing analysed under the old ones is
    // used. The copy shares its original's new analysis.
    let mut plain = opts.clone();
    plain.tokenizer.stem = false;
    let c = same_as_fresh(&chunks, &plain, &cache);
    assert_eq!((c.reused, c.analysed), (0, n - 1), "{c:?}");

    // Lexical only after semantic: analysed again (no token ids to reuse).
    let mut lexical = plain.clone();
    lexical.semantic = None;
    let c = same_as_fresh(&chunks, &lexical, &cache);
    assert_eq!((c.reused, c.analysed, c.embedded), (0, n - 1, 0), "{c:?}");
    let c = same_as_fresh(&chunks, &lexical, &cache);
    assert_eq!((c.reused, c.analysed), (n, 0), "{c:?}");
}

/// A library of several versions repeats most passages word for word; a
/// build analyses each distinct passage once and gives the chunks that
/// repeat it the same analysis, with a cache or without. The files must
/// be the same bytes either way, whether the repeated analyses fit the
/// budget or not.
#[test]
fn repeated_passages_give_the_same_bytes_through_the_cache_and_without() {
    let model = model();
    let base = synth::generate(24, 5, 17);
    let mut chunks = Vec::new();
    for (rank, version) in ["3.0", "2.0", "1.0"].iter().enumerate() {
        for (i, c) in base.iter().enumerate() {
            let mut c = c.clone();
            c.version = version.to_string();
            c.version_rank = rank as u32;
            c.id = format!("{}@{version}", c.id);
            // Each version changes a few passages of its own.
            if (i + rank) % 7 == 0 {
                c.text.push_str(&format!(" changed in {version}"));
            }
            chunks.push(c);
        }
    }
    // A passage repeated inside one document, and one in another product.
    let mut again = chunks[3].clone();
    again.id.push_str("-again");
    chunks.push(again);
    let mut elsewhere = chunks[8].clone();
    elsewhere.id.push_str("-elsewhere");
    elsewhere.product = "Other".into();
    chunks.push(elsewhere);

    let distinct: std::collections::HashSet<(&str, &[String], &str)> = chunks
        .iter()
        .map(|c| (c.title.as_str(), c.breadcrumb.as_slice(), c.text.as_str()))
        .collect();
    assert!(distinct.len() * 2 < chunks.len(), "{}", distinct.len());
    for budget in [64 << 10, 64 << 20] {
        let mut opts = options(&model);
        opts.memory_budget = budget;
        // A build with an empty cache (a watching server's first) shares
        // the repeats' analysis too.
        let c = same_as_fresh(&chunks, &opts, &AnalysisCache::default());
        assert_eq!(
            (c.reused, c.analysed),
            (0, distinct.len()),
            "the cached build analysed each distinct passage once"
        );
    }
}
