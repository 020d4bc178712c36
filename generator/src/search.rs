//! The embedding models compiled into the binary, shared by the index build
//! and by native searching (`/mcp`, `mcdewey search`).

use mcdewey_search_core::Model;

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
