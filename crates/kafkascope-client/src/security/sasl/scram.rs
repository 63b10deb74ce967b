//! The client side of SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802, RFC 7677),
//! without channel binding, as Kafka speaks it.
//!
//! The exchange is a small state machine so it can be driven by any
//! transport and tested with a fixed nonce:
//! [`ScramClient::client_first`] → [`ScramClient::handle_server_first`]
//! (returns the client-final message and what the server must prove) →
//! [`ScramClientFinal::verify_server_final`].
//!
//! As Kafka's Java client does, the password is used as its UTF-8 bytes
//! without SASLprep normalisation; the username is escaped as a `saslname`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use rand::Rng;
use sha2::{Digest, Sha256, Sha512};

/// The hash function of a SCRAM mechanism.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScramHash {
    Sha256,
    Sha512,
}

impl ScramHash {
    /// The mechanism name: `SCRAM-SHA-256` or `SCRAM-SHA-512`.
    pub fn mechanism_name(self) -> &'static str {
        match self {
            ScramHash::Sha256 => "SCRAM-SHA-256",
            ScramHash::Sha512 => "SCRAM-SHA-512",
        }
    }

    /// Kafka refuses fewer iterations than this for both SCRAM mechanisms,
    /// and so does its client; a server asking for fewer is not trusted.
    pub const MIN_ITERATIONS: u32 = 4096;

    fn hmac(self, key: &[u8], data: &[u8]) -> Vec<u8> {
        match self {
            ScramHash::Sha256 => {
                let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key");
                mac.update(data);
                mac.finalize().into_bytes().to_vec()
            }
            ScramHash::Sha512 => {
                let mut mac = Hmac::<Sha512>::new_from_slice(key).expect("HMAC takes any key");
                mac.update(data);
                mac.finalize().into_bytes().to_vec()
            }
        }
    }

    fn hash(self, data: &[u8]) -> Vec<u8> {
        match self {
            ScramHash::Sha256 => Sha256::digest(data).to_vec(),
            ScramHash::Sha512 => Sha512::digest(data).to_vec(),
        }
    }

    /// `Hi(password, salt, i)`: PBKDF2 with HMAC of this hash.
    fn salted_password(self, password: &[u8], salt: &[u8], iterations: u32) -> Vec<u8> {
        match self {
            ScramHash::Sha256 => {
                pbkdf2::pbkdf2_hmac_array::<Sha256, 32>(password, salt, iterations).to_vec()
            }
            ScramHash::Sha512 => {
                pbkdf2::pbkdf2_hmac_array::<Sha512, 64>(password, salt, iterations).to_vec()
            }
        }
    }
}

/// Why a SCRAM exchange failed on the client side.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScramError {
    #[error("malformed server-first message: {0}")]
    MalformedServerFirst(String),
    #[error("server nonce does not extend the client nonce")]
    NonceMismatch,
    #[error("server asked for {got} iterations, fewer than the minimum {min}")]
    TooFewIterations { got: u32, min: u32 },
    #[error("server requires an unsupported mandatory extension: {0}")]
    MandatoryExtension(String),
    #[error("server rejected the authentication: {0}")]
    ServerError(String),
    #[error("malformed server-final message: {0}")]
    MalformedServerFinal(String),
    #[error("server signature does not verify: the server does not know the credentials")]
    BadServerSignature,
}

/// A SCRAM exchange before the server's first message.
#[derive(Clone)]
pub struct ScramClient {
    hash: ScramHash,
    password: String,
    client_nonce: String,
    client_first_bare: String,
}

impl std::fmt::Debug for ScramClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScramClient")
            .field("hash", &self.hash)
            .field("client_first_bare", &self.client_first_bare)
            .finish_non_exhaustive()
    }
}

impl ScramClient {
    /// Starts an exchange with a fresh random nonce.
    pub fn new(hash: ScramHash, username: &str, password: &str) -> Self {
        Self::with_nonce(hash, username, password, &random_nonce())
    }

    /// Starts an exchange with a given client nonce (printable ASCII without
    /// `,`); for tests against published vectors.
    pub fn with_nonce(hash: ScramHash, username: &str, password: &str, nonce: &str) -> Self {
        let client_first_bare = format!("n={},r={nonce}", escape_username(username));
        Self {
            hash,
            password: password.to_string(),
            client_nonce: nonce.to_string(),
            client_first_bare,
        }
    }

    /// `client-first-message`: GS2 header `n,,` (no channel binding, no
    /// authzid) followed by the bare message.
    pub fn client_first(&self) -> String {
        format!("n,,{}", self.client_first_bare)
    }

