//! Small text helpers shared by the PDF and HTML emitters.

/// Escapes characters that Markdown would otherwise read as markup inside
/// running text. Kept minimal so the source text stays greppable.
pub(crate) fn escape_inline(s: &str, out: &mut String) {
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '\\' | '`' | '*' | '[' | ']' | '<' => {
                out.push('\\');
                out.push(c);
            }
            '_' => {
                // Intraword underscores (snake_case) are not emphasis in
                // CommonMark, so only escape those that could open or close.
                let prev_word = i > 0 && chars[i - 1].is_alphanumeric();
                let next_word = chars.get(i + 1).is_some_and(|c| c.is_alphanumeric());
                if !(prev_word && next_word) {
                    out.push('\\');
                }
                out.push('_');
            }
            _ => out.push(c),
        }
    }
}

/// Escapes a paragraph's first characters when they would start a block
/// construct (heading, list item, quote, thematic break, HTML comment).
pub(crate) fn escape_block_start(line: &str) -> String {
    let t = line.trim_start();
    let needs = t.starts_with('#')
        || t.starts_with('>')
        || t.starts_with("- ")
        || t.starts_with("+ ")
        || t.starts_with('=')
        || t.starts_with("---")
        || t.starts_with('|')
        || t.starts_with('~');
    if needs {
        format!("\\{t}")
    } else {
        t.to_string()
    }
}

/// A backtick fence long enough not to be closed by any run inside `code`.
pub(crate) fn fence_for(code: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in code.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    "`".repeat((longest + 1).max(3))
}

/// Inline code span with a delimiter that cannot clash with the content.
pub(crate) fn code_span(code: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in code.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let ticks = "`".repeat(longest + 1);
    if code.starts_with('`') || code.ends_with('`') || longest > 0 {
        format!("{ticks} {code} {ticks}")
    } else {
        format!("{ticks}{code}{ticks}")
    }
}

/// Expands typographic ligatures and drops control characters, so that
/// "ﬁle" is searchable as "file".
pub(crate) fn push_normalized_char(c: char, out: &mut String) {
    match c {
        '\u{FB00}' => out.push_str("ff"),
        '\u{FB01}' => out.push_str("fi"),
        '\u{FB02}' => out.push_str("fl"),
        '\u{FB03}' => out.push_str("ffi"),
        '\u{FB04}' => out.push_str("ffl"),
        '\u{FB05}' | '\u{FB06}' => out.push_str("st"),
        '\u{00A0}' | '\u{2002}'..='\u{200A}' | '\u{202F}' => out.push(' '),
        '\u{00AD}' | '\u{200B}'..='\u{200D}' | '\u{FEFF}' => {}
        '\t' => out.push(' '),
        c if c.is_control() => {}
        c => out.push(c),
    }
}

/// Collapses runs of whitespace into single spaces and trims.
pub(crate) fn collapse_ws(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        if c.is_whitespace() {
            space = true;
        } else {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        }
    }
    out
}

/// Lowercased alphanumeric skeleton, for fuzzy title matching.
pub(crate) fn skeleton(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        let mut s = String::new();
        escape_inline("a*b snake_case _x_ [l] <t>", &mut s);
        assert_eq!(s, "a\\*b snake_case \\_x\\_ \\[l\\] \\<t>");
        assert_eq!(escape_block_start("# not"), "\\# not");
        assert_eq!(escape_block_start("1.5 x"), "1.5 x");
    }

    #[test]
    fn fences() {
        assert_eq!(fence_for("a ``` b"), "````");
        assert_eq!(fence_for("x"), "```");
        assert_eq!(code_span("a`b"), "`` a`b ``");
        assert_eq!(code_span("ab"), "`ab`");
    }

    #[test]
    fn normalizes() {
        let mut s = String::new();
        for c in "\u{FB01}le\u{00A0}x\u{00AD}y".chars() {
            push_normalized_char(c, &mut s);
        }
        assert_eq!(s, "file xy");
        assert_eq!(collapse_ws("  a \n b  "), "a b");
        assert_eq!(skeleton("1.2 The R-env!"), "12therenv");
    }
}
