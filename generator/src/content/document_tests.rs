//! Tests of page and chunk parsing, kept apart so the parser reads on its own.

use super::*;

fn opts(target: usize, max: usize) -> ChunkingOptions {
    ChunkingOptions {
        target_words: target,
        max_words: max,
    }
}

/// Compact view of a parse: one line per page and per chunk.
fn check(src: &str, o: ChunkingOptions, expect: &str) {
    let doc = parse(src, 0, o);
    let mut out = String::new();
    for p in &doc.problems {
        out.push_str(&format!(
            "{} line {}: {}\n",
            if p.fatal { "error" } else { "warning" },
            p.line,
            p.message
        ));
    }
    for page in &doc.pages {
        out.push_str(&format!(
            "page {}{} line {} title {:?}\n",
            page.number,
            page.label
                .as_ref()
                .map(|l| format!(" [{l}]"))
                .unwrap_or_default(),
            page.line,
            page.title.as_deref().unwrap_or("-")
        ));
        for c in &doc.chunks[page.chunks.clone()] {
            out.push_str(&format!(
                "  chunk {} line {} words {} [{}] {:?}\n",
                c.n,
                c.line,
                c.words,
                c.breadcrumb.join(" > "),
                c.markdown.replace('\n', "⏎")
            ));
        }
    }
    assert_eq!(out.trim_end(), expect.trim(), "\n--- actual ---\n{out}");
}

#[test]
fn sections_become_pages() {
    check(
            "# Guide\n\nIntro text.\n\n## Install\n\nRun it.\n\n### Linux\n\nUse apt.\n\n## Use\n\nType.\n",
            opts(200, 400),
            r####"
page 1 line 1 title "Guide"
  chunk 1 line 1 words 3 [Guide] "# Guide⏎⏎Intro text."
page 2 line 5 title "Install"
  chunk 2 line 5 words 3 [Guide > Install] "## Install⏎⏎Run it."
  chunk 3 line 9 words 3 [Guide > Install > Linux] "### Linux⏎⏎Use apt."
page 3 line 13 title "Use"
  chunk 4 line 13 words 2 [Guide > Use] "## Use⏎⏎Type."
"####,
        );
}

#[test]
fn title_only_intro_joins_first_section() {
    check(
        "# Guide\n\n## Install\n\nRun it.\n\n## Use\n\nType.\n",
        opts(200, 400),
        r####"
page 1 line 1 title "Guide"
  chunk 1 line 1 words 4 [Guide > Install] "# Guide⏎⏎## Install⏎⏎Run it."
page 2 line 7 title "Use"
  chunk 2 line 7 words 2 [Guide > Use] "## Use⏎⏎Type."
"####,
    );
}

#[test]
fn no_headings_is_one_page() {
    check(
        "Just text.\n\nMore text.\n",
        opts(200, 400),
        r####"
page 1 line 1 title "-"
  chunk 1 line 1 words 4 [] "Just text.⏎⏎More text."
"####,
    );
}

#[test]
fn markers_make_pages_with_labels() {
    check(
            "<!-- page 1 label=\"i\" -->\n# Manual\n\nFront.\n\n<!-- page 2 -->\n## Chapter\n\nBody one.\n\n<!-- page 3 label=\"1\" -->\nBody two continues.\n",
            opts(200, 400),
            r####"
page 1 [i] line 1 title "Manual"
  chunk 1 line 2 words 2 [Manual] "# Manual⏎⏎Front."
page 2 line 6 title "Chapter"
  chunk 2 line 7 words 3 [Manual > Chapter] "## Chapter⏎⏎Body one."
page 3 [1] line 11 title "-"
  chunk 3 line 12 words 3 [Manual > Chapter] "Body two continues."
"####,
        );
}

#[test]
fn markers_out_of_order_are_fatal() {
    check(
        "<!-- page 2 -->\nA\n\n<!-- page 1 -->\nB\n",
        opts(200, 400),
        "error line 4: page marker 1 follows page 2 (line 1): page numbers must increase",
    );
}

