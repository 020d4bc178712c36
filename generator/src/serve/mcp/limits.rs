//! Bounds on what one search may ask for, so every call's cost is bounded
//! before any work starts. Questions and pasted error messages fit well
//! within them; a larger query is refused with a message that says how to
//! shorten it.

use crate::serve::library::Library;

/// Most characters in a search query.
pub const MAX_QUERY_CHARS: usize = 1000;
/// Most words in a search query, each part of a compound identifier
/// (`Get-ChildItem` is three) and each stop word counting as one.
pub const MAX_QUERY_WORDS: usize = 64;

/// Refuses a query over [`MAX_QUERY_CHARS`] or [`MAX_QUERY_WORDS`].
pub fn check_query(lib: &Library, query: &str) -> Result<(), String> {
    // Characters first: counting words then costs at most that much text.
    let chars = query.chars().take(MAX_QUERY_CHARS + 1).count();
    if chars > MAX_QUERY_CHARS {
        return Err(format!(
            "`query` is too long: {} characters, the most is {MAX_QUERY_CHARS}. Search for the few \
words that matter (an error code, a command, the key terms of the question).",
            query.chars().count()
        ));
    }
    let words = lib.tokenizer().tokenize(query, 0, |_| {}) as usize;
    if words > MAX_QUERY_WORDS {
        return Err(format!(
            "`query` has too many words: {words}, the most is {MAX_QUERY_WORDS} (each part of a \
compound identifier counts). Search for the few words that matter."
        ));
    }
    Ok(())
}
