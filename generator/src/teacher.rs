//! The build option `search.teacher`: chunk vectors from a full BERT
//! sentence-transformer (read from a local model folder) instead of the
//! static table, with the query table aligned to them
//! (`mcdewey_search_core::embed::align`). Queries still go through the
//! table, so the browser and `/mcp` search as before; only the build runs
//! the transformer, once per chunk text: vectors are cached by the text's
//! hash in `<cache_dir>/teacher/`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context};
use mcdewey_search_core::embed::bert::{Bert, BertConfig, Tensor};
use mcdewey_search_core::{ChunkInput, TeacherVectors};
use rayon::prelude::*;
use sha2::{Digest, Sha256};

/// A loaded teacher and where its vectors are cached.
pub struct Teacher {
    bert: Bert,
    /// Hex digest of the weights, vocabulary and configuration.
    pub fingerprint: String,
    pub dir: PathBuf,
}

/// What one build's teacher step did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TeacherCounts {
    pub embedded: usize,
    pub cached: usize,
}

impl Teacher {
    /// Reads a sentence-transformers BERT folder: `config.json`,
    /// `vocab.txt`, `model.safetensors` (f32, f16 or bf16), and where
    /// present `sentence_bert_config.json` (`max_seq_length`, default 256)
    /// and `1_Pooling/config.json` (mean pooling is the only one supported).
    pub fn load(dir: &Path) -> anyhow::Result<Teacher> {
        let read = |name: &str| -> anyhow::Result<Vec<u8>> {
            let p = dir.join(name);
            std::fs::read(&p).with_context(|| format!("cannot read the teacher's {}", p.display()))
        };
        let parse = |name: &str, bytes: &[u8]| -> anyhow::Result<serde_json::Value> {
            serde_json::from_slice(bytes)
                .with_context(|| format!("{}: not valid JSON", dir.join(name).display()))
        };
        let json = |name: &str| parse(name, &read(name)?);
        let config_path = dir.join("config.json");
        // Read once: parsed here, and part of the model's digest below.
        let config_bytes = read("config.json")?;
        let c = parse("config.json", &config_bytes)?;
        let field = |k: &str| -> anyhow::Result<usize> {
            c.get(k)
                .and_then(serde_json::Value::as_u64)
                .map(|v| v as usize)
                .with_context(|| format!("{}: no number `{k}`", config_path.display()))
        };
        let kind = c.get("model_type").and_then(|v| v.as_str()).unwrap_or("");
        if kind != "bert" {
            bail!(
                "{}: model_type `{kind}` is not supported (only `bert`)",
                config_path.display()
            );
        }
        let act = c
            .get("hidden_act")
            .and_then(|v| v.as_str())
            .unwrap_or("gelu");
        if act != "gelu" {
            bail!(
                "{}: hidden_act `{act}` is not supported (only `gelu`)",
                config_path.display()
            );
        }
        let max_positions = field("max_position_embeddings")?;
        let max_tokens = match dir.join("sentence_bert_config.json").exists() {
            true => json("sentence_bert_config.json")?
                .get("max_seq_length")
                .and_then(serde_json::Value::as_u64)
                .map_or(256, |v| v as usize),
            false => 256,
        }
        .min(max_positions);
        if dir.join("1_Pooling/config.json").exists() {
            let p = json("1_Pooling/config.json")?;
            if p.get("pooling_mode_mean_tokens").and_then(|v| v.as_bool()) != Some(true) {
                bail!(
                    "{}: only mean pooling is supported",
                    dir.join("1_Pooling/config.json").display()
                );
            }
        }
        let cfg = BertConfig {
            hidden: field("hidden_size")?,
            layers: field("num_hidden_layers")?,
            heads: field("num_attention_heads")?,
            intermediate: field("intermediate_size")?,
            max_positions,
            layer_norm_eps: c
                .get("layer_norm_eps")
                .and_then(serde_json::Value::as_f64)
                .unwrap_or(1e-12) as f32,
            max_tokens,
        };
        let vocab_bytes = read("vocab.txt")?;
        let vocab_text = std::str::from_utf8(&vocab_bytes)
            .with_context(|| format!("{}: not UTF-8", dir.join("vocab.txt").display()))?;
        let vocab: Vec<&str> = vocab_text.lines().collect();
        let weights_path = dir.join("model.safetensors");
        let weights = read("model.safetensors")?;
        let mut tensors = safetensors(&weights).with_context(|| {
            format!(
                "{}: not a readable safetensors file",
                weights_path.display()
            )
        })?;
        let mut h = Sha256::new();
        for part in [&weights[..], &vocab_bytes, &config_bytes] {
            h.update((part.len() as u64).to_le_bytes());
            h.update(part);
        }
        h.update((max_tokens as u64).to_le_bytes());
        let fingerprint: String = h.finalize()[..12]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let bert = Bert::new(cfg, &vocab, |name| tensors.remove(name))
            .with_context(|| format!("{}: not a BERT encoder", weights_path.display()))?;
        Ok(Teacher {
            bert,
            fingerprint,
            dir: dir.to_path_buf(),
        })
    }

