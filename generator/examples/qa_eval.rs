//! Doc-QA evaluation: questions people ask, answered by documentation from
//! `../shared`, through the generator's own import and chunking and
//! search-core's ranking. A question is answered at rank k when the k-th
//! result's text holds its answer (normalised: lowercase, letters and
//! digits only), so figures stay comparable when chunking changes.
//!
//! Questions come from two places:
//! - FAQ pages in the corpus (a document whose key or title says "faq"): a
//!   line ending with `?` followed by its answer. The question's text is
//!   removed from the corpus (every line and heading equal to it), and its
//!   answer is the first words of the text after it. Nothing is stored.
//! - `bench/qa/questions.tsv`: questions written for this set, with a short
//!   span of the answer text; `bench/qa/users.tsv`: questions phrased as
//!   users ask them, in their own words, reported also on their own
//!   (`dev-u`, `test-u`); `bench/qa/api.tsv`: questions about single
//!   entries of API references (a method, an option, a command form),
//!   also reported on their own (`dev-a`, `test-a`); `bench/qa/python.tsv`:
//!   questions about Python asked in users' words, each answered by one
//!   passage of a large language reference (`dev-p`, `test-p`).
//!
//! A question belongs to the dev split or the test split by a hash of its
//! text: tune on dev, report test.
//!
//! cargo run -p mcdewey --example qa_eval -- [--model NAME | --model-file FILE | --no-model]
//!     [--grid] [--verbose] [--causes] [--users] [--target-words N] [--out FILE]
//!     [--dump DIR] [--weight W] [--inlink-prior B] [--nprobe N] [--vectors int8]
//!     [--ranking K1,TW,TB,HW,HB,BW,BB] [--stop-pairs] [--products NAME,...]
//!
//! `--products` keeps only the named products' chunks and questions: a
//! library of one product, as a held-out question set may be asked of.
//! `--weight` sets the index's semantic weight (before the query shape's
//! factor) and `--inlink-prior` the in-link prior's β (0 turns it off);
//! `--ranking` sets BM25F's k1 and each field's weight and b (title,
//! heading, body; an empty value keeps the default).
//! `--users` prints each user-phrased question's ranks (lexical, hybrid,
//! hybrid with its product's filter), the chunk that answers it and the
//! first result without and with the filter. `--causes` sorts the hybrid
//! misses by where their answer sits in its chunk (see [`causes`]).
//! `--stop-pairs` runs the known-item test of short headings named with
//! stop words (see [`stop_pairs`]).
//!
//! The corpus is read from `MCDEWEY_SHARED` or `../shared`; without it the
//! command says so and exits 0. Converted HTML is cached under the system
//! temp directory. Figures go to stdout and to `bench/results/doc-qa.tsv`.

use mcdewey::build::index::chunk_inputs;
use mcdewey::content::{load, LoadOptions};
use mcdewey::diag::Sink;
use mcdewey::search::model;
use mcdewey_search_core::{
    build_index, is_phrasing_word, parse_query, BuildOptions, ChunkInput, Filters, FormatError,
    Index, Query, QueryShape, SemanticOptions, MANIFEST_PATH,
};
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// (product, version, doc set, path below `corpora/`): one version of each
/// shared set.
const SETS: &[(&str, &str, &str, &str)] = &[
    ("git", "2.47", "manual", "html/git/2.47"),
    ("sqlite", "3.46", "docs", "html/sqlite/3.46"),
    (
        "powershell",
        "7.5",
        "reference",
        "markdown/powershell/reference/7.5",
    ),
    (
        "powershell",
        "7.5",
        "conceptual",
        "markdown/powershell/reference/docs-conceptual",
    ),
    ("etcd", "3.6", "docs", "markdown/etcd/content/en/docs/v3.6"),
    ("nodejs", "20", "api", "markdown/nodejs/20"),
    ("prometheus", "latest", "docs", "markdown/prometheus/docs"),
    ("flask", "3.1", "docs", "html/flask/3.1"),
    ("cmake", "3.31", "docs", "html/cmake/3.31"),
    ("python", "3.13", "docs", "html/python/3.13"),
];

/// Each product's name as its project writes it (`name` of product.toml),
/// as a library of these sets would give it; no aliases.
const PRODUCT_NAMES: &[(&str, &str)] = &[
    ("git", "Git"),
    ("sqlite", "SQLite"),
    ("powershell", "PowerShell"),
    ("etcd", "etcd"),
    ("nodejs", "Node.js"),
    ("prometheus", "Prometheus"),
    ("flask", "Flask"),
    ("cmake", "CMake"),
    ("python", "Python"),
];

