//! Server side of SASL PLAIN and SCRAM-SHA-256/512, delegated to `rsasl`.
//!
//! The mechanisms themselves come from rsasl so that the fake is an implementation
//! independent of the client under test: a client bug in SCRAM cannot be mirrored here.

use std::io::Cursor;

use digest::core_api::BlockSizeUser;
use digest::{Digest, FixedOutputReset};
use rsasl::callback::{Context, Request, SessionCallback, SessionData};
use rsasl::mechanisms::scram::properties::ScramStoredPassword;
use rsasl::mechanisms::scram::tools::{derive_keys, hash_password};
use rsasl::mechname::Mechname;
use rsasl::prelude::{SASLConfig, SASLServer, Session, SessionError, State};
use rsasl::property::{AuthId, AuthzId, Password};
use rsasl::validate::{Validate, Validation, ValidationError};

use crate::cluster_state::SaslSpec;

/// SCRAM parameters for every fake user; 4096 is Kafka's minimum iteration count.
const ITERATIONS: u32 = 4096;
const SALT: &[u8] = b"kafkascope-fake-broker-salt";

/// Where a connection is in Kafka's SASL sequence.
#[derive(Default)]
pub(crate) enum SaslPhase {
    #[default]
    AwaitHandshake,
    /// Handshake done; `raw` is set after a v0 handshake, whose tokens travel without
    /// Kafka request headers.
    Exchanging {
        session: Box<Session<Outcome>>,
        mechanism: String,
        raw: bool,
    },
    Authenticated,
}

/// The validation result rsasl hands back: the user on success, Kafka's message otherwise.
pub(crate) struct Outcome;

impl Validation for Outcome {
    type Value = Result<String, String>;
}

/// The result of feeding one client token to the server session.
pub(crate) enum Step {
    /// More round trips needed; send these bytes back.
    Continue(Vec<u8>),
    /// Authenticated; send these final bytes (may be empty).
    Done(Vec<u8>),
    /// Authentication failed with this message.
    Failed(String),
}

/// Starts a server session if `mechanism` is enabled for the cluster and known to rsasl.
pub(crate) fn start(spec: &SaslSpec, mechanism: &str) -> Option<Session<Outcome>> {
    if !spec.mechanisms.iter().any(|m| m == mechanism) {
        return None;
    }
    let users = Users(spec.users.clone());
    let config = SASLConfig::builder()
        .with_defaults()
        .with_callback(users)
        .ok()?;
    let name = Mechname::parse(mechanism.as_bytes()).ok()?;
    SASLServer::<Outcome>::new(config)
        .start_suggested(name)
        .ok()
}

/// Feeds one client token to the session.
pub(crate) fn step(session: &mut Session<Outcome>, mechanism: &str, token: &[u8]) -> Step {
    let mut out = Cursor::new(Vec::new());
    match session.step(Some(token), &mut out) {
        Ok(State::Running) => Step::Continue(out.into_inner()),
        Ok(State::Finished(_)) => match session.validation() {
            Some(Ok(_user)) => Step::Done(out.into_inner()),
            Some(Err(msg)) => Step::Failed(msg),
            // SCRAM finishes without validating on a bad proof or unknown user.
            None => Step::Failed(invalid_credentials(mechanism)),
        },
        Err(_) => Step::Failed(invalid_credentials(mechanism)),
    }
}

/// Kafka's wording for failed SCRAM (and malformed) exchanges.
fn invalid_credentials(mechanism: &str) -> String {
    format!(
        "Authentication failed during authentication due to invalid credentials with SASL \
         mechanism {mechanism}"
    )
}

struct Users(Vec<(String, String)>);

impl Users {
    fn password(&self, user: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(u, _)| u == user)
            .map(|(_, p)| p.as_str())
    }

    /// PLAIN: Kafka's PlainServerCallbackHandler checks, with its messages.
    fn check_plain(&self, context: &Context) -> Result<String, String> {
        let user = context.get_ref::<AuthId>().unwrap_or_default();
        let given = context.get_ref::<Password>().unwrap_or_default();
        let authz = context.get_ref::<AuthzId>().unwrap_or_default();
        if !authz.is_empty() && authz != user {
            return Err(
                "Authentication failed: Client requested an authorization id that \
                        is different from username"
                    .into(),
            );
        }
        match self.password(user) {
            Some(p) if p.as_bytes() == given => Ok(user.to_owned()),
            _ => Err("Authentication failed: Invalid username or password".into()),
        }
    }
}

impl SessionCallback for Users {
    /// SCRAM asks for the stored credentials of the user; unknown users stay unanswered,
    /// which makes rsasl fail the exchange as SCRAM requires.
    fn callback(
        &self,
        session_data: &SessionData,
        context: &Context,
        request: &mut Request,
    ) -> Result<(), SessionError> {
        let user = context.get_ref::<AuthId>().map(scram_username);
        let Some(password) = user.as_deref().and_then(|u| self.password(u)) else {
            return Ok(());
        };
        match session_data.mechanism().mechanism.as_str() {
            "SCRAM-SHA-256" => satisfy_scram::<sha2::Sha256>(request, password),
            "SCRAM-SHA-512" => satisfy_scram::<sha2::Sha512>(request, password),
            _ => Ok(()),
        }
    }

    fn validate(
        &self,
        session_data: &SessionData,
        context: &Context,
        validate: &mut Validate<'_>,
    ) -> Result<(), ValidationError> {
        let outcome = if session_data.mechanism().mechanism.as_str() == "PLAIN" {
            self.check_plain(context)
        } else {
            // SCRAM only validates after the client proof matched the stored key.
            Ok(scram_username(
                context.get_ref::<AuthId>().unwrap_or_default(),
            ))
        };
        validate.with::<Outcome, _>(|| Ok(outcome))?;
        Ok(())
    }
}

/// rsasl hands SCRAM usernames over in RFC 5802 saslname form; Kafka's ScramSaslServer
/// unescapes "=2C" and "=3D" before looking the user up, so the fake does too.
fn scram_username(saslname: &str) -> String {
    saslname.replace("=2C", ",").replace("=3D", "=")
}

/// Derives StoredKey/ServerKey from the clear-text password (RFC 5802).
fn satisfy_scram<D>(request: &mut Request, password: &str) -> Result<(), SessionError>
where
    D: Digest + BlockSizeUser + FixedOutputReset + Clone + Sync,
{
    let mut salted = Default::default();
    hash_password::<D>(password.as_bytes(), ITERATIONS, SALT, &mut salted);
    let (client_key, server_key) = derive_keys::<D>(salted.as_slice());
    let stored_key = D::digest(client_key);
    let stored = ScramStoredPassword::new(ITERATIONS, SALT, &stored_key, &server_key);
    request.satisfy::<ScramStoredPassword>(&stored)?;
    Ok(())
}
