//! Kafka framing: a 4-byte big-endian size, then the message. Reading caps the
//! size before allocating, so a hostile or confused peer cannot make us
//! allocate gigabytes.

use bytes::{BufMut, Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt};

/// Why a frame could not be read.
#[derive(Debug)]
pub enum FrameError {
    Io(std::io::Error),
    TooLarge(i64),
    Negative(i32),
}

/// Reads one frame body. `Ok(None)` means the peer closed cleanly between frames.
pub async fn read_frame<R: AsyncRead + Unpin>(
    reader: &mut R,
    max_bytes: usize,
) -> Result<Option<Bytes>, FrameError> {
    let mut size = [0u8; 4];
    match reader.read_exact(&mut size).await {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(FrameError::Io(e)),
    }
    let size = i32::from_be_bytes(size);
    if size < 0 {
        return Err(FrameError::Negative(size));
    }
    if size as usize > max_bytes {
        return Err(FrameError::TooLarge(size as i64));
    }
    let mut body = BytesMut::zeroed(size as usize);
    reader.read_exact(&mut body).await.map_err(FrameError::Io)?;
    Ok(Some(body.freeze()))
}

/// Prefixes an encoded message with its size.
pub fn frame(message: &[u8]) -> Bytes {
    let mut out = BytesMut::with_capacity(message.len() + 4);
    out.put_i32(message.len() as i32);
    out.put_slice(message);
    out.freeze()
}

/// The correlation id every response starts with, if the frame is long enough.
pub fn correlation_id(body: &[u8]) -> Option<i32> {
    body.get(..4)
        .map(|b| i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn round_trips_a_frame() {
        let framed = frame(b"\x00\x00\x00\x07hello");
        let mut reader = &framed[..];
        let body = read_frame(&mut reader, 1024).await.unwrap().unwrap();
        assert_eq!(&body[..], b"\x00\x00\x00\x07hello");
        assert_eq!(correlation_id(&body), Some(7));
    }

    #[tokio::test]
    async fn rejects_oversized_frame_before_allocating() {
        let mut reader: &[u8] = &[0x7f, 0xff, 0xff, 0xff];
        match read_frame(&mut reader, 1024).await {
            Err(FrameError::TooLarge(size)) => assert_eq!(size, i32::MAX as i64),
            other => panic!("expected TooLarge, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn rejects_negative_size() {
        let mut reader: &[u8] = &[0xff, 0xff, 0xff, 0xfe];
        assert!(matches!(
            read_frame(&mut reader, 1024).await,
            Err(FrameError::Negative(-2))
        ));
    }

    #[tokio::test]
    async fn truncated_body_is_an_io_error() {
        let mut reader: &[u8] = &[0, 0, 0, 10, 1, 2, 3];
        assert!(matches!(
            read_frame(&mut reader, 1024).await,
            Err(FrameError::Io(_))
        ));
    }

    #[tokio::test]
    async fn clean_close_between_frames_is_none() {
        let mut reader: &[u8] = &[];
        assert!(read_frame(&mut reader, 1024).await.unwrap().is_none());
    }
}
