//! `sasl.jaas.config`: one JAAS login module entry, read as Kafka's
//! `JaasConfig` reads it (Java's StreamTokenizer rules).

/// Credentials from a `sasl.jaas.config` login module.
#[derive(Clone, PartialEq, Eq)]
pub struct JaasCredentials {
    pub login_module: String,
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for JaasCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JaasCredentials")
            .field("login_module", &self.login_module)
            .field("username", &self.username)
            .field("password", &"***")
            .finish()
    }
}

/// One login module of `sasl.jaas.config` with its options, in order.
#[derive(Clone, PartialEq, Eq)]
pub struct JaasModule {
    /// The class name as written (`org.apache….PlainLoginModule`).
    pub login_module: String,
    pub options: Vec<(String, String)>,
}

impl JaasModule {
    /// The class name without its package.
    pub fn simple_name(&self) -> &str {
        self.login_module
            .rsplit('.')
            .next()
            .unwrap_or(&self.login_module)
    }

    /// The option's value; the last one wins, as in Java.
    pub fn option(&self, name: &str) -> Option<&str> {
        self.options
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

impl std::fmt::Debug for JaasModule {
    // Options may hold passwords and client secrets: only names are shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.options.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("JaasModule")
            .field("login_module", &self.login_module)
            .field("options", &names)
            .finish()
    }
}

/// Parses `sasl.jaas.config`:
/// `<LoginModule class> <flag> key="value" ... ;`, exactly one module, of
/// the PLAIN or SCRAM login module, with `username` and `password`.
pub fn parse_jaas_config(text: &str) -> Result<JaasCredentials, String> {
    let module = parse_jaas_module(text)?;
    let simple_name = module.simple_name();
    match simple_name {
        "PlainLoginModule" | "ScramLoginModule" => {}
        "OAuthBearerLoginModule" => {
            return Err(
                "OAuthBearerLoginModule is the login module of OAUTHBEARER; set \
                 sasl.mechanism=OAUTHBEARER"
                    .to_string(),
            );
        }
        "Krb5LoginModule" => {
            return Err("GSSAPI/Kerberos (Krb5LoginModule) is not supported".to_string());
        }
        _ => {
            return Err(format!(
                "login module {} is not supported; use \
                 org.apache.kafka.common.security.plain.PlainLoginModule or \
                 org.apache.kafka.common.security.scram.ScramLoginModule",
                module.login_module
            ));
        }
    }
    if module
        .option("tokenauth")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    {
        return Err("delegation tokens (tokenauth=true) are not supported".to_string());
    }
    let username = module
        .option("username")
        .filter(|u| !u.is_empty())
        .ok_or_else(|| format!("{simple_name} has no username option"))?;
    let password = module
        .option("password")
        .ok_or_else(|| format!("{simple_name} has no password option"))?;
    Ok(JaasCredentials {
        login_module: module.login_module.clone(),
        username: username.to_string(),
        password: password.to_string(),
    })
}

/// Parses `sasl.jaas.config` into its one login module, whatever the class.
pub fn parse_jaas_module(text: &str) -> Result<JaasModule, String> {
    let tokens = jaas_tokens(text)?;
    let mut tokens = tokens.into_iter().peekable();
    let Some(JaasToken::Word(module)) = tokens.next() else {
        return Err("expected a login module class name".to_string());
    };
    let flag = match tokens.next() {
        Some(JaasToken::Word(flag)) => flag,
        _ => return Err(format!("expected a control flag after {module}")),
    };
    if !["required", "requisite", "sufficient", "optional"]
        .contains(&flag.to_ascii_lowercase().as_str())
    {
        return Err(format!(
            "invalid control flag {flag:?} (expected required, requisite, sufficient or optional)"
        ));
    }
    let mut options: Vec<(String, String)> = Vec::new();
    loop {
        match tokens.next() {
            None | Some(JaasToken::Semicolon) => break,
            Some(JaasToken::Word(key)) => {
                if tokens.next() != Some(JaasToken::Equals) {
                    return Err(format!("expected = after option {key}"));
                }
                match tokens.next() {
                    Some(JaasToken::Word(value)) | Some(JaasToken::Quoted(value)) => {
                        options.push((key, value));
                    }
                    _ => return Err(format!("expected a value for option {key}")),
                }
            }
            Some(other) => return Err(format!("unexpected {other} in login module options")),
        }
    }
    if tokens.peek().is_some() {
        return Err(
            "more than one login module; sasl.jaas.config must name exactly one".to_string(),
        );
    }
    Ok(JaasModule {
        login_module: module,
        options,
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum JaasToken {
    Word(String),
    Quoted(String),
    Equals,
    Semicolon,
}

impl std::fmt::Display for JaasToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JaasToken::Word(w) => write!(f, "{w:?}"),
            JaasToken::Quoted(_) => write!(f, "a quoted string"),
            JaasToken::Equals => write!(f, "'='"),
            JaasToken::Semicolon => write!(f, "';'"),
        }
    }
}

/// Tokens as Java's StreamTokenizer gives them to Kafka's JaasConfig:
/// words, quoted strings with backslash escapes, `=`, `;`, and `//` or
/// `/* */` comments skipped.
fn jaas_tokens(text: &str) -> Result<Vec<JaasToken>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '/' if chars.get(i + 1) == Some(&'/') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '/' if chars.get(i + 1) == Some(&'*') => {
                i += 2;
                loop {
                    if i + 1 >= chars.len() {
                        return Err("unterminated /* comment".to_string());
                    }
                    if chars[i] == '*' && chars[i + 1] == '/' {
                        i += 2;
                        break;
                    }
                    i += 1;
                }
            }
            '=' => {
                tokens.push(JaasToken::Equals);
                i += 1;
            }
            ';' => {
                tokens.push(JaasToken::Semicolon);
                i += 1;
            }
            '"' | '\'' => {
                let quote = c;
                let mut value = String::new();
                i += 1;
                loop {
                    let Some(&c) = chars.get(i) else {
                        return Err("unterminated quoted string".to_string());
                    };
                    i += 1;
                    match c {
                        c if c == quote => break,
                        '\\' => {
                            let Some(&escaped) = chars.get(i) else {
                                return Err("unterminated quoted string".to_string());
                            };
                            i += 1;
                            value.push(match escaped {
                                'n' => '\n',
                                't' => '\t',
                                'r' => '\r',
                                'b' => '\u{8}',
                                'f' => '\u{c}',
                                other => other,
                            });
                        }
                        c => value.push(c),
                    }
                }
                tokens.push(JaasToken::Quoted(value));
            }
            _ => {
                let start = i;
                while i < chars.len()
                    && !chars[i].is_whitespace()
                    && !matches!(chars[i], '=' | ';' | '"' | '\'')
                {
                    i += 1;
                }
                tokens.push(JaasToken::Word(chars[start..i].iter().collect()));
            }
        }
    }
    Ok(tokens)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jaas_config_parsing() {
        let credentials = parse_jaas_config(
            "org.apache.kafka.common.security.plain.PlainLoginModule required \
             username=\"u\" password=\"p\";",
        )
        .unwrap();
        assert_eq!(
            credentials,
            JaasCredentials {
                login_module: "org.apache.kafka.common.security.plain.PlainLoginModule".to_string(),
                username: "u".to_string(),
                password: "p".to_string(),
            }
        );
        // Unquoted values, single quotes, comments, no trailing ';'.
        let credentials = parse_jaas_config(
            "/* scram */ org.apache.kafka.common.security.scram.ScramLoginModule REQUIRED \
             username=svc_1 // who\n password='a;b=c'",
        )
        .unwrap();
        assert_eq!(
            (credentials.username.as_str(), credentials.password.as_str()),
            ("svc_1", "a;b=c")
        );
        assert_eq!(
            parse_jaas_config(
                "org.apache.kafka.common.security.plain.PlainLoginModule required password=\"p\";"
            )
            .unwrap_err(),
            "PlainLoginModule has no username option"
        );
        assert_eq!(
            parse_jaas_config(
                "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;"
            )
            .unwrap_err(),
            "OAuthBearerLoginModule is the login module of OAUTHBEARER; set \
             sasl.mechanism=OAUTHBEARER"
        );
        assert_eq!(
            parse_jaas_config(
                "com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true;"
            )
            .unwrap_err(),
            "GSSAPI/Kerberos (Krb5LoginModule) is not supported"
        );
        assert_eq!(
            parse_jaas_config("a.PlainLoginModule required username=\"u\" password=\"p\"; b.PlainLoginModule required;")
                .unwrap_err(),
            "more than one login module; sasl.jaas.config must name exactly one"
        );
        assert_eq!(
            parse_jaas_config("a.PlainLoginModule mandatory;").unwrap_err(),
            "invalid control flag \"mandatory\" (expected required, requisite, sufficient or optional)"
        );
        assert_eq!(
            parse_jaas_config("a.PlainLoginModule required username=\"u").unwrap_err(),
            "unterminated quoted string"
        );
        assert_eq!(
            parse_jaas_config(
                "a.ScramLoginModule required username=\"u\" password=\"p\" tokenauth=\"true\";"
            )
            .unwrap_err(),
            "delegation tokens (tokenauth=true) are not supported"
        );
    }
}
