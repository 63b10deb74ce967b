//! The little kafkascope needs to know about JWTs: building Kafka's
//! unsecured JWS (`{"alg":"none"}`, empty signature) and reading the claims
//! of any compact JWT without verifying it, to know when a token expires and
//! whom it names. Verification is the broker's business.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as BASE64URL;
use serde_json::{Map, Value};

/// What Kafka's `OAuthBearerUnsecuredLoginCallbackHandler` builds a token
/// from: its `unsecuredLogin*` JAAS options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsecuredLogin {
    /// `unsecuredLoginPrincipalClaimName`, default `sub`; must be one of the
    /// string claims.
    pub principal_claim_name: String,
    /// `unsecuredLoginLifetimeSeconds`, default one hour.
    pub lifetime: Duration,
    /// `unsecuredLoginStringClaim_<name>`, in option order.
    pub string_claims: Vec<(String, String)>,
    /// `unsecuredLoginNumberClaim_<name>`, the number as written.
    pub number_claims: Vec<(String, String)>,
    /// `unsecuredLoginListClaim_<name>`: the option's first character is
    /// the delimiter of the rest (`",read,write"`).
    pub list_claims: Vec<(String, Vec<String>)>,
}

impl UnsecuredLogin {
    pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);

    /// A login for `principal` with Kafka's defaults.
    pub fn for_principal(principal: &str) -> Self {
        Self {
            principal_claim_name: "sub".to_string(),
            lifetime: Self::DEFAULT_LIFETIME,
            string_claims: vec![("sub".to_string(), principal.to_string())],
            number_claims: Vec::new(),
            list_claims: Vec::new(),
        }
    }

    /// The principal the token names, if the options give one.
    pub fn principal(&self) -> Option<&str> {
        self.string_claims
            .iter()
            .rev()
            .find(|(name, _)| *name == self.principal_claim_name)
            .map(|(_, value)| value.as_str())
    }

    /// Checks the options as Kafka does before building any token: a
    /// principal, numbers that are numbers, no `iat`/`exp` (set here).
    pub fn validate(&self) -> Result<(), String> {
        if self.principal().is_none_or(str::is_empty) {
            return Err(format!(
                "the unsecured token needs unsecuredLoginStringClaim_{}=\"<principal>\"",
                self.principal_claim_name
            ));
        }
        let names = self
            .string_claims
            .iter()
            .map(|(n, _)| n)
            .chain(self.number_claims.iter().map(|(n, _)| n))
            .chain(self.list_claims.iter().map(|(n, _)| n));
        for name in names {
            if name == "iat" || name == "exp" {
                return Err(format!(
                    "the {name} claim is set from unsecuredLoginLifetimeSeconds and cannot be given"
                ));
            }
        }
        for (name, number) in &self.number_claims {
            number.parse::<serde_json::Number>().map_err(|_| {
                format!("unsecuredLoginNumberClaim_{name}={number:?} is not a number")
            })?;
        }
        if self.lifetime.is_zero() {
            return Err("unsecuredLoginLifetimeSeconds must be greater than 0".to_string());
        }
        Ok(())
    }

    /// The compact serialization `base64url(header).base64url(claims).`,
    /// issued at `now` and expiring `lifetime` later.
    pub fn token(&self, now: SystemTime) -> Result<String, String> {
        self.validate()?;
        let iat = unix_seconds(now);
        let mut claims = Map::new();
        for (name, value) in &self.string_claims {
            claims.insert(name.clone(), Value::String(value.clone()));
        }
        for (name, number) in &self.number_claims {
            let number: serde_json::Number = number.parse().map_err(|_| "not a number")?;
            claims.insert(name.clone(), Value::Number(number));
        }
        for (name, items) in &self.list_claims {
            let items = items.iter().cloned().map(Value::String).collect();
            claims.insert(name.clone(), Value::Array(items));
        }
        claims.insert("iat".to_string(), Value::from(iat));
        claims.insert(
            "exp".to_string(),
            Value::from(iat + self.lifetime.as_secs()),
        );
        Ok(unsecured_jws(&Value::Object(claims)))
    }
}

