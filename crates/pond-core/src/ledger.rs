//! The ledger: append-only, double-entry, each entry with a deterministic
//! identity so that no reward can be posted twice, whatever is retried.
//!
//! An entry moves `amount` of `unit` from a debit account to a credit
//! account; a balance is credits minus debits over an account's entries, so
//! the sum over all accounts is always zero. Corrections are new entries.
//! The store keeps the same shape with `entry_key` under a UNIQUE
//! constraint; [`Ledger`] is the in-memory model its tests are checked against.

use crate::program::Side;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::fmt;

/// An account that holds balances.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Account {
    /// A member's own balance.
    Member(i64),
    /// Where rewards come from: the shop's obligation to its members.
    ShopRewards,
    /// Where redeemed value goes.
    ShopRedeemed,
}

impl fmt::Display for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Account::Member(id) => write!(f, "member:{id}"),
            Account::ShopRewards => f.write_str("shop:rewards"),
            Account::ShopRedeemed => f.write_str("shop:redeemed"),
        }
    }
}

/// What an entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// An approved referral reward.
    Reward,
    /// A base grant on joining a program.
    BaseGrant,
    /// A member spending their balance.
    Redemption,
}

impl Kind {
    /// The name used in the API and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Reward => "reward",
            Kind::BaseGrant => "base_grant",
            Kind::Redemption => "redemption",
        }
    }
}

/// The deterministic identity of an entry: the same fact always gives the
/// same key, and the database refuses a second entry with it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EntryKey(String);

impl EntryKey {
    /// A referral reward: (program, referral, side, stage, kind).
    pub fn reward(program: i64, referral: i64, side: Side, stage: &str) -> Self {
        EntryKey(format!(
            "reward/p{program}/r{referral}/{}/{stage}",
            side.as_str()
        ))
    }

    /// A base grant: one per member per program.
    pub fn base_grant(program: i64, member: i64) -> Self {
        EntryKey(format!("base_grant/p{program}/m{member}"))
    }

    /// A redemption, identified by the request that made it (an idempotency
    /// key or the shop's own redemption id).
    pub fn redemption(member: i64, request: &str) -> Self {
        EntryKey(format!("redemption/m{member}/{request}"))
    }

    /// The key as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One entry to append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posting {
    /// Its identity.
    pub key: EntryKey,
    /// What it records.
    pub kind: Kind,
    /// The account debited.
    pub debit: Account,
    /// The account credited.
    pub credit: Account,
    /// How much; always positive.
    pub amount: i64,
    /// Of what.
    pub unit: String,
}

impl Posting {
    /// Value from the shop to a member (reward or base grant).
    pub fn grant(key: EntryKey, kind: Kind, member: i64, amount: i64, unit: &str) -> Self {
        Posting {
            key,
            kind,
            debit: Account::ShopRewards,
            credit: Account::Member(member),
            amount,
            unit: unit.to_string(),
        }
    }

    /// A member spending `amount` of their balance.
    pub fn redemption(key: EntryKey, member: i64, amount: i64, unit: &str) -> Self {
        Posting {
            key,
            kind: Kind::Redemption,
            debit: Account::Member(member),
            credit: Account::ShopRedeemed,
            amount,
            unit: unit.to_string(),
        }
    }
}

/// Why a posting was not appended.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// An entry with this key exists: the fact is already recorded.
    #[error("entry {0} already exists")]
    Duplicate(String),
    /// It would take a member's balance below zero.
    #[error("insufficient balance: {available} {unit} available, {requested} requested")]
    Insufficient {
        /// The unit.
        unit: String,
        /// The balance before.
        available: i64,
        /// The amount asked for.
        requested: i64,
    },
    /// Amounts are positive; direction is given by debit and credit.
    #[error("amount must be positive")]
    NonPositive,
}

/// Checks a posting against the debited member's current balance; members
/// never go below zero, the shop's accounts may (they are the other side).
pub fn check(posting: &Posting, debit_balance: i64) -> Result<(), Refused> {
    if posting.amount <= 0 {
        return Err(Refused::NonPositive);
    }
    if matches!(posting.debit, Account::Member(_)) && debit_balance < posting.amount {
        return Err(Refused::Insufficient {
            unit: posting.unit.clone(),
            available: debit_balance,
            requested: posting.amount,
        });
    }
    Ok(())
}

