//! Sorting on the query path (ranked chunks and their order among them),
//! and sets kept as sorted lists.
//!
//! std's sorts are generic over the element and the comparator, so every call
//! site becomes its own copy of driftsort or ipnsort: 3 to 4 KB of WASM each,
//! about 50 KB of the engine in all. In the WASM engine these functions sort
//! a list of indices with one merge sort, whose comparator is a trait object,
//! and then move the elements; natively they are std's sorts. Both are stable,
//! so an order is the same on both targets, ties included.

use std::cmp::Ordering;

/// A ranked chunk.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoredChunk {
    pub ordinal: u32,
    pub score: f32,
}

/// Ranking order: higher score first, then lower ordinal. One function for
/// every sort of results, so the engine carries one copy of the sort.
pub(crate) fn better(a: &ScoredChunk, b: &ScoredChunk) -> Ordering {
    b.score
        .total_cmp(&a.score)
        .then_with(|| a.ordinal.cmp(&b.ordinal))
}

/// Stable sort of `v` by `cmp`.
pub fn sort_by<T>(v: &mut [T], cmp: impl FnMut(&T, &T) -> Ordering) {
    #[cfg(target_arch = "wasm32")]
    compact_sort_by(v, cmp);
    #[cfg(not(target_arch = "wasm32"))]
    v.sort_by(cmp);
}

/// Stable sort of `v` in ascending order.
pub fn sort<T: Ord>(v: &mut [T]) {
    sort_by(v, T::cmp);
}

/// Keeps the `k` first elements of `v` in the order `cmp`, sorted. `cmp` must
/// be a total order without ties between distinct elements (an id as the last
/// key), so that which elements are kept does not depend on the method.
#[cfg_attr(target_arch = "wasm32", allow(unused_mut))]
pub fn top_by<T>(v: &mut Vec<T>, k: usize, mut cmp: impl FnMut(&T, &T) -> Ordering) {
    #[cfg(not(target_arch = "wasm32"))]
    if k > 0 && v.len() > k {
        v.select_nth_unstable_by(k - 1, &mut cmp);
        v.truncate(k);
    }
    sort_by(v, cmp);
    v.truncate(k);
}

/// Sorts a ranking best first, in the order of [`better`]
/// (higher score, then lower ordinal). A ranking can hold every chunk that
/// matches, hundreds of thousands in a large library, so the WASM engine
/// sorts it by radix on a key that orders like `better`; ordinals are
/// unique, so the order is the same as std's sort.
pub fn sort_ranking(v: &mut [ScoredChunk]) {
    #[cfg(target_arch = "wasm32")]
    radix_sort_ranking(v);
    #[cfg(not(target_arch = "wasm32"))]
    v.sort_by(better);
}

/// A `u64` whose ascending order is [`better`]'s: the
/// score's bits mapped so that unsigned order is `f32::total_cmp`'s,
/// inverted (higher first), then the ordinal.
#[cfg(any(target_arch = "wasm32", test))]
fn ranking_key(s: &ScoredChunk) -> u64 {
    let bits = s.score.to_bits();
    let ordered = if bits >> 31 == 1 {
        !bits
    } else {
        bits | 1 << 31
    };
    u64::from(!ordered) << 32 | u64::from(s.ordinal)
}

/// Least-significant-digit radix sort by [`ranking_key`], a byte a pass;
/// a pass whose byte is the same in every key is skipped.
#[cfg(any(target_arch = "wasm32", test))]
fn radix_sort_ranking(v: &mut [ScoredChunk]) {
    if v.len() < 64 {
        compact_sort_by(v, better);
        return;
    }
    let mut keys: Vec<(u64, ScoredChunk)> = v.iter().map(|s| (ranking_key(s), *s)).collect();
    let mut out = keys.clone();
    for pass in 0..8 {
        let shift = pass * 8;
        let mut count = [0usize; 256];
        for (k, _) in &keys {
            count[(k >> shift) as usize & 255] += 1;
        }
        if count.contains(&keys.len()) {
            continue;
        }
        let mut at = 0;
        for c in count.iter_mut() {
            let n = *c;
            *c = at;
            at += n;
        }
        for e in &keys {
            let d = (e.0 >> shift) as usize & 255;
            out[count[d]] = *e;
            count[d] += 1;
        }
        std::mem::swap(&mut keys, &mut out);
    }
    for (slot, (_, s)) in v.iter_mut().zip(keys) {
        *slot = s;
    }
}