/// An unsecured JWS of `claims`: header `{"alg":"none"}` and an empty
/// signature, the form Kafka's default broker validator accepts.
pub fn unsecured_jws(claims: &Value) -> String {
    format!(
        "{}.{}.",
        BASE64URL.encode(br#"{"alg":"none"}"#),
        BASE64URL.encode(claims.to_string())
    )
}

/// The claims of a compact JWT that matter to a client, read without
/// verifying anything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TokenClaims {
    pub subject: Option<String>,
    pub expires_at: Option<SystemTime>,
}

/// Reads `sub` and `exp` from a compact JWS; `None` when the token is not a
/// JWT (an opaque bearer token is legal too).
pub fn read_claims(token: &str) -> Option<TokenClaims> {
    let mut parts = token.split('.');
    let (_header, payload) = (parts.next()?, parts.next()?);
    // Tolerate padding, which some issuers leave in.
    let json = BASE64URL.decode(payload.trim_end_matches('=')).ok()?;
    let Value::Object(claims) = serde_json::from_slice::<Value>(&json).ok()? else {
        return None;
    };
    let expires_at = claims
        .get("exp")
        .and_then(Value::as_f64)
        .filter(|exp| exp.is_finite() && *exp >= 0.0)
        .map(|exp| UNIX_EPOCH + Duration::from_secs_f64(exp));
    Some(TokenClaims {
        subject: claims.get("sub").and_then(Value::as_str).map(String::from),
        expires_at,
    })
}

pub fn unix_seconds(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_part(part: &str) -> Value {
        serde_json::from_slice(&BASE64URL.decode(part).unwrap()).unwrap()
    }

    #[test]
    fn unsecured_token_has_kafkas_shape() {
        let mut login = UnsecuredLogin::for_principal("kafkascope");
        login.lifetime = Duration::from_secs(600);
        login.number_claims.push(("level".into(), "3".into()));
        login
            .list_claims
            .push(("scope".into(), vec!["read".into(), "describe".into()]));
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let token = login.token(now).unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[2], "", "unsecured: empty signature");
        assert_eq!(decode_part(parts[0]), serde_json::json!({"alg": "none"}));
        assert_eq!(
            decode_part(parts[1]),
            serde_json::json!({
                "sub": "kafkascope",
                "iat": 1_700_000_000u64,
                "exp": 1_700_000_600u64,
                "level": 3,
                "scope": ["read", "describe"],
            })
        );
        assert_eq!(
            read_claims(&token),
            Some(TokenClaims {
                subject: Some("kafkascope".into()),
                expires_at: Some(now + Duration::from_secs(600)),
            })
        );
    }

    #[test]
    fn unsecured_options_are_checked() {
        let mut login = UnsecuredLogin::for_principal("p");
        login.principal_claim_name = "user".into();
        assert_eq!(
            login.validate().unwrap_err(),
            "the unsecured token needs unsecuredLoginStringClaim_user=\"<principal>\""
        );
        let mut login = UnsecuredLogin::for_principal("p");
        login.number_claims.push(("exp".into(), "1".into()));
        assert_eq!(
            login.validate().unwrap_err(),
            "the exp claim is set from unsecuredLoginLifetimeSeconds and cannot be given"
        );
        let mut login = UnsecuredLogin::for_principal("p");
        login.number_claims.push(("n".into(), "ten".into()));
        assert_eq!(
            login.validate().unwrap_err(),
            "unsecuredLoginNumberClaim_n=\"ten\" is not a number"
        );
    }

    #[test]
    fn claims_of_foreign_and_opaque_tokens() {
        // exp as a float, as Kafka's own unsecured login module writes it.
        let token = unsecured_jws(&serde_json::json!({"sub": "x", "exp": 1.5e9}));
        assert_eq!(
            read_claims(&token).unwrap().expires_at,
            Some(UNIX_EPOCH + Duration::from_secs(1_500_000_000))
        );
        assert_eq!(read_claims("opaque-token"), None);
        assert_eq!(read_claims("a.!!!.b"), None);
        let no_exp = unsecured_jws(&serde_json::json!({"sub": "x"}));
        assert_eq!(
            read_claims(&no_exp),
            Some(TokenClaims {
                subject: Some("x".into()),
                expires_at: None
            })
        );
    }
}
