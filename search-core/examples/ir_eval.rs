//! Retrieval quality on the classic IR test collections and on a
//! heading → section set built from Markdown documentation, through the same
//! public path the browser uses (build → open → plan → add_file → search).
//! With a model, each collection is searched three ways: lexical (BM25F),
//! semantic only, and hybrid (the default blend).
//!
//! Usage: cargo run --release -p mcdewey-search-core --example ir_eval -- \
//!            [DIR] [--model FILE | --no-model] [--grid] [--k1 X ...]
//!            [--only NAME] [--int8] [--nprobe N] [--partition N]
//!            [--candidates N] [--dump DIR]
//! DIR defaults to `../shared/ir` relative to the workspace root; the
//! heading set reads `DIR/../corpora/markdown`. The model defaults to
//! `models/minilm-regress-128.mcdm`. Exits non-zero when a collection falls
//! below its plain-BM25 nDCG@10 floor, or when hybrid falls below lexical.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use mcdewey_search_core::eval::{ndcg_at, recall_at, Judgements};
use mcdewey_search_core::{
    build_index, parse_query, BuildOptions, ChunkInput, Filters, Index, Model, Query, QueryShape,
    SemanticOptions, VectorEncoding, DEFAULT_SEMANTIC_WEIGHT, MANIFEST_PATH,
};

/// (name, plain BM25 nDCG@10, MAP) from shared/ir/README.md.
const FLOORS: &[(&str, f64, f64)] = &[
    ("cranfield", 0.323, 0.260),
    ("cacm", 0.346, 0.228),
    ("cisi", 0.236, 0.130),
    ("medline", 0.663, 0.485),
    ("adi", 0.392, 0.328),
];

fn read_jsonl(path: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("valid JSON line"))
        .collect()
}

