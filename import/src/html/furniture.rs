//! Boilerplate by frequency across the set: site headers, menus, sidebars,
//! footers and "last updated" lines repeat on a large share of a set's
//! pages, exactly as running headers do on a PDF's pages. Each page's main
//! content is cut into text blocks (the text of one block-level element);
//! a block whose normalised text is on many pages is furniture when it is
//! part of the run of such blocks that starts or ends the page (headers,
//! menus and sidebars come before the content in the page's order, footers
//! and sidebars after it). Repeated blocks between the page's own stay: a
//! start page's table of contents lists the same links as a sidebar, and a
//! sentence such as "Added in version 2." repeats legitimately.
//!
//! Navigation that names other pages repeats by its shape, not its text:
//! "Parent topic: Installing", "Previous topic: Ports" differ on every page
//! but read "Parent topic: §" once the link text is folded. A block with a
//! label of its own and links also counts as repeated when its shape is
//! on many pages. A block of links alone never does (a contents list's
//! items all fold to "§"); it is part of a run of furniture only when the
//! run has such navigation by shape (the links under "Related information"
//! next to "Previous topic: §"), so a "See also" list of a page's own stays.

use std::collections::{HashMap, HashSet};

use ego_tree::{NodeId, NodeRef};
use scraper::{ElementRef, Node};

/// Sets smaller than this are not pruned: with few pages, repetition says
/// little about what is furniture.
pub(crate) const MIN_SET: usize = 6;
/// Share of the set's pages a block must be on to count as repeated.
const SHARE: f64 = 0.25;

/// One text block of a page, in document order.
pub(crate) struct Block {
    pub id: NodeId,
    pub key: String,
    /// A `<pre>` block: code is never furniture, even when a set starts
    /// every page with the same `#include`.
    pub code: bool,
    /// The text with each link's text folded to "§", when the block has
    /// links and at least [`MIN_LABEL`] letters outside them.
    pub shape: Option<String>,
    /// Every letter or digit of the block is link text, and it is not a
    /// heading.
    pub links_only: bool,
}

/// Letters outside links a block needs for its shape to count: "Next: §"
/// is navigation, "§, §" says nothing.
const MIN_LABEL: usize = 3;

/// Marks shape keys in the frequency table, apart from block texts.
const SHAPE: char = '\u{1}';

fn is_block(name: &str) -> bool {
    matches!(
        name,
        "p" | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "li"
            | "dt"
            | "dd"
            | "td"
            | "th"
            | "tr"
            | "table"
            | "ul"
            | "ol"
            | "dl"
            | "pre"
            | "blockquote"
            | "div"
            | "section"
            | "article"
            | "main"
            | "header"
            | "footer"
            | "nav"
            | "aside"
            | "caption"
            | "figcaption"
            | "figure"
            | "address"
            | "center"
            | "fieldset"
            | "legend"
            | "summary"
            | "details"
            | "body"
    )
}

/// Lowercase, digits folded (dates, versions, counters vary between pages),
/// whitespace collapsed.
fn normalise(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut last = ' ';
    for c in s.chars() {
        let c = if c.is_ascii_digit() {
            '0'
        } else if c.is_whitespace() {
            ' '
        } else {
            c
        };
        if (c == ' ' || c == '0') && last == c {
            continue;
        }
        out.extend(c.to_lowercase());
        last = c;
    }
    out.trim().to_string()
}

