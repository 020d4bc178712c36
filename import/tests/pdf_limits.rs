//! Resource limits: PDFs built here that would exhaust memory or time
//! (decompression bombs, endless form recursion, huge pages) are refused
//! with an error naming the limit, and memory stays bounded while they are.

use std::io::Write;
use std::time::Duration;

use mcdewey_import::{pdf_to_markdown, ImportError, PdfLimits, PdfOptions};

mod pdfbytes;
use pdfbytes::{stream, write_pdf};

/// A one-page PDF whose content stream is `content` (with `filter`), plus
/// `extra` objects from number 5 on.
fn one_page(content: &[u8], filter: &str, extra: &[Vec<u8>]) -> Vec<u8> {
    let mut objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R \
           /Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> \
           /XObject << /Fm1 5 0 R /Fm2 6 0 R >> >> >>"
            .to_vec(),
        stream(filter, content),
    ];
    objects.extend(extra.iter().cloned());
    write_pdf(&objects)
}

/// A zlib stream that inflates to `copies` times `chunk`, built without
/// ever holding the inflated data: `chunk` is deflated once, flushed to a
/// byte boundary, and the compressed piece repeated (each piece refers
/// only to itself, so the concatenation is valid deflate).
fn bomb(chunk: &[u8], copies: usize) -> Vec<u8> {
    let mut c = flate2::Compress::new(flate2::Compression::best(), false);
    let mut piece = Vec::with_capacity(chunk.len() / 100 + 1024);
    c.compress_vec(chunk, &mut piece, flate2::FlushCompress::Sync)
        .unwrap();
    let mut out = Vec::with_capacity(piece.len() * copies + 8);
    out.extend_from_slice(&[0x78, 0xda]);
    for _ in 0..copies {
        out.extend_from_slice(&piece);
    }
    // A final empty fixed-Huffman block, then a checksum no reader reaches.
    out.extend_from_slice(&[0x03, 0x00, 0, 0, 0, 0]);
    out
}

/// Peak resident memory of this process, in bytes (Linux only).
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

fn limit_error(r: Result<mcdewey_import::PdfImport, ImportError>) -> (String, String) {
    match r {
        Err(e @ ImportError::Limit(_)) => {
            let ImportError::Limit(l) = &e else {
                unreachable!()
            };
            (l.limit.to_string(), e.to_string())
        }
        Err(e) => panic!("expected a limit error, got: {e}"),
        Ok(_) => panic!("expected a limit error, the import succeeded"),
    }
}

/// Both bombs of the kind that exhausted memory: a small PDF whose content
/// stream inflates to hundreds of MB of text operators, and a ~1 MB PDF
/// holding 1 GB of zeros. Default limits; refused by name; peak memory far
/// below what decoding either would take.
#[test]
fn decompression_bombs_are_refused_with_bounded_memory() {
    let ops: Vec<u8> = b"BT /F1 12 Tf 72 700 Td (All work and no play) Tj ET\n"
        .iter()
        .copied()
        .cycle()
        .take(1 << 20)
        .collect();
    let text_bomb = one_page(&bomb(&ops, 400), "/Filter /FlateDecode", &[]);
    assert!(text_bomb.len() < 8 << 20, "{} bytes", text_bomb.len());
    let (limit, msg) = limit_error(pdf_to_markdown(
        &text_bomb,
        "text-bomb.pdf",
        &PdfOptions::default(),
    ));
    assert_eq!(limit, "max_stream_bytes");
    assert!(
        msg.contains("max_stream_bytes") && msg.contains("4 0 R"),
        "{msg}"
    );

    let zeros = vec![0u8; 1 << 20];
    let zero_stream = stream("/Filter /FlateDecode", &bomb(&zeros, 1024));
    let zero_bomb = one_page(b"BT /F1 12 Tf 72 700 Td (Hello) Tj ET", "", &[zero_stream]);
    assert!(zero_bomb.len() < 2 << 20, "{} bytes", zero_bomb.len());
    let (limit, msg) = limit_error(pdf_to_markdown(
        &zero_bomb,
        "zero-bomb.pdf",
        &PdfOptions::default(),
    ));
    assert_eq!(limit, "max_stream_bytes", "{msg}");
    assert!(msg.contains("5 0 R"), "{msg}");

    match peak_rss() {
        // Inflating either bomb needs well over 400 MB; the limit keeps the
        // decoder at 64 MB.
        Some(peak) => assert!(peak < 400 << 20, "peak RSS {} MB", peak >> 20),
        None => println!("note: peak memory not checked (no /proc/self/status)"),
    }
}

#[test]
fn the_stream_limit_is_configurable() {
    let ops: Vec<u8> = b"BT /F1 12 Tf 72 700 Td (Some text) Tj ET\n"
        .iter()
        .copied()
        .cycle()
        .take(64 << 10)
        .collect();
    let pdf = one_page(&bomb(&ops, 1), "/Filter /FlateDecode", &[]);
    assert!(pdf_to_markdown(&pdf, "ok.pdf", &PdfOptions::default()).is_ok());
    let opts = PdfOptions {
        limits: PdfLimits {
            max_stream_bytes: 16 << 10,
            ..PdfLimits::default()
        },
        ..PdfOptions::default()
    };
    let (limit, _) = limit_error(pdf_to_markdown(&pdf, "small.pdf", &opts));
    assert_eq!(limit, "max_stream_bytes");
}

