//! YAML front matter, written by hand because it is a handful of scalar keys.

use std::fmt::Write;

/// A front-matter value.
pub(crate) enum Value<'a> {
    Str(&'a str),
    Int(u64),
}

/// Renders `---\nkey: value\n...---\n`. Strings are always double-quoted so
/// that titles like `Yes`, `1.0` or `a: b` stay strings for any YAML reader.
pub(crate) fn render(fields: &[(&str, Value<'_>)]) -> String {
    let mut out = String::from("---\n");
    for (key, value) in fields {
        match value {
            Value::Str(s) => {
                let _ = writeln!(out, "{key}: {}", quote(s));
            }
            Value::Int(n) => {
                let _ = writeln!(out, "{key}: {n}");
            }
        }
    }
    out.push_str("---\n");
    out
}

fn quote(s: &str) -> String {
    let mut q = String::with_capacity(s.len() + 2);
    q.push('"');
    for c in s.chars() {
        match c {
            '"' => q.push_str("\\\""),
            '\\' => q.push_str("\\\\"),
            '\n' | '\r' | '\t' => q.push(' '),
            c if c.is_control() => {}
            c => q.push(c),
        }
    }
    q.push('"');
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_and_escapes() {
        let fm = render(&[
            ("title", Value::Str("Say \"hi\": C:\\x")),
            ("pages", Value::Int(3)),
        ]);
        assert_eq!(
            fm,
            "---\ntitle: \"Say \\\"hi\\\": C:\\\\x\"\npages: 3\n---\n"
        );
    }
}
