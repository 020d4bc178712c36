//! The k-means that builds the vector partitions (`v/<i>.bin`, see
//! [`super::vectors`]) and the nearest-centroid search that assigns chunks
//! to them.

use crate::embed::model::{dot, normalize};

/// The rows k-means trains on, in the order of `keys` (one stable key per
/// row: a hash of the chunk's id): 64 per centroid but never fewer than
/// 10,000, so small collections train on everything. Taking them by key
/// rather than by position keeps the sample, the seeds and so the
/// partitions where they were when chunks are added or removed elsewhere
/// in the library; evenly spaced positions all moved with one insertion.
/// Twice as many rows cost a 250k-chunk build 1.2 s of CPU and raised the
/// mean similarity of a chunk to its centroid by 0.4% (0.7636 to 0.7665).
pub fn kmeans_sample(keys: &[u64], k: usize) -> Vec<usize> {
    let n = keys.len();
    let k = k.clamp(1, n.max(1));
    let take = (64 * k).max(10_000).min(n);
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_unstable_by_key(|&i| (keys[i], i));
    order.truncate(take);
    order
}

/// Spherical k-means over `vectors` (`n × dims` unit vectors, `keys` one
/// stable key per row, see [`kmeans_sample`]) with a fixed number of
/// rounds. Returns `k × dims` unit centroids: the same for the same rows
/// and keys in any order.
pub fn kmeans(vectors: &[f32], dims: usize, keys: &[u64], k: usize, rounds: usize) -> Vec<f32> {
    let n = vectors.len() / dims;
    let k = k.clamp(1, n.max(1));
    // Nothing to train on (a site with no chunks): one zero centroid, checked
    // before the seeding below indexes into an empty sample.
    if n == 0 {
        return vec![0.0; dims];
    }
    let row = |i: usize| &vectors[i * dims..(i + 1) * dims];
    let sample = kmeans_sample(keys, k);
    // A passage in several versions has one vector, so the sample repeats
    // vectors (5,643 of 32,384 rows at 250k chunks): each distinct one is
    // searched once a round and its repeats take its centroid.
    // Rows are told apart by their bits, found by a hash of them (a map
    // keyed by the rows themselves would hold a copy of the sample).
    let same = |a: usize, b: usize| {
        row(a)
            .iter()
            .zip(row(b))
            .all(|(x, y)| x.to_bits() == y.to_bits())
    };
    let hash = |i: usize| {
        use std::hash::Hasher as _;
        let mut h = crate::hash::FastHasher::default();
        row(i).iter().for_each(|x| h.write_u32(x.to_bits()));
        h.finish()
    };
    let mut by_hash: crate::hash::FastMap<u64, Vec<usize>> = Default::default();
    let mut distinct: Vec<usize> = Vec::new();
    let slot: Vec<usize> = sample
        .iter()
        .map(|&i| {
            let seen = by_hash.entry(hash(i)).or_default();
            match seen.iter().find(|&&d| same(distinct[d], i)) {
                Some(&d) => d,
                None => {
                    distinct.push(i);
                    seen.push(distinct.len() - 1);
                    distinct.len() - 1
                }
            }
        })
        .collect();
    drop(by_hash);
    // The seeds: the sample's first `k` distinct vectors (two equal
    // centroids would leave one empty), then repeats if it has fewer.
    let repeats = (0..k.saturating_sub(distinct.len())).map(|j| sample[j % sample.len()]);
    let mut cent: Vec<f32> = distinct
        .iter()
        .copied()
        .take(k)
        .chain(repeats)
        .flat_map(|i| row(i).to_vec())
        .collect();
    for _ in 0..rounds {
        let mut sum = vec![0f32; k * dims];
        let mut count = vec![0u32; k];
        // Assignments in parallel, sums in sample order (same bytes on
        // any number of threads).
        let nearest_of = crate::par::map(&distinct, |&i| nearest(&cent, dims, row(i)));
        let assigned = slot.iter().map(|&d| nearest_of[d]);
        for (&i, c) in sample.iter().zip(assigned) {
            count[c] += 1;
            for (s, x) in sum[c * dims..(c + 1) * dims].iter_mut().zip(row(i)) {
                *s += x;
            }
        }
        for c in 0..k {
            if count[c] > 0 {
                let s = &mut sum[c * dims..(c + 1) * dims];
                normalize(s);
                cent[c * dims..(c + 1) * dims].copy_from_slice(s);
            }
        }
    }
    cent
}

