//! The order of a product's versions, newest first; the first is the
//! "current" version that searches without a version cover. Directory names
//! are compared as versions (`7.10` after `7.4`, `12.5(1)` after `12.5`,
//! `2.0-rc1` before `2.0`), and directories whose names are not versions
//! (`docs-conceptual`, `includes`, `module`) come after every version, so
//! they never become current unless product metadata says so.

use super::natural_cmp;
use std::cmp::Ordering;

/// Names that mean "the newest" in doc trees that use them as directories.
const ALIASES: [&str; 3] = ["latest", "stable", "current"];

/// Words that mark a pre-release: `2.0-rc1` is older than `2.0`.
const PRERELEASE: [&str; 9] = [
    "a", "alpha", "b", "beta", "rc", "pre", "preview", "dev", "snapshot",
];

/// Whether a directory name reads as a version: a number with an optional
/// `v` or `version`/`release` prefix (`5.1`, `v0.2`, `2024-03`,
/// `release-12.5(1)`), or one of `latest`, `stable`, `current`.
pub fn is_version(id: &str) -> bool {
    let lower = id.to_ascii_lowercase();
    if ALIASES.contains(&lower.as_str()) {
        return true;
    }
    strip_prefix(&lower)
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_digit())
}

fn strip_prefix(lower: &str) -> &str {
    for p in ["version", "release", "rel", "v", "r"] {
        if let Some(rest) = lower.strip_prefix(p) {
            let rest = rest.trim_start_matches(['-', '_', '.', ' ']);
            if rest.starts_with(|c: char| c.is_ascii_digit()) {
                return rest;
            }
        }
    }
    lower
}

#[derive(Debug, PartialEq, Eq)]
enum Part<'a> {
    Num(&'a str),
    Word(&'a str),
}

/// Numbers and words of a version name; separators only separate.
fn parts(lower: &str) -> Vec<Part<'_>> {
    let mut out = Vec::new();
    let b = lower.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        if b[i].is_ascii_digit() {
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            let digits = lower[start..i].trim_start_matches('0');
            out.push(Part::Num(if digits.is_empty() { "0" } else { digits }));
        } else if b[i].is_ascii_alphabetic() {
            while i < b.len() && b[i].is_ascii_alphabetic() {
                i += 1;
            }
            out.push(Part::Word(&lower[start..i]));
        } else {
            i += 1;
        }
    }
    out
}

fn is_prerelease(p: Option<&Part<'_>>) -> bool {
    matches!(p, Some(Part::Word(w)) if PRERELEASE.contains(w))
}

/// Compares two version names, older first.
pub fn version_cmp(a: &str, b: &str) -> Ordering {
    let (la, lb) = (a.to_ascii_lowercase(), b.to_ascii_lowercase());
    let alias = |s: &str| ALIASES.iter().position(|x| *x == s);
    match (alias(&la), alias(&lb)) {
        // `latest` before `stable` before `current`: all newer than numbers.
        (Some(x), Some(y)) => return y.cmp(&x),
        (Some(_), None) => return Ordering::Greater,
        (None, Some(_)) => return Ordering::Less,
        (None, None) => {}
    }
    let (pa, pb) = (parts(strip_prefix(&la)), parts(strip_prefix(&lb)));
    let mut i = 0;
    loop {
        let ord = match (pa.get(i), pb.get(i)) {
            (None, None) => break,
            // `2.0` against `2.0-rc1`: the pre-release is older; `12.5`
            // against `12.5(1)`: the longer one is a later release.
            (None, rest) => {
                if is_prerelease(rest) {
                    Ordering::Greater
                } else {
                    Ordering::Less
                }
            }
            (rest, None) => {
                if is_prerelease(rest) {
                    Ordering::Less
                } else {
                    Ordering::Greater
                }
            }
            (Some(Part::Num(x)), Some(Part::Num(y))) => x.len().cmp(&y.len()).then(x.cmp(y)),
            (Some(Part::Word(x)), Some(Part::Word(y))) => {
                match (PRERELEASE.contains(x), PRERELEASE.contains(y)) {
                    (true, true) | (false, false) => x.cmp(y),
                    (true, false) => Ordering::Less,
                    (false, true) => Ordering::Greater,
                }
            }
            (Some(Part::Num(_)), Some(Part::Word(_))) => Ordering::Greater,
            (Some(Part::Word(_)), Some(Part::Num(_))) => Ordering::Less,
        };
        if ord != Ordering::Equal {
            return ord;
        }
        i += 1;
    }
    // Same version written differently (`v12.5`, `12.5`): a fixed order.
    natural_cmp(a, b)
}