    /// Takes `server-first-message`, returns the client-final state whose
    /// [`ScramClientFinal::message`] is sent next.
    pub fn handle_server_first(&self, server_first: &str) -> Result<ScramClientFinal, ScramError> {
        let parsed = parse_server_first(server_first)?;
        if !parsed.nonce.starts_with(&self.client_nonce)
            || parsed.nonce.len() <= self.client_nonce.len()
        {
            return Err(ScramError::NonceMismatch);
        }
        if parsed.iterations < ScramHash::MIN_ITERATIONS {
            return Err(ScramError::TooFewIterations {
                got: parsed.iterations,
                min: ScramHash::MIN_ITERATIONS,
            });
        }
        let hash = self.hash;
        // "biws" is base64("n,,"): the GS2 header repeated as channel binding.
        let without_proof = format!("c={},r={}", BASE64.encode("n,,"), parsed.nonce);
        let auth_message = format!("{},{server_first},{without_proof}", self.client_first_bare);
        let salted =
            hash.salted_password(self.password.as_bytes(), &parsed.salt, parsed.iterations);
        let client_key = hash.hmac(&salted, b"Client Key");
        let stored_key = hash.hash(&client_key);
        let client_signature = hash.hmac(&stored_key, auth_message.as_bytes());
        let proof: Vec<u8> = client_key
            .iter()
            .zip(&client_signature)
            .map(|(k, s)| k ^ s)
            .collect();
        let server_key = hash.hmac(&salted, b"Server Key");
        let server_signature = hash.hmac(&server_key, auth_message.as_bytes());
        Ok(ScramClientFinal {
            message: format!("{without_proof},p={}", BASE64.encode(proof)),
            server_signature,
        })
    }
}

/// A SCRAM exchange after the client-final message.
#[derive(Clone)]
pub struct ScramClientFinal {
    message: String,
    server_signature: Vec<u8>,
}

impl std::fmt::Debug for ScramClientFinal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScramClientFinal").finish_non_exhaustive()
    }
}

impl ScramClientFinal {
    /// `client-final-message`, with the proof.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Checks `server-final-message`: an `e=` error, or `v=` with the
    /// signature only a server holding the credentials can compute.
    pub fn verify_server_final(&self, server_final: &str) -> Result<(), ScramError> {
        let mut attributes = server_final.split(',');
        let first = attributes.next().unwrap_or_default();
        if let Some(error) = first.strip_prefix("e=") {
            return Err(ScramError::ServerError(error.to_string()));
        }
        let Some(verifier) = first.strip_prefix("v=") else {
            return Err(ScramError::MalformedServerFinal(format!(
                "expected v= or e=, got {:?}",
                truncate(server_final)
            )));
        };
        let signature = BASE64
            .decode(verifier)
            .map_err(|e| ScramError::MalformedServerFinal(format!("verifier: {e}")))?;
        if constant_time_eq(&signature, &self.server_signature) {
            Ok(())
        } else {
            Err(ScramError::BadServerSignature)
        }
    }
}

struct ServerFirst {
    nonce: String,
    salt: Vec<u8>,
    iterations: u32,
}

fn parse_server_first(message: &str) -> Result<ServerFirst, ScramError> {
    let malformed = |what: &str| ScramError::MalformedServerFirst(what.to_string());
    let mut attributes = message.split(',');
    let mut next = |name: &str| -> Result<&str, ScramError> {
        let attribute = attributes
            .next()
            .ok_or_else(|| malformed(&format!("missing {name}=")))?;
        attribute
            .strip_prefix(name)
            .and_then(|rest| rest.strip_prefix('='))
            .ok_or_else(|| {
                if let Some(extension) = attribute.strip_prefix("m=") {
                    ScramError::MandatoryExtension(extension.to_string())
                } else if let Some(error) = attribute.strip_prefix("e=") {
                    ScramError::ServerError(error.to_string())
                } else {
                    malformed(&format!("expected {name}=, got {:?}", truncate(attribute)))
                }
            })
    };
    let nonce = next("r")?.to_string();
    let salt = BASE64
        .decode(next("s")?)
        .map_err(|e| malformed(&format!("salt: {e}")))?;
    let iterations = next("i")?
        .parse::<u32>()
        .map_err(|e| malformed(&format!("iteration count: {e}")))?;
    if nonce.is_empty() || nonce.contains(|c: char| !c.is_ascii_graphic()) {
        return Err(malformed("nonce is empty or not printable"));
    }
    // Further attributes are optional extensions, which may be ignored.
    Ok(ServerFirst {
        nonce,
        salt,
        iterations,
    })
}

/// RFC 5802 `saslname`: `=` and `,` escaped as `=3D` and `=2C`.
pub fn escape_username(username: &str) -> String {
    username.replace('=', "=3D").replace(',', "=2C")
}

