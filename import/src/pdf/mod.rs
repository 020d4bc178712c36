//! PDF manual → one Markdown document with page markers.

mod check;
mod content;
mod extract;
mod fonts;
mod furniture;
mod labels;
mod layout;
mod limits;
mod outline;
mod render;

use crate::paths;
use lopdf::Document;

use crate::frontmatter::{self, Value};
use crate::{ImportError, ImportWarning, ImportedDoc, IMPORTER};

pub use labels::format_page_label;
pub use limits::{LimitExceeded, PdfLimits};

/// Knobs for [`pdf_to_markdown`]. The defaults are what `mcdewey import pdf`
/// uses.
#[derive(Debug, Clone)]
pub struct PdfOptions {
    /// Remove running headers, footers and page numbers.
    pub strip_furniture: bool,
    /// Join words hyphenated at line ends.
    pub dehyphenate: bool,
    /// Title to use instead of the one found in the PDF.
    pub title: Option<String>,
    /// Threads for text extraction; 0 means one per available core. The
    /// output is identical whatever the number.
    pub threads: usize,
    /// A page whose output keeps less than this share of the words it draws
    /// (running headers and footers aside), or whose content stream shows
    /// more characters than the interpreter decoded by this share, gets a
    /// warning naming it.
    pub min_page_fidelity: f64,
    /// What one file may cost; a file over a limit is refused.
    pub limits: PdfLimits,
}

impl Default for PdfOptions {
    fn default() -> Self {
        PdfOptions {
            strip_furniture: true,
            dehyphenate: true,
            title: None,
            threads: 0,
            min_page_fidelity: 0.9,
            limits: PdfLimits::default(),
        }
    }
}

/// Result of [`pdf_to_markdown`].
#[derive(Debug, Clone)]
pub struct PdfImport {
    /// The document; its warnings include one per page without text.
    pub doc: ImportedDoc,
    /// Physical pages in the PDF.
    pub pages_in: u32,
    /// Page markers written (always equal to `pages_in`).
    pub pages_out: u32,
    /// What happened to each physical page, in order.
    pub pages: Vec<PdfPageReport>,
}

/// Per-page facts, for reports and fidelity checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfPageReport {
    /// Physical page number, 1-based.
    pub number: u32,
    /// Printed label from `/PageLabels`, if any.
    pub label: Option<String>,
    /// Glyphs extracted from the page.
    pub glyphs: usize,
    /// Lines removed as running header/footer/page number, as text.
    pub stripped: Vec<String>,
    /// The page has no text but draws an image (a scan, most likely).
    pub image_only: bool,
    /// Extraction hit an error on this page; its text may be incomplete.
    pub error: Option<String>,
    /// Character codes the page's content stream shows (`Tj`, `TJ`, `'`,
    /// `"`, in forms too).
    pub codes_shown: u64,
    /// Character codes the interpreter decoded from them.
    pub codes_decoded: u64,
    /// Words the page draws, running headers and footers aside.
    pub words_drawn: u32,
    /// How many of those the output keeps.
    pub words_kept: u32,
}

