//! Tests of the tokenizer, kept apart so the tokenizer reads on its own.

use super::*;

fn terms(text: &str) -> Vec<(String, u32)> {
    Tokenizer::new(TokenizerSettings::default())
        .terms(text)
        .into_iter()
        .map(|t| (t.text, t.pos))
        .collect()
}

fn texts(text: &str) -> Vec<String> {
    terms(text).into_iter().map(|(t, _)| t).collect()
}

#[test]
fn stop_words_sorted_for_binary_search() {
    assert!(STOP_WORDS.windows(2).all(|w| w[0] < w[1]));
    assert!(OPERATORS.windows(2).all(|w| w[0] < w[1]));
    assert!(OPERATORS
        .iter()
        .all(|o| o.len() >= 2 && o.chars().all(is_operator_char)));
}

#[test]
fn operators_and_special_names_line_up_for_phrases() {
    let t = Tokenizer::new(TokenizerSettings::default());
    let terms = t.terms("p // q and obj.__init__ x");
    let at = |text: &str| terms.iter().find(|t| t.text == text).unwrap().pos;
    // One position each, like a word: a phrase over them stays adjacent.
    assert_eq!(at("//"), at("p") + 1);
    assert_eq!(at("q"), at("//") + 1);
    assert_eq!(at("__init__"), at("init"));
    assert_eq!(at("x"), at("__init__") + 1);
}

#[test]
fn table_of_cases() {
    // (input, terms that must be emitted, in order)
    let cases: &[(&str, &[&str])] = &[
        ("E0729", &["e0729"]),
        ("START_RECORDING", &["start_recording", "start", "record"]),
        (
            "targetMediaAddress",
            &["targetmediaaddress", "target", "media", "address"],
        ),
        ("12.5(1)", &["12.5(1)", "12.5", "1"]),
        ("TLS1.3", &["tls1.3", "tls", "1.3"]),
        ("u32", &["u32"]),
        (
            "Get-ChildItem",
            &["get-childitem", "get", "childitem", "child", "item"],
        ),
        ("HTTPServer", &["httpserver", "http", "server"]),
        ("URLs", &["url"]),
        ("IPv6", &["ipv6", "ipv", "6"]),
        ("15.2(4)M3", &["15.2(4)m3", "15.2", "4", "m3"]),
        ("recording", &["record"]),
        ("Recordings.", &["record"]),
        ("The café's menu", &["cafe", "menu"]),
        ("Straße", &["strass"]),
        ("don't", &["don't"]),
        ("call foo() now", &["call", "foo", "now"]),
        ("x86_64", &["x86_64", "x86", "64"]),
        ("version 12.5.", &["version", "12.5"]),
        ("東京", &["東", "京"]),
        ("a-the-b", &["a-the-b", "b"]),
        // Special names keep their underscores; the name inside is an atom.
        ("__init__", &["__init__", "init"]),
        ("_private", &["_private", "privat"]),
        ("class_", &["class_", "class"]),
        ("__init__.py", &["__init__.py", "init", "py"]),
        ("obj.__eq__(other)", &["obj", "__eq__", "eq", "other"]),
        ("foo__bar", &["foo__bar", "foo", "bar"]),
        ("__ alone _", &["alon"]),
        // Operators are terms when the whole run is one.
        ("x // y", &["x", "//", "y"]),
        ("x := 3", &["x", ":=", "3"]),
        ("f(**kwargs)", &["f", "**", "kwarg"]),
        ("p->q", &["p", "->", "q"]),
        (
            "https://example.org",
            &["https", "example.org", "exampl", "org"],
        ),
        ("--force ... --- ====", &["forc"]),
        ("x === y !== z", &["x", "===", "y", "!==", "z"]),
    ];
    for (input, want) in cases {
        assert_eq!(&texts(input), want, "input {input:?}");
    }
}

#[test]
fn remembered_words_follow_the_settings() {
    // Index builds remember each word's term per thread: tokenizers with
    // other settings on the same thread must not see each other's.
    let texts_with = |stem: bool, stop_words: bool| {
        let t = Tokenizer::new(TokenizerSettings {
            stem,
            stop_words,
            ..Default::default()
        });
        t.terms("the running jobs")
            .into_iter()
            .map(|t| t.text)
            .collect::<Vec<_>>()
    };
    for _ in 0..2 {
        assert_eq!(texts_with(true, true), ["run", "job"]);
        assert_eq!(texts_with(false, true), ["running", "jobs"]);
        assert_eq!(texts_with(true, false), ["the", "run", "job"]);
    }
}