/// The text blocks below `roots`; `skip` says which elements contribute no
/// text (scripts, permalinks, contents lists already removed).
pub(crate) fn blocks(
    roots: &[ElementRef<'_>],
    skip: &dyn Fn(ElementRef<'_>) -> bool,
) -> Vec<Block> {
    #[derive(Default)]
    struct Text {
        all: String,
        shape: String,
        /// Letters and digits outside and inside links.
        plain: usize,
        linked: usize,
    }
    struct Acc {
        order: Vec<NodeId>,
        text: HashMap<NodeId, Text>,
        code: HashSet<NodeId>,
        headings: HashSet<NodeId>,
    }
    fn entry(acc: &mut Acc, block: NodeId) -> &mut Text {
        acc.text.entry(block).or_insert_with(|| {
            acc.order.push(block);
            Text::default()
        })
    }
    fn walk(
        node: NodeRef<'_, Node>,
        block: NodeId,
        in_link: bool,
        skip: &dyn Fn(ElementRef<'_>) -> bool,
        acc: &mut Acc,
    ) {
        match node.value() {
            Node::Text(t) => {
                if t.trim().is_empty() {
                    return;
                }
                let n = t.chars().filter(|c| c.is_alphanumeric()).count();
                let e = entry(acc, block);
                e.all.push_str(t);
                e.all.push(' ');
                if in_link {
                    e.linked += n;
                } else {
                    e.plain += n;
                    e.shape.push_str(t);
                    e.shape.push(' ');
                }
            }
            Node::Element(e) => {
                let el = ElementRef::wrap(node).expect("element");
                if skip(el) {
                    return;
                }
                let block = if is_block(e.name()) { node.id() } else { block };
                if e.name() == "pre" {
                    acc.code.insert(node.id());
                }
                if matches!(e.name(), "h1" | "h2" | "h3" | "h4" | "h5" | "h6") {
                    acc.headings.insert(node.id());
                }
                let link = !in_link && e.name() == "a" && e.attr("href").is_some();
                if link {
                    entry(acc, block).shape.push_str(" § ");
                }
                for c in node.children() {
                    walk(c, block, in_link || link, skip, acc);
                }
            }
            _ => {}
        }
    }
    let mut acc = Acc {
        order: Vec::new(),
        text: HashMap::new(),
        code: HashSet::new(),
        headings: HashSet::new(),
    };
    for r in roots {
        walk(**r, r.id(), false, skip, &mut acc);
    }
    acc.order
        .into_iter()
        .filter_map(|id| {
            let text = acc.text.remove(&id)?;
            let key = normalise(&text.all);
            let code = acc.code.contains(&id);
            let shape = (text.linked > 0 && text.plain >= MIN_LABEL).then(|| {
                let mut s = String::from(SHAPE);
                s.push_str(&normalise(&text.shape));
                s
            });
            let links_only = text.linked > 0 && text.plain == 0 && !acc.headings.contains(&id);
            (!key.is_empty()).then_some(Block {
                id,
                key,
                code,
                shape,
                links_only,
            })
        })
        .collect()
}

/// Pages per block text, and per block shape, over the whole set.
pub(crate) fn frequencies<'a>(pages: impl Iterator<Item = &'a [Block]>) -> HashMap<String, usize> {
    let mut freq: HashMap<String, usize> = HashMap::new();
    for blocks in pages {
        let distinct: HashSet<&str> = blocks
            .iter()
            .flat_map(|b| std::iter::once(b.key.as_str()).chain(b.shape.as_deref()))
            .collect();
        for k in distinct {
            *freq.entry(k.to_string()).or_default() += 1;
        }
    }
    freq
}

/// How many pages a block must be on to be repeated, for a set of `n` pages
/// (`None`: too small a set to tell).
pub(crate) fn threshold(n: usize) -> Option<usize> {
    (n >= MIN_SET).then(|| ((n as f64 * SHARE).ceil() as usize).max(3))
}

/// The blocks of one page that are furniture: the runs of repeated blocks
/// that start and end it, with the blocks of links alone inside them.
pub(crate) fn furniture(
    blocks: &[Block],
    freq: &HashMap<String, usize>,
    min: usize,
) -> HashSet<NodeId> {
    let by_key: Vec<bool> = blocks
        .iter()
        .map(|b| !b.code && freq[&b.key] >= min)
        .collect();
    // Repeated by its shape alone: navigation naming other pages.
    let by_shape: Vec<bool> = blocks
        .iter()
        .zip(&by_key)
        .map(|(b, k)| !b.code && !k && b.shape.as_ref().is_some_and(|s| freq[s] >= min))
        .collect();
    let repeated: Vec<bool> = by_key.iter().zip(&by_shape).map(|(k, s)| k | s).collect();
    let links = |i: usize| blocks[i].links_only && !blocks[i].code;
    if (0..blocks.len()).all(|i| repeated[i] || links(i)) {
        // Nothing of its own would be left: keep the page whole rather than
        // lose it (it is reported if it turns out empty anyway).
        return HashSet::new();
    }
    // The run from one end: repeated blocks, and with `through_links` the
    // blocks of links alone that a repeated block separates from the
    // page's own text. Returns the run and whether it has navigation by
    // shape.
    let run = |order: &mut dyn Iterator<Item = usize>, through_links: bool| {
        let (mut out, mut pending, mut shaped) = (Vec::new(), Vec::new(), false);
        for i in order {
            if repeated[i] {
                out.append(&mut pending);
                out.push(i);
                shaped |= by_shape[i];
            } else if through_links && links(i) {
                pending.push(i);
            } else {
                break;
            }
        }
        (out, shaped)
    };
    let mut drop = vec![false; blocks.len()];
    let n = blocks.len();
    for from_end in [false, true] {
        let order = || -> Box<dyn Iterator<Item = usize>> {
            if from_end {
                Box::new((0..n).rev())
            } else {
                Box::new(0..n)
            }
        };
        let (mut out, shaped) = run(&mut order(), true);
        if !shaped && out.iter().any(|&i| links(i)) {
            out = run(&mut order(), false).0;
        }
        for i in out {
            drop[i] = true;
        }
    }
    blocks
        .iter()
        .zip(drop)
        .filter(|(_, d)| *d)
        .map(|(b, _)| b.id)
        .collect()
}

/// Extends a set of dropped blocks to the elements left with no text of
/// their own (a list whose items all went, a menu's wrapper).
pub(crate) fn close_upwards(
    roots: &[ElementRef<'_>],
    blocks: &[Block],
    dropped: &mut HashSet<NodeId>,
) {
    if dropped.is_empty() {
        return;
    }
    let root_ids: HashSet<NodeId> = roots.iter().map(|r| r.id()).collect();
    // Count, per ancestor, its text blocks and its dropped ones.
    let mut total: HashMap<NodeId, usize> = HashMap::new();
    let mut gone: HashMap<NodeId, usize> = HashMap::new();
    let tree = roots[0].tree();
    for b in blocks {
        let Some(node) = tree.get(b.id) else { continue };
        let is_dropped = dropped.contains(&b.id);
        for a in node.ancestors() {
            if root_ids.contains(&a.id()) {
                break;
            }
            *total.entry(a.id()).or_default() += 1;
            if is_dropped {
                *gone.entry(a.id()).or_default() += 1;
            }
        }
    }
    // A dropped block that holds kept ones (a menu entry with a nested
    // list of the page's own) stays: dropping it would drop them too.
    let holds_kept: HashSet<NodeId> = total
        .iter()
        .filter(|(id, n)| gone.get(id).copied().unwrap_or(0) < **n)
        .map(|(id, _)| *id)
        .collect();
    dropped.retain(|id| !holds_kept.contains(id));
    let block_ids: HashSet<NodeId> = blocks.iter().map(|b| b.id).collect();
    for (id, n) in total {
        if gone.get(&id) == Some(&n) && !block_ids.contains(&id) {
            dropped.insert(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalising_folds_numbers_and_space() {
        assert_eq!(
            normalise("Last updated\n 2025-06-13  22:20:03 UTC"),
            "last updated 0-0-0 0:0:0 utc"
        );
    }

    #[test]
    fn thresholds() {
        assert_eq!(threshold(5), None);
        assert_eq!(threshold(6), Some(3));
        assert_eq!(threshold(100), Some(25));
    }
}