/// Words of a mined answer span.
const SPAN_WORDS: usize = 12;
/// Fewest words a mined answer span may have.
const MIN_SPAN_WORDS: usize = 6;

fn norm(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for w in s
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(w.chars().flat_map(char::to_lowercase));
    }
    out
}

/// Stable split: 0 = dev, 1 = test.
fn split_of(question: &str) -> usize {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in norm(question).bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    (h >> 7) as usize % 2
}

#[derive(Debug, Clone)]
struct Question {
    /// Where it came from, for messages: a chunk id or `file:line`.
    origin: String,
    product: String,
    text: String,
    /// Normalised answer span.
    answer: String,
    split: usize,
    mined: bool,
    /// Phrased as users ask (`users.tsv`): also reported on its own.
    users: bool,
    /// About one entry of an API reference (`api.tsv`): also reported on
    /// its own.
    api: bool,
    /// About Python's documentation (`python.tsv`): also reported on its own.
    python: bool,
}

fn is_faq(c: &ChunkInput) -> bool {
    let last = c.document.rsplit('/').next().unwrap_or(&c.document);
    last.to_lowercase().contains("faq") || norm(&c.title).split(' ').any(|w| w == "faq")
}

/// A question line without a leading number: `(2) What…` → `What…`.
fn question_text(line: &str) -> &str {
    let t = line.trim();
    let rest = t.trim_start_matches(|c: char| {
        c.is_ascii_digit() || matches!(c, '(' | ')' | '.' | ':' | ' ')
    });
    let rest = rest.strip_prefix("Q:").unwrap_or(rest).trim_start();
    if rest.len() < t.len() && t.starts_with(|c: char| c.is_ascii_digit() || c == '(') {
        rest
    } else {
        t
    }
}

fn is_question(line: &str) -> bool {
    let n = line.split_whitespace().count();
    line.trim_end().ends_with('?') && (3..=40).contains(&n)
}

/// Questions of the FAQ documents: a question line, then the first words
/// of the text after it (in the same chunk, else the next chunk of the
/// same document). Of a question asked twice in a page (a list of the
/// questions, then each with its answer), the last one counts.
fn mine(chunks: &[ChunkInput]) -> Vec<Question> {
    let mut out: Vec<Question> = Vec::new();
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    for (i, c) in chunks.iter().enumerate() {
        if !is_faq(c) {
            continue;
        }
        let lines: Vec<&str> = c.text.lines().collect();
        for (k, l) in lines.iter().enumerate() {
            if !is_question(l) {
                continue;
            }
            let mut after: Vec<&str> = lines[k + 1..].to_vec();
            if after.is_empty() {
                if let Some(next) = chunks
                    .get(i + 1)
                    .filter(|n| n.document == c.document && n.product == c.product)
                {
                    after = next.text.lines().collect();
                }
            }
            let mut span: Vec<String> = Vec::new();
            for a in after {
                if is_question(a) {
                    break;
                }
                span.extend(
                    norm(a)
                        .split(' ')
                        .filter(|w| !w.is_empty())
                        .map(String::from),
                );
                if span.len() >= SPAN_WORDS {
                    break;
                }
            }
            span.truncate(SPAN_WORDS);
            let text = question_text(l).to_string();
            if span.len() < MIN_SPAN_WORDS {
                continue;
            }
            let q = Question {
                origin: c.id.clone(),
                product: c.product.clone(),
                split: split_of(&text),
                text,
                answer: span.join(" "),
                mined: true,
                users: false,
                api: false,
                python: false,
            };
            match seen.entry((c.document.clone(), norm(&q.text))) {
                std::collections::hash_map::Entry::Occupied(e) => out[*e.get()] = q,
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(out.len());
                    out.push(q);
                }
            }
        }
    }
    out
}

/// Removes the mined questions from the corpus: every line and heading
/// equal to one, so a question cannot find itself.
fn strip(chunks: &mut [ChunkInput], questions: &[Question]) -> usize {
    let qs: HashSet<String> = questions
        .iter()
        .filter(|q| q.mined)
        .map(|q| norm(&q.text))
        .collect();
    let mut removed = 0;
    for c in chunks {
        let before = c.breadcrumb.len();
        c.breadcrumb
            .retain(|h| !qs.contains(&norm(question_text(h))));
        removed += before - c.breadcrumb.len();
        if c.text.lines().any(|l| qs.contains(&norm(question_text(l)))) {
            let kept: Vec<&str> = c
                .text
                .lines()
                .filter(|l| {
                    let q = qs.contains(&norm(question_text(l)));
                    removed += usize::from(q);
                    !q
                })
                .collect();
            c.text = kept.join("\n");
        }
    }
    removed
}

