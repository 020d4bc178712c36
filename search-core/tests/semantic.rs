//! Semantic search end to end: the committed model file, embedding
//! determinism, vector files, planning, and hybrid ranking.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use mcdewey_search_core::codec::{open, FileKind};
use mcdewey_search_core::embed::{fingerprint, Model, MODEL_VERSION};
use mcdewey_search_core::*;

fn model() -> Arc<Model> {
    static M: OnceLock<Arc<Model>> = OnceLock::new();
    M.get_or_init(|| committed("minilm-static-128")).clone()
}

fn committed(name: &str) -> Arc<Model> {
    let path = format!("{}/../models/{name}.mcdm", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path} is committed: {e}"));
    Arc::new(Model::from_bytes(&bytes).expect("model reads"))
}

fn chunk(id: &str, document: &str, title: &str, text: &str) -> ChunkInput {
    ChunkInput {
        id: id.into(),
        url: format!("/acme/{document}.html#{id}"),
        title: title.into(),
        vendor: "Acme".into(),
        product: "Contact Center".into(),
        version: "12".into(),
        doc_set: "Guides".into(),
        document: document.into(),
        text: text.into(),
        ..Default::default()
    }
}

fn corpus() -> Vec<ChunkInput> {
    vec![
        chunk("p1", "monitoring", "Monitoring", "A supervisor is unable to capture the conversation of a representative during a shift."),
        chunk("p2", "billing", "Billing", "Invoices are generated on the first business day of each month and sent by email."),
        chunk("p3", "install", "Installation", "Install the server package, then open port 8443 in the firewall before starting the service."),
        chunk("p4", "queues", "Queues", "Routing rules send each incoming contact to the queue with the shortest expected wait."),
        chunk("p5", "reports", "Reports", "Daily reports list handled contacts, abandoned contacts and the average handling time."),
        chunk("p6", "passwords", "Passwords", "Users reset a forgotten password from the sign-in page with a one-time code."),
    ]
}

type Files = HashMap<String, Vec<u8>>;

fn build(chunks: Vec<ChunkInput>, opts: &BuildOptions) -> Files {
    build_index(chunks, opts).unwrap().into_iter().collect()
}

/// Run the browser loop: lexical plan, then semantic plan, until both are
/// empty. Returns every path fetched, in rounds.
fn load(index: &mut Index, files: &Files, q: &Query) -> Vec<Vec<String>> {
    let mut rounds = Vec::new();
    loop {
        let mut need = index.plan(q);
        need.extend(index.plan_semantic(q));
        if need.is_empty() {
            return rounds;
        }
        for p in &need {
            index.add_file(p, &files[p]).unwrap();
        }
        rounds.push(need);
    }
}

fn top_ids(index: &mut Index, files: &Files, q: &Query) -> Vec<String> {
    let r = index.search(q).unwrap();
    let ords: Vec<u32> = r.hits.iter().map(|h| h.ordinal).collect();
    for p in index.fragments_for(&ords) {
        index.add_file(&p, &files[&p]).unwrap();
    }
    ords.iter().map(|&o| index.hit(o, q).unwrap().id).collect()
}

#[test]
fn committed_model_reads_and_is_what_the_readme_says() {
    let m = model();
    assert_eq!(m.dims(), 128);
    assert_eq!(m.quantization(), Quantization::Int8);
    assert_eq!(m.vocab().len(), 29_523);
    assert_eq!(m.info().teacher, "sentence-transformers/all-MiniLM-L6-v2");
    assert_eq!(m.info().licence, "Apache-2.0");
    // Round trip, then corruption and an unknown version are typed errors.
    let bytes = m.to_bytes();
    assert_eq!(&*Model::from_bytes(&bytes).unwrap().to_bytes(), &*bytes);
    let mut bad = bytes.clone();
    let mid = bytes.len() / 2;
    bad[mid] ^= 0x01;
    assert_eq!(Model::from_bytes(&bad).unwrap_err(), FormatError::Checksum);
    let mut newer = bytes.clone();
    newer[4..6].copy_from_slice(&(MODEL_VERSION + 1).to_le_bytes());
    assert!(matches!(
        Model::from_bytes(&newer).unwrap_err(),
        FormatError::UnsupportedVersion { .. }
    ));
    assert_eq!(
        Model::from_bytes(&bytes[..100]).unwrap_err(),
        FormatError::Truncated
    );
}