fn field(v: &serde_json::Value, k: &str) -> String {
    match &v[k] {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A test collection: chunks (one document each), queries and judgements.
struct Collection {
    name: String,
    chunks: Vec<ChunkInput>,
    queries: Vec<(String, String)>,
    qrels: HashMap<String, Judgements>,
}

fn chunk(id: String, title: String, breadcrumb: Vec<String>, text: String) -> ChunkInput {
    ChunkInput {
        url: format!("/doc/{id}"),
        title,
        breadcrumb,
        vendor: "ir".into(),
        product: "collection".into(),
        version: "1".into(),
        doc_set: "corpus".into(),
        document: id.clone(),
        text,
        id,
        ..Default::default()
    }
}

fn load_ir(dir: &Path, name: &str) -> Collection {
    let chunks = read_jsonl(&dir.join("corpus.jsonl"))
        .iter()
        .map(|d| {
            chunk(
                field(d, "id"),
                field(d, "title"),
                Vec::new(),
                field(d, "text"),
            )
        })
        .collect();
    let mut qrels: HashMap<String, Judgements> = HashMap::new();
    let tsv = std::fs::read_to_string(dir.join("qrels.tsv")).expect("qrels.tsv");
    for line in tsv.lines().skip(1) {
        let mut it = line.split('\t');
        let (Some(q), Some(d), Some(g)) = (it.next(), it.next(), it.next()) else {
            continue;
        };
        let g: i64 = g.trim().parse().unwrap_or(0);
        qrels
            .entry(q.to_string())
            .or_default()
            .insert(d.to_string(), g.max(0) as u32);
    }
    let queries = read_jsonl(&dir.join("queries.jsonl"))
        .iter()
        .map(|q| (field(q, "id"), field(q, "text")))
        .collect();
    Collection {
        name: name.into(),
        chunks,
        queries,
        qrels,
    }
}

/// Sections of a Markdown file: (heading level, heading, body).
fn sections(md: &str) -> (String, Vec<(usize, String, String)>) {
    let mut title = String::new();
    let mut out: Vec<(usize, String, String)> = Vec::new();
    let mut lines = md.lines().peekable();
    if lines.peek() == Some(&"---") {
        lines.next();
        for l in lines.by_ref() {
            if l == "---" {
                break;
            }
            if let Some(t) = l.strip_prefix("title:") {
                title = t.trim().trim_matches(['"', '\'']).to_string();
            }
        }
    }
    let mut fence = false;
    let mut cur = (0usize, String::new(), String::new());
    for l in lines {
        if l.trim_start().starts_with("```") {
            fence = !fence;
        }
        let hashes = l.chars().take_while(|&c| c == '#').count();
        if !fence && (1..=6).contains(&hashes) && l[hashes..].starts_with(' ') {
            out.push(std::mem::take(&mut cur));
            cur.0 = hashes;
            cur.1 = l[hashes..].trim().to_string();
            if hashes == 1 && title.is_empty() {
                title = cur.1.clone();
            }
            continue;
        }
        cur.2.push_str(l);
        cur.2.push('\n');
    }
    out.push(cur);
    (title, out)
}

/// Headings of the PowerShell conceptual docs and of etcd v3.6 as queries;
/// the relevant document is the heading's own section, indexed without the
/// heading (title = document title, breadcrumb = the enclosing headings).
/// Only headings of 3+ words that occur once, over sections of 20+ words.
fn load_headings(root: &Path) -> Option<Collection> {
    let mut files = Vec::new();
    for sub in [
        "powershell/reference/docs-conceptual",
        "etcd/content/en/docs/v3.6",
    ] {
        collect_md(&root.join(sub), &mut files);
    }
    if files.is_empty() {
        return None;
    }
    files.sort();
    let mut chunks = Vec::new();
    let mut cands: Vec<(String, String)> = Vec::new();
    for f in &files {
        let md = std::fs::read_to_string(f).ok()?;
        let (title, secs) = sections(&md);
        let mut stack: Vec<(usize, String)> = Vec::new();
        for (k, (level, heading, body)) in secs.into_iter().enumerate() {
            stack.retain(|(l, _)| *l < level);
            let crumbs: Vec<String> = stack
                .iter()
                .filter(|(l, _)| *l > 1)
                .map(|(_, h)| h.clone())
                .collect();
            let id = format!("{}#{k}", f.display());
            if body.split_whitespace().count() >= 20 {
                if level >= 2 {
                    cands.push((id.clone(), heading.clone()));
                }
                chunks.push(chunk(id, title.clone(), crumbs, body));
            }
            if level > 0 {
                stack.push((level, heading));
            }
        }
    }
    let mut count: HashMap<String, usize> = HashMap::new();
    for (_, h) in &cands {
        *count.entry(h.to_lowercase()).or_default() += 1;
    }
    let mut queries = Vec::new();
    let mut qrels = HashMap::new();
    for (id, h) in cands {
        if count[&h.to_lowercase()] == 1 && h.split_whitespace().count() >= 3 {
            let qid = format!("q{}", queries.len());
            qrels.insert(qid.clone(), Judgements::from([(id, 1)]));
            queries.push((qid, h));
        }
    }
    Some(Collection {
        name: "headings".into(),
        chunks,
        queries,
        qrels,
    })
}

fn collect_md(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect_md(&p, out);
        } else if p.extension().is_some_and(|x| x == "md") {
            out.push(p);
        }
    }
}

/// Mean nDCG@10 and recall@10 of one mode.
#[derive(Default, Clone, Copy)]
struct Scores {
    ndcg: f64,
    recall: f64,
}

/// Loaded index plus the file bytes it came from.
struct Built {
    files: HashMap<String, Vec<u8>>,
    index: Index,
}

fn build(c: &Collection, opts: &BuildOptions) -> Built {
    // `MCDEWEY_IR_TEACHER=DIR`: chunk vectors from a transformer, one JSON
    // line {"id", "v"} per document in `DIR/<collection>.jsonl` (written
    // by tools/semantic-ceiling; the `search.teacher` build option).
    let mut opts = opts.clone();
    if let (Some(dir), Some(s)) = (
        std::env::var_os("MCDEWEY_IR_TEACHER"),
        opts.semantic.as_mut(),
    ) {
        let path = Path::new(&dir).join(format!("{}.jsonl", c.name));
        // A collection without a file (too small for the alignment, or
        // the heading set) is built without.
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let mut by_id = HashMap::new();
        for line in text.lines() {
            let v: serde_json::Value = serde_json::from_str(line).expect("JSON line");
            let row: Vec<f32> = v["v"]
                .as_array()
                .expect("v")
                .iter()
                .map(|x| x.as_f64().unwrap() as f32)
                .collect();
            by_id.insert(v["id"].as_str().expect("id").to_string(), row);
        }
        if let Some(dims) = by_id.values().next().map(Vec::len) {
            s.teacher = Some(Arc::new(mcdewey_search_core::TeacherVectors {
                dims,
                by_id,
            }));
        }
    }
    let opts = &opts;
    let files: HashMap<String, Vec<u8>> = build_index(c.chunks.clone(), opts)
        .expect("index builds")
        .into_iter()
        .collect();
    let mut index = Index::open(&files[MANIFEST_PATH]).expect("manifest opens");
    for p in files.keys().filter(|p| p.starts_with("d/")) {
        index.add_file(p, &files[p]).expect("document block loads");
    }
    Built { files, index }
}