/// An in-memory ledger with the store's rules: the model for property tests.
#[derive(Debug, Default)]
pub struct Ledger {
    entries: Vec<Posting>,
    keys: HashSet<EntryKey>,
    balances: HashMap<(Account, String), i64>,
}

impl Ledger {
    /// Appends a posting, or refuses it with the reason.
    pub fn post(&mut self, p: Posting) -> Result<(), Refused> {
        if self.keys.contains(&p.key) {
            return Err(Refused::Duplicate(p.key.0.clone()));
        }
        check(&p, self.balance(p.debit, &p.unit))?;
        *self.balances.entry((p.debit, p.unit.clone())).or_default() -= p.amount;
        *self.balances.entry((p.credit, p.unit.clone())).or_default() += p.amount;
        self.keys.insert(p.key.clone());
        self.entries.push(p);
        Ok(())
    }

    /// The running balance of an account in a unit.
    pub fn balance(&self, account: Account, unit: &str) -> i64 {
        self.balances
            .get(&(account, unit.to_string()))
            .copied()
            .unwrap_or(0)
    }

    /// The entries, in the order appended.
    pub fn entries(&self) -> &[Posting] {
        &self.entries
    }
}

/// A balance recomputed from entries alone: credits minus debits.
pub fn sum_of_entries(entries: &[Posting], account: Account, unit: &str) -> i64 {
    entries
        .iter()
        .filter(|e| e.unit == unit)
        .map(|e| {
            i64::from(e.credit == account) * e.amount - i64::from(e.debit == account) * e.amount
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Op {
        Reward {
            referral: i64,
            member: i64,
            amount: i64,
        },
        Redeem {
            member: i64,
            request: u8,
            amount: i64,
        },
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0..20i64, 0..4i64, 1..1000i64).prop_map(|(referral, member, amount)| Op::Reward {
                referral,
                member,
                amount
            }),
            (0..4i64, any::<u8>(), 1..1500i64).prop_map(|(member, request, amount)| Op::Redeem {
                member,
                request,
                amount
            }),
        ]
    }

    proptest! {
        /// Whatever is retried or redeemed, in any order: every key is
        /// posted once, balances equal the sum of entries, members never go
        /// negative, and all accounts together sum to zero.
        #[test]
        fn ledger_invariants(ops in proptest::collection::vec(op(), 0..200)) {
            let mut l = Ledger::default();
            for op in ops {
                let p = match op {
                    Op::Reward { referral, member, amount } => Posting::grant(
                        EntryKey::reward(1, referral, Side::Inviter, "qualified"),
                        Kind::Reward, member, amount, "MB"),
                    Op::Redeem { member, request, amount } => Posting::redemption(
                        EntryKey::redemption(member, &request.to_string()), member, amount, "MB"),
                };
                let _ = l.post(p);
            }
            let keys: HashSet<_> = l.entries().iter().map(|e| e.key.clone()).collect();
            prop_assert_eq!(keys.len(), l.entries().len());
            let mut total = 0;
            for acct in (0..4).map(Account::Member).chain([Account::ShopRewards, Account::ShopRedeemed]) {
                let b = l.balance(acct, "MB");
                prop_assert_eq!(b, sum_of_entries(l.entries(), acct, "MB"));
                if let Account::Member(_) = acct { prop_assert!(b >= 0); }
                total += b;
            }
            prop_assert_eq!(total, 0);
        }
    }

    #[test]
    fn a_retried_reward_is_refused_as_duplicate() {
        let mut l = Ledger::default();
        let p = Posting::grant(
            EntryKey::reward(1, 7, Side::Invitee, "qualified"),
            Kind::Reward,
            2,
            500,
            "MB",
        );
        l.post(p.clone()).unwrap();
        assert!(matches!(l.post(p), Err(Refused::Duplicate(_))));
        assert_eq!(l.balance(Account::Member(2), "MB"), 500);
    }

    #[test]
    fn redemptions_cannot_overdraw() {
        let mut l = Ledger::default();
        let r = Posting::redemption(EntryKey::redemption(1, "a"), 1, 5, "points");
        assert!(matches!(l.post(r), Err(Refused::Insufficient { .. })));
    }
}