/// `bench/qa/questions.tsv`: `product<TAB>question<TAB>answer span`;
/// `#` lines are comments.
fn read_written(path: &Path) -> Result<Vec<Question>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() != 3 || f.iter().any(|x| x.trim().is_empty()) {
            return Err(format!(
                "{}:{}: expected product, question and answer separated by tabs",
                path.display(),
                i + 1
            ));
        }
        out.push(Question {
            origin: format!("{}:{}", path.display(), i + 1),
            product: f[0].to_string(),
            text: f[1].to_string(),
            answer: norm(f[2]),
            split: split_of(f[1]),
            mined: false,
            users: path.ends_with("users.tsv"),
            api: path.ends_with("api.tsv"),
            python: path.ends_with("python.tsv"),
        });
    }
    Ok(out)
}

/// Builds `content/` of symbolic links into the shared sets.
fn content_tree(corpora: &Path, root: &Path) -> std::io::Result<()> {
    if root.exists() {
        std::fs::remove_dir_all(root)?;
    }
    for (product, version, set, rel) in SETS {
        let dir = root.join(product).join(version);
        std::fs::create_dir_all(&dir)?;
        std::os::unix::fs::symlink(corpora.join(rel), dir.join(set))?;
    }
    for (product, name) in PRODUCT_NAMES {
        std::fs::write(
            root.join(product).join("product.toml"),
            format!("name = {name:?}\n"),
        )?;
    }
    Ok(())
}

/// recall@1, recall@10 and MRR@10 sums with their count.
#[derive(Default, Clone, Copy)]
struct Tally {
    n: usize,
    r1: f64,
    r10: f64,
    mrr: f64,
}

impl Tally {
    fn add(&mut self, rank: Option<usize>) {
        self.n += 1;
        if let Some(r) = rank {
            self.r1 += f64::from(u8::from(r == 1));
            self.r10 += 1.0;
            self.mrr += 1.0 / r as f64;
        }
    }
    fn mean(&self) -> (f64, f64, f64) {
        let n = self.n.max(1) as f64;
        (self.r1 / n, self.r10 / n, self.mrr / n)
    }
}

struct Eval<'a> {
    index: Index,
    /// Normalised text per chunk id.
    text: &'a HashMap<String, String>,
}

impl Eval<'_> {
    /// 1-based rank of the first of the top 10 holding the answer.
    fn rank(&self, q: &Question, query: &Query) -> Option<usize> {
        let r = self.index.search(query).expect("search runs");
        r.hits
            .iter()
            .position(|h| {
                let hit = self.index.hit(h.ordinal, query).expect("fragment loaded");
                self.text
                    .get(&hit.id)
                    .is_some_and(|t| t.contains(&q.answer))
            })
            .map(|p| p + 1)
    }
}

fn query(q: &Question, filtered: bool) -> Query {
    let filters = if filtered {
        Filters {
            product: vec![q.product.clone()],
            ..Filters::default()
        }
    } else {
        Filters::default()
    };
    let q = parse_query(&q.text, filters)
        .with_prefix(false)
        .with_limit(10);
    match SYNONYM_WEIGHT.get() {
        Some(&w) => q.with_synonym_weight(w),
        None => q,
    }
}

