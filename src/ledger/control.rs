//! Interchange, group and transaction-set control numbers (ISA13, GS06, ST02).
//!
//! Trading partners reject an interchange whose ISA13 they have seen before, so numbers are
//! allocated per sender/receiver pair from the ledger and committed *before* the file is written:
//! a run that crashes afterwards burns its numbers, and the next run gets fresh ones. A number is
//! never handed out twice.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

use super::{LedgerError, Result};

/// Which control number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ControlKind {
    /// ISA13, 9 digits.
    Interchange,
    /// GS06, up to 9 digits.
    Group,
    /// ST02, 4 to 9 characters; claimkit uses digits, zero-padded to 4.
    Transaction,
}

impl ControlKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ControlKind::Interchange => "ISA13",
            ControlKind::Group => "GS06",
            ControlKind::Transaction => "ST02",
        }
    }

    pub fn max(self) -> u64 {
        999_999_999
    }
}

/// The numbers of one interchange holding one group of `transactions` sets.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ControlNumbers {
    pub interchange: u64,
    pub group: u64,
    /// ST02 of each transaction set, as written.
    pub transactions: Vec<String>,
}

/// Allocates `count` consecutive numbers of `kind` for `sender -> receiver` and commits at once.
pub fn allocate(
    conn: &mut Connection,
    sender: &str,
    receiver: &str,
    kind: ControlKind,
    count: u64,
) -> Result<std::ops::RangeInclusive<u64>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let range = allocate_in(&tx, sender, receiver, kind, count)?;
    tx.commit()?;
    Ok(range)
}

fn allocate_in(
    tx: &rusqlite::Transaction<'_>,
    sender: &str,
    receiver: &str,
    kind: ControlKind,
    count: u64,
) -> Result<std::ops::RangeInclusive<u64>> {
    let last: u64 = tx
        .query_row(
            "SELECT last_value FROM control_numbers WHERE sender = ?1 AND receiver = ?2 AND kind = ?3",
            [sender, receiver, kind.as_str()],
            |r| r.get::<_, i64>(0),
        )
        .optional()?
        .map_or(0, |v| v as u64);
    let first = last + 1;
    let end = last + count.max(1);
    if end > kind.max() {
        return Err(LedgerError::ControlNumbersExhausted {
            kind: kind.as_str(),
            sender: sender.into(),
            receiver: receiver.into(),
            max: kind.max(),
        });
    }
    tx.execute(
        "INSERT INTO control_numbers (sender, receiver, kind, last_value) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (sender, receiver, kind) DO UPDATE SET last_value = excluded.last_value",
        rusqlite::params![sender, receiver, kind.as_str(), end as i64],
    )?;
    Ok(first..=end)
}

/// Allocates an ISA13, a GS06 and `transactions` ST02 numbers in one committed transaction.
pub fn allocate_envelope(
    conn: &mut Connection,
    sender: &str,
    receiver: &str,
    transactions: u64,
) -> Result<ControlNumbers> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let isa = *allocate_in(&tx, sender, receiver, ControlKind::Interchange, 1)?.start();
    let gs = *allocate_in(&tx, sender, receiver, ControlKind::Group, 1)?.start();
    let st = allocate_in(&tx, sender, receiver, ControlKind::Transaction, transactions)?;
    tx.commit()?;
    Ok(ControlNumbers { interchange: isa, group: gs, transactions: st.map(|n| format!("{n:04}")).collect() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::Ledger;

    #[test]
    fn numbers_are_never_reused_and_are_kept_per_partner_pair() {
        let mut ledger = Ledger::open_in_memory().unwrap();
        let a = allocate_envelope(ledger.conn_mut(), "SUBMITTER", "CLEARINGHOUSE", 2).unwrap();
        let b = allocate_envelope(ledger.conn_mut(), "SUBMITTER", "CLEARINGHOUSE", 1).unwrap();
        let other = allocate_envelope(ledger.conn_mut(), "SUBMITTER", "OTHER", 1).unwrap();
        assert_eq!(
            (a.interchange, a.group, a.transactions.clone()),
            (1, 1, vec!["0001".to_string(), "0002".to_string()])
        );
        assert_eq!((b.interchange, b.group, b.transactions), (2, 2, vec!["0003".to_string()]));
        assert_eq!(other.interchange, 1);
    }

    #[test]
    fn numbers_survive_a_reopen_after_a_crash() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l.db");
        {
            let mut ledger = Ledger::open(&path).unwrap();
            allocate(ledger.conn_mut(), "S", "R", ControlKind::Interchange, 1).unwrap();
            // The run "crashes" here: nothing else is committed.
        }
        let mut ledger = Ledger::open(&path).unwrap();
        assert_eq!(allocate(ledger.conn_mut(), "S", "R", ControlKind::Interchange, 1).unwrap(), 2..=2);
    }

    #[test]
    fn exhaustion_is_an_error_not_a_wrap() {
        let mut ledger = Ledger::open_in_memory().unwrap();
        ledger.conn().execute("INSERT INTO control_numbers VALUES ('S', 'R', 'ISA13', 999999999)", []).unwrap();
        assert!(matches!(
            allocate(ledger.conn_mut(), "S", "R", ControlKind::Interchange, 1),
            Err(LedgerError::ControlNumbersExhausted { .. })
        ));
    }
}