/// Hybrid ranking of the fixture for "agent cannot record a call" with
/// model `m`, after checking that lexical search alone misses `p1` (the
/// paraphrase with no shared word).
fn paraphrase_ranking(m: Arc<Model>) -> Vec<String> {
    let files = build(corpus(), &BuildOptions::default().with_model(m));
    let mut index = Index::open(&files[MANIFEST_PATH]).unwrap();
    let q = parse_query("agent cannot record a call", Filters::default());
    let lexical = q.clone().with_semantic(false);
    load(&mut index, &files, &lexical);
    assert!(!top_ids(&mut index, &files, &lexical).contains(&"p1".to_string()));
    load(&mut index, &files, &q);
    top_ids(&mut index, &files, &q)
}

#[test]
fn default_contextual_model_reads_and_finds_the_paraphrase() {
    let m = committed("minilm-context-128");
    assert_eq!(m.dims(), 128);
    assert_eq!(m.quantization(), Quantization::Int8);
    // Same vocabulary as the single-token model, other vectors.
    assert_eq!(m.vocab(), model().vocab());
    assert_ne!(
        fingerprint(&m.embed("record")),
        fingerprint(&model().embed("record"))
    );
    assert_eq!(m.info().teacher, "sentence-transformers/all-MiniLM-L6-v2");
    assert_eq!(m.info().licence, "Apache-2.0");
    assert!(m.info().notes.starts_with("tools/distill-contextual:"));
    let bytes = m.to_bytes();
    assert_eq!(&*Model::from_bytes(&bytes).unwrap().to_bytes(), &*bytes);

    let ids = paraphrase_ranking(m);
    assert_eq!(ids.first().map(String::as_str), Some("p1"), "{ids:?}");
}

/// A model trained from the distilled table's rows by `tool` (whose name
/// starts its notes): the same vocabulary, other vectors, and it finds
/// the paraphrase.
fn trained_from_the_distilled_table(name: &str, tool: &str) {
    let m = committed(name);
    assert_eq!(m.dims(), 128);
    assert_eq!(m.quantization(), Quantization::Int8);
    let start = committed("minilm-context-128");
    assert_eq!(m.vocab(), start.vocab());
    assert_ne!(
        fingerprint(&m.embed("record")),
        fingerprint(&start.embed("record"))
    );
    assert_eq!(m.info().teacher, "sentence-transformers/all-MiniLM-L6-v2");
    assert_eq!(m.info().licence, "Apache-2.0");
    assert!(m.info().notes.starts_with(&format!("{tool}:")), "{name}");
    let bytes = m.to_bytes();
    assert_eq!(&*Model::from_bytes(&bytes).unwrap().to_bytes(), &*bytes);

    let ids = paraphrase_ranking(m);
    assert_eq!(
        ids.first().map(String::as_str),
        Some("p1"),
        "{name}: {ids:?}"
    );
}

#[test]
fn default_regressed_model_reads_and_finds_the_paraphrase() {
    trained_from_the_distilled_table("minilm-regress-128", "tools/train-regression");
}

#[test]
fn retrieval_model_reads_and_finds_the_paraphrase() {
    trained_from_the_distilled_table("minilm-retrieval-128", "tools/train-retrieval");
}

