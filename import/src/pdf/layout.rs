//! From positioned glyphs to text lines in reading order.
//!
//! Glyphs are grouped into lines by baseline, lines are cut where the gap is
//! too wide to be a word space, and a vertical gutter free of text in the
//! middle of the page marks a two-column layout, read left column first,
//! band by band between full-width lines.

use super::extract::{Glyph, RawPage};

#[derive(Debug, Clone)]
pub(crate) struct Line {
    pub text: String,
    pub x0: f32,
    pub x1: f32,
    /// Baseline.
    pub y: f32,
    /// Most common glyph size on the line.
    pub size: f32,
    /// Monospaced evidence: `Some(true)` code, `Some(false)` prose, `None`
    /// when the line is too short to tell.
    pub mono: Option<bool>,
    /// The advance width in em shared by every glyph of the line, if any: a
    /// short line of code ("$ R") has no word long enough for `mono` to
    /// decide, but matches the document's monospaced width.
    pub uniform_em: Option<f32>,
    /// Width of one character cell when monospaced.
    pub cell: f32,
    /// Runs separated by gaps of several ems (table cells); one entry for
    /// ordinary lines.
    pub cells: Vec<Cell>,
    /// 0 single column or full width, 1 left column, 2 right column.
    pub column: u8,
}

#[derive(Debug, Clone)]
pub(crate) struct Cell {
    pub x0: f32,
    pub text: String,
}

#[derive(Debug, Default)]
pub(crate) struct PageLayout {
    pub lines: Vec<Line>,
    /// Bottom and top of the media box (the margin zones for furniture).
    pub y0: f32,
    pub y1: f32,
}

/// A word space is wider than this many ems; kerning and italic
/// corrections stay below it.
const SPACE_EM: f32 = 0.16;
/// Gaps wider than this many ems separate table cells.
const CELL_EM: f32 = 1.8;
/// Gaps wider than this split a line into segments for gutter detection.
const SEGMENT_EM: f32 = 1.2;

pub(crate) fn layout(page: &RawPage) -> PageLayout {
    let mut out = PageLayout {
        lines: Vec::new(),
        y0: page.y0,
        y1: page.y1,
    };
    let upright: Vec<&Glyph> = page.glyphs.iter().filter(|g| g.upright).collect();
    let clusters = cluster_lines(page, &upright);
    let segments: Vec<Vec<(f32, f32)>> = clusters.iter().map(|c| segments(page, c)).collect();
    let gutter = find_gutter(&clusters, &segments);

    match gutter {
        None => {
            for c in &clusters {
                if let Some(line) = build_line(page, c, 0) {
                    out.lines.push(line);
                }
            }
        }
        Some(g) => {
            // Bands of two-column text separated by full-width lines.
            let mut left: Vec<Line> = Vec::new();
            let mut right: Vec<Line> = Vec::new();
            for (c, segs) in clusters.iter().zip(&segments) {
                let spans = segs.iter().any(|&(a, b)| a < g - 1.0 && b > g + 1.0);
                if spans {
                    out.lines.append(&mut left);
                    out.lines.append(&mut right);
                    if let Some(line) = build_line(page, c, 0) {
                        out.lines.push(line);
                    }
                } else {
                    let (l, r): (Vec<&Glyph>, Vec<&Glyph>) = c.iter().partition(|gl| gl.x < g);
                    if let Some(line) = build_line(page, &l, 1) {
                        left.push(line);
                    }
                    if let Some(line) = build_line(page, &r, 2) {
                        right.push(line);
                    }
                }
            }
            out.lines.append(&mut left);
            out.lines.append(&mut right);
        }
    }

    // Rotated text (margin notes, table headers turned 90°) keeps its
    // content-stream order and goes last.
    let rotated: Vec<&Glyph> = page.glyphs.iter().filter(|g| !g.upright).collect();
    let mut run: Vec<&Glyph> = Vec::new();
    for g in rotated {
        if let Some(prev) = run.last() {
            let d = (g.x - prev.x).hypot(g.y - prev.y);
            if d > 4.0 * prev.size.max(g.size) {
                out.lines.extend(rotated_line(page, &run));
                run.clear();
            }
        }
        run.push(g);
    }
    out.lines.extend(rotated_line(page, &run));
    out
}

/// A stretch of glyphs drawn one after the other along one baseline: the
/// content stream's own idea of a word or phrase.
struct Run<'a> {
    glyphs: Vec<&'a Glyph>,
    x0: f32,
    x1: f32,
    y: f32,
    size: f32,
}

