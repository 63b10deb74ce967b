//! Small readers of the values Kafka writes into its messages: numbers
//! after a key, lists of broker ids, `topic-partition` names.

/// The text after the first `key`.
pub fn after<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.find(key).map(|at| &text[at + key.len()..])
}

/// The text after the first `key`, up to the first `end` (or the end).
pub fn between<'a>(text: &'a str, key: &str, end: &str) -> Option<&'a str> {
    let rest = after(text, key)?;
    Some(rest.find(end).map_or(rest, |at| &rest[..at]))
}

/// The (possibly negative) integer right after the first `key`.
pub fn int_after(text: &str, key: &str) -> Option<i64> {
    leading_int(after(text, key)?)
}

/// The integer at the start of `text`.
pub fn leading_int(text: &str) -> Option<i64> {
    let negative = text.starts_with('-');
    let digits = &text[usize::from(negative)..];
    let len = digits.bytes().take_while(u8::is_ascii_digit).count();
    let value: i64 = digits[..len].parse().ok()?;
    Some(if negative { -value } else { value })
}

/// A list of broker ids as Kafka prints them: `0,1,2` or `0, 1, 2`; empty
/// text is the empty list.
pub fn id_list(text: &str) -> Option<Vec<i32>> {
    let text = text.trim();
    if text.is_empty() {
        return Some(Vec::new());
    }
    text.split(',').map(|id| id.trim().parse().ok()).collect()
}

/// `my-topic-12` as (`my-topic`, 12): the partition is after the last `-`.
pub fn topic_partition(text: &str) -> Option<(String, i32)> {
    let (topic, partition) = text.trim().rsplit_once('-')?;
    if topic.is_empty() {
        return None;
    }
    Some((topic.to_string(), partition.parse().ok()?))
}

/// `i64` narrowed to a broker or partition id.
pub fn id(value: i64) -> Option<i32> {
    i32::try_from(value).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_ids_lists_and_partitions() {
        assert_eq!(int_after("fenced=-1, x", "fenced="), Some(-1));
        assert_eq!(int_after("brokerEpoch=94,", "brokerEpoch="), Some(94));
        assert_eq!(int_after("none", "brokerEpoch="), None);
        assert_eq!(id_list("0, 1, 2"), Some(vec![0, 1, 2]));
        assert_eq!(id_list("0,2,1 "), Some(vec![0, 2, 1]));
        assert_eq!(id_list(""), Some(vec![]));
        assert_eq!(id_list("0,x"), None);
        assert_eq!(topic_partition("cap-rf3-12"), Some(("cap-rf3".into(), 12)));
        assert_eq!(topic_partition("-1"), None);
        assert_eq!(topic_partition("nopartition"), None);
        assert_eq!(between("a [x] b", "[", "]"), Some("x"));
    }
}