    pub fn dims(&self) -> usize {
        self.bert.dims()
    }

    /// The unit vector of `text`.
    pub fn embed(&self, text: &str) -> Vec<f32> {
        self.bert.embed(text)
    }

    /// Vectors of every chunk (their [`mcdewey_search_core::embedding_text`]),
    /// from the cache in `cache_dir` where the same text was embedded by
    /// the same model before; the cache is then rewritten with this
    /// build's texts only.
    pub fn chunk_vectors(
        &self,
        chunks: &[ChunkInput],
        cache_dir: &Path,
    ) -> anyhow::Result<(TeacherVectors, TeacherCounts)> {
        let t = Instant::now();
        let d = self.dims();
        let path = cache_dir
            .join("teacher")
            .join(format!("{}.bin", self.fingerprint));
        let mut cache = read_cache(&path, d).unwrap_or_default();
        let texts: Vec<([u8; 16], String)> = chunks
            .iter()
            .map(|c| {
                let text = mcdewey_search_core::embedding_text(c);
                (text_key(&text), text)
            })
            .collect();
        let cached = texts.iter().filter(|(k, _)| cache.contains_key(k)).count();
        let mut missing: Vec<&([u8; 16], String)> = texts
            .iter()
            .filter(|(k, _)| !cache.contains_key(k))
            .collect();
        missing.sort_by_key(|m| m.0);
        missing.dedup_by(|a, b| a.0 == b.0);
        let fresh: Vec<([u8; 16], Vec<f32>)> = missing
            .par_iter()
            .with_max_len(1)
            .map(|(k, text)| (*k, self.embed(text)))
            .collect();
        let counts = TeacherCounts {
            embedded: fresh.len(),
            cached,
        };
        cache.extend(fresh);
        // The texts are no longer needed, only their keys.
        let keys: Vec<[u8; 16]> = texts.into_iter().map(|(k, _)| k).collect();
        let mut keep = keys.clone();
        keep.sort_unstable();
        keep.dedup();
        write_cache(&path, d, &keep, &cache)
            .with_context(|| format!("cannot write the teacher cache {}", path.display()))?;
        // Each vector moves out of the cache once; a chunk whose text an
        // earlier one has gets a copy of that one's.
        let mut by_id: HashMap<String, Vec<f32>> = HashMap::with_capacity(chunks.len());
        let mut first: HashMap<[u8; 16], &str> = HashMap::new();
        for (c, k) in chunks.iter().zip(&keys) {
            let v = match cache.remove(k) {
                Some(v) => {
                    first.insert(*k, &c.id);
                    v
                }
                None => by_id[first[k]].clone(),
            };
            by_id.insert(c.id.clone(), v);
        }
        tracing::info!(
            embedded = counts.embedded,
            cached = counts.cached,
            elapsed = ?t.elapsed(),
            "teacher vectors"
        );
        Ok((TeacherVectors { dims: d, by_id }, counts))
    }
}

fn text_key(text: &str) -> [u8; 16] {
    let h = Sha256::digest(text.as_bytes());
    let mut k = [0u8; 16];
    k.copy_from_slice(&h[..16]);
    k
}

const CACHE_MAGIC: &[u8; 4] = b"MCDT";
const CACHE_VERSION: u16 = 1;