/// Cuts the stream into runs: a new run starts when the baseline moves,
/// the pen jumps back, or it leaps forward further than a word space.
fn runs<'a>(glyphs: &[&'a Glyph]) -> Vec<Run<'a>> {
    let mut out: Vec<Run<'a>> = Vec::new();
    for &g in glyphs {
        if let Some(r) = out.last_mut() {
            let last = r.glyphs[r.glyphs.len() - 1];
            let em = last.size.max(g.size).max(1.0);
            let same_line = (g.y - last.y).abs() <= 0.15 * em;
            let forward = g.x >= last.x + last.w - 0.35 * em;
            let near = g.x <= last.x + last.w + SEGMENT_EM * em;
            if same_line && forward && near {
                r.glyphs.push(g);
                r.x0 = r.x0.min(g.x);
                r.x1 = r.x1.max(g.x + g.w);
                continue;
            }
        }
        out.push(Run {
            glyphs: vec![g],
            x0: g.x,
            x1: g.x + g.w,
            y: g.y,
            size: g.size,
        });
    }
    out
}

/// Puts superscripts and subscripts (a smaller run raised or lowered right
/// after a larger one: x², H₂O, footnote marks) on their base's baseline,
/// so they stay on that line, as poppler does, instead of forming a line
/// of their own.
fn snap_scripts(runs: &mut [Run<'_>]) {
    let max = runs.iter().map(|r| r.size).fold(0.0f32, f32::max);
    // Candidates are looked up by baseline, so pages with many runs stay
    // linear-ish instead of comparing every pair.
    let mut by_y: Vec<(f32, usize)> = runs.iter().enumerate().map(|(i, r)| (r.y, i)).collect();
    by_y.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut snaps = Vec::new();
    for (i, r) in runs.iter().enumerate() {
        if r.size >= 0.85 * max {
            continue;
        }
        let lo = by_y.partition_point(|(y, _)| *y < r.y - 0.6 * max);
        let base = by_y[lo..]
            .iter()
            .take_while(|(y, _)| *y <= r.y + 0.6 * max)
            .map(|&(_, j)| (j, &runs[j]))
            .find(|(j, b)| {
                let dy = (r.y - b.y).abs();
                *j != i
                    && r.size < 0.85 * b.size
                    && dy > 0.05 * b.size
                    && dy < 0.6 * b.size
                    && r.x0 >= b.x1 - 0.3 * b.size
                    && r.x0 <= b.x1 + 0.3 * b.size
            });
        if let Some((_, b)) = base {
            snaps.push((i, b.y));
        }
    }
    for (i, y) in snaps {
        runs[i].y = y;
    }
}

/// Groups runs whose baselines agree, top to bottom. Runs on one baseline
/// that overlap horizontally belong to different flows (a figure label
/// drawn over a text line): they go on separate lines ("tracks") instead of
/// having their letters interleaved. Each result is sorted by x.
fn cluster_lines<'a>(page: &RawPage, glyphs: &[&'a Glyph]) -> Vec<Vec<&'a Glyph>> {
    let mut runs = runs(glyphs);
    snap_scripts(&mut runs);
    runs.sort_by(|a, b| b.y.total_cmp(&a.y).then(a.x0.total_cmp(&b.x0)));
    let mut clusters: Vec<Vec<Run<'a>>> = Vec::new();
    let mut base = f32::NAN;
    let mut base_size = 0.0f32;
    for r in runs {
        let tol = 0.3 * base_size.min(r.size).max(1.0);
        if clusters.is_empty() || (base - r.y) > tol {
            clusters.push(Vec::new());
            base = r.y;
            base_size = r.size;
        }
        if let Some(c) = clusters.last_mut() {
            c.push(r);
        }
    }
    let mut out = Vec::with_capacity(clusters.len());
    for mut cluster in clusters {
        cluster.sort_by(|a, b| a.x0.total_cmp(&b.x0));
        let mut tracks: Vec<Vec<Run<'a>>> = Vec::new();
        for r in cluster {
            let em = r.size.max(1.0);
            let fits = |t: &Vec<Run<'a>>| t.last().is_some_and(|l| l.x1 <= r.x0 + 0.3 * em);
            if let Some(t) = tracks.iter_mut().find(|t| fits(t)) {
                t.push(r);
                continue;
            }
            if !tracks.is_empty() && redundant(page, &tracks, &r) {
                continue;
            }
            tracks.push(vec![r]);
        }
        for t in tracks {
            let mut line: Vec<&Glyph> = t.into_iter().flat_map(|r| r.glyphs).collect();
            line.sort_by(|a, b| a.x.total_cmp(&b.x));
            out.push(line);
        }
    }
    out
}

