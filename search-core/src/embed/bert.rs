//! A BERT sentence encoder of the all-MiniLM-L6-v2 kind (post-LayerNorm
//! encoder, erf GELU, mean pooling over every position, unit length), for
//! the optional build step that takes chunk vectors from a full transformer
//! (a "teacher") instead of the static table; see [`super::align`]. The
//! caller hands over the weights; this module does no I/O.
//!
//! Matrix products go through `ndarray` (its `matrixmultiply` kernels pick
//! AVX2/FMA at run time), so the vectors are the same on one machine from
//! build to build, but may differ in the last bits between CPUs.

use ndarray::{Array2, ArrayView2, Axis, Slice};

use super::wordpiece::{basic_words, Vocab};

/// Shape of the encoder (a sentence-transformers `config.json`).
#[derive(Debug, Clone, PartialEq)]
pub struct BertConfig {
    pub hidden: usize,
    pub layers: usize,
    pub heads: usize,
    pub intermediate: usize,
    pub max_positions: usize,
    pub layer_norm_eps: f32,
    /// Longest input in tokens, [CLS] and [SEP] included (the model's
    /// `max_seq_length`); longer texts are cut.
    pub max_tokens: usize,
}

/// One tensor as the caller read it: row-major f32 values and a shape.
#[derive(Debug, Clone)]
pub struct Tensor {
    pub shape: Vec<usize>,
    pub data: Vec<f32>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum BertError {
    #[error("tensor `{0}` is missing")]
    Missing(String),
    #[error("tensor `{name}` has shape {got:?}, expected {want:?}")]
    Shape {
        name: String,
        got: Vec<usize>,
        want: Vec<usize>,
    },
    #[error("configuration: {0}")]
    Config(String),
    #[error("vocabulary: {0}")]
    Vocab(String),
}

struct Linear {
    /// `out × in`, as PyTorch stores it.
    w: Array2<f32>,
    b: Vec<f32>,
}

impl Linear {
    /// `x · wᵀ + b` for the rows of `x`.
    fn apply(&self, x: &ArrayView2<'_, f32>) -> Array2<f32> {
        let mut y = x.dot(&self.w.t());
        for mut row in y.rows_mut() {
            for (v, b) in row.iter_mut().zip(&self.b) {
                *v += b;
            }
        }
        y
    }
}

struct Norm {
    g: Vec<f32>,
    b: Vec<f32>,
}

struct Layer {
    q: Linear,
    k: Linear,
    v: Linear,
    out: Linear,
    norm1: Norm,
    up: Linear,
    down: Linear,
    norm2: Norm,
}

/// The encoder with its WordPiece vocabulary.
pub struct Bert {
    cfg: BertConfig,
    word: Array2<f32>,
    position: Array2<f32>,
    token_type: Vec<f32>,
    norm: Norm,
    layers: Vec<Layer>,
    /// The vocabulary in sorted order (this crate's WordPiece) and, per
    /// sorted id, the model's own id (its line in `vocab.txt`).
    vocab: Vocab,
    model_id: Vec<u32>,
    cls: u32,
    sep: u32,
    unk: u32,
}

impl std::fmt::Debug for Bert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bert").field("cfg", &self.cfg).finish()
    }
}

