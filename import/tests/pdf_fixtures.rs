//! PDFs built here with lopdf, so every feature of the PDF importer is
//! checked against a known truth: page labels, outline headings, font-size
//! headings, two-column reading order, running header/footer removal,
//! hyphenation, code blocks and the image-only page warning.

use lopdf::content::{Content, Operation};
use lopdf::{dictionary, Dictionary, Document, Object, ObjectId, Stream, StringFormat};
use mcdewey_import::{page_labels, pdf_to_markdown, PdfOptions};

/// A text line to draw: font resource name, size, x, y, text.
struct Text<'a>(&'a str, f32, f32, f32, &'a str);

struct Builder {
    doc: Document,
    pages_id: ObjectId,
    resources: ObjectId,
    kids: Vec<ObjectId>,
}

impl Builder {
    fn new() -> Self {
        let mut doc = Document::with_version("1.5");
        let pages_id = doc.new_object_id();
        let helv = doc.add_object(dictionary! {
            "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
            "Encoding" => "WinAnsiEncoding",
        });
        let cour = doc.add_object(dictionary! {
            "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Courier",
            "Encoding" => "WinAnsiEncoding",
        });
        let image = doc.add_object(Stream::new(
            dictionary! {
                "Type" => "XObject", "Subtype" => "Image", "Width" => 2, "Height" => 2,
                "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8,
            },
            vec![0, 255, 255, 0],
        ));
        let resources = doc.add_object(dictionary! {
            "Font" => dictionary! { "F1" => helv, "F2" => cour },
            "XObject" => dictionary! { "Im1" => image },
        });
        Builder {
            doc,
            pages_id,
            resources,
            kids: Vec::new(),
        }
    }

    fn page(&mut self, lines: &[Text<'_>], image: bool) -> ObjectId {
        let mut ops = Vec::new();
        for Text(font, size, x, y, text) in lines {
            ops.push(Operation::new("BT", vec![]));
            ops.push(Operation::new("Tf", vec![(*font).into(), (*size).into()]));
            ops.push(Operation::new("Td", vec![(*x).into(), (*y).into()]));
            ops.push(Operation::new(
                "Tj",
                vec![Object::String(
                    text.as_bytes().to_vec(),
                    StringFormat::Literal,
                )],
            ));
            ops.push(Operation::new("ET", vec![]));
        }
        if image {
            ops.push(Operation::new("q", vec![]));
            ops.push(Operation::new(
                "cm",
                vec![
                    300.into(),
                    0.into(),
                    0.into(),
                    400.into(),
                    150.into(),
                    200.into(),
                ],
            ));
            ops.push(Operation::new("Do", vec!["Im1".into()]));
            ops.push(Operation::new("Q", vec![]));
        }
        let content = Content { operations: ops };
        let stream = self
            .doc
            .add_object(Stream::new(Dictionary::new(), content.encode().unwrap()));
        let page = self.doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => self.pages_id,
            "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
            "Contents" => stream,
            "Resources" => self.resources,
        });
        self.kids.push(page);
        page
    }

    fn finish(mut self, catalog_extra: Dictionary) -> Vec<u8> {
        let count = self.kids.len() as i64;
        let kids: Vec<Object> = self.kids.iter().map(|k| (*k).into()).collect();
        self.doc.objects.insert(
            self.pages_id,
            Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }),
        );
        let mut catalog = dictionary! { "Type" => "Catalog", "Pages" => self.pages_id };
        for (k, v) in catalog_extra.into_iter() {
            catalog.set(k, v);
        }
        let catalog_id = self.doc.add_object(catalog);
        self.doc.trailer.set("Root", catalog_id);
        let mut bytes = Vec::new();
        self.doc.save_to(&mut bytes).unwrap();
        bytes
    }
}

const HEADER: &str = "Fixture Guide, Release 1.0";

fn body_lines<'a>(texts: &[&'a str], x: f32, top: f32) -> Vec<Text<'a>> {
    texts
        .iter()
        .enumerate()
        .map(|(i, t)| Text("F1", 10.0, x, top - 14.0 * i as f32, t))
        .collect()
}

