//! The redb tables that hold sealed history, and the small persisted counters.

use redb::{ReadableTable, TableDefinition, WriteTransaction};

use crate::error::{StoreError, db_error};

/// Series id → CRC32C (u32 LE) + encoded series key.
pub(crate) const SERIES: TableDefinition<u32, &[u8]> = TableDefinition::new("series");
/// Series id → timestamp of its newest sealed sample, for ageing vanished series out.
pub(crate) const LAST_WRITTEN: TableDefinition<u32, i64> = TableDefinition::new("last_written");
/// (series id, chunk start) → merged and downsampled chunk bytes (see `chunk.rs`); raw
/// chunks of stores written before `RAW_CHUNKS` existed are read from here too.
pub(crate) const CHUNKS: TableDefinition<(u32, i64), &[u8]> = TableDefinition::new("chunks");
/// (raw block start, series id) → chunk bytes of a sealed interval not merged yet (see
/// `raw_chunks.rs`).
pub(crate) const RAW_CHUNKS: TableDefinition<(i64, u32), &[u8]> =
    TableDefinition::new("raw_chunks");
/// Raw block start → the block's cycle timestamps.
pub(crate) const BLOCKS: TableDefinition<i64, &[u8]> = TableDefinition::new("blocks");
/// Merge window's first cycle → the timestamps of all its raw blocks.
pub(crate) const MERGED_BLOCKS: TableDefinition<i64, &[u8]> = TableDefinition::new("merged_blocks");
/// Named counters, see the `META_*` keys.
pub(crate) const META: TableDefinition<&str, i64> = TableDefinition::new("meta");

/// Timestamp of the newest cycle sealed; replay skips log cycles up to it.
pub(crate) const META_SEALED_THROUGH: &str = "sealed_through_ms";
/// Timestamp of the first cycle ever appended; downsampling windows start there.
pub(crate) const META_ORIGIN: &str = "origin_ms";

/// The end of the last window whose raw blocks were merged.
pub(crate) const META_MERGED_THROUGH: &str = "merged_through_ms";

/// The end of the last window tier `tier` has downsampled.
pub(crate) fn tier_through_key(tier: usize) -> String {
    format!("tier{tier}_through_ms")
}

/// Creates every table so read transactions can open them.
pub(crate) fn create_all(txn: &WriteTransaction) -> Result<(), StoreError> {
    let err = |e| db_error("creating tables", e);
    txn.open_table(SERIES).map_err(err)?;
    txn.open_table(LAST_WRITTEN).map_err(err)?;
    txn.open_table(CHUNKS).map_err(err)?;
    txn.open_table(RAW_CHUNKS).map_err(err)?;
    txn.open_table(BLOCKS).map_err(err)?;
    txn.open_table(MERGED_BLOCKS).map_err(err)?;
    txn.open_table(META).map_err(err)?;
    Ok(())
}

pub(crate) fn read_meta(
    table: &impl ReadableTable<&'static str, i64>,
    key: &str,
) -> Result<Option<i64>, StoreError> {
    Ok(table
        .get(key)
        .map_err(|e| db_error("reading meta", e))?
        .map(|v| v.value()))
}

pub(crate) fn write_meta(txn: &WriteTransaction, key: &str, value: i64) -> Result<(), StoreError> {
    let mut table = txn
        .open_table(META)
        .map_err(|e| db_error("opening meta", e))?;
    table
        .insert(key, value)
        .map_err(|e| db_error("writing meta", e))?;
    Ok(())
}

/// A series entry with its checksum in front.
pub(crate) fn series_entry(key: &crate::SeriesKey) -> Vec<u8> {
    let mut out = vec![0u8; 4];
    key.encode(&mut out);
    let crc = crc32c::crc32c(&out[4..]);
    out[..4].copy_from_slice(&crc.to_le_bytes());
    out
}

pub(crate) fn decode_series_entry(bytes: &[u8]) -> Result<crate::SeriesKey, String> {
    let mut reader = crate::varint::Reader::new(bytes);
    let crc = u32::from_le_bytes(reader.fixed()?);
    if crc32c::crc32c(reader.bytes) != crc {
        return Err("checksum mismatch".into());
    }
    crate::SeriesKey::decode(&mut reader)
}