/// An overlapping run that adds nothing: the second stroke of fake bold
/// (same text at almost the same place) or a lone accent placed over the
/// previous letter.
fn redundant(page: &RawPage, tracks: &[Vec<Run<'_>>], r: &Run<'_>) -> bool {
    let text: String = r.glyphs.iter().map(|g| g.text(page)).collect();
    if r.glyphs.len() <= 2 && !text.chars().any(char::is_alphanumeric) {
        return true;
    }
    let em = r.size.max(1.0);
    tracks.iter().flatten().any(|o| {
        (o.x0 - r.x0).abs() < 0.2 * em
            && (o.y - r.y).abs() < 0.2 * em
            && o.glyphs.len() == r.glyphs.len()
            && o.glyphs
                .iter()
                .map(|g| g.text(page))
                .eq(r.glyphs.iter().map(|g| g.text(page)))
    })
}

fn is_space(page: &RawPage, g: &Glyph) -> bool {
    g.text(page).chars().all(char::is_whitespace)
}

/// Horizontal extents of the runs of a line separated by wide gaps.
fn segments(page: &RawPage, c: &[&Glyph]) -> Vec<(f32, f32)> {
    let mut segs: Vec<(f32, f32)> = Vec::new();
    for g in c.iter().filter(|g| !is_space(page, g)) {
        match segs.last_mut() {
            Some((_, end)) if g.x - *end <= SEGMENT_EM * g.size => {
                *end = end.max(g.x + g.w);
            }
            _ => segs.push((g.x, g.x + g.w)),
        }
    }
    segs
}

/// Finds the x of a column gutter: a vertical strip in the middle of the
/// text area that almost no line crosses, with substantial, column-wide
/// text on both sides (so a two-column table of short keys is not taken
/// for a page layout).
fn find_gutter(clusters: &[Vec<&Glyph>], segments: &[Vec<(f32, f32)>]) -> Option<f32> {
    if clusters.len() < 8 {
        return None;
    }
    let xmin = segments
        .iter()
        .flatten()
        .map(|s| s.0)
        .fold(f32::MAX, f32::min);
    let xmax = segments
        .iter()
        .flatten()
        .map(|s| s.1)
        .fold(f32::MIN, f32::max);
    let width = xmax - xmin;
    if width.is_nan() || width <= 100.0 {
        return None;
    }
    let bins = width.ceil() as usize + 1;
    // Number of lines whose segments cover each 1pt column.
    let mut diff = vec![0i32; bins + 1];
    for segs in segments {
        for &(a, b) in segs {
            let a = ((a - xmin).floor().max(0.0) as usize).min(bins);
            let b = ((b - xmin).ceil().max(0.0) as usize).min(bins);
            diff[a] += 1;
            diff[b] -= 1;
        }
    }
    let mut cover = Vec::with_capacity(bins);
    let mut acc = 0;
    for d in diff.iter().take(bins) {
        acc += d;
        cover.push(acc);
    }
    let lo = (0.3 * width) as usize;
    let hi = ((0.7 * width) as usize).min(bins.saturating_sub(1));
    if lo >= hi {
        return None;
    }
    let min_cover = *cover[lo..=hi].iter().min()?;
    // Allow a few full-width lines (titles, footers) across the gutter.
    if min_cover as usize > (clusters.len() * 2 / 5).max(1) {
        return None;
    }
    // The widest run of minimal coverage is the gutter.
    let (mut best, mut best_len, mut run_start) = (None, 0usize, None);
    for (i, &c) in cover.iter().enumerate().take(hi + 1).skip(lo) {
        if c == min_cover {
            let s = *run_start.get_or_insert(i);
            let len = i - s + 1;
            if len > best_len {
                best_len = len;
                best = Some((s + i) as f32 / 2.0);
            }
        } else {
            run_start = None;
        }
    }
    let g = xmin + best?;
    let body = median(clusters.iter().flat_map(|c| c.iter().map(|g| g.size)));
    if (best_len as f32) < 0.6 * body.max(4.0) {
        return None;
    }

    let mut left_w = Vec::new();
    let mut right_w = Vec::new();
    let (mut left_y, mut right_y) = ((f32::MAX, f32::MIN), (f32::MAX, f32::MIN));
    for (c, segs) in clusters.iter().zip(segments) {
        let y = c.first().map_or(0.0, |g| g.y);
        if segs.iter().any(|&(a, b)| a < g && b > g) {
            continue;
        }
        let l: Vec<_> = segs.iter().filter(|s| s.1 <= g).collect();
        let r: Vec<_> = segs.iter().filter(|s| s.0 >= g).collect();
        if let (Some(a), Some(b)) = (l.first(), l.last()) {
            left_w.push(b.1 - a.0);
            left_y = (left_y.0.min(y), left_y.1.max(y));
        }
        if let (Some(a), Some(b)) = (r.first(), r.last()) {
            right_w.push(b.1 - a.0);
            right_y = (right_y.0.min(y), right_y.1.max(y));
        }
    }
    if left_w.len() < 4 || right_w.len() < 4 {
        return None;
    }
    // Side by side: the two columns must overlap vertically.
    let overlap = left_y.1.min(right_y.1) - left_y.0.max(right_y.0);
    let shorter = (left_y.1 - left_y.0).min(right_y.1 - right_y.0);
    if overlap < 0.5 * shorter {
        return None;
    }
    let lw = median(left_w.iter().copied());
    let rw = median(right_w.iter().copied());
    if lw < 0.45 * (g - xmin) || rw < 0.45 * (xmax - g) {
        return None;
    }
    Some(g)
}

pub(crate) fn median(it: impl Iterator<Item = f32>) -> f32 {
    let mut v: Vec<f32> = it.filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f32::total_cmp);
    v[v.len() / 2]
}

