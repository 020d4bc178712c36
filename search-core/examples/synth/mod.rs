//! Deterministic synthetic documentation corpus for size measurements:
//! Zipf-distributed vocabulary, English stop words, per-document topic words
//! (bursty, as real manuals are), identifiers, error codes and versions.

use mcdewey_search_core::ChunkInput;

/// xorshift64*: tiny, deterministic, good enough for test data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    pub fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }
}

const STOP: &[&str] = &[
    "the", "a", "to", "of", "and", "in", "is", "for", "on", "that", "with", "as", "be", "this",
    "by", "it", "or", "are", "if", "not", "you", "can", "from", "an", "at", "when", "your",
];
const SYL: &[&str] = &[
    "con", "fig", "ur", "ser", "ver", "ca", "ble", "net", "work", "rout", "er", "mo", "dul",
    "port", "sta", "tus", "lic", "ense", "vo", "ice", "mail", "box", "ad", "min", "reg", "is",
    "ter", "tion", "al", "pro", "file", "log", "in", "trans", "fer", "da", "ta", "base", "re",
    "cord", "ing", "stor", "age", "clus", "mon", "it", "an", "sys", "tem", "up", "grade",
];

pub struct Corpus {
    pub words: Vec<String>,
    cdf: Vec<f64>,
}

impl Corpus {
    pub fn new(vocab: usize, rng: &mut Rng) -> Corpus {
        let mut words = Vec::with_capacity(vocab);
        let mut seen = std::collections::HashSet::new();
        while words.len() < vocab {
            let n = 2 + rng.below(3);
            let w: String = (0..n).map(|_| SYL[rng.below(SYL.len())]).collect();
            if seen.insert(w.clone()) {
                words.push(w);
            }
        }
        let mut cdf = Vec::with_capacity(vocab);
        let mut acc = 0.0;
        for r in 0..vocab {
            acc += 1.0 / (r as f64 + 2.7);
            cdf.push(acc);
        }
        Corpus { words, cdf }
    }

    pub fn zipf(&self, rng: &mut Rng) -> &str {
        let total = *self.cdf.last().unwrap();
        let x = (rng.next() >> 11) as f64 / (1u64 << 53) as f64 * total;
        let i = self
            .cdf
            .partition_point(|&c| c < x)
            .min(self.words.len() - 1);
        &self.words[i]
    }
}

fn identifier(rng: &mut Rng, c: &Corpus) -> String {
    let a = c.words[50 + rng.below(3000)].clone();
    let b = c.words[50 + rng.below(3000)].clone();
    match rng.below(5) {
        0 => format!("{}_{}", a.to_uppercase(), b.to_uppercase()),
        1 => format!("{a}{}{}", b[..1].to_uppercase(), &b[1..]),
        2 => format!("E{:04}", rng.below(10000)),
        3 => format!("{}.{}({})", 10 + rng.below(8), rng.below(10), rng.below(6)),
        _ => format!("{}-{}", a, b),
    }
}

/// `docs` documents of `chunks_per_doc` chunks each.
pub fn generate(docs: usize, chunks_per_doc: usize, seed: u64) -> Vec<ChunkInput> {
    let mut rng = Rng::new(seed);
    let corpus = Corpus::new(40_000, &mut rng);
    let mut out = Vec::with_capacity(docs * chunks_per_doc);
    for d in 0..docs {
        let vendor = ["Cisco", "Avaya", "Genesys"][d % 3];
        let product = format!("Product {}", (d / 3) % 4);
        let version = ["10.5", "11.0", "12.5(1)"][(d / 12) % 3].to_string();
        let doc_set = ["Admin", "Reference"][(d / 36) % 2].to_string();
        let topics: Vec<String> = (0..10)
            .map(|_| corpus.words[100 + rng.below(6000)].clone())
            .collect();
        let title = (0..3 + rng.below(3))
            .map(|_| topics[rng.below(topics.len())].clone())
            .collect::<Vec<_>>()
            .join(" ");
        let key = format!("doc-{d:05}-{}", topics[0]);
        for c in 0..chunks_per_doc {
            let heading = (0..2 + rng.below(2))
                .map(|_| topics[rng.below(topics.len())].clone())
                .collect::<Vec<_>>()
                .join(" ");
            let n = 120 + rng.below(140);
            let mut text = String::with_capacity(n * 8);
            for i in 0..n {
                if i > 0 {
                    text.push(if rng.chance(0.06) { '.' } else { ' ' });
                    if text.ends_with('.') {
                        text.push(' ');
                    }
                }
                if rng.chance(0.38) {
                    text.push_str(STOP[rng.below(STOP.len())]);
                } else if rng.chance(0.08) {
                    text.push_str(&topics[rng.below(topics.len())]);
                } else if rng.chance(0.02) {
                    text.push_str(&identifier(&mut rng, &corpus));
                } else {
                    text.push_str(corpus.zipf(&mut rng));
                }
            }
            out.push(ChunkInput {
                id: format!("{key}#{c}"),
                url: format!(
                    "/{}/{}/{}/{}/{key}.html#c{c}",
                    vendor.to_lowercase(),
                    product.replace(' ', "-").to_lowercase(),
                    version,
                    doc_set.to_lowercase()
                ),
                title: title.clone(),
                breadcrumb: vec![title.clone(), heading],
                page: (c * 2 + 1) as u32,
                page_label: None,
                paged: true,
                vendor: vendor.into(),
                product: product.clone(),
                version: version.clone(),
                version_rank: 0,
                doc_set: doc_set.clone(),
                document: key.clone(),
                text,
                inlinks: 0,
            });
        }
    }
    out
}
