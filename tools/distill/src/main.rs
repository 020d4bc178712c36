//! Distil a sentence-transformer (BERT family, safetensors) into McDewey's
//! static embedding model file: every WordPiece token `t` goes through the
//! teacher as `[CLS] t [SEP]`, the three output vectors are mean-pooled, the
//! table is reduced by PCA, each row is weighted by a Zipf-estimated SIF
//! factor, and rows are quantised. See README.md beside this file.
//!
//! ```text
//! mcdewey-distill --teacher DIR --out FILE [--dims 128] [--quant int8|int4]
//!                 [--sif 1e-4] [--cache FILE] [--name NAME]
//! ```

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use mcdewey_search_core::embed::{Model, ModelInfo, Quantization};

const TEACHER: &str = "sentence-transformers/all-MiniLM-L6-v2";
const BATCH: usize = 512;

struct Args {
    teacher: PathBuf,
    out: PathBuf,
    dims: usize,
    quant: Quantization,
    sif: f64,
    cache: Option<PathBuf>,
    name: Option<String>,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut a = Args {
        teacher: PathBuf::new(),
        out: PathBuf::new(),
        dims: 128,
        quant: Quantization::Int8,
        sif: 1e-4,
        cache: None,
        name: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut val = || it.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--teacher" => a.teacher = val()?.into(),
            "--out" => a.out = val()?.into(),
            "--dims" => a.dims = val()?.parse()?,
            "--quant" => {
                a.quant = match val()?.as_str() {
                    "int8" => Quantization::Int8,
                    "int4" => Quantization::Int4,
                    q => bail!("unknown quantisation {q}"),
                }
            }
            "--sif" => a.sif = val()?.parse()?,
            "--cache" => a.cache = Some(val()?.into()),
            "--name" => a.name = Some(val()?),
            _ => bail!("unknown flag {flag} (see README.md)"),
        }
    }
    if a.teacher.as_os_str().is_empty() || a.out.as_os_str().is_empty() {
        bail!("usage: mcdewey-distill --teacher DIR --out FILE [--dims N] [--quant int8|int4] [--sif X] [--cache FILE]");
    }
    Ok(a)
}

/// Special and unused BERT tokens carry no meaning for search.
fn is_special(t: &str) -> bool {
    t.starts_with('[') && t.ends_with(']') && t.len() > 2
}

/// Mean-pooled teacher output of `[CLS] t [SEP]` for every token id.
fn teacher_table(dir: &Path, vocab_size: usize) -> anyhow::Result<Vec<f32>> {
    let config: Config = serde_json::from_slice(&std::fs::read(dir.join("config.json"))?)?;
    if config.vocab_size != vocab_size {
        bail!(
            "config vocab_size {} != vocab.txt {}",
            config.vocab_size,
            vocab_size
        );
    }
    let weights = std::fs::read(dir.join("model.safetensors")).context("model.safetensors")?;
    let dev = Device::Cpu;
    let vb = VarBuilder::from_buffered_safetensors(weights, DType::F32, &dev)?;
    let model = BertModel::load(vb, &config)?;
    let (cls, sep) = (101u32, 102u32);
    let mut out = Vec::with_capacity(vocab_size * config.hidden_size);
    let start = std::time::Instant::now();
    for first in (0..vocab_size).step_by(BATCH) {
        let ids: Vec<u32> = (first..vocab_size.min(first + BATCH))
            .flat_map(|t| [cls, t as u32, sep])
            .collect();
        let n = ids.len() / 3;
        let input = Tensor::from_vec(ids, (n, 3), &dev)?;
        let types = input.zeros_like()?;
        let hidden = model.forward(&input, &types, None)?; // (n, 3, hidden)
        let pooled = hidden.mean(1)?; // (n, hidden)
        out.extend(pooled.flatten_all()?.to_vec1::<f32>()?);
        eprint!(
            "\rteacher: {}/{vocab_size} tokens, {:.0} s",
            first + n,
            start.elapsed().as_secs_f32()
        );
    }
    eprintln!();
    Ok(out)
}

