//! PDFs written byte by byte here, to pin down the text operators (`Tj`,
//! `TJ`, `'`, `"`), the font encoding paths, form XObjects, and the per-page
//! self-check that warns when a page's text does not come out.

use mcdewey_import::{pdf_to_markdown, PdfOptions};

mod pdfbytes;
use pdfbytes::{stream, write_pdf};

/// One page per content stream, sharing `resources` (a dictionary body),
/// with `extra` objects numbered after the pages and their contents:
/// object `3 + 2 * pages.len() + k` is `extra[k]`.
fn document(pages: &[&[u8]], resources: &str, extra: &[Vec<u8>]) -> Vec<u8> {
    let n = pages.len();
    let kids: Vec<String> = (0..n).map(|i| format!("{} 0 R", 3 + 2 * i)).collect();
    let mut objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        format!("<< /Type /Pages /Kids [{}] /Count {n} >>", kids.join(" ")).into_bytes(),
    ];
    for (i, content) in pages.iter().enumerate() {
        objects.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {} 0 R /Resources {resources} >>",
                4 + 2 * i
            )
            .into_bytes(),
        );
        objects.push(stream("", content));
    }
    objects.extend(extra.iter().cloned());
    write_pdf(&objects)
}

fn body(md: &str) -> String {
    md.split("\n---\n").nth(1).unwrap_or(md).to_string()
}

fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// `needles` appear in `hay` as words, in this order.
fn in_order(hay: &str, needles: &str) -> bool {
    let hay = words(hay);
    let mut it = hay.iter();
    words(needles).iter().all(|n| it.any(|h| h == n))
}

const HELV: &str = "<< /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >> >> >>";

/// Every text-showing operator, each in its own line of prose, and the
/// operators that move between lines (`TL`, `T*`, `Td`, `TD`, `Tm`).
#[test]
fn every_text_operator_shows_its_words() {
    let content = b"BT /F1 11 Tf 14 TL 72 700 Td
(Alpha bravo charlie delta echo foxtrot) Tj
T* [(Golf h) 20 (otel ) -30 (india juliet kilo lima)] TJ
(Mike november oscar papa quebec romeo)'
2 0.5 (Sierra tango uniform victor whiskey xray)\"
0 -14 TD (Yankee zulu amber bronze copper diamond) Tj
(Emerald flint granite harbor island jasper)'
1 0 0 1 72 560 Tm (Kettle lantern meadow nickel orchard pepper) Tj
ET";
    let pdf = document(&[content], HELV, &[]);
    let imp = pdf_to_markdown(&pdf, "ops.pdf", &PdfOptions::default()).unwrap();
    let md = body(&imp.doc.markdown);
    for line in [
        "Alpha bravo charlie delta echo foxtrot",
        "Golf hotel india juliet kilo lima",
        "Mike november oscar papa quebec romeo",
        "Sierra tango uniform victor whiskey xray",
        "Yankee zulu amber bronze copper diamond",
        "Emerald flint granite harbor island jasper",
        "Kettle lantern meadow nickel orchard pepper",
    ] {
        assert!(in_order(&md, line), "{line:?} missing from:\n{md}");
    }
    // Lines keep their order on the page.
    assert!(
        in_order(
            &md,
            "foxtrot golf lima mike romeo sierra xray yankee diamond emerald jasper kettle"
        ),
        "{md}"
    );
    assert!(imp.doc.warnings.is_empty(), "{:?}", imp.doc.warnings);
    let page = &imp.pages[0];
    assert_eq!(page.codes_decoded, page.codes_shown, "{page:?}");
    assert_eq!(page.words_kept, page.words_drawn, "{page:?}");
}

/// `'` moves down by the leading before showing: lines drawn only with it
/// are separate lines, not one run-on line.
#[test]
fn quote_lines_are_separate_lines() {
    let content = b"BT /F1 11 Tf 72 700 Td 30 TL
(First heading line)Tj
(Second line of the quote operator)'
(Third line of the quote operator)'
ET";
    let pdf = document(&[content], HELV, &[]);
    let imp = pdf_to_markdown(&pdf, "quote.pdf", &PdfOptions::default()).unwrap();
    let md = body(&imp.doc.markdown);
    assert!(
        !md.lines()
            .any(|l| l.contains("line Second") || l.contains("operator Third")),
        "lines were run together:\n{md}"
    );
    assert!(in_order(
        &md,
        "First heading line Second line of the quote operator Third line"
    ));
}

/// Text in a form XObject (drawn with `Do`) is extracted, the quote
/// operators included.
#[test]
fn text_in_forms_is_extracted() {
    let page = b"q 1 0 0 1 0 0 cm /Fm1 Do Q";
    let form = stream(
        "/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources << /Font << /F1 7 0 R >> >>",
        b"BT /F1 12 Tf 14 TL 72 700 Td (Formed words shown here) Tj (and more words under it)' ET",
    );
    let font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec();
    let pdf = document(
        &[page],
        "<< /XObject << /Fm1 5 0 R >> >>",
        &[form, b"<< >>".to_vec(), font],
    );
    let imp = pdf_to_markdown(&pdf, "form.pdf", &PdfOptions::default()).unwrap();
    let md = body(&imp.doc.markdown);
    assert!(
        in_order(&md, "Formed words shown here and more words under it"),
        "{md}"
    );
    assert!(imp.doc.warnings.is_empty(), "{:?}", imp.doc.warnings);
}