#[test]
fn imported_wordllama_model_reads_and_finds_the_paraphrase() {
    let m = committed("wordllama-l2-128");
    assert_eq!(m.dims(), 128);
    assert_eq!(m.quantization(), Quantization::Int8);
    assert_eq!(m.vocab().len(), 20_899);
    assert_eq!(m.info().teacher, "dleemiller/word-llama-l2-supercat");
    assert_eq!(m.info().licence, "MIT");
    let bytes = m.to_bytes();
    assert_eq!(&*Model::from_bytes(&bytes).unwrap().to_bytes(), &*bytes);
    // SentencePiece pieces read as WordPiece ones: `▁get` is `get`, a
    // continuation `item` is `##item`.
    let pieces: Vec<&str> = m
        .token_ids("Get-ChildItem recordings")
        .iter()
        .map(|&i| m.vocab().get(i))
        .collect();
    assert_eq!(pieces, ["get", "-", "child", "##item", "recording", "##s"]);

    let ids = paraphrase_ranking(m);
    // This model puts "handled contacts" (p5) just above the paraphrase in
    // this six-chunk corpus; the generator's site test has it first.
    assert!(ids[..2].contains(&"p1".to_string()), "{ids:?}");
}

#[test]
fn wordpiece_matches_bert_on_known_cases() {
    let m = model();
    let v = m.vocab();
    let pieces = |s: &str| -> Vec<String> {
        m.token_ids(s)
            .iter()
            .map(|&i| v.get(i).to_string())
            .collect()
    };
    assert_eq!(
        pieces("Unaffable recordings"),
        ["una", "##ffa", "##ble", "recordings"]
    );
    assert_eq!(
        pieces("Get-ChildItem"),
        ["get", "-", "child", "##ite", "##m"]
    );
    assert_eq!(pieces("naïve CAFÉ"), ["naive", "cafe"]);
}

#[test]
fn embedding_is_deterministic_and_matches_the_index() {
    let m = model();
    let text = "agent cannot record a call";
    let a = m.embed(text);
    let b = m.embed(text);
    assert_eq!(fingerprint(&a), fingerprint(&b));
    // The same bits on every platform: a wasm build asserts this constant
    // too. (Checked against the HF `tokenizers` BertWordPiece for the
    // pieces used here.)
    assert_eq!(
        fingerprint(&a),
        EXPECTED_FINGERPRINT,
        "{:08x}",
        fingerprint(&a)
    );

    // The query side, from fetched token shards only, gives the bits that
    // the model gives with the index's token weights.
    let files = build(corpus(), &BuildOptions::default().with_model(m.clone()));
    let mut index = Index::open(&files[MANIFEST_PATH]).unwrap();
    let q = parse_query(text, Filters::default());
    assert_eq!(index.query_embedding(&q), None);
    load(&mut index, &files, &q);
    let from_index = index.query_embedding(&q).unwrap();
    let weights = token_weights(&index, &files, &m, text);
    let from_model = m.embed_weighted(text, |id| weights[&id]);
    assert_eq!(fingerprint(&from_index), fingerprint(&from_model));
}

/// Fingerprint of `embed("agent cannot record a call")` with the committed model.
const EXPECTED_FINGERPRINT: u32 = 0x8dd2_f69a;

/// Token weights of `text`'s tokens as stored in the index's token shards.
fn token_weights(index: &Index, files: &Files, m: &Model, text: &str) -> HashMap<u32, f32> {
    let s = index.semantic_settings().unwrap();
    let per = s.rows_per_shard;
    let mut out = HashMap::new();
    for id in m.token_ids(text) {
        let bytes = &files[&format!("e/{}.bin", id / per)];
        let env = open(bytes, FileKind::TokenRows).unwrap();
        // payload: v first · v n · n × f32 weight · rows (README)
        let mut r = codec::Reader::new(env.payload);
        r.varint().unwrap();
        r.varint().unwrap();
        let mut w = 0.0;
        for k in 0..=(id % per) {
            let x = r.f32().unwrap();
            if k == id % per {
                w = x;
            }
        }
        out.insert(id, w);
    }
    out
}

