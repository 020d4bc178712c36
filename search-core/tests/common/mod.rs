//! Fixture corpus and helpers shared by the integration tests.
#![allow(dead_code)]

use std::collections::HashMap;

use mcdewey_search_core::*;

pub fn chunk(
    id: &str,
    [vendor, product, version]: [&str; 3],
    document: &str,
    title: &str,
    breadcrumb: &[&str],
    text: &str,
) -> ChunkInput {
    ChunkInput {
        id: id.into(),
        url: format!("/{vendor}/{product}/{version}/{document}.html#{id}"),
        title: title.into(),
        breadcrumb: breadcrumb.iter().map(|s| s.to_string()).collect(),
        page: id.len() as u32,
        page_label: id.ends_with('1').then(|| "iv".to_string()),
        paged: true,
        vendor: vendor.into(),
        product: product.into(),
        version: version.into(),
        version_rank: 0,
        doc_set: "Guides".into(),
        document: document.into(),
        text: text.into(),
        inlinks: 0,
    }
}

/// A small multi-vendor corpus written so each ranking behaviour has one
/// clear right answer.
pub fn fixture() -> Vec<ChunkInput> {
    vec![
        chunk(
            "acme-rec-1",
            ["Acme", "Rocket", "2.0"], "recording-guide", "Recording Guide", &["Overview"],
            "This guide explains how calls are captured and stored for later review."),
        chunk(
            "acme-rec-2",
            ["Acme", "Rocket", "2.0"], "recording-guide", "Recording Guide", &["API", "Commands"],
            "Send START_RECORDING to begin. The targetMediaAddress field selects the media server. Error E0729 means the disk is full."),
        chunk(
            "acme-admin-1",
            ["Acme", "Rocket", "2.0"], "admin-guide", "Administration Guide", &["Storage"],
            "Administrators can configure storage quotas. A recording may be exported to an archive."),
        chunk(
            "acme-admin-2",
            ["Acme", "Rocket", "1.0"], "admin-guide", "Administration Guide", &["Security"],
            "Enable TLS1.3 on every listener. Firmware 12.5(1) fixes the handshake bug. Use a u32 counter."),
        chunk(
            "globex-1",
            ["Globex", "Widget", "12.5"], "ops-manual", "Operations Manual", &["Shell"],
            "Run Get-ChildItem to list files. The quick brown fox jumps over the lazy dog."),
        chunk(
            "globex-2",
            ["Globex", "Widget", "12.5"], "ops-manual", "Operations Manual", &["Fox facts"],
            "A brown quick fox is not a fox that is quick and brown."),
        chunk(
            "globex-3",
            ["Globex", "Widget", "2.0"], "ops-manual", "Operations Manual", &["Maintenance"],
            "Schedule maintenance windows. Maintenance requires a reboot of the appliance. Spare parts storrage is on site."),
        chunk(
            "globex-4",
            ["Globex", "Widget", "2.0"], "install", "Installation", &["Requirements"],
            "Install the appliance in a rack near storage. Maintainance of fans is described elsewhere."),
    ]
}

pub type Files = HashMap<String, Vec<u8>>;

pub fn build(chunks: Vec<ChunkInput>, opts: &BuildOptions) -> Files {
    build_index(chunks, opts)
        .expect("builds")
        .into_iter()
        .collect()
}

/// Open and add every file: the server's way.
pub fn load_all(files: &Files) -> Index {
    let mut index = Index::open(&files[MANIFEST_PATH]).expect("manifest opens");
    let mut added = 0;
    index
        .add_all(|p| {
            added += 1;
            Ok::<_, FormatError>(files[p].clone())
        })
        .expect("file loads");
    assert_eq!(added + 1, files.len(), "the index names every file");
    index
}

/// The browser's way: plan → fetch → add until the plan is empty. Returns
/// the index, the number of request rounds and the bytes fetched.
pub fn run_planned(index: &mut Index, files: &Files, query: &Query) -> (usize, usize) {
    let mut rounds = 0;
    let mut bytes = 0;
    loop {
        let need = index.plan(query);
        if need.is_empty() {
            break;
        }
        rounds += 1;
        assert!(rounds < 5, "plan does not converge: {need:?}");
        for p in need {
            bytes += files[&p].len();
            index.add_file(&p, &files[&p]).expect("planned file loads");
        }
    }
    (rounds, bytes)
}

/// Search with a fresh index and return the ids of the results, best first.
pub fn ids(files: &Files, text: &str, filters: Filters) -> Vec<String> {
    let mut index = Index::open(&files[MANIFEST_PATH]).unwrap();
    let q = parse_query(text, filters);
    run_planned(&mut index, files, &q);
    let r = index.search(&q).expect("search");
    let ords: Vec<u32> = r.hits.iter().map(|h| h.ordinal).collect();
    for p in index.fragments_for(&ords) {
        index.add_file(&p, &files[&p]).unwrap();
    }
    ords.iter().map(|&o| index.hit(o, &q).unwrap().id).collect()
}
