//! Ranking behaviour on the fixture corpus, through the planned (browser) path.

mod common;

use common::*;
use mcdewey_search_core::*;

fn none() -> Filters {
    Filters::default()
}

fn files() -> Files {
    build(fixture(), &BuildOptions::default())
}

fn pos(ids: &[String], id: &str) -> usize {
    ids.iter()
        .position(|x| x == id)
        .unwrap_or_else(|| panic!("{id} not in {ids:?}"))
}

#[test]
fn title_match_beats_body_mention() {
    let r = ids(&files(), "recording ", none());
    assert!(pos(&r, "acme-rec-1") < pos(&r, "acme-admin-1"), "{r:?}");
    assert!(pos(&r, "acme-rec-2") < pos(&r, "acme-admin-1"), "{r:?}");
}

#[test]
fn quoted_phrase_requires_adjacency() {
    let f = files();
    assert_eq!(ids(&f, "\"quick brown fox\"", none()), vec!["globex-1"]);
    // Unquoted, both fox chunks match.
    let loose = ids(&f, "quick brown fox ", none());
    assert!(loose.contains(&"globex-2".to_string()) && loose.contains(&"globex-1".to_string()));
    // Stop words inside a phrase keep their slot.
    assert_eq!(
        ids(&f, "\"jumps over the lazy dog\"", none()),
        vec!["globex-1"]
    );
    // Out of order, the phrase matches nothing: the results are its words
    // anywhere, flagged as such.
    let mut index = Index::open(&f[MANIFEST_PATH]).unwrap();
    let q = parse_query("\"jumps the over lazy dog\"", none());
    run_planned(&mut index, &f, &q);
    assert!(index.search(&q).unwrap().phrases_relaxed);
    // Phrases over identifier parts line up with the parts' positions.
    assert_eq!(ids(&f, "\"start recording\"", none()), vec!["acme-rec-2"]);
    assert_eq!(ids(&f, "\"media server\"", none()), vec!["acme-rec-2"]);
}

#[test]
fn last_word_is_a_prefix_while_typing() {
    let f = files();
    assert_eq!(ids(&f, "maint", none())[0], "globex-3");
    let r = ids(&f, "recor", none());
    assert!(r.contains(&"acme-rec-1".to_string()) && r.contains(&"acme-admin-1".to_string()));
    // Past the stem: "recordi" still reaches "record".
    assert!(ids(&f, "recordi", none()).contains(&"acme-rec-1".to_string()));
    // A finished word (trailing space) is not expanded (and "reco" is too
    // short for typo correction).
    assert!(ids(&f, "reco ", none()).is_empty());
    assert!(!ids(&f, "reco", none()).is_empty());
}

#[test]
fn prefix_matches_rank_below_exact_matches() {
    // "maintenance" (stem "mainten") is exact in globex-3; "mainte" reaches
    // it only by prefix expansion, at a lower weight.
    let f = files();
    let score = |text: &str| {
        let mut index = Index::open(&f[MANIFEST_PATH]).unwrap();
        let q = parse_query(text, none());
        run_planned(&mut index, &f, &q);
        index.search(&q).unwrap().hits[0].score
    };
    let exact = score("maintenance ");
    let prefix = score("mainte");
    assert!(exact > prefix && prefix > 0.0, "{exact} {prefix}");
}

#[test]
fn typo_tolerance_never_beats_exact() {
    let f = files();
    // The misspelling exists once: its chunk comes first, corrections after.
    let r = ids(&f, "storrage ", none());
    assert_eq!(r[0], "globex-3", "{r:?}");
    assert!(r.contains(&"acme-admin-1".to_string()), "{r:?}");
    // A misspelling that is not indexed is corrected.
    let r = ids(&f, "storaeg ", none());
    assert!(
        r.contains(&"acme-admin-1".to_string()) && r.contains(&"globex-4".to_string()),
        "{r:?}"
    );
    // A frequent exact word is not "corrected" to a rarer one.
    let r = ids(&f, "storage ", none());
    assert!(!r.contains(&"globex-3".to_string()), "{r:?}");
    // Short words get no corrections.
    assert!(ids(&f, "dgo ", none()).is_empty());
}