#[test]
fn paraphrase_is_found_only_with_semantic_on() {
    let files = build(corpus(), &BuildOptions::default().with_model(model()));
    let mut index = Index::open(&files[MANIFEST_PATH]).unwrap();
    let q = parse_query("agent cannot record a call", Filters::default());

    let lexical = q.clone().with_semantic(false);
    assert!(index.plan_semantic(&lexical).is_empty());
    load(&mut index, &files, &lexical);
    assert!(!index.semantic_ready(&lexical));
    assert!(!top_ids(&mut index, &files, &lexical).contains(&"p1".to_string()));

    // Lexical results come first: search works before the semantic files.
    let mut fresh = Index::open(&files[MANIFEST_PATH]).unwrap();
    for p in fresh.plan(&q) {
        fresh.add_file(&p, &files[&p]).unwrap();
    }
    assert!(!fresh.semantic_ready(&q));
    let early = fresh.search(&q).unwrap();
    assert!(early.hits.is_empty());

    load(&mut index, &files, &q);
    assert!(index.semantic_ready(&q));
    let ids = top_ids(&mut index, &files, &q);
    assert_eq!(ids.first().map(String::as_str), Some("p1"), "{ids:?}");
}

#[test]
fn lexical_results_are_unchanged_without_a_model_or_with_semantic_off() {
    let plain = build(corpus(), &BuildOptions::default());
    let with = build(corpus(), &BuildOptions::default().with_model(model()));
    for text in ["contacts report", "password", "firewall port"] {
        let q = parse_query(text, Filters::default());
        let mut a = Index::open(&plain[MANIFEST_PATH]).unwrap();
        load(&mut a, &plain, &q);
        let mut b = Index::open(&with[MANIFEST_PATH]).unwrap();
        let off = q.clone().with_semantic(false);
        load(&mut b, &with, &off);
        assert_eq!(a.search(&q).unwrap().hits, b.search(&off).unwrap().hits);
        // A weight of 0 is lexical too.
        let zero = q.clone().with_semantic_weight(0.0);
        assert_eq!(a.search(&q).unwrap().hits, b.search(&zero).unwrap().hits);
    }
}

/// A bigger corpus: 240 chunks over 12 topics.
fn topics() -> Vec<ChunkInput> {
    let subjects = [
        "recording phone calls",
        "sending invoices",
        "installing the server",
        "routing contacts to queues",
        "daily reports",
        "resetting passwords",
        "encrypting backups",
        "configuring single sign-on",
        "exporting data to csv",
        "monitoring disk usage",
        "upgrading the database",
        "translating the user interface",
    ];
    let mut out = Vec::new();
    for (t, s) in subjects.iter().enumerate() {
        for k in 0..20 {
            out.push(chunk(
                &format!("t{t}-{k}"),
                &format!("doc{t}"),
                &format!("Guide to {s}"),
                &format!("Step {k} of {s}: read this part carefully before you continue with {s}."),
            ));
        }
    }
    out
}

