//! Nearest words in a token table: the words a query word may be written
//! as in the documentation ("delete" → "remove"), found among the table's
//! whole-word tokens by the cosine of their rows.

use super::model::{dot, normalize, Model};

/// Shortest whole-word token considered as a neighbour.
const MIN_NEIGHBOUR_CHARS: usize = 3;

/// Unit rows of a model's whole-word tokens (plain ASCII letters, three or
/// more), searched by brute force: a query has a few words and the table a
/// few ten thousand rows.
#[derive(Clone)]
pub struct WordNeighbours {
    model: Model,
    words: Vec<String>,
    unit: Vec<f32>,
}

impl std::fmt::Debug for WordNeighbours {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WordNeighbours")
            .field("model", &self.model.info().name)
            .field("words", &self.words.len())
            .finish()
    }
}

impl WordNeighbours {
    pub fn new(model: &Model) -> Self {
        let dims = model.dims();
        let mut words = Vec::new();
        let mut unit = Vec::new();
        for (id, tok) in model.vocab().iter().enumerate() {
            if tok.len() < MIN_NEIGHBOUR_CHARS || !tok.bytes().all(|b| b.is_ascii_lowercase()) {
                continue;
            }
            let mut v = vec![0f32; dims];
            model
                .quantization()
                .add_row(model.row(id as u32), 1.0, &mut v);
            normalize(&mut v);
            if v.iter().all(|&x| x == 0.0) {
                continue;
            }
            words.push(tok.to_string());
            unit.extend_from_slice(&v);
        }
        WordNeighbours {
            model: model.clone(),
            words,
            unit,
        }
    }

    /// Up to `k` whole words nearest to `word` (its WordPieces' rows summed)
    /// with a cosine of at least `min_cosine`, nearest first; `word` itself
    /// is left out.
    pub fn near(&self, word: &str, k: usize, min_cosine: f32) -> Vec<(String, f32)> {
        let v = self.model.embed(word);
        if k == 0 || v.iter().all(|&x| x == 0.0) {
            return Vec::new();
        }
        let lower = word.to_lowercase();
        let dims = self.model.dims();
        let mut best: Vec<(f32, usize)> = Vec::with_capacity(k + 1);
        for (i, row) in self.unit.chunks_exact(dims).enumerate() {
            let c = dot(&v, row);
            if c < min_cosine || (best.len() == k && c <= best[k - 1].0) {
                continue;
            }
            if self.words[i] == lower {
                continue;
            }
            let at = best.partition_point(|&(b, _)| b >= c);
            best.insert(at, (c, i));
            best.truncate(k);
        }
        best.into_iter()
            .map(|(c, i)| (self.words[i].clone(), c))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embed::model::{ModelInfo, Quantization};

    fn model() -> Model {
        let v = |a: f32, b: f32, c: f32| vec![a, b, c];
        Model::from_vectors(
            ModelInfo::default(),
            Quantization::Int8,
            vec![
                ("delete".into(), v(1.0, 0.1, 0.0)),
                ("remove".into(), v(0.9, 0.2, 0.0)),
                ("erase".into(), v(0.8, 0.0, 0.3)),
                ("##ing".into(), v(1.0, 0.1, 0.0)),
                ("rm".into(), v(1.0, 0.1, 0.0)),
                ("banana".into(), v(0.0, 0.0, 1.0)),
            ],
        )
        .unwrap()
    }

    #[test]
    fn nearest_whole_words_by_cosine_without_the_word_itself() {
        let n = WordNeighbours::new(&model());
        let near = n.near("Delete", 4, 0.5);
        let words: Vec<&str> = near.iter().map(|(w, _)| w.as_str()).collect();
        // Word pieces and words under three letters are never neighbours;
        // a word below the least cosine is left out.
        assert_eq!(words, ["remove", "erase"]);
        assert!(near[0].1 > near[1].1 && near[1].1 >= 0.5);
        assert_eq!(n.near("delete", 1, 0.5).len(), 1);
        assert!(n.near("delete", 4, 0.999).is_empty());
        assert!(n.near("zzz", 4, 0.0).is_empty());
        assert!(n.near("delete", 0, 0.0).is_empty());
    }
}