/// Converts a PDF into one Markdown document in McDewey's content format.
///
/// `source_name` is the original file name (recorded as `source`, and the
/// document's `rel_path` is its stem plus `.md`). Fails when the bytes are
/// not a readable PDF or the file goes over one of `opts.limits`; every
/// problem with individual pages becomes a warning.
///
/// Log lines from the PDF libraries are emitted inside a `pdf` tracing span
/// carrying `file = source_name`, so a subscriber shows which file they
/// are about.
pub fn pdf_to_markdown(
    bytes: &[u8],
    source_name: &str,
    opts: &PdfOptions,
) -> Result<PdfImport, ImportError> {
    let span = tracing::warn_span!("pdf", file = %source_name);
    let _entered = span.enter();
    let started = std::time::Instant::now();
    let limits = &opts.limits;
    limits::check_raw_streams(bytes, limits.max_stream_bytes)?;
    let mut doc = load(bytes)?;
    let page_ids: Vec<lopdf::ObjectId> = doc.get_pages().into_values().collect();
    let n = page_ids.len();
    if n > limits.max_pages {
        return Err(limits::exceeded(
            "max_pages",
            format!("it has {n} pages, more than {}", limits.max_pages),
        )
        .into());
    }
    let labels = labels::read(&doc, n);
    let outline = outline::read(&doc, &page_ids);
    let info_title = info_title(&doc);

    // Images first: they are emptied, never decoded.
    extract::neutralize_images(&mut doc);
    limits::decode_streams(&mut doc, limits)?;
    let scans = content::prepare(&mut doc, &page_ids, limits)?;
    fonts::prepare(&mut doc);
    let threads = match opts.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get().min(8)),
        t => t,
    };
    let deadline = extract::Deadline::new(limits.max_time.map(|t| started + t));
    let raw = extract::extract(&doc, &page_ids, threads, &deadline);
    if deadline.passed() {
        return Err(out_of_time(limits).into());
    }
    let layouts: Vec<layout::PageLayout> = raw.iter().map(layout::layout).collect();
    let furniture = if opts.strip_furniture {
        furniture::detect(&layouts, &labels)
    } else {
        vec![Vec::new(); n]
    };

    let mut warnings = Vec::new();
    let mut reports = Vec::with_capacity(n);
    for (i, page) in raw.iter().enumerate() {
        let number = (i + 1) as u32;
        let image_only = page.glyphs.is_empty() && extract::page_has_image(&doc, page_ids[i]);
        if page.glyphs.is_empty() {
            let message = if image_only {
                "no extractable text: the page is an image (scanned?), OCR would be needed"
            } else {
                "no extractable text: the page is blank"
            };
            warnings.push(ImportWarning {
                page: Some(number),
                message: message.to_string(),
            });
        }
        if let Some(err) = &page.error {
            warnings.push(ImportWarning {
                page: Some(number),
                message: format!("text extraction failed part-way, text may be missing: {err}"),
            });
        }
        reports.push(PdfPageReport {
            number,
            label: labels[i].clone(),
            glyphs: page.glyphs.len(),
            stripped: furniture[i]
                .iter()
                .map(|&l| layouts[i].lines[l].text.clone())
                .collect(),
            image_only,
            error: page.error.clone(),
            codes_shown: scans[i].codes,
            codes_decoded: page.delivered,
            words_drawn: 0,
            words_kept: 0,
        });
    }

    let rendered = render::render(&render::Input {
        pages: &layouts,
        furniture: &furniture,
        labels: &labels,
        outline: &outline,
        dehyphenate: opts.dehyphenate,
    });
    check::pages(
        &layouts,
        &furniture,
        &rendered.body,
        opts.min_page_fidelity,
        &mut reports,
        &mut warnings,
    );
    if limits.max_time.is_some_and(|t| started.elapsed() > t) {
        return Err(out_of_time(limits).into());
    }
    let title = opts
        .title
        .clone()
        .or(info_title)
        .or(rendered.title.clone())
        .unwrap_or_else(|| paths::stem(source_name).to_string());

    let mut markdown = frontmatter::render(&[
        ("title", Value::Str(&title)),
        ("source", Value::Str(paths::file_name(source_name))),
        ("pages", Value::Int(n as u64)),
        ("importer", Value::Str(IMPORTER)),
    ]);
    markdown.push('\n');
    markdown.push_str(&rendered.body);

    Ok(PdfImport {
        doc: ImportedDoc {
            rel_path: format!("{}.md", paths::stem(source_name)),
            markdown,
            title,
            weight: None,
            warnings,
        },
        pages_in: n as u32,
        pages_out: rendered.markers,
        pages: reports,
    })
}

fn out_of_time(limits: &PdfLimits) -> LimitExceeded {
    limits::exceeded(
        "max_time",
        format!(
            "it took longer than {} s",
            limits.max_time.unwrap_or_default().as_secs_f64()
        ),
    )
}

/// The printed label of every physical page (`None` without `/PageLabels`).
pub fn page_labels(bytes: &[u8]) -> Result<Vec<Option<String>>, ImportError> {
    let doc = load(bytes)?;
    let n = doc.get_pages().len();
    Ok(labels::read(&doc, n))
}

fn load(bytes: &[u8]) -> Result<Document, ImportError> {
    let mut doc = Document::load_mem(bytes).map_err(|e| ImportError::Pdf(e.to_string()))?;
    if doc.is_encrypted() {
        // Most "encrypted" manuals only restrict printing or copying and
        // open with the empty user password.
        doc.decrypt("").map_err(|_| ImportError::Encrypted)?;
    }
    if doc.get_pages().is_empty() {
        return Err(ImportError::Pdf("the document has no pages".into()));
    }
    Ok(doc)
}

fn info_title(doc: &Document) -> Option<String> {
    let info = doc
        .trailer
        .get(b"Info")
        .ok()
        .and_then(|o| labels::deref_dict(doc, o))?;
    let title = info
        .get(b"Title")
        .ok()
        .map(|t| labels::text_string(labels::deref(doc, t)))?;
    let title = crate::text::collapse_ws(&title);
    // Producers often leave the source file name or a placeholder here.
    let lower = title.to_lowercase();
    let junk = title.is_empty()
        || lower == "untitled"
        || [".dvi", ".tex", ".doc", ".docx", ".indd", ".pdf", ".fm"]
            .iter()
            .any(|ext| lower.ends_with(ext));
    (!junk).then_some(title)
}
