//! Retrieval quality metrics (pure functions): nDCG@k, average precision and
//! recall@k of a ranked run against graded relevance judgements.

use std::collections::HashMap;

/// Relevance grades of one query: document id → grade (> 0 is relevant).
pub type Judgements = HashMap<String, u32>;

/// nDCG@k with linear gains and `log2(rank + 1)` discounts.
pub fn ndcg_at(ranked: &[String], rel: &Judgements, k: usize) -> f64 {
    let dcg: f64 = ranked
        .iter()
        .take(k)
        .enumerate()
        .map(|(i, d)| f64::from(rel.get(d).copied().unwrap_or(0)) / ((i + 2) as f64).log2())
        .sum();
    let mut ideal: Vec<u32> = rel.values().copied().filter(|&g| g > 0).collect();
    ideal.sort_unstable_by(|a, b| b.cmp(a));
    let idcg: f64 = ideal
        .iter()
        .take(k)
        .enumerate()
        .map(|(i, &g)| f64::from(g) / ((i + 2) as f64).log2())
        .sum();
    if idcg == 0.0 {
        0.0
    } else {
        dcg / idcg
    }
}

/// Average precision over the whole ranked list.
pub fn average_precision(ranked: &[String], rel: &Judgements) -> f64 {
    let relevant = rel.values().filter(|&&g| g > 0).count();
    if relevant == 0 {
        return 0.0;
    }
    let mut hits = 0usize;
    let mut sum = 0.0;
    for (i, d) in ranked.iter().enumerate() {
        if rel.get(d).is_some_and(|&g| g > 0) {
            hits += 1;
            sum += hits as f64 / (i + 1) as f64;
        }
    }
    sum / relevant as f64
}

/// Fraction of relevant documents found in the first `k`.
pub fn recall_at(ranked: &[String], rel: &Judgements, k: usize) -> f64 {
    let relevant = rel.values().filter(|&&g| g > 0).count();
    if relevant == 0 {
        return 0.0;
    }
    let found = ranked
        .iter()
        .take(k)
        .filter(|d| rel.get(*d).is_some_and(|&g| g > 0))
        .count();
    found as f64 / relevant as f64
}

/// Mean metrics over the judged queries of a run.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Summary {
    /// Queries with at least one relevant document (the others are skipped).
    pub queries: usize,
    pub ndcg10: f64,
    pub map: f64,
    pub recall100: f64,
}

/// Evaluate `run` (query id → ranked document ids) against `qrels`
/// (query id → judgements). Queries without relevant documents are skipped;
/// judged queries missing from the run count as zero.
pub fn evaluate(
    run: &HashMap<String, Vec<String>>,
    qrels: &HashMap<String, Judgements>,
) -> Summary {
    let mut s = Summary::default();
    let empty = Vec::new();
    for (q, rel) in qrels {
        if !rel.values().any(|&g| g > 0) {
            continue;
        }
        let ranked = run.get(q).unwrap_or(&empty);
        s.queries += 1;
        s.ndcg10 += ndcg_at(ranked, rel, 10);
        s.map += average_precision(ranked, rel);
        s.recall100 += recall_at(ranked, rel, 100);
    }
    if s.queries > 0 {
        let n = s.queries as f64;
        s.ndcg10 /= n;
        s.map /= n;
        s.recall100 /= n;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|s| s.to_string()).collect()
    }
    fn j(pairs: &[(&str, u32)]) -> Judgements {
        pairs.iter().map(|(d, g)| (d.to_string(), *g)).collect()
    }

    #[test]
    fn ndcg_perfect_and_reversed() {
        let rel = j(&[("a", 3), ("b", 1)]);
        assert!((ndcg_at(&v(&["a", "b"]), &rel, 10) - 1.0).abs() < 1e-12);
        // Reversed: (1 + 3/log2 3) / (3 + 1/log2 3)
        let want = (1.0 + 3.0 / 3f64.log2()) / (3.0 + 1.0 / 3f64.log2());
        assert!((ndcg_at(&v(&["b", "a"]), &rel, 10) - want).abs() < 1e-12);
        assert_eq!(ndcg_at(&v(&["x"]), &rel, 10), 0.0);
    }

    #[test]
    fn ap_and_recall() {
        let rel = j(&[("a", 1), ("c", 1), ("z", 0)]);
        // Relevant at ranks 1 and 3: (1/1 + 2/3) / 2
        let ap = average_precision(&v(&["a", "b", "c"]), &rel);
        assert!((ap - (1.0 + 2.0 / 3.0) / 2.0).abs() < 1e-12);
        assert_eq!(recall_at(&v(&["a", "b", "c"]), &rel, 2), 0.5);
    }

    #[test]
    fn evaluate_skips_unjudged_and_counts_missing_runs() {
        let mut qrels = HashMap::new();
        qrels.insert("q1".to_string(), j(&[("a", 1)]));
        qrels.insert("q2".to_string(), j(&[("b", 1)]));
        qrels.insert("q3".to_string(), j(&[("c", 0)]));
        let mut run = HashMap::new();
        run.insert("q1".to_string(), v(&["a"]));
        let s = evaluate(&run, &qrels);
        assert_eq!(s.queries, 2);
        assert!((s.ndcg10 - 0.5).abs() < 1e-12);
        assert!((s.map - 0.5).abs() < 1e-12);
    }
}