/// The cache: magic, version (u16), width (u32), then per text its key
/// (16 bytes of its sha256) and its vector (f32, little-endian). A file
/// that does not read is ignored (the vectors are made again).
fn read_cache(path: &Path, d: usize) -> Option<HashMap<[u8; 16], Vec<f32>>> {
    let bytes = std::fs::read(path).ok()?;
    let head = 4 + 2 + 4;
    if bytes.len() < head
        || &bytes[..4] != CACHE_MAGIC
        || u16::from_le_bytes([bytes[4], bytes[5]]) != CACHE_VERSION
        || u32::from_le_bytes(bytes[6..10].try_into().ok()?) as usize != d
    {
        return None;
    }
    let rec = 16 + 4 * d;
    let body = &bytes[head..];
    if body.len() % rec != 0 {
        return None;
    }
    Some(
        body.chunks(rec)
            .map(|r| {
                let mut k = [0u8; 16];
                k.copy_from_slice(&r[..16]);
                let v = r[16..]
                    .chunks(4)
                    .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                    .collect();
                (k, v)
            })
            .collect(),
    )
}

fn write_cache(
    path: &Path,
    d: usize,
    keys: &[[u8; 16]],
    cache: &HashMap<[u8; 16], Vec<f32>>,
) -> std::io::Result<()> {
    let dir = path.parent().expect("cache file in a folder");
    std::fs::create_dir_all(dir)?;
    let mut out = Vec::with_capacity(10 + keys.len() * (16 + 4 * d));
    out.extend_from_slice(CACHE_MAGIC);
    out.extend_from_slice(&CACHE_VERSION.to_le_bytes());
    out.extend_from_slice(&(d as u32).to_le_bytes());
    for k in keys {
        out.extend_from_slice(k);
        for x in &cache[k] {
            out.extend_from_slice(&x.to_le_bytes());
        }
    }
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        path.file_name().unwrap_or_default().to_string_lossy(),
        std::process::id()
    ));
    std::fs::write(&tmp, &out)?;
    std::fs::rename(&tmp, path)
}

/// The tensors of a safetensors file, as f32.
fn safetensors(bytes: &[u8]) -> anyhow::Result<HashMap<String, Tensor>> {
    if bytes.len() < 8 {
        bail!("shorter than its header");
    }
    let n = u64::from_le_bytes(bytes[..8].try_into()?) as usize;
    let data = bytes
        .get(8 + n..)
        .context("header runs past the end of the file")?;
    let header: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&bytes[8..8 + n]).context("header is not a JSON object")?;
    let mut out = HashMap::new();
    for (name, v) in header {
        if name == "__metadata__" {
            continue;
        }
        let dtype = v.get("dtype").and_then(|d| d.as_str()).unwrap_or("");
        let shape: Vec<usize> = v
            .get("shape")
            .and_then(|s| s.as_array())
            .with_context(|| format!("tensor `{name}`: no shape"))?
            .iter()
            .map(|x| x.as_u64().map(|x| x as usize))
            .collect::<Option<_>>()
            .with_context(|| format!("tensor `{name}`: bad shape"))?;
        let off = v
            .get("data_offsets")
            .and_then(|s| s.as_array())
            .filter(|a| a.len() == 2)
            .and_then(|a| Some((a[0].as_u64()? as usize, a[1].as_u64()? as usize)))
            .with_context(|| format!("tensor `{name}`: bad data_offsets"))?;
        let raw = data
            .get(off.0..off.1)
            .with_context(|| format!("tensor `{name}`: data past the end of the file"))?;
        let count: usize = shape.iter().product();
        let width = match dtype {
            "F32" => 4,
            "F16" | "BF16" => 2,
            // Integer tensors (position ids) are not weights: skipped.
            "I64" | "I32" => continue,
            _ => bail!("tensor `{name}`: dtype {dtype} is not supported (F32, F16, BF16)"),
        };
        if raw.len() != count * width {
            bail!("tensor `{name}`: {} bytes for shape {shape:?}", raw.len());
        }
        let values: Vec<f32> = match dtype {
            "F32" => raw
                .chunks(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect(),
            "F16" => raw
                .chunks(2)
                .map(|b| f16_to_f32(u16::from_le_bytes([b[0], b[1]])))
                .collect(),
            _ => raw
                .chunks(2)
                .map(|b| f32::from_bits(u32::from(u16::from_le_bytes([b[0], b[1]])) << 16))
                .collect(),
        };
        out.insert(
            name,
            Tensor {
                shape,
                data: values,
            },
        );
    }
    Ok(out)
}

