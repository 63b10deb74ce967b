//! The write-ahead log of the open interval.
//!
//! Frame: payload length (u32 LE), CRC32C of the payload (u32 LE), payload. A payload is a
//! new series (tag 1: id u32, encoded key) or a cycle (tag 2: timestamp i64, count u32, then
//! count × (id u32, value f64)), all little-endian. New series are written in the same
//! `write` as the first cycle that uses them. After each cycle the file is fsynced when
//! configured; either way a killed process loses nothing `append` returned for, because the
//! bytes are in the kernel. Replay stops at the first short or mismatching frame, reports
//! it, and cuts the file there so later appends follow the last good record.

use std::fs::{File, OpenOptions};
use std::io::{BufReader, ErrorKind, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::error::{StoreError, StoreProblem};
use crate::series_index::SeriesId;
use crate::series_key::SeriesKey;
use crate::varint::Reader;

const TAG_NEW_SERIES: u8 = 1;
const TAG_CYCLE: u8 = 2;
const FRAME_HEADER: usize = 8;
/// A frame claiming more than this is damage, not data: one full-size cycle is ~2.4 MB.
const MAX_PAYLOAD: usize = 1 << 30;

/// One replayed record.
#[derive(Debug, PartialEq)]
pub(crate) enum WalRecord {
    NewSeries(SeriesId, SeriesKey),
    Cycle(i64, Vec<(SeriesId, f64)>),
}

pub(crate) struct Wal {
    file: File,
    path: PathBuf,
    fsync: bool,
    pending: Vec<u8>,
    cycle_start: Option<usize>,
    cycle_count: u32,
}

impl Wal {
    /// Opens (creating) the log and hands every intact record to `apply`, in order.
    pub(crate) fn open(
        path: &Path,
        fsync: bool,
        mut apply: impl FnMut(WalRecord),
    ) -> Result<(Self, Option<StoreProblem>), StoreError> {
        let io = |source| StoreError::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(io)?;
        let (good_len, problem) = replay(&mut file, &mut apply).map_err(io)?;
        if problem.is_some() {
            file.set_len(good_len).map_err(io)?;
            file.sync_all().map_err(io)?;
        }
        file.seek(SeekFrom::Start(good_len)).map_err(io)?;
        let wal = Self {
            file,
            path: path.to_path_buf(),
            fsync,
            pending: Vec::new(),
            cycle_start: None,
            cycle_count: 0,
        };
        Ok((wal, problem))
    }

    pub(crate) fn add_series(&mut self, id: SeriesId, key: &SeriesKey) {
        let start = self.open_frame();
        self.pending.push(TAG_NEW_SERIES);
        self.pending.extend_from_slice(&id.to_le_bytes());
        key.encode(&mut self.pending);
        self.close_frame(start);
    }

    pub(crate) fn begin_cycle(&mut self, at_ms: i64) {
        let start = self.open_frame();
        self.pending.push(TAG_CYCLE);
        self.pending.extend_from_slice(&at_ms.to_le_bytes());
        self.pending.extend_from_slice(&0u32.to_le_bytes());
        self.cycle_start = Some(start);
        self.cycle_count = 0;
    }

    pub(crate) fn push_sample(&mut self, id: SeriesId, value: f64) {
        self.pending.extend_from_slice(&id.to_le_bytes());
        self.pending.extend_from_slice(&value.to_le_bytes());
        self.cycle_count += 1;
    }

    /// Writes the buffered frames in one call, then fsyncs if configured.
    pub(crate) fn commit_cycle(&mut self) -> Result<(), StoreError> {
        if let Some(start) = self.cycle_start.take() {
            let count_at = start + FRAME_HEADER + 1 + 8;
            self.pending[count_at..count_at + 4].copy_from_slice(&self.cycle_count.to_le_bytes());
            self.close_frame(start);
        }
        let result = self.file.write_all(&self.pending).and_then(|()| {
            if self.fsync {
                self.file.sync_data()
            } else {
                Ok(())
            }
        });
        let written = self.pending.len();
        self.pending.clear();
        // The first cycle also logs every series' key, several times the
        // size of a cycle of samples (13-20 MB at bench size): keep room for
        // what the last cycle needed, not for the largest ever.
        if self.pending.capacity() > 2 * written {
            self.pending.shrink_to(written);
        }
        result.map_err(|source| self.io(source))
    }

    /// Empties the log once its contents are sealed into the database.
    pub(crate) fn truncate(&mut self) -> Result<(), StoreError> {
        let result = self
            .file
            .set_len(0)
            .and_then(|()| self.file.seek(SeekFrom::Start(0)).map(drop))
            .and_then(|()| self.file.sync_all());
        result.map_err(|source| self.io(source))
    }

    fn io(&self, source: std::io::Error) -> StoreError {
        StoreError::Io {
            path: self.path.clone(),
            source,
        }
    }

    fn open_frame(&mut self) -> usize {
        let start = self.pending.len();
        self.pending.extend_from_slice(&[0u8; FRAME_HEADER]);
        start
    }

    fn close_frame(&mut self, start: usize) {
        let payload = &self.pending[start + FRAME_HEADER..];
        let len = payload.len() as u32;
        let crc = crc32c::crc32c(payload);
        self.pending[start..start + 4].copy_from_slice(&len.to_le_bytes());
        self.pending[start + 4..start + 8].copy_from_slice(&crc.to_le_bytes());
    }
}

/// Returns the length of the intact prefix and what ended it, if not the end of the file.
fn replay(
    file: &mut File,
    apply: &mut impl FnMut(WalRecord),
) -> std::io::Result<(u64, Option<StoreProblem>)> {
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let mut offset = 0u64;
    let mut payload = Vec::new();
    loop {
        let damaged = |reason: String| {
            Ok((
                offset,
                Some(StoreProblem::WalDamaged { offset, reason }.reported()),
            ))
        };
        let mut header = [0u8; FRAME_HEADER];
        match read_full(&mut reader, &mut header)? {
            0 => return Ok((offset, None)),
            n if n < FRAME_HEADER => return damaged(format!("frame header cut after {n} bytes")),
            _ => {}
        }
        let len = u32::from_le_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let crc = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
        if len > MAX_PAYLOAD {
            return damaged(format!("frame length {len} implausible"));
        }
        payload.resize(len, 0);
        let got = read_full(&mut reader, &mut payload)?;
        if got < len {
            return damaged(format!("payload cut at {got} of {len} bytes"));
        }
        if crc32c::crc32c(&payload) != crc {
            return damaged("checksum mismatch".into());
        }
        match decode_record(&payload) {
            Ok(record) => apply(record),
            Err(reason) => return damaged(reason),
        }
        offset += (FRAME_HEADER + len) as u64;
    }
}

fn read_full(reader: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

fn decode_record(payload: &[u8]) -> Result<WalRecord, String> {
    let mut reader = Reader::new(payload);
    let [tag] = reader.fixed::<1>()?;
    match tag {
        TAG_NEW_SERIES => {
            let id = u32::from_le_bytes(reader.fixed()?);
            Ok(WalRecord::NewSeries(id, SeriesKey::decode(&mut reader)?))
        }
        TAG_CYCLE => {
            let at_ms = i64::from_le_bytes(reader.fixed()?);
            let count = u32::from_le_bytes(reader.fixed()?) as usize;
            if reader.bytes.len() != count * 12 {
                return Err(format!(
                    "cycle of {count} samples has {} bytes",
                    reader.bytes.len()
                ));
            }
            let samples = reader
                .bytes
                .chunks_exact(12)
                .map(|s| {
                    let id = u32::from_le_bytes([s[0], s[1], s[2], s[3]]);
                    let mut value = [0u8; 8];
                    value.copy_from_slice(&s[4..]);
                    (id, f64::from_le_bytes(value))
                })
                .collect();
            Ok(WalRecord::Cycle(at_ms, samples))
        }
        other => Err(format!("unknown record tag {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_two_cycles(path: &Path) -> u64 {
        let (mut wal, problem) = Wal::open(path, false, |_| {}).unwrap();
        assert_eq!(problem, None);
        wal.add_series(0, &SeriesKey::new("lag", []));
        wal.begin_cycle(1_000);
        wal.push_sample(0, 5.0);
        wal.commit_cycle().unwrap();
        let first_len = std::fs::metadata(path).unwrap().len();
        wal.begin_cycle(2_000);
        wal.push_sample(0, 7.5);
        wal.commit_cycle().unwrap();
        first_len
    }

    fn replay_all(path: &Path) -> (Vec<WalRecord>, Option<StoreProblem>) {
        let mut records = Vec::new();
        let (_, problem) = Wal::open(path, false, |r| records.push(r)).unwrap();
        (records, problem)
    }

    #[test]
    fn the_buffer_shrinks_to_a_cycle_of_samples_after_the_first_cycle() {
        let dir = tempfile::tempdir().unwrap();
        let (mut wal, _) = Wal::open(&dir.path().join("wal"), false, |_| {}).unwrap();
        let key = SeriesKey::new(
            "kafka_consumergroup_lag",
            [("consumergroup".to_string(), "billing-service".to_string())],
        );
        let cycle = |wal: &mut Wal, at_ms: i64, new_series: bool| {
            for id in 0..1_000 {
                if new_series {
                    wal.add_series(id, &key);
                }
            }
            wal.begin_cycle(at_ms);
            for id in 0..1_000 {
                wal.push_sample(id, 1.0);
            }
            wal.commit_cycle().unwrap();
        };
        cycle(&mut wal, 1_000, true);
        let after_first = wal.pending.capacity();
        cycle(&mut wal, 2_000, false);
        // A cycle frame: header, tag, time, count, then 12 bytes a sample.
        let samples_frame = FRAME_HEADER + 1 + 8 + 4 + 12 * 1_000;
        assert!(after_first > 2 * samples_frame, "{after_first}");
        assert_eq!(wal.pending.capacity(), samples_frame);
        cycle(&mut wal, 3_000, false);
        assert_eq!(wal.pending.capacity(), samples_frame);
    }

    #[test]
    fn every_truncation_of_the_last_record_keeps_the_records_before_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("head.wal");
        let first_len = write_two_cycles(&path);
        let full = std::fs::read(&path).unwrap();
        let (records, problem) = replay_all(&path);
        assert_eq!(problem, None);
        assert_eq!(records.len(), 3);
        for cut in first_len..full.len() as u64 {
            std::fs::write(&path, &full[..cut as usize]).unwrap();
            let (records, problem) = replay_all(&path);
            assert_eq!(
                records,
                vec![
                    WalRecord::NewSeries(0, SeriesKey::new("lag", [])),
                    WalRecord::Cycle(1_000, vec![(0, 5.0)]),
                ],
                "cut at {cut}"
            );
            let expected = (cut > first_len).then_some(first_len);
            assert_eq!(
                problem.map(|p| match p {
                    StoreProblem::WalDamaged { offset, .. } => offset,
                    other => panic!("unexpected {other:?}"),
                }),
                expected
            );
            assert_eq!(std::fs::metadata(&path).unwrap().len(), first_len);
        }
    }

    #[test]
    fn a_flipped_byte_is_caught_by_the_checksum() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("head.wal");
        let first_len = write_two_cycles(&path);
        let mut bytes = std::fs::read(&path).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 0x40;
        std::fs::write(&path, &bytes).unwrap();
        let (records, problem) = replay_all(&path);
        assert_eq!(records.len(), 2);
        assert_eq!(
            problem,
            Some(StoreProblem::WalDamaged {
                offset: first_len,
                reason: "checksum mismatch".into()
            })
        );
    }
}
