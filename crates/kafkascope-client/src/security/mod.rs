//! Transport security: TLS around the socket, SASL inside the Kafka protocol.

pub mod sasl;
pub mod tls;