/// Eigen-decomposition of a symmetric `n × n` matrix (cyclic Jacobi).
/// Returns eigenvalues and eigenvectors (as columns of `v`), unsorted.
fn jacobi(mut a: Vec<f64>, n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut v = vec![0f64; n * n];
    for i in 0..n {
        v[i * n + i] = 1.0;
    }
    let norm: f64 = a.iter().map(|x| x * x).sum();
    for _sweep in 0..60 {
        let mut off = 0f64;
        for p in 0..n {
            for q in p + 1..n {
                off += a[p * n + q] * a[p * n + q];
            }
        }
        if off <= norm * 1e-24 {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = a[p * n + q];
                if apq.abs() < 1e-300 {
                    continue;
                }
                let theta = (a[q * n + q] - a[p * n + p]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let (akp, akq) = (a[k * n + p], a[k * n + q]);
                    a[k * n + p] = c * akp - s * akq;
                    a[k * n + q] = s * akp + c * akq;
                }
                for k in 0..n {
                    let (apk, aqk) = (a[p * n + k], a[q * n + k]);
                    a[p * n + k] = c * apk - s * aqk;
                    a[q * n + k] = s * apk + c * aqk;
                }
                for k in 0..n {
                    let (vkp, vkq) = (v[k * n + p], v[k * n + q]);
                    v[k * n + p] = c * vkp - s * vkq;
                    v[k * n + q] = s * vkp + c * vkq;
                }
            }
        }
    }
    ((0..n).map(|i| a[i * n + i]).collect(), v)
}

/// Project the rows `keep` of `table` (width `h`) on their top `d`
/// principal components. Returns the projected rows and the share of
/// variance kept.
fn pca(table: &[f32], h: usize, keep: &[usize], d: usize) -> (Vec<Vec<f64>>, f64) {
    let n = keep.len() as f64;
    let mut mean = vec![0f64; h];
    for &i in keep {
        for (m, &x) in mean.iter_mut().zip(&table[i * h..(i + 1) * h]) {
            *m += f64::from(x) / n;
        }
    }
    let mut cov = vec![0f64; h * h];
    let mut c = vec![0f64; h];
    for &i in keep {
        for (k, (&x, m)) in table[i * h..(i + 1) * h].iter().zip(&mean).enumerate() {
            c[k] = f64::from(x) - m;
        }
        for p in 0..h {
            let cp = c[p];
            for q in p..h {
                cov[p * h + q] += cp * c[q];
            }
        }
    }
    for p in 0..h {
        for q in p..h {
            cov[p * h + q] /= n - 1.0;
            cov[q * h + p] = cov[p * h + q];
        }
    }
    let (vals, vecs) = jacobi(cov.clone(), h);
    let mut order: Vec<usize> = (0..h).collect();
    order.sort_by(|&a, &b| vals[b].total_cmp(&vals[a]));
    let total: f64 = vals.iter().sum();
    let kept: f64 = order[..d].iter().map(|&i| vals[i]).sum();
    // Components as rows, sign fixed so the largest entry is positive.
    let comps: Vec<Vec<f64>> = order[..d]
        .iter()
        .map(|&j| {
            let mut col: Vec<f64> = (0..h).map(|k| vecs[k * h + j]).collect();
            let big = col
                .iter()
                .copied()
                .fold(0f64, |m, x| if x.abs() > m.abs() { x } else { m });
            if big < 0.0 {
                col.iter_mut().for_each(|x| *x = -*x);
            }
            col
        })
        .collect();
    // Check the top component: C v ≈ λ v.
    let (v0, l0) = (&comps[0], vals[order[0]]);
    let err: f64 = (0..h)
        .map(|p| ((0..h).map(|q| cov[p * h + q] * v0[q]).sum::<f64>() - l0 * v0[p]).abs())
        .fold(0.0, f64::max);
    assert!(
        err < 1e-6 * l0.max(1e-12),
        "eigenvector check failed: {err}"
    );
    let rows = keep
        .iter()
        .map(|&i| {
            let x = &table[i * h..(i + 1) * h];
            comps
                .iter()
                .map(|comp| {
                    comp.iter()
                        .zip(x.iter().zip(&mean))
                        .map(|(w, (&x, m))| w * (f64::from(x) - m))
                        .sum()
                })
                .collect()
        })
        .collect();
    (rows, kept / total)
}

fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    let vocab_text =
        std::fs::read_to_string(args.teacher.join("vocab.txt")).context("vocab.txt")?;
    let vocab: Vec<&str> = vocab_text.lines().collect();
    let h = 384;
    let table = match &args.cache {
        Some(p) if p.exists() => {
            let b = std::fs::read(p)?;
            b.chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect()
        }
        _ => {
            let t = teacher_table(&args.teacher, vocab.len())?;
            if let Some(p) = &args.cache {
                std::fs::write(
                    p,
                    t.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>(),
                )?;
            }
            t
        }
    };
    if table.len() != vocab.len() * h {
        bail!(
            "teacher table has {} values, expected {}",
            table.len(),
            vocab.len() * h
        );
    }
    let keep: Vec<usize> = (0..vocab.len())
        .filter(|&i| !is_special(vocab[i]))
        .collect();
    let (rows, share) = pca(&table, h, &keep, args.dims);
    eprintln!(
        "PCA 384 → {}: {:.1}% of the variance",
        args.dims,
        share * 100.0
    );
    // Zipf's law on BERT's id order stands in for token frequencies
    // (rank = id + 1, as in model2vec); SIF weight a / (a + p).
    let harmonic: f64 = (0..vocab.len()).map(|i| 1.0 / (i as f64 + 2.0)).sum();
    let pairs: Vec<(String, Vec<f32>)> = keep
        .iter()
        .zip(rows)
        .map(|(&id, row)| {
            let p = 1.0 / (id as f64 + 2.0) / harmonic;
            let w = args.sif / (args.sif + p);
            (
                vocab[id].to_string(),
                row.iter().map(|x| (x * w) as f32).collect(),
            )
        })
        .collect();
    let quant = match args.quant {
        Quantization::Int8 => "int8",
        Quantization::Int4 => "int4",
    };
    let name = args
        .name
        .clone()
        .unwrap_or_else(|| format!("minilm-static-{}", args.dims));
    let weights = std::fs::read(args.teacher.join("model.safetensors"))?;
    let info = ModelInfo {
        name,
        teacher: TEACHER.into(),
        licence: "Apache-2.0".into(),
        notes: format!(
            "tools/distill: [CLS] t [SEP] mean-pooled for each of {} WordPiece tokens \
             (special and [unused] tokens dropped); PCA 384 -> {} ({:.1}% variance); \
             Zipf SIF weight a/(a+p) with a = {}; {quant} rows. Teacher weights: \
             model.safetensors, {} bytes, CRC-32 {:08x}.",
            keep.len(),
            args.dims,
            share * 100.0,
            args.sif,
            weights.len(),
            mcdewey_search_core::codec::crc32(&weights)
        ),
    };
    let model = Model::from_vectors(info, args.quant, pairs)?;
    let bytes = model.to_bytes();
    // Self-check: the file reads back to the same model.
    let back = Model::from_bytes(&bytes)?;
    if back != model {
        bail!("model does not round-trip");
    }
    std::fs::write(&args.out, &bytes)?;
    eprintln!(
        "wrote {} ({} bytes, {} tokens × {} dims {quant})",
        args.out.display(),
        bytes.len(),
        model.vocab().len(),
        model.dims()
    );
    Ok(())
}