/// `--synonyms W`: the thesaurus weight of every query (0: off).
static SYNONYM_WEIGHT: std::sync::OnceLock<f32> = std::sync::OnceLock::new();

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |f: &str| args.iter().any(|a| a == f);
    let value = |f: &str| {
        args.iter()
            .position(|a| a == f)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    if let Some(w) = value("--synonyms").and_then(|v| v.parse::<f32>().ok()) {
        let _ = SYNONYM_WEIGHT.set(w);
    }
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let shared = std::env::var_os("MCDEWEY_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace.join("../shared"));
    let corpora = shared.join("corpora");
    if !corpora.is_dir() {
        println!(
            "doc-QA evaluation skipped: {} not found (set MCDEWEY_SHARED)",
            corpora.display()
        );
        return;
    }
    let work = std::env::temp_dir().join("mcdewey-qa-eval");
    let content = work.join("content");
    content_tree(&corpora, &content).expect("content tree of links");
    let sink = Sink::default();
    let opts = LoadOptions {
        cache_dir: Some(work.join("cache")),
        // The content tree is links into the shared corpora.
        symlink_roots: vec![corpora.clone()],
        // Chunk size to measure (`--target-words N`, at most 2N words a chunk).
        chunking: match value("--target-words").and_then(|v| v.parse::<usize>().ok()) {
            Some(n) => mcdewey::content::document::ChunkingOptions {
                target_words: n.max(1),
                max_words: 2 * n.max(1),
            },
            None => Default::default(),
        },
        ..LoadOptions::default()
    };
    let t = std::time::Instant::now();
    let (lib, _) = load(&content, &opts, &sink, &|| {}).expect("corpus loads");
    let mut chunks = chunk_inputs(&lib).expect("the corpus parses again");
    // `--products a,b`: a library of these products alone (their chunks
    // and questions), as a site of one vendor's manuals would be.
    let only: Option<HashSet<String>> =
        value("--products").map(|v| v.split(',').map(str::to_string).collect());
    if let Some(only) = &only {
        chunks.retain(|c| only.contains(&c.product));
        assert!(!chunks.is_empty(), "--products {only:?} names no set");
    }
    let sets = SETS
        .iter()
        .filter(|s| only.as_ref().is_none_or(|o| o.contains(s.0)))
        .count();
    println!(
        "corpus: {} chunks from {sets} sets, loaded in {:.1} s",
        chunks.len(),
        t.elapsed().as_secs_f32()
    );

    // Written questions: ours, and those phrased as users ask them
    // (`users.tsv`, their own words rather than the documentation's).
    let written_paths = ["questions.tsv", "users.tsv", "api.tsv", "python.tsv"]
        .map(|f| workspace.join("bench/qa").join(f));
    let mut questions = mine(&chunks);
    let mined = questions.len();
    // Headings as they were, for telling a cut section from the next question.
    let headings: Vec<Vec<String>> = chunks.iter().map(|c| c.breadcrumb.clone()).collect();
    let removed = strip(&mut chunks, &questions);
    let mut failed = false;
    for path in &written_paths {
        match read_written(path) {
            Ok(w) => questions.extend(w),
            Err(e) => {
                eprintln!("error: {e}");
                failed = true;
            }
        }
    }
    if let Some(only) = &only {
        questions.retain(|q| only.contains(&q.product));
    }
    let text: HashMap<String, String> = chunks
        .iter()
        .map(|c| (c.id.clone(), norm(&c.text)))
        .collect();
    // Every answer must be somewhere in its product's chunks.
    questions.retain(|q| {
        let found = chunks
            .iter()
            .any(|c| c.product == q.product && text[&c.id].contains(&q.answer));
        if !found {
            eprintln!(
                "error: {}: the answer of {:?} is in no chunk of product {:?}",
                q.origin, q.text, q.product
            );
            failed = true;
        }
        found
    });
    println!(
        "questions: {} mined from FAQ pages ({removed} question lines removed from the corpus), {} written; dev {}, test {}",
        mined,
        questions.len() - questions.iter().filter(|q| q.mined).count(),
        questions.iter().filter(|q| q.split == 0).count(),
        questions.iter().filter(|q| q.split == 1).count(),
    );

    if flag("--list") {
        for q in &questions {
            println!(
                "  [{}] {:?} -> {:?}",
                ["dev", "test"][q.split],
                q.text,
                q.answer
            );
        }
    }
    let model_name = value("--model").unwrap_or_else(|| mcdewey::search::MODELS[0].0.to_string());
    let mut build = BuildOptions::default();
    // The in-link prior's weight (`--inlink-prior 0` measures without it).
    if let Some(b) = value("--inlink-prior").and_then(|v| v.parse().ok()) {
        build.inlink_prior = b;
    }
    // BM25F parameters to measure: `k1,title weight,title b,heading
    // weight,heading b,body weight,body b` (the defaults where a value is
    // left empty).
    if let Some(spec) = value("--ranking") {
        let r = &mut build.ranking;
        let slots: [&mut f32; 7] = [
            &mut r.k1,
            &mut r.title.weight,
            &mut r.title.b,
            &mut r.heading.weight,
            &mut r.heading.b,
            &mut r.body.weight,
            &mut r.body.b,
        ];
        for (slot, v) in slots.into_iter().zip(spec.split(',')) {
            if !v.is_empty() {
                *slot = v
                    .parse()
                    .unwrap_or_else(|_| panic!("--ranking: {v:?} is not a number"));
            }
        }
    }
    if !flag("--no-model") {
        // A model file (a candidate table) is measured without embedding it.
        let m = match value("--model-file") {
            Some(path) => {
                let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
                std::sync::Arc::new(
                    mcdewey_search_core::Model::from_bytes(&bytes)
                        .unwrap_or_else(|e| panic!("{path}: {e}")),
                )
            }
            None => model(&model_name).expect("embedded model"),
        };
        let mut sem = SemanticOptions::new(m);
        if let Some(n) = value("--nprobe").and_then(|v| v.parse().ok()) {
            sem.nprobe = n;
        }
        // The index's semantic weight, before the query shape's factor.
        if let Some(w) = value("--weight").and_then(|v| v.parse().ok()) {
            sem.weight = w;
        }
        if value("--vectors").as_deref() == Some("int8") {
            sem.vectors = mcdewey_search_core::VectorEncoding::Int8;
        }
        // Teacher-aligned chunk vectors (the `search.teacher` build option),
        // cached in `--teacher-cache` (default: the temp directory).
        if let Some(dir) = value("--teacher") {
            let t = mcdewey::teacher::Teacher::load(std::path::Path::new(&dir))
                .unwrap_or_else(|e| panic!("{dir}: {e:#}"));
            let cache = value("--teacher-cache").map_or_else(
                || std::env::temp_dir().join("mcdewey-qa-teacher"),
                Into::into,
            );
            let tt = std::time::Instant::now();
            let (vectors, counts) = t.chunk_vectors(&chunks, &cache).expect("teacher vectors");
            println!(
                "teacher {}: {} chunks embedded, {} cached, {:.1} s",
                t.fingerprint,
                counts.embedded,
                counts.cached,
                tt.elapsed().as_secs_f32()
            );
            sem.teacher = Some(std::sync::Arc::new(vectors));
        }
        build = build.with_semantic(sem);
    }
    let t = std::time::Instant::now();
    let files: HashMap<String, Vec<u8>> = build_index(chunks.clone(), &build)
        .expect("index builds")
        .into_iter()
        .collect();
    let mut index = Index::open(&files[MANIFEST_PATH]).expect("manifest opens");
    index
        .add_all(|p| Ok::<_, FormatError>(files[p].clone()))
        .expect("index file loads");
    println!("index built in {:.1} s", t.elapsed().as_secs_f32());
    let eval = Eval { index, text: &text };

    // Modes: (name, product filter, semantic weight: 0 off, None the
    // index's query-dependent weight).
    let modes = [
        ("lexical", false, Some(0.0)),
        ("semantic only", false, Some(1.0)),
        ("hybrid", false, None),
        ("lexical, product filter", true, Some(0.0)),
        ("hybrid, product filter", true, None),
    ];
    let mut table = String::new();
    let _ = writeln!(table, "split\tmode\tquestions\trecall@1\trecall@10\tMRR@10");
    let mut report = String::new();
    let _ = writeln!(
        report,
        "{:<6} {:<24} {:>5} {:>9} {:>9} {:>7}",
        "split", "mode", "n", "recall@1", "recall@10", "MRR@10"
    );
    let mut misses: Vec<String> = Vec::new();
    // Each split in full, then its questions phrased as users ask, then
    // those about API reference entries.
    let all = |_: &Question| true;
    let users_only = |q: &Question| q.users;
    let api_only = |q: &Question| q.api;
    let python_only = |q: &Question| q.python;
    type Member<'a> = &'a dyn Fn(&Question) -> bool;
    let groups: [(usize, &str, Member<'_>); 8] = [
        (0, "dev", &all),
        (1, "test", &all),
        (0, "dev-u", &users_only),
        (1, "test-u", &users_only),
        (0, "dev-a", &api_only),
        (1, "test-a", &api_only),
        (0, "dev-p", &python_only),
        (1, "test-p", &python_only),
    ];
    for (k, (split, split_name, member)) in groups.into_iter().enumerate() {
        // A group with no questions (`--products` leaves some empty) has
        // no figures to print.
        if !questions.iter().any(|q| q.split == split && member(q)) {
            continue;
        }
        // Misses are listed for the whole splits only.
        let whole = k < 2;
        for &(name, filtered, weight) in &modes {
            let mut t = Tally::default();
            for q in questions.iter().filter(|q| q.split == split && member(q)) {
                let query = match weight {
                    Some(w) => query(q, filtered).with_semantic_weight(w),
                    None => query(q, filtered),
                };
                let rank = eval.rank(q, &query);
                t.add(rank);
                if rank.is_none() && name == "hybrid" && whole {
                    misses.push(format!("{split_name} {:?} [{}]", q.text, q.origin));
                }
            }
            let (r1, r10, mrr) = t.mean();
            let _ = writeln!(
                report,
                "{split_name:<6} {name:<24} {:>5} {r1:>9.3} {r10:>9.3} {mrr:>7.3}",
                t.n
            );
            let _ = writeln!(
                table,
                "{split_name}\t{name}\t{}\t{r1:.3}\t{r10:.3}\t{mrr:.3}",
                t.n
            );
        }
    }
    print!("{report}");
    if flag("--verbose") {
        println!("hybrid misses:");
        for m in &misses {
            println!("  {m}");
        }
    }
    if flag("--users") {
        users(&eval, &questions, &chunks);
    }
    if flag("--stop-pairs") {
        stop_pairs(&eval, &chunks, flag("--verbose"));
    }
    if flag("--grid") {
        grid(&eval, &questions);
    }
    if flag("--causes") {
        causes(&eval, &questions, &chunks, &headings);
    }
    if let Some(dir) = value("--dump") {
        dump(&eval, &questions, &chunks, Path::new(&dir)).expect("dump written");
    }
    let out = value("--out")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace.join("bench/results/doc-qa.tsv"));
    std::fs::write(&out, table).expect("results written");
    println!("written to {}", out.display());
    if failed {
        std::process::exit(1);
    }
}

/// Each question phrased as users ask: its lexical and hybrid ranks (to
/// 100), its hybrid rank with its product's filter, the chunk that answers
/// it and the best hybrid result without and with the filter.
fn users(eval: &Eval<'_>, questions: &[Question], chunks: &[ChunkInput]) {
    println!("questions phrased as users ask: lexical rank, hybrid rank, hybrid rank with the product filter (to 100), answer chunk, first results");
    for q in questions.iter().filter(|q| q.users || q.python) {
        let deep = |w: Option<f32>, filtered: bool| {
            let mut query = query(q, filtered).with_limit(100);
            if let Some(w) = w {
                query = query.with_semantic_weight(w);
            }
            eval.rank(q, &query)
                .map_or("-".to_string(), |r| r.to_string())
        };
        let answer = chunks
            .iter()
            .find(|c| c.product == q.product && eval.text[&c.id].contains(&q.answer))
            .map_or("?", |c| c.id.as_str());
        let first = |filtered: bool| {
            let query = query(q, filtered);
            let r = eval.index.search(&query).expect("search runs");
            r.hits
                .first()
                .map(|h| eval.index.hit(h.ordinal, &query).expect("fragment").id)
                .unwrap_or_default()
        };
        println!(
            "  [{}] {:>3} {:>3} {:>3}  {:?}\n        answer {answer}\n        first  {}\n        first with the filter  {}",
            ["dev", "test"][q.split],
            deep(Some(0.0), false),
            deep(None, false),
            deep(None, true),
            q.text,
            first(false),
            first(true),
        );
    }
}

/// The corpus, the questions and the engine's lexical results, for
/// measuring other semantic sides in the same blend offline
/// (`tools/semantic-ceiling/docqa.py`): `chunks.jsonl` (id, product and the
/// text the engine embeds) and `questions.jsonl` (text, split, whether
/// phrased as users ask, the ids of the chunks that hold the answer, the
/// lexical results to 1,000 with their scores, the engine's hybrid rank).
fn dump(
    eval: &Eval<'_>,
    questions: &[Question],
    chunks: &[ChunkInput],
    dir: &Path,
) -> std::io::Result<()> {
    use std::io::Write as _;
    std::fs::create_dir_all(dir)?;
    let mut out = std::io::BufWriter::new(std::fs::File::create(dir.join("chunks.jsonl"))?);
    for c in chunks {
        let mut text = c.title.clone();
        for h in &c.breadcrumb {
            text.push('\n');
            text.push_str(h);
        }
        text.push('\n');
        text.push_str(&c.text);
        let line = serde_json::json!({"id": c.id, "product": c.product, "text": text, "breadcrumb": c.breadcrumb});
        writeln!(out, "{line}")?;
    }
    out.flush()?;
    let mut out = std::io::BufWriter::new(std::fs::File::create(dir.join("questions.jsonl"))?);
    for q in questions {
        let answers: Vec<&str> = chunks
            .iter()
            .filter(|c| c.product == q.product && eval.text[&c.id].contains(&q.answer))
            .map(|c| c.id.as_str())
            .collect();
        let lexical = query(q, false).with_semantic_weight(0.0).with_limit(1000);
        let r = eval.index.search(&lexical).expect("search runs");
        let lex: Vec<(String, f32)> = r
            .hits
            .iter()
            .map(|h| {
                let id = eval.index.hit(h.ordinal, &lexical).expect("fragment").id;
                (id, h.score)
            })
            .collect();
        let line = serde_json::json!({
            "text": q.text, "split": q.split, "users": q.users, "product": q.product,
            "shape": format!("{:?}", query(q, false).shape()),
            "answers": answers, "lex": lex,
            "hybrid_rank": eval.rank(q, &query(q, false)),
            "lexical_rank": eval.rank(q, &query(q, false).with_semantic_weight(0.0)),
        });
        writeln!(out, "{line}")?;
    }
    out.flush()
}

/// Semantic weight grid on the dev split, per query shape: what
/// `SHAPE_FACTORS` is chosen from.
fn grid(eval: &Eval<'_>, questions: &[Question]) {
    let weights = [0.0f32, 0.1, 0.15, 0.2, 0.3, 0.4, 0.45, 0.5, 0.6];
    println!("dev split, hybrid recall@10 / MRR@10 per semantic weight and query shape:");
    println!(
        "{:<9} {:>4}  {}",
        "shape",
        "n",
        weights
            .iter()
            .map(|w| format!("{w:>11}"))
            .collect::<String>()
    );
    for shape in [
        QueryShape::Exact,
        QueryShape::Keywords,
        QueryShape::Question,
    ] {
        let qs: Vec<&Question> = questions
            .iter()
            .filter(|q| q.split == 0 && query(q, false).shape() == shape)
            .collect();
        let mut cells = String::new();
        for &w in &weights {
            let mut t = Tally::default();
            for q in &qs {
                t.add(eval.rank(q, &query(q, false).with_semantic_weight(w)));
            }
            let (_, r10, mrr) = t.mean();
            let _ = write!(cells, "  {r10:.3}/{mrr:.3}");
        }
        println!("{:<9} {:>4}  {cells}", format!("{shape:?}"), qs.len());
    }
}

/// Words a question's content words are compared without.
const FILLER: &[&str] = &[
    "the", "and", "for", "are", "with", "that", "this", "from", "into", "its", "not", "but",
    "does", "did", "has", "have", "was", "were", "can", "get", "use", "there",
];

/// Which answer chunk a miss should have found, and why it was not in the
/// top 10. Per miss (hybrid, no filter), the first that holds of:
/// - vocabulary: the answer chunk (title, headings, text) shares no content
///   word with the question;
/// - split: the answer is in a later piece of a section the chunker cut
///   (the previous chunk of the document has the same headings) and does
///   not start its chunk (a chunk that starts with the answer was cut at
///   its question, not by size);
/// - buried: the answer starts after word `BURIED_AFTER` of its chunk;
/// - ranking: none of these.
///
/// With the rank of the answer chunk in the top 100. `headings` are the
/// chunks' breadcrumbs before the FAQ questions were removed from them.
fn causes(
    eval: &Eval<'_>,
    questions: &[Question],
    chunks: &[ChunkInput],
    headings: &[Vec<String>],
) {
    const BURIED_AFTER: usize = 150;
    let at: HashMap<&str, usize> = chunks
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i))
        .collect();
    let words = |i: usize| -> HashSet<String> {
        let c = &chunks[i];
        let mut all = norm(&c.title);
        for h in &c.breadcrumb {
            all.push(' ');
            all.push_str(&norm(h));
        }
        all.push(' ');
        all.push_str(&eval.text[&c.id]);
        all.split(' ').map(String::from).collect()
    };
    let mut tally: std::collections::BTreeMap<&str, usize> = Default::default();
    let mut depth: std::collections::BTreeMap<&str, usize> = Default::default();
    let mut sizes: Vec<usize> = Vec::new();
    let mut lines = Vec::new();
    let mut misses = 0;
    for q in questions {
        let query = query(q, false);
        if eval.rank(q, &query).is_some() {
            continue;
        }
        misses += 1;
        let deep = query.clone().with_limit(100);
        let r = eval.index.search(&deep).expect("search runs");
        let found = r.hits.iter().enumerate().find_map(|(k, h)| {
            let hit = eval.index.hit(h.ordinal, &deep).expect("fragment loaded");
            eval.text
                .get(&hit.id)
                .filter(|t| t.contains(&q.answer))
                .map(|_| (k + 1, at[hit.id.as_str()]))
        });
        let (rank, i) = match found {
            Some((k, i)) => (Some(k), i),
            None => (
                None,
                chunks
                    .iter()
                    .position(|c| c.product == q.product && eval.text[&c.id].contains(&q.answer))
                    .expect("every answer is in a chunk"),
            ),
        };
        let c = &chunks[i];
        let text = &eval.text[&c.id];
        let offset = text[..text.find(&q.answer).unwrap_or(0)]
            .matches(' ')
            .count();
        let size = text.split(' ').count();
        sizes.push(size);
        let have = words(i);
        let shared = norm(&q.text)
            .split(' ')
            .filter(|w| w.len() >= 3 && !is_phrasing_word(w) && !FILLER.contains(w))
            .any(|w| have.contains(w));
        let continued = i > 0
            && chunks[i - 1].document == c.document
            && chunks[i - 1].product == c.product
            && headings[i - 1] == headings[i];
        let cause = if !shared {
            "vocabulary"
        } else if continued && offset > 0 {
            "split"
        } else if offset >= BURIED_AFTER {
            "buried"
        } else {
            "ranking"
        };
        *tally.entry(cause).or_default() += 1;
        *depth
            .entry(match rank {
                Some(k) if k <= 20 => "11-20",
                Some(_) => "21-100",
                None => "over 100",
            })
            .or_default() += 1;
        lines.push(format!(
            "  {cause:<10} rank {:>8} chunk {size:>4} words, answer at word {offset:>4}: {:?}",
            rank.map_or("> 100".to_string(), |k| k.to_string()),
            q.text
        ));
    }
    sizes.sort_unstable();
    println!(
        "hybrid misses by cause ({misses} of {} questions):",
        questions.len()
    );
    for (cause, n) in &tally {
        println!("  {cause:<10} {n}");
    }
    println!("rank of the answer chunk:");
    for (d, n) in &depth {
        println!("  {d:<10} {n}");
    }
    if !sizes.is_empty() {
        println!(
            "answer chunk words: median {}, max {}",
            sizes[sizes.len() / 2],
            sizes[sizes.len() - 1]
        );
    }
    for l in lines {
        println!("{l}");
    }
}