#[test]
fn identifiers_and_numbers_are_findable() {
    let f = files();
    for (q, want) in [
        ("START_RECORDING ", "acme-rec-2"),
        ("start_recording ", "acme-rec-2"),
        ("StartRecording ", "acme-rec-2"),
        ("E0729 ", "acme-rec-2"),
        ("targetMediaAddress ", "acme-rec-2"),
        ("12.5(1) ", "acme-admin-2"),
        ("12.5 ", "acme-admin-2"),
        ("TLS1.3 ", "acme-admin-2"),
        ("tls ", "acme-admin-2"),
        ("u32 ", "acme-admin-2"),
        ("Get-ChildItem ", "globex-1"),
        ("childitem ", "globex-1"),
    ] {
        let r = ids(&f, q, none());
        assert_eq!(
            r.first().map(String::as_str),
            Some(want),
            "query {q:?}: {r:?}"
        );
    }
}

#[test]
fn filters_restrict_to_facet_ranges() {
    let f = files();
    let globex = Filters {
        vendor: vec!["Globex".into()],
        ..none()
    };
    assert!(ids(&f, "guide ", globex).is_empty());
    let v2 = Filters {
        version: vec!["2.0".into()],
        ..none()
    };
    let r = ids(&f, "appliance storage recording ", v2);
    assert!(r.contains(&"globex-3".to_string()) && r.contains(&"acme-admin-1".to_string()));
    assert!(!r.contains(&"acme-admin-2".to_string()));
    let doc = Filters {
        document: vec!["install".into()],
        ..none()
    };
    assert_eq!(ids(&f, "appliance ", doc), vec!["globex-4"]);
    let unknown = Filters {
        product: vec!["Nope".into()],
        ..none()
    };
    assert!(ids(&f, "appliance ", unknown).is_empty());
}

#[test]
fn facet_counts_come_from_all_matches() {
    let f = files();
    let index = load_all(&f);
    let r = index
        .search(&parse_query("appliance ", none()).with_limit(1))
        .unwrap();
    assert_eq!(r.total, 2);
    assert_eq!(r.hits.len(), 1);
    assert_eq!(r.facets.vendor, vec![("Globex".to_string(), 2)]);
    assert_eq!(r.facets.version, vec![("2.0".to_string(), 2)]);
    let docs: Vec<String> = r
        .facets
        .document
        .iter()
        .map(|&(d, c)| format!("{}={c}", index.document(d).unwrap().key))
        .collect();
    assert_eq!(docs, vec!["install=1", "ops-manual=1"]);
    let facets = index.facets();
    assert_eq!(facets.vendor, vec!["Acme", "Globex"]);
    assert_eq!(facets.version, vec!["1.0", "12.5", "2.0"]);
    // A document key under two versions is two documents.
    assert_eq!(facets.documents.len(), 6);
    let globex = facets
        .tree
        .iter()
        .position(|n| n.value == "Globex")
        .unwrap();
    let widget = facets.tree.iter().find(|n| n.value == "Widget").unwrap();
    assert_eq!(widget.parent, Some(globex));
    assert_eq!((widget.start, widget.end), (4, 8));
}

