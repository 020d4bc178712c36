//! Chunk vectors from a full transformer with queries through the static
//! table ("teacher-aligned" semantic search, a build option).
//!
//! A browser cannot run a transformer per query, but a build can run one
//! per chunk. Given each chunk's transformer vector `t` (any width) and its
//! static vector `s` (the table's pooled rows, as the index computes it):
//!
//! 1. `P`: the transformer vectors' top `d` uncentred principal directions
//!    (`d` = the table's width), so chunk vectors `unit(tP)` keep the
//!    table's size on the wire and in the partitions;
//! 2. `W` (`d × d`): least squares from `unit(s)` to `unit(tP)` over the
//!    library's chunks (ridge-regularised);
//! 3. the table's rows times `W`: pooling is linear before normalising, so
//!    a query's vector from the mapped rows is `unit(s·W)`, in the chunks'
//!    space, with no extra step at query time.
//!
//! Measured on the doc-QA sets (`tools/semantic-ceiling/docqa.py`,
//! `aligned128`): see the crate README, "Teacher-aligned vectors".

use super::model::{Model, ModelInfo};

/// What [`fit`] returns: the chunk vectors and the query-side table.
pub struct Aligned {
    /// `n × d` unit chunk vectors, in the input order.
    pub vectors: Vec<f32>,
    /// The table with its rows mapped into the chunk vectors' space.
    pub model: Model,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum AlignError {
    #[error("a transformer vector has {0} values, expected {2} (for {1} chunks)")]
    Length(usize, usize, usize),
    #[error("the transformer's width {0} is smaller than the table's {1}")]
    Narrow(usize, usize),
    #[error("too few distinct chunks to fit the map ({0}; at least {1})")]
    TooFew(usize, usize),
}

/// Fewest distinct chunks [`fit`] accepts per table dimension. The map has
/// `d²` values: with few chunks it learns each chunk's own target, so that
/// a query like one chunk's text lands on that chunk's transformer vector
/// whatever it means (seen with a few hundred chunks at 128 dimensions).
pub const MIN_CHUNKS_PER_DIM: usize = 8;

/// Fits the alignment on `n` chunks: `teacher(i)` is chunk `i`'s
/// transformer vector (`t` values, any scale), `static_vectors` their unit
/// static vectors from `model` (`n × d`). Rows are read one at a time, so
/// besides the result only `t × t` and `d × d` matrices are held.
pub fn fit<'a>(
    model: &Model,
    static_vectors: &[f32],
    t: usize,
    teacher: impl Fn(usize) -> &'a [f32],
) -> Result<Aligned, AlignError> {
    let d = model.dims();
    let n = static_vectors.len() / d;
    if let Some(bad) = (0..n)
        .map(&teacher)
        .find(|r| r.len() != t)
        .filter(|_| t > 0)
    {
        return Err(AlignError::Length(bad.len(), n, t));
    }
    if t == 0 {
        return Err(AlignError::Length(0, n, t));
    }
    if t < d {
        return Err(AlignError::Narrow(t, d));
    }
    let distinct = {
        let mut seen = std::collections::HashSet::with_capacity(n);
        static_vectors
            .chunks(d)
            .filter(|v| seen.insert(v.iter().map(|x| x.to_bits()).collect::<Vec<u32>>()))
            .count()
    };
    if distinct < MIN_CHUNKS_PER_DIM * d {
        return Err(AlignError::TooFew(distinct, MIN_CHUNKS_PER_DIM * d));
    }
    // The Gram matrix (t × t) of the unit transformer vectors.
    let mut buf = vec![0f64; t];
    let mut g = vec![0f64; t * t];
    for r in 0..n {
        unit_into(teacher(r), &mut buf);
        add_outer(&mut g, &buf, &buf);
    }
    let (values, vectors) = symmetric_eigen(g, t);
    // Top d directions, largest first.
    let mut order: Vec<usize> = (0..t).collect();
    order.sort_by(|&a, &b| values[b].total_cmp(&values[a]).then(a.cmp(&b)));
    let mut p = vec![0f64; t * d];
    for (k, &col) in order.iter().take(d).enumerate() {
        // A fixed sign (largest entry positive), so reruns agree.
        let big = (0..t)
            .max_by(|&i, &j| {
                vectors[i * t + col]
                    .abs()
                    .total_cmp(&vectors[j * t + col].abs())
            })
            .unwrap_or(0);
        let sign = if vectors[big * t + col] < 0.0 {
            -1.0
        } else {
            1.0
        };
        for i in 0..t {
            p[i * d + k] = sign * vectors[i * t + col];
        }
    }
    // Per chunk: its projected unit vector (kept, as f32), and the sums of
    // the normal equations W = (SᵀS + λI)⁻¹ SᵀT.
    let mut out = Vec::with_capacity(n * d);
    let mut sts = vec![0f64; d * d];
    let mut stt = vec![0f64; d * d];
    let mut y = vec![0f64; d];
    let mut su = vec![0f64; d];
    for r in 0..n {
        unit_into(teacher(r), &mut buf);
        y.iter_mut().for_each(|v| *v = 0.0);
        for (i, &x) in buf.iter().enumerate() {
            if x != 0.0 {
                for (o, &pv) in y.iter_mut().zip(&p[i * d..(i + 1) * d]) {
                    *o += x * pv;
                }
            }
        }
        let norm = y.iter().map(|x| x * x).sum::<f64>().sqrt();
        if norm > 0.0 {
            y.iter_mut().for_each(|x| *x /= norm);
        }
        out.extend(y.iter().map(|&x| x as f32));
        unit_into(&static_vectors[r * d..(r + 1) * d], &mut su);
        add_outer(&mut sts, &su, &su);
        add_outer(&mut stt, &su, &y);
    }
    let ridge = 1e-4 * (0..d).map(|i| sts[i * d + i]).sum::<f64>() / d as f64;
    for i in 0..d {
        sts[i * d + i] += ridge.max(1e-12);
    }
    let w = cholesky_solve(sts, d, stt, d);
    let vectors = out;
    Ok(Aligned {
        vectors,
        model: map_rows(model, &w),
    })
}

