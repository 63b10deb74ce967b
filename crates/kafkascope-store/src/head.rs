//! The open interval in memory: one column of values per series with a presence bitmap
//! over the interval's cycles. It never holds more than one interval, so its size follows
//! the live series count and the cycles per interval, never the retention.

use crate::series_index::SeriesId;

#[derive(Debug, Default)]
struct HeadColumn {
    present: u64,
    values: Vec<f64>,
}

#[derive(Debug, Default)]
pub(crate) struct Head {
    times: Vec<i64>,
    columns: Vec<HeadColumn>,
    active: Vec<SeriesId>,
}

impl Head {
    pub(crate) fn cycle_count(&self) -> usize {
        self.times.len()
    }

    pub(crate) fn times(&self) -> &[i64] {
        &self.times
    }

    pub(crate) fn first_ms(&self) -> Option<i64> {
        self.times.first().copied()
    }

    pub(crate) fn last_ms(&self) -> Option<i64> {
        self.times.last().copied()
    }

    /// Opens the next cycle; the caller keeps cycles per interval within 64.
    pub(crate) fn begin_cycle(&mut self, at_ms: i64) {
        self.times.push(at_ms);
    }

    /// Records a value in the current cycle; a second value for the same series replaces it.
    pub(crate) fn add(&mut self, id: SeriesId, value: f64) {
        let slot = id as usize;
        if self.columns.len() <= slot {
            self.columns.resize_with(slot + 1, HeadColumn::default);
        }
        let bit = 1u64 << (self.times.len() - 1);
        let column = &mut self.columns[slot];
        if column.present & bit != 0 {
            if let Some(last) = column.values.last_mut() {
                *last = value;
            }
            return;
        }
        if column.present == 0 {
            self.active.push(id);
        }
        column.present |= bit;
        column.values.push(value);
    }

    /// Series with data in this interval, each with its presence per cycle and its values.
    pub(crate) fn columns(&self) -> impl Iterator<Item = (SeriesId, u64, &[f64])> + '_ {
        self.active.iter().map(|id| {
            let column = &self.columns[*id as usize];
            (*id, column.present, column.values.as_slice())
        })
    }

    pub(crate) fn samples(&self, id: SeriesId, start_ms: i64, end_ms: i64) -> Vec<(i64, f64)> {
        let Some(column) = self.columns.get(id as usize) else {
            return Vec::new();
        };
        let times = self
            .times
            .iter()
            .enumerate()
            .filter(|(cycle, _)| column.present & (1 << cycle) != 0)
            .map(|(_, t)| *t);
        times
            .zip(column.values.iter().copied())
            .filter(|(t, _)| (start_ms..=end_ms).contains(t))
            .collect()
    }

    /// The series' latest sample in `[start_ms, end_ms]`, if the interval
    /// holds one.
    pub(crate) fn latest(&self, id: SeriesId, start_ms: i64, end_ms: i64) -> Option<(i64, f64)> {
        let column = self.columns.get(id as usize)?;
        let upto = self.times.partition_point(|t| *t <= end_ms);
        let cycle = (0..upto).rev().find(|c| column.present & (1 << c) != 0)?;
        let t = self.times[cycle];
        // Values are stored for present cycles only: the nth set bit's value.
        let index = (column.present & ((1u64 << cycle) - 1)).count_ones() as usize;
        (t >= start_ms).then(|| (t, column.values[index]))
    }

    /// Empties the interval after it was sealed, keeping column capacity for the next one.
    pub(crate) fn clear(&mut self) {
        for id in self.active.drain(..) {
            let column = &mut self.columns[id as usize];
            column.present = 0;
            column.values.clear();
        }
        self.times.clear();
    }

    /// Releases a removed series' column memory.
    pub(crate) fn forget(&mut self, id: SeriesId) {
        if let Some(column) = self.columns.get_mut(id as usize) {
            *column = HeadColumn::default();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_track_presence_and_last_write_wins_within_a_cycle() {
        let mut head = Head::default();
        head.begin_cycle(10);
        head.add(2, 1.0);
        head.add(2, 1.5);
        head.begin_cycle(20);
        head.add(0, 7.0);
        head.add(2, 2.0);
        let columns: Vec<(SeriesId, u64, Vec<f64>)> = head
            .columns()
            .map(|(id, p, v)| (id, p, v.to_vec()))
            .collect();
        assert_eq!(
            columns,
            vec![(2, 0b11, vec![1.5, 2.0]), (0, 0b10, vec![7.0])]
        );
        assert_eq!(head.samples(2, 15, 30), vec![(20, 2.0)]);
        head.clear();
        assert_eq!(head.columns().count(), 0);
        assert_eq!(head.cycle_count(), 0);
        assert_eq!(head.samples(2, 0, 30), vec![]);
    }
}