#[test]
fn planning_fetches_only_the_needed_token_shards_and_partitions() {
    let m = model();
    let mut s = SemanticOptions::new(m.clone());
    s.partition_size = 20;
    s.nprobe = 2;
    s.rows_per_shard = 64;
    let files = build(topics(), &BuildOptions::default().with_semantic(s));
    let mut index = Index::open(&files[MANIFEST_PATH]).unwrap();
    let settings = index.semantic_settings().unwrap().clone();
    assert!(settings.partitions() >= 6, "{}", settings.partitions());
    let text = "how do I encrypt a backup";
    let q = parse_query(text, Filters::default());

    // Round 1: the vocabulary and the partitions' centroids (once per
    // session; the manifest does not carry them).
    assert_eq!(
        index.plan_semantic(&q),
        vec![VOCAB_PATH.to_string(), CENTROIDS_PATH.to_string()]
    );
    index.add_file(VOCAB_PATH, &files[VOCAB_PATH]).unwrap();
    index
        .add_file(CENTROIDS_PATH, &files[CENTROIDS_PATH])
        .unwrap();
    // Round 2: exactly the token shards of the query's WordPieces.
    let mut want: Vec<String> = m
        .token_ids(text)
        .iter()
        .map(|id| format!("e/{}.bin", id / 64))
        .collect();
    want.sort();
    want.dedup();
    let mut got = index.plan_semantic(&q);
    got.sort();
    assert_eq!(got, want);
    for p in &got {
        index.add_file(p, &files[p]).unwrap();
    }
    // Round 3: nprobe partitions.
    let parts = index.plan_semantic(&q);
    assert_eq!(parts.len(), 2, "{parts:?}");
    assert!(parts.iter().all(|p| p.starts_with("v/")));
    for p in &parts {
        index.add_file(p, &files[p]).unwrap();
    }
    assert!(index.plan_semantic(&q).is_empty());
    for p in index.plan(&q) {
        index.add_file(&p, &files[&p]).unwrap();
    }
    let ids = top_ids(&mut index, &files, &q);
    assert!(ids[0].starts_with("t6-"), "{ids:?}");

    // A server that loads everything gets the same ranking.
    let mut server = Index::open(&files[MANIFEST_PATH]).unwrap();
    server
        .add_all(|p| Ok::<_, FormatError>(files[p].clone()))
        .unwrap();
    // Per-document counts need the document blocks of every result,
    // which only the server holds; everything else is the same.
    let (mut a, b) = (server.search(&q).unwrap(), index.search(&q).unwrap());
    assert!(!a.facets.document.is_empty() && b.facets.document.is_empty());
    a.facets.document.clear();
    assert_eq!(a, b);
}

#[test]
fn vector_files_are_sealed_and_checked() {
    let files = build(topics(), &BuildOptions::default().with_model(model()));
    let mut index = Index::open(&files[MANIFEST_PATH]).unwrap();
    let kinds = [
        ("e/vocab.bin", FileKind::Vocab),
        ("e/centroids.bin", FileKind::Centroids),
        ("e/0.bin", FileKind::TokenRows),
        ("v/0.bin", FileKind::Vectors),
    ];
    for (path, kind) in kinds {
        open(&files[path], kind).unwrap();
        let mut bad = files[path].clone();
        bad[20] ^= 0x40;
        assert_eq!(
            index.add_file(path, &bad).unwrap_err(),
            FormatError::Checksum
        );
        index.add_file(path, &files[path]).unwrap();
    }
    // A token shard under another shard's path is rejected.
    assert!(index.add_file("e/1.bin", &files["e/0.bin"]).is_err());
    assert!(index.add_file("v/999.bin", &files["v/0.bin"]).is_err());
    // An index without a model has no vector paths.
    let plain = build(topics(), &BuildOptions::default());
    let mut p = Index::open(&plain[MANIFEST_PATH]).unwrap();
    assert!(!p.has_semantic());
    assert!(p.add_file(VOCAB_PATH, &files[VOCAB_PATH]).is_err());
    assert!(!p
        .all_files()
        .iter()
        .any(|f| f.starts_with("e/") || f.starts_with("v/")));
}

#[test]
fn queries_of_code_words_alone_rank_by_their_lexical_scores() {
    let mut chunks = corpus();
    chunks.push(chunk(
        "c1",
        "errors",
        "Error codes",
        "E0729 means the recording target did not answer; RG-1042 follows.",
    ));
    chunks.push(chunk(
        "c2",
        "logs",
        "Logs",
        "A supervisor sees E0729 in the log when a representative's call is not captured.",
    ));
    let files = build(chunks, &BuildOptions::default().with_model(model()));
    let mut index = Index::open(&files[MANIFEST_PATH]).unwrap();
    let q = parse_query("E0729 RG-1042", Filters::default());
    assert!(q.only_code_words());
    assert_eq!(index.semantic_weight(&q), 0.0);
    // No semantic file is fetched, and the order is the lexical one.
    let rounds = load(&mut index, &files, &q);
    assert!(
        !rounds
            .concat()
            .iter()
            .any(|f| f.starts_with("e/") || f.starts_with("v/")),
        "{rounds:?}"
    );
    let lexical = q.clone().with_semantic(false);
    assert_eq!(
        top_ids(&mut index, &files, &q),
        top_ids(&mut index, &files, &lexical)
    );
    // A content word beside the code brings the semantic half back.
    let mixed = parse_query("E0729 supervisor", Filters::default());
    assert!(index.semantic_weight(&mixed) > 0.0);
}