/// IEEE half to single precision.
fn f16_to_f32(h: u16) -> f32 {
    let sign = u32::from(h >> 15) << 31;
    let exp = u32::from((h >> 10) & 0x1F);
    let man = u32::from(h & 0x3FF);
    let bits = match (exp, man) {
        (0, 0) => sign,
        (0, m) => {
            // Subnormal: value m · 2⁻²⁴.
            let v = m as f32 * (1.0 / 16_777_216.0);
            return if sign != 0 { -v } else { v };
        }
        (0x1F, m) => sign | 0x7F80_0000 | (m << 13),
        (e, m) => sign | ((e + 127 - 15) << 23) | (m << 13),
    };
    f32::from_bits(bits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_floats_convert() {
        for (h, want) in [
            (0x3C00u16, 1.0f32),
            (0xC000, -2.0),
            (0x3555, 0.333_251_95),
            (0x0001, 5.960_464_5e-8),
            (0x7BFF, 65504.0),
            (0, 0.0),
        ] {
            assert_eq!(f16_to_f32(h), want, "{h:#x}");
        }
        assert!(f16_to_f32(0x7C00).is_infinite());
    }

    /// A safetensors file written by hand: every dtype, and the errors.
    #[test]
    fn safetensors_are_read_and_bad_files_named() {
        fn file(header: &str, data: &[u8]) -> Vec<u8> {
            let mut b = (header.len() as u64).to_le_bytes().to_vec();
            b.extend_from_slice(header.as_bytes());
            b.extend_from_slice(data);
            b
        }
        let mut data = Vec::new();
        data.extend_from_slice(&1.5f32.to_le_bytes());
        data.extend_from_slice(&(-2.0f32).to_le_bytes());
        data.extend_from_slice(&0x3C00u16.to_le_bytes());
        data.extend_from_slice(&0x4040u16.to_le_bytes()); // bf16 3.0
        data.extend_from_slice(&7i64.to_le_bytes());
        let h = r#"{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F16","shape":[1,1],"data_offsets":[8,10]},"c":{"dtype":"BF16","shape":[1],"data_offsets":[10,12]},"ids":{"dtype":"I64","shape":[1],"data_offsets":[12,20]}}"#;
        let t = safetensors(&file(h, &data)).unwrap();
        assert_eq!(t["a"].data, vec![1.5, -2.0]);
        assert_eq!(
            (t["b"].shape.clone(), t["b"].data.clone()),
            (vec![1, 1], vec![1.0])
        );
        assert_eq!(t["c"].data, vec![3.0]);
        assert!(!t.contains_key("ids"));
        let short = r#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#;
        let e = format!("{:#}", safetensors(&file(short, &data)).unwrap_err());
        assert!(e.contains("tensor `a`: 8 bytes for shape [3]"), "{e}");
        let past = r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,80]}}"#;
        let e = format!("{:#}", safetensors(&file(past, &data)).unwrap_err());
        assert!(e.contains("data past the end"), "{e}");
        let q = r#"{"a":{"dtype":"I8","shape":[1],"data_offsets":[0,1]}}"#;
        let e = format!("{:#}", safetensors(&file(q, &data)).unwrap_err());
        assert!(e.contains("dtype I8 is not supported"), "{e}");
        assert!(safetensors(&[1, 0]).is_err());
        assert!(safetensors(&file("[1]", &[])).is_err());
    }

    #[test]
    fn the_cache_round_trips_and_rejects_another_width() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("teacher").join("x.bin");
        let mut cache = HashMap::new();
        cache.insert(text_key("a"), vec![0.5f32, -0.25]);
        cache.insert(text_key("b"), vec![1.0f32, 0.0]);
        write_cache(&path, 2, &[text_key("a")], &cache).unwrap();
        let back = read_cache(&path, 2).unwrap();
        assert_eq!(back.len(), 1);
        assert_eq!(back[&text_key("a")], vec![0.5, -0.25]);
        assert!(read_cache(&path, 3).is_none());
        std::fs::write(&path, b"MCDT\x01\x00\x02\x00\x00\x00short").unwrap();
        assert!(read_cache(&path, 2).is_none());
    }
}