impl Bert {
    /// The encoder from its configuration, its vocabulary (`vocab.txt`'s
    /// lines: line i is token i) and its tensors by name (HF BertModel
    /// names, with or without a `bert.` prefix).
    pub fn new(
        cfg: BertConfig,
        vocab_lines: &[&str],
        mut tensor: impl FnMut(&str) -> Option<Tensor>,
    ) -> Result<Bert, BertError> {
        let h = cfg.hidden;
        if h == 0 || cfg.heads == 0 || !h.is_multiple_of(cfg.heads) || cfg.layers == 0 {
            return Err(BertError::Config(format!(
                "hidden size {h} must be a positive multiple of the {} heads",
                cfg.heads
            )));
        }
        if cfg.max_tokens < 3 || cfg.max_tokens > cfg.max_positions {
            return Err(BertError::Config(format!(
                "max_seq_length {} must be between 3 and the {} positions",
                cfg.max_tokens, cfg.max_positions
            )));
        }
        let n = vocab_lines.len();
        let mut raw = |name: &str| tensor(name).or_else(|| tensor(&format!("bert.{name}")));
        let mut get = |name: &str, want: &[usize]| -> Result<Vec<f32>, BertError> {
            let t = raw(name).ok_or_else(|| BertError::Missing(name.to_string()))?;
            // The token-type table may have any number of rows: type 0 is used.
            let fits = if name.ends_with("token_type_embeddings.weight") {
                t.shape.len() == 2 && t.shape[0] >= 1 && t.shape[1] == want[1]
            } else {
                t.shape == want
            };
            if !fits || t.data.len() != t.shape.iter().product::<usize>() {
                return Err(BertError::Shape {
                    name: name.to_string(),
                    got: t.shape,
                    want: want.to_vec(),
                });
            }
            Ok(t.data)
        };
        let matrix = |data: Vec<f32>, rows: usize, cols: usize| {
            Array2::from_shape_vec((rows, cols), data).expect("shape checked")
        };
        let word = matrix(get("embeddings.word_embeddings.weight", &[n, h])?, n, h);
        let position = matrix(
            get(
                "embeddings.position_embeddings.weight",
                &[cfg.max_positions, h],
            )?,
            cfg.max_positions,
            h,
        );
        let token_type = get("embeddings.token_type_embeddings.weight", &[2, h])?[..h].to_vec();
        let emb_norm = load_norm(&mut get, "embeddings.LayerNorm", h)?;
        let mut layers = Vec::with_capacity(cfg.layers);
        for l in 0..cfg.layers {
            let p = format!("encoder.layer.{l}");
            let norm1 = load_norm(&mut get, &format!("{p}.attention.output.LayerNorm"), h)?;
            let norm2 = load_norm(&mut get, &format!("{p}.output.LayerNorm"), h)?;
            let mut linear = |name: &str, out: usize, inp: usize| -> Result<Linear, BertError> {
                Ok(Linear {
                    w: matrix(get(&format!("{p}.{name}.weight"), &[out, inp])?, out, inp),
                    b: get(&format!("{p}.{name}.bias"), &[out])?,
                })
            };
            layers.push(Layer {
                q: linear("attention.self.query", h, h)?,
                k: linear("attention.self.key", h, h)?,
                v: linear("attention.self.value", h, h)?,
                out: linear("attention.output.dense", h, h)?,
                up: linear("intermediate.dense", cfg.intermediate, h)?,
                down: linear("output.dense", h, cfg.intermediate)?,
                norm1,
                norm2,
            });
        }
        let mut order: Vec<(&str, u32)> = vocab_lines
            .iter()
            .enumerate()
            .map(|(i, t)| (*t, i as u32))
            .collect();
        order.sort_unstable();
        if order.windows(2).any(|w| w[0].0 == w[1].0) {
            return Err(BertError::Vocab("a token is listed twice".into()));
        }
        let vocab = Vocab::from_sorted(order.iter().map(|t| t.0))
            .map_err(|e| BertError::Vocab(e.to_string()))?;
        let model_id: Vec<u32> = order.iter().map(|t| t.1).collect();
        let special = |t: &str| {
            vocab
                .id(t)
                .map(|i| model_id[i as usize])
                .ok_or_else(|| BertError::Vocab(format!("no `{t}` token")))
        };
        Ok(Bert {
            cls: special("[CLS]")?,
            sep: special("[SEP]")?,
            unk: special("[UNK]")?,
            cfg,
            word,
            position,
            token_type,
            norm: emb_norm,
            layers,
            vocab,
            model_id,
        })
    }

    pub fn config(&self) -> &BertConfig {
        &self.cfg
    }

    /// Output dimension.
    pub fn dims(&self) -> usize {
        self.cfg.hidden
    }

    /// The model's token ids for `text`: [CLS], the WordPieces of each word
    /// ([UNK] for a word with no cut), [SEP], cut to `max_tokens`.
    pub fn token_ids(&self, text: &str) -> Vec<u32> {
        let room = self.cfg.max_tokens - 2;
        let mut ids = vec![self.cls];
        basic_words(text, |w| {
            if ids.len() > room {
                return;
            }
            let pieces = self.vocab.token_ids(w);
            if pieces.is_empty() {
                ids.push(self.unk);
            } else {
                ids.extend(pieces.iter().map(|&p| self.model_id[p as usize]));
            }
        });
        ids.truncate(room + 1);
        ids.push(self.sep);
        ids
    }

    /// The unit sentence vector of `text`.
    pub fn embed(&self, text: &str) -> Vec<f32> {
        self.embed_ids(&self.token_ids(text))
    }

