//! Front matter: YAML between `---` lines or TOML between `+++` lines, as Hugo,
//! PowerShell-Docs and most doc generators write it.

use std::collections::BTreeMap;

/// What McDewey reads from front matter; every other key is kept out of the way.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct FrontMatter {
    pub title: Option<String>,
    pub description: Option<String>,
    pub weight: Option<i64>,
    /// Keys McDewey does not interpret, flattened to strings, in key order.
    pub extra: BTreeMap<String, String>,
}

/// A front matter block that could not be parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct FrontMatterError {
    /// 1-based line in the whole file.
    pub line: usize,
    pub message: String,
}

/// Result of splitting a document into front matter and body.
#[derive(Debug)]
pub struct Split<'a> {
    pub front: FrontMatter,
    pub body: &'a str,
    /// Number of lines before `body` starts, so body line N is file line N + offset.
    pub line_offset: usize,
    /// Set when YAML was malformed and the keys were read line by line instead.
    pub warning: Option<FrontMatterError>,
}

/// Splits `src` into front matter and body. A file without front matter has an
/// empty [`FrontMatter`]; an opened but unclosed or malformed block is an error.
pub fn split(src: &str) -> Result<Split<'_>, FrontMatterError> {
    let src_nobom = src.strip_prefix('\u{feff}').unwrap_or(src);
    let first_line = src_nobom.lines().next().unwrap_or("");
    let fence = match first_line.trim_end() {
        "---" => "---",
        "+++" => "+++",
        _ => {
            return Ok(Split {
                front: FrontMatter::default(),
                body: src_nobom,
                line_offset: 0,
                warning: None,
            })
        }
    };
    // Find the closing fence on a line of its own.
    let mut offset = first_line.len() + line_ending_len(src_nobom, first_line.len());
    let mut line_no = 1;
    let block_start = offset;
    loop {
        if offset >= src_nobom.len() {
            return Err(FrontMatterError {
                line: 1,
                message: format!("front matter opened with `{fence}` is never closed"),
            });
        }
        let rest = &src_nobom[offset..];
        let line = rest.lines().next().unwrap_or("");
        line_no += 1;
        let next = offset + line.len() + line_ending_len(src_nobom, offset + line.len());
        if line.trim_end() == fence {
            let block = &src_nobom[block_start..offset];
            let block_lines = block.lines().count().max(1);
            let to_error = |(rel_line, message): (usize, String)| FrontMatterError {
                line: 1 + rel_line.clamp(1, block_lines),
                message,
            };
            let (front, warning) = match parse_block(block, fence) {
                Ok(front) => (front, None),
                // Real doc sets ship YAML their own tools accept but a strict
                // parser does not (`- %` in PowerShell-Docs); the keys McDewey
                // needs are still readable line by line. A key of the wrong
                // type is an error either way.
                Err(BlockError::Syntax(e)) if fence == "---" => {
                    let mut warning = to_error(e);
                    warning.message.push_str("; keys were read line by line");
                    (lenient_yaml(block).map_err(to_error)?, Some(warning))
                }
                Err(BlockError::Syntax(e) | BlockError::Invalid(e)) => return Err(to_error(e)),
            };
            return Ok(Split {
                front,
                body: &src_nobom[next.min(src_nobom.len())..],
                line_offset: line_no,
                warning,
            });
        }
        offset = next;
    }
}

/// Top-level `key: value` lines of a YAML block that failed to parse.
/// Errors carry a 1-based line relative to the block.
fn lenient_yaml(block: &str) -> Result<FrontMatter, (usize, String)> {
    let mut front = FrontMatter::default();
    for (i, line) in block.lines().enumerate() {
        if line.starts_with([' ', '\t', '-', '#']) {
            continue;
        }
        let Some((key, raw)) = line.split_once(':') else {
            continue;
        };
        let value = raw.trim().trim_matches(['"', '\'']).to_string();
        if value.is_empty() {
            continue;
        }
        match key.trim() {
            "title" => front.title = Some(value),
            "description" => front.description = Some(value),
            // Only a bare integer, as in a well-formed block: `"2"` is text.
            "weight" => {
                front.weight = Some(
                    raw.trim()
                        .parse()
                        .map_err(|_| (i + 1, weight_message(raw.trim())))?,
                )
            }
            k => {
                front.extra.insert(k.to_string(), value);
            }
        }
    }
    Ok(front)
}

fn weight_message(found: &str) -> String {
    format!("`weight` must be an integer such as 2, got {found}")
}

/// Why a front matter block was not read: bad syntax (YAML may still be read
/// line by line) or a key McDewey reads with the wrong type (always an error).
/// Both carry a 1-based line relative to the block.
enum BlockError {
    Syntax((usize, String)),
    Invalid((usize, String)),
}