#[test]
fn malformed_marker_is_fatal() {
    check(
            "<!-- page 3 lbl=\"x\" -->\nA\n",
            opts(200, 400),
            "error line 1: malformed page marker `<!-- page 3 lbl=\"x\" -->`: expected `<!-- page 3 -->` or `<!-- page 3 label=\"107\" -->`",
        );
}

#[test]
fn gaps_and_leading_text_are_reported() {
    check(
        "Preface.\n\n<!-- page 2 -->\nA\n\n<!-- page 5 -->\nB\n",
        opts(200, 400),
        r####"
warning line 6: pages 3-4 missing: marker 5 follows page 2
warning line 1: text before the first page marker is put on page 2
page 2 line 3 title "-"
  chunk 1 line 1 words 2 [] "Preface.⏎⏎A"
page 5 line 6 title "-"
  chunk 2 line 7 words 1 [] "B"
"####,
    );
}

#[test]
fn non_marker_comments_are_content() {
    let doc = parse(
        "<!-- page break -->\n\nText.\n\n<!-- pagefind -->\n",
        0,
        opts(200, 400),
    );
    assert!(!doc.has_markers);
    assert!(doc.problems.is_empty());
    assert_eq!(doc.pages.len(), 1);
}

#[test]
fn markers_in_code_are_not_markers() {
    let doc = parse("Text.\n\n```\n<!-- page 9 -->\n```\n", 0, opts(200, 400));
    assert!(!doc.has_markers);
}

#[test]
fn chunks_fill_to_target() {
    let para = |i: usize| format!("p{i} one two three four");
    let src = (0..6).map(para).collect::<Vec<_>>().join("\n\n");
    check(
        &src,
        opts(10, 20),
        r####"
page 1 line 1 title "-"
  chunk 1 line 1 words 10 [] "p0 one two three four⏎⏎p1 one two three four"
  chunk 2 line 5 words 10 [] "p2 one two three four⏎⏎p3 one two three four"
  chunk 3 line 9 words 10 [] "p4 one two three four⏎⏎p5 one two three four"
"####,
    );
}

#[test]
fn code_and_tables_are_kept_whole_below_max() {
    let src = "Intro words here.\n\n```sh\na b c d e\nf g h i j\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n";
    let doc = parse(src, 0, opts(3, 40));
    let md: Vec<&str> = doc.chunks.iter().map(|c| c.markdown.as_str()).collect();
    assert_eq!(
        md,
        vec![
            "Intro words here.",
            "```sh\na b c d e\nf g h i j\n```",
            "| a | b |\n|---|---|\n| 1 | 2 |"
        ]
    );
}

#[test]
fn oversize_code_is_cut_and_refenced() {
    let body: Vec<String> = (0..6).map(|i| format!("w{i} x y z")).collect();
    let src = format!("```sh\n{}\n```\n", body.join("\n"));
    check(
        &src,
        opts(4, 8),
        r####"
page 1 line 1 title "-"
  chunk 1 line 1 words 9 [] "```sh⏎w0 x y z⏎w1 x y z⏎```"
  chunk 2 line 1 words 9 [] "```sh⏎w2 x y z⏎w3 x y z⏎```"
  chunk 3 line 1 words 9 [] "```sh⏎w4 x y z⏎w5 x y z⏎```"
"####,
    );
}

#[test]
fn oversize_table_repeats_header() {
    let rows: Vec<String> = (0..4).map(|i| format!("| r{i} | v |")).collect();
    let src = format!("| k | v |\n|---|---|\n{}\n", rows.join("\n"));
    let doc = parse(&src, 0, opts(4, 6));
    assert_eq!(doc.chunks.len(), 2);
    for c in &doc.chunks {
        assert!(
            c.markdown.starts_with("| k | v |\n|---|---|\n"),
            "{}",
            c.markdown
        );
    }
}