/// The display order of `ids`, as positions: versions named in `listed`
/// first, in that order; then the other version names, newest first; then
/// the names that are not versions, in natural order. `current` (when it
/// names one of `ids`) is moved to the front, since the first version is the
/// current one.
pub fn order(ids: &[&str], listed: &[String], current: Option<&str>) -> Vec<usize> {
    let rank = |id: &str| -> (u8, usize) {
        if current == Some(id) {
            (0, 0)
        } else if let Some(p) = listed.iter().position(|l| l == id) {
            (1, p)
        } else if is_version(id) {
            (2, 0)
        } else {
            (3, 0)
        }
    };
    let mut idx: Vec<usize> = (0..ids.len()).collect();
    idx.sort_by(|&x, &y| {
        let (a, b) = (ids[x], ids[y]);
        let (ra, rb) = (rank(a), rank(b));
        ra.cmp(&rb).then_with(|| match ra.0 {
            2 => version_cmp(b, a),
            3 => natural_cmp(a, b),
            _ => Ordering::Equal,
        })
    });
    idx
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ordered(ids: &[&str], listed: &[&str], current: Option<&str>) -> Vec<String> {
        let listed: Vec<String> = listed.iter().map(|s| s.to_string()).collect();
        order(ids, &listed, current)
            .into_iter()
            .map(|i| ids[i].to_string())
            .collect()
    }

    #[test]
    fn numbers_compare_as_numbers_and_other_directories_come_last() {
        assert_eq!(
            ordered(
                &["5.1", "7.10", "7.4", "docs-conceptual", "module"],
                &[],
                None
            ),
            ["7.10", "7.4", "5.1", "docs-conceptual", "module"]
        );
        assert_eq!(
            ordered(
                &[
                    "includes",
                    "module",
                    "7.7",
                    "5.1",
                    "7.5",
                    "docs-conceptual",
                    "7.4",
                    "7.6"
                ],
                &[],
                None
            ),
            [
                "7.7",
                "7.6",
                "7.5",
                "7.4",
                "5.1",
                "docs-conceptual",
                "includes",
                "module"
            ]
        );
    }

    #[test]
    fn version_spellings() {
        use Ordering::*;
        assert_eq!(version_cmp("v12.10", "v12.9"), Greater);
        assert_eq!(version_cmp("12.5(1)", "12.5"), Greater);
        assert_eq!(version_cmp("12.5(2)", "v12.5(10)"), Less);
        assert_eq!(version_cmp("v12.5", "12.5(1)"), Less);
        assert_eq!(version_cmp("2.0-rc1", "2.0"), Less);
        assert_eq!(version_cmp("2.0-rc2", "2.0-rc10"), Less);
        assert_eq!(version_cmp("2.0-beta", "2.0-rc1"), Less);
        assert_eq!(version_cmp("2.0.1", "2.0"), Greater);
        assert_eq!(version_cmp("2024-03", "2023-12"), Greater);
        assert_eq!(version_cmp("release-3", "v2.9"), Greater);
        assert_eq!(version_cmp("latest", "99.0"), Greater);
        assert_eq!(version_cmp("007", "7"), natural_cmp("007", "7"));
        assert_ne!(version_cmp("v12.5", "12.5"), Equal);
    }

    #[test]
    fn what_counts_as_a_version() {
        for v in [
            "5.1",
            "v0.2",
            "V3",
            "2024-03",
            "release-12.5(1)",
            "r2",
            "latest",
            "10",
        ] {
            assert!(is_version(v), "{v}");
        }
        for n in [
            "docs-conceptual",
            "includes",
            "module",
            "vnext",
            "reference",
            "main",
            "",
        ] {
            assert!(!is_version(n), "{n}");
        }
    }

    #[test]
    fn metadata_states_the_order_and_the_current_version() {
        let ids = ["5.1", "7.10", "7.4", "docs-conceptual", "module"];
        // Listed first, in the listed order; the rest as without metadata.
        assert_eq!(
            ordered(&ids, &["7.4", "5.1"], None),
            ["7.4", "5.1", "7.10", "docs-conceptual", "module"]
        );
        // `current` alone: that version first, the rest newest first.
        assert_eq!(
            ordered(&ids, &[], Some("7.4")),
            ["7.4", "7.10", "5.1", "docs-conceptual", "module"]
        );
        // Metadata may make a directory that is not a version current.
        assert_eq!(ordered(&ids, &["7.10", "7.4"], Some("module"))[0], "module");
    }

    #[test]
    fn only_non_versions_keep_natural_order() {
        assert_eq!(
            ordered(&["guide", "api", "api2", "api10"], &[], None),
            ["api", "api2", "api10", "guide"]
        );
    }
}