#[test]
fn hits_carry_display_data_and_highlights() {
    let f = files();
    let index = load_all(&f);
    let q = parse_query("media ", none());
    let r = index.search(&q).unwrap();
    let hit = index.hit(r.hits[0].ordinal, &q).unwrap();
    assert_eq!(hit.id, "acme-rec-2");
    assert_eq!(
        (
            hit.vendor.as_str(),
            hit.product.as_str(),
            hit.version.as_str()
        ),
        ("Acme", "Rocket", "2.0")
    );
    let marked: Vec<&str> = hit
        .snippet
        .highlights
        .iter()
        .map(|&(a, b)| &hit.snippet.text[a..b])
        .collect();
    assert_eq!(marked, vec!["Media", "media"]);
    let q = parse_query("recording guide", none());
    let r = index.search(&q).unwrap();
    let hit = index.hit(r.hits[0].ordinal, &q).unwrap();
    let t: Vec<&str> = hit
        .title_highlights
        .iter()
        .map(|&(a, b)| &hit.title[a..b])
        .collect();
    assert_eq!(t, vec!["Recording", "Guide"]);
}

#[test]
fn cold_query_plans_converge_in_few_rounds() {
    let f = files();
    for text in [
        "recor",
        "\"quick brown fox\" maint",
        "storaeg ",
        "StartRecording ",
    ] {
        let mut index = Index::open(&f[MANIFEST_PATH]).unwrap();
        let q = parse_query(text, none());
        let (rounds, _) = run_planned(&mut index, &f, &q);
        assert!(rounds <= 2, "{text}: {rounds} rounds");
        assert!(index.search(&q).is_ok());
    }
}

#[test]
fn search_before_plan_reports_missing_files() {
    let f = files();
    let index = Index::open(&f[MANIFEST_PATH]).unwrap();
    let q = parse_query("fox ", none());
    match index.search(&q) {
        Err(SearchError::NotLoaded(p)) => assert_eq!(p, index.plan(&q)),
        other => panic!("{other:?}"),
    }
    match index.hit(0, &q) {
        Err(SearchError::NotLoaded(p)) => assert_eq!(p, vec!["f/0.bin"]),
        other => panic!("{other:?}"),
    }
}

/// Chunks for the question-phrasing, phrase-fallback and prior cases.
fn questions_fixture() -> Vec<ChunkInput> {
    let c = |id: &str, doc: &str, title: &str, version: &str, text: &str| {
        chunk(id, ["Acme", "Vault", version], doc, title, &[], text)
    };
    vec![
        c("forum-1", "forum", "Forum digest", "2.0",
            "How do I ask? What do I do when I have to ask how, and why would you? Keys are mentioned once."),
        c("keys-1", "keys", "Key rotation", "2.0",
            "Rotate the signing keys every 90 days with the rotate command."),
        c("sql-1", "query-language", "Query language", "2.0",
            "A WHERE clause filters rows; a comparison with NULL uses IS NULL."),
        c("sql-2", "joins", "Joins", "2.0",
            "Where the join clause is omitted, every row matches."),
        c("ref-1", "cli/sealing", "Sealing", "2.0",
            "The ThrottleLimit option caps how many unseal requests run at once."),
        c("notes-1", "release-notes", "Release notes 2.0", "2.0",
            "ThrottleLimit: new option. ThrottleLimit defaults to 5. ThrottleLimit replaces MaxRequests."),
        c("notes-2", "whats-new", "What's new in 1.0", "1.0",
            "ThrottleLimit was introduced for sealing."),
    ]
}

#[test]
fn question_phrasing_does_not_drown_content_words() {
    let f = build(questions_fixture(), &BuildOptions::default());
    // The forum chunk matches how/do/I/keys, the answer only rotate/keys.
    let r = ids(&f, "how do I rotate keys?", none());
    assert_eq!(r[0], "keys-1", "{r:?}");
    // The same words typed as code (capitals) are content: then the
    // chunk with more of them wins, which is what phrasing used to do.
    let caps = ids(&f, "HOW DO WHY rotate keys?", none());
    assert_eq!(caps[0], "forum-1", "{caps:?}");
    // A query of phrasing words only still searches for them.
    assert_eq!(ids(&f, "why would you", none())[0], "forum-1");
    // SQL in capitals is content: WHERE is not a question word here.
    let sql = ids(&f, "WHERE clause IS NULL", none());
    assert_eq!(sql[0], "sql-1", "{sql:?}");
}