/// Mode of glyph sizes, rounded to a quarter point.
fn dominant_size(glyphs: &[&Glyph]) -> f32 {
    let mut counts: Vec<(i32, usize)> = Vec::new();
    for g in glyphs {
        let k = (g.size * 4.0).round() as i32;
        match counts.iter_mut().find(|(s, _)| *s == k) {
            Some((_, n)) => *n += 1,
            None => counts.push((k, 1)),
        }
    }
    counts
        .iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .map_or(0.0, |(k, _)| *k as f32 / 4.0)
}

/// Code shows up as words whose glyphs all have the same advance width.
fn mono_evidence(page: &RawPage, glyphs: &[&Glyph]) -> (Option<bool>, f32) {
    let mut mono_chars = 0usize;
    let mut prop_chars = 0usize;
    let mut cells: Vec<f32> = Vec::new();
    let mut word: Vec<&Glyph> = Vec::new();
    let mut flush = |word: &mut Vec<&Glyph>| {
        let n = word.len();
        // Figures are equal-width in most text fonts (tabular digits), so
        // a word without letters says nothing about the font: a figure's
        // axis labels or a listing's margin numbers are not code.
        let has_letter = word
            .iter()
            .any(|g| g.text(page).chars().any(char::is_alphabetic));
        if n >= 2 && has_letter {
            let first = word[0].em;
            let same = first > 0.1 && word.iter().all(|g| (g.em - first).abs() < 0.01);
            let distinct = word.iter().any(|g| g.text(page) != word[0].text(page));
            if !same {
                prop_chars += n;
            } else if distinct && n >= 3 {
                mono_chars += n;
                cells.extend(word.iter().map(|g| g.w));
            }
        }
        word.clear();
    };
    let mut prev_end: Option<f32> = None;
    for g in glyphs {
        let space = is_space(page, g);
        let gap = prev_end.map_or(0.0, |e| g.x - e);
        if space || gap > SPACE_EM * g.size {
            flush(&mut word);
        }
        if !space {
            word.push(g);
        }
        prev_end = Some(g.x + g.w);
    }
    flush(&mut word);
    let verdict = if mono_chars == 0 && prop_chars == 0 {
        None
    } else {
        Some(mono_chars > 0 && mono_chars * 5 >= (mono_chars + prop_chars) * 4)
    };
    (verdict, median(cells.into_iter()))
}

