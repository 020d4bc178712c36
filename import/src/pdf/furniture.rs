//! Running headers and footers ("page furniture").
//!
//! A line is furniture when it sits at the top or bottom edge of its page
//! and the same text, with numbers masked, recurs at the same height on
//! several pages; or when it is a bare page number there. Once a header
//! position is established, other edge lines at that exact position are
//! furniture too (a chapter's running head that appears on one page only).

use std::collections::HashMap;

use super::layout::PageLayout;

/// Fraction of the page height counted as the top or bottom margin zone.
const ZONE: f32 = 0.14;
/// Baselines this close (in points) are "the same position".
const SAME_Y: f32 = 2.5;

/// (top zone?, masked text).
type GroupKey = (bool, String);
/// (page, line, baseline).
type Member = (usize, usize, f32);

/// For every page, the indices of its lines that are furniture.
pub(crate) fn detect(pages: &[PageLayout], labels: &[Option<String>]) -> Vec<Vec<usize>> {
    let mut removed: Vec<Vec<usize>> = vec![Vec::new(); pages.len()];
    let mut groups: HashMap<GroupKey, Vec<Member>> = HashMap::new();
    let mut edge_lines: Vec<(usize, usize, bool, f32)> = Vec::new();

    // Running heads are set small; a big line at the top is a title.
    let typical = super::layout::median(pages.iter().flat_map(|p| p.lines.iter().map(|l| l.size)));
    for (p, page) in pages.iter().enumerate() {
        for (top, i) in edge_candidates(page) {
            let line = &page.lines[i];
            if line.size > 1.3 * typical {
                continue;
            }
            edge_lines.push((p, i, top, line.y));
            let masked = mask(&line.text);
            let label = labels.get(p).and_then(|l| l.as_deref());
            if is_page_number(&line.text, label) {
                removed[p].push(i);
                continue;
            }
            groups
                .entry((top, masked))
                .or_default()
                .push((p, i, line.y));
        }
    }

    let pages_with_text = pages.iter().filter(|p| !p.lines.is_empty()).count();
    let min_repeat = if pages_with_text >= 6 { 3 } else { 2 };
    let mut keys: Vec<_> = groups.into_iter().collect();
    // HashMap order is random; sort so the outcome is deterministic.
    keys.sort_by(|a, b| a.0.cmp(&b.0));
    for ((_, masked), members) in keys {
        if masked.trim().is_empty() {
            continue;
        }
        // Count the members that share a height with others.
        for &(p, i, y) in &members {
            let same = members
                .iter()
                .filter(|(q, _, y2)| *q != p && (y2 - y).abs() <= SAME_Y)
                .map(|(q, _, _)| *q)
                .collect::<std::collections::BTreeSet<_>>()
                .len();
            if same + 1 >= min_repeat {
                removed[p].push(i);
            }
        }
    }

    // Established header/footer slots: heights where furniture was removed on
    // a good share of the pages.
    let mut slots: Vec<(bool, f32, usize)> = Vec::new();
    for &(p, i, top, y) in &edge_lines {
        if removed[p].contains(&i) {
            match slots
                .iter_mut()
                .find(|(t, sy, _)| *t == top && (sy - y).abs() <= SAME_Y)
            {
                Some(slot) => slot.2 += 1,
                None => slots.push((top, y, 1)),
            }
        }
    }
    let slot_min = (pages_with_text / 5).max(3);
    for &(p, i, top, y) in &edge_lines {
        if removed[p].contains(&i) {
            continue;
        }
        let page = &pages[p];
        let extreme = if top {
            page.lines.iter().all(|l| l.y <= page.lines[i].y + 0.5)
        } else {
            page.lines.iter().all(|l| l.y >= page.lines[i].y - 0.5)
        };
        let established = slots
            .iter()
            .any(|(t, sy, n)| *t == top && (sy - y).abs() <= 1.0 && *n >= slot_min);
        if extreme && established && page.lines.len() > 1 {
            removed[p].push(i);
        }
    }
    for r in &mut removed {
        r.sort_unstable();
        r.dedup();
    }
    removed
}

