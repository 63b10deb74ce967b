//! SASL PLAIN (RFC 4616): one message, `authzid NUL authcid NUL passwd`,
//! with an empty authorisation identity as Kafka's clients send it.

/// The single client message of PLAIN, or why the credentials cannot be
/// sent (PLAIN separates its fields with NUL bytes).
pub fn initial_response(username: &str, password: &str) -> Result<Vec<u8>, String> {
    if username.is_empty() {
        return Err("the username is empty".to_string());
    }
    if username.contains('\0') || password.contains('\0') {
        return Err("the username or password contains a NUL character".to_string());
    }
    let mut message = Vec::with_capacity(username.len() + password.len() + 2);
    message.push(0);
    message.extend_from_slice(username.as_bytes());
    message.push(0);
    message.extend_from_slice(password.as_bytes());
    Ok(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_layout() {
        assert_eq!(
            initial_response("alice", "s3cr=t").unwrap(),
            b"\0alice\0s3cr=t".to_vec()
        );
        assert_eq!(
            initial_response("alice", "").unwrap(),
            b"\0alice\0".to_vec()
        );
    }

    #[test]
    fn rejects_nul_and_empty_user() {
        assert!(initial_response("", "p").is_err());
        assert!(initial_response("a\0b", "p").is_err());
        assert!(initial_response("a", "p\0").is_err());
    }
}
