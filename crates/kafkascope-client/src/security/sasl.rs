//! SASL authentication over SaslHandshake/SaslAuthenticate.

use crate::config::SaslSettings;
use crate::connection::Connection;
use crate::error::{ClientError, Result};

pub async fn authenticate(connection: &Connection, settings: &SaslSettings) -> Result<()> {
    Err(ClientError::Sasl {
        addr: connection.addr().to_string(),
        mechanism: settings.mechanism.kafka_name().to_string(),
        reason: "SASL is not implemented yet".to_string(),
    })
}