fn line_ending_len(s: &str, at: usize) -> usize {
    let b = s.as_bytes();
    match (b.get(at), b.get(at + 1)) {
        (Some(b'\r'), Some(b'\n')) => 2,
        (Some(b'\n'), _) | (Some(b'\r'), _) => 1,
        _ => 0,
    }
}

/// Parses the inside of a block. Errors carry a 1-based line relative to the block.
fn parse_block(block: &str, fence: &str) -> Result<FrontMatter, BlockError> {
    let map: BTreeMap<String, Scalar> = if fence == "---" {
        if block.trim().is_empty() {
            BTreeMap::new()
        } else {
            let value: serde_yaml_ng::Value = serde_yaml_ng::from_str(block).map_err(|e| {
                let line = e.location().map(|l| l.line()).unwrap_or(1);
                BlockError::Syntax((
                    line,
                    format!("malformed YAML front matter: {}", yaml_message(&e)),
                ))
            })?;
            match value {
                serde_yaml_ng::Value::Mapping(m) => m
                    .into_iter()
                    .filter_map(|(k, v)| Some((yaml_key(&k)?, Scalar::from_yaml(&v))))
                    .collect(),
                serde_yaml_ng::Value::Null => BTreeMap::new(),
                _ => {
                    return Err(BlockError::Syntax((
                        1,
                        "YAML front matter must be a mapping of keys".into(),
                    )))
                }
            }
        }
    } else {
        let table: toml::Table = toml::from_str(block).map_err(|e| {
            let line = e
                .span()
                .map(|s| crate::diag::line_at(block, s.start))
                .unwrap_or(1);
            BlockError::Syntax((
                line,
                format!("malformed TOML front matter: {}", e.message()),
            ))
        })?;
        table
            .into_iter()
            .map(|(k, v)| (k, Scalar::from_toml(&v)))
            .collect()
    };
    let mut front = FrontMatter::default();
    for (key, value) in map {
        match key.as_str() {
            "title" => front.title = value.as_text().filter(|t| !t.trim().is_empty()),
            "description" => front.description = value.as_text(),
            "weight" => {
                front.weight = Some(value.as_int().ok_or_else(|| {
                    let line = key_line(block, "weight");
                    BlockError::Invalid((line, weight_message(&value.describe())))
                })?)
            }
            _ => {
                if let Some(text) = value.as_text() {
                    front.extra.insert(key, text);
                }
            }
        }
    }
    Ok(front)
}

fn key_line(block: &str, key: &str) -> usize {
    block
        .lines()
        .position(|l| {
            l.trim_start()
                .strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with([':', '=']))
        })
        .map(|i| i + 1)
        .unwrap_or(1)
}

fn yaml_message(e: &serde_yaml_ng::Error) -> String {
    // The library appends " at line X column Y"; the caller reports the line itself.
    let msg = e.to_string();
    match msg.find(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg,
    }
}