/// Plan → fetch → add until both plans are empty. Returns the bytes of the
/// token shards and of the vector partitions that were added.
fn load(b: &mut Built, q: &Query) -> (usize, usize) {
    let (mut tok, mut vec) = (0, 0);
    loop {
        let mut need = b.index.plan(q);
        need.extend(b.index.plan_semantic(q));
        if need.is_empty() {
            return (tok, vec);
        }
        for p in need {
            let bytes = &b.files[&p];
            if p.starts_with("v/") {
                vec += bytes.len();
            } else if p.starts_with("e/") && p != "e/vocab.bin" {
                tok += bytes.len();
            }
            b.index.add_file(&p, bytes).expect("file loads");
        }
    }
}

/// Document keys of the results of `q`, best first.
fn ranked_keys(b: &mut Built, q: &Query) -> Vec<String> {
    load(b, q);
    let result = b.index.search(q).expect("search runs");
    result
        .hits
        .iter()
        .map(|h| {
            let d = b.index.document_of(h.ordinal).expect("valid ordinal");
            b.index.document(d).expect("document blocks loaded").key
        })
        .collect()
}

fn run(b: &mut Built, c: &Collection, make: &dyn Fn(&str) -> Query) -> Scores {
    run_where(b, c, make, None).0
}

/// Like [`run`], over the queries of one shape only (`None`: all); also
/// returns how many queries that was.
fn run_where(
    b: &mut Built,
    c: &Collection,
    make: &dyn Fn(&str) -> Query,
    shape: Option<QueryShape>,
) -> (Scores, usize) {
    let keep = |text: &str| shape.is_none_or(|s| query(text).shape() == s);
    let mut s = Scores::default();
    let mut n = 0usize;
    for (qid, text) in c.queries.iter().filter(|(_, t)| keep(t)) {
        let Some(rel) = c.qrels.get(qid).filter(|r| r.values().any(|&g| g > 0)) else {
            continue;
        };
        let ids = ranked_keys(b, &make(text));
        s.ndcg += ndcg_at(&ids, rel, 10);
        s.recall += recall_at(&ids, rel, 10);
        n += 1;
    }
    // Judged queries that are missing count as zero, as in eval::evaluate.
    let judged = c
        .queries
        .iter()
        .filter(|(qid, t)| keep(t) && c.qrels.get(qid).is_some_and(|r| r.values().any(|&g| g > 0)))
        .count();
    let missing = c
        .qrels
        .iter()
        .filter(|(qid, r)| {
            shape.is_none()
                && r.values().any(|&g| g > 0)
                && !c.queries.iter().any(|(q, _)| q == *qid)
        })
        .count();
    let count = n.max(judged);
    let n = (count + missing).max(1) as f64;
    s.ndcg /= n;
    s.recall /= n;
    (s, count)
}

/// Mean nDCG@10 over the even- and the odd-numbered judged queries: a
/// dev half to choose settings on and a test half to report.
fn run_halves(b: &mut Built, c: &Collection, make: &dyn Fn(&str) -> Query) -> [f64; 2] {
    let mut sum = [0f64; 2];
    let mut n = [0usize; 2];
    let judged = c.queries.iter().filter_map(|(qid, text)| {
        Some((
            c.qrels.get(qid).filter(|r| r.values().any(|&g| g > 0))?,
            text,
        ))
    });
    for (i, (rel, text)) in judged.enumerate() {
        let ids = ranked_keys(b, &make(text));
        sum[i % 2] += ndcg_at(&ids, rel, 10);
        n[i % 2] += 1;
    }
    [sum[0] / n[0].max(1) as f64, sum[1] / n[1].max(1) as f64]
}

