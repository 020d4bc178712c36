//! Convert a ready-made static embedding table with a SentencePiece
//! vocabulary (WordLlama's `*.safetensors` + `tokenizer.json`) into a
//! `.mcdm` model that McDewey's WordPiece analysis can read.
//!
//! ```text
//! cargo run --release -p mcdewey-search-core --example import_static -- \
//!     --weights l2_supercat_256.safetensors --tokenizer l2_supercat_tokenizer_config.json \
//!     --dims 128 --out models/wordllama-l2-128.mcdm
//! ```
//!
//! With `--vocab FILE` (one WordPiece token per line, row i = line i) and
//! `--name/--teacher/--licence/--notes`, any f32/f16 table already in
//! WordPiece form is written as is (used by `tools/distill-contextual`).
//!
//! Pieces are mapped by `embed::wordpiece_form` (`▁x` → `x`, `x` → `##x`,
//! pieces the lowercasing analysis never produces dropped). WordLlama's
//! table was trained with Matryoshka losses, so its first `--dims`
//! columns are a smaller model.

use mcdewey_search_core::embed::{wordpiece_form, Model, ModelInfo, Quantization};
use std::path::PathBuf;

fn f16_to_f32(h: u16) -> f32 {
    let sign = if h & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = i32::from((h >> 10) & 0x1F);
    let frac = f32::from(h & 0x3FF);
    match exp {
        0 => sign * frac * 2f32.powi(-24),
        31 => sign * f32::INFINITY,
        e => sign * (1.0 + frac / 1024.0) * 2f32.powi(e - 15),
    }
}

/// The one tensor of a safetensors file: (rows, columns, f32 values).
fn read_table(path: &PathBuf) -> (usize, usize, Vec<f32>) {
    let bytes = std::fs::read(path).expect("weights readable");
    let n = u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes")) as usize;
    let header: serde_json::Value =
        serde_json::from_slice(&bytes[8..8 + n]).expect("safetensors header is JSON");
    let (_, t) = header
        .as_object()
        .expect("header object")
        .iter()
        .find(|(k, _)| *k != "__metadata__")
        .expect("one tensor");
    let numbers = |key: &str| -> Vec<usize> {
        let list = t[key]
            .as_array()
            .unwrap_or_else(|| panic!("{key} is a list"));
        list.iter()
            .map(|v| v.as_u64().unwrap_or_else(|| panic!("{key} holds numbers")) as usize)
            .collect()
    };
    let shape = numbers("shape");
    let offs = numbers("data_offsets");
    let data = &bytes[8 + n + offs[0]..8 + n + offs[1]];
    let values: Vec<f32> = match t["dtype"].as_str() {
        Some("F16") => data
            .chunks_exact(2)
            .map(|c| f16_to_f32(u16::from_le_bytes([c[0], c[1]])))
            .collect(),
        Some("F32") => data
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect(),
        other => panic!("unsupported dtype {other:?}"),
    };
    assert_eq!(values.len(), shape[0] * shape[1], "tensor size");
    (shape[0], shape[1], values)
}

fn main() {
    let mut weights = None;
    let mut tokenizer = None;
    let mut out = None;
    let mut dims = 128usize;
    let mut name = None;
    let mut vocab_file = None;
    let mut teacher = None;
    let mut licence = None;
    let mut notes = None;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut val = || it.next().expect("flag value").clone();
        match a.as_str() {
            "--weights" => weights = Some(PathBuf::from(val())),
            "--tokenizer" => tokenizer = Some(PathBuf::from(val())),
            "--out" => out = Some(PathBuf::from(val())),
            "--dims" => dims = val().parse().expect("dims"),
            "--name" => name = Some(val()),
            "--vocab" => vocab_file = Some(PathBuf::from(val())),
            "--teacher" => teacher = Some(val()),
            "--licence" => licence = Some(val()),
            "--notes" => notes = Some(val()),
            other => panic!("unknown flag {other}"),
        }
    }
    let mut tokens = Vec::new();
    let (weights, out) = (weights.expect("--weights"), out.expect("--out"));
    let (rows, cols, table) = read_table(&weights);
    assert!(dims <= cols, "--dims above the table's {cols}");
    let row = |id: usize| table[id * cols..id * cols + dims].to_vec();
    let info = if let Some(vocab_file) = vocab_file {
        // Rows already in WordPiece form, one token per line, row i = line i.
        let text = std::fs::read_to_string(&vocab_file).expect("vocabulary readable");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), rows, "one vocabulary line per row");
        tokens = lines
            .iter()
            .enumerate()
            .map(|(i, t)| (t.to_string(), row(i)))
            .collect();
        ModelInfo {
            name: name.expect("--name"),
            teacher: teacher.expect("--teacher"),
            licence: licence.expect("--licence"),
            notes: notes.expect("--notes"),
        }
    } else {
        let tokenizer = tokenizer.expect("--tokenizer or --vocab");
        let tok: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&tokenizer).expect("tokenizer readable"))
                .expect("tokenizer JSON");
        let vocab = tok["model"]["vocab"].as_object().expect("model.vocab");
        for (piece, id) in vocab {
            let id = id.as_u64().expect("id") as usize;
            assert!(id < rows, "piece id beyond the table");
            if let Some(t) = wordpiece_form(piece) {
                tokens.push((t, row(id)));
            }
        }
        let kept = tokens.len();
        ModelInfo {
            name: name.unwrap_or_else(|| format!("wordllama-l2-{dims}")),
            teacher: teacher.unwrap_or_else(|| "dleemiller/word-llama-l2-supercat".into()),
            licence: licence.unwrap_or_else(|| "MIT".into()),
            notes: notes.unwrap_or_else(|| {
                format!(
                    "examples/import_static: WordLlama l2_supercat table ({rows} x {cols}, f16, PyPI wordllama) \
                     mapped to WordPiece form (word-initial pieces plain, continuations ##); {kept} pieces kept; \
                     first {dims} (Matryoshka) columns; int8 rows."
                )
            }),
        }
    };
    let model = Model::from_vectors(info, Quantization::Int8, tokens).expect("model");
    let bytes = model.to_bytes();
    assert_eq!(Model::from_bytes(&bytes).expect("reads back"), model);
    std::fs::write(&out, &bytes).expect("model written");
    println!(
        "{} tokens, {dims} dims, {} bytes → {}",
        model.vocab().len(),
        bytes.len(),
        out.display()
    );
}