/// Five pages: title (i), chapter 1 (ii), two columns (A-5), scanned image
/// (A-6), chapter 2 (A-7). Header on pages 2, 3 and 5; page numbers at the
/// bottom.
fn fixture_manual() -> Vec<u8> {
    let mut b = Builder::new();
    b.page(
        &[
            Text("F1", 24.0, 150.0, 600.0, "Fixture Manual"),
            Text(
                "F1",
                10.0,
                150.0,
                560.0,
                "A document made for testing the importer.",
            ),
        ],
        false,
    );

    let mut p2 = vec![
        Text("F1", 9.0, 72.0, 760.0, HEADER),
        Text("F1", 18.0, 72.0, 700.0, "1 Getting Started"),
        Text("F1", 14.0, 72.0, 560.0, "1.1 Configuration"),
        Text("F1", 10.0, 300.0, 40.0, "ii"),
    ];
    p2.extend(body_lines(
        &[
            "This chapter explains how the software is installed and how the",
            "main configu-",
            "ration file is read when the service starts for the first time.",
            "Run the following commands from the unpacked source directory:",
        ],
        72.0,
        670.0,
    ));
    p2.push(Text("F2", 10.0, 90.0, 610.0, "./configure --prefix=/usr"));
    p2.push(Text("F2", 10.0, 90.0, 596.0, "make install"));
    p2.push(Text("F2", 10.0, 102.0, 582.0, "make check-all"));
    p2.extend(body_lines(
        &["Settings live in one file that is reloaded on every change."],
        72.0,
        530.0,
    ));
    b.page(&p2, false);

    let left: Vec<String> = (1..=14)
        .map(|i| format!("Left column line {i} alpha words fill it"))
        .collect();
    let right: Vec<String> = (1..=14)
        .map(|i| format!("Right column line {i} beta words fill it"))
        .collect();
    let mut p3 = vec![
        Text("F1", 9.0, 72.0, 760.0, HEADER),
        Text("F1", 10.0, 300.0, 40.0, "A-5"),
    ];
    let left_refs: Vec<&str> = left.iter().map(String::as_str).collect();
    let right_refs: Vec<&str> = right.iter().map(String::as_str).collect();
    p3.extend(body_lines(&left_refs, 72.0, 700.0));
    p3.extend(body_lines(&right_refs, 330.0, 700.0));
    b.page(&p3, false);

    b.page(&[], true);

    let mut p5 = vec![
        Text("F1", 9.0, 72.0, 760.0, HEADER),
        Text("F1", 18.0, 72.0, 700.0, "2 Advanced Topics"),
        Text("F1", 10.0, 300.0, 40.0, "A-7"),
    ];
    p5.extend(body_lines(
        &["Advanced use needs no special steps beyond the basics above."],
        72.0,
        670.0,
    ));
    let p5_id = b.page(&p5, false);

    let (p2_id, p3_id) = (b.kids[1], b.kids[2]);
    let _ = p3_id;
    // Outline: "1 Getting Started" > "1.1 Configuration", then "2 Advanced
    // Topics" reached through a GoTo action.
    let outlines_id = b.doc.new_object_id();
    let o1 = b.doc.new_object_id();
    let o11 = b.doc.new_object_id();
    let o2 = b.doc.new_object_id();
    b.doc.objects.insert(
        o11,
        Object::Dictionary(dictionary! {
            "Title" => Object::string_literal("1.1 Configuration"),
            "Parent" => o1,
            "Dest" => vec![p2_id.into(), "XYZ".into(), 0.into(), 580.into(), Object::Null],
        }),
    );
    b.doc.objects.insert(
        o1,
        Object::Dictionary(dictionary! {
            "Title" => Object::string_literal("1 Getting Started"),
            "Parent" => outlines_id,
            "Next" => o2,
            "First" => o11, "Last" => o11, "Count" => 1,
            "Dest" => vec![p2_id.into(), "Fit".into()],
        }),
    );
    b.doc.objects.insert(
        o2,
        Object::Dictionary(dictionary! {
            "Title" => Object::string_literal("2 Advanced Topics"),
            "Parent" => outlines_id,
            "Prev" => o1,
            "A" => dictionary! { "S" => "GoTo", "D" => vec![p5_id.into(), "Fit".into()] },
        }),
    );
    b.doc.objects.insert(
        outlines_id,
        Object::Dictionary(dictionary! {
            "Type" => "Outlines", "First" => o1, "Last" => o2, "Count" => 3,
        }),
    );
    let labels = dictionary! {
        "Nums" => vec![
            0.into(), Object::Dictionary(dictionary! { "S" => "r" }),
            2.into(), Object::Dictionary(dictionary! {
                "S" => "D", "P" => Object::string_literal("A-"), "St" => 5,
            }),
        ],
    };
    b.finish(dictionary! { "Outlines" => outlines_id, "PageLabels" => labels })
}