#[test]
fn quoted_phrase_that_matches_nothing_falls_back_to_its_words() {
    let f = files();
    let search = |text: &str, filters: Filters| {
        let mut index = Index::open(&f[MANIFEST_PATH]).unwrap();
        let q = parse_query(text, filters);
        run_planned(&mut index, &f, &q);
        index.search(&q).unwrap()
    };
    let exact = search("\"quick brown fox\"", none());
    assert!(!exact.phrases_relaxed);
    assert_eq!(exact.hits.len(), 1);
    // No chunk has this phrase: its words still find both fox chunks.
    let relaxed = search("\"quick purple fox\" \"brown dog\"", none());
    assert!(relaxed.phrases_relaxed);
    assert_eq!(relaxed.total, 2, "{relaxed:?}");
    assert_eq!(ids(&f, "\"quick purple fox\"", none()).len(), 2);
    // The phrase exists, but not within the filter: relaxed there.
    let v2 = Filters {
        version: vec!["2.0".into()],
        ..none()
    };
    let filtered = search("\"lazy dog\" appliance", v2);
    assert!(filtered.phrases_relaxed);
    assert!(filtered.total > 0);
}

#[test]
fn release_notes_rank_below_the_reference_page() {
    let f = build(questions_fixture(), &BuildOptions::default());
    let v2 = || Filters {
        version: vec!["2.0".into()],
        ..none()
    };
    // The notes name the option three times in a short chunk; the
    // reference page explains it once.
    let r = ids(&f, "ThrottleLimit", v2());
    assert_eq!(r[..2], ["ref-1", "notes-1"], "{r:?}");
    assert_eq!(ids(&f, "ThrottleLimit", none())[0], "ref-1");
    // Asking about changes ranks the notes as they are.
    let asked = ids(&f, "what's new ThrottleLimit", v2());
    assert_eq!(asked[0], "notes-1", "{asked:?}");
}

#[test]
fn repeated_and_unknown_words_do_not_change_the_ranking() {
    // A word repeated many times is one clause, and words the index lacks
    // add nothing: a long query ranks as its distinct known words do.
    let f = files();
    let short = ids(&f, "recording media ", none());
    assert!(!short.is_empty());
    let mut long = String::new();
    for i in 0..5000 {
        long.push_str(if i % 2 == 0 { "recording " } else { "media " });
        long.push_str(&format!("zq{i}x "));
    }
    assert_eq!(ids(&f, &long, none()), short);
    // Phrases whose words are also free words, many times over.
    let phrased = format!("{long} \"recording\" \"media\"");
    assert_eq!(
        ids(&f, &phrased, none()),
        ids(&f, "recording media \"recording\" \"media\"", none())
    );
}

/// Scores are summed in buffers kept between the searches of a thread: a
/// search must leave nothing behind for the next one, on the same index or
/// on one of another size.
#[test]
fn searches_in_a_row_rank_as_a_first_search_does() {
    let big = load_all(&files());
    let small_files = build(
        fixture().into_iter().take(3).collect(),
        &BuildOptions::default(),
    );
    let small = load_all(&small_files);
    let queries = [
        "recording ",
        "quick brown fox ",
        "recor",
        "\"quick brown fox\"",
        "\"jumps the over lazy dog\"",
        "maint",
        "media server recording ",
    ];
    // Each query on a thread of its own: buffers that were never used.
    let fresh = |index: &Index, text: &str| {
        std::thread::scope(|s| {
            s.spawn(|| index.search(&parse_query(text, none())).unwrap())
                .join()
                .unwrap()
        })
    };
    for round in 0..2 {
        for text in queries {
            for index in [&big, &small] {
                let q = parse_query(text, none());
                let r = index.search(&q).unwrap();
                assert_eq!(r, fresh(index, text), "{text:?}, round {round}");
                // Scores are compared bit for bit, not within a tolerance.
                let bits =
                    |r: &SearchResult| r.hits.iter().map(|h| h.score.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&r), bits(&fresh(index, text)), "{text:?}");
                let (with, terms) = index.search_with_terms(&q).unwrap();
                assert_eq!(with, r, "{text:?}");
                assert_eq!(terms, index.matched_terms(&q), "{text:?}");
            }
        }
    }
}