/// The two top-most and two bottom-most lines, when inside the margin zones.
fn edge_candidates(page: &PageLayout) -> Vec<(bool, usize)> {
    let height = page.y1 - page.y0;
    if page.lines.is_empty() || height <= 0.0 {
        return Vec::new();
    }
    let mut order: Vec<usize> = (0..page.lines.len()).collect();
    order.sort_by(|&a, &b| page.lines[b].y.total_cmp(&page.lines[a].y));
    let mut out = Vec::new();
    for &i in order.iter().take(2) {
        if page.lines[i].y >= page.y1 - ZONE * height {
            out.push((true, i));
        }
    }
    for &i in order.iter().rev().take(2) {
        if page.lines[i].y <= page.y0 + ZONE * height && !out.iter().any(|(_, j)| *j == i) {
            out.push((false, i));
        }
    }
    out
}

/// Lowercased text with digit runs and standalone roman numerals masked,
/// so "Chapter 2 … 17" and "Chapter 2 … 19" compare equal.
fn mask(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        let lower = word.to_lowercase();
        let core = lower.trim_matches(|c: char| !c.is_alphanumeric());
        if !core.is_empty() && core.chars().all(|c| "ivxlcdm".contains(c)) && core.len() <= 6 {
            out.push('#');
            continue;
        }
        let mut in_digits = false;
        for c in lower.chars() {
            if c.is_ascii_digit() {
                if !in_digits {
                    out.push('#');
                }
                in_digits = true;
            } else {
                in_digits = false;
                out.push(c);
            }
        }
    }
    out
}

fn is_page_number(text: &str, label: Option<&str>) -> bool {
    let t = text.trim();
    if t.is_empty() || t.len() > 12 {
        return false;
    }
    if label.is_some_and(|l| !l.is_empty() && t.eq_ignore_ascii_case(l)) {
        return true;
    }
    let core = t
        .trim_start_matches(['-', '–', '—', ' ', '['])
        .trim_end_matches(['-', '–', '—', ' ', ']']);
    let core = core
        .strip_prefix("Page ")
        .or_else(|| core.strip_prefix("page "))
        .unwrap_or(core);
    !core.is_empty() && (core.chars().all(|c| c.is_ascii_digit()) || is_lower_roman(core))
}

/// A canonical lowercase roman numeral ("iv", not "iiii" or "C").
fn is_lower_roman(s: &str) -> bool {
    if s.is_empty() || s.len() > 8 || !s.chars().all(|c| "ivxlcdm".contains(c)) {
        return false;
    }
    let value = |c: char| match c {
        'i' => 1,
        'v' => 5,
        'x' => 10,
        'l' => 50,
        'c' => 100,
        'd' => 500,
        _ => 1000,
    };
    let chars: Vec<i64> = s.chars().map(value).collect();
    let mut n = 0;
    for (i, v) in chars.iter().enumerate() {
        if chars.get(i + 1).is_some_and(|next| next > v) {
            n -= v;
        } else {
            n += v;
        }
    }
    n > 0 && super::labels::format_page_label(Some('r'), "", n) == s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_numbers() {
        assert_eq!(
            mask("Cisco Guide, Release 12.5(1) 107"),
            "cisco guide, release #.#(#) #"
        );
        assert_eq!(
            mask("Chapter 2: Simple stuff iv"),
            "chapter #: simple stuff #"
        );
    }

    #[test]
    fn page_numbers() {
        assert!(is_page_number("107", None));
        assert!(is_page_number("xii", None));
        assert!(is_page_number("- 3 -", None));
        assert!(is_page_number("T-2", Some("T-2")));
        assert!(!is_page_number("Index", None));
        assert!(!is_page_number("C", None));
        assert!(!is_page_number("did", None));
    }
}