fn import(bytes: &[u8]) -> mcdewey_import::PdfImport {
    pdf_to_markdown(bytes, "fixture-manual.pdf", &PdfOptions::default()).expect("imports")
}

#[test]
fn markers_and_labels() {
    let imp = import(&fixture_manual());
    assert_eq!(imp.pages_in, 5);
    assert_eq!(imp.pages_out, 5);
    let markers: Vec<&str> = imp
        .doc
        .markdown
        .lines()
        .filter(|l| l.starts_with("<!-- page "))
        .collect();
    assert_eq!(
        markers,
        [
            "<!-- page 1 label=\"i\" -->",
            "<!-- page 2 label=\"ii\" -->",
            "<!-- page 3 label=\"A-5\" -->",
            "<!-- page 4 label=\"A-6\" -->",
            "<!-- page 5 label=\"A-7\" -->",
        ]
    );
    let labels = page_labels(&fixture_manual()).unwrap();
    assert_eq!(labels[2].as_deref(), Some("A-5"));
    assert!(imp
        .doc
        .markdown
        .starts_with("---\ntitle: \"Fixture Manual\"\n"));
    assert!(imp
        .doc
        .markdown
        .contains("\nsource: \"fixture-manual.pdf\"\n"));
    assert!(imp.doc.markdown.contains("\npages: 5\n"));
    assert_eq!(imp.doc.rel_path, "fixture-manual.md");
}

#[test]
fn outline_headings() {
    let md = import(&fixture_manual()).doc.markdown;
    assert!(md.contains("\n# 1 Getting Started\n"), "{md}");
    assert!(md.contains("\n## 1.1 Configuration\n"), "{md}");
    assert!(md.contains("\n# 2 Advanced Topics\n"), "{md}");
    let h1 = md.find("# 1 Getting Started").unwrap();
    let body = md.find("This chapter explains").unwrap();
    let h11 = md.find("## 1.1 Configuration").unwrap();
    let settings = md.find("Settings live").unwrap();
    assert!(h1 < body && body < h11 && h11 < settings);
}

#[test]
fn hyphenation_and_code() {
    let md = import(&fixture_manual()).doc.markdown;
    assert!(md.contains("main configuration file is read"), "{md}");
    assert!(!md.contains("configu-"));
    let fence = md.find("```\n./configure --prefix=/usr\nmake install\n  make check-all\n```");
    assert!(fence.is_some(), "{md}");
}

#[test]
fn running_headers_and_page_numbers_are_removed() {
    let imp = import(&fixture_manual());
    assert!(!imp.doc.markdown.contains(HEADER));
    for (page, label) in [(2usize, "ii"), (3, "A-5"), (5, "A-7")] {
        let stripped = &imp.pages[page - 1].stripped;
        assert!(
            stripped.iter().any(|s| s == HEADER),
            "page {page}: {stripped:?}"
        );
        assert!(
            stripped.iter().any(|s| s == label),
            "page {page}: {stripped:?}"
        );
    }
    // The page number lines are gone too (a bare "ii" line would show).
    assert!(!imp.doc.markdown.lines().any(|l| l == "ii" || l == "A-7"));
}

#[test]
fn two_columns_read_left_then_right() {
    let md = import(&fixture_manual()).doc.markdown;
    let last_left = md.find("Left column line 14").expect("left");
    let first_right = md.find("Right column line 1 ").expect("right");
    assert!(last_left < first_right, "{md}");
    let l1 = md.find("Left column line 1 ").unwrap();
    let l2 = md.find("Left column line 2 ").unwrap();
    assert!(l1 < l2);
}

