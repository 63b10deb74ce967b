//! LEB128 variable-length integers for the small headers and timestamp deltas.

/// Appends `value` as an unsigned LEB128 varint.
pub(crate) fn put_u64(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Reads bytes from the front of a slice, failing instead of panicking on short input.
pub(crate) struct Reader<'a> {
    pub(crate) bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self { bytes }
    }

    pub(crate) fn u64(&mut self) -> Result<u64, String> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let (&byte, rest) = self.bytes.split_first().ok_or("varint cut short")?;
            self.bytes = rest;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err("varint longer than 64 bits".into())
    }

    pub(crate) fn usize(&mut self, limit: usize) -> Result<usize, String> {
        let value = self.u64()?;
        usize::try_from(value)
            .ok()
            .filter(|v| *v <= limit)
            .ok_or_else(|| format!("length {value} above limit {limit}"))
    }

    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if self.bytes.len() < n {
            return Err(format!("needed {n} bytes, {} left", self.bytes.len()));
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    pub(crate) fn fixed<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let bytes = self.take(N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(bytes);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_including_extremes() {
        let mut out = Vec::new();
        let values = [0u64, 1, 127, 128, 10_000, u64::MAX];
        for v in values {
            put_u64(&mut out, v);
        }
        let mut reader = Reader::new(&out);
        for v in values {
            assert_eq!(reader.u64().unwrap(), v);
        }
        assert!(reader.bytes.is_empty());
        assert_eq!(Reader::new(&[0x80]).u64(), Err("varint cut short".into()));
    }
}