    /// The unit sentence vector of model token ids (as from
    /// [`Bert::token_ids`]): the mean of the last layer over every position.
    pub fn embed_ids(&self, ids: &[u32]) -> Vec<f32> {
        let h = self.cfg.hidden;
        let len = ids.len().min(self.cfg.max_positions);
        let mut x = Array2::<f32>::zeros((len, h));
        for (p, (mut row, &id)) in x.rows_mut().into_iter().zip(ids).enumerate() {
            let word = self.word.row((id as usize).min(self.word.nrows() - 1));
            let pos = self.position.row(p);
            for (j, v) in row.iter_mut().enumerate() {
                *v = word[j] + pos[j] + self.token_type[j];
            }
        }
        layer_norm(&mut x, &self.norm, self.cfg.layer_norm_eps);
        let heads = self.cfg.heads;
        let dh = h / heads;
        let scale = 1.0 / (dh as f32).sqrt();
        for l in &self.layers {
            let q = l.q.apply(&x.view());
            let k = l.k.apply(&x.view());
            let v = l.v.apply(&x.view());
            let mut ctx = Array2::<f32>::zeros((len, h));
            for hd in 0..heads {
                let cols = Slice::from(hd * dh..(hd + 1) * dh);
                let mut scores = q
                    .slice_axis(Axis(1), cols)
                    .dot(&k.slice_axis(Axis(1), cols).t());
                for mut row in scores.rows_mut() {
                    let max = row.iter().fold(f32::NEG_INFINITY, |m, &s| m.max(s * scale));
                    let mut sum = 0f32;
                    for s in row.iter_mut() {
                        *s = (*s * scale - max).exp();
                        sum += *s;
                    }
                    for s in row.iter_mut() {
                        *s /= sum;
                    }
                }
                ctx.slice_axis_mut(Axis(1), cols)
                    .assign(&scores.dot(&v.slice_axis(Axis(1), cols)));
            }
            let mut a = l.out.apply(&ctx.view());
            a += &x;
            layer_norm(&mut a, &l.norm1, self.cfg.layer_norm_eps);
            let mut up = l.up.apply(&a.view());
            up.mapv_inplace(gelu);
            let mut y = l.down.apply(&up.view());
            y += &a;
            layer_norm(&mut y, &l.norm2, self.cfg.layer_norm_eps);
            x = y;
        }
        let mut mean = x
            .mean_axis(Axis(0))
            .expect("at least one position")
            .to_vec();
        super::normalize(&mut mean);
        mean
    }
}

fn load_norm(
    get: &mut impl FnMut(&str, &[usize]) -> Result<Vec<f32>, BertError>,
    p: &str,
    h: usize,
) -> Result<Norm, BertError> {
    Ok(Norm {
        g: get(&format!("{p}.weight"), &[h])?,
        b: get(&format!("{p}.bias"), &[h])?,
    })
}

fn layer_norm(x: &mut Array2<f32>, n: &Norm, eps: f32) {
    for mut row in x.rows_mut() {
        let len = row.len() as f32;
        let mean = row.sum() / len;
        let var = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / len;
        let inv = 1.0 / (var + eps).sqrt();
        for ((v, g), b) in row.iter_mut().zip(&n.g).zip(&n.b) {
            *v = (*v - mean) * inv * g + b;
        }
    }
}

/// GELU with the error function (BERT's `gelu`).
fn gelu(x: f32) -> f32 {
    let x = f64::from(x);
    (0.5 * x * (1.0 + erf(x / std::f64::consts::SQRT_2))) as f32
}