#[test]
fn image_only_page_gets_marker_and_warning() {
    let imp = import(&fixture_manual());
    let w: Vec<_> = imp
        .doc
        .warnings
        .iter()
        .filter(|w| w.page == Some(4))
        .collect();
    assert_eq!(w.len(), 1, "{:?}", imp.doc.warnings);
    assert!(w[0].message.contains("no extractable text"));
    assert!(w[0].message.contains("image"));
    assert!(imp.pages[3].image_only);
    // Marker, then directly the next marker.
    let md = &imp.doc.markdown;
    let p4 = md.find("<!-- page 4 label=\"A-6\" -->").unwrap();
    let p5 = md.find("<!-- page 5 label=\"A-7\" -->").unwrap();
    assert_eq!(md[p4..p5].trim(), "<!-- page 4 label=\"A-6\" -->");
    assert_eq!(imp.doc.warnings.len(), 1, "{:?}", imp.doc.warnings);
}

#[test]
fn deterministic() {
    let bytes = fixture_manual();
    assert_eq!(import(&bytes).doc.markdown, import(&bytes).doc.markdown);
}

/// Without an outline, larger text becomes headings by size rank.
#[test]
fn font_size_headings_without_outline() {
    let mut b = Builder::new();
    for (n, name) in [(1, "Installation"), (2, "Usage"), (3, "Tuning")] {
        let title = format!("Chapter {n} {name}");
        let section = format!("Section {n}.1 Details");
        let mut lines = vec![
            Text("F1", 20.0, 72.0, 700.0, &title),
            Text("F1", 14.0, 72.0, 600.0, &section),
        ];
        lines.extend(body_lines(
            &[
                "Plain body text is set in the ordinary size of the document so",
                "that the importer can tell headings from running paragraphs.",
            ],
            72.0,
            670.0,
        ));
        lines.extend(body_lines(
            &["More body text follows the section heading on this page."],
            72.0,
            580.0,
        ));
        b.page(&lines, false);
    }
    let bytes = b.finish(Dictionary::new());
    let md = import(&bytes).doc.markdown;
    assert!(md.contains("\n# Chapter 2 Usage\n"), "{md}");
    assert!(
        md.starts_with("---\ntitle: \"Chapter 1 Installation\"\n"),
        "{md}"
    );
    assert!(md.contains("\n## Section 3.1 Details\n"), "{md}");
    assert!(md.contains(
        "\nPlain body text is set in the ordinary size of the document so that the importer"
    ));
}

#[test]
fn garbage_is_an_error_not_a_panic() {
    assert!(pdf_to_markdown(b"%PDF-1.4 nonsense", "x.pdf", &PdfOptions::default()).is_err());
    assert!(pdf_to_markdown(b"", "x.pdf", &PdfOptions::default()).is_err());
}