fn query(text: &str) -> Query {
    let q = parse_query(text, Filters::default()).with_limit(100);
    match std::env::var("MCDEWEY_SYNONYM_WEIGHT")
        .ok()
        .and_then(|v| v.parse::<f32>().ok())
    {
        Some(w) => q.with_synonym_weight(w),
        None => q,
    }
}

/// Average cold-query bytes of token shards and partitions (first 100
/// queries, each on a freshly opened index with the vocabulary loaded).
fn byte_costs(b: &Built, c: &Collection) -> (f64, f64, usize) {
    let (mut tok, mut vec, mut n) = (0usize, 0usize, 0usize);
    for (_, text) in c.queries.iter().take(100) {
        let mut fresh = Built {
            files: HashMap::new(),
            index: Index::open(&b.files[MANIFEST_PATH]).expect("opens"),
        };
        fresh.files = b.files.clone();
        if let Some(v) = b.files.get("e/vocab.bin") {
            fresh.index.add_file("e/vocab.bin", v).expect("vocab");
        }
        let (t, v) = load(&mut fresh, &query(text));
        tok += t;
        vec += v;
        n += 1;
    }
    let vocab = b.files.get("e/vocab.bin").map_or(0, Vec::len);
    (
        tok as f64 / n.max(1) as f64,
        vec as f64 / n.max(1) as f64,
        vocab,
    )
}

/// Write each query's lexical and semantic result lists (document id,
/// score) as JSON lines, for exploring fusion rules offline.
fn dump(b: &mut Built, c: &Collection, path: &Path) {
    use std::fmt::Write as _;
    let mut out = String::new();
    for (qid, text) in &c.queries {
        let mut lists = Vec::new();
        for q in [
            query(text).with_limit(1000).with_semantic(false),
            query(text).with_limit(100_000).with_semantic_weight(1.0),
        ] {
            load(b, &q);
            let r = b.index.search(&q).expect("search runs");
            let items: Vec<String> = r
                .hits
                .iter()
                .map(|h| {
                    let d = b.index.document_of(h.ordinal).expect("ordinal");
                    let key = b.index.document(d).expect("docs").key;
                    format!("[{:?},{}]", key, h.score)
                })
                .collect();
            lists.push(items.join(","));
        }
        let rel: Vec<String> = c
            .qrels
            .get(qid)
            .map(|r| r.iter().map(|(d, g)| format!("[{d:?},{g}]")).collect())
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{{\"q\":{qid:?},\"lex\":[{}],\"sem\":[{}],\"rel\":[{}]}}",
            lists[0],
            lists[1],
            rel.join(",")
        );
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).expect("dump directory created");
    }
    std::fs::write(path, out).expect("dump written");
}

/// Optional overrides for parameter exploration.
struct Knobs {
    nprobe: Option<u32>,
    partition: Option<u32>,
    int8: bool,
    only: Option<String>,
    candidates: Option<u32>,
    dump: Option<PathBuf>,
}

fn options(args: &[String]) -> (BuildOptions, Option<PathBuf>, bool, bool, Knobs) {
    let mut o = BuildOptions::default();
    let mut model = None;
    let mut no_model = false;
    let mut grid = false;
    let mut k = Knobs {
        nprobe: None,
        partition: None,
        int8: false,
        only: None,
        candidates: None,
        dump: None,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--model" => model = it.next().map(PathBuf::from),
            "--no-model" => no_model = true,
            "--grid" => grid = true,
            "--int8" => k.int8 = true,
            "--dump" => k.dump = it.next().map(PathBuf::from),
            "--candidates" => k.candidates = it.next().and_then(|v| v.parse().ok()),
            "--only" => k.only = it.next().cloned(),
            "--nprobe" => k.nprobe = it.next().and_then(|v| v.parse().ok()),
            "--partition" => k.partition = it.next().and_then(|v| v.parse().ok()),
            _ => {
                let v: f32 = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("number after flag");
                match a.as_str() {
                    "--k1" => o.ranking.k1 = v,
                    "--b" => o.ranking.body.b = v,
                    "--title-weight" => o.ranking.title.weight = v,
                    "--title-b" => o.ranking.title.b = v,
                    _ => panic!("unknown flag {a}"),
                }
            }
        }
    }
    (o, model, no_model, grid, k)
}