fn build_line(page: &RawPage, glyphs: &[&Glyph], column: u8) -> Option<Line> {
    let visible: Vec<&Glyph> = glyphs
        .iter()
        .copied()
        .filter(|g| !is_space(page, g))
        .collect();
    if visible.is_empty() {
        return None;
    }
    let size = dominant_size(&visible);
    let (mut mono, cell) = mono_evidence(page, glyphs);
    if has_leaders(page, &visible) {
        // Table-of-contents and index entries: the dots are equal-width
        // glyphs but the line is not code.
        mono = Some(false);
    }
    let first_em = visible[0].em;
    let uniform_em = (visible.len() >= 2
        && first_em > 0.1
        && visible.iter().all(|g| (g.em - first_em).abs() < 0.002))
    .then_some(first_em);
    let cell = if cell > 0.0 { cell } else { 0.6 * size };
    let is_mono = mono == Some(true);

    let mut cells: Vec<Cell> = Vec::new();
    let mut text = String::new();
    let mut cur = String::new();
    let mut cur_x0 = visible[0].x;
    let mut prev_end: Option<f32> = None;
    let mut pending_space = false;
    let mut prev_size = size;
    for g in glyphs {
        if is_space(page, g) {
            pending_space = true;
            prev_end = Some(prev_end.map_or(g.x + g.w, |e: f32| e.max(g.x + g.w)));
            continue;
        }
        if let Some(end) = prev_end {
            let gap = g.x - end;
            if !is_mono && gap > CELL_EM * g.size.max(size) && !cur.is_empty() {
                cells.push(Cell {
                    x0: cur_x0,
                    text: std::mem::take(&mut cur).trim().to_string(),
                });
                cur_x0 = g.x;
                pending_space = false;
            } else if is_mono && gap > 0.5 * cell {
                let n = ((gap / cell).round() as usize).clamp(1, 200);
                cur.extend(std::iter::repeat_n(' ', n));
                pending_space = false;
            } else if pending_space
                || gap > SPACE_EM * g.size.min(size.max(1.0))
                || (size_change(prev_size, g.size) && gap > 0.05 * size)
            {
                if !cur.is_empty() && !cur.ends_with(' ') {
                    cur.push(' ');
                }
                pending_space = false;
            }
        }
        cur.push_str(g.text(page));
        prev_end = Some(g.x + g.w);
        prev_size = g.size;
    }
    if !cur.trim().is_empty() {
        cells.push(Cell {
            x0: cur_x0,
            text: if is_mono {
                cur.trim_end().to_string()
            } else {
                cur.trim().to_string()
            },
        });
    }
    for (i, c) in cells.iter().enumerate() {
        if i > 0 {
            text.push(' ');
        }
        text.push_str(&c.text);
    }
    if !is_mono {
        text = collapse_leaders(&text);
    }
    let x0 = visible[0].x;
    let x1 = visible.iter().map(|g| g.x + g.w).fold(f32::MIN, f32::max);
    let y = median(visible.iter().map(|g| g.y));
    Some(Line {
        text,
        x0,
        x1,
        y,
        size,
        mono,
        uniform_em,
        cell,
        cells,
        column,
    })
}

/// A script boundary (base letter to superscript or back): TeX leaves
/// only a tiny kern there when the script is a separate symbol (Nᵀ), none
/// when it is an index (x₁).
fn size_change(a: f32, b: f32) -> bool {
    (a - b).abs() > 0.15 * a.max(b)
}

/// Six or more dots in a row (spaces between them aside): a dot leader.
fn has_leaders(page: &RawPage, visible: &[&Glyph]) -> bool {
    let mut run = 0;
    for g in visible {
        if g.text(page) == "." {
            run += 1;
            if run >= 6 {
                return true;
            }
        } else {
            run = 0;
        }
    }
    false
}

/// Dot leaders in tables of contents and indexes (". . . . .") carry no
/// words; shorten them to one ellipsis.
fn collapse_leaders(s: &str) -> String {
    if !s.contains(". . .") && !s.contains("....") {
        return s.to_string();
    }
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '.' {
            let mut j = i;
            let mut dots = 0;
            while j < chars.len() && (chars[j] == '.' || chars[j] == ' ') {
                if chars[j] == '.' {
                    dots += 1;
                }
                j += 1;
            }
            if dots >= 4 {
                while out.ends_with(' ') {
                    out.pop();
                }
                out.push_str(" … ");
                i = j;
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out.trim().to_string()
}

fn rotated_line(page: &RawPage, run: &[&Glyph]) -> Option<Line> {
    let first = run.first()?;
    let mut text = String::new();
    let mut prev: Option<&Glyph> = None;
    for g in run {
        if let Some(p) = prev {
            let d = (g.x - p.x).hypot(g.y - p.y);
            if d > p.w + SPACE_EM * p.size && !text.ends_with(' ') {
                text.push(' ');
            }
        }
        text.push_str(g.text(page));
        prev = Some(g);
    }
    let text = crate::text::collapse_ws(&text);
    if text.is_empty() {
        return None;
    }
    Some(Line {
        cells: vec![Cell {
            x0: first.x,
            text: text.clone(),
        }],
        text,
        x0: first.x,
        x1: first.x,
        y: first.y,
        size: first.size,
        mono: None,
        uniform_em: None,
        cell: 0.6 * first.size,
        column: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaders() {
        assert_eq!(collapse_leaders("abs . . . . . . . 12"), "abs … 12");
        assert_eq!(collapse_leaders("coplot. . . . . . 69"), "coplot … 69");
        assert_eq!(collapse_leaders("e.g. this"), "e.g. this");
    }
}