fn yaml_key(k: &serde_yaml_ng::Value) -> Option<String> {
    match k {
        serde_yaml_ng::Value::String(s) => Some(s.clone()),
        serde_yaml_ng::Value::Number(n) => Some(n.to_string()),
        serde_yaml_ng::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

enum Scalar {
    Text(String),
    Int(i64),
    Other(Option<String>),
}

impl Scalar {
    fn from_yaml(v: &serde_yaml_ng::Value) -> Self {
        use serde_yaml_ng::Value;
        match v {
            Value::String(s) => Scalar::Text(s.clone()),
            Value::Number(n) => match n.as_i64() {
                Some(i) => Scalar::Int(i),
                None => Scalar::Other(Some(n.to_string())),
            },
            Value::Bool(b) => Scalar::Other(Some(b.to_string())),
            Value::Sequence(items) => Scalar::Other(Some(
                items
                    .iter()
                    .filter_map(|i| Scalar::from_yaml(i).as_text())
                    .collect::<Vec<_>>()
                    .join(", "),
            )),
            _ => Scalar::Other(None),
        }
    }

    fn from_toml(v: &toml::Value) -> Self {
        match v {
            toml::Value::String(s) => Scalar::Text(s.clone()),
            toml::Value::Integer(i) => Scalar::Int(*i),
            toml::Value::Float(f) => Scalar::Other(Some(f.to_string())),
            toml::Value::Boolean(b) => Scalar::Other(Some(b.to_string())),
            toml::Value::Datetime(d) => Scalar::Other(Some(d.to_string())),
            toml::Value::Array(items) => Scalar::Other(Some(
                items
                    .iter()
                    .filter_map(|i| Scalar::from_toml(i).as_text())
                    .collect::<Vec<_>>()
                    .join(", "),
            )),
            toml::Value::Table(_) => Scalar::Other(None),
        }
    }

    fn as_text(&self) -> Option<String> {
        match self {
            Scalar::Text(s) => Some(s.clone()),
            Scalar::Int(i) => Some(i.to_string()),
            Scalar::Other(s) => s.clone(),
        }
    }

    /// Only a number is a number: `weight: "2"` is text, as the content
    /// format says, so a quoted value is reported instead of guessed at.
    fn as_int(&self) -> Option<i64> {
        match self {
            Scalar::Int(i) => Some(*i),
            Scalar::Text(_) | Scalar::Other(_) => None,
        }
    }

    /// The value as the error message shows it.
    fn describe(&self) -> String {
        match self {
            Scalar::Text(s) => format!("the text \"{s}\""),
            Scalar::Int(i) => i.to_string(),
            Scalar::Other(Some(s)) => s.clone(),
            Scalar::Other(None) => "a table".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_front_matter() {
        let s = split(
            "---\ntitle: Clustering Guide\nweight: 4150\nno-loc: [a, b]\n---\n\n## Overview\n",
        )
        .unwrap();
        assert_eq!(s.front.title.as_deref(), Some("Clustering Guide"));
        assert_eq!(s.front.weight, Some(4150));
        assert_eq!(
            s.front.extra.get("no-loc").map(String::as_str),
            Some("a, b")
        );
        assert_eq!(s.body, "\n## Overview\n");
        assert_eq!(s.line_offset, 5);
    }

    #[test]
    fn toml_front_matter() {
        let s = split("+++\ntitle = \"CLI\"\nweight = 3\n+++\n# CLI\n").unwrap();
        assert_eq!(s.front.title.as_deref(), Some("CLI"));
        assert_eq!(s.front.weight, Some(3));
        assert_eq!(s.body, "# CLI\n");
        assert_eq!(s.line_offset, 4);
    }

    #[test]
    fn no_front_matter() {
        let s = split("# Title\n---\n").unwrap();
        assert_eq!(s.front, FrontMatter::default());
        assert_eq!(s.line_offset, 0);
    }

    #[test]
    fn unclosed_is_error() {
        let e = split("---\ntitle: x\n\n# Body\n").unwrap_err();
        assert_eq!(e.line, 1);
        assert!(e.message.contains("never closed"), "{}", e.message);
    }

    #[test]
    fn malformed_yaml_is_read_leniently() {
        let s = split("---\ntitle: ok\naliases:\n  - %\nweight: 3\n---\nbody\n").unwrap();
        let w = s.warning.expect("warning");
        assert!(w.message.starts_with("malformed YAML"), "{}", w.message);
        assert!(
            w.message.ends_with("keys were read line by line"),
            "{}",
            w.message
        );
        assert_eq!(w.line, 4);
        assert_eq!(s.front.title.as_deref(), Some("ok"));
        assert_eq!(s.front.weight, Some(3));
        assert_eq!(s.body, "body\n");
    }

    #[test]
    fn malformed_toml_names_line() {
        let e = split("+++\ntitle = \"ok\"\nweight = = 3\n+++\n").unwrap_err();
        assert!(e.message.starts_with("malformed TOML"), "{}", e.message);
        assert_eq!(e.line, 3);
    }

    #[test]
    fn weight_must_be_integer() {
        let e = split("+++\nweight = \"heavy\"\n+++\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("weight"));
        let e = split("---\ntitle: t\nweight: heavy\n---\n").unwrap_err();
        assert_eq!(e.line, 3);
        assert!(
            e.message.contains("`weight` must be an integer"),
            "{}",
            e.message
        );
    }

    #[test]
    fn quoted_weight_is_an_error() {
        // YAML and TOML: a string where a number is required, with its line.
        let e = split("---\ntitle: t\nweight: \"2\"\n---\nbody\n").unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.contains("the text \"2\""), "{}", e.message);
        let e = split("+++\nweight = '2'\n+++\nbody\n").unwrap_err();
        assert_eq!(e.line, 2);
        // Also when the block is malformed and read line by line.
        let e = split("---\naliases:\n  - %\nweight: \"2\"\n---\nbody\n").unwrap_err();
        assert_eq!(e.line, 4);
        assert!(
            e.message.contains("`weight` must be an integer"),
            "{}",
            e.message
        );
        // Numbers still are numbers.
        assert_eq!(
            split("---\nweight: -3\n---\nb\n").unwrap().front.weight,
            Some(-3)
        );
    }
}