/// `model` with each row `r` replaced by `r · W` (`W` is `d × d`,
/// row-major), quantised as before.
pub fn map_rows(model: &Model, w: &[f64]) -> Model {
    let d = model.dims();
    let q = model.quantization();
    let tokens: Vec<(String, Vec<f32>)> = model
        .vocab()
        .iter()
        .enumerate()
        .map(|(id, tok)| {
            let mut row = vec![0f32; d];
            q.add_row(model.row(id as u32), 1.0, &mut row);
            let mut out = vec![0f64; d];
            for (i, &x) in row.iter().enumerate() {
                for (o, &wv) in out.iter_mut().zip(&w[i * d..(i + 1) * d]) {
                    *o += f64::from(x) * wv;
                }
            }
            (tok.to_string(), out.into_iter().map(|x| x as f32).collect())
        })
        .collect();
    let info = model.info();
    let info = ModelInfo {
        name: format!("{}+aligned", info.name),
        teacher: info.teacher.clone(),
        licence: info.licence.clone(),
        notes: info.notes.clone(),
    };
    Model::from_vectors(info, q, tokens).expect("mapped rows are finite and of one width")
}

/// `v` as f64, scaled to unit length (left as zeros when it is zero).
fn unit_into(v: &[f32], out: &mut [f64]) {
    let norm = v
        .iter()
        .map(|&x| f64::from(x) * f64::from(x))
        .sum::<f64>()
        .sqrt();
    let inv = if norm > 0.0 { 1.0 / norm } else { 0.0 };
    for (o, &x) in out.iter_mut().zip(v) {
        *o = f64::from(x) * inv;
    }
}

/// `m += a bᵀ` for the `a.len() × b.len()` matrix `m` (row-major).
fn add_outer(m: &mut [f64], a: &[f64], b: &[f64]) {
    let w = b.len();
    for (i, &x) in a.iter().enumerate() {
        if x != 0.0 {
            for (o, &y) in m[i * w..(i + 1) * w].iter_mut().zip(b) {
                *o += x * y;
            }
        }
    }
}

