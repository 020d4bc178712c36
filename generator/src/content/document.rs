//! Splitting one document body into pages and chunks: a pure function of the
//! Markdown text and the chunking options, so rebuilding unchanged content
//! yields the same pages, chunk numbers and bytes.
//!
//! Pages come from page markers (`<!-- page 12 label="iv" -->`) when the
//! document has any, else from its top-level sections. Chunks never cross a
//! page or a heading, and a block (code, table, list, paragraph, quote) is
//! only cut when it alone is larger than `max_words`; a quote or a list item
//! is cut between the blocks it holds, recursively.
//!
//! Question entries also start a chunk: where a section holds two or more
//! questions that are not headings (a paragraph in bold ending with `?`, as
//! FAQ pages and converted definition lists write them, or list items whose
//! first line is a question with an answer under it), each question begins a
//! chunk, so every answer gets a chunk that starts with its question instead
//! of sharing one with its neighbours. Sections without such a run are cut
//! exactly as before, so their chunk numbers do not move.

use crate::markdown::{self, heading_level_num};
use pulldown_cmark::{Event, Parser, Tag, TagEnd};
use std::ops::Range;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkingOptions {
    /// A chunk is closed once it reaches this many words.
    pub target_words: usize,
    /// Blocks are cut only when larger than this; a chunk never grows past it
    /// by merging blocks.
    pub max_words: usize,
}