#[test]
fn semantic_weight_follows_the_query_shape() {
    let files = build(corpus(), &BuildOptions::default().with_model(model()));
    let mut index = Index::open(&files[MANIFEST_PATH]).unwrap();
    let base = index.semantic_settings().unwrap().weight;
    for (text, shape) in [
        ("E0729 on start", QueryShape::Exact),
        ("password reset", QueryShape::Keywords),
        ("how can an agent record a call", QueryShape::Question),
    ] {
        let q = parse_query(text, Filters::default());
        assert_eq!(q.shape(), shape, "{text}");
        assert_eq!(index.semantic_weight(&q), shape_weight(base, shape));
        // The blend uses that weight: the same order as asking for it
        // (an explicit weight is kept in thousandths).
        load(&mut index, &files, &q);
        let explicit = q.clone().with_semantic_weight(shape_weight(base, shape));
        load(&mut index, &files, &explicit);
        let order = |q: &Query| -> Vec<u32> {
            index
                .search(q)
                .unwrap()
                .hits
                .iter()
                .map(|h| h.ordinal)
                .collect()
        };
        assert_eq!(order(&q), order(&explicit), "{text}");
        // An explicit weight wins; semantic off is 0.
        assert_eq!(
            index.semantic_weight(&q.clone().with_semantic_weight(0.7)),
            0.7
        );
        assert_eq!(index.semantic_weight(&q.clone().with_semantic(false)), 0.0);
    }
    // Each shape's factor is what the table says.
    for (shape, f) in SHAPE_FACTORS {
        assert_eq!(shape_weight(0.4, shape), (0.4 * f).clamp(0.0, 1.0));
    }
}

/// A site with nothing to publish builds an index (lexical and semantic)
/// that opens and answers every query with no results, instead of the
/// k-means seeding indexing into an empty sample.
#[test]
fn empty_collection_builds_and_searches() {
    for semantic in [false, true] {
        let opts = BuildOptions {
            semantic: semantic.then(|| SemanticOptions::new(model())),
            ..Default::default()
        };
        let files = build(Vec::new(), &opts);
        let mut index = Index::open(&files["manifest.bin"]).expect("empty manifest opens");
        assert_eq!(index.chunk_count(), 0);
        let q = parse_query("recording", Filters::default()).with_semantic(semantic);
        load(&mut index, &files, &q);
        let result = index.search(&q).expect("search of an empty index");
        assert!(result.hits.is_empty(), "semantic={semantic}");
    }
}

/// The fixture and 1,200 more chunks of words spread over the table's
/// vocabulary, so that the fitted map sees every direction of the table
/// (with a few repeated words, the fixture's own words would be fitted by
/// their six chunks alone).
fn teacher_corpus(m: &Model) -> Vec<ChunkInput> {
    let words: Vec<&str> = m
        .vocab()
        .iter()
        .filter(|t| t.len() > 3 && t.chars().all(|c| c.is_ascii_lowercase()))
        .step_by(7)
        .collect();
    let mut chunks = corpus();
    for i in 0..1200usize {
        let text: Vec<&str> = (0..8)
            .map(|k| words[(i * 8 + k * 131) % words.len()])
            .collect();
        chunks.push(chunk(
            &format!("f{i}"),
            &format!("notes-{}", i % 20),
            "Notes",
            &text.join(" "),
        ));
    }
    chunks
}

