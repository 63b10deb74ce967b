//! Series keys to dense `u32` ids and back, with each series' last write time.
//!
//! The whole index lives in memory (its size follows the number of live series, not the
//! retention) and is mirrored in redb at every seal. Ids of series that aged out are reused,
//! so per-id arrays stay as long as the live series count. Keys are held as interned
//! symbols (see `symbol_table.rs`), a few dozen bytes per series, and handed out as
//! [`KeyView`]s; a [`SeriesKey`] is built only for a caller that wants one.

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeSet, HashMap};
use std::hash::Hasher;

use crate::error::StoreError;
use crate::matcher::Matcher;
use crate::series_key::{METRIC_NAME_LABEL, SeriesKey};
use crate::symbol_table::{Symbol, SymbolTable};

/// A dense series number, valid while the series lives.
pub type SeriesId = u32;

/// One hash for a key however it is held, so a stored series and a caller's key agree.
/// 0xff never occurs in UTF-8, so it separates the strings unambiguously.
fn key_hash<'a>(name: &str, labels: impl Iterator<Item = (&'a str, &'a str)>) -> u64 {
    let mut hasher = DefaultHasher::new();
    hasher.write(name.as_bytes());
    for (label, value) in labels {
        hasher.write_u8(0xff);
        hasher.write(label.as_bytes());
        hasher.write_u8(0xff);
        hasher.write(value.as_bytes());
    }
    hasher.finish()
}

fn hash_of(key: &SeriesKey) -> u64 {
    key_hash(
        key.name(),
        key.labels().iter().map(|(k, v)| (k.as_str(), v.as_str())),
    )
}

/// Where a series' symbols lie in the arena; `len` 0 marks a free id.
#[derive(Debug, Default, Clone, Copy)]
struct Span {
    start: u32,
    len: u32,
}

/// A label name as the symbol table knows it, looked up once per query
/// rather than once per series.
#[derive(Clone, Copy)]
enum LabelRef {
    Name,
    /// No stored key has this label.
    Unknown,
    Symbol(Symbol),
}

impl LabelRef {
    fn resolve(label: &str, table: &SymbolTable) -> LabelRef {
        if label == METRIC_NAME_LABEL {
            return LabelRef::Name;
        }
        table
            .lookup(label)
            .map_or(LabelRef::Unknown, LabelRef::Symbol)
    }
}

/// A stored series key: its name symbol, then a label and a value symbol per label, in the
/// key's (sorted) order, read through the symbol table.
#[derive(Clone, Copy)]
pub(crate) struct KeyView<'a> {
    symbols: &'a [Symbol],
    table: &'a SymbolTable,
}