#[test]
fn oversize_list_is_cut_between_items() {
    let items: Vec<String> = (0..4).map(|i| format!("- item{i} a b c d")).collect();
    let doc = parse(&items.join("\n"), 0, opts(5, 12));
    let md: Vec<&str> = doc.chunks.iter().map(|c| c.markdown.as_str()).collect();
    assert_eq!(
        md,
        vec![
            "- item0 a b c d\n- item1 a b c d",
            "- item2 a b c d\n- item3 a b c d"
        ]
    );
}

/// A quote larger than a chunk (a hand-made site indenting a long table
/// with `<blockquote>`) is cut between its blocks, and the table in it
/// between rows with its header repeated; every piece stays a quote.
#[test]
fn oversize_quote_is_cut_inside() {
    let rows: Vec<String> = (0..6).map(|i| format!("> | r{i} | v |")).collect();
    let src = format!(
        "> Intro line.\n>\n> | k | v |\n> |---|---|\n{}\n",
        rows.join("\n")
    );
    let doc = parse(&src, 0, opts(4, 8));
    let md: Vec<&str> = doc.chunks.iter().map(|c| c.markdown.as_str()).collect();
    assert_eq!(
        md,
        vec![
            "> Intro line.",
            "> | k | v |\n> |---|---|\n> | r0 | v |\n> | r1 | v |\n> | r2 | v |",
            "> | k | v |\n> |---|---|\n> | r3 | v |\n> | r4 | v |\n> | r5 | v |",
        ]
    );
    // A quote within the limit is one piece, as written.
    let small = "> One.\n>\n> Two.\n";
    let doc = parse(small, 0, opts(4, 8));
    assert_eq!(doc.chunks.len(), 1);
    assert_eq!(doc.chunks[0].markdown, "> One.\n>\n> Two.");
}

/// One list item larger than a chunk (an option whose description holds a
/// long nested list) is cut between the blocks it holds and between the
/// items of the nested list; each piece starts with the item's marker and
/// keeps its indentation.
#[test]
fn oversize_list_item_is_cut_inside() {
    let nested: Vec<String> = (0..6).map(|i| format!("   - p{i} a b")).collect();
    let src = format!(
        "1. Head of the item.\n\n   Second paragraph here.\n\n{}\n2. Next item.\n",
        nested.join("\n")
    );
    let doc = parse(&src, 0, opts(6, 8));
    let md: Vec<&str> = doc.chunks.iter().map(|c| c.markdown.as_str()).collect();
    assert_eq!(
        md,
        vec![
            "1. Head of the item.\n\n   Second paragraph here.",
            "1. - p0 a b\n   - p1 a b",
            "1. - p2 a b\n   - p3 a b",
            "1. - p4 a b\n   - p5 a b",
            "2. Next item.",
        ]
    );
    // Every nested item is in exactly one chunk.
    for i in 0..6 {
        let n = md.iter().filter(|m| m.contains(&format!("p{i} "))).count();
        assert_eq!(n, 1, "p{i} in {md:?}");
    }
}

#[test]
fn line_offset_applies() {
    let doc = parse(
        "<!-- page 1 -->\nA\n\n<!-- page 1 -->\n",
        10,
        opts(200, 400),
    );
    assert_eq!(doc.problems[0].line, 14);
}

#[test]
fn duplicate_headings_get_unique_ids() {
    let doc = parse("## Example\n\na\n\n## Example\n\nb\n", 0, opts(200, 400));
    let ids: Vec<&str> = doc.outline.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(ids, vec!["example", "example-2"]);
    assert_eq!(doc.chunks[1].heading_ids, vec!["example-2".to_string()]);
}

#[test]
fn parse_is_deterministic() {
    let src = "# T\n\n## A\n\ntext [x][y]\n\n[y]: https://e.x\n\n## B\n\nmore\n";
    assert_eq!(parse(src, 0, opts(5, 10)), parse(src, 0, opts(5, 10)));
    let doc = parse(src, 0, opts(5, 10));
    assert!(
        doc.pages[0].markdown.contains("[y]: https://e.x"),
        "{}",
        doc.pages[0].markdown
    );
}

