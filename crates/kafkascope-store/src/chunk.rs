//! The byte layout of sealed chunks and of the timestamp blocks they share.
//!
//! A chunk holds one series' values over one interval. Its timestamps are slots of a grid:
//! the cycle timestamps of the raw block it was sealed with (stored once per block, keyed
//! by the block's first timestamp, which is also the chunk's key), the same for a merged
//! block (all raw blocks of a merge window, see `merge.rs`), or a regular grid of `step_ms`
//! starting at the chunk's key (downsampled data). A presence bitmap says which
//! slots the series has; it is left out when every slot is present.
//!
//! Chunk: CRC32C (u32 LE) of the rest, flags byte (bit 0 regular grid, bit 4 merged grid,
//! bit 1 all slots present, bits 2-3 value encoding), varint slot count, varint `end_ms - start_ms`, for a
//! regular grid varint step, bitmap unless dense, then the values: a pco column of i64 when
//! every value is an exact integer (offsets, lags, counts compress far better so), a pco
//! column of i64 at a decimal scale when every value has at most six decimals (a scale byte
//! first), a pco column of f64 otherwise, or one f64 when all values are equal (idle lags are all zero, and
//! pco's per-column header would dwarf them).

use std::collections::HashMap;
use std::rc::Rc;

use pco::ChunkConfig;
use pco::standalone::{simple_compress, simple_decompress};
use redb::ReadableTable;

use crate::varint::{self, Reader};

const REGULAR_GRID: u8 = 1;
const MERGED_GRID: u8 = 1 << 4;
const DENSE: u8 = 2;
const VALUES_I64: u8 = 0;
const VALUES_F64: u8 = 1 << 2;
const VALUES_CONSTANT: u8 = 2 << 2;
const VALUES_DECIMAL: u8 = 3 << 2;
/// Decimal scales tried for fractional values, as powers of ten.
const DECIMAL_DIGITS: std::ops::RangeInclusive<u8> = 1..=6;
const VALUES_MASK: u8 = 3 << 2;
/// Far above any configured chunk (a 12 h span at 1 s steps is 43,200 slots).
const MAX_SLOTS: usize = 1 << 20;

/// Where a chunk's slot timestamps come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Grid {
    Block,
    /// The timestamps of all raw blocks of one merge window, stored once per window.
    Merged,
    Regular {
        step_ms: i64,
    },
}

/// A chunk's header, readable without decompressing the values.
#[derive(Debug)]
pub(crate) struct ChunkView<'a> {
    pub(crate) grid: Grid,
    pub(crate) end_ms: i64,
    slots: usize,
    present: Option<&'a [u8]>,
    flags: u8,
    values: &'a [u8],
}

/// Encodes present values; `present` has one entry per grid slot.
pub(crate) fn encode_chunk(
    start_ms: i64,
    end_ms: i64,
    grid: Grid,
    present: &[bool],
    values: &[f64],
    compression_level: usize,
) -> Result<Vec<u8>, String> {
    let mut out = vec![0u8; 4];
    let dense = present.iter().all(|p| *p);
    let (encoding, column) = encode_values(values, compression_level)?;
    let mut flags = encoding;
    match grid {
        Grid::Regular { .. } => flags |= REGULAR_GRID,
        Grid::Merged => flags |= MERGED_GRID,
        Grid::Block => {}
    }
    if dense {
        flags |= DENSE;
    }
    out.push(flags);
    varint::put_u64(&mut out, present.len() as u64);
    varint::put_u64(&mut out, (end_ms - start_ms) as u64);
    if let Grid::Regular { step_ms } = grid {
        varint::put_u64(&mut out, step_ms as u64);
    }
    if !dense {
        let mut bitmap = vec![0u8; present.len().div_ceil(8)];
        for (slot, _) in present.iter().enumerate().filter(|(_, p)| **p) {
            bitmap[slot / 8] |= 1 << (slot % 8);
        }
        out.extend_from_slice(&bitmap);
    }
    out.extend_from_slice(&column);
    let crc = crc32c::crc32c(&out[4..]);
    out[..4].copy_from_slice(&crc.to_le_bytes());
    Ok(out)
}

fn encode_values(values: &[f64], level: usize) -> Result<(u8, Vec<u8>), String> {
    let first = values.first().ok_or("a chunk needs at least one value")?;
    if values.iter().all(|v| v.to_bits() == first.to_bits()) {
        return Ok((VALUES_CONSTANT, first.to_le_bytes().to_vec()));
    }
    let config = ChunkConfig::default().with_compression_level(level);
    let pco_error = |e: pco::errors::PcoError| format!("pco: {e}");
    if let Some(ints) = values
        .iter()
        .map(|v| exact_integer(*v))
        .collect::<Option<Vec<i64>>>()
    {
        return Ok((
            VALUES_I64,
            simple_compress(&ints, &config).map_err(pco_error)?,
        ));
    }
    for digits in DECIMAL_DIGITS {
        if let Some(ints) = decimal_integers(values, digits) {
            let mut out = vec![digits];
            out.extend(simple_compress(&ints, &config).map_err(pco_error)?);
            return Ok((VALUES_DECIMAL, out));
        }
    }
    Ok((
        VALUES_F64,
        simple_compress(values, &config).map_err(pco_error)?,
    ))
}