/// Index of the centroid with the largest dot product with `v` (the first
/// of equal ones). Centroids are taken four at a time so `v` is read once
/// per four and the four sums run side by side; each sum is added in
/// exactly [`dot`]'s order, so the answer is the one `dot` gives. This is
/// most of a large build's k-means and partition assignment.
#[allow(unsafe_code)]
pub fn nearest(cent: &[f32], dims: usize, v: &[f32]) -> usize {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx") {
        // SAFETY: the processor has AVX (checked just above).
        return unsafe { nearest_avx(cent, dims, v) };
    }
    nearest_in_order(cent, dims, v)
}

/// [`nearest`] compiled for AVX: eight sums in one register instead of
/// two (1.8x as fast). Each sum sees the same multiplications and
/// additions in the same order (Rust does not fuse them), so the answer is
/// the same bits; a large build spends most of its k-means here.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
fn nearest_avx(cent: &[f32], dims: usize, v: &[f32]) -> usize {
    nearest_in_order(cent, dims, v)
}

#[inline(always)]
fn nearest_in_order(cent: &[f32], dims: usize, v: &[f32]) -> usize {
    let mut best = (f32::NEG_INFINITY, 0usize);
    let mut consider = |d: f32, c: usize| {
        if d > best.0 {
            best = (d, c);
        }
    };
    let v = &v[..dims.min(v.len())];
    let mut quads = cent.chunks_exact(4 * dims.max(1));
    let mut c = 0;
    for quad in quads.by_ref() {
        for d in dot4(quad, dims, v) {
            consider(d, c);
            c += 1;
        }
    }
    for cv in quads.remainder().chunks(dims.max(1)) {
        consider(dot(cv, v), c);
        c += 1;
    }
    best.1
}

