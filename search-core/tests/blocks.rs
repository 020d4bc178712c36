//! The manifest stays the same size as the library grows; per-document and
//! per-chunk tables come in blocks, fetched for the filters and results
//! that need them.

mod common;

use common::*;
use mcdewey_search_core::*;

/// `docs` documents of `per` chunks each, spread over two versions and two
/// doc sets, all with the same words (so the vocabulary does not grow).
fn library(docs: usize, per: usize) -> Vec<ChunkInput> {
    let mut out = Vec::new();
    for d in 0..docs {
        let version = if d % 2 == 0 { "1.0" } else { "2.0" };
        for k in 0..per {
            let mut c = chunk(
                &format!("doc{d}-{k}"),
                ["Acme", "Rocket", version],
                &format!("doc{d:05}"),
                &format!("Document {d}"),
                &["Section"],
                "Configure the recording server and restart the media gateway.",
            );
            c.doc_set = if d % 3 == 0 { "Guides" } else { "Reference" }.into();
            out.push(c);
        }
    }
    out
}

fn opts() -> BuildOptions {
    BuildOptions {
        // One term shard whatever the size, so only the tables could grow.
        shard_target_bytes: 1 << 30,
        block_chunks: 64,
        ..BuildOptions::default()
    }
}

#[test]
fn the_manifest_does_not_grow_with_documents() {
    let small = build(library(40, 3), &opts());
    let large = build(library(4000, 3), &opts());
    let (s, l) = (small[MANIFEST_PATH].len(), large[MANIFEST_PATH].len());
    // Only the counts' varints may widen.
    assert!(l <= s + 12, "manifest grew from {s} to {l} bytes");
    let blocks = |f: &Files| f.keys().filter(|p| p.starts_with("d/")).count();
    assert_eq!(blocks(&small), 2);
    assert_eq!(blocks(&large), 4000 * 3 / 64 + 1);
}

#[test]
fn facets_come_from_the_manifest_and_documents_from_blocks() {
    let files = build(library(400, 3), &opts());
    let mut index = Index::open(&files[MANIFEST_PATH]).unwrap();
    let q = parse_query("recording server", Filters::default()).with_limit(5);
    let mut pass = Pass::new(q.clone());
    let mut fetched = Vec::new();
    loop {
        let need = pass.plan(&index);
        if need.is_empty() {
            break;
        }
        for p in need {
            index.add_file(&p, &files[&p]).unwrap();
            fetched.push(p);
        }
    }
    // No document block for an unfiltered query.
    assert!(!fetched.iter().any(|p| p.starts_with("d/")), "{fetched:?}");
    let r = pass.results(&index).unwrap();
    assert_eq!(r.total, 1200);
    assert_eq!(
        r.facets.version,
        vec![("1.0".to_string(), 600), ("2.0".to_string(), 600)]
    );
    // 134 of 400 documents are in Guides (d % 3 == 0), 3 chunks each.
    assert_eq!(
        r.facets.doc_set,
        vec![("Reference".to_string(), 798), ("Guides".to_string(), 402)]
    );
    assert!(r.facets.document.is_empty());
    let first = &r.hits[0].hit;
    assert_eq!(first.document_index, None);
    // The hit's document, once its block is added.
    for p in index.doc_blocks_for(&[first.ordinal]) {
        index.add_file(&p, &files[&p]).unwrap();
    }
    let d = index.document_of(first.ordinal).unwrap();
    let info = index.document(d).unwrap();
    assert_eq!(info.key, first.document);
    assert!(info.start <= first.ordinal && first.ordinal < info.end);
    assert_eq!(
        index.hit(first.ordinal, &q).unwrap().document_index,
        Some(d)
    );
    // A server holds every block: documents are counted and listed.
    let server = load_all(&files);
    let all = server.search(&q).unwrap();
    assert_eq!(all.facets.document.len(), 400);
    assert_eq!(server.facets().documents.len(), 400);
    assert_eq!(server.document_count(), 400);
}

#[test]
fn a_document_filter_fetches_only_the_blocks_of_its_doc_sets() {
    let files = build(library(400, 3), &opts());
    let mut index = Index::open(&files[MANIFEST_PATH]).unwrap();
    // doc00003 is in Guides of 2.0: only blocks overlapping that doc set.
    let f = Filters {
        version: vec!["2.0".into()],
        doc_set: vec!["Guides".into()],
        document: vec!["doc00003".into()],
        ..Filters::default()
    };
    let q = parse_query("recording", f);
    let need = index.plan(&q);
    let blocks: Vec<&String> = need.iter().filter(|p| p.starts_with("d/")).collect();
    assert!(!blocks.is_empty());
    let all_blocks = files.keys().filter(|p| p.starts_with("d/")).count();
    assert!(blocks.len() < all_blocks / 2, "{blocks:?}");
    for p in &need {
        index.add_file(p, &files[p]).unwrap();
    }
    assert!(index.plan(&q).is_empty());
    let r = index.search(&q).unwrap();
    assert_eq!(r.total, 3);
    let ords: Vec<u32> = r.hits.iter().map(|h| h.ordinal).collect();
    for p in index.fragments_for(&ords) {
        index.add_file(&p, &files[&p]).unwrap();
    }
    for &o in &ords {
        assert_eq!(index.hit(o, &q).unwrap().document, "doc00003");
    }
}

#[test]
fn block_size_changes_the_files_not_the_results() {
    let chunks = library(300, 4);
    let q = parse_query("gateway", Filters::default()).with_limit(7);
    let mut last = None;
    for block in [1, 7, 64, 4096] {
        let files = build(
            chunks.clone(),
            &BuildOptions {
                block_chunks: block,
                ..opts()
            },
        );
        let r = load_all(&files).search(&q).unwrap();
        if let Some(prev) = &last {
            assert_eq!(&r, prev, "block {block}");
        }
        last = Some(r);
    }
    let err = build_index(
        chunks,
        &BuildOptions {
            block_chunks: 0,
            ..opts()
        },
    )
    .unwrap_err();
    assert_eq!(
        err,
        BuildError::InvalidOption("block_chunks must be positive")
    );
}
