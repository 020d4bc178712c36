//! Positioned glyphs out of pdf-extract's content-stream interpreter.
//!
//! pdf-extract does the hard part (fonts, encodings, text state); we only
//! record where each glyph lands, its size and its advance width, and do the
//! layout analysis ourselves (see `layout.rs`).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use lopdf::{Document, Object, ObjectId};
use pdf_extract::{MediaBox, OutputDev, OutputError, Transform};

/// One shown glyph, in default user space (y grows upwards).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Glyph {
    /// Origin of the glyph on the baseline.
    pub x: f32,
    pub y: f32,
    /// Advance width on the page.
    pub w: f32,
    /// Effective font size on the page.
    pub size: f32,
    /// Advance width in em (the font's width / 1000); equal for every glyph
    /// of a monospaced font, which is how code is recognised.
    pub em: f32,
    /// False for rotated or mirrored text.
    pub upright: bool,
    /// Byte range of the glyph's text in [`RawPage::text`].
    pub start: u32,
    pub end: u32,
}

impl Glyph {
    pub fn text<'a>(&self, page: &'a RawPage) -> &'a str {
        &page.text[self.start as usize..self.end as usize]
    }
}

/// Everything recorded for one physical page.
#[derive(Debug, Default)]
pub(crate) struct RawPage {
    pub glyphs: Vec<Glyph>,
    pub text: String,
    /// Media box.
    pub x0: f32,
    pub y0: f32,
    pub x1: f32,
    pub y1: f32,
    /// Set when the interpreter failed on this page (its text may be partial).
    pub error: Option<String>,
    /// Character codes the interpreter delivered, kept or not (off-page
    /// glyphs, spaces): compared with what the content stream shows.
    pub delivered: u64,
}

/// When extraction must stop, shared by the threads of one file.
pub(crate) struct Deadline {
    at: Option<Instant>,
    passed: AtomicBool,
}

impl Deadline {
    pub fn new(at: Option<Instant>) -> Self {
        Deadline {
            at,
            passed: AtomicBool::new(false),
        }
    }

    pub fn passed(&self) -> bool {
        if self.passed.load(Ordering::Relaxed) {
            return true;
        }
        if self.at.is_some_and(|at| Instant::now() >= at) {
            self.passed.store(true, Ordering::Relaxed);
            return true;
        }
        false
    }
}

struct Collector<'d> {
    pages: Vec<RawPage>,
    current: Option<RawPage>,
    deadline: &'d Deadline,
}

/// What the interpreter is told to stop with when the deadline passes.
fn out_of_time() -> OutputError {
    OutputError::FormatError(std::fmt::Error)
}

impl OutputDev for Collector<'_> {
    fn begin_page(
        &mut self,
        _page_num: u32,
        media_box: &MediaBox,
        _art_box: Option<(f64, f64, f64, f64)>,
    ) -> Result<(), OutputError> {
        if self.deadline.passed() {
            return Err(out_of_time());
        }
        self.current = Some(RawPage {
            x0: media_box.llx.min(media_box.urx) as f32,
            y0: media_box.lly.min(media_box.ury) as f32,
            x1: media_box.llx.max(media_box.urx) as f32,
            y1: media_box.lly.max(media_box.ury) as f32,
            ..RawPage::default()
        });
        Ok(())
    }

    fn end_page(&mut self) -> Result<(), OutputError> {
        if let Some(p) = self.current.take() {
            self.pages.push(p);
        }
        Ok(())
    }

    fn output_character(
        &mut self,
        trm: &Transform,
        width: f64,
        _spacing: f64,
        font_size: f64,
        char: &str,
    ) -> Result<(), OutputError> {
        let Some(page) = self.current.as_mut() else {
            return Ok(());
        };
        page.delivered += 1;
        if page.delivered % 256 == 0 && self.deadline.passed() {
            return Err(out_of_time());
        }
        // trm = [h-scale 0 0 1 0 rise] × Tm × CTM: it carries position and
        // scaling but not the font size, which scales both axes.
        let sx = trm.m11.hypot(trm.m12);
        let sy = trm.m21.hypot(trm.m22);
        let size = (font_size.abs() * sy) as f32;
        let w = (width * font_size.abs() * sx) as f32;
        let x = trm.m31 as f32;
        let y = trm.m32 as f32;
        if !(x.is_finite() && y.is_finite() && size.is_finite() && w.is_finite()) || size <= 0.0 {
            return Ok(());
        }
        // Like poppler, ignore what is drawn off the page: it is not printed,
        // and overlong lines would otherwise run into the next line's text.
        if x + w < page.x0 || x > page.x1 || y + size < page.y0 || y > page.y1 {
            return Ok(());
        }
        let start = page.text.len();
        for c in char.chars() {
            crate::text::push_normalized_char(c, &mut page.text);
        }
        let end = page.text.len();
        if start == end {
            return Ok(());
        }
        let glyph = Glyph {
            x,
            y,
            w,
            size,
            em: width as f32,
            upright: trm.m11 > 0.0 && trm.m12.abs() <= 0.2 * trm.m11 && trm.m22 > 0.0,
            start: start as u32,
            end: end as u32,
        };
        if !compose_accent(page, glyph) {
            page.glyphs.push(glyph);
        }
        Ok(())
    }

    fn begin_word(&mut self) -> Result<(), OutputError> {
        Ok(())
    }
    fn end_word(&mut self) -> Result<(), OutputError> {
        Ok(())
    }
    fn end_line(&mut self) -> Result<(), OutputError> {
        Ok(())
    }
}