impl<'a> KeyView<'a> {
    pub(crate) fn name(&self) -> &'a str {
        self.table.resolve(self.symbols[0])
    }

    pub(crate) fn labels(&self) -> impl Iterator<Item = (&'a str, &'a str)> + use<'a> {
        let table = self.table;
        self.symbols[1..]
            .chunks_exact(2)
            .map(move |pair| (table.resolve(pair[0]), table.resolve(pair[1])))
    }

    /// The value of a label; `__name__` gives the metric name, a missing label gives "".
    pub(crate) fn label(&self, label: &str) -> &'a str {
        self.value_of(LabelRef::resolve(label, self.table))
    }

    /// The value of a label already looked up in the symbol table.
    fn value_of(&self, label: LabelRef) -> &'a str {
        match label {
            LabelRef::Name => self.name(),
            LabelRef::Unknown => "",
            LabelRef::Symbol(wanted) => self.symbols[1..]
                .chunks_exact(2)
                .find(|pair| pair[0] == wanted)
                .map_or("", |pair| self.table.resolve(pair[1])),
        }
    }

    pub(crate) fn is(&self, key: &SeriesKey) -> bool {
        self.name() == key.name()
            && self.symbols.len() == 1 + 2 * key.labels().len()
            && self
                .labels()
                .zip(key.labels())
                .all(|((k, v), (key_k, key_v))| k == key_k && v == key_v)
    }

    pub(crate) fn to_key(self) -> SeriesKey {
        // Stored keys are sorted already: no need to sort them again.
        SeriesKey::from_sorted(
            self.name(),
            self.labels()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    fn hash(&self) -> u64 {
        key_hash(self.name(), self.labels())
    }
}

#[derive(Debug, Default)]
pub(crate) struct SeriesIndex {
    /// Key hash → id; the key itself lives once, as symbols in `arena`.
    ids: HashMap<u64, SeriesId>,
    /// The rare keys whose hash another live key already holds.
    colliding: HashMap<SeriesKey, SeriesId>,
    table: SymbolTable,
    /// Every live series' symbols back to back; `spans` says whose are where.
    arena: Vec<Symbol>,
    spans: Vec<Span>,
    /// Arena entries of removed series, reclaimed once they are half of it.
    dead_symbols: usize,
    last_written_ms: Vec<i64>,
    by_name: HashMap<Symbol, BTreeSet<SeriesId>>,
    free: BTreeSet<SeriesId>,
}

impl SeriesIndex {
    pub(crate) fn id(&self, key: &SeriesKey) -> Option<SeriesId> {
        self.ids
            .get(&hash_of(key))
            .copied()
            .filter(|id| self.key(*id).is_some_and(|view| view.is(key)))
            .or_else(|| self.colliding.get(key).copied())
    }

    pub(crate) fn contains(&self, id: SeriesId) -> bool {
        self.spans.get(id as usize).is_some_and(|span| span.len > 0)
    }

    pub(crate) fn key(&self, id: SeriesId) -> Option<KeyView<'_>> {
        let span = self.spans.get(id as usize).filter(|span| span.len > 0)?;
        let start = span.start as usize;
        Some(KeyView {
            symbols: &self.arena[start..start + span.len as usize],
            table: &self.table,
        })
    }

    /// Registers a new series under the lowest free id.
    pub(crate) fn create(&mut self, key: &SeriesKey) -> Result<SeriesId, StoreError> {
        let id = match self.free.pop_first() {
            Some(id) => id,
            None => u32::try_from(self.spans.len()).map_err(|_| StoreError::TooManySeries)?,
        };
        self.insert(id, key);
        Ok(id)
    }

    /// Places a series under a known id, as when loading or replaying the log.
    pub(crate) fn insert(&mut self, id: SeriesId, key: &SeriesKey) {
        let slot = id as usize;
        if self.spans.len() <= slot {
            for gap in self.spans.len()..slot {
                self.free.insert(gap as SeriesId);
            }
            self.spans.resize(slot + 1, Span::default());
            self.last_written_ms.resize(slot + 1, i64::MIN);
        }
        self.free.remove(&id);
        self.forget(id);
        let start = self.arena.len();
        let name = self.table.intern(key.name());
        self.arena.push(name);
        for (label, value) in key.labels() {
            let label = self.table.intern(label);
            let value = self.table.intern(value);
            self.arena.extend([label, value]);
        }
        self.spans[slot] = Span {
            start: start as u32,
            len: (self.arena.len() - start) as u32,
        };
        self.by_name.entry(name).or_default().insert(id);
        let hash = hash_of(key);
        match self.ids.get(&hash) {
            Some(&other) if other != id && self.contains(other) => {
                self.colliding.insert(key.clone(), id);
            }
            _ => {
                self.ids.insert(hash, id);
            }
        }
    }

    pub(crate) fn remove(&mut self, id: SeriesId) {
        if self.forget(id) {
            self.last_written_ms[id as usize] = i64::MIN;
            self.free.insert(id);
        }
    }

    /// Drops whatever series holds `id` from the lookups and releases its symbols; returns
    /// whether there was one.
    fn forget(&mut self, id: SeriesId) -> bool {
        let Some(view) = self.key(id) else {
            return false;
        };
        let hash = view.hash();
        let symbols = view.symbols.to_vec();
        if self.ids.get(&hash) == Some(&id) {
            self.ids.remove(&hash);
        }
        self.colliding.retain(|_, other| *other != id);
        if let Some(set) = self.by_name.get_mut(&symbols[0]) {
            set.remove(&id);
            if set.is_empty() {
                self.by_name.remove(&symbols[0]);
            }
        }
        for symbol in &symbols {
            self.table.release(*symbol);
        }
        self.spans[id as usize] = Span::default();
        self.dead_symbols += symbols.len();
        if self.dead_symbols * 2 >= self.arena.len() {
            self.reclaim_arena();
        }
        true
    }

    /// Moves the live series' symbols together, dropping those of removed series.
    fn reclaim_arena(&mut self) {
        let mut arena = Vec::with_capacity(self.arena.len() - self.dead_symbols);
        for span in self.spans.iter_mut().filter(|span| span.len > 0) {
            let start = span.start as usize;
            let new_start = arena.len() as u32;
            arena.extend_from_slice(&self.arena[start..start + span.len as usize]);
            span.start = new_start;
        }
        self.arena = arena;
        self.dead_symbols = 0;
    }

    /// Gives back the spare capacity growth left, once a whole index has been loaded.
    pub(crate) fn shrink_to_fit(&mut self) {
        self.arena.shrink_to_fit();
        self.spans.shrink_to_fit();
        self.last_written_ms.shrink_to_fit();
        self.ids.shrink_to_fit();
    }

    pub(crate) fn mark_written(&mut self, id: SeriesId, at_ms: i64) {
        if let Some(last) = self.last_written_ms.get_mut(id as usize) {
            *last = (*last).max(at_ms);
        }
    }

    pub(crate) fn last_written_ms(&self, id: SeriesId) -> Option<i64> {
        if !self.contains(id) {
            return None;
        }
        self.last_written_ms.get(id as usize).copied()
    }

    pub(crate) fn live_ids(&self) -> impl Iterator<Item = SeriesId> + '_ {
        self.live_ids_after(0)
    }

    fn live_ids_after(&self, from: SeriesId) -> impl Iterator<Item = SeriesId> + '_ {
        let start = (from as usize).min(self.spans.len());
        self.spans[start..]
            .iter()
            .enumerate()
            .filter(|(_, span)| span.len > 0)
            .map(move |(i, _)| (start + i) as SeriesId)
    }

    /// Up to `max` live ids from `from` on, in order.
    pub(crate) fn live_ids_from(&self, from: SeriesId, max: usize) -> Vec<SeriesId> {
        self.live_ids_after(from).take(max).collect()
    }

    /// Series matching every matcher, in id order. A `__name__="x"` matcher narrows the scan
    /// to that name's series first.
    pub(crate) fn select(&self, matchers: &[Matcher]) -> Vec<(SeriesId, KeyView<'_>)> {
        let pinned = matchers
            .iter()
            .position(|m| m.label() == METRIC_NAME_LABEL)
            .filter(|i| matchers[*i].exact_value().is_some());
        let pinned_name = pinned.and_then(|i| matchers[i].exact_value());
        let candidates: Box<dyn Iterator<Item = SeriesId> + '_> = match pinned_name {
            Some(name) => match self.table.lookup(name) {
                Some(symbol) => Box::new(self.by_name.get(&symbol).into_iter().flatten().copied()),
                None => Box::new(std::iter::empty()),
            },
            None => Box::new(self.live_ids()),
        };
        // The name's series all pass its matcher; the others' labels are
        // looked up once here, not once per series.
        let checks: Vec<(LabelRef, &Matcher)> = matchers
            .iter()
            .enumerate()
            .filter(|(i, _)| Some(*i) != pinned)
            .map(|(_, m)| (LabelRef::resolve(m.label(), &self.table), m))
            .collect();
        candidates
            .filter_map(|id| self.key(id).map(|key| (id, key)))
            .filter(|(_, key)| {
                checks
                    .iter()
                    .all(|(label, m)| m.matches_value(key.value_of(*label)))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(name: &str, group: &str) -> SeriesKey {
        SeriesKey::new(name, [("group".to_string(), group.to_string())])
    }

    #[test]
    fn keys_whose_hash_is_taken_are_still_found_and_removed() {
        let mut index = SeriesIndex::default();
        let a = index.create(&key("lag", "a")).unwrap();
        // Make b's hash point at a, as a hash collision would.
        index.ids.insert(hash_of(&key("lag", "b")), a);
        let b = index.create(&key("lag", "b")).unwrap();
        assert_eq!(index.colliding.len(), 1);
        assert_eq!(index.id(&key("lag", "b")), Some(b));
        assert_eq!(index.id(&key("lag", "a")), Some(a));
        index.remove(b);
        assert_eq!(index.id(&key("lag", "b")), None);
        assert!(index.colliding.is_empty());
        assert_eq!(index.id(&key("lag", "a")), Some(a));
    }

    #[test]
    fn ids_are_dense_reused_after_removal_and_selectable() {
        let mut index = SeriesIndex::default();
        let a = index.create(&key("lag", "a")).unwrap();
        let b = index.create(&key("lag", "b")).unwrap();
        let c = index.create(&key("offset", "a")).unwrap();
        assert_eq!((a, b, c), (0, 1, 2));
        let selected: Vec<SeriesId> = index
            .select(&[Matcher::equal("__name__", "lag")])
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        assert_eq!(selected, vec![0, 1]);
        index.remove(b);
        assert_eq!(index.id(&key("lag", "b")), None);
        assert_eq!(index.create(&key("lag", "d")).unwrap(), 1);
        index.insert(5, &key("lag", "e"));
        assert_eq!(index.create(&key("lag", "f")).unwrap(), 3);
        assert!(index.key(4).is_none());
    }

    fn production_key(name: &str, topic: &str, partition: u32, group: &str) -> SeriesKey {
        SeriesKey::new(
            name,
            [
                ("cluster".to_string(), "prod".to_string()),
                ("consumergroup".to_string(), group.to_string()),
                ("partition".to_string(), partition.to_string()),
                ("topic".to_string(), topic.to_string()),
            ],
        )
    }

    #[test]
    fn interned_keys_come_back_whole_and_share_their_strings() {
        let mut index = SeriesIndex::default();
        let mut keys = Vec::new();
        for group in ["billing", "shipping"] {
            for partition in 0..3 {
                let key = production_key("kafka_consumergroup_lag", "orders", partition, group);
                assert_eq!(index.create(&key).unwrap(), keys.len() as SeriesId);
                keys.push(key);
            }
        }
        // name, cluster, prod, consumergroup, 2 groups, partition, 0..=2, topic, orders
        assert_eq!(index.table.len(), 12);
        assert_eq!(index.arena.len(), 6 * 9);
        for (id, key) in keys.iter().enumerate() {
            assert_eq!(index.id(key), Some(id as SeriesId));
            assert_eq!(index.key(id as SeriesId).unwrap().to_key(), *key);
        }
        let view = index.key(4).unwrap();
        assert_eq!(view.name(), "kafka_consumergroup_lag");
        assert_eq!(view.label("consumergroup"), "shipping");
        assert_eq!(view.label("partition"), "1");
        assert_eq!(view.label("__name__"), "kafka_consumergroup_lag");
        assert_eq!(view.label("client_id"), "");
        let selected = |matchers: &[Matcher]| -> Vec<SeriesId> {
            index
                .select(matchers)
                .into_iter()
                .map(|(id, _)| id)
                .collect()
        };
        assert_eq!(
            selected(&[
                Matcher::equal("__name__", "kafka_consumergroup_lag"),
                Matcher::equal("consumergroup", "billing"),
                Matcher::matches("partition", "[12]").unwrap(),
            ]),
            vec![1, 2]
        );
        assert_eq!(
            selected(&[Matcher::not_equal("consumergroup", "billing")]),
            vec![3, 4, 5]
        );
        assert_eq!(selected(&[Matcher::equal("client_id", "")]).len(), 6);
        assert_eq!(selected(&[Matcher::equal("__name__", "unknown")]), vec![]);
        // Removing the shipping series drops "shipping" and, once half the arena is dead,
        // moves the rest together; what is left still reads back whole.
        for id in 3..6 {
            index.remove(id);
        }
        assert_eq!(index.table.len(), 11);
        assert_eq!(index.table.lookup("shipping"), None);
        assert_eq!(index.arena.len(), 3 * 9);
        for (id, key) in keys.iter().enumerate().take(3) {
            assert_eq!(index.id(key), Some(id as SeriesId));
            assert_eq!(index.key(id as SeriesId).unwrap().to_key(), *key);
        }
        assert_eq!(index.id(&keys[4]), None);
        let again = production_key("kafka_consumergroup_lag", "orders", 7, "audit");
        assert_eq!(index.create(&again).unwrap(), 3);
        assert_eq!(index.key(3).unwrap().to_key(), again);
    }
}