#[test]
fn positions_line_up_for_phrases() {
    // Sub-terms take consecutive positions; the next word follows the last atom.
    assert_eq!(
        terms("start START_RECORDING now"),
        vec![
            ("start".into(), 0),
            ("start_recording".into(), 1),
            ("start".into(), 1),
            ("record".into(), 2),
            ("now".into(), 3),
        ]
    );
    // Stop words keep their position so "start the recording" spans 0..2.
    assert_eq!(
        terms("start the recording"),
        vec![("start".into(), 0), ("record".into(), 2)]
    );
    assert_eq!(
        terms("Get-ChildItem -Path"),
        vec![
            ("get-childitem".into(), 0),
            ("get".into(), 0),
            ("childitem".into(), 1),
            ("child".into(), 1),
            ("item".into(), 2),
            ("path".into(), 3),
        ]
    );
}

#[test]
fn byte_ranges_point_at_source() {
    let text = "Use targetMediaAddress here";
    let t = Tokenizer::new(TokenizerSettings::default()).terms(text);
    let media = t.iter().find(|t| t.text == "media").unwrap();
    assert_eq!(&text[media.start..media.end], "Media");
    let whole = t.iter().find(|t| t.text == "targetmediaaddress").unwrap();
    assert_eq!(&text[whole.start..whole.end], "targetMediaAddress");
}

#[test]
fn settings_switch_features_off() {
    let plain = Tokenizer::new(TokenizerSettings {
        stem: false,
        fold_diacritics: false,
        stop_words: false,
        stop_pairs: false,
    });
    let t: Vec<String> = plain
        .terms("The Recordings café")
        .into_iter()
        .map(|t| t.text)
        .collect();
    assert_eq!(t, vec!["the", "recordings", "café"]);
}

#[test]
fn fold_tables_cover_their_ranges() {
    let t = Tokenizer::new(TokenizerSettings::default());
    assert_eq!(t.normalize("ĀŁŽÿŒ"), "alzyoe");
    assert_eq!(t.normalize("Crème Brûlée"), "creme brulee");
}

#[test]
fn long_words_keep_their_terms() {
    // Repeated atoms at different positions are all kept; a run of
    // capitals is one atom (and too long to index).
    assert_eq!(texts("x-x-x"), vec!["x-x-x", "x", "x", "x"]);
    let chain = vec!["x1"; 3000].join("-");
    let t = terms(&chain);
    assert_eq!(
        t.len(),
        3000,
        "the whole word is too long; one term per atom"
    );
    assert!(t
        .iter()
        .enumerate()
        .all(|(i, (s, p))| s == "x1" && *p == i as u32));
    assert!(texts(&"A".repeat(100_000)).is_empty());
    assert_eq!(texts(&format!("{}Server", "A".repeat(50))).len(), 3);
}

#[test]
fn never_panics_on_odd_input() {
    let t = Tokenizer::new(TokenizerSettings::default());
    for s in [
        "",
        "(",
        "1(",
        "1()",
        "1(2",
        "a-",
        "-a",
        "'",
        "a'",
        "\u{301}",
        "x\u{301}y",
        "1.(2)",
    ] {
        let _ = t.terms(s);
    }
}

/// The character buffer and the terms' strings are reused between calls
/// and words: a call made from inside another's callback, and words after
/// dropped stop words and long terms, see none of another word's text.
#[test]
fn reused_buffers_leak_nothing_between_words_or_calls() {
    let t = Tokenizer::new(TokenizerSettings::default());
    let outer = "The START_RECORDING of X-ray 12.5(1) and 日本 by the way";
    let inner = "targetMediaAddress is a word";
    let alone_outer = t.terms(outer);
    let alone_inner = t.terms(inner);
    let mut seen_outer = Vec::new();
    let mut seen_inner = Vec::new();
    let mut words = 0;
    t.tokenize(outer, 0, |w| {
        words += 1;
        seen_outer.extend(w.terms.iter().cloned());
        t.tokenize(inner, 0, |iw| seen_inner.extend(iw.terms.iter().cloned()));
    });
    let key = |v: &[Term]| -> Vec<(String, u32, usize, usize)> {
        v.iter()
            .map(|t| (t.text.clone(), t.pos, t.start, t.end))
            .collect()
    };
    assert_eq!(key(&seen_outer), key(&alone_outer));
    assert!(words > 10);
    assert_eq!(seen_inner.len(), alone_inner.len() * words);
    for run in seen_inner.chunks(alone_inner.len()) {
        assert_eq!(key(run), key(&alone_inner));
    }
    // Again after the buffers were used: the same terms.
    assert_eq!(key(&t.terms(outer)), key(&alone_outer));
}