/// Chunks for the thesaurus, operator and special-name cases.
fn vocabulary_fixture() -> Vec<ChunkInput> {
    let c = |id: &str, doc: &str, text: &str| {
        chunk(id, ["Acme", "Shell", "1.0"], doc, "Reference", &[], text)
    };
    vec![
        c("del-file", "a", "Delete the file when the job ends."),
        c("copy-file", "b", "Copy the file when the job ends."),
        c("rm-file", "c", "Remove the file when the job ends."),
        c(
            "ops",
            "d",
            "The // operator divides and rounds down; ** raises to a power.",
        ),
        c(
            "division",
            "e",
            "Division of whole numbers gives a float; see the operators page.",
        ),
        c(
            "package",
            "f",
            "A folder with an __init__.py file is a package; its __init__ runs first.",
        ),
        c(
            "config",
            "g",
            "Call init to set the configuration up, then init the server.",
        ),
    ]
}

/// Search the browser's way on an index of many small term shards, and
/// check the server's way (every file loaded) ranks the same.
fn vocabulary_search(text: &str, synonyms: f32) -> Vec<(String, f32)> {
    vocabulary_search_in(text, synonyms, synonyms::SynonymSettings::default())
}

fn vocabulary_search_in(
    text: &str,
    synonyms: f32,
    thesaurus: synonyms::SynonymSettings,
) -> Vec<(String, f32)> {
    let opts = BuildOptions {
        synonyms: thesaurus,
        ..BuildOptions::default()
    };
    let q = parse_query(text, none()).with_synonym_weight(synonyms);
    small_shards_search(vocabulary_fixture(), opts, &q)
}

/// Search the browser's way on an index of `chunks` with many small term
/// shards, check the server's way ranks the same, and give each hit's id
/// and score.
fn small_shards_search(
    chunks: Vec<ChunkInput>,
    opts: BuildOptions,
    q: &Query,
) -> Vec<(String, f32)> {
    let opts = BuildOptions {
        shard_target_bytes: 64,
        ..opts
    };
    let f = build(chunks, &opts);
    let mut index = Index::open(&f[MANIFEST_PATH]).unwrap();
    run_planned(&mut index, &f, q);
    let r = index.search(q).expect("planned files suffice");
    // Document facets wait for document blocks the browser fetches later.
    assert_eq!(r.hits, load_all(&f).search(q).unwrap().hits, "{q:?}");
    let ords: Vec<u32> = r.hits.iter().map(|h| h.ordinal).collect();
    for p in index.fragments_for(&ords) {
        index.add_file(&p, &f[&p]).unwrap();
    }
    r.hits
        .iter()
        .map(|h| (index.hit(h.ordinal, q).unwrap().id, h.score))
        .collect()
}

#[test]
fn a_word_finds_what_the_manual_calls_otherwise() {
    let r = vocabulary_search("delete file", 0.5);
    let ids: Vec<&str> = r.iter().map(|(id, _)| id.as_str()).collect();
    // The word itself first, then its alternative, then the file alone.
    assert_eq!(ids[..3], ["del-file", "rm-file", "copy-file"], "{r:?}");
    // Without the thesaurus "remove" is just another chunk about files.
    let off = vocabulary_search("delete file", 0.0);
    let score = |id: &str| off.iter().find(|(i, _)| i == id).unwrap().1;
    assert_eq!(score("rm-file"), score("copy-file"), "{off:?}");
    // A quoted word names exactly what it wants.
    let quoted = vocabulary_search("\"delete\" file", 0.5);
    assert_eq!(quoted.len(), 1, "{quoted:?}");
    // And so does an identifier.
    let code = vocabulary_search("delete_file file", 0.5);
    let score = |id: &str| code.iter().find(|(i, _)| i == id).unwrap().1;
    assert_eq!(score("rm-file"), score("copy-file"), "{code:?}");
}