/// Chunk starts (first line of each chunk's Markdown) of a parse.
fn chunk_starts(doc: &ParsedDoc) -> Vec<String> {
    doc.chunks
        .iter()
        .map(|c| c.markdown.lines().next().unwrap_or("").to_string())
        .collect()
}

/// Filler prose of `n` words, so a section would be one chunk by size.
fn prose(n: usize) -> String {
    (0..n)
        .map(|i| format!("w{i}"))
        .collect::<Vec<_>>()
        .join(" ")
        + "."
}

#[test]
fn bold_questions_in_one_section_each_start_a_chunk() {
    let src = format!(
        "# FAQ\n\nThe questions people ask.\n\n**(1) How do I create an index?**\n\n{}\n\n**(2) Can I rename a `column`?**\n\n{}\n\n> Quoted answer part.\n\n**(3) Why is it slow? (Or: is it?)**\n\n{}\n",
        prose(20),
        prose(15),
        prose(10)
    );
    let doc = parse(&src, 0, opts(200, 400));
    assert_eq!(
        chunk_starts(&doc),
        [
            "# FAQ",
            "**(1) How do I create an index?**",
            "**(2) Can I rename a `column`?**",
            "**(3) Why is it slow? (Or: is it?)**",
        ]
    );
    // Heading path and lines stay those of the section.
    assert!(doc.chunks.iter().all(|c| c.breadcrumb == ["FAQ"]));
    assert_eq!(
        doc.chunks.iter().map(|c| c.line).collect::<Vec<_>>(),
        [1, 5, 9, 15]
    );
    // The answer stays with its question, the quote included.
    assert!(doc.chunks[2].markdown.ends_with("> Quoted answer part."));
    // The outline is unchanged: questions are not headings.
    assert_eq!(doc.outline.len(), 1);
}

#[test]
fn question_list_items_each_start_a_chunk() {
    let src = format!(
        "## Questions\n\nAsked often:\n\n- What is a shard?\n\n  {}\n- **How do I add a node?**\n\n  {}\n- A remark that is no question.\n\n  {}\n",
        prose(12),
        prose(12),
        prose(5)
    );
    let doc = parse(&src, 0, opts(200, 400));
    assert_eq!(
        chunk_starts(&doc),
        [
            "## Questions",
            "- What is a shard?",
            "- **How do I add a node?**"
        ]
    );
    assert!(doc.chunks[2]
        .markdown
        .contains("- A remark that is no question."));
    assert_eq!(doc.chunks[1].line, 5);
    assert_eq!(doc.chunks[2].line, 8);
}

#[test]
fn a_run_is_counted_per_section() {
    // One bold question per section: no run, nothing cut.
    let src = format!(
        "## A\n\n{}\n\n**Is this a question?**\n\n{}\n\n## B\n\n**Is this one too?**\n\n{}\n",
        prose(10),
        prose(10),
        prose(10)
    );
    assert_eq!(
        parse(&src, 0, opts(200, 400)),
        parse_with(&src, 0, opts(200, 400), false)
    );
    assert_eq!(parse(&src, 0, opts(200, 400)).chunks.len(), 2);
}

