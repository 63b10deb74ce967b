//! Bounds on query text, checked before parsing.
//!
//! Parsing and evaluation recurse once per level of nesting, and the parser
//! slows down more than linearly with depth, so a query built to nest
//! thousands of levels could exhaust a thread's stack or hold a core for
//! seconds. Nesting needs structure outside string literals (brackets,
//! operators, keywords), so that part is capped tightly while label values
//! and regexes, which Grafana fills with long alternations, get room.

use crate::error::QueryError;

/// Longest query accepted, strings included.
pub const MAX_QUERY_BYTES: usize = 256 * 1024;

/// Most query text accepted outside string literals: far above any real
/// dashboard query, low enough that the deepest nesting it allows parses
/// in milliseconds.
pub const MAX_STRUCTURE_BYTES: usize = 8 * 1024;

/// Stack for a thread that parses and evaluates queries within these
/// limits; a default-sized thread can overflow on the deepest of them.
pub const QUERY_THREAD_STACK_BYTES: usize = 64 * 1024 * 1024;

/// Refuses text beyond the limits; `parameter` names it in the error.
pub fn check_query_size(parameter: &str, text: &str) -> Result<(), QueryError> {
    let too_long = |what: &str, limit: usize| {
        QueryError::BadData(format!(
            "invalid parameter {parameter:?}: {what} is longer than kafkascope's limit of {limit} bytes"
        ))
    };
    if text.len() > MAX_QUERY_BYTES {
        return Err(too_long("the query", MAX_QUERY_BYTES));
    }
    if structure_bytes(text) > MAX_STRUCTURE_BYTES {
        return Err(too_long(
            "the query outside string literals",
            MAX_STRUCTURE_BYTES,
        ));
    }
    Ok(())
}

/// Bytes outside `"…"`, `'…'` and `` `…` `` literals (backslash escapes
/// inside the first two); an unterminated literal runs to the end.
fn structure_bytes(text: &str) -> usize {
    let mut count = 0;
    let mut quote: Option<u8> = None;
    let mut escaped = false;
    for &byte in text.as_bytes() {
        match quote {
            None if matches!(byte, b'"' | b'\'' | b'`') => quote = Some(byte),
            None => count += 1,
            Some(_) if escaped => escaped = false,
            Some(q) if byte == b'\\' && q != b'`' => escaped = true,
            Some(q) if byte == q => quote = None,
            Some(_) => {}
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_only_text_outside_string_literals() {
        assert_eq!(structure_bytes(r#"x{a="(((",b='\'))'}"#), 8);
        assert_eq!(structure_bytes("x{a=`\\`}+1"), 7);
        assert_eq!(structure_bytes(r#"x{a="unterminated"#), 4);
    }

    #[test]
    fn long_regex_passes_deep_nesting_does_not() {
        let alternation = vec!["topic-name"; 10_000].join("|");
        assert!(check_query_size("query", &format!("lag{{topic=~\"{alternation}\"}}")).is_ok());
        let deep = format!("{}x{}", "sum(".repeat(3000), ")".repeat(3000));
        let err = check_query_size("query", &deep).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid parameter \"query\": the query outside string literals is longer than kafkascope's limit of 8192 bytes"
        );
        let huge = format!("x{{a=\"{}\"}}", "a".repeat(MAX_QUERY_BYTES));
        assert!(
            check_query_size("match[]", &huge)
                .unwrap_err()
                .to_string()
                .contains("the query is longer")
        );
    }

    #[test]
    fn deepest_nesting_within_limits_evaluates_on_a_query_thread() {
        let parens = MAX_STRUCTURE_BYTES / 2 - 1;
        let parens = format!("{}1{}", "(".repeat(parens), ")".repeat(parens));
        let sums = (MAX_STRUCTURE_BYTES - 1) / 5;
        let sums = format!("{}x{}", "sum(".repeat(sums), ")".repeat(sums));
        let chain = vec!["1"; MAX_STRUCTURE_BYTES / 2].join("+");
        for query in [parens, sums, chain] {
            assert!(check_query_size("query", &query).is_ok());
            let answer = std::thread::Builder::new()
                .stack_size(QUERY_THREAD_STACK_BYTES)
                .spawn(move || crate::instant_query(&crate::MemorySource::new(), &query, 0).is_ok())
                .unwrap()
                .join()
                .unwrap();
            assert!(answer);
        }
    }
}