/// Eigenvalues and eigenvectors (columns of the returned row-major matrix)
/// of the symmetric `n × n` matrix `a`, by cyclic Jacobi rotations.
pub fn symmetric_eigen(mut a: Vec<f64>, n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut v = vec![0f64; n * n];
    for i in 0..n {
        v[i * n + i] = 1.0;
    }
    let scale: f64 = a
        .iter()
        .map(|x| x * x)
        .sum::<f64>()
        .sqrt()
        .max(f64::MIN_POSITIVE);
    for _sweep in 0..60 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i * n + j] * a[i * n + j])
            .sum::<f64>()
            .sqrt();
        if off <= 1e-13 * scale {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = a[p * n + q];
                if apq.abs() <= 1e-300 {
                    continue;
                }
                let theta = (a[q * n + q] - a[p * n + p]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let akp = a[k * n + p];
                    let akq = a[k * n + q];
                    a[k * n + p] = c * akp - s * akq;
                    a[k * n + q] = s * akp + c * akq;
                }
                for k in 0..n {
                    let apk = a[p * n + k];
                    let aqk = a[q * n + k];
                    a[p * n + k] = c * apk - s * aqk;
                    a[q * n + k] = s * apk + c * aqk;
                }
                for k in 0..n {
                    let vkp = v[k * n + p];
                    let vkq = v[k * n + q];
                    v[k * n + p] = c * vkp - s * vkq;
                    v[k * n + q] = s * vkp + c * vkq;
                }
            }
        }
    }
    ((0..n).map(|i| a[i * n + i]).collect(), v)
}