#[test]
fn operators_and_special_names_are_searchable() {
    let ops = vocabulary_search("what does // do", 0.5);
    assert_eq!(ops.len(), 1, "{ops:?}");
    assert_eq!(ops[0].0, "ops");
    assert_eq!(vocabulary_search(":= or **", 0.5)[0].0, "ops");
    // The special name beats a chunk that says the plain word twice; the
    // plain word still finds both.
    let dunder = vocabulary_search("__init__", 0.5);
    assert_eq!(dunder[0].0, "package", "{dunder:?}");
    let plain = vocabulary_search("init", 0.5);
    assert_eq!(plain.len(), 2, "{plain:?}");
    assert_eq!(vocabulary_search("__init__.py", 0.5)[0].0, "package");
}

#[test]
fn a_site_thesaurus_adds_words_and_can_turn_the_built_in_one_off() {
    let site = |builtin: bool| synonyms::SynonymSettings {
        builtin,
        site: vec![("vault".into(), vec!["package".into()])],
    };
    let score = |r: &[(String, f32)], id: &str| r.iter().find(|(i, _)| i == id).map(|x| x.1);
    // The site's word finds the chunk that says it otherwise.
    let r = vocabulary_search_in("vault", 0.5, site(true));
    assert_eq!(r.len(), 1, "{r:?}");
    assert_eq!(r[0].0, "package");
    assert!(vocabulary_search("vault", 0.5).is_empty());
    // With the built-in thesaurus off, "remove" is just another file chunk.
    let off = vocabulary_search_in("delete file", 0.5, site(false));
    assert_eq!(score(&off, "rm-file"), score(&off, "copy-file"), "{off:?}");
    let on = vocabulary_search_in("delete file", 0.5, site(true));
    assert!(score(&on, "rm-file") > score(&on, "copy-file"), "{on:?}");
}

/// Chunks of four products for the cases of a query that names one.
fn products_fixture() -> Vec<ChunkInput> {
    let c = |id: &str, product: &str, text: &str| {
        chunk(id, ["Org", product, "1"], id, "Page", &[], text)
    };
    vec![
        c("py-abc", "python", "Abstract base classes: the abc module lets a class declare methods its subclasses define."),
        c("py-intro", "python", "The python command starts the interpreter."),
        c("py-venv", "python", "Create a virtual environment for each python project."),
        c("py-file", "python", "Read a file line by line by looping over the file object."),
        c("cm-abstract", "cmake", "ABSTRACT marks a source abstract: an abstract class file is not compiled."),
        c("cm-find", "cmake", "FindPython locates a python interpreter for the build."),
        c("cm-file", "cmake", "file(STRINGS) reads a file line by line into a list."),
        c("cm-mkdir", "cmake", "file(MAKE_DIRECTORY) creates a directory recursively; make a directory before copying."),
        c("cm-make", "cmake", "Generators write files that make or ninja run."),
        c("js-fs", "nodejs", "fs.createReadStream with readline reads a file line by line."),
        c("js-cli", "nodejs", "Run node with a script to start it."),
        c("mk-rules", "make", "Rules tell make how to build each directory of a tree, recursively or not."),
    ]
}

fn named_search(text: &str, names: names::ProductNames) -> Vec<(String, f32)> {
    let opts = BuildOptions {
        names,
        ..BuildOptions::default()
    };
    small_shards_search(products_fixture(), opts, &parse_query(text, none()))
}

fn named_ids(text: &str, names: names::ProductNames) -> Vec<String> {
    named_search(text, names)
        .into_iter()
        .map(|(id, _)| id)
        .collect()
}

