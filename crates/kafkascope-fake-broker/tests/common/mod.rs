//! A tiny test-only Kafka client: raw kafka-protocol encoding over a TcpStream.
//! Deliberately minimal (one request in flight, no retries): the real client lives in
//! kafkascope-client and is not used here so the fake is tested on its own.

#![allow(dead_code)] // each test binary uses a different subset

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{Context, ensure};
use bytes::{Buf, BufMut, Bytes, BytesMut};
use kafka_protocol::messages::{
    ApiKey, RequestHeader, ResponseHeader, SaslAuthenticateRequest, SaslAuthenticateResponse,
    SaslHandshakeRequest,
};
use kafka_protocol::protocol::{Decodable, Encodable, Request, StrBytes};
use rsasl::prelude::{Mechname, SASLClient, SASLConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub struct TestClient {
    stream: TcpStream,
    correlation_id: i32,
}

pub fn s(value: &str) -> StrBytes {
    StrBytes::from_string(value.to_owned())
}

impl TestClient {
    pub async fn connect(addr: SocketAddr) -> anyhow::Result<Self> {
        let stream = TcpStream::connect(addr).await?;
        Ok(Self {
            stream,
            correlation_id: 0,
        })
    }

    /// Encodes `req` at `version`, sends it, and decodes the matching response.
    pub async fn call<R: Request>(&mut self, req: &R, version: i16) -> anyhow::Result<R::Response> {
        let key = ApiKey::try_from(R::KEY).map_err(|_| anyhow::anyhow!("unknown key"))?;
        let mut body = BytesMut::new();
        req.encode(&mut body, version)?;
        let mut resp = self.roundtrip(key, version, &body).await?;
        let decoded = R::Response::decode(&mut resp, version)?;
        ensure!(!resp.has_remaining(), "{} trailing bytes", resp.remaining());
        Ok(decoded)
    }

    /// Sends a request with an arbitrary header version and pre-encoded body; returns the
    /// response body after checking the correlation id.
    pub async fn roundtrip(
        &mut self,
        key: ApiKey,
        version: i16,
        body: &[u8],
    ) -> anyhow::Result<Bytes> {
        self.correlation_id += 1;
        let header = RequestHeader::default()
            .with_request_api_key(key as i16)
            .with_request_api_version(version)
            .with_correlation_id(self.correlation_id)
            .with_client_id(Some(s("fake-broker-test")));
        let mut frame = BytesMut::new();
        header.encode(&mut frame, key.request_header_version(version))?;
        frame.put_slice(body);
        self.write_frame(&frame).await?;
        let mut resp = self.read_frame().await?;
        let rh = ResponseHeader::decode(&mut resp, key.response_header_version(version))?;
        ensure!(
            rh.correlation_id == self.correlation_id,
            "correlation id mismatch"
        );
        Ok(resp)
    }

    pub async fn write_frame(&mut self, payload: &[u8]) -> anyhow::Result<()> {
        let mut out = BytesMut::with_capacity(payload.len() + 4);
        out.put_i32(i32::try_from(payload.len())?);
        out.put_slice(payload);
        self.stream.write_all(&out).await?;
        Ok(())
    }

    pub async fn read_frame(&mut self) -> anyhow::Result<Bytes> {
        let read = async {
            let size = self.stream.read_i32().await.context("reading frame size")?;
            ensure!((0..=64 << 20).contains(&size), "bad frame size {size}");
            let mut buf = vec![0; size as usize];
            self.stream.read_exact(&mut buf).await?;
            Ok(Bytes::from(buf))
        };
        tokio::time::timeout(Duration::from_secs(10), read).await?
    }

    /// True when the server closed the connection (EOF or reset) within a second.
    pub async fn is_closed(&mut self) -> bool {
        let mut byte = [0u8; 1];
        let read = tokio::time::timeout(Duration::from_secs(1), self.stream.read(&mut byte));
        matches!(read.await, Ok(Ok(0)) | Ok(Err(_)))
    }

    /// SaslHandshake v1 + SaslAuthenticate v2 rounds driven by rsasl's client side.
    /// Returns the last SaslAuthenticate response (error_code 0 on success).
    pub async fn sasl_login(
        &mut self,
        mechanism: &str,
        user: &str,
        password: &str,
    ) -> anyhow::Result<SaslAuthenticateResponse> {
        let hs = SaslHandshakeRequest::default().with_mechanism(s(mechanism));
        let hs = self.call(&hs, 1).await?;
        ensure!(hs.error_code == 0, "handshake failed: {}", hs.error_code);
        let config = SASLConfig::with_credentials(None, user.into(), password.into())?;
        let mech = Mechname::parse(mechanism.as_bytes())?;
        let mut session = SASLClient::new(config).start_suggested(&[mech])?;
        let mut input: Option<Bytes> = None;
        let mut last = None;
        loop {
            let mut out = Vec::new();
            // Fails if the server's final SCRAM message does not verify.
            let state = session.step(input.as_deref(), &mut out)?;
            if !state.has_sent_message() {
                return last.context("exchange finished before any message");
            }
            let req = SaslAuthenticateRequest::default().with_auth_bytes(Bytes::from(out));
            let resp = self.call(&req, 2).await?;
            if resp.error_code != 0 || state.is_finished() {
                return Ok(resp);
            }
            input = Some(resp.auth_bytes.clone());
            last = Some(resp);
        }
    }
}

/// Three racked brokers (controller 2) with the states tansu cannot produce:
/// `orders`: p0 healthy (leader 1, epoch 3, LSO below HW), p1 ISR shrunk to [2],
/// p2 led by its non-preferred replica 1; `offline`: p0 without leader.
/// Groups: g1 (Stable, 1 member) and g2 (Empty) on broker 1, g3 (Stable) on broker 3.
pub fn cluster() -> kafkascope_fake_broker::FakeCluster {
    use kafkascope_fake_broker::*;
    FakeCluster::new("fake-cluster-1")
        .broker(
            BrokerSpec::new(1)
                .rack("rack-a")
                .config("log.retention.hours", "168"),
        )
        .broker(BrokerSpec::new(2).rack("rack-b"))
        .broker(BrokerSpec::new(3).rack("rack-c"))
        .controller(2)
        .topic(
            TopicSpec::new("orders")
                .partition(
                    PartitionSpec::new(0, vec![1, 2, 3])
                        .epoch(3)
                        .offsets(5, 100)
                        .lso(90)
                        .size(1000),
                )
                .partition(
                    PartitionSpec::new(1, vec![2, 3, 1])
                        .isr(vec![2])
                        .offsets(0, 50)
                        .size(500),
                )
                .partition(
                    PartitionSpec::new(2, vec![3, 1, 2])
                        .leader(1)
                        .offsets(0, 10)
                        .size(30),
                )
                .config("min.insync.replicas", "2")
                .config("retention.ms", "604800000")
                .config("cleanup.policy", "delete"),
        )
        .topic(
            TopicSpec::new("offline").partition(
                PartitionSpec::new(0, vec![3])
                    .leader(-1)
                    .isr(vec![])
                    .offline(vec![3]),
            ),
        )
        .group(
            GroupSpec::new("g1", 1)
                .member(
                    MemberSpec::new("m1", "consumer-1", "/10.0.0.1").assign("orders", vec![0, 1]),
                )
                .committed("orders", 0, 80)
                .committed("orders", 1, 40),
        )
        .group(GroupSpec::new("g2", 1).committed("orders", 2, 7))
        .group(
            GroupSpec::new("g3", 3)
                .member(MemberSpec::new("m3", "consumer-3", "/10.0.0.3").assign("orders", vec![2]))
                .committed("orders", 2, 9),
        )
}