/// The combining mark for a spacing accent as TeX draws it.
fn combining(accent: &str) -> Option<char> {
    let mut chars = accent.chars();
    let c = chars.next()?;
    if chars.next().is_some() {
        return None;
    }
    Some(match c {
        '`' => '\u{0300}',
        '\u{00B4}' => '\u{0301}',
        '^' | '\u{02C6}' => '\u{0302}',
        '~' | '\u{02DC}' => '\u{0303}',
        '\u{00AF}' | '\u{02C9}' => '\u{0304}',
        '\u{02D8}' => '\u{0306}',
        '\u{02D9}' => '\u{0307}',
        '\u{00A8}' => '\u{0308}',
        '\u{02DA}' => '\u{030A}',
        '\u{02DD}' => '\u{030B}',
        '\u{02C7}' => '\u{030C}',
        '\u{00B8}' => '\u{0327}',
        '\u{02DB}' => '\u{0328}',
        _ => return None,
    })
}

/// TeX builds accented letters by drawing a spacing accent over the letter
/// (`\accent`): "¨" then "o". When the new glyph and the previous one are
/// such a pair, overlapping on the page, the previous glyph becomes the
/// composed letter ("ö") and `true` is returned.
fn compose_accent(page: &mut RawPage, glyph: Glyph) -> bool {
    let Some(prev) = page.glyphs.last().copied() else {
        return false;
    };
    if prev.end as usize != glyph.start as usize {
        return false;
    }
    let prev_text = &page.text[prev.start as usize..prev.end as usize];
    let new_text = &page.text[glyph.start as usize..glyph.end as usize];
    let (accent, base, mark) = match (combining(prev_text), combining(new_text)) {
        (Some(m), None) => (prev, glyph, m),
        (None, Some(m)) => (glyph, prev, m),
        _ => return false,
    };
    let base_text = &page.text[base.start as usize..base.end as usize];
    let mut base_chars = base_text.chars();
    let (Some(letter), None) = (base_chars.next(), base_chars.next()) else {
        return false;
    };
    if !letter.is_alphabetic() {
        return false;
    }
    // The accent must sit over the letter, not next to it (code like `a`).
    let accent_mid = accent.x + accent.w / 2.0;
    let over = accent_mid > base.x + 0.1 * base.w && accent_mid < base.x + 0.9 * base.w;
    let above = accent.y >= base.y - 0.3 * base.size && accent.y <= base.y + base.size;
    if !over || !above {
        return false;
    }
    // A dotless i takes the accent in place of its dot.
    let letter = match letter {
        '\u{0131}' => 'i',
        '\u{0237}' => 'j',
        c => c,
    };
    use unicode_normalization::UnicodeNormalization;
    let composed: String = [letter, mark].into_iter().nfc().collect();
    page.text.truncate(prev.start as usize);
    page.text.push_str(&composed);
    let end = page.text.len() as u32;
    if let Some(last) = page.glyphs.last_mut() {
        *last = Glyph {
            start: prev.start,
            end,
            ..base
        };
    }
    true
}

/// Runs the interpreter over every page. One pass over the whole document
/// first (cheapest); if a page makes it fail, the pages after it are retried
/// one by one so a single bad page costs only itself.
pub(crate) fn extract(
    doc: &Document,
    page_ids: &[ObjectId],
    threads: usize,
    deadline: &Deadline,
) -> Vec<RawPage> {
    let n = page_ids.len();
    if threads > 1 && n >= 16 {
        return extract_parallel(doc, n, threads, deadline);
    }
    let mut collector = Collector {
        pages: Vec::with_capacity(n),
        current: None,
        deadline,
    };
    let whole = catch_unwind(AssertUnwindSafe(|| {
        pdf_extract::output_doc(doc, &mut collector)
    }));
    let failure = match whole {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(format!("{e:?}")),
        Err(p) => Some(panic_message(&p)),
    };
    let mut pages = std::mem::take(&mut collector.pages);
    if let Some(msg) = failure {
        // The failing page is the one begun but not ended.
        let mut failed = collector.current.take().unwrap_or_default();
        failed.error = Some(msg);
        pages.push(failed);
        for page_num in pages.len() + 1..=n {
            pages.push(extract_one(doc, page_num as u32, deadline));
        }
    }
    pages.truncate(n);
    while pages.len() < n {
        pages.push(RawPage {
            error: Some("page not reached by the interpreter".into()),
            ..RawPage::default()
        });
    }
    pages
}

