//! Lines in reading order → Markdown blocks, with one marker per page.

use std::collections::{HashMap, HashSet};
use std::fmt::Write;

use super::layout::{median, Line, PageLayout};
use super::outline::Entry;
use crate::text::{escape_block_start, escape_inline, fence_for, skeleton};

pub(crate) struct Input<'a> {
    pub pages: &'a [PageLayout],
    pub furniture: &'a [Vec<usize>],
    pub labels: &'a [Option<String>],
    pub outline: &'a [Entry],
    pub dehyphenate: bool,
}

pub(crate) struct Output {
    pub body: String,
    pub markers: u32,
    /// The largest text on the first page with text, when it stands out.
    pub title: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Prose,
    Code,
    TableRow,
}

enum Block<'a> {
    Heading(usize, String),
    Code(Vec<&'a Line>),
    Table(Vec<&'a Line>),
    Para(Vec<&'a Line>),
}

struct Stats {
    body_size: f32,
    /// Baseline distance in ems between consecutive lines of a paragraph.
    leading: f32,
    /// Font-size headings (used without an outline): rounded size → level.
    heading_sizes: Vec<(i32, usize)>,
}

pub(crate) fn render(input: &Input<'_>) -> Output {
    let kept: Vec<Vec<&Line>> = input
        .pages
        .iter()
        .zip(input.furniture)
        .map(|(p, removed)| {
            p.lines
                .iter()
                .enumerate()
                .filter(|(i, _)| !removed.contains(i))
                .map(|(_, l)| l)
                .collect()
        })
        .collect();
    let mono_ems = mono_ems(&kept);
    let kinds: Vec<Vec<Kind>> = kept
        .iter()
        .map(|lines| classify(lines, &mono_ems))
        .collect();
    let stats = stats(&kept, &kinds, input.outline.is_empty());
    let vocab = if input.dehyphenate {
        Vocabulary::build(&kept, &kinds)
    } else {
        Vocabulary::default()
    };
    let mut by_page: HashMap<usize, Vec<&Entry>> = HashMap::new();
    for e in input.outline {
        if let Some(p) = e.page {
            by_page.entry(p).or_default().push(e);
        }
    }

    let mut body = String::new();
    let mut markers = 0u32;
    for (p, lines) in kept.iter().enumerate() {
        markers += 1;
        match input.labels.get(p).and_then(|l| l.as_deref()) {
            Some(label) if !label.is_empty() => {
                let _ = write!(
                    body,
                    "<!-- page {} label=\"{}\" -->\n\n",
                    p + 1,
                    marker_safe(label)
                );
            }
            _ => {
                let _ = write!(body, "<!-- page {} -->\n\n", p + 1);
            }
        }
        let entries = by_page.get(&p).map(Vec::as_slice).unwrap_or(&[]);
        let blocks = blocks(lines, &kinds[p], entries, &stats, input.outline.is_empty());
        for block in blocks {
            emit(&block, &vocab, input.dehyphenate, &mut body);
            body.push_str("\n\n");
        }
    }
    while body.ends_with("\n\n") {
        body.pop();
    }
    Output {
        body,
        markers,
        title: find_title(&kept, &stats),
    }
}

fn marker_safe(label: &str) -> String {
    label
        .chars()
        .map(|c| match c {
            '"' => '\'',
            '<' | '>' => ' ',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect::<String>()
        .replace("--", "-\u{2010}")
}

/// Code, table row or prose; lines too short to tell follow their
/// neighbours (a lone `}` between code lines is code).
fn classify(lines: &[&Line], mono_ems: &[f32]) -> Vec<Kind> {
    let mono: Vec<Option<bool>> = lines
        .iter()
        .map(|l| match (l.mono, l.uniform_em) {
            (None, Some(em)) if mono_ems.iter().any(|m| (m - em).abs() < 0.002) => Some(true),
            (m, _) => m,
        })
        .collect();
    let mut kinds = Vec::with_capacity(lines.len());
    for (i, l) in lines.iter().enumerate() {
        let is_mono = match mono[i] {
            Some(m) => m,
            None => {
                let before = mono[..i].iter().rev().flatten().next().copied();
                let after = mono[i + 1..].iter().flatten().next().copied();
                // A closing "}" right under the code it ends, even when
                // prose follows.
                let closes_code = i > 0 && kinds.last() == Some(&Kind::Code) && {
                    let p = lines[i - 1];
                    let dy = p.y - l.y;
                    p.column == l.column && dy > 0.0 && dy < 1.6 * p.size.max(l.size)
                };
                before == Some(true) && after != Some(false)
                    || after == Some(true) && before == Some(true)
                    || closes_code
            }
        };
        kinds.push(if is_mono {
            Kind::Code
        } else if l.cells.len() >= 2 {
            Kind::TableRow
        } else {
            Kind::Prose
        });
    }
    mark_numbered_listings(lines, &mut kinds);
    unmark_unaligned_rows(lines, &mut kinds);
    // A single "row" is just a line with a wide gap.
    for i in 0..kinds.len() {
        if kinds[i] == Kind::TableRow {
            let prev = i > 0 && kinds[i - 1] == Kind::TableRow;
            let next = kinds.get(i + 1) == Some(&Kind::TableRow);
            if !prev && !next {
                kinds[i] = Kind::Prose;
            }
        }
    }
    kinds
}

/// The margin number of a numbered listing line: a bare integer set apart
/// from the text after it.
fn margin_number(l: &Line) -> Option<u32> {
    let first = l.cells.first()?;
    let (num, rest) = if l.cells.len() >= 2 {
        (first.text.as_str(), l.cells[1].text.as_str())
    } else {
        // A monospaced line keeps the gap as spaces.
        let t = first.text.trim_start();
        let end = t.find("  ")?;
        (&t[..end], t[end..].trim_start())
    };
    if num.is_empty()
        || num.len() > 5
        || !num.bytes().all(|b| b.is_ascii_digit())
        || rest.is_empty()
    {
        return None;
    }
    num.parse().ok()
}

/// Program listings with line numbers in the margin: three or more lines
/// in a row numbered n, n+1, n+2 ... (a blank line may take a number) are
/// code whatever their font, numbers and all. A table of contents or a
/// numbered list does not qualify: their numbers are not bare, or their
/// text neither indents nor has a character of code.
fn mark_numbered_listings(lines: &[&Line], kinds: &mut [Kind]) {
    let mut i = 0;
    while i < lines.len() {
        let Some(mut prev) = margin_number(lines[i]) else {
            i += 1;
            continue;
        };
        let mut j = i + 1;
        while j < lines.len() && lines[j].column == lines[i].column {
            match margin_number(lines[j]) {
                Some(n) if n > prev && n <= prev + 2 => {
                    prev = n;
                    j += 1;
                }
                _ => break,
            }
        }
        let run = &lines[i..j];
        let text_x = |l: &Line| l.cells.get(1).map_or(l.x0, |c| c.x0);
        let indents = run
            .iter()
            .any(|l| (text_x(l) - text_x(run[0])).abs() > 0.5 * l.size.max(1.0));
        let code_chars = run.iter().any(|l| {
            l.text
                .contains(['{', '}', '(', ')', ';', '=', '<', '>', '[', ']', '#', '$'])
        });
        if run.len() >= 3 && (indents || code_chars) {
            for k in kinds[i..j].iter_mut() {
                *k = Kind::Code;
            }
        }
        i = j;
    }
}

/// Justified prose stretches its word spaces, sometimes past the table
/// cell gap; unlike a table's, those gaps fall anywhere. A run of rows
/// where most rows share no cell edge with any other row is prose.
fn unmark_unaligned_rows(lines: &[&Line], kinds: &mut [Kind]) {
    let mut i = 0;
    while i < kinds.len() {
        if kinds[i] != Kind::TableRow {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < kinds.len() && kinds[j] == Kind::TableRow {
            j += 1;
        }
        let run = &lines[i..j];
        let aligned = run
            .iter()
            .enumerate()
            .filter(|(a, l)| {
                let tol = 0.6 * l.size.max(1.0);
                l.cells[1..].iter().any(|c| {
                    run.iter().enumerate().any(|(b, o)| {
                        b != *a && o.cells[1..].iter().any(|d| (d.x0 - c.x0).abs() < tol)
                    })
                })
            })
            .count();
        if run.len() >= 2 && aligned * 2 < run.len() {
            for k in kinds[i..j].iter_mut() {
                *k = Kind::Prose;
            }
        }
        i = j;
    }
}

/// Advance widths (in em) of the document's monospaced fonts, learnt from
/// lines that are clearly code.
fn mono_ems(pages: &[Vec<&Line>]) -> Vec<f32> {
    let mut ems: Vec<f32> = Vec::new();
    for l in pages.iter().flatten() {
        if let (Some(true), Some(em)) = (l.mono, l.uniform_em) {
            if !ems.iter().any(|m| (m - em).abs() < 0.002) {
                ems.push(em);
            }
        }
    }
    ems
}

fn size_key(size: f32) -> i32 {
    (size * 2.0).round() as i32
}

fn stats(pages: &[Vec<&Line>], kinds: &[Vec<Kind>], want_heading_sizes: bool) -> Stats {
    let mut weight: HashMap<i32, usize> = HashMap::new();
    for (lines, k) in pages.iter().zip(kinds) {
        for (l, k) in lines.iter().zip(k) {
            if *k == Kind::Prose {
                *weight.entry(size_key(l.size)).or_default() += l.text.len();
            }
        }
    }
    let body_key = weight
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        .map_or(20, |(k, _)| *k);
    let body_size = body_key as f32 / 2.0;

    let mut ratios = Vec::new();
    for lines in pages {
        for w in lines.windows(2) {
            if w[0].column == w[1].column && size_key(w[0].size) == body_key {
                let r = (w[0].y - w[1].y) / w[0].size.max(1.0);
                if (0.8..2.5).contains(&r) {
                    ratios.push(r);
                }
            }
        }
    }
    let leading = if ratios.is_empty() {
        1.2
    } else {
        median(ratios.into_iter())
    };

    let mut heading_sizes = Vec::new();
    if want_heading_sizes {
        let mut counts: HashMap<i32, usize> = HashMap::new();
        for (lines, k) in pages.iter().zip(kinds) {
            for (l, k) in lines.iter().zip(k) {
                if *k == Kind::Prose
                    && l.text.chars().count() <= 160
                    && l.size >= body_size * 1.15
                    && l.text.chars().any(char::is_alphabetic)
                {
                    *counts.entry(size_key(l.size)).or_default() += 1;
                }
            }
        }
        let mut sizes: Vec<i32> = counts.into_keys().collect();
        sizes.sort_unstable_by(|a, b| b.cmp(a));
        for (rank, s) in sizes.into_iter().enumerate() {
            heading_sizes.push((s, (rank + 1).min(4)));
        }
    }
    Stats {
        body_size,
        leading,
        heading_sizes,
    }
}

/// Outline titles matched to lines of their destination page.
struct Headings {
    /// Line index → (level, index of the heading's last line).
    at: HashMap<usize, (usize, usize)>,
    /// Bookmarks whose text was not found: inserted before line index.
    synthetic: Vec<(usize, usize, String)>,
}

fn match_outline(lines: &[&Line], kinds: &[Kind], entries: &[&Entry]) -> Headings {
    let mut h = Headings {
        at: HashMap::new(),
        synthetic: Vec::new(),
    };
    let skels: Vec<String> = lines.iter().map(|l| skeleton(&l.text)).collect();
    let mut used = vec![false; lines.len()];
    let mut cursor = 0usize;
    for e in entries {
        let target = skeleton(&e.title);
        if target.is_empty() {
            continue;
        }
        let mut found: Vec<(usize, usize)> = Vec::new();
        for i in 0..lines.len() {
            if used[i] || skels[i].is_empty() {
                continue;
            }
            // A heading set in the typewriter font ("8.1 plain") looks like
            // code; it is the heading when it carries its number or sits
            // where the outline entry points.
            let code = kinds[i] == Kind::Code;
            let at_target = e.top.is_some_and(|top| {
                let l = lines[i];
                l.y <= top + 2.0 * l.size && l.y >= top - 4.0 * l.size
            });
            let mut acc = skels[i].clone();
            // The printed heading may carry a number or word the outline
            // leaves out ("22.12.2", "Appendix"): up to 8 characters.
            let skip = acc
                .char_indices()
                .map(|(k, _)| k)
                .take_while(|&k| k <= 8)
                .find(|&k| target.starts_with(&acc[k..]) || acc[k..].starts_with(&target))
                .unwrap_or(0);
            let mut j = i;
            loop {
                let numbered_prefix = acc.len() > target.len()
                    && acc.ends_with(&target)
                    && acc.len() - target.len() <= 8;
                let numbered = numbered_prefix
                    && acc[..acc.len() - target.len()]
                        .bytes()
                        .any(|b| b.is_ascii_digit());
                if (acc == target || numbered_prefix) && (!code || numbered || at_target) {
                    found.push((i, j));
                    break;
                }
                if target.starts_with(&acc[skip..])
                    && j + 1 < lines.len()
                    && j - i < 3
                    && !used[j + 1]
                {
                    j += 1;
                    acc.push_str(&skels[j]);
                } else {
                    break;
                }
            }
        }
        let pick = match e.top {
            Some(top) => found
                .iter()
                .find(|(i, _)| lines[*i].y <= top + 2.0 * lines[*i].size)
                .or(found.first()),
            None => found.iter().find(|(i, _)| *i >= cursor).or(found.first()),
        };
        match pick {
            Some(&(i, j)) => {
                for u in used.iter_mut().take(j + 1).skip(i) {
                    *u = true;
                }
                h.at.insert(i, (e.level, j));
                cursor = j + 1;
            }
            None => {
                let before = match e.top {
                    Some(top) => lines
                        .iter()
                        .position(|l| l.y <= top + 1.0)
                        .unwrap_or(lines.len()),
                    None => cursor,
                };
                h.synthetic.push((before, e.level, e.title.clone()));
            }
        }
    }
    h
}

fn blocks<'a>(
    lines: &[&'a Line],
    kinds: &[Kind],
    entries: &[&Entry],
    stats: &Stats,
    size_headings: bool,
) -> Vec<Block<'a>> {
    let headings = if entries.is_empty() {
        Headings {
            at: HashMap::new(),
            synthetic: Vec::new(),
        }
    } else {
        match_outline(lines, kinds, entries)
    };
    let col_right = |col: u8| -> f32 {
        lines
            .iter()
            .zip(kinds)
            .filter(|(l, k)| l.column == col && **k == Kind::Prose)
            .map(|(l, _)| l.x1)
            .fold(f32::MIN, f32::max)
    };
    let rights: [f32; 3] = [col_right(0), col_right(1), col_right(2)];

    let mut out: Vec<Block<'a>> = Vec::new();
    let mut cur: Option<Block<'a>> = None;
    let flush = |cur: &mut Option<Block<'a>>, out: &mut Vec<Block<'a>>| {
        if let Some(b) = cur.take() {
            out.push(b);
        }
    };
    let mut i = 0;
    while i < lines.len() {
        for (_, level, title) in headings.synthetic.iter().filter(|(b, _, _)| *b == i) {
            flush(&mut cur, &mut out);
            out.push(Block::Heading((*level).min(6), title.clone()));
        }
        let line = lines[i];
        if let Some(&(level, end)) = headings.at.get(&i) {
            flush(&mut cur, &mut out);
            let text = lines[i..=end]
                .iter()
                .map(|l| l.text.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            out.push(Block::Heading(level.min(6), text));
            i = end + 1;
            continue;
        }
        if size_headings && kinds[i] == Kind::Prose {
            if let Some(level) = size_level(line, stats) {
                // Consecutive lines of the same heading size are one heading.
                let mut j = i;
                while j + 1 < lines.len()
                    && kinds[j + 1] == Kind::Prose
                    && size_key(lines[j + 1].size) == size_key(line.size)
                    && lines[j].y - lines[j + 1].y < 2.0 * line.size
                {
                    j += 1;
                }
                flush(&mut cur, &mut out);
                let text = lines[i..=j]
                    .iter()
                    .map(|l| l.text.as_str())
                    .collect::<Vec<_>>()
                    .join(" ");
                out.push(Block::Heading(level, text));
                i = j + 1;
                continue;
            }
        }
        match (kinds[i], &mut cur) {
            (Kind::Code, Some(Block::Code(v))) if continues_code(v, line) => v.push(line),
            (Kind::Code, _) => {
                flush(&mut cur, &mut out);
                cur = Some(Block::Code(vec![line]));
            }
            (Kind::TableRow, Some(Block::Table(v))) => v.push(line),
            (Kind::TableRow, _) => {
                flush(&mut cur, &mut out);
                cur = Some(Block::Table(vec![line]));
            }
            (Kind::Prose, Some(Block::Para(v))) if continues_para(v, line, stats, &rights) => {
                v.push(line)
            }
            (Kind::Prose, _) => {
                flush(&mut cur, &mut out);
                cur = Some(Block::Para(vec![line]));
            }
        }
        i += 1;
    }
    flush(&mut cur, &mut out);
    for (_, level, title) in headings
        .synthetic
        .iter()
        .filter(|(b, _, _)| *b >= lines.len())
    {
        out.push(Block::Heading((*level).min(6), title.clone()));
    }
    out
}

fn size_level(line: &Line, stats: &Stats) -> Option<usize> {
    if line.text.chars().count() > 160 || !line.text.chars().any(char::is_alphabetic) {
        return None;
    }
    let k = size_key(line.size);
    stats
        .heading_sizes
        .iter()
        .find(|(s, _)| *s == k)
        .map(|(_, l)| *l)
}

fn continues_code(block: &[&Line], line: &Line) -> bool {
    let prev = block[block.len() - 1];
    let dy = prev.y - line.y;
    prev.column != line.column || (dy > 0.0 && dy < 4.0 * line.size.max(prev.size))
}

const BULLETS: [char; 8] = ['•', '◦', '▪', '‣', '∗', '●', '○', '■'];

fn starts_with_bullet(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if BULLETS.contains(&c))
        || s.starts_with("- ")
        || s.starts_with("– ")
}

/// "1. ", "12) ", "a. " at the start of a line: a numbered list item.
fn starts_with_number_marker(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    let n = if digits > 0 {
        digits
    } else if b.first().is_some_and(|c| c.is_ascii_lowercase()) {
        1
    } else {
        return false;
    };
    n <= 3 && matches!(b.get(n), Some(b'.') | Some(b')')) && b.get(n + 1) == Some(&b' ')
}

fn continues_para(block: &[&Line], c: &Line, stats: &Stats, rights: &[f32; 3]) -> bool {
    let p = block[block.len() - 1];
    if starts_with_bullet(&c.text) || c.text.contains(" … ") || p.text.contains(" … ") {
        return false;
    }
    if starts_with_number_marker(&c.text) && p.text.ends_with(['.', ':', ';', '!', '?', ')']) {
        return false;
    }
    if (c.size - p.size).abs() > 0.12 * p.size.max(1.0) {
        return false;
    }
    if p.column != c.column {
        // A paragraph flowing from the bottom of one column to the top of
        // the next: the previous line must be unfinished.
        let last = p.text.chars().last().unwrap_or('.');
        let first = c.text.chars().next().unwrap_or('A');
        return (last.is_lowercase() || matches!(last, ',' | ';' | '-'))
            && (first.is_lowercase() || first.is_ascii_digit());
    }
    let dy = p.y - c.y;
    if dy < 0.3 * p.size || dy > (stats.leading + 0.45) * p.size.max(c.size) {
        return false;
    }
    let em = p.size.max(1.0);
    // A list item's lines after the first hang under its text, indented
    // from its marker.
    let first_is_item =
        starts_with_bullet(&block[0].text) || starts_with_number_marker(&block[0].text);
    let broken_word =
        p.text.ends_with('-') && p.text[..p.text.len() - 1].ends_with(char::is_alphabetic);
    // The rest of a hyphenated word always belongs to the line before.
    let continues_word = broken_word && c.text.starts_with(char::is_lowercase);
    let indent = c.x0 - p.x0;
    if !first_is_item && !continues_word && indent > 0.8 * em && indent < 4.0 * em {
        return false;
    }
    let right = rights[usize::from(c.column.min(2))];
    // A short line ends its paragraph only if the next line's first word
    // would have fitted after it: ragged-right text wraps early.
    let chars = c.text.chars().count().max(1) as f32;
    let first_word = c
        .text
        .split_whitespace()
        .next()
        .map_or(0, |w| w.chars().count()) as f32;
    let would_fit = p.x1 + (first_word + 1.0) * (c.x1 - c.x0) / chars < right;
    if p.x1 < right - 5.0 * em
        && would_fit
        && indent.abs() < 0.5 * em
        && !first_is_item
        && !broken_word
    {
        return false;
    }
    true
}

fn emit(block: &Block<'_>, vocab: &Vocabulary, dehyphenate: bool, out: &mut String) {
    match block {
        Block::Heading(level, text) => {
            out.push_str(&"#".repeat(*level));
            out.push(' ');
            let mut t = String::new();
            escape_inline(&crate::text::collapse_ws(text), &mut t);
            out.push_str(t.trim_end_matches('#').trim_end());
        }
        Block::Code(lines) => {
            let base = lines.iter().map(|l| l.x0).fold(f32::MAX, f32::min);
            let cell = median(lines.iter().map(|l| l.cell)).max(1.0);
            // Lines set apart in cells (a margin number, then the code)
            // keep the code's own indentation after the number.
            fn split(l: &Line) -> Option<(&str, f32)> {
                let first = l.cells.first()?.text.as_str();
                (l.cells.len() >= 2 && first.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| (first, l.cells[1].x0))
            }
            let code_base = lines
                .iter()
                .filter_map(|l| split(l).map(|s| s.1))
                .fold(f32::MAX, f32::min);
            let num_width = lines
                .iter()
                .filter_map(|l| split(l).map(|s| s.0.chars().count()))
                .max()
                .unwrap_or(0);
            // Blank lines inside a listing show as taller gaps.
            let pitch = median(
                lines
                    .windows(2)
                    .map(|w| w[0].y - w[1].y)
                    .filter(|d| *d > 0.0),
            );
            let mut body: Vec<String> = Vec::with_capacity(lines.len());
            for (k, text) in lines
                .iter()
                .map(|l| match split(l) {
                    Some((first, x)) => {
                        let indent = ((x - code_base) / cell).round().clamp(0.0, 120.0) as usize;
                        let rest: Vec<&str> =
                            l.cells[1..].iter().map(|c| c.text.as_str()).collect();
                        format!(
                            "{first:>num_width$} {}{}",
                            " ".repeat(indent),
                            rest.join(" ")
                        )
                    }
                    None => {
                        let indent = ((l.x0 - base) / cell).round().clamp(0.0, 120.0) as usize;
                        format!("{}{}", " ".repeat(indent), l.text)
                    }
                })
                .enumerate()
            {
                if k > 0 && pitch > 0.0 && lines[k - 1].y - lines[k].y > 1.6 * pitch {
                    body.push(String::new());
                }
                body.push(text);
            }
            let code = body.join("\n");
            let fence = fence_for(&code);
            let _ = write!(out, "{fence}\n{code}\n{fence}");
        }
        Block::Table(lines) => {
            let base = lines
                .iter()
                .filter_map(|l| l.cells.first().map(|c| c.x0))
                .fold(f32::MAX, f32::min);
            let unit = 0.5 * median(lines.iter().map(|l| l.size)).max(1.0);
            let mut rows = Vec::new();
            for l in lines {
                let mut row = String::new();
                for c in &l.cells {
                    let col = ((c.x0 - base) / unit).round().clamp(0.0, 400.0) as usize;
                    let len = row.chars().count();
                    if !row.is_empty() {
                        row.push_str(&" ".repeat(col.saturating_sub(len).max(2)));
                    } else {
                        row.push_str(&" ".repeat(col));
                    }
                    row.push_str(&c.text);
                }
                rows.push(row);
            }
            let table = rows.join("\n");
            let fence = fence_for(&table);
            let _ = write!(out, "{fence}text\n{table}\n{fence}");
        }
        Block::Para(lines) => {
            let mut text = String::new();
            for l in lines {
                join_line(&mut text, &l.text, vocab, dehyphenate);
            }
            let mut escaped = String::new();
            let (bullet, rest) = split_bullet(&text);
            escape_inline(rest, &mut escaped);
            if bullet {
                out.push_str("- ");
                out.push_str(&escaped);
            } else {
                out.push_str(&escape_block_start(&escaped));
            }
        }
    }
}

fn split_bullet(text: &str) -> (bool, &str) {
    let mut chars = text.chars();
    if let Some(c) = chars.next() {
        if BULLETS.contains(&c) {
            return (true, chars.as_str().trim_start());
        }
    }
    (false, text)
}

/// Appends a line to a paragraph, undoing end-of-line hyphenation when the
/// joined word is plausible.
fn join_line(acc: &mut String, next: &str, vocab: &Vocabulary, dehyphenate: bool) {
    if acc.is_empty() {
        acc.push_str(next);
        return;
    }
    if dehyphenate {
        if let Some(keep_hyphen) = hyphen_join(acc, next, vocab) {
            if !keep_hyphen {
                acc.pop();
            }
            acc.push_str(next);
            return;
        }
    }
    acc.push(' ');
    acc.push_str(next);
}

/// `Some(keep_hyphen)` when `acc` ends in a word broken by a hyphen that
/// `next` continues; `None` when the lines are simply separate words.
fn hyphen_join(acc: &str, next: &str, vocab: &Vocabulary) -> Option<bool> {
    let before = acc.strip_suffix('-')?;
    let prefix: String = before
        .chars()
        .rev()
        .take_while(|c| c.is_alphabetic())
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    if prefix.is_empty() || before.ends_with('-') {
        return None;
    }
    let suffix: String = next.chars().take_while(|c| c.is_alphabetic()).collect();
    if suffix.is_empty() {
        return None;
    }
    let (p, s) = (prefix.to_lowercase(), suffix.to_lowercase());
    let joined = format!("{p}{s}");
    if vocab.words.contains(&joined) {
        return Some(false);
    }
    if vocab.compounds.contains(&format!("{p}-{s}")) {
        return Some(true);
    }
    if suffix.starts_with(char::is_uppercase) {
        return Some(true);
    }
    if p.len() >= 3 && s.len() >= 3 && vocab.words.contains(&p) && vocab.words.contains(&s) {
        return Some(true);
    }
    Some(false)
}

/// Words seen in the document, to judge hyphenated line breaks.
#[derive(Default)]
struct Vocabulary {
    words: HashSet<String>,
    compounds: HashSet<String>,
}

impl Vocabulary {
    fn build(pages: &[Vec<&Line>], kinds: &[Vec<Kind>]) -> Self {
        let mut v = Vocabulary::default();
        for (lines, kinds) in pages.iter().zip(kinds) {
            let mut after_break = false;
            for (l, k) in lines.iter().zip(kinds) {
                if *k != Kind::Prose {
                    after_break = false;
                    continue;
                }
                let tokens: Vec<&str> = l
                    .text
                    .split(|c: char| !(c.is_alphabetic() || c == '-'))
                    .filter(|t| !t.is_empty())
                    .collect();
                let broken = l.text.ends_with('-');
                let n = tokens.len();
                for (i, t) in tokens.iter().enumerate() {
                    if (i == 0 && after_break) || (i + 1 == n && broken) {
                        continue;
                    }
                    let lower = t.to_lowercase();
                    if lower.contains('-') {
                        let parts: Vec<&str> = lower.split('-').filter(|p| !p.is_empty()).collect();
                        if parts.len() == 2 {
                            v.compounds.insert(format!("{}-{}", parts[0], parts[1]));
                        }
                        for part in parts {
                            v.words.insert(part.to_string());
                        }
                    } else {
                        v.words.insert(lower);
                    }
                }
                after_break = broken;
            }
        }
        v
    }
}

fn find_title(pages: &[Vec<&Line>], stats: &Stats) -> Option<String> {
    let lines = pages.iter().take(3).find(|l| !l.is_empty())?;
    let max = lines
        .iter()
        .filter(|l| l.text.chars().any(char::is_alphabetic))
        .map(|l| l.size)
        .fold(0.0f32, f32::max);
    if max < stats.body_size * 1.25 {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    let mut last_y: Option<f32> = None;
    for l in lines.iter().filter(|l| size_key(l.size) == size_key(max)) {
        if let Some(y) = last_y {
            if y - l.y > 2.5 * max {
                break;
            }
        }
        parts.push(&l.text);
        last_y = Some(l.y);
    }
    let title = crate::text::collapse_ws(&parts.join(" "));
    (!title.is_empty() && title.len() <= 200).then_some(title)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocab(words: &[&str], compounds: &[&str]) -> Vocabulary {
        Vocabulary {
            words: words.iter().map(|s| s.to_string()).collect(),
            compounds: compounds.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn dehyphenation() {
        let v = vocab(
            &["configuration", "command", "line", "non"],
            &["command-line"],
        );
        let mut s = String::from("the configu-");
        join_line(&mut s, "ration file", &v, true);
        assert_eq!(s, "the configuration file");
        let mut s = String::from("a command-");
        join_line(&mut s, "line tool", &v, true);
        assert_eq!(s, "a command-line tool");
        // Unknown word: TeX-style break, joined.
        let mut s = String::from("an exam-");
        join_line(&mut s, "ple", &v, true);
        assert_eq!(s, "an example");
        // Em-dash style double hyphen is not hyphenation.
        let mut s = String::from("wait --");
        join_line(&mut s, "no", &v, true);
        assert_eq!(s, "wait -- no");
        let mut s = String::from("configu-");
        join_line(&mut s, "ration", &v, false);
        assert_eq!(s, "configu- ration");
    }
}