/// [`dot`] of `v` with each of the four rows of `quad`, each summed in
/// `dot`'s order: eight running sums over blocks of eight, added pairwise,
/// then the tail in index order.
#[inline(always)]
fn dot4(quad: &[f32], dims: usize, v: &[f32]) -> [f32; 4] {
    let (c0, rest) = quad.split_at(dims);
    let (c1, rest) = rest.split_at(dims);
    let (c2, c3) = rest.split_at(dims);
    let rows = [c0, c1, c2, c3];
    let mut acc = [[0f32; 8]; 4];
    let blocks = v.chunks_exact(8);
    let tail = blocks.remainder();
    let (b0, b1, b2, b3) = (
        c0.chunks_exact(8),
        c1.chunks_exact(8),
        c2.chunks_exact(8),
        c3.chunks_exact(8),
    );
    for ((((x, y0), y1), y2), y3) in blocks.zip(b0).zip(b1).zip(b2).zip(b3) {
        for (a, y) in acc.iter_mut().zip([y0, y1, y2, y3]) {
            for k in 0..8 {
                a[k] += y[k] * x[k];
            }
        }
    }
    // Left to itself the compiler lays the sums out to suit the final
    // additions below and shuffles in every block (2.8x slower); this
    // barrier keeps each row's eight sums in plain vector registers.
    let acc = std::hint::black_box(acc);
    let mut out = [0f32; 4];
    for ((o, a), row) in out.iter_mut().zip(&acc).zip(rows) {
        let mut s = ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
        for (x, y) in row[dims - tail.len()..].iter().zip(tail) {
            s += x * y;
        }
        *o = s;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The seeds as the reference spells them: the first `k` rows of the
    /// sample whose bits were not seen before, then repeats.
    fn kmeans_seeds<'a>(
        sample: &[usize],
        row: impl Fn(usize) -> &'a [f32],
        k: usize,
    ) -> Vec<usize> {
        let bits = |i: usize| row(i).iter().map(|x| x.to_bits()).collect::<Vec<u32>>();
        let mut seen = std::collections::HashSet::new();
        let mut seeds: Vec<usize> = Vec::with_capacity(k);
        for &i in sample {
            if seeds.len() == k {
                break;
            }
            if seen.insert(bits(i)) {
                seeds.push(i);
            }
        }
        let distinct = seeds.len();
        for j in 0..k - distinct {
            seeds.push(sample[j % sample.len()]);
        }
        seeds
    }

    #[test]
    fn kmeans_separates_two_clusters() {
        let mut v = Vec::new();
        for i in 0..10 {
            let t = i as f32 * 0.01;
            let mut a = [1.0, t, 0.0];
            let mut b = [0.0, t, 1.0];
            normalize(&mut a);
            normalize(&mut b);
            v.extend(a);
            v.extend(b);
        }
        let keys: Vec<u64> = (0..20).collect();
        let c = kmeans(&v, 3, &keys, 2, 5);
        let ca = nearest(&c, 3, &[1.0, 0.0, 0.0]);
        let cb = nearest(&c, 3, &[0.0, 0.0, 1.0]);
        assert_ne!(ca, cb);
    }

    /// Rows in another order give the same centroids bit for bit, and
    /// rows added give the same seeds unless their keys come first: the
    /// partitions do not move with where chunks sit in the library.
    #[test]
    fn kmeans_follows_the_keys_not_the_positions() {
        let (n, dims, k) = (3000usize, 8usize, 12usize);
        let mut x = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % 2001) as f32 / 1000.0 - 1.0
        };
        let mut rows: Vec<Vec<f32>> = (0..n + 5)
            .map(|_| {
                let mut v: Vec<f32> = (0..dims).map(|_| next()).collect();
                normalize(&mut v);
                v
            })
            .collect();
        // Pseudo-random keys below 2^63; the five added rows' keys are last.
        let keys: Vec<u64> = (0..n as u64)
            .map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 1)
            .chain((0..5).map(|j| u64::MAX - j))
            .collect();
        let flat = |rows: &[Vec<f32>]| rows.concat();
        let base = kmeans(&flat(&rows[..n]), dims, &keys[..n], k, 10);
        // The same rows reversed.
        let rev_rows: Vec<Vec<f32>> = rows[..n].iter().rev().cloned().collect();
        let rev_keys: Vec<u64> = keys[..n].iter().rev().copied().collect();
        let reversed = kmeans(&flat(&rev_rows), dims, &rev_keys, k, 10);
        assert_eq!(base, reversed);
        // Five rows inserted at the front, with keys after every seed's.
        rows.rotate_right(5);
        let mut more_keys = keys.clone();
        more_keys.rotate_right(5);
        let grown = kmeans(&flat(&rows), dims, &more_keys, k, 10);
        let moved = (5..n + 5)
            .filter(|&i| nearest(&base, dims, &rows[i]) != nearest(&grown, dims, &rows[i]))
            .count();
        // Rows without clusters (the hardest case): 136 of 3,000 move;
        // with seeds by position, 2,773 did.
        assert!(moved * 10 < n, "{moved} of {n} rows changed partition");
    }

    proptest::proptest! {
        /// The blocked search picks exactly what one `dot` per centroid
        /// picks (the first of equal bests), for any number of centroids
        /// and dims that are not multiples of 4 or 8; repeated centroids
        /// make ties.
        #[test]
        fn nearest_equals_a_dot_per_centroid(
            dims in 1usize..40,
            k in 1usize..13,
            seed in proptest::prelude::any::<u64>(),
            repeat in proptest::prelude::any::<bool>(),
        ) {
            let mut x = seed | 1;
            let mut next = || {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x % 2001) as f32 / 1000.0 - 1.0
            };
            let mut cent: Vec<f32> = (0..k * dims).map(|_| next()).collect();
            if repeat && k > 1 {
                let first = cent[..dims].to_vec();
                cent[(k - 1) * dims..].copy_from_slice(&first);
            }
            let v: Vec<f32> = (0..dims).map(|_| next()).collect();
            let mut best = (f32::NEG_INFINITY, 0usize);
            for (c, cv) in cent.chunks(dims).enumerate() {
                let d = dot(cv, &v);
                if d > best.0 {
                    best = (d, c);
                }
            }
            proptest::prop_assert_eq!(nearest(&cent, dims, &v), best.1);
            // The portable build too, where `nearest` took the AVX one.
            proptest::prop_assert_eq!(nearest_in_order(&cent, dims, &v), best.1);
            for (c, d) in cent.chunks_exact(4 * dims).flat_map(|q| dot4(q, dims, &v)).enumerate() {
                proptest::prop_assert_eq!(d.to_bits(), dot(&cent[c * dims..(c + 1) * dims], &v).to_bits());
            }
        }

        /// k-means with the blocked search gives the centroids, bit for
        /// bit, of a plain `dot` per centroid for every vector each round,
        /// on clustered data and on noise.
        #[test]
        fn kmeans_equals_the_search_of_every_centroid(
            n in 1usize..400,
            k in 1usize..60,
            dims in 1usize..20,
            spread in 0u32..4,
            seed in proptest::prelude::any::<u64>(),
        ) {
            let mut x = seed | 1;
            let mut next = || {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x % 2001) as f32 / 1000.0 - 1.0
            };
            let centres: Vec<f32> = (0..8 * dims).map(|_| next()).collect();
            let mut vectors = Vec::new();
            for i in 0..n {
                let c = &centres[(i % 8) * dims..(i % 8 + 1) * dims];
                let mut v: Vec<f32> = c.iter().map(|a| a + next() * spread as f32 * 0.3).collect();
                normalize(&mut v);
                vectors.extend(v);
            }
            // Keys in reverse row order, so key order is not row order.
            let keys: Vec<u64> = (0..n as u64).map(|i| (n as u64 - i) * 7919).collect();
            let reference = {
                let row = |i: usize| &vectors[i * dims..(i + 1) * dims];
                let k = k.clamp(1, n);
                let sample = kmeans_sample(&keys, k);
                let mut cent: Vec<f32> = kmeans_seeds(&sample, row, k)
                    .into_iter()
                    .flat_map(|i| row(i).to_vec())
                    .collect();
                for _ in 0..6 {
                    let mut sum = vec![0f32; k * dims];
                    let mut count = vec![0u32; k];
                    for &i in &sample {
                        let mut best = (f32::NEG_INFINITY, 0usize);
                        for (c, cv) in cent.chunks(dims).enumerate() {
                            let d = dot(cv, row(i));
                            if d > best.0 {
                                best = (d, c);
                            }
                        }
                        count[best.1] += 1;
                        for (s, x) in sum[best.1 * dims..(best.1 + 1) * dims].iter_mut().zip(row(i)) {
                            *s += x;
                        }
                    }
                    for c in 0..k {
                        if count[c] > 0 {
                            let s = &mut sum[c * dims..(c + 1) * dims];
                            normalize(s);
                            cent[c * dims..(c + 1) * dims].copy_from_slice(s);
                        }
                    }
                }
                cent
            };
            let blocked = kmeans(&vectors, dims, &keys, k, 6);
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            proptest::prop_assert_eq!(bits(&blocked), bits(&reference));
        }
    }
}