/// Documents without a run of question entries are cut exactly as without
/// the rule: same chunks, numbers, lines and pages, so their chunk ids stay.
#[test]
fn documents_without_question_runs_keep_their_chunks() {
    let long = prose(150);
    let docs = [
        // Ordinary sections, long prose cut by size.
        format!("# Guide\n\n{long}\n\n{long}\n\n## Use\n\n{long}\n\n### Deeper\n\nText.\n"),
        // A list of questions without answers (a table of contents of a FAQ).
        "# FAQ\n\n1. How do I start?\n2. Why is it slow?\n3. Can I stop?\n\nSee below.\n".to_string(),
        // Bold lines that are not questions, and a bold question with text after it.
        format!("# Notes\n\n**Note:**\n\n{long}\n\n**Warning**\n\n**Is it safe?** Yes, mostly.\n\n**Why?** Because.\n\n{long}\n"),
        // Questions in prose and as headings (already boundaries).
        format!("# Q\n\nWhat is this? A tool.\n\n## How do I run it?\n\n{long}\n\n## Can I stop it?\n\nYes.\n"),
        // Page markers.
        format!("<!-- page 1 -->\n\n# Manual\n\n{long}\n\n<!-- page 2 -->\n\n**Is it one question?**\n\n{long}\n"),
        // A long bold statement ending with a question mark.
        format!("# Long\n\n**{} really?**\n\n{long}\n\n**{} really?**\n\n{long}\n", prose(45), prose(45)),
    ];
    for src in &docs {
        let with = parse(src, 0, opts(200, 400));
        let without = parse_with(src, 0, opts(200, 400), false);
        assert_eq!(with, without, "chunks changed for:\n{src}");
    }
}

#[test]
fn question_runs_move_no_chunk_before_them() {
    let long = prose(150);
    let src = format!(
        "# Guide\n\n{long}\n\n{long}\n\n## FAQ\n\n**What is it?**\n\n{}\n\n**Who wrote it?**\n\n{}\n",
        prose(30),
        prose(30)
    );
    let with = parse(&src, 0, opts(200, 400));
    let without = parse_with(&src, 0, opts(200, 400), false);
    let before = without
        .chunks
        .iter()
        .position(|c| c.breadcrumb.last().is_some_and(|h| h == "FAQ"))
        .expect("FAQ chunk");
    assert_eq!(with.chunks[..before], without.chunks[..before]);
    assert_eq!(with.chunks.len(), without.chunks.len() + 1);
}

#[test]
fn ascii_word_count_equals_the_general_one() {
    // Every ASCII byte class the count cares about, including the control
    // characters that are whitespace (0x0B, 0x0C) and ones that are not (0x1C).
    let alphabet: &[u8] = b"aZ9_-|#*. \t\n\r\x0b\x0c\x1c\x7f";
    let mut x: u32 = 7;
    for len in 0..200 {
        let s: String = (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                alphabet[x as usize % alphabet.len()] as char
            })
            .collect();
        assert_eq!(words(&s), words_unicode(&s), "{s:?}");
    }
    assert_eq!(words("| --- | a1 |  ## Title\u{a0}x"), 3);
}

fn assert_pages_within_the_cap(doc: &ParsedDoc) {
    for p in &doc.pages {
        let n = p.markdown.len();
        assert!(n <= MAX_PAGE_BYTES, "page {}: {n} bytes", p.number);
    }
}

/// Every page's Markdown, concatenated: what a reader of all pages sees.
fn all_text(doc: &ParsedDoc) -> String {
    doc.pages
        .iter()
        .map(|p| p.markdown.as_str())
        .collect::<Vec<_>>()
        .join("")
}