/// A set of terms as a sorted list. Query-path sets are small (a query's
/// terms), and a sorted list with binary search keeps the hash table code,
/// a copy per key and value type, out of the WASM engine.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TermSet {
    sorted: Vec<String>,
}

impl TermSet {
    pub fn new() -> TermSet {
        TermSet::default()
    }

    /// Adds `term`; false when it was there already.
    pub fn insert(&mut self, term: String) -> bool {
        match self.find(&term) {
            Ok(_) => false,
            Err(at) => {
                self.sorted.insert(at, term);
                true
            }
        }
    }

    pub fn contains(&self, term: &str) -> bool {
        self.find(term).is_ok()
    }

    fn find(&self, term: &str) -> Result<usize, usize> {
        self.sorted.binary_search_by(|t| t.as_str().cmp(term))
    }

    /// The terms in ascending order.
    pub fn iter(&self) -> std::slice::Iter<'_, String> {
        self.sorted.iter()
    }

    pub fn len(&self) -> usize {
        self.sorted.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sorted.is_empty()
    }
}

impl Extend<String> for TermSet {
    /// Adds many terms at once: one sort, however many there are.
    fn extend<I: IntoIterator<Item = String>>(&mut self, iter: I) {
        self.sorted.extend(iter);
        sort_dedup(&mut self.sorted);
    }
}

impl FromIterator<String> for TermSet {
    fn from_iter<I: IntoIterator<Item = String>>(iter: I) -> TermSet {
        let mut s = TermSet::new();
        s.extend(iter);
        s
    }
}