/// Solves `A X = B` for the symmetric positive definite `n × n` matrix `a`
/// and the `n × m` right-hand sides `b` (row-major).
fn cholesky_solve(mut a: Vec<f64>, n: usize, mut b: Vec<f64>, m: usize) -> Vec<f64> {
    // A = L Lᵀ, L in the lower triangle of `a`.
    for j in 0..n {
        let mut d = a[j * n + j];
        for k in 0..j {
            d -= a[j * n + k] * a[j * n + k];
        }
        let d = d.max(1e-300).sqrt();
        a[j * n + j] = d;
        for i in j + 1..n {
            let mut s = a[i * n + j];
            for k in 0..j {
                s -= a[i * n + k] * a[j * n + k];
            }
            a[i * n + j] = s / d;
        }
    }
    for c in 0..m {
        // L y = b, then Lᵀ x = y, column by column.
        for i in 0..n {
            let mut s = b[i * m + c];
            for k in 0..i {
                s -= a[i * n + k] * b[k * m + c];
            }
            b[i * m + c] = s / a[i * n + i];
        }
        for i in (0..n).rev() {
            let mut s = b[i * m + c];
            for k in i + 1..n {
                s -= a[k * n + i] * b[k * m + c];
            }
            b[i * m + c] = s / a[i * n + i];
        }
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embed::{embed_ids, Quantization};

    #[test]
    fn jacobi_finds_the_eigenpairs_of_a_small_matrix() {
        let a = vec![4.0, 1.0, 0.0, 1.0, 3.0, 1.0, 0.0, 1.0, 2.0];
        let (vals, vecs) = symmetric_eigen(a.clone(), 3);
        for k in 0..3 {
            for i in 0..3 {
                let av: f64 = (0..3).map(|j| a[i * 3 + j] * vecs[j * 3 + k]).sum();
                assert!((av - vals[k] * vecs[i * 3 + k]).abs() < 1e-10);
            }
        }
        let mut sorted = vals.clone();
        sorted.sort_by(f64::total_cmp);
        // The eigenvalues of this matrix are 3 and 3 ± √3.
        let want = [3.0 - 3f64.sqrt(), 3.0, 3.0 + 3f64.sqrt()];
        for (g, w) in sorted.iter().zip(want) {
            assert!((g - w).abs() < 1e-10, "{sorted:?}");
        }
    }

    #[test]
    fn cholesky_solves_a_system() {
        let a = vec![4.0, 2.0, 2.0, 3.0];
        let x = cholesky_solve(a, 2, vec![2.0, 1.0, 1.0, 2.0], 2);
        // A⁻¹ = [[3, -2], [-2, 4]] / 8.
        let want = [0.5, -0.125, 0.0, 0.75];
        for (g, w) in x.iter().zip(want) {
            assert!((g - w).abs() < 1e-12, "{x:?}");
        }
    }

    /// Transformer vectors that are a rotation of the static ones into a
    /// wider space: the mapped table must put each chunk's query
    /// vector (its own text through the table) next to its chunk vector.
    #[test]
    fn the_mapped_table_points_at_the_transformer_vectors() {
        let d = 4;
        let words = ["alpha", "beta", "gamma", "delta", "omega", "sigma", "kappa"];
        let rows: Vec<Vec<f32>> = (0..words.len())
            .map(|i| {
                (0..d)
                    .map(|j| ((i * 7 + j * 3) % 11) as f32 / 11.0 - 0.4)
                    .collect()
            })
            .collect();
        let model = Model::from_vectors(
            ModelInfo {
                name: "toy".into(),
                ..ModelInfo::default()
            },
            Quantization::Int8,
            words.iter().map(|w| w.to_string()).zip(rows).collect(),
        )
        .unwrap();
        // Chunks: every pair and every triple of words.
        let mut texts = Vec::new();
        for a in 0..words.len() {
            for b in a + 1..words.len() {
                texts.push(format!("{} {}", words[a], words[b]));
                for c in b + 1..words.len() {
                    texts.push(format!("{} {} {}", words[a], words[b], words[c]));
                }
            }
        }
        let pooled = |t: &str| {
            let ids = model.token_ids(t);
            embed_ids(&ids, model.quantization(), d, |id| {
                Some((model.row(id), 1.0))
            })
        };
        let s: Vec<f32> = texts.iter().flat_map(|t| pooled(t)).collect();
        // An isometry into six dimensions: the map is then exact.
        let t = 6;
        let r = std::f32::consts::FRAC_1_SQRT_2;
        let lift = |v: &[f32]| vec![r * (v[0] + v[1]), r * (v[0] - v[1]), v[2], 0.0, v[3], 0.0];
        let teacher: Vec<f32> = s.chunks(d).flat_map(lift).collect();
        let a = fit(&model, &s, t, |i| &teacher[i * t..(i + 1) * t]).unwrap();
        assert_eq!(a.model.info().name, "toy+aligned");
        assert_eq!(a.vectors.len(), texts.len() * d);
        for (i, text) in texts.iter().enumerate() {
            let ids = a.model.token_ids(text);
            let q = embed_ids(&ids, a.model.quantization(), d, |id| {
                Some((a.model.row(id), 1.0))
            });
            let best = (0..texts.len())
                .max_by(|&x, &y| {
                    crate::embed::dot(&q, &a.vectors[x * d..(x + 1) * d])
                        .total_cmp(&crate::embed::dot(&q, &a.vectors[y * d..(y + 1) * d]))
                })
                .unwrap();
            let own = crate::embed::dot(&q, &a.vectors[i * d..(i + 1) * d]);
            let top = crate::embed::dot(&q, &a.vectors[best * d..(best + 1) * d]);
            // Some triples point the same way as others: a tie is fine.
            assert!(own > 0.99 && own >= top - 1e-3, "{text}: {own} vs {top}");
        }
    }

    #[test]
    fn bad_shapes_are_errors() {
        let model = Model::from_vectors(
            ModelInfo::default(),
            Quantization::Int8,
            vec![("a".into(), vec![1.0, 0.0]), ("b".into(), vec![0.0, 1.0])],
        )
        .unwrap();
        // 16 chunks, 5 of them distinct: the map needs 16.
        let s: Vec<f32> = (0..16).flat_map(|i| [(i % 5) as f32, 1.0]).collect();
        let zeros = [0f32; 3];
        // Chunk 9's vector is one value short.
        let short = |i: usize| &zeros[..if i == 9 { 2 } else { 3 }];
        assert_eq!(
            fit(&model, &s, 3, short).err(),
            Some(AlignError::Length(2, 16, 3))
        );
        assert_eq!(
            fit(&model, &s, 1, |_| &zeros[..1]).err(),
            Some(AlignError::Narrow(1, 2))
        );
        assert_eq!(
            fit(&model, &s, 3, |_| &zeros[..]).err(),
            Some(AlignError::TooFew(5, 16))
        );
    }
}