/// Values with at most `digits` decimals (rates rounded to cents, seconds to the
/// millisecond) as integers of that scale, if every one converts back to the same bits.
/// pco packs such integers far tighter than the floats.
fn decimal_integers(values: &[f64], digits: u8) -> Option<Vec<i64>> {
    let scale = 10f64.powi(i32::from(digits));
    values
        .iter()
        .map(|v| {
            let scaled = exact_integer((v * scale).round())?;
            ((scaled as f64 / scale).to_bits() == v.to_bits()).then_some(scaled)
        })
        .collect()
}

/// An integer that converts back to the same bits (so -0.0 stays a float).
fn exact_integer(value: f64) -> Option<i64> {
    let int = value as i64;
    ((int as f64).to_bits() == value.to_bits() && int.unsigned_abs() < 1 << 53).then_some(int)
}

/// Checks the checksum and reads the header.
pub(crate) fn view_chunk(start_ms: i64, bytes: &[u8]) -> Result<ChunkView<'_>, String> {
    let mut reader = Reader::new(bytes);
    let crc = u32::from_le_bytes(reader.fixed()?);
    if crc32c::crc32c(reader.bytes) != crc {
        return Err("checksum mismatch".into());
    }
    let [flags] = reader.fixed::<1>()?;
    let slots = reader.usize(MAX_SLOTS)?;
    let end_ms = start_ms.saturating_add_unsigned(reader.u64()?);
    let grid = if flags & REGULAR_GRID != 0 {
        let step_ms = i64::try_from(reader.u64()?).map_err(|_| "step out of range")?;
        Grid::Regular { step_ms }
    } else if flags & MERGED_GRID != 0 {
        Grid::Merged
    } else {
        Grid::Block
    };
    let present = if flags & DENSE != 0 {
        None
    } else {
        Some(reader.take(slots.div_ceil(8))?)
    };
    Ok(ChunkView {
        grid,
        end_ms,
        slots,
        present,
        flags,
        values: reader.bytes,
    })
}

impl ChunkView<'_> {
    /// Decompresses the values and pairs them with their timestamps; `block_times` are the
    /// block's cycle timestamps for a block grid.
    pub(crate) fn samples(
        &self,
        start_ms: i64,
        block_times: Option<&[i64]>,
    ) -> Result<Vec<(i64, f64)>, String> {
        let slot_times: Vec<i64> = match (self.grid, block_times) {
            (Grid::Regular { step_ms }, _) => (0..self.slots as i64)
                .map(|i| start_ms + i * step_ms)
                .collect(),
            (_, Some(times)) if times.len() == self.slots => times.to_vec(),
            (_, Some(times)) => {
                return Err(format!(
                    "block has {} slots, chunk {}",
                    times.len(),
                    self.slots
                ));
            }
            (_, None) => return Err("timestamp block missing".into()),
        };
        let times: Vec<i64> = match self.present {
            None => slot_times,
            Some(bitmap) => slot_times
                .into_iter()
                .enumerate()
                .filter(|(slot, _)| bitmap[slot / 8] & (1 << (slot % 8)) != 0)
                .map(|(_, t)| t)
                .collect(),
        };
        let values = self.values(times.len())?;
        Ok(times.into_iter().zip(values).collect())
    }

    fn values(&self, count: usize) -> Result<Vec<f64>, String> {
        let values = match self.flags & VALUES_MASK {
            VALUES_CONSTANT => {
                let bits: [u8; 8] = self.values.try_into().map_err(|_| "constant not 8 bytes")?;
                vec![f64::from_le_bytes(bits); count]
            }
            VALUES_I64 => simple_decompress::<i64>(self.values)
                .map_err(|e| format!("pco: {e}"))?
                .into_iter()
                .map(|v| v as f64)
                .collect(),
            VALUES_F64 => simple_decompress::<f64>(self.values).map_err(|e| format!("pco: {e}"))?,
            VALUES_DECIMAL => {
                let (&digits, column) = self.values.split_first().ok_or("decimal scale missing")?;
                if !DECIMAL_DIGITS.contains(&digits) {
                    return Err(format!("decimal scale {digits} unknown"));
                }
                let scale = 10f64.powi(i32::from(digits));
                simple_decompress::<i64>(column)
                    .map_err(|e| format!("pco: {e}"))?
                    .into_iter()
                    .map(|v| v as f64 / scale)
                    .collect()
            }
            other => return Err(format!("unknown value encoding {other}")),
        };
        if values.len() != count {
            return Err(format!("{} values for {count} present slots", values.len()));
        }
        Ok(values)
    }
}