impl<'a> IntoIterator for &'a TermSet {
    type Item = &'a String;
    type IntoIter = std::slice::Iter<'a, String>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// Sorts and removes repeated elements.
pub fn sort_dedup<T: Ord>(v: &mut Vec<T>) {
    sort(v);
    v.dedup();
}

/// The merge sort the WASM engine uses; compiled natively for the tests that
/// compare it with std.
#[cfg(any(target_arch = "wasm32", test))]
fn compact_sort_by<T>(v: &mut [T], mut cmp: impl FnMut(&T, &T) -> Ordering) {
    if v.len() < 2 {
        return;
    }
    let mut perm: Vec<u32> = (0..v.len() as u32).collect();
    merge_sort(&mut perm, &mut |a, b| cmp(&v[a as usize], &v[b as usize]));
    permute(v, perm);
}

/// Bottom-up stable merge sort of indices; not generic, so it exists once.
#[cfg(any(target_arch = "wasm32", test))]
fn merge_sort(idx: &mut [u32], cmp: &mut dyn FnMut(u32, u32) -> Ordering) {
    let n = idx.len();
    let mut buf = vec![0u32; n];
    let (mut src, mut dst): (&mut [u32], &mut [u32]) = (idx, &mut buf);
    let mut width = 1;
    let mut in_buf = false;
    while width < n {
        let mut lo = 0;
        while lo < n {
            let mid = (lo + width).min(n);
            let hi = (lo + 2 * width).min(n);
            let (mut i, mut j) = (lo, mid);
            for out in &mut dst[lo..hi] {
                // Take from the right run only when strictly smaller: stable.
                let right = j < hi && (i >= mid || cmp(src[j], src[i]) == Ordering::Less);
                if right {
                    *out = src[j];
                    j += 1;
                } else {
                    *out = src[i];
                    i += 1;
                }
            }
            lo = hi;
        }
        std::mem::swap(&mut src, &mut dst);
        in_buf = !in_buf;
        width *= 2;
    }
    if in_buf {
        dst.copy_from_slice(src);
    }
}

/// Reorders `v` so that position `i` holds the element that was at
/// `perm[i]`, following each cycle with swaps.
#[cfg(any(target_arch = "wasm32", test))]
fn permute<T>(v: &mut [T], mut perm: Vec<u32>) {
    for start in 0..v.len() {
        let mut j = start;
        while perm[j] as usize != start {
            let k = perm[j] as usize;
            v.swap(j, k);
            perm[j] = j as u32;
            j = k;
        }
        perm[j] = j as u32;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn term_set_behaves_like_a_btree_set(
            ops in proptest::collection::vec((any::<bool>(), "[a-d]{0,3}", proptest::collection::vec("[a-d]{0,3}", 0..4)), 0..60),
            probes in proptest::collection::vec("[a-d]{0,3}", 0..20),
        ) {
            let mut set = TermSet::new();
            let mut model = std::collections::BTreeSet::new();
            for (one, term, many) in ops {
                if one {
                    prop_assert_eq!(set.insert(term.clone()), model.insert(term));
                } else {
                    set.extend(many.iter().cloned());
                    model.extend(many);
                }
                prop_assert_eq!(set.len(), model.len());
            }
            prop_assert!(set.iter().eq(model.iter()));
            for p in probes {
                prop_assert_eq!(set.contains(&p), model.contains(&p));
            }
        }

        #[test]
        fn compact_sort_equals_std_stable_sort(v in proptest::collection::vec((0u8..6, any::<u16>()), 0..200)) {
            // Sorting by the first field only leaves ties that stability must keep.
            let mut a = v.clone();
            a.sort_by_key(|x| x.0);
            let mut b = v.clone();
            compact_sort_by(&mut b, |x, y| x.0.cmp(&y.0));
            prop_assert_eq!(a, b);
        }

        #[test]
        fn top_by_keeps_the_best_in_order(v in proptest::collection::vec(any::<u16>(), 0..100), k in 0usize..120) {
            let mut all: Vec<(u16, usize)> = v.iter().copied().zip(0..).collect();
            let cmp = |a: &(u16, usize), b: &(u16, usize)| b.0.cmp(&a.0).then(a.1.cmp(&b.1));
            let mut want = all.clone();
            want.sort_by(cmp);
            want.truncate(k);
            top_by(&mut all, k, cmp);
            prop_assert_eq!(all, want);
        }
    }

    proptest! {
        #[test]
        fn radix_ranking_sort_equals_better(
            scores in proptest::collection::vec(
                prop_oneof![any::<u32>().prop_map(f32::from_bits), (0u8..4).prop_map(f32::from), Just(-0.0f32), Just(0.0f32)],
                0..300,
            ),
            offset in 0u32..u32::MAX - 300,
        ) {
            // Distinct ordinals, as in a ranking; scores with ties, both
            // zeros, negatives, infinities and NaNs.
            let mut v: Vec<ScoredChunk> = scores
                .iter()
                .zip(offset..)
                .map(|(&score, ordinal)| ScoredChunk { ordinal, score })
                .collect();
            v.reverse();
            let mut want = v.clone();
            want.sort_by(better);
            let mut got = v.clone();
            radix_sort_ranking(&mut got);
            let bits = |v: &[ScoredChunk]| v.iter().map(|s| (s.ordinal, s.score.to_bits())).collect::<Vec<_>>();
            prop_assert_eq!(bits(&got), bits(&want));
        }
    }

    #[test]
    fn permute_moves_every_element_to_its_place() {
        let mut v = vec!['a', 'b', 'c', 'd', 'e'];
        permute(&mut v, vec![2, 0, 1, 4, 3]);
        assert_eq!(v, vec!['c', 'a', 'b', 'e', 'd']);
    }
}