#[test]
fn a_query_that_names_a_product_ranks_that_product_first() {
    let plain = names::ProductNames::default();
    // CMake's chunk says "abstract" three times; Python's answer never says
    // "python", but the query names Python.
    assert_eq!(named_ids("abstract class", plain.clone())[0], "cm-abstract");
    let r = named_ids("abstract class python", plain.clone());
    assert_eq!(r[0], "py-abc", "{r:?}");
    // A display name names its product by its words: "Node.js" by "node",
    // which the id `nodejs` does not. Other products' chunks then rank at
    // the prior's share of their score.
    let js = names::ProductNames {
        products: vec![("nodejs".into(), vec!["Node.js".into()])],
    };
    let q = "node read a file line by line";
    let score = |r: &[(String, f32)], id: &str| r.iter().find(|(i, _)| i == id).unwrap().1;
    let (named, not) = (named_search(q, js), named_search(q, plain.clone()));
    assert_eq!(named[0].0, "js-fs", "{named:?}");
    let ratio = score(&named, "cm-file") / score(&not, "cm-file");
    assert!((ratio - names::NAMED_PRIOR).abs() < 1e-3, "{ratio}");
    // "make" is mostly other products' word: it names no product.
    let r = named_ids("make directory recursively", plain);
    assert_eq!(r[0], "cm-mkdir", "{r:?}");
}

/// Two versions of one product, with a passage they share, and a product
/// with one version.
fn versions_fixture() -> Vec<ChunkInput> {
    let c = |id: &str, product: &str, version: &str, doc: &str, text: &str| {
        let mut ch = chunk(id, ["Org", product, version], doc, "Page", &[], text);
        ch.version_rank = u32::from(version == "4.2");
        ch
    };
    vec![
        c(
            "fail-5",
            "relay",
            "5.0",
            "failover",
            "Failover is automatic: failover moves calls to the standby target.",
        ),
        c(
            "fail-4",
            "relay",
            "4.2",
            "failover",
            "Start a failover to the standby target by hand.",
        ),
        c(
            "rec-5",
            "relay",
            "5.0",
            "recording",
            "Recording starts when the call connects.",
        ),
        c(
            "rec-4",
            "relay",
            "4.2",
            "recording",
            "Recording starts when the call connects.",
        ),
        c(
            "tool",
            "tool",
            "4.2",
            "failover",
            "The tool runs without a failover target in small offices, where every call is kept on the local disk.",
        ),
    ]
}

fn version_search(text: &str) -> Vec<(String, f32)> {
    small_shards_search(
        versions_fixture(),
        BuildOptions::default(),
        &parse_query(text, none()),
    )
}

#[test]
fn a_query_that_names_a_version_ranks_that_version_first() {
    let first = |q: &str| version_search(q)[0].0.clone();
    assert_eq!(first("failover"), "fail-5");
    // "4.2" is a version of relay only (tool has one version: it names
    // nothing there), with or without the product's name.
    assert_eq!(first("4.2 failover"), "fail-4");
    assert_eq!(first("relay 4.2 failover"), "fail-4");
    assert_eq!(first("5.0 failover"), "fail-5");
    // A passage both versions share is shown once, as the named version's.
    assert_eq!(first("recording starts"), "rec-5");
    assert_eq!(first("4.2 recording starts"), "rec-4");
}

