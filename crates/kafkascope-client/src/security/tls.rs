//! TLS over a TCP stream.

use tokio::net::TcpStream;

use crate::config::TlsSettings;
use crate::connection::BoxedStream;
use crate::error::{ClientError, Result};

pub async fn wrap(_tcp: TcpStream, addr: &str, _settings: &TlsSettings) -> Result<BoxedStream> {
    Err(ClientError::Tls {
        addr: addr.to_string(),
        reason: "TLS is not implemented yet".to_string(),
    })
}