/// "Transformer" vectors for a test: each chunk's table vector written
/// twice, scaled (an isometry into 256 dimensions), taken from the chunk
/// `source` names for it.
fn teacher_vectors(
    m: &Model,
    chunks: &[ChunkInput],
    source: impl Fn(&str) -> String,
) -> TeacherVectors {
    let text: HashMap<&str, String> = chunks
        .iter()
        .map(|c| (c.id.as_str(), embedding_text(c)))
        .collect();
    let by_id = chunks
        .iter()
        .map(|c| {
            let v = m.embed(&text[source(&c.id).as_str()]);
            let lifted = v
                .iter()
                .map(|x| 0.6 * x)
                .chain(v.iter().map(|x| 0.8 * x))
                .collect();
            (c.id.clone(), lifted)
        })
        .collect();
    TeacherVectors { dims: 256, by_id }
}

/// With teacher vectors the chunk side is theirs (swapping two chunks'
/// vectors swaps which one a semantic query finds), the query table is the
/// aligned one (its name says so), and a missing or misshapen vector is an
/// error that names the chunk.
#[test]
fn teacher_vectors_drive_the_chunk_side() {
    let m = committed("minilm-regress-128");
    let chunks = teacher_corpus(&m);
    let semantic_top = |t: TeacherVectors| {
        let mut s = SemanticOptions::new(m.clone());
        s.teacher = Some(Arc::new(t));
        let files = build(chunks.clone(), &BuildOptions::default().with_semantic(s));
        let mut index = Index::open(&files[MANIFEST_PATH]).unwrap();
        let name = index.semantic_settings().unwrap().model_name.clone();
        assert_eq!(name, "minilm-regress-128+aligned");
        let q = parse_query(
            "install the package then open port 8443",
            Filters::default(),
        )
        .with_semantic_weight(1.0);
        load(&mut index, &files, &q);
        top_ids(&mut index, &files, &q)
    };
    let own = semantic_top(teacher_vectors(&m, &chunks, |id| id.to_string()));
    assert_eq!(own.first().map(String::as_str), Some("p3"), "{own:?}");
    let swapped = semantic_top(teacher_vectors(&m, &chunks, |id| {
        match id {
            "p3" => "p6",
            "p6" => "p3",
            other => other,
        }
        .to_string()
    }));
    assert_eq!(
        swapped.first().map(String::as_str),
        Some("p6"),
        "{swapped:?}"
    );

    let mut missing = teacher_vectors(&m, &chunks, |id| id.to_string());
    missing.by_id.remove("f7");
    let mut s = SemanticOptions::new(m.clone());
    s.teacher = Some(Arc::new(missing));
    let e = build_index(chunks.clone(), &BuildOptions::default().with_semantic(s)).unwrap_err();
    assert!(e.to_string().contains("no vector for chunk f7"), "{e}");
    let mut short = teacher_vectors(&m, &chunks, |id| id.to_string());
    short.by_id.get_mut("p2").unwrap().pop();
    let mut s = SemanticOptions::new(m.clone());
    s.teacher = Some(Arc::new(short));
    let e = build_index(chunks.clone(), &BuildOptions::default().with_semantic(s)).unwrap_err();
    assert!(
        e.to_string()
            .contains("chunk p2 has 255 values, expected 256"),
        "{e}"
    );
    let mut s = SemanticOptions::new(m.clone());
    s.teacher = Some(Arc::new(teacher_vectors(&m, &chunks[..600], |id| {
        id.to_string()
    })));
    let few = chunks[..600].to_vec();
    let e = build_index(few, &BuildOptions::default().with_semantic(s)).unwrap_err();
    assert!(
        e.to_string()
            .contains("too few distinct chunks to fit the map (600; at least 1024)"),
        "{e}"
    );
}