/// A collection's nDCG@10 on its [dev, test] query halves: lexical, then
/// hybrid per weight of the grid.
type Halves = (String, [f64; 2], Vec<[f64; 2]>);

/// Chooses the weight on the dev halves (best mean hybrid/lexical ratio over
/// the IR collections) and reports it on the test halves, next to the
/// shipped default.
fn held_out(weights: &[f32], halves: &[Halves]) {
    if halves.is_empty() {
        return;
    }
    let mean_ratio = |wi: usize, half: usize| {
        halves
            .iter()
            .map(|(_, lex, hyb)| hyb[wi][half] / lex[half].max(1e-9))
            .sum::<f64>()
            / halves.len() as f64
    };
    let best = (0..weights.len())
        .max_by(|&a, &b| mean_ratio(a, 0).total_cmp(&mean_ratio(b, 0)))
        .unwrap_or(0);
    let per: Vec<String> = halves
        .iter()
        .map(|(name, lex, hyb)| format!("{name} {:.3}", hyb[best][1] / lex[1].max(1e-9)))
        .collect();
    println!(
        "held out: w = {} chosen on the even-numbered queries (mean hybrid/lexical {:.3}); on the odd-numbered queries: {}; mean {:.3}",
        weights[best],
        mean_ratio(best, 0),
        per.join(", "),
        mean_ratio(best, 1)
    );
    if let Some(d) = weights.iter().position(|&w| w == DEFAULT_SEMANTIC_WEIGHT) {
        println!(
            "default w = {DEFAULT_SEMANTIC_WEIGHT}: mean hybrid/lexical {:.3} on the even-numbered queries, {:.3} on the odd-numbered",
            mean_ratio(d, 0),
            mean_ratio(d, 1)
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (dir, flags) = match args.first() {
        Some(a) if !a.starts_with("--") => (Some(PathBuf::from(a)), &args[1..]),
        _ => (None, &args[..]),
    };
    let (mut opts, model_path, no_model, grid, knobs) = options(flags);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = dir.unwrap_or_else(|| root.join("../shared/ir"));
    let model_path = model_path.unwrap_or_else(|| root.join("models/minilm-regress-128.mcdm"));
    if !no_model {
        match std::fs::read(&model_path) {
            Ok(bytes) => {
                let m = Model::from_bytes(&bytes).expect("model file reads");
                println!(
                    "model: {} ({} bytes) {:?}",
                    model_path.display(),
                    bytes.len(),
                    m
                );
                let mut s = SemanticOptions::new(Arc::new(m));
                if let Some(n) = knobs.nprobe {
                    s.nprobe = n;
                }
                if let Some(n) = knobs.partition {
                    s.partition_size = n;
                }
                if let Some(n) = knobs.candidates {
                    s.candidates = n;
                }
                if knobs.int8 {
                    s.vectors = VectorEncoding::Int8;
                }
                opts = opts.with_semantic(s);
            }
            Err(e) => println!("no model ({}: {e}): lexical only", model_path.display()),
        }
    }
    println!("IR evaluation ({})", dir.display());
    println!(
        "{:<10} {:>7} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>7}  result",
        "collection",
        "queries",
        "lex nDCG",
        "sem nDCG",
        "hyb nDCG",
        "lex R@10",
        "sem R@10",
        "hyb R@10",
        "hyb/lex"
    );
    let mut colls: Vec<(Collection, Option<f64>)> = FLOORS
        .iter()
        .map(|&(name, floor, _)| (load_ir(&dir.join(name), name), Some(floor)))
        .collect();
    if let Some(h) = load_headings(&dir.join("../corpora/markdown")) {
        colls.push((h, None));
    }
    let weights = [0.1f32, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7];
    let mut failed = false;
    let mut ratios = Vec::new();
    let mut grid_rows: Vec<(String, Vec<f64>)> = Vec::new();
    let mut shape_rows: Vec<String> = Vec::new();
    // Per IR collection: lexical [dev, test] and, per weight, hybrid [dev, test].
    let mut halves: Vec<Halves> = Vec::new();
    for (c, floor) in &colls {
        if knobs.only.as_ref().is_some_and(|o| *o != c.name) {
            continue;
        }
        let start = std::time::Instant::now();
        let mut b = build(c, &opts);
        let built = start.elapsed();
        let lex = run(&mut b, c, &|t| query(t).with_semantic(false));
        let semantic = b.index.has_semantic();
        let (sem, hyb) = if semantic {
            (
                run(&mut b, c, &|t| query(t).with_semantic_weight(1.0)),
                run(&mut b, c, &query),
            )
        } else {
            (Scores::default(), lex)
        };
        if let Some(d) = &knobs.dump {
            dump(&mut b, c, &d.join(format!("{}.jsonl", c.name)));
        }
        let ratio = hyb.ndcg / lex.ndcg.max(1e-9);
        let mut pass = floor.is_none_or(|f| lex.ndcg >= f);
        if floor.is_some() {
            ratios.push(ratio);
            pass &= hyb.ndcg >= lex.ndcg;
        }
        failed |= !pass;
        println!(
            "{:<10} {:>7} {:>8.3} {:>8.3} {:>8.3} {:>8.3} {:>8.3} {:>8.3} {:>7.3}  {}",
            c.name,
            c.queries.len(),
            lex.ndcg,
            sem.ndcg,
            hyb.ndcg,
            lex.recall,
            sem.recall,
            hyb.recall,
            ratio,
            if pass { "pass" } else { "FAIL" }
        );
        if semantic {
            let (tok, vec, vocab) = byte_costs(&b, c);
            let total: usize = b.files.values().map(Vec::len).sum();
            let sem_bytes: usize = b
                .files
                .iter()
                .filter(|(p, _)| p.starts_with("e/") || p.starts_with("v/"))
                .map(|(_, v)| v.len())
                .sum();
            println!(
                "           {} chunks, {} partitions; built in {:.1} s; index {:.0} KB (vectors+table {:.0} KB); vocab {:.0} KB; per query: token shards {:.1} KB, partitions {:.1} KB",
                c.chunks.len(),
                b.index.semantic_settings().map_or(0, |s| s.partitions()),
                built.as_secs_f32(),
                total as f64 / 1024.0,
                sem_bytes as f64 / 1024.0,
                vocab as f64 / 1024.0,
                tok / 1024.0,
                vec / 1024.0
            );
            if grid {
                let row = weights
                    .iter()
                    .map(|&w| run(&mut b, c, &|t| query(t).with_semantic_weight(w)).ndcg)
                    .collect();
                grid_rows.push((c.name.clone(), row));
                for shape in [
                    QueryShape::Exact,
                    QueryShape::Keywords,
                    QueryShape::Question,
                ] {
                    let (lex, n) =
                        run_where(&mut b, c, &|t| query(t).with_semantic(false), Some(shape));
                    if n == 0 {
                        continue;
                    }
                    let cells: Vec<String> = weights
                        .iter()
                        .map(|&w| {
                            let make = |t: &str| query(t).with_semantic_weight(w);
                            format!("{:.3}", run_where(&mut b, c, &make, Some(shape)).0.ndcg)
                        })
                        .collect();
                    shape_rows.push(format!(
                        "  {:<10} {:<8} {n:>5} {:.3} | {}",
                        c.name,
                        format!("{shape:?}"),
                        lex.ndcg,
                        cells.join(" ")
                    ));
                }
                if floor.is_some() {
                    let lex = run_halves(&mut b, c, &|t| query(t).with_semantic(false));
                    let hyb = weights
                        .iter()
                        .map(|&w| run_halves(&mut b, c, &|t| query(t).with_semantic_weight(w)))
                        .collect();
                    halves.push((c.name.clone(), lex, hyb));
                }
            }
        }
    }
    if !ratios.is_empty() {
        println!(
            "mean hybrid/lexical nDCG@10 over the IR collections: {:.3}",
            ratios.iter().sum::<f64>() / ratios.len() as f64
        );
    }
    if grid {
        println!("semantic weight grid (nDCG@10): {weights:?}");
        for (name, row) in grid_rows {
            let cells: Vec<String> = row.iter().map(|x| format!("{x:.3}")).collect();
            println!("  {name:<10} {}", cells.join(" "));
        }
        println!(
            "per query shape: collection, shape, queries, lexical nDCG@10 | hybrid per weight"
        );
        for r in &shape_rows {
            println!("{r}");
        }
        held_out(&weights, &halves);
    }
    if failed {
        std::process::exit(1);
    }
}