/// The font encoding paths: a standard-14 font with no /Encoding (its
/// StandardEncoding: code 39 is a right quote), WinAnsi (code 0xE9 is é),
/// MacRoman (0x8E is é), /Differences over a base encoding, and a Type0
/// font with two-byte Identity-H codes and a /ToUnicode CMap.
#[test]
fn font_encodings_decode() {
    let cmap = b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap
/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def
/CMapName /Adobe-Identity-UCS def /CMapType 2 def
1 begincodespacerange <0000> <FFFF> endcodespacerange
2 beginbfrange <0001> <001A> <0061> <0020> <0020> <0020> endbfrange
endcmap CMapName currentdict /CMap defineresource pop end end";
    let resources = "<< /Font << \
        /S << /Type /Font /Subtype /Type1 /BaseFont /Times-Roman >> \
        /W << /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >> \
        /M << /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /MacRomanEncoding >> \
        /D << /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding << /Type /Encoding /BaseEncoding /WinAnsiEncoding /Differences [65 /z /y] >> >> \
        /C 5 0 R >> >>";
    let type0 = b"<< /Type /Font /Subtype /Type0 /BaseFont /Ident /Encoding /Identity-H /DescendantFonts [7 0 R] /ToUnicode 6 0 R >>".to_vec();
    let cid = b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Ident /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 500 /FontDescriptor << /Type /FontDescriptor /FontName /Ident /Flags 4 /FontBBox [0 0 500 700] /ItalicAngle 0 /Ascent 700 /Descent 0 /CapHeight 700 /StemV 80 >> >>".to_vec();
    // "hello world" as Identity-H codes: a=1 .. z=26, space=0x20.
    let hello: String = "hello world"
        .bytes()
        .map(|b| {
            if b == b' ' {
                "0020".to_string()
            } else {
                format!("{:04X}", b - b'a' + 1)
            }
        })
        .collect();
    let content = format!(
        "BT 14 TL 72 700 Td /S 12 Tf (Standard encoding isn't odd here) Tj \
         /W 12 Tf T* (WinAnsi caf\\351 menu) Tj \
         /M 12 Tf T* (MacRoman caf\\216 menu) Tj \
         /D 12 Tf T* (Differences AB done) Tj \
         /C 12 Tf T* <{hello}> Tj ET"
    );
    let pdf = document(
        &[content.as_bytes()],
        resources,
        &[type0, stream("", cmap), cid],
    );
    let imp = pdf_to_markdown(&pdf, "enc.pdf", &PdfOptions::default()).unwrap();
    let md = body(&imp.doc.markdown);
    assert!(md.contains("isn\u{2019}t") || md.contains("isn't"), "{md}");
    assert!(md.contains("WinAnsi café menu"), "{md}");
    assert!(md.contains("MacRoman café menu"), "{md}");
    assert!(md.contains("Differences zy done"), "{md}");
    assert!(md.contains("hello world"), "{md}");
    assert!(imp.doc.warnings.is_empty(), "{:?}", imp.doc.warnings);
}

/// The self-check: a page whose content stream shows text that the
/// interpreter cannot decode (here a `"` missing an operand, which no
/// reader can place) is named in a warning, while the good page is not.
#[test]
fn page_losing_text_is_named_in_a_warning() {
    let good =
        b"BT /F1 11 Tf 14 TL 72 700 Td (This page is fine and every word of it comes out) Tj ET";
    let mut bad = b"BT /F1 11 Tf 14 TL 72 700 Td (Only this short line survives) Tj\n".to_vec();
    for i in 0..12 {
        bad.extend_from_slice(
            format!("0 (Lost line {i} of text drawn with a malformed operator)\"\n").as_bytes(),
        );
    }
    bad.extend_from_slice(b"ET");
    let pdf = document(&[good, &bad], HELV, &[]);
    let imp = pdf_to_markdown(&pdf, "lossy.pdf", &PdfOptions::default()).unwrap();
    let on_page = |p: u32| {
        imp.doc
            .warnings
            .iter()
            .filter(|w| w.page == Some(p))
            .map(|w| w.to_string())
            .collect::<Vec<_>>()
    };
    assert!(on_page(1).is_empty(), "{:?}", imp.doc.warnings);
    let bad_warnings = on_page(2);
    assert!(
        bad_warnings
            .iter()
            .any(|w| w.starts_with("page 2: text is missing")),
        "{:?}",
        imp.doc.warnings
    );
    assert!(
        imp.pages[1].codes_decoded * 2 < imp.pages[1].codes_shown,
        "{:?}",
        imp.pages[1]
    );
}
