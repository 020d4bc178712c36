//! The embedding models compiled into the binary, shared by the index build
//! and by native searching (`/mcp`, `mcdewey search`).

use mcdewey_search_core::Model;

/// The embedded static embedding models, compiled in so building needs no
/// download; the first is the default (see models/NOTICE for each one's
/// origin and licence).
pub const MODELS: [(&str, &[u8]); 5] = [
    (
        "minilm-regress-128",
        include_bytes!("../../models/minilm-regress-128.mcdm"),
    ),
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

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    /// Every embedded model decodes, and is the file models/NOTICE
    /// describes: its section gives the file's size and SHA-256.
    #[test]
    fn embedded_models_are_the_files_the_notice_describes() {
        let notice = include_str!("../../models/NOTICE");
        for (name, bytes) in MODELS {
            model(name).unwrap();
            let header = format!("models/{name}.mcdm");
            let at = notice
                .lines()
                .position(|l| l.starts_with(&header))
                .unwrap_or_else(|| panic!("{name} has no section in models/NOTICE"));
            // The section's first "File:" line and the sha256 after it.
            let mut rest = notice
                .lines()
                .skip(at)
                .skip_while(|l| !l.starts_with("File:"));
            let size = rest
                .next()
                .unwrap_or_else(|| panic!("{name}: no File line"));
            let digest = rest
                .map(str::trim)
                .find_map(|l| l.strip_prefix("sha256 "))
                .unwrap_or_else(|| panic!("{name}: no sha256"));
            let expected_size = format!("{bytes}", bytes = bytes.len());
            let with_commas = expected_size
                .as_bytes()
                .rchunks(3)
                .rev()
                .map(|c| std::str::from_utf8(c).unwrap())
                .collect::<Vec<_>>()
                .join(",");
            assert!(
                size.contains(&format!("{with_commas} bytes")),
                "{name}: {size}"
            );
            let actual: String = Sha256::digest(bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            assert_eq!(digest, actual, "{name}: models/NOTICE's sha256");
        }
    }
}