/// A raw block's cycle timestamps: CRC32C, varint count, varint deltas from the key.
pub(crate) fn encode_block(times: &[i64]) -> Vec<u8> {
    let mut out = vec![0u8; 4];
    varint::put_u64(&mut out, times.len() as u64);
    let mut previous = times.first().copied().unwrap_or(0);
    for t in times {
        varint::put_u64(&mut out, (t - previous) as u64);
        previous = *t;
    }
    let crc = crc32c::crc32c(&out[4..]);
    out[..4].copy_from_slice(&crc.to_le_bytes());
    out
}

pub(crate) fn decode_block(start_ms: i64, bytes: &[u8]) -> Result<Vec<i64>, String> {
    let mut reader = Reader::new(bytes);
    let crc = u32::from_le_bytes(reader.fixed()?);
    if crc32c::crc32c(reader.bytes) != crc {
        return Err("checksum mismatch".into());
    }
    let count = reader.usize(MAX_SLOTS)?;
    let mut at = start_ms;
    (0..count)
        .map(|_| {
            at = at.saturating_add_unsigned(reader.u64()?);
            Ok(at)
        })
        .collect()
}

/// A block's timestamps, or why they could not be read.
pub(crate) type BlockTimes = Result<Rc<Vec<i64>>, String>;

/// Decodes each raw block once per transaction, however many series' chunks use it.
#[derive(Default)]
pub(crate) struct BlockTimesCache {
    decoded: HashMap<i64, BlockTimes>,
}

impl BlockTimesCache {
    pub(crate) fn get(
        &mut self,
        start_ms: i64,
        blocks: &impl ReadableTable<i64, &'static [u8]>,
    ) -> BlockTimes {
        self.decoded
            .entry(start_ms)
            .or_insert_with(|| match blocks.get(start_ms) {
                Ok(Some(bytes)) => decode_block(start_ms, bytes.value())
                    .map(Rc::new)
                    .map_err(|e| format!("timestamp block: {e}")),
                Ok(None) => Err("timestamp block missing".into()),
                Err(e) => Err(e.to_string()),
            })
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(values: &[f64], present: &[bool], grid: Grid) -> Vec<(i64, f64)> {
        let bytes = encode_chunk(1_000, 1_000, grid, present, values, 4).unwrap();
        let times = [1_000, 1_010, 1_025, 1_040];
        view_chunk(1_000, &bytes)
            .unwrap()
            .samples(1_000, Some(&times))
            .unwrap()
    }

    #[test]
    fn every_value_encoding_round_trips_exactly() {
        let all = [true; 4];
        let ints = [5.0, 9.0, 12.0, 40.0];
        let want: Vec<(i64, f64)> = [1_000, 1_010, 1_025, 1_040].into_iter().zip(ints).collect();
        assert_eq!(round_trip(&ints, &all, Grid::Block), want);
        let decimals = [0.25, 1.234, 17.5, 0.001];
        let got = round_trip(&decimals, &all, Grid::Block);
        let bits: Vec<u64> = got.iter().map(|(_, v)| v.to_bits()).collect();
        assert_eq!(bits, decimals.map(f64::to_bits).to_vec());
        let floats = [0.5, -0.0, 1e300, f64::INFINITY];
        let got = round_trip(&floats, &all, Grid::Block);
        let bits: Vec<u64> = got.iter().map(|(_, v)| v.to_bits()).collect();
        assert_eq!(bits, floats.map(f64::to_bits).to_vec());
        let sparse = round_trip(&[0.0, 0.0], &[false, true, false, true], Grid::Block);
        assert_eq!(sparse, vec![(1_010, 0.0), (1_040, 0.0)]);
        let regular = round_trip(
            &[3.0, 4.0],
            &[true, false, true, false],
            Grid::Regular { step_ms: 60_000 },
        );
        assert_eq!(regular, vec![(1_000, 3.0), (121_000, 4.0)]);
    }

    #[test]
    fn damage_is_an_error_not_a_panic() {
        let bytes = encode_chunk(0, 30, Grid::Block, &[true; 3], &[1.0, 2.0, 3.5], 4).unwrap();
        for cut in 0..bytes.len() {
            assert!(view_chunk(0, &bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut flipped = bytes.clone();
        flipped[7] ^= 1;
        assert_eq!(view_chunk(0, &flipped).unwrap_err(), "checksum mismatch");
        let block = encode_block(&[100, 110, 125]);
        assert_eq!(decode_block(100, &block).unwrap(), vec![100, 110, 125]);
        assert!(decode_block(100, &block[..block.len() - 1]).is_err());
    }
}
