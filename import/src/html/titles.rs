//! Document titles for a whole set: the page's `<title>` without the site
//! name every page repeats, or its first heading, whichever says more about
//! the page; titles that would still collide get a qualifier.

use std::collections::{HashMap, HashSet};

use crate::text::skeleton;

/// What a page offers as a title.
#[derive(Debug, Clone, Default)]
pub(crate) struct Candidates {
    /// `<title>`, whitespace collapsed.
    pub head: Option<String>,
    /// The first heading of the main content.
    pub heading: Option<String>,
    /// The page that lists this one in the set's tables of contents.
    pub parent: Option<usize>,
    /// Path in the set, the last resort.
    pub path: String,
}

const SEPARATORS: [&str; 9] = [
    " — ", " – ", " | ", " - ", " :: ", " · ", " » ", " « ", ": ",
];

/// The site prefix and suffix of the set's `<title>`s: the separator-
/// delimited start or end most pages share (at least 30% of them, and two).
pub(crate) fn site_affixes(heads: &[&str]) -> (Option<String>, Option<String>) {
    let min = ((heads.len() as f64 * 0.3).ceil() as usize).max(2);
    let mut prefixes: HashMap<&str, usize> = HashMap::new();
    let mut suffixes: HashMap<&str, usize> = HashMap::new();
    for h in heads {
        let mut pre = HashSet::new();
        let mut suf = HashSet::new();
        for sep in SEPARATORS {
            for (i, _) in h.match_indices(sep) {
                pre.insert(&h[..i + sep.len()]);
                suf.insert(&h[i..]);
            }
        }
        // A site name in brackets at the end: Javadoc's "StringUtils (Apache
        // Commons Lang 3.12.0 API)", texinfo's "Capacity (Admin Guide)".
        if h.ends_with(')') {
            for (i, _) in h.match_indices(" (") {
                suf.insert(&h[i..]);
            }
        }
        for p in pre {
            *prefixes.entry(p).or_default() += 1;
        }
        for s in suf {
            *suffixes.entry(s).or_default() += 1;
        }
    }
    let best = |m: HashMap<&str, usize>| {
        m.into_iter()
            .filter(|(_, n)| *n >= min)
            .max_by(|a, b| {
                a.1.cmp(&b.1)
                    .then(a.0.len().cmp(&b.0.len()))
                    .then(b.0.cmp(a.0))
            })
            .map(|(s, _)| s.to_string())
    };
    (best(prefixes), best(suffixes))
}

fn strip_affixes(head: &str, prefix: Option<&str>, suffix: Option<&str>) -> String {
    let mut t = head;
    if let Some(s) = suffix {
        if let Some(rest) = t.strip_suffix(s) {
            if !rest.trim().is_empty() {
                t = rest;
            }
        }
    }
    if let Some(p) = prefix {
        if let Some(rest) = t.strip_prefix(p) {
            if !rest.trim().is_empty() {
                t = rest;
            }
        }
    }
    t.trim().to_string()
}

/// What [`choose`] decides for a set.
pub(crate) struct Chosen {
    /// One title per page, in the order given.
    pub titles: Vec<String>,
    /// Whether the title is the page's first heading (which is then not
    /// repeated in the body).
    pub from_heading: Vec<bool>,
    /// The site name the `<title>`s share ("Python 3.13 documentation").
    pub site: Option<String>,
}

/// Titles for every page of a set.
pub(crate) fn choose(pages: &[Candidates]) -> Chosen {
    let heads: Vec<&str> = pages.iter().filter_map(|p| p.head.as_deref()).collect();
    let (prefix, suffix) = site_affixes(&heads);
    let strip = |t: &Option<String>| {
        t.as_deref()
            .map(|t| strip_affixes(t, prefix.as_deref(), suffix.as_deref()))
    };
    let stripped: Vec<Option<String>> = pages
        .iter()
        .map(|p| strip(&p.head).filter(|t| !t.is_empty()))
        .collect();
    let count = |items: Vec<Option<String>>| {
        let mut m: HashMap<String, usize> = HashMap::new();
        for s in items.into_iter().flatten() {
            *m.entry(skeleton(&s)).or_default() += 1;
        }
        m
    };
    // A page heading that repeats the `<title>`'s site name (Confluence
    // writes "Space : Page" in both) is read without it too.
    let headings: Vec<Option<String>> = pages.iter().map(|p| strip(&p.heading)).collect();
    let head_freq = count(stripped.clone());
    let heading_freq = count(headings.clone());

    let mut alternates: Vec<Option<String>> = Vec::with_capacity(pages.len());
    let mut titles: Vec<String> = pages
        .iter()
        .zip(&stripped)
        .zip(&headings)
        .map(|((p, t), heading)| {
            let (title, alt) = match (t, heading) {
                (None, None) => (crate::paths::stem(&p.path).to_string(), None),
                (Some(t), None) => (t.clone(), None),
                (None, Some(h)) => (h.clone(), None),
                (Some(t), Some(h)) => {
                    let (st, sh) = (skeleton(t), skeleton(h));
                    let (ft, fh) = (head_freq[&st], heading_freq[&sh]);
                    if st == sh {
                        (h.clone(), None)
                    } else if ft != fh {
                        // The rarer one is the specific one.
                        if ft < fh {
                            (t.clone(), Some(h.clone()))
                        } else {
                            (h.clone(), Some(t.clone()))
                        }
                    } else if st.contains(&sh) {
                        // "Widget Docs | Home" over "Widget Docs": the rest
                        // is the site's, not the page's.
                        let site_part = SEPARATORS
                            .iter()
                            .flat_map(|sep| t.split(sep))
                            .any(|part| skeleton(part) == sh);
                        if site_part {
                            (h.clone(), None)
                        } else {
                            (t.clone(), None)
                        }
                    } else if sh.contains(&st) {
                        (h.clone(), None)
                    } else {
                        (h.clone(), Some(t.clone()))
                    }
                }
            };
            alternates.push(alt);
            title
        })
        .collect();
    let from_heading = headings
        .iter()
        .zip(&titles)
        .map(|(h, t)| h.as_deref() == Some(t.as_str()))
        .collect();
    disambiguate(&mut titles, &alternates, pages);
    let trim_sep = |a: &str| {
        a.trim_matches(|c: char| c.is_whitespace() || "—–|-:·»«()".contains(c))
            .to_string()
    };
    let site = suffix
        .as_deref()
        .map(trim_sep)
        .or_else(|| prefix.as_deref().map(trim_sep))
        .filter(|s| !s.is_empty());
    Chosen {
        titles,
        from_heading,
        site,
    }
}