/// Pages split into contiguous chunks, one per thread, each page
/// interpreted on its own (pdf-extract rebuilds fonts per page anyway, so
/// nothing is lost). Results are reassembled in page order, so the output
/// does not depend on scheduling.
fn extract_parallel(doc: &Document, n: usize, threads: usize, deadline: &Deadline) -> Vec<RawPage> {
    let chunk = n.div_ceil(threads);
    let mut pages = Vec::with_capacity(n);
    // Library log lines from the worker threads keep the file's context.
    let span = tracing::Span::current();
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let first = t * chunk + 1;
                let last = ((t + 1) * chunk).min(n);
                let span = span.clone();
                scope.spawn(move || {
                    let _entered = span.enter();
                    (first..=last)
                        .map(|p| extract_one(doc, p as u32, deadline))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for h in handles {
            // extract_one catches interpreter panics itself.
            pages.extend(h.join().unwrap_or_default());
        }
    });
    pages.truncate(n);
    while pages.len() < n {
        pages.push(RawPage {
            error: Some("page not reached by the interpreter".into()),
            ..RawPage::default()
        });
    }
    pages
}

fn extract_one(doc: &Document, page_num: u32, deadline: &Deadline) -> RawPage {
    let mut collector = Collector {
        pages: Vec::with_capacity(1),
        current: None,
        deadline,
    };
    let res = catch_unwind(AssertUnwindSafe(|| {
        pdf_extract::output_doc_page(doc, &mut collector, page_num)
    }));
    let error = match res {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(format!("{e:?}")),
        Err(p) => Some(panic_message(&p)),
    };
    let mut page = collector
        .pages
        .pop()
        .or(collector.current.take())
        .unwrap_or_default();
    page.error = error;
    page
}

fn panic_message(p: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "interpreter panicked".to_string()
    }
}

/// Whether a page draws any raster image (image XObject, possibly inside a
/// form, or an inline image). Used to tell scanned pages from blank ones.
pub(crate) fn page_has_image(doc: &Document, page_id: ObjectId) -> bool {
    let mut seen = std::collections::HashSet::new();
    let (direct, inherited) = match doc.get_page_resources(page_id) {
        Ok(r) => r,
        Err(_) => return false,
    };
    let mut dicts: Vec<&lopdf::Dictionary> = direct.into_iter().collect();
    dicts.extend(
        inherited
            .into_iter()
            .filter_map(|id| doc.get_dictionary(id).ok()),
    );
    if dicts
        .iter()
        .any(|r| resources_have_image(doc, r, 0, &mut seen))
    {
        return true;
    }
    // Inline images: `BI ... ID ... EI` in the content stream.
    doc.get_page_content(page_id)
        .map(|c| {
            c.windows(4)
                .any(|w| w == b"\nBI " || w == b" BI\n" || w == b"\nBI\n")
        })
        .unwrap_or(false)
}

fn resources_have_image(
    doc: &Document,
    resources: &lopdf::Dictionary,
    depth: usize,
    seen: &mut std::collections::HashSet<ObjectId>,
) -> bool {
    if depth > 8 {
        return false;
    }
    let Some(xobjects) = resources
        .get(b"XObject")
        .ok()
        .and_then(|o| super::labels::deref_dict(doc, o))
    else {
        return false;
    };
    for (_, obj) in xobjects.iter() {
        if let Object::Reference(id) = obj {
            if !seen.insert(*id) {
                continue;
            }
        }
        let Some(dict) = super::labels::deref_dict(doc, obj) else {
            continue;
        };
        match dict.get(b"Subtype").ok().and_then(|s| s.as_name().ok()) {
            Some(b"Image") => return true,
            Some(b"Form") => {
                if let Some(res) = dict
                    .get(b"Resources")
                    .ok()
                    .and_then(|o| super::labels::deref_dict(doc, o))
                {
                    if resources_have_image(doc, res, depth + 1, seen) {
                        return true;
                    }
                }
            }
            _ => {}
        }
    }
    false
}

/// Empties every image XObject. pdf-extract runs `Do` on images as if they
/// were forms, so image data would be parsed as content (wasted time at
/// best, a lost page at worst). Text never lives in images, and only their
/// `/Subtype` is looked at afterwards.
pub(crate) fn neutralize_images(doc: &mut Document) {
    for obj in doc.objects.values_mut() {
        if let Object::Stream(stream) = obj {
            let is_image = stream
                .dict
                .get(b"Subtype")
                .ok()
                .and_then(|s| s.as_name().ok())
                .is_some_and(|s| s == b"Image");
            if is_image {
                stream.dict.remove(b"Filter");
                stream.dict.remove(b"DecodeParms");
                stream.set_content(Vec::new());
            }
        }
    }
}
