//! What the committed compat fixture (`tests/compat/v<N>/`) was built from:
//! shared by `examples/compat_fixture.rs`, which writes it, and
//! `tests/compat.rs`, which reads it and rebuilds it to compare.

use mcdewey_search_core::embed::{Model, ModelInfo, Quantization};
use mcdewey_search_core::{BuildOptions, ChunkInput, SemanticOptions, VectorEncoding};
use std::sync::Arc;

fn chunk(n: u32, version: &str, rank: u32, document: &str, title: &str, text: &str) -> ChunkInput {
    ChunkInput {
        id: format!("relay::{version}::guide::{document}::{n}"),
        url: format!("relay/{version}/guide/{document}/c/{n}.html"),
        title: title.into(),
        breadcrumb: vec!["Relay".into(), title.into()],
        page: n,
        page_label: Some(format!("{}", n + 2)),
        // The older version's guide is a web page: sections, not pages.
        paged: version != "4.2",
        vendor: "Northwind".into(),
        product: "Relay".into(),
        version: version.into(),
        version_rank: rank,
        doc_set: "Guide".into(),
        document: document.into(),
        text: text.into(),
        inlinks: 0,
    }
}

/// Six chunks over two versions, with identifiers, a phrase, a passage that
/// is the same in both versions (twins) and text for prefix and typo search.
pub fn chunks() -> Vec<ChunkInput> {
    vec![
        chunk(
            1,
            "5.0",
            0,
            "admin",
            "Recording",
            "Call START_RECORDING to begin recording a session on port 8443.",
        ),
        chunk(
            2,
            "5.0",
            0,
            "admin",
            "Errors",
            "Error E0729 means the recorder lost its license; restart the service.",
        ),
        chunk(
            3,
            "5.0",
            0,
            "admin",
            "Status codes",
            "Status code 12.5(1) reports a healthy cluster and an empty queue.",
        ),
        chunk(
            1,
            "4.2",
            1,
            "admin",
            "Recording",
            "Call START_RECORDING to begin recording a session on port 8080.",
        ),
        chunk(
            2,
            "4.2",
            1,
            "admin",
            "Status codes",
            "Status code 12.5(1) reports a healthy cluster and an empty queue.",
        ),
        chunk(
            3,
            "4.2",
            1,
            "admin",
            "Backups",
            "Nightly backups copy every recording to the archive volume.",
        ),
    ]
}

/// A tiny deterministic embedding model (12 tokens, 8 dimensions), so the
/// fixture also holds the semantic files (vocabulary, token rows, vectors).
pub fn model() -> Model {
    let words = [
        "[UNK]", "archive", "backup", "call", "cluster", "error", "license", "queue", "record",
        "service", "session", "status",
    ];
    let tokens = words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let v = (0..8)
                .map(|d| (((i * 7 + d * 3) % 11) as f32 - 5.0) / 5.0)
                .collect();
            (w.to_string(), v)
        })
        .collect();
    let info = ModelInfo {
        name: "compat-fixture".into(),
        teacher: "none".into(),
        licence: "MIT".into(),
        notes: "synthetic, for the format fixture".into(),
    };
    Model::from_vectors(info, Quantization::Int8, tokens).expect("fixture model")
}

pub fn options() -> BuildOptions {
    let mut semantic = SemanticOptions::new(Arc::new(model()));
    semantic.rows_per_shard = 8;
    semantic.partition_size = 4;
    semantic.vectors = VectorEncoding::Binary;
    BuildOptions {
        shard_target_bytes: 64,
        // A shard table in two levels, so the fixture has directory blocks.
        shard_root_entries: 2,
        shard_dir_min: 2,
        fragment_group: 2,
        semantic: Some(semantic),
        ..Default::default()
    }
}