impl Default for ChunkingOptions {
    fn default() -> Self {
        ChunkingOptions {
            target_words: 200,
            max_words: 400,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// Physical page number (1-based): the PDF page, or the section's position.
    pub number: u32,
    /// The page number printed on the page, when it differs from `number`.
    pub label: Option<String>,
    /// First heading on the page, if any.
    pub title: Option<String>,
    /// Raw Markdown of the page (without its marker).
    pub markdown: String,
    /// 1-based line in the source file where the page starts.
    pub line: usize,
    /// Indices into [`ParsedDoc::chunks`].
    pub chunks: Range<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Chunk {
    /// 1-based chunk number within the document, the last part of the chunk id.
    pub n: u32,
    /// Index into [`ParsedDoc::pages`].
    pub page: usize,
    pub markdown: String,
    /// Heading path: the texts of the enclosing headings, outermost first.
    pub breadcrumb: Vec<String>,
    /// Ids of the headings inside this chunk, in order.
    pub heading_ids: Vec<String>,
    pub words: usize,
    /// 1-based line in the source file where the chunk starts.
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OutlineEntry {
    pub level: u8,
    pub text: String,
    pub id: String,
    pub page: usize,
    pub chunk: usize,
}

/// A problem in a document. `fatal` problems make the document unusable.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub line: usize,
    pub message: String,
    pub fatal: bool,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ParsedDoc {
    /// Text of the document's single leading `#` heading, if it has one.
    pub h1_title: Option<String>,
    pub pages: Vec<Page>,
    pub chunks: Vec<Chunk>,
    pub outline: Vec<OutlineEntry>,
    pub has_markers: bool,
    pub problems: Vec<Problem>,
    /// The document's link reference definitions: a chunk rendered alone
    /// resolves its reference links with them.
    pub link_defs: markdown::LinkDefs,
    /// Destinations of the document's links that name a fragment
    /// (`other.md#setup`), each once: what in-links are counted from.
    pub fragment_links: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Heading(u8, String),
    Marker(u32, Option<String>),
    Code,
    Table,
    List(Vec<Range<usize>>),
    Quote,
    Paragraph,
    Other,
}

#[derive(Debug, Clone)]
struct Block {
    kind: Kind,
    range: Range<usize>,
    words: usize,
}

/// Parses a page marker comment. `Ok(None)`: not a marker at all;
/// `Err`: looks like one but is malformed.
fn parse_marker(html: &str) -> Result<Option<(u32, Option<String>)>, String> {
    let t = html.trim();
    let Some(inner) = t.strip_prefix("<!--").and_then(|r| r.strip_suffix("-->")) else {
        return Ok(None);
    };
    let inner = inner.trim();
    let Some(rest) = inner.strip_prefix("page") else {
        return Ok(None);
    };
    if !rest.starts_with(char::is_whitespace) {
        return Ok(None);
    }
    let rest = rest.trim_start();
    if !rest.starts_with(|c: char| c.is_ascii_digit()) {
        return Ok(None);
    }
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let number: u32 = digits
        .parse()
        .map_err(|_| format!("page number `{digits}` is too large"))?;
    if number == 0 {
        return Err("page numbers start at 1".into());
    }
    let rest = rest[digits.len()..].trim();
    if rest.is_empty() {
        return Ok(Some((number, None)));
    }
    let malformed = || {
        format!("malformed page marker `{t}`: expected `<!-- page {number} -->` or `<!-- page {number} label=\"107\" -->`")
    };
    let value = rest
        .strip_prefix("label")
        .map(str::trim_start)
        .and_then(|r| r.strip_prefix('='))
        .map(str::trim_start)
        .and_then(|r| r.strip_prefix('"'))
        .and_then(|r| r.strip_suffix('"'))
        .ok_or_else(malformed)?;
    if value.contains('"') || value.trim().is_empty() {
        return Err(malformed());
    }
    Ok(Some((number, Some(value.trim().to_string()))))
}

/// Words as a reader counts them: tokens with a letter or digit, so table
/// pipes and heading marks do not inflate sizes.
fn words(s: &str) -> usize {
    // Most text is ASCII: one pass over bytes, with the same whitespace
    // (tab to carriage return, space) and letters as the general case, and
    // no branch on the text (a lookup per byte).
    const SPACE: u8 = 1;
    const ALNUM: u8 = 2;
    const CLASS: [u8; 128] = {
        let mut t = [0u8; 128];
        let mut b = 0;
        while b < 128 {
            let c = b as u8;
            t[b] = if matches!(c, b'\t'..=b'\r' | b' ') {
                SPACE
            } else if c.is_ascii_alphanumeric() {
                ALNUM
            } else {
                0
            };
            b += 1;
        }
        t
    };
    let (mut n, mut counts) = (0usize, 0usize);
    for &b in s.as_bytes() {
        let Some(&class) = CLASS.get(usize::from(b)) else {
            return words_unicode(s);
        };
        let space = usize::from(class == SPACE);
        n += counts & space;
        counts = (counts & (space ^ 1)) | usize::from(class == ALNUM);
    }
    n + counts
}

fn words_unicode(s: &str) -> usize {
    s.split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count()
}

/// Top-level blocks of `body`, with their byte ranges, its link reference
/// definitions and the destinations of its links to other files' headings.
fn blocks(
    body: &str,
    line_of: &dyn Fn(usize) -> usize,
    problems: &mut Vec<Problem>,
) -> (Vec<Block>, markdown::LinkDefs, Vec<String>) {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut start = 0usize;
    let mut kind = Kind::Other;
    let mut heading_text = String::new();
    let mut items: Vec<Range<usize>> = Vec::new();
    let events = Parser::new_ext(body, markdown::options()).into_offset_iter();
    let link_defs = markdown::LinkDefs::from_parsed(events.reference_definitions());
    let mut links = std::collections::BTreeSet::new();
    for (event, range) in events {
        if let Event::Start(Tag::Link { dest_url, .. }) = &event {
            // Links to another file's heading; not to the web, not within
            // the document.
            if dest_url.contains('#') && !dest_url.starts_with('#') && !dest_url.contains(':') {
                links.insert(dest_url.to_string());
            }
        }
        match event {
            Event::Start(tag) => {
                if depth == 0 {
                    start = range.start;
                    heading_text.clear();
                    items.clear();
                    kind = match tag {
                        Tag::Heading { level, .. } => {
                            Kind::Heading(heading_level_num(level), String::new())
                        }
                        Tag::CodeBlock(_) => Kind::Code,
                        Tag::Table(_) => Kind::Table,
                        Tag::List(_) => Kind::List(Vec::new()),
                        Tag::BlockQuote(_) => Kind::Quote,
                        Tag::Paragraph => Kind::Paragraph,
                        _ => Kind::Other,
                    };
                } else if depth == 1 && matches!(tag, Tag::Item) && matches!(kind, Kind::List(_)) {
                    items.push(range.clone());
                }
                depth += 1;
            }
            Event::End(end) => {
                depth -= 1;
                if depth == 0 {
                    let range = start..range.end;
                    let src = &body[range.clone()];
                    let kind = match (&kind, end) {
                        (Kind::Heading(level, _), _) => {
                            Kind::Heading(*level, heading_text.trim().to_string())
                        }
                        (Kind::List(_), _) => Kind::List(items.clone()),
                        (_, TagEnd::HtmlBlock) => match parse_marker(src) {
                            Ok(Some((n, label))) => Kind::Marker(n, label),
                            Ok(None) => Kind::Other,
                            Err(message) => {
                                problems.push(Problem {
                                    line: line_of(range.start),
                                    message,
                                    fatal: true,
                                });
                                Kind::Other
                            }
                        },
                        (k, _) => k.clone(),
                    };
                    let w = if matches!(kind, Kind::Marker(..)) {
                        0
                    } else {
                        words(src)
                    };
                    out.push(Block {
                        kind,
                        range,
                        words: w,
                    });
                }
            }
            Event::Text(t) | Event::Code(t) if matches!(kind, Kind::Heading(..)) && depth > 0 => {
                heading_text.push_str(&t);
            }
            Event::Html(h) | Event::InlineHtml(h) if depth > 1 || !matches!(kind, Kind::Other) => {
                if let Ok(Some((n, _))) = parse_marker(&h) {
                    problems.push(Problem {
                        line: line_of(range.start),
                        message: format!(
                            "page marker {n} is inside another block (list, quote or paragraph) and is ignored; put it on a line of its own between blocks"
                        ),
                        fatal: false,
                    });
                }
            }
            Event::Rule if depth == 0 => out.push(Block {
                kind: Kind::Other,
                range: range.clone(),
                words: 0,
            }),
            _ => {}
        }
    }
    (out, link_defs, links.into_iter().collect())
}

struct PageDraft {
    number: u32,
    label: Option<String>,
    blocks: Vec<Block>,
    line: usize,
    /// A later part of a section too long for one page ([`cap_pages`]).
    continued: bool,
}

/// Most Markdown bytes of a page made from a section: a longer section goes
/// on over further pages, so that no page view grows without bound (a
/// 1 MB cross-reference page, a whole manual's table of contents). About
/// 120 KB of HTML for prose; pages with physical page markers are not cut.
pub const MAX_PAGE_BYTES: usize = 64 * 1024;

/// Splits a document body. `line_offset` is the number of file lines before
/// the body (front matter), so reported lines are file lines.
pub fn parse(body: &str, line_offset: usize, opts: ChunkingOptions) -> ParsedDoc {
    parse_with(body, line_offset, opts, true)
}

/// [`parse`], with question entries as chunk boundaries or not (tests
/// compare the two: documents without question runs must not change).
fn parse_with(
    body: &str,
    line_offset: usize,
    opts: ChunkingOptions,
    question_boundaries: bool,
) -> ParsedDoc {
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(body.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let line_of =
        |byte: usize| -> usize { line_starts.partition_point(|&s| s <= byte) + line_offset };
    let mut doc = ParsedDoc::default();
    let (all, link_defs, fragment_links) = blocks(body, &line_of, &mut doc.problems);
    doc.fragment_links = fragment_links;
    doc.has_markers = all.iter().any(|b| matches!(b.kind, Kind::Marker(..)));

    let h1s: Vec<&Block> = all
        .iter()
        .filter(|b| matches!(b.kind, Kind::Heading(1, _)))
        .collect();
    let first_content = all.iter().find(|b| !matches!(b.kind, Kind::Marker(..)));
    if let (1, Some(first)) = (h1s.len(), first_content) {
        if let Kind::Heading(1, text) = &first.kind {
            if !text.is_empty() {
                doc.h1_title = Some(text.clone());
            }
        }
    }

    let drafts = if doc.has_markers {
        pages_from_markers(all, &line_of, &mut doc.problems)
    } else {
        cap_pages(
            body,
            pages_from_sections(all, doc.h1_title.is_some(), &line_of),
            MAX_PAGE_BYTES,
            &line_of,
        )
    };
    if doc.problems.iter().any(|p| p.fatal) {
        return doc;
    }
    chunk_pages(
        body,
        drafts,
        opts,
        question_boundaries,
        &line_of,
        &link_defs,
        &mut doc,
    );
    doc.link_defs = link_defs;
    doc
}

fn pages_from_markers(
    all: Vec<Block>,
    line_of: &dyn Fn(usize) -> usize,
    problems: &mut Vec<Problem>,
) -> Vec<PageDraft> {
    let mut drafts: Vec<PageDraft> = Vec::new();
    let mut before: Vec<Block> = Vec::new();
    let mut prev: Option<(u32, usize)> = None;
    for block in all {
        if let Kind::Marker(n, label) = &block.kind {
            let line = line_of(block.range.start);
            if let Some((p, pline)) = prev {
                if *n <= p {
                    problems.push(Problem {
                        line,
                        message: format!(
                            "page marker {n} follows page {p} (line {pline}): page numbers must increase"
                        ),
                        fatal: true,
                    });
                    continue;
                }
                if *n > p + 1 {
                    let missing = if *n == p + 2 {
                        format!("page {}", p + 1)
                    } else {
                        format!("pages {}-{}", p + 1, n - 1)
                    };
                    problems.push(Problem {
                        line,
                        message: format!("{missing} missing: marker {n} follows page {p}"),
                        fatal: false,
                    });
                }
            }
            prev = Some((*n, line));
            drafts.push(PageDraft {
                number: *n,
                label: label.clone(),
                blocks: Vec::new(),
                line,
                continued: false,
            });
        } else if let Some(page) = drafts.last_mut() {
            page.blocks.push(block);
        } else {
            before.push(block);
        }
    }
    if let Some(first) = before.first() {
        let line = line_of(first.range.start);
        if let Some(page) = drafts.first_mut() {
            problems.push(Problem {
                line,
                message: format!(
                    "text before the first page marker is put on page {}",
                    page.number
                ),
                fatal: false,
            });
            before.append(&mut page.blocks);
            page.blocks = before;
        }
    }
    drafts
}

fn pages_from_sections(
    all: Vec<Block>,
    has_title: bool,
    line_of: &dyn Fn(usize) -> usize,
) -> Vec<PageDraft> {
    // The top level is the smallest heading level below the title.
    let top = all
        .iter()
        .filter_map(|b| match &b.kind {
            Kind::Heading(l, _) if !(has_title && *l == 1) => Some(*l),
            _ => None,
        })
        .min();
    let mut drafts: Vec<PageDraft> = Vec::new();
    let mut current: Vec<Block> = Vec::new();
    let flush = |current: &mut Vec<Block>, drafts: &mut Vec<PageDraft>| {
        if current.is_empty() {
            return;
        }
        let line = line_of(current[0].range.start);
        drafts.push(PageDraft {
            number: drafts.len() as u32 + 1,
            label: None,
            blocks: std::mem::take(current),
            line,
            continued: false,
        });
    };
    for block in all {
        let starts_section = matches!(&block.kind, Kind::Heading(l, _) if Some(*l) == top);
        // A title with nothing under it stays with the first section.
        if starts_section && has_content(&current) {
            flush(&mut current, &mut drafts);
        }
        current.push(block);
    }
    flush(&mut current, &mut drafts);
    drafts
}

/// Whether `blocks` hold text besides headings.
fn has_content(blocks: &[Block]) -> bool {
    blocks
        .iter()
        .any(|b| !matches!(b.kind, Kind::Heading(..)) && b.words > 0)
}

/// Cuts section pages longer than `max` bytes into parts of at most `max`
/// bytes where their blocks allow, then numbers all pages again. A part
/// starts at a heading once the one before holds half of `max`, else where
/// the next block would not fit; a list longer than `max` is cut between
/// its items. One block that is still longer (a table, a code block, a
/// single list item) makes a page of its own. Pages under `max` are not
/// touched, so their numbers only move after a cut page of their document.
fn cap_pages(
    body: &str,
    drafts: Vec<PageDraft>,
    max: usize,
    line_of: &dyn Fn(usize) -> usize,
) -> Vec<PageDraft> {
    let span = |blocks: &[Block]| match (blocks.first(), blocks.last()) {
        (Some(f), Some(l)) => l.range.end - f.range.start,
        _ => 0,
    };
    let mut out: Vec<PageDraft> = Vec::new();
    for draft in drafts {
        if span(&draft.blocks) <= max {
            out.push(draft);
            continue;
        }
        let mut blocks: Vec<Block> = Vec::new();
        for b in draft.blocks {
            match &b.kind {
                Kind::List(items) if b.range.len() > max && items.len() > 1 => {
                    let mut group: Vec<Range<usize>> = Vec::new();
                    let flush = |group: &mut Vec<Range<usize>>, blocks: &mut Vec<Block>| {
                        if let (Some(f), Some(l)) = (group.first(), group.last()) {
                            let range = f.start..l.end;
                            blocks.push(Block {
                                words: words(&body[range.clone()]),
                                kind: Kind::List(std::mem::take(group)),
                                range,
                            });
                        }
                    };
                    for r in items {
                        if group.first().is_some_and(|f| r.end - f.start > max) {
                            flush(&mut group, &mut blocks);
                        }
                        group.push(r.clone());
                    }
                    flush(&mut group, &mut blocks);
                }
                _ => blocks.push(b),
            }
        }
        let mut parts: Vec<Vec<Block>> = vec![Vec::new()];
        for b in blocks {
            let cur = parts.last_mut().expect("one part at least");
            let fits = cur
                .first()
                .is_none_or(|f| b.range.end - f.range.start <= max);
            let at_heading = matches!(b.kind, Kind::Heading(..)) && span(cur) >= max / 2;
            if has_content(cur) && (!fits || at_heading) {
                // Headings at the end of a part go with the text under them.
                let keep = cur
                    .iter()
                    .rposition(|c| !matches!(c.kind, Kind::Heading(..)))
                    .map_or(0, |i| i + 1);
                let moved = cur.split_off(keep);
                parts.push(moved);
            }
            parts.last_mut().expect("one part at least").push(b);
        }
        for (k, blocks) in parts.into_iter().enumerate() {
            if blocks.is_empty() {
                continue;
            }
            out.push(PageDraft {
                number: 0,
                label: None,
                line: line_of(blocks[0].range.start),
                blocks,
                continued: k > 0,
            });
        }
    }
    for (i, d) in out.iter_mut().enumerate() {
        d.number = i as u32 + 1;
    }
    out
}

/// Pieces of a block larger than `max` words, each valid Markdown on its own.
fn split_block(body: &str, block: &Block, max: usize) -> Vec<String> {
    let src = &body[block.range.clone()];
    if block.words <= max {
        return vec![src.to_string()];
    }
    match &block.kind {
        Kind::Code => split_code(src, max),
        Kind::Table => split_table(src, max),
        Kind::List(items) => {
            let pieces: Vec<(String, usize)> = items
                .iter()
                .flat_map(|r| {
                    let s = body[r.clone()].trim_end();
                    if words(s) > max {
                        split_item(s, max)
                    } else {
                        vec![s.to_string()]
                    }
                })
                .map(|s| {
                    let w = words(&s);
                    (s, w)
                })
                .collect();
            group(pieces, max, "\n")
        }
        Kind::Quote => {
            let inner: Vec<&str> = src
                .trim_end()
                .lines()
                .map(|l| match l.trim_start().strip_prefix('>') {
                    Some(rest) => rest.strip_prefix(' ').unwrap_or(rest),
                    // A lazy continuation line.
                    None => l,
                })
                .collect();
            split_inner(&inner.join("\n"), max)
                .iter()
                .map(|piece| prefix_lines(piece, "> ", "> "))
                .collect()
        }
        Kind::Paragraph => {
            let sentences: Vec<(String, usize)> = split_sentences(src)
                .into_iter()
                .map(|s| {
                    let w = words(&s);
                    (s, w)
                })
                .collect();
            group(sentences, max, " ")
        }
        _ => vec![src.to_string()],
    }
}

/// The blocks of a container's inner Markdown (a quote's, a list item's),
/// each cut as a block of its own, packed into pieces of at most `max`
/// words: a container larger than a chunk is cut between its blocks, and a
/// table, list or code block inside it as it would be outside.
fn split_inner(inner: &str, max: usize) -> Vec<String> {
    // Page markers inside a container were reported by the outer parse.
    let (inner_blocks, _, _) = blocks(inner, &|_| 0, &mut Vec::new());
    let pieces: Vec<(String, usize)> = inner_blocks
        .iter()
        .flat_map(|b| split_block(inner, b, max))
        .map(|p| {
            let p = p.trim_end().to_string();
            let w = words(&p);
            (p, w)
        })
        .collect();
    group(pieces, max, "\n\n")
}

/// A list item larger than `max` words, cut between the blocks it holds
/// (paragraphs, code, a nested list); each piece starts with the item's
/// marker, so it reads as the same item.
fn split_item(item: &str, max: usize) -> Vec<String> {
    let first = item.lines().next().unwrap_or("");
    let lead = first.len() - first.trim_start().len();
    let rest = &first[lead..];
    let bullet = if rest.starts_with(['-', '*', '+']) {
        1
    } else {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        match rest.as_bytes().get(digits) {
            Some(b'.' | b')') if digits > 0 => digits + 1,
            _ => return vec![item.to_string()],
        }
    };
    let spaces = rest[bullet..].bytes().take_while(|&b| b == b' ').count();
    // Content of four or more spaces after the marker is indented code
    // that starts one column after it.
    let width = lead + bullet + if (1..=4).contains(&spaces) { spaces } else { 1 };
    let pad = " ".repeat(width);
    let mut content = vec![first.get(width..).unwrap_or("")];
    content.extend(item.lines().skip(1).map(|l| {
        l.strip_prefix(pad.as_str())
            .unwrap_or_else(|| l.trim_start())
    }));
    let pieces = split_inner(&content.join("\n"), max);
    if pieces.len() <= 1 {
        return vec![item.to_string()];
    }
    let marker = format!("{:<width$}", &first[..lead + bullet]);
    pieces
        .iter()
        .map(|p| prefix_lines(p, &marker, &pad))
        .collect()
}

/// `text` with `first` before its first line and `rest` before every
/// other non-empty line (blank lines keep the prefix without its trailing
/// spaces, so a quote stays one quote).
fn prefix_lines(text: &str, first: &str, rest: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for (i, line) in text.lines().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let p = if i == 0 { first } else { rest };
        if line.is_empty() {
            out.push_str(p.trim_end());
        } else {
            out.push_str(p);
            out.push_str(line);
        }
    }
    out
}

/// Greedily packs pieces into groups of at most `max` words.
fn group(pieces: Vec<(String, usize)>, max: usize, sep: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut cur_words = 0;
    for (text, w) in pieces {
        if cur_words > 0 && cur_words + w > max {
            out.push(std::mem::take(&mut cur));
            cur_words = 0;
        }
        if !cur.is_empty() {
            cur.push_str(sep);
        }
        cur.push_str(&text);
        cur_words += w;
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn split_sentences(src: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let text = src.split_whitespace().collect::<Vec<_>>();
    for w in text {
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(w);
        if w.ends_with(['.', '!', '?']) {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn split_code(src: &str, max: usize) -> Vec<String> {
    let lines: Vec<&str> = src.trim_end().lines().collect();
    let first = lines.first().map(|l| l.trim_start()).unwrap_or("");
    let fenced = first.starts_with("```") || first.starts_with("~~~");
    let (open, close, body): (String, String, &[&str]) = if fenced && lines.len() >= 2 {
        let fence_char = first.chars().next().unwrap_or('`');
        let fence_len = first.chars().take_while(|&c| c == fence_char).count();
        let last = lines[lines.len() - 1].trim();
        let closed = last.starts_with(&first[..fence_len]) && last.chars().all(|c| c == fence_char);
        let end = if closed { lines.len() - 1 } else { lines.len() };
        (
            first.to_string(),
            first[..fence_len].to_string(),
            &lines[1..end],
        )
    } else {
        // An indented code block becomes fenced so each piece stays code.
        ("```".into(), "```".into(), &lines[..])
    };
    let strip = if fenced { 0 } else { 4 };
    let pieces: Vec<(String, usize)> = body
        .iter()
        .map(|l| {
            let l = if strip > 0 {
                l.strip_prefix("    ")
                    .or_else(|| l.strip_prefix('\t'))
                    .unwrap_or(l)
            } else {
                l
            };
            (l.to_string(), words(l).max(1))
        })
        .collect();
    group(pieces, max, "\n")
        .into_iter()
        .map(|inner| format!("{open}\n{inner}\n{close}"))
        .collect()
}

fn split_table(src: &str, max: usize) -> Vec<String> {
    let lines: Vec<&str> = src.trim_end().lines().collect();
    if lines.len() < 3 {
        return vec![src.to_string()];
    }
    let head = format!("{}\n{}", lines[0], lines[1]);
    let head_words = words(&head);
    let rows: Vec<(String, usize)> = lines[2..]
        .iter()
        .map(|l| (l.to_string(), words(l)))
        .collect();
    group(rows, max.saturating_sub(head_words).max(1), "\n")
        .into_iter()
        .map(|rows| format!("{head}\n{rows}"))
        .collect()
}

/// Most words a question entry's question may have; longer bold text is a
/// statement that happens to end with `?`.
const MAX_QUESTION_WORDS: usize = 40;

/// Whether plain text reads as a question: it ends with `?` (before closing
/// brackets or quotes) and has 2 to [`MAX_QUESTION_WORDS`] words.
fn is_question_text(text: &str) -> bool {
    let t = text
        .trim()
        .trim_end_matches([')', ']', '"', '\'', '\u{201d}', '\u{2019}']);
    t.ends_with('?') && (2..=MAX_QUESTION_WORDS).contains(&words(t))
}

/// A paragraph that is one bold run reading as a question
/// (`**(3) How do I …?**`): how FAQ pages mark questions without headings,
/// and how converted HTML writes definition-list terms.
fn is_bold_question(src: &str) -> bool {
    let t = src.trim();
    if !(t.starts_with("**") || t.starts_with("__")) || !t.contains('?') {
        return false;
    }
    let mut depth = 0usize;
    let mut text = String::new();
    let mut runs = 0;
    for event in Parser::new_ext(t, markdown::options()) {
        match event {
            Event::Start(Tag::Paragraph) | Event::End(TagEnd::Paragraph) => {}
            Event::Start(Tag::Strong) => {
                if depth == 0 {
                    runs += 1;
                }
                depth += 1;
            }
            Event::End(TagEnd::Strong) => depth = depth.saturating_sub(1),
            Event::Text(x) | Event::Code(x) if depth > 0 => text.push_str(&x),
            Event::SoftBreak | Event::HardBreak if depth > 0 => text.push(' '),
            // Anything outside the bold run makes it a sentence, not a question.
            _ if depth == 0 => return false,
            _ => {}
        }
    }
    runs == 1 && is_question_text(&text)
}

/// A list item whose first line is a question with more text under it.
fn is_question_item(src: &str) -> bool {
    let t = src.trim_start();
    let t = match t.strip_prefix(['-', '*', '+']) {
        Some(rest) => rest,
        None => t
            .trim_start_matches(|c: char| c.is_ascii_digit())
            .strip_prefix(['.', ')'])
            .unwrap_or(t),
    };
    let (first, rest) = t.split_once('\n').unwrap_or((t, ""));
    words(rest) > 0 && is_question_text(&markdown::plain_text(first.trim()))
}

/// How a block takes part in a run of question entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Entry {
    None,
    /// A bold question paragraph of a section with two or more of them.
    Question,
    /// A list with two or more question items: cut before each of them.
    QuestionList,
}

/// [`Entry`] of each block of a page. Only runs count (two or more questions
/// in one section, or in one list): a single bold question in ordinary prose
/// leaves the chunks as they were.
fn question_entries(body: &str, blocks: &[Block]) -> Vec<Entry> {
    let mut out = vec![Entry::None; blocks.len()];
    let mut section: Vec<usize> = Vec::new();
    let flush = |section: &mut Vec<usize>, out: &mut Vec<Entry>| {
        if section.len() >= 2 {
            for &i in section.iter() {
                out[i] = Entry::Question;
            }
        }
        section.clear();
    };
    for (i, b) in blocks.iter().enumerate() {
        match &b.kind {
            Kind::Heading(..) => flush(&mut section, &mut out),
            Kind::Paragraph if is_bold_question(&body[b.range.clone()]) => section.push(i),
            Kind::List(items)
                if items
                    .iter()
                    .filter(|r| is_question_item(&body[(*r).clone()]))
                    .count()
                    >= 2 =>
            {
                out[i] = Entry::QuestionList;
            }
            _ => {}
        }
    }
    flush(&mut section, &mut out);
    out
}

/// Pieces of a block, each with whether it starts a question entry and the
/// byte where it starts (a list item's own line, for its chunk).
fn entry_pieces(body: &str, block: &Block, entry: Entry, max: usize) -> Vec<(String, bool, usize)> {
    match (entry, &block.kind) {
        (Entry::QuestionList, Kind::List(items)) => items
            .iter()
            .map(|r| {
                let s = &body[r.clone()];
                (s.trim_end().to_string(), is_question_item(s), r.start)
            })
            .collect(),
        _ => split_block(body, block, max)
            .into_iter()
            .enumerate()
            .map(|(k, p)| (p, k == 0 && entry == Entry::Question, block.range.start))
            .collect(),
    }
}

struct ChunkDraft {
    parts: Vec<String>,
    words: usize,
    content: bool,
    breadcrumb: Option<Vec<String>>,
    heading_ids: Vec<String>,
    line: usize,
}

fn chunk_pages(
    body: &str,
    drafts: Vec<PageDraft>,
    opts: ChunkingOptions,
    question_boundaries: bool,
    line_of: &dyn Fn(usize) -> usize,
    link_defs: &markdown::LinkDefs,
    doc: &mut ParsedDoc,
) {
    let mut stack: Vec<(u8, String)> = Vec::new();
    let mut used_ids = mcdewey_import::HeadingIds::default();
    for draft in drafts {
        let page_idx = doc.pages.len();
        let chunk_start = doc.chunks.len();
        let mut cur: Option<ChunkDraft> = None;
        // A continued section's page is named after the section, unless it
        // starts with a heading of its own.
        let starts_with_heading = draft
            .blocks
            .first()
            .is_some_and(|b| matches!(b.kind, Kind::Heading(..)));
        let mut title: Option<String> = if draft.continued && !starts_with_heading {
            stack.last().map(|(_, t)| format!("{t} (continued)"))
        } else {
            None
        };
        let close = |cur: &mut Option<ChunkDraft>, doc: &mut ParsedDoc, stack: &[(u8, String)]| {
            if let Some(c) = cur.take() {
                let n = doc.chunks.len() as u32 + 1;
                doc.chunks.push(Chunk {
                    n,
                    page: page_idx,
                    markdown: c.parts.join("\n\n"),
                    breadcrumb: c
                        .breadcrumb
                        .unwrap_or_else(|| stack.iter().map(|(_, t)| t.clone()).collect()),
                    heading_ids: c.heading_ids,
                    words: c.words,
                    line: c.line,
                });
            }
        };
        let entries = if question_boundaries {
            question_entries(body, &draft.blocks)
        } else {
            vec![Entry::None; draft.blocks.len()]
        };
        for (block, &entry) in draft.blocks.iter().zip(&entries) {
            let line = line_of(block.range.start);
            if let Kind::Heading(level, text) = &block.kind {
                if cur.as_ref().is_some_and(|c| c.content) {
                    close(&mut cur, doc, &stack);
                }
                while stack.last().is_some_and(|(l, _)| *l >= *level) {
                    stack.pop();
                }
                stack.push((*level, text.clone()));
                if title.is_none() && !text.is_empty() {
                    title = Some(text.clone());
                }
                let id = used_ids.next(text);
                doc.outline.push(OutlineEntry {
                    level: *level,
                    text: text.clone(),
                    id: id.clone(),
                    page: page_idx,
                    chunk: doc.chunks.len(),
                });
                let c = cur.get_or_insert_with(|| ChunkDraft {
                    parts: Vec::new(),
                    words: 0,
                    content: false,
                    breadcrumb: None,
                    heading_ids: Vec::new(),
                    line,
                });
                c.parts
                    .push(body[block.range.clone()].trim_end().to_string());
                c.words += block.words;
                c.heading_ids.push(id);
                continue;
            }
            for (piece, starts_entry, at) in entry_pieces(body, block, entry, opts.max_words) {
                let w = words(&piece);
                // Pieces of one block keep the block's line, as before; list
                // items cut as question entries have lines of their own.
                let line = if at == block.range.start {
                    line
                } else {
                    line_of(at)
                };
                if let Some(c) = &cur {
                    if c.content
                        && (starts_entry
                            || c.words >= opts.target_words
                            || c.words + w > opts.max_words)
                    {
                        close(&mut cur, doc, &stack);
                    }
                }
                let c = cur.get_or_insert_with(|| ChunkDraft {
                    parts: Vec::new(),
                    words: 0,
                    content: false,
                    breadcrumb: None,
                    heading_ids: Vec::new(),
                    line,
                });
                if !c.content {
                    c.breadcrumb = Some(stack.iter().map(|(_, t)| t.clone()).collect());
                }
                c.parts.push(piece.trim_end().to_string());
                c.words += w;
                c.content = true;
            }
        }
        close(&mut cur, doc, &stack);
        let markdown = match (draft.blocks.first(), draft.blocks.last()) {
            (Some(f), Some(l)) => {
                let text = body[f.range.start..l.range.end].trim_end();
                let defs = link_defs.used_in(text);
                if defs.is_empty() {
                    format!("{text}\n")
                } else {
                    format!("{text}\n\n{defs}")
                }
            }
            _ => String::new(),
        };
        doc.pages.push(Page {
            number: draft.number,
            label: draft.label,
            title,
            markdown,
            line: draft.line,
            chunks: chunk_start..doc.chunks.len(),
        });
    }
}

#[cfg(test)]
#[path = "document_tests.rs"]
mod tests;