#[test]
fn too_many_operations_on_a_page() {
    let mut content = Vec::new();
    for _ in 0..5000 {
        content.extend_from_slice(b"0 0 m 1 1 l S\n");
    }
    let pdf = one_page(&content, "", &[]);
    let opts = |max| PdfOptions {
        limits: PdfLimits {
            max_page_operations: max,
            ..PdfLimits::default()
        },
        ..PdfOptions::default()
    };
    assert!(pdf_to_markdown(&pdf, "ops.pdf", &opts(15_000)).is_ok());
    let (limit, msg) = limit_error(pdf_to_markdown(&pdf, "ops.pdf", &opts(14_999)));
    assert_eq!(limit, "max_page_operations");
    assert!(msg.contains("page 1"), "{msg}");

    // A small form drawn many times counts once per use.
    let form = stream(
        "/Type /XObject /Subtype /Form /BBox [0 0 10 10]",
        &b"0 0 m 1 1 l S\n".repeat(100),
    );
    let pdf = one_page(&b"/Fm1 Do\n".repeat(200), "", &[form]);
    assert!(pdf_to_markdown(&pdf, "forms.pdf", &opts(100_000)).is_ok());
    let (limit, _) = limit_error(pdf_to_markdown(&pdf, "forms.pdf", &opts(50_000)));
    assert_eq!(limit, "max_page_operations");
}

/// Forms that draw each other never end; they are refused, not followed
/// until the stack overflows.
#[test]
fn form_cycles_are_refused() {
    let fm1 = stream(
        "/Type /XObject /Subtype /Form /BBox [0 0 10 10] /Resources << /XObject << /Fm2 6 0 R >> >>",
        b"/Fm2 Do",
    );
    let fm2 = stream(
        "/Type /XObject /Subtype /Form /BBox [0 0 10 10] /Resources << /XObject << /Fm1 5 0 R >> >>",
        b"/Fm1 Do",
    );
    let pdf = one_page(b"/Fm1 Do", "", &[fm1, fm2]);
    let (limit, msg) = limit_error(pdf_to_markdown(&pdf, "cycle.pdf", &PdfOptions::default()));
    assert_eq!(limit, "max_page_operations");
    assert!(msg.contains("draws itself"), "{msg}");
}

#[test]
fn too_many_pages() {
    let pdf = one_page(b"BT /F1 12 Tf 72 700 Td (Hello) Tj ET", "", &[]);
    let opts = PdfOptions {
        limits: PdfLimits {
            max_pages: 0,
            ..PdfLimits::default()
        },
        ..PdfOptions::default()
    };
    let (limit, msg) = limit_error(pdf_to_markdown(&pdf, "pages.pdf", &opts));
    assert_eq!(limit, "max_pages");
    assert!(msg.contains("1 pages"), "{msg}");
}

#[test]
fn time_limit() {
    let pdf = one_page(b"BT /F1 12 Tf 72 700 Td (Hello) Tj ET", "", &[]);
    let opts = PdfOptions {
        limits: PdfLimits {
            max_time: Some(Duration::ZERO),
            ..PdfLimits::default()
        },
        ..PdfOptions::default()
    };
    let (limit, _) = limit_error(pdf_to_markdown(&pdf, "slow.pdf", &opts));
    assert_eq!(limit, "max_time");
    let none = PdfOptions {
        limits: PdfLimits {
            max_time: None,
            ..PdfLimits::default()
        },
        ..PdfOptions::default()
    };
    assert!(pdf_to_markdown(&pdf, "slow.pdf", &none).is_ok());
}

/// Log lines the PDF libraries write while reading a file carry the file's
/// name, from the worker threads too.
#[test]
fn library_log_lines_name_the_file() {
    #[derive(Clone, Default)]
    struct Buf(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
    impl Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buf = Buf::default();
    let writer = buf.clone();
    // Installs the log-to-tracing bridge too, as the mcdewey binary does.
    tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::WARN)
        .try_init()
        .unwrap();
    // An inline image with a filter makes lopdf's content parser warn, on
    // every one of 20 pages (enough for the parallel path).
    let page = b"BT /F1 12 Tf 72 700 Td (Hello there) Tj ET q BI /W 1 /H 1 /BPC 8 /CS /G /F /AHx ID 00> EI Q";
    let mut objects = vec![b"<< /Type /Catalog /Pages 2 0 R >>".to_vec()];
    let kids: Vec<String> = (0..20).map(|i| format!("{} 0 R", 3 + 2 * i)).collect();
    objects.push(format!("<< /Type /Pages /Kids [{}] /Count 20 >>", kids.join(" ")).into_bytes());
    for i in 0..20 {
        objects.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {} 0 R \
                 /Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> >>",
                4 + 2 * i
            )
            .into_bytes(),
        );
        objects.push(stream("", page));
    }
    let pdf = write_pdf(&objects);
    let opts = PdfOptions {
        threads: 4,
        ..PdfOptions::default()
    };
    pdf_to_markdown(&pdf, "inline-image.pdf", &opts).unwrap();
    let log = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<&str> = log.lines().collect();
    assert!(!lines.is_empty(), "the fixture makes lopdf warn");
    for l in lines {
        assert!(l.contains("inline-image.pdf"), "no file name in: {l}");
    }
}
