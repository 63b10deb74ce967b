//! Series keys to dense `u32` ids and back, with each series' last write time.
//!
//! The whole index lives in memory (its size follows the number of live series, not the
//! retention) and is mirrored in redb at every seal. Ids of series that aged out are reused,
//! so per-id arrays stay as long as the live series count.

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeSet, HashMap};
use std::hash::{Hash, Hasher};

use crate::error::StoreError;
use crate::matcher::Matcher;
use crate::series_key::{METRIC_NAME_LABEL, SeriesKey};

fn hash_of(key: &SeriesKey) -> u64 {
    let mut hasher = DefaultHasher::new();
    key.hash(&mut hasher);
    hasher.finish()
}

/// A dense series number, valid while the series lives.
pub type SeriesId = u32;

#[derive(Debug, Default)]
pub(crate) struct SeriesIndex {
    /// Key hash → id. The key itself lives once, in `keys`: a second copy
    /// per series doubled the index (hundreds of MB at 200k series).
    ids: HashMap<u64, SeriesId>,
    /// The rare keys whose hash another live key already holds.
    colliding: HashMap<SeriesKey, SeriesId>,
    keys: Vec<Option<SeriesKey>>,
    last_written_ms: Vec<i64>,
    by_name: HashMap<String, BTreeSet<SeriesId>>,
    free: BTreeSet<SeriesId>,
}

impl SeriesIndex {
    pub(crate) fn id(&self, key: &SeriesKey) -> Option<SeriesId> {
        self.ids
            .get(&hash_of(key))
            .copied()
            .filter(|id| self.key(*id) == Some(key))
            .or_else(|| self.colliding.get(key).copied())
    }

    pub(crate) fn key(&self, id: SeriesId) -> Option<&SeriesKey> {
        self.keys.get(id as usize).and_then(Option::as_ref)
    }

    /// Registers a new series under the lowest free id.
    pub(crate) fn create(&mut self, key: SeriesKey) -> Result<SeriesId, StoreError> {
        let id = match self.free.pop_first() {
            Some(id) => id,
            None => u32::try_from(self.keys.len()).map_err(|_| StoreError::TooManySeries)?,
        };
        self.insert(id, key);
        Ok(id)
    }

    /// Places a series under a known id, as when loading or replaying the log.
    pub(crate) fn insert(&mut self, id: SeriesId, key: SeriesKey) {
        let slot = id as usize;
        if self.keys.len() <= slot {
            for gap in self.keys.len()..slot {
                self.free.insert(gap as SeriesId);
            }
            self.keys.resize(slot + 1, None);
            self.last_written_ms.resize(slot + 1, i64::MIN);
        }
        self.free.remove(&id);
        if let Some(old) = self.keys[slot].take() {
            self.forget_key(id, &old);
        }
        self.by_name
            .entry(key.name().to_string())
            .or_default()
            .insert(id);
        let hash = hash_of(&key);
        match self.ids.get(&hash) {
            Some(&other) if other != id && self.key(other).is_some() => {
                self.colliding.insert(key.clone(), id);
            }
            _ => {
                self.ids.insert(hash, id);
            }
        }
        self.keys[slot] = Some(key);
    }

    pub(crate) fn remove(&mut self, id: SeriesId) {
        if let Some(key) = self.keys.get_mut(id as usize).and_then(Option::take) {
            self.forget_key(id, &key);
            self.last_written_ms[id as usize] = i64::MIN;
            self.free.insert(id);
        }
    }

    fn forget_key(&mut self, id: SeriesId, key: &SeriesKey) {
        let hash = hash_of(key);
        if self.ids.get(&hash) == Some(&id) {
            self.ids.remove(&hash);
        }
        if self.colliding.get(key) == Some(&id) {
            self.colliding.remove(key);
        }
        if let Some(set) = self.by_name.get_mut(key.name()) {
            set.remove(&id);
            if set.is_empty() {
                self.by_name.remove(key.name());
            }
        }
    }

    pub(crate) fn mark_written(&mut self, id: SeriesId, at_ms: i64) {
        if let Some(last) = self.last_written_ms.get_mut(id as usize) {
            *last = (*last).max(at_ms);
        }
    }

    pub(crate) fn last_written_ms(&self, id: SeriesId) -> Option<i64> {
        self.key(id)?;
        self.last_written_ms.get(id as usize).copied()
    }

    pub(crate) fn live_ids(&self) -> impl Iterator<Item = SeriesId> + '_ {
        self.keys
            .iter()
            .enumerate()
            .filter(|(_, k)| k.is_some())
            .map(|(i, _)| i as SeriesId)
    }

    /// Up to `max` live ids from `from` on, in order.
    pub(crate) fn live_ids_from(&self, from: SeriesId, max: usize) -> Vec<SeriesId> {
        let start = (from as usize).min(self.keys.len());
        self.keys[start..]
            .iter()
            .enumerate()
            .filter(|(_, k)| k.is_some())
            .map(|(i, _)| (start + i) as SeriesId)
            .take(max)
            .collect()
    }

    /// Series matching every matcher, in id order. A `__name__="x"` matcher narrows the scan
    /// to that name's series first.
    pub(crate) fn select(&self, matchers: &[Matcher]) -> Vec<(SeriesId, &SeriesKey)> {
        let pinned_name = matchers
            .iter()
            .find(|m| m.label() == METRIC_NAME_LABEL)
            .and_then(Matcher::exact_value);
        let candidates: Box<dyn Iterator<Item = SeriesId> + '_> = match pinned_name {
            Some(name) => Box::new(self.by_name.get(name).into_iter().flatten().copied()),
            None => Box::new(self.live_ids()),
        };
        candidates
            .filter_map(|id| self.key(id).map(|key| (id, key)))
            .filter(|(_, key)| matchers.iter().all(|m| m.is_match(key)))
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
        let a = index.create(key("lag", "a")).unwrap();
        // Make b's hash point at a, as a hash collision would.
        index.ids.insert(hash_of(&key("lag", "b")), a);
        let b = index.create(key("lag", "b")).unwrap();
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
        let a = index.create(key("lag", "a")).unwrap();
        let b = index.create(key("lag", "b")).unwrap();
        let c = index.create(key("offset", "a")).unwrap();
        assert_eq!((a, b, c), (0, 1, 2));
        let selected: Vec<SeriesId> = index
            .select(&[Matcher::equal("__name__", "lag")])
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        assert_eq!(selected, vec![0, 1]);
        index.remove(b);
        assert_eq!(index.id(&key("lag", "b")), None);
        assert_eq!(index.create(key("lag", "d")).unwrap(), 1);
        index.insert(5, key("lag", "e"));
        assert_eq!(index.create(key("lag", "f")).unwrap(), 3);
        assert_eq!(index.key(4), None);
    }
}