/// Titles shared by several pages get the first qualifier that tells the
/// group apart: the other title candidate, the parent page's title, the
/// path.
fn disambiguate(titles: &mut [String], alternates: &[Option<String>], pages: &[Candidates]) {
    let mut groups: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, t) in titles.iter().enumerate() {
        groups.entry(t.clone()).or_default().push(i);
    }
    let base: Vec<String> = titles.to_vec();
    let mut groups: Vec<Vec<usize>> = groups.into_values().filter(|g| g.len() > 1).collect();
    groups.sort();
    for group in groups {
        let qualifiers: [&dyn Fn(usize) -> Option<String>; 3] = [
            &|i| {
                alternates[i]
                    .clone()
                    .filter(|a| !skeleton(&base[i]).contains(&skeleton(a)))
            },
            &|i| pages[i].parent.map(|p| base[p].clone()),
            &|i| Some(pages[i].path.clone()),
        ];
        let mut todo: Vec<usize> = group.clone();
        for q in qualifiers {
            let named: Vec<(usize, String)> = todo
                .iter()
                .filter_map(|&i| q(i).map(|s| (i, format!("{} ({s})", base[i]))))
                .collect();
            let mut seen: HashMap<&str, usize> = HashMap::new();
            for (_, n) in &named {
                *seen.entry(n.as_str()).or_default() += 1;
            }
            let taken: HashSet<&str> = titles.iter().map(String::as_str).collect();
            let mut done = Vec::new();
            for (i, n) in &named {
                if seen[n.as_str()] == 1 && !taken.contains(n.as_str()) {
                    done.push((*i, n.clone()));
                }
            }
            for (i, n) in done {
                titles[i] = n;
                todo.retain(|&j| j != i);
            }
            // One member may keep the plain title once the others differ.
            if todo.len() <= 1 {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(head: &str, heading: &str, path: &str) -> Candidates {
        Candidates {
            head: (!head.is_empty()).then(|| head.to_string()),
            heading: (!heading.is_empty()).then(|| heading.to_string()),
            parent: None,
            path: path.to_string(),
        }
    }

    #[test]
    fn site_suffix_is_found_and_removed() {
        let pages = [
            c(
                "os — Operating system — Py 3 docs",
                "os — Operating system",
                "os.html",
            ),
            c("sys — System — Py 3 docs", "", "sys.html"),
            c("Py 3 docs", "Welcome", "index.html"),
        ];
        let t = choose(&pages).titles;
        assert_eq!(t, ["os — Operating system", "sys — System", "Welcome"]);
        assert_eq!(choose(&pages).site.as_deref(), Some("Py 3 docs"));
    }

    #[test]
    fn the_rarer_candidate_wins_and_collisions_are_qualified() {
        let pages = [
            c("Open a connection", "C Interface", "c/open.html"),
            c("Close a connection", "C Interface", "c/close.html"),
            c("C Interface", "C Interface", "c/intro.html"),
            c("Overview", "Overview", "a/overview.html"),
            c("Overview", "Overview", "b/overview.html"),
        ];
        let t = choose(&pages).titles;
        assert_eq!(t[0], "Open a connection");
        assert_eq!(t[1], "Close a connection");
        assert_eq!(t[2], "C Interface");
        assert_eq!(t[3], "Overview (a/overview.html)");
        assert_eq!(t[4], "Overview (b/overview.html)");
    }
}