#[test]
fn a_chunk_other_documents_link_to_ranks_first_among_equals() {
    // Two documents explain the option in the same words; six others link
    // to the second one's heading (where the library defines it).
    let text = "The idle timeout closes a connection after it has been quiet for the configured number of seconds.";
    let mk = |id: &str, document: &str, inlinks: u32| ChunkInput {
        inlinks,
        ..chunk(
            id,
            ["Acme", "Relay", "1.0"],
            document,
            "Options",
            &["Timeouts"],
            text,
        )
    };
    let chunks = vec![
        mk("a-notes-1", "a-notes", 0),
        mk("b-options-1", "b-options", 6),
    ];
    let with = build(chunks.clone(), &BuildOptions::default());
    assert_eq!(
        ids(&with, "idle timeout", none()),
        ["b-options-1", "a-notes-1"]
    );
    let without = BuildOptions {
        inlink_prior: 0.0,
        ..BuildOptions::default()
    };
    let off = build(chunks, &without);
    assert_eq!(
        ids(&off, "idle timeout", none()),
        ["a-notes-1", "b-options-1"]
    );
    // Without links anywhere the prior changes no byte of the index.
    assert!(build(fixture(), &BuildOptions::default()) == build(fixture(), &without));
    let bad = BuildOptions {
        inlink_prior: f32::NAN,
        ..BuildOptions::default()
    };
    assert!(build_index(fixture(), &bad).is_err());
}

/// Sections named with stop words, and one that only shares their other
/// words.
fn stop_words_fixture() -> Vec<ChunkInput> {
    let c = |id: &str, doc: &str, heading: &str, text: &str| {
        chunk(
            id,
            ["Acme", "Lang", "1.0"],
            doc,
            "Compound statements",
            &[heading],
            text,
        )
    };
    vec![
        c(
            "if",
            "a",
            "8.1. The if statement",
            "Runs the suite of the first true statement condition.",
        ),
        c(
            "with",
            "b",
            "8.5. The with statement",
            "Wraps a block of statements in the methods of a context manager.",
        ),
        c(
            "for",
            "c",
            "8.3. The for statement",
            "Iterates over the items of a sequence in a statement.",
        ),
        c(
            "order",
            "d",
            "ORDER BY",
            "Sorts the rows of a query in a statement.",
        ),
        c(
            "notin",
            "e",
            "The NOT IN operator",
            "Tests membership: true when the value is not in the set.",
        ),
        c(
            "oper",
            "f",
            "Comparison operator",
            "Compares two values: an operator returns a boolean.",
        ),
    ]
}

fn stop_words_search(q: &Query, opts: BuildOptions) -> Vec<String> {
    small_shards_search(stop_words_fixture(), opts, q)
        .into_iter()
        .map(|(id, _)| id)
        .collect()
}

#[test]
fn stop_words_that_name_a_section_find_it() {
    let on = |text: &str| stop_words_search(&parse_query(text, none()), BuildOptions::default());
    // "with", "for", "by" and "not in" are stop words: alone, the queries
    // below would be "statement", "order" and "operator".
    assert_eq!(on("with statement")[0], "with");
    assert_eq!(on("the for statement")[0], "for");
    assert_eq!(on("order by")[0], "order");
    assert_eq!(on("not in operator")[0], "notin");
    assert_eq!(on("\"with statement\"")[0], "with");
    // Pairs off (query or index), the stop word is lost again: the three
    // statement sections tie on "statement" and rank by their lengths.
    let off = stop_words_search(
        &parse_query("with statement", none()).with_stop_pairs(false),
        BuildOptions::default(),
    );
    let unpaired = BuildOptions {
        tokenizer: tokenize::TokenizerSettings {
            stop_pairs: false,
            ..tokenize::TokenizerSettings::default()
        },
        ..BuildOptions::default()
    };
    let not_indexed = stop_words_search(&parse_query("with statement", none()), unpaired);
    assert_eq!(off, not_indexed);
    assert_ne!(off[0], "with", "{off:?}");
    // A long question asks only for the pairs of stop words used as
    // names: after an article, or in capitals.
    assert_eq!(
        on("how does the with statement work in this language")[0],
        "with"
    );
    assert_eq!(on("how do I sort the rows with ORDER BY here")[0], "order");
    // Its other stop words are prepositions ("the items of a list"): no
    // pair.
    let long = parse_query("how do I loop over the items of a list in order", none());
    assert_eq!(
        stop_words_search(&long, BuildOptions::default()),
        stop_words_search(
            &long.clone().with_stop_pairs(false),
            BuildOptions::default()
        )
    );
}