/// The error function, from the Chebyshev fit of erfc in Numerical Recipes
/// (fractional error below 1.2e-7, well under f32's rounding of the GELU).
fn erf(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let erfc = t * poly.exp();
    if x >= 0.0 {
        1.0 - erfc
    } else {
        erfc - 1.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small encoder with weights from a fixed generator.
    fn tiny(vocab: &[&str], max_tokens: usize) -> (BertConfig, impl FnMut(&str) -> Option<Tensor>) {
        let cfg = BertConfig {
            hidden: 8,
            layers: 2,
            heads: 2,
            intermediate: 12,
            max_positions: 16,
            layer_norm_eps: 1e-12,
            max_tokens,
        };
        let n = vocab.len();
        let c = cfg.clone();
        let shape_of = move |name: &str| -> Option<Vec<usize>> {
            let h = c.hidden;
            let name = name
                .strip_prefix("encoder.layer.")
                .map_or(name, |r| r.split_once('.').map_or(r, |(_, rest)| rest));
            Some(match name {
                "embeddings.word_embeddings.weight" => vec![n, h],
                "embeddings.position_embeddings.weight" => vec![c.max_positions, h],
                "embeddings.token_type_embeddings.weight" => vec![2, h],
                "intermediate.dense.weight" => vec![c.intermediate, h],
                "intermediate.dense.bias" => vec![c.intermediate],
                "output.dense.weight" => vec![h, c.intermediate],
                n if n.ends_with(".weight") && !n.contains("LayerNorm") => vec![h, h],
                n if n.ends_with(".weight") || n.ends_with(".bias") => vec![h],
                _ => return None,
            })
        };
        let tensor = move |name: &str| {
            let shape = shape_of(name)?;
            let mut seed = name
                .bytes()
                .fold(7u64, |a, b| a.wrapping_mul(31).wrapping_add(u64::from(b)));
            let data = (0..shape.iter().product::<usize>())
                .map(|_| {
                    seed = seed
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    let u = (seed >> 40) as f32 / (1u64 << 24) as f32;
                    if name.contains("LayerNorm.weight") {
                        1.0 + (u - 0.5) * 0.2
                    } else {
                        (u - 0.5) * 0.6
                    }
                })
                .collect();
            Some(Tensor { shape, data })
        };
        (cfg, tensor)
    }

    const VOCAB: &[&str] = &[
        "[PAD]", "[UNK]", "[CLS]", "[SEP]", "the", "key", "rot", "##ate", "sign", "##ing", ".",
    ];

    /// The plain definition, one loop at a time, to check the fast path.
    fn reference(
        cfg: &BertConfig,
        t: &mut impl FnMut(&str) -> Option<Tensor>,
        ids: &[u32],
    ) -> Vec<f32> {
        let h = cfg.hidden;
        let mut g = |n: &str| t(n).unwrap().data;
        let lin = |x: &Vec<Vec<f32>>, w: &[f32], b: &[f32], out: usize| -> Vec<Vec<f32>> {
            x.iter()
                .map(|r| {
                    (0..out)
                        .map(|o| {
                            b[o] + r
                                .iter()
                                .enumerate()
                                .map(|(i, v)| v * w[o * r.len() + i])
                                .sum::<f32>()
                        })
                        .collect()
                })
                .collect()
        };
        let ln = |x: &mut Vec<Vec<f32>>, gm: &[f32], bt: &[f32]| {
            for r in x.iter_mut() {
                let m = r.iter().sum::<f32>() / h as f32;
                let v = r.iter().map(|a| (a - m) * (a - m)).sum::<f32>() / h as f32;
                for (j, a) in r.iter_mut().enumerate() {
                    *a = (*a - m) / (v + cfg.layer_norm_eps).sqrt() * gm[j] + bt[j];
                }
            }
        };
        let (we, pe, te) = (
            g("embeddings.word_embeddings.weight"),
            g("embeddings.position_embeddings.weight"),
            g("embeddings.token_type_embeddings.weight"),
        );
        let mut x: Vec<Vec<f32>> = ids
            .iter()
            .enumerate()
            .map(|(p, &id)| {
                (0..h)
                    .map(|j| we[id as usize * h + j] + pe[p * h + j] + te[j])
                    .collect()
            })
            .collect();
        ln(
            &mut x,
            &g("embeddings.LayerNorm.weight"),
            &g("embeddings.LayerNorm.bias"),
        );
        let dh = h / cfg.heads;
        for l in 0..cfg.layers {
            let p = |n: &str| format!("encoder.layer.{l}.{n}");
            let q = lin(
                &x,
                &g(&p("attention.self.query.weight")),
                &g(&p("attention.self.query.bias")),
                h,
            );
            let k = lin(
                &x,
                &g(&p("attention.self.key.weight")),
                &g(&p("attention.self.key.bias")),
                h,
            );
            let v = lin(
                &x,
                &g(&p("attention.self.value.weight")),
                &g(&p("attention.self.value.bias")),
                h,
            );
            let mut ctx = vec![vec![0f32; h]; x.len()];
            for hd in 0..cfg.heads {
                for i in 0..x.len() {
                    let s: Vec<f32> = (0..x.len())
                        .map(|j| {
                            (0..dh)
                                .map(|d| q[i][hd * dh + d] * k[j][hd * dh + d])
                                .sum::<f32>()
                                / (dh as f32).sqrt()
                        })
                        .collect();
                    let m = s.iter().cloned().fold(f32::MIN, f32::max);
                    let e: Vec<f32> = s.iter().map(|a| (a - m).exp()).collect();
                    let z: f32 = e.iter().sum();
                    for d in 0..dh {
                        ctx[i][hd * dh + d] =
                            (0..x.len()).map(|j| e[j] / z * v[j][hd * dh + d]).sum();
                    }
                }
            }
            let mut a = lin(
                &ctx,
                &g(&p("attention.output.dense.weight")),
                &g(&p("attention.output.dense.bias")),
                h,
            );
            for (r, xr) in a.iter_mut().zip(&x) {
                for (u, w) in r.iter_mut().zip(xr) {
                    *u += w;
                }
            }
            ln(
                &mut a,
                &g(&p("attention.output.LayerNorm.weight")),
                &g(&p("attention.output.LayerNorm.bias")),
            );
            let mut up = lin(
                &a,
                &g(&p("intermediate.dense.weight")),
                &g(&p("intermediate.dense.bias")),
                cfg.intermediate,
            );
            for r in up.iter_mut() {
                for u in r.iter_mut() {
                    *u = 0.5 * *u * (1.0 + erf(f64::from(*u) / 2f64.sqrt()) as f32);
                }
            }
            let mut y = lin(
                &up,
                &g(&p("output.dense.weight")),
                &g(&p("output.dense.bias")),
                h,
            );
            for (r, ar) in y.iter_mut().zip(&a) {
                for (u, w) in r.iter_mut().zip(ar) {
                    *u += w;
                }
            }
            ln(
                &mut y,
                &g(&p("output.LayerNorm.weight")),
                &g(&p("output.LayerNorm.bias")),
            );
            x = y;
        }
        let mut m: Vec<f32> = (0..h)
            .map(|j| x.iter().map(|r| r[j]).sum::<f32>() / x.len() as f32)
            .collect();
        crate::embed::normalize(&mut m);
        m
    }

    #[test]
    fn the_fast_forward_pass_is_the_plain_definition() {
        let (cfg, mut t) = tiny(VOCAB, 16);
        let bert = Bert::new(cfg.clone(), VOCAB, &mut t).unwrap();
        let ids = bert.token_ids("Rotate the signing key.");
        // [CLS] rot ##ate the sign ##ing key . [SEP], in vocab.txt's ids.
        assert_eq!(ids, vec![2, 6, 7, 4, 8, 9, 5, 10, 3]);
        let fast = bert.embed_ids(&ids);
        let slow = reference(&cfg, &mut t, &ids);
        for (a, b) in fast.iter().zip(&slow) {
            assert!((a - b).abs() < 1e-5, "{fast:?} vs {slow:?}");
        }
        assert!((crate::embed::dot(&fast, &fast) - 1.0).abs() < 1e-5);
    }

    #[test]
    fn unknown_words_are_unk_and_long_texts_are_cut() {
        let (cfg, t) = tiny(VOCAB, 5);
        let bert = Bert::new(cfg, VOCAB, t).unwrap();
        assert_eq!(bert.token_ids("zebra key"), vec![2, 1, 5, 3]);
        // Three places between [CLS] and [SEP]; `rotate` is two pieces.
        assert_eq!(
            bert.token_ids("the key rotate the key"),
            vec![2, 4, 5, 6, 3]
        );
        assert_eq!(bert.token_ids(""), vec![2, 3]);
    }

    #[test]
    fn wrong_shapes_and_missing_tensors_are_named() {
        let (cfg, mut t) = tiny(VOCAB, 16);
        let e = Bert::new(cfg.clone(), VOCAB, |n| {
            if n.contains("layer.1.output.dense.bias") {
                None
            } else {
                t(n)
            }
        })
        .unwrap_err();
        assert_eq!(
            e,
            BertError::Missing("encoder.layer.1.output.dense.bias".into())
        );
        let (_, mut t) = tiny(VOCAB, 16);
        let e = Bert::new(cfg.clone(), &VOCAB[..10], &mut t).unwrap_err();
        assert!(
            matches!(e, BertError::Shape { ref name, .. } if name == "embeddings.word_embeddings.weight"),
            "{e}"
        );
        let (_, t) = tiny(VOCAB, 16);
        let bad = BertConfig { heads: 3, ..cfg };
        assert!(matches!(
            Bert::new(bad, VOCAB, t),
            Err(BertError::Config(_))
        ));
    }

    #[test]
    fn erf_matches_known_values() {
        for (x, want) in [
            (0.0, 0.0),
            (0.5, 0.520_499_877_8),
            (1.0, 0.842_700_792_9),
            (-2.0, -0.995_322_265_0),
            (3.0, 0.999_977_909_5),
        ] {
            assert!((erf(x) - want).abs() < 2e-7, "erf({x}) = {}", erf(x));
        }
    }
}
