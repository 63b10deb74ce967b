//! Interned label names and values: each distinct string is held once and named by a `u32`
//! symbol, counted by the series that use it.
//!
//! At full size the index holds some 200,000 series whose labels repeat a few thousand
//! strings (a topic name in every partition's and group's series, `partition="3"` in a
//! tenth of them); held as strings per series they cost about 100 MB, as symbols a few.
//! Counting uses lets a string go with its last series, so label values that come and go
//! (groups, topics) do not accumulate.

use std::collections::HashMap;
use std::sync::Arc;

pub(crate) type Symbol = u32;

#[derive(Debug, Default)]
pub(crate) struct SymbolTable {
    strings: Vec<Option<Arc<str>>>,
    uses: Vec<u32>,
    symbols: HashMap<Arc<str>, Symbol>,
    free: Vec<Symbol>,
}

impl SymbolTable {
    /// The symbol of `s`, adding it if new; counts one more use.
    pub(crate) fn intern(&mut self, s: &str) -> Symbol {
        if let Some(&symbol) = self.symbols.get(s) {
            self.uses[symbol as usize] += 1;
            return symbol;
        }
        let string: Arc<str> = Arc::from(s);
        let symbol = match self.free.pop() {
            Some(symbol) => {
                self.strings[symbol as usize] = Some(string.clone());
                self.uses[symbol as usize] = 1;
                symbol
            }
            None => {
                self.strings.push(Some(string.clone()));
                self.uses.push(1);
                (self.strings.len() - 1) as Symbol
            }
        };
        self.symbols.insert(string, symbol);
        symbol
    }

    /// The symbol of `s` if some series uses it.
    pub(crate) fn lookup(&self, s: &str) -> Option<Symbol> {
        self.symbols.get(s).copied()
    }

    /// The string of a symbol; "" for one that is not in use (never handed out by the index).
    pub(crate) fn resolve(&self, symbol: Symbol) -> &str {
        self.strings
            .get(symbol as usize)
            .and_then(Option::as_deref)
            .unwrap_or("")
    }

    /// Counts one use less, dropping the string with its last use.
    pub(crate) fn release(&mut self, symbol: Symbol) {
        let Some(uses) = self.uses.get_mut(symbol as usize).filter(|u| **u > 0) else {
            return;
        };
        *uses -= 1;
        if *uses == 0
            && let Some(string) = self.strings[symbol as usize].take()
        {
            self.symbols.remove(&string);
            self.free.push(symbol);
        }
    }

    /// Strings in use.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.symbols.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_shared_counted_and_dropped_with_their_last_use() {
        let mut table = SymbolTable::default();
        let orders = table.intern("orders");
        let payments = table.intern("payments");
        assert_eq!(table.intern("orders"), orders);
        assert_eq!((orders, payments), (0, 1));
        assert_eq!(table.resolve(orders), "orders");
        table.release(orders);
        assert_eq!(table.lookup("orders"), Some(orders));
        table.release(orders);
        assert_eq!(table.lookup("orders"), None);
        assert_eq!(table.resolve(orders), "");
        assert_eq!(table.len(), 1);
        // The freed symbol is handed to the next new string.
        assert_eq!(table.intern("refunds"), orders);
        assert_eq!(table.resolve(orders), "refunds");
        table.release(payments);
        table.release(payments);
        assert_eq!(table.lookup("payments"), None);
        assert_eq!(table.intern("payments"), payments);
    }
}