fn random_nonce() -> String {
    rand::rng()
        .sample_iter(rand::distr::Alphanumeric)
        .take(32)
        .map(char::from)
        .collect()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn truncate(text: &str) -> String {
    text.chars().take(80).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC7677_SERVER_FIRST: &str =
        "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";

    fn rfc7677_client() -> ScramClient {
        ScramClient::with_nonce(ScramHash::Sha256, "user", "pencil", "rOprNGfwEbeRWgbNEkqO")
    }

    #[test]
    fn rfc7677_sha256_client_first() {
        assert_eq!(
            rfc7677_client().client_first(),
            "n,,n=user,r=rOprNGfwEbeRWgbNEkqO"
        );
    }

    #[test]
    fn rfc7677_sha256_client_final_and_server_signature() {
        let client = rfc7677_client();
        let last = client.handle_server_first(RFC7677_SERVER_FIRST).unwrap();
        assert_eq!(
            last.message(),
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,\
             p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
        );
        assert_eq!(
            last.verify_server_final("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="),
            Ok(())
        );
    }

    #[test]
    fn wrong_server_signature_is_rejected() {
        let last = rfc7677_client()
            .handle_server_first(RFC7677_SERVER_FIRST)
            .unwrap();
        // Same length, one bit different.
        assert_eq!(
            last.verify_server_final("v=7rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="),
            Err(ScramError::BadServerSignature)
        );
        assert_eq!(
            last.verify_server_final("v=AAAA"),
            Err(ScramError::BadServerSignature)
        );
    }

    #[test]
    fn server_final_error_and_garbage() {
        let last = rfc7677_client()
            .handle_server_first(RFC7677_SERVER_FIRST)
            .unwrap();
        assert_eq!(
            last.verify_server_final("e=invalid-proof"),
            Err(ScramError::ServerError("invalid-proof".to_string()))
        );
        assert!(matches!(
            last.verify_server_final("x=1"),
            Err(ScramError::MalformedServerFinal(_))
        ));
        assert!(matches!(
            last.verify_server_final("v=not base64!"),
            Err(ScramError::MalformedServerFinal(_))
        ));
    }

    /// An exchange over SHA-512 whose expected messages were computed
    /// independently (Python's hashlib.pbkdf2_hmac and hmac), so the SHA-512
    /// arm is pinned as well as RFC 7677's SHA-256 vector.
    #[test]
    fn sha512_exchange_matches_independent_computation() {
        let client = ScramClient::with_nonce(ScramHash::Sha512, "user", "pencil", "clientnonce");
        let last = client
            .handle_server_first("r=clientnonceservernonce,s=c2FsdHNhbHQ=,i=4096")
            .unwrap();
        assert_eq!(last.message(), SHA512_EXPECTED_FINAL);
        assert_eq!(
            last.verify_server_final(SHA512_EXPECTED_SERVER_FINAL),
            Ok(())
        );
    }

    const SHA512_EXPECTED_FINAL: &str = "c=biws,r=clientnonceservernonce,\
        p=Tg5lqpN93G6Q7Cotm1rI92Yt0uS5xZaPVpxKca+op/0fW2EKUKWfkcODp0ezzPEx1absmgbNXD7owg9bphre2A==";
    const SHA512_EXPECTED_SERVER_FINAL: &str = "v=Kda+/Glz+5ocGEBNXzfBr7kFr7NIfVBwEqjfD2/9tAMO9Sxs\
        +qQr1ZF+EspnBx7bY1g8Q5BNV+Ib/K6wRA17bA==";

    #[test]
    fn username_is_escaped() {
        assert_eq!(escape_username("a=b,c"), "a=3Db=2Cc");
        let client = ScramClient::with_nonce(ScramHash::Sha256, "x,y=z", "p", "n0nce");
        assert_eq!(client.client_first(), "n,,n=x=2Cy=3Dz,r=n0nce");
    }

    #[test]
    fn server_first_checks() {
        let client = rfc7677_client();
        assert_eq!(
            client
                .handle_server_first("r=someoneelse,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")
                .unwrap_err(),
            ScramError::NonceMismatch
        );
        assert_eq!(
            client
                .handle_server_first("r=rOprNGfwEbeRWgbNEkqO,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")
                .unwrap_err(),
            ScramError::NonceMismatch,
            "the server must add its own nonce part"
        );
        assert_eq!(
            client
                .handle_server_first("r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=1")
                .unwrap_err(),
            ScramError::TooFewIterations { got: 1, min: 4096 }
        );
        assert_eq!(
            client
                .handle_server_first("m=ext,r=rOprNGfwEbeRWgbNEkqOxyz,s=AA==,i=4096")
                .unwrap_err(),
            ScramError::MandatoryExtension("ext".to_string())
        );
        assert!(matches!(
            client.handle_server_first("r=rOprNGfwEbeRWgbNEkqOxyz,i=4096"),
            Err(ScramError::MalformedServerFirst(_))
        ));
        assert!(matches!(
            client.handle_server_first("r=rOprNGfwEbeRWgbNEkqOxyz,s=W22Z,i=many"),
            Err(ScramError::MalformedServerFirst(_))
        ));
        // Extensions after i= are allowed (Kafka's tokenauth=true).
        assert!(
            client
                .handle_server_first(
                    "r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,tokenauth=true"
                )
                .is_ok()
        );
    }

    #[test]
    fn random_nonces_differ_and_are_printable() {
        let a = random_nonce();
        let b = random_nonce();
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric()));
    }
}