#[test]
fn a_long_section_goes_on_over_pages_under_the_cap() {
    // One section of 40 subsections of about 3 KB each (120 KB), then a
    // short section.
    let para = "Lorem ipsum dolor sit amet consectetur. ".repeat(40);
    let para = para.trim_end();
    let mut src = String::from("# Doc\n\n## Big\n\nIntro.\n\n");
    for i in 0..40 {
        src.push_str(&format!("### Part {i}\n\n{para}\n\n{para}\n\n"));
    }
    src.push_str("## Small\n\nThe end.\n");
    let doc = parse(&src, 0, opts(200, 400));
    let numbers: Vec<u32> = doc.pages.iter().map(|p| p.number).collect();
    assert_eq!(numbers, (1..=doc.pages.len() as u32).collect::<Vec<_>>());
    assert!(doc.pages.len() >= 3, "{}", doc.pages.len());
    assert_pages_within_the_cap(&doc);
    // The first part keeps the section's name; later parts start at a
    // subsection, since one comes once half a page is filled.
    assert_eq!(doc.pages[0].title.as_deref(), Some("Doc"));
    for p in &doc.pages[1..doc.pages.len() - 1] {
        let t = p.title.as_deref().unwrap_or("-");
        assert!(t.starts_with("Part "), "{t}");
        assert!(p.markdown.starts_with("### Part "), "{}", &p.markdown[..40]);
    }
    assert_eq!(doc.pages.last().unwrap().title.as_deref(), Some("Small"));
    // Nothing is lost or repeated: the pages hold every block once, and
    // each chunk stays within its page.
    let text = all_text(&doc);
    for i in 0..40 {
        assert_eq!(
            text.matches(&format!("### Part {i}\n")).count(),
            1,
            "Part {i}"
        );
    }
    assert_eq!(text.matches(&para).count(), 80);
    for (k, p) in doc.pages.iter().enumerate() {
        for c in &doc.chunks[p.chunks.clone()] {
            assert_eq!(c.page, k);
        }
    }
}

#[test]
fn a_section_without_headings_is_cut_between_blocks_and_list_items() {
    // 30 KB of paragraphs, then one list of 1,500 items (about 75 KB): the
    // list is cut between items; continued parts are named after the
    // section.
    let para = "Plain words of a page that has no subsections at all. ".repeat(10);
    let para = para.trim_end();
    let mut src = String::from("## Index\n\n");
    for _ in 0..55 {
        src.push_str(&format!("{para}\n\n"));
    }
    for i in 0..1500 {
        src.push_str(&format!("- entry number {i} of the index, with a link\n"));
    }
    let doc = parse(&src, 0, opts(200, 400));
    assert!(doc.pages.len() >= 2);
    assert_pages_within_the_cap(&doc);
    assert_eq!(doc.pages[0].title.as_deref(), Some("Index"));
    for p in &doc.pages[1..] {
        assert_eq!(p.title.as_deref(), Some("Index (continued)"));
        assert!(p.markdown.starts_with(para) || p.markdown.starts_with("- entry number "));
    }
    let text = all_text(&doc);
    for i in [0, 1, 749, 1499] {
        assert_eq!(
            text.matches(&format!("- entry number {i} of")).count(),
            1,
            "{i}"
        );
    }
    let last = &doc.pages.last().unwrap().markdown;
    assert!(last
        .trim_end()
        .ends_with("- entry number 1499 of the index, with a link"));
    // The parts of the list render as lists.
    for p in doc
        .pages
        .iter()
        .filter(|p| p.markdown.starts_with("- entry"))
    {
        let first = pulldown_cmark::Parser::new(&p.markdown).next();
        assert!(
            matches!(
                first,
                Some(pulldown_cmark::Event::Start(pulldown_cmark::Tag::List(
                    None
                )))
            ),
            "{first:?}"
        );
    }
}

#[test]
fn pages_under_the_cap_and_marked_pages_are_not_cut() {
    let para = "Some words here. ".repeat(300);
    let para = para.trim_end();
    let small = format!("## A\n\n{para}\n\n## B\n\n{para}\n");
    let doc = parse(&small, 0, opts(200, 400));
    let titles: Vec<_> = doc
        .pages
        .iter()
        .map(|p| p.title.clone().unwrap_or_default())
        .collect();
    assert_eq!(titles, ["A", "B"]);
    // A physical page keeps its number and content whatever its size.
    let mut marked = String::from("<!-- page 1 -->\n\n");
    for _ in 0..30 {
        marked.push_str(&format!("{para}\n\n"));
    }
    marked.push_str("<!-- page 2 -->\n\nEnd.\n");
    let doc = parse(&marked, 0, opts(200, 400));
    assert_eq!(doc.pages.len(), 2);
    assert!(doc.pages[0].markdown.len() > MAX_PAGE_BYTES);
}