/// Headings that name something with a stop word ("The with statement",
/// "ORDER BY", "NOT NULL constraints"), typed as a short query: is a chunk
/// under that heading in the top 1 / 3 / 10, with stop-word pairs
/// ([`mcdewey_search_core::pairs`]) on and off? A known-item test over
/// every such heading of at most four words in the corpus (each text once).
fn stop_pairs(eval: &Eval<'_>, chunks: &[ChunkInput], verbose: bool) {
    use mcdewey_search_core::pairs::pairs_of;
    use mcdewey_search_core::tokenize::{Tokenizer, TokenizerSettings};
    let tok = Tokenizer::new(TokenizerSettings::default());
    // Section numbers ("8.5.") are not what people type.
    let clean = |h: &str| {
        h.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.')
            .trim()
            .to_string()
    };
    let mut under: HashMap<String, HashSet<&str>> = HashMap::new();
    for c in chunks {
        if let Some(h) = c.breadcrumb.last() {
            under.entry(clean(h)).or_default().insert(c.id.as_str());
        }
    }
    let mut items: Vec<&String> = under
        .keys()
        .filter(|h| h.split_whitespace().count() <= 4 && !pairs_of(&tok, h).is_empty())
        .collect();
    items.sort();
    if verbose {
        for h in items.iter().step_by(items.len().max(1).div_ceil(30)) {
            println!("  e.g. {h:?}");
        }
    }
    println!(
        "stop-word pairs: {} headings of at most 4 words with a pair",
        items.len()
    );
    println!(
        "{:<28} {:>6} {:>6} {:>7} {:>7}",
        "mode", "R@1", "R@3", "R@10", "MRR@10"
    );
    for (name, pairs, weight) in [
        ("lexical, pairs off", false, 0.0),
        ("lexical, pairs on", true, 0.0),
        ("hybrid, pairs off", false, -1.0),
        ("hybrid, pairs on", true, -1.0),
    ] {
        let (mut r1, mut r3, mut r10, mut mrr) = (0, 0, 0, 0.0);
        for h in &items {
            let mut q = parse_query(h, Filters::default())
                .with_prefix(false)
                .with_limit(10)
                .with_stop_pairs(pairs);
            if weight >= 0.0 {
                q = q.with_semantic_weight(weight);
            }
            let r = eval.index.search(&q).expect("search runs");
            let rank = r.hits.iter().position(|x| {
                let hit = eval.index.hit(x.ordinal, &q).expect("fragment loaded");
                under[*h].contains(hit.id.as_str())
            });
            if let Some(p) = rank {
                r1 += usize::from(p == 0);
                r3 += usize::from(p < 3);
                r10 += 1;
                mrr += 1.0 / (p + 1) as f64;
            }
        }
        let n = items.len().max(1) as f64;
        println!(
            "{name:<28} {:>6.3} {:>6.3} {:>7.3} {:>7.3}",
            r1 as f64 / n,
            r3 as f64 / n,
            r10 as f64 / n,
            mrr / n
        );
    }
}