fn one_page(lines: &[Text<'_>]) -> String {
    let mut b = Builder::new();
    b.page(lines, false);
    import(&b.finish(Dictionary::new())).doc.markdown
}

fn fences(md: &str) -> usize {
    md.lines().filter(|l| l.starts_with("```")).count() / 2
}

/// A listing set in a text font with line numbers in the margin: one code
/// block, every line with its number and its indentation, no block per
/// number, and the prose around it stays prose.
#[test]
fn numbered_listing_in_a_text_font() {
    let code = [
        (0, "int main(int argc, char **argv)"),
        (0, "{"),
        (4, "if (argc > 1)"),
        (8, "return run(argv[1]);"),
        (4, "return 0;"),
        (0, "}"),
    ];
    let mut lines = vec![Text(
        "F1",
        10.0,
        72.0,
        700.0,
        "The program below is the whole of the example and it is short.",
    )];
    let cell = 0.6 * 9.0;
    for (i, (indent, text)) in code.iter().enumerate() {
        let y = 670.0 - 12.0 * i as f32;
        let num: &'static str = Box::leak((i + 1).to_string().into_boxed_str());
        lines.push(Text("F1", 7.0, 60.0, y, num));
        lines.push(Text("F1", 9.0, 84.0 + cell * *indent as f32, y, text));
    }
    lines.push(Text(
        "F1",
        10.0,
        72.0,
        580.0,
        "After the listing the text goes on as an ordinary paragraph.",
    ));
    let md = one_page(&lines);
    assert_eq!(fences(&md), 1, "{md}");
    let block: Vec<&str> = md
        .split("```")
        .nth(1)
        .expect("a fenced block")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .collect();
    assert_eq!(
        block,
        [
            "1 int main(int argc, char **argv)",
            "2 {",
            "3     if (argc > 1)",
            "4         return run(argv[1]);",
            "5     return 0;",
            "6 }",
        ],
        "{md}"
    );
    assert!(md.contains("The program below is the whole of the example and it is short."));
    assert!(md.contains("After the listing the text goes on as an ordinary paragraph."));
}

/// Margin numbers beside a monospaced listing stay part of their lines.
#[test]
fn margin_numbers_beside_monospaced_code_stay_on_their_lines() {
    let code = [
        "#include <stdio.h>",
        "int main(void) {",
        "    puts(\"hi\");",
        "}",
    ];
    let mut lines = Vec::new();
    for (i, text) in code.iter().enumerate() {
        let y = 700.0 - 12.0 * i as f32;
        let num: &'static str = Box::leak((i + 10).to_string().into_boxed_str());
        lines.push(Text("F1", 7.0, 56.0, y, num));
        lines.push(Text("F2", 9.0, 80.0, y, text));
    }
    let md = one_page(&lines);
    assert_eq!(fences(&md), 1, "{md}");
    for (i, text) in code.iter().enumerate() {
        let line = md
            .lines()
            .find(|l| l.contains(text.trim()))
            .unwrap_or_else(|| panic!("{text:?} missing:\n{md}"));
        assert!(
            line.trim_start().starts_with(&(i + 10).to_string()),
            "{line:?}\n{md}"
        );
    }
    assert!(
        !md.lines().any(|l| l.trim() == "10" || l.trim() == "11"),
        "{md}"
    );
}

/// A figure's axis labels are figures, which are equal-width in text
/// fonts: they are not code.
#[test]
fn numbers_alone_are_not_code() {
    let lines: Vec<Text<'_>> = ["1996", "1994", "1992", "1990"]
        .iter()
        .enumerate()
        .map(|(i, t)| Text("F1", 8.0, 400.0, 600.0 - 20.0 * i as f32, t))
        .collect();
    let md = one_page(&lines);
    assert_eq!(fences(&md), 0, "{md}");
    assert!(md.contains("1996") && md.contains("1990"), "{md}");
}

/// Justified lines whose stretched spaces pass the cell gap at different
/// places are prose, not a table.
#[test]
fn justified_prose_is_not_a_table() {
    let rows = [
        (
            "Justified text spreads",
            72.0,
            "its spare room over the spaces of the line",
            205.0,
        ),
        (
            "so that both edges line up, and a line with",
            72.0,
            "few long words",
            330.0,
        ),
        (
            "gets gaps wider than a table's columns",
            72.0,
            "would have between them.",
            280.0,
        ),
    ];
    let mut lines = Vec::new();
    for (i, (a, xa, b, xb)) in rows.iter().enumerate() {
        let y = 700.0 - 12.0 * i as f32;
        lines.push(Text("F1", 10.0, *xa, y, a));
        lines.push(Text("F1", 10.0, *xb, y, b));
    }
    let md = one_page(&lines);
    assert_eq!(fences(&md), 0, "{md}");
    assert!(
        md.contains("Justified text spreads its spare room over the spaces of the line so that both edges line up"),
        "{md}"
    );
}

/// A word hyphenated at the end of a list item's first line is joined,
/// for numbered and bulleted items whose later lines hang indented.
#[test]
fn hyphenation_after_a_list_items_first_line() {
    let lines = vec![
        Text(
            "F1",
            10.0,
            72.0,
            700.0,
            "Before the list comes a sentence of ordinary text.",
        ),
        Text(
            "F1",
            10.0,
            72.0,
            686.0,
            "1. The first item explains a rather compli-",
        ),
        Text(
            "F1",
            10.0,
            86.0,
            674.0,
            "cated matter over two lines of text.",
        ),
        Text(
            "F1",
            10.0,
            72.0,
            660.0,
            "\u{2022} A bulleted item speaks about the recon-",
        ),
        Text("F1", 10.0, 82.0, 648.0, "struction of the whole thing."),
    ];
    let md = one_page(&lines);
    assert!(md.contains("rather complicated matter"), "{md}");
    assert!(md.contains("about the reconstruction of"), "{md}");
}

/// A section heading set in the typewriter font ("3.2 make_index", as
/// manuals title sections after commands) is the outline's heading, once:
/// not a heading plus the same line again as a code block.
#[test]
fn typewriter_heading_is_not_repeated_as_code() {
    let mut b = Builder::new();
    let page = b.page(
        &[
            Text("F2", 14.0, 72.0, 700.0, "3.2 make_index"),
            Text(
                "F1",
                10.0,
                72.0,
                676.0,
                "The command builds the index of every document it is given.",
            ),
            Text("F2", 10.0, 90.0, 650.0, "make_index --all docs/"),
        ],
        false,
    );
    let outlines = b.doc.new_object_id();
    let entry = b.doc.new_object_id();
    b.doc.objects.insert(
        entry,
        Object::Dictionary(dictionary! {
            "Title" => Object::string_literal("make_index"),
            "Parent" => outlines,
            "Dest" => vec![page.into(), "XYZ".into(), 0.into(), 716.into(), Object::Null],
        }),
    );
    b.doc.objects.insert(
        outlines,
        Object::Dictionary(dictionary! {
            "Type" => "Outlines", "First" => entry, "Last" => entry, "Count" => 1,
        }),
    );
    let md = import(&b.finish(dictionary! { "Outlines" => outlines }))
        .doc
        .markdown;
    let body = md.split("<!-- page 1 -->").nth(1).expect("page marker");
    let mentions = body.matches("make_index").count();
    assert!(body.contains("# 3.2 make_index"), "{md}");
    // The heading once, the command in its code block once.
    assert_eq!(mentions, 2, "{md}");
    assert!(md.contains("```\nmake_index --all docs/\n```"), "{md}");
}

/// A listing keeps its blank lines, and its closing brace (one glyph, too
/// short to tell its font by) stays in the block even when prose follows
/// right under it.
#[test]
fn code_keeps_blank_lines_and_closing_brace() {
    let code = [
        (0, Some("#include <cstdio>")),
        (0, None),
        (0, Some("int main()")),
        (0, Some("{")),
        (4, Some("return std::puts(\"hi\");")),
        (0, Some("}")),
    ];
    let mut lines = Vec::new();
    for (i, (indent, text)) in code.iter().enumerate() {
        if let Some(t) = text {
            let x = 90.0 + 6.0 * *indent as f32;
            lines.push(Text("F2", 10.0, x, 700.0 - 12.0 * i as f32, t));
        }
    }
    lines.push(Text(
        "F1",
        10.0,
        72.0,
        700.0 - 12.0 * code.len() as f32,
        "The program prints a greeting and returns what puts returned.",
    ));
    let md = one_page(&lines);
    assert!(
        md.contains(
            "```\n#include <cstdio>\n\nint main()\n{\n    return std::puts(\"hi\");\n}\n```"
        ),
        "{md}"
    );
    assert_eq!(fences(&md), 1, "{md}");
}

/// Ragged-right text: a line that ends short because the next word was too
/// long to fit does not end the paragraph; a short line the next word
/// would have fitted after does.
#[test]
fn ragged_right_lines_stay_in_their_paragraph() {
    let lines = body_lines(
        &[
            "This paragraph is set ragged right, and its lines end where words do.",
            "A line may end well short of the margin because the",
            "internationalization of the next word made it too long to fit there.",
            "It ends here.",
            "A new paragraph starts on the next line without indentation.",
        ],
        72.0,
        700.0,
    );
    let md = one_page(&lines);
    assert!(md.contains("because the internationalization of"), "{md}");
    assert!(md.contains("It ends here.\n\nA new paragraph"), "{md}");
}
