//! One conformance suite, run on SQLite always and on PostgreSQL when
//! `POND_TEST_DATABASE_URL` is set: the guarantees the rest of Pond relies on.

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is the failure message

use jiff::Timestamp;
use pond_core::identity::{IdentityKey, KeyKind, Region};
use pond_core::ledger::{Account, EntryKey, Kind, Ledger, Posting};
use pond_core::program::Side;
use pond_core::reward::Grant;
use pond_store::idempotency::Claim;
use pond_store::members::NewMember;
use pond_store::testing::TestDb;
use pond_store::{
    Store, StoreError, Tx, WriteFuture, events, idempotency, ledger, members, programs, referrals,
    rewards,
};

pond_store::both_backends!(
    migrations_are_repeatable,
    identity_keys_belong_to_one_member,
    a_member_is_referred_once,
    a_reward_exists_once,
    the_ledger_is_append_only_and_sums,
    idempotency_keys_store_one_response,
    events_are_recorded_once,
    store_ledger_matches_the_model,
    a_failed_change_rolls_back_alone,
);

/// Runs `op` in one write transaction, committed when it returns `Ok`.
async fn write<T, F>(s: &Store, op: F) -> T
where
    F: for<'t> FnOnce(&'t mut Tx) -> WriteFuture<'t, T, StoreError> + Send + 'static,
    T: Send + 'static,
{
    s.write(op).await.unwrap()
}

/// An error a test returns on purpose to roll its transaction back.
fn roll_back() -> StoreError {
    StoreError::Conflict("rolled back on purpose".into())
}

fn now() -> Timestamp {
    Timestamp::from_second(1_760_000_000).unwrap()
}

async fn member(s: &Store, phone: &str) -> i64 {
    let key = IdentityKey::parse(KeyKind::Phone, phone, Region::default()).unwrap();
    let new = NewMember {
        keys: vec![key],
        ..Default::default()
    };
    write(s, move |tx| {
        Box::pin(async move { members::insert(tx, &new, now()).await })
    })
    .await
}

async fn program(s: &Store) -> i64 {
    let spec = serde_json::from_value(serde_json::json!({
        "name": "p", "inviter_cap": 5, "qualifying": {"type": "signup"},
        "rewards": [{"side": "inviter", "depth": 1, "amount": 5, "unit": "points"}]
    }))
    .unwrap();
    write(s, move |tx| {
        Box::pin(async move { programs::insert(tx, &spec, &[], now()).await })
    })
    .await
}

async fn migrations_are_repeatable(db: TestDb) {
    let s = db.open().await;
    s.migrate().await.unwrap();
    let again = db.open().await;
    let mut tx = again.read().await.unwrap();
    assert_eq!(members::count(&mut tx).await.unwrap(), 0);
}

async fn identity_keys_belong_to_one_member(db: TestDb) {
    let s = db.open().await;
    let a = member(&s, "+8613800000001").await;
    let key = IdentityKey::parse(KeyKind::Phone, "138 0000 0001", Region::default()).unwrap();
    let mut tx = s.read().await.unwrap();
    assert_eq!(
        members::owner_of(&mut tx, KeyKind::Phone, &key.value)
            .await
            .unwrap(),
        Some(a)
    );
    drop(tx);
    let new = NewMember {
        keys: vec![key],
        ..Default::default()
    };
    let dup = s
        .write(move |tx| Box::pin(async move { members::insert(tx, &new, now()).await }))
        .await;
    assert!(
        matches!(dup, Err(StoreError::Conflict(ref k)) if k == "phone"),
        "{dup:?}"
    );
}

async fn a_member_is_referred_once(db: TestDb) {
    let s = db.open().await;
    let p = program(&s).await;
    let (a, b, c) = (
        member(&s, "+8613800000001").await,
        member(&s, "+8613800000002").await,
        member(&s, "+8613800000003").await,
    );
    write(&s, move |tx| {
        Box::pin(async move {
            let new = |inviter| referrals::NewReferral {
                program_id: p,
                inviter_id: inviter,
                invitee_id: c,
                link_id: None,
                source: pond_core::attribution::Source::Signup,
                reasons: vec![],
                ip_hash: None,
            };
            assert!(
                referrals::insert(tx, &new(a), now())
                    .await
                    .unwrap()
                    .is_some()
            );
            assert!(
                referrals::insert(tx, &new(b), now())
                    .await
                    .unwrap()
                    .is_none()
            );
            assert_eq!(referrals::inviter_of(tx, c).await.unwrap(), Some(a));
            Ok(())
        })
    })
    .await;
}

async fn a_reward_exists_once(db: TestDb) {
    let s = db.open().await;
    let p = program(&s).await;
    let (a, b) = (
        member(&s, "+8613800000001").await,
        member(&s, "+8613800000002").await,
    );
    write(&s, move |tx| {
        Box::pin(async move {
            let r = referrals::insert(
                tx,
                &referrals::NewReferral {
                    program_id: p,
                    inviter_id: a,
                    invitee_id: b,
                    link_id: None,
                    source: pond_core::attribution::Source::Signup,
                    reasons: vec![],
                    ip_hash: None,
                },
                now(),
            )
            .await
            .unwrap()
            .unwrap();
            let g = Grant {
                side: Side::Inviter,
                stage: "qualified".into(),
                amount: 5,
                unit: "points".into(),
                approve_after: now(),
            };
            let to = rewards::For {
                program: p,
                referral: r,
                member: a,
            };
            let pending = pond_core::reward::RewardStatus::Pending;
            let first = rewards::create(tx, to, &g, pending, now()).await.unwrap();
            assert_eq!(first.as_ref().map(|r| r.status), Some(pending));
            assert!(
                rewards::create(tx, to, &g, pending, now())
                    .await
                    .unwrap()
                    .is_none()
            );
            let id = first.unwrap().id;
            let approved =
                rewards::settle(tx, id, pond_core::reward::RewardStatus::Approved, now())
                    .await
                    .unwrap();
            assert_eq!(
                approved.map(|r| r.status),
                Some(pond_core::reward::RewardStatus::Approved)
            );
            let again = rewards::settle(tx, id, pond_core::reward::RewardStatus::Voided, now())
                .await
                .unwrap();
            assert!(again.is_none(), "only a pending reward settles");
            assert_eq!(rewards::inviter_rewarded(tx, p, a).await.unwrap(), 1);
            Ok(())
        })
    })
    .await;
}

async fn the_ledger_is_append_only_and_sums(db: TestDb) {
    let s = db.open().await;
    let a = member(&s, "+8613800000001").await;
    write(&s, move |tx| {
        Box::pin(async move {
            let grant = Posting::grant(
                EntryKey::reward(1, 1, Side::Inviter, "qualified"),
                Kind::Reward,
                a,
                500,
                "MB",
            );
            assert!(
                ledger::append(tx, &grant, &Default::default(), now())
                    .await
                    .unwrap()
            );
            assert!(
                !ledger::append(tx, &grant, &Default::default(), now())
                    .await
                    .unwrap()
            );
            let spend = Posting::redemption(EntryKey::redemption(a, "r1"), a, 120, "MB");
            assert!(
                ledger::append(tx, &spend, &Default::default(), now())
                    .await
                    .unwrap()
            );
            assert_eq!(
                ledger::balance(tx, Account::Member(a), "MB").await.unwrap(),
                380
            );
            assert_eq!(
                ledger::balances(tx, a).await.unwrap(),
                vec![("MB".to_string(), 380)]
            );
            assert_eq!(ledger::imbalance(tx).await.unwrap(), 0);
            Ok(())
        })
    })
    .await;
    // Corrections are new entries: the database itself refuses edits.
    let edit = s
        .write(|tx| {
            Box::pin(async move {
                pond_store::on_conn!(tx, |c| sqlx::query("UPDATE ledger_entries SET amount = 1")
                    .execute(c)
                    .await
                    .map(|_| ()))
                .map_err(StoreError::from)
            })
        })
        .await;
    assert!(edit.is_err(), "an UPDATE of the ledger must fail");
}

async fn idempotency_keys_store_one_response(db: TestDb) {
    let s = db.open().await;
    write(&s, |tx| {
        Box::pin(async move {
            assert_eq!(
                idempotency::claim(tx, "k", "h1", now()).await.unwrap(),
                Claim::Fresh
            );
            idempotency::complete(tx, "k", 201, "{\"ok\":true}")
                .await
                .unwrap();
            Ok(())
        })
    })
    .await;
    let rolled = s
        .write(|tx| {
            Box::pin(async move {
                let stored = idempotency::claim(tx, "k", "h2", now()).await.unwrap();
                assert_eq!(
                    stored,
                    Claim::Stored {
                        request_hash: "h1".into(),
                        status: 201,
                        body: "{\"ok\":true}".into()
                    }
                );
                // A claim rolled back leaves the key free.
                assert_eq!(
                    idempotency::claim(tx, "k2", "h", now()).await.unwrap(),
                    Claim::Fresh
                );
                Err::<(), _>(roll_back())
            })
        })
        .await;
    assert!(matches!(rolled, Err(StoreError::Conflict(_))), "{rolled:?}");
    write(&s, |tx| {
        Box::pin(async move {
            assert_eq!(
                idempotency::claim(tx, "k2", "h", now()).await.unwrap(),
                Claim::Fresh
            );
            assert_eq!(
                idempotency::prune(tx, now() + jiff::SignedDuration::from_hours(25))
                    .await
                    .unwrap(),
                2
            );
            Ok(())
        })
    })
    .await;
}

async fn events_are_recorded_once(db: TestDb) {
    let s = db.open().await;
    let a = member(&s, "+8613800000001").await;
    write(&s, move |tx| {
        Box::pin(async move {
            let paid = events::NewEvent {
                external_id: None,
                kind: "order.paid",
                member_id: a,
                order_id: Some("o1"),
                amount: Some(100),
                occurred_at: now(),
            };
            let first = events::record(tx, &paid, now()).await.unwrap();
            assert!(first.is_some());
            assert!(events::record(tx, &paid, now()).await.unwrap().is_none());
            let refund = events::NewEvent {
                kind: "order.refunded",
                amount: None,
                ..paid.clone()
            };
            assert!(events::record(tx, &refund, now()).await.unwrap().is_some());
            let custom = events::NewEvent {
                external_id: Some("evt-1"),
                kind: "activated",
                order_id: None,
                amount: None,
                ..paid.clone()
            };
            assert!(events::record(tx, &custom, now()).await.unwrap().is_some());
            assert!(events::record(tx, &custom, now()).await.unwrap().is_none());
            assert_eq!(
                events::existing(tx, None, "order.paid", Some("o1"))
                    .await
                    .unwrap()
                    .map(|e| e.0),
                first
            );
            assert!(
                events::paid_before(tx, a, now() + jiff::SignedDuration::from_secs(1))
                    .await
                    .unwrap()
            );
            Ok(())
        })
    })
    .await;
}

/// Random grants and redemptions, with retries, through the store and the
/// in-memory model of `pond-core`: the same entries are refused, the same
/// balances result, and the database never shows a negative member balance.
async fn store_ledger_matches_the_model(db: TestDb) {
    use rand::{Rng, SeedableRng};
    let s = db.open().await;
    let ids = [
        member(&s, "+8613800000001").await,
        member(&s, "+8613800000002").await,
    ];
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let mut model = Ledger::default();
    for _ in 0..300 {
        let m = ids[rng.random_range(0..2)];
        let p = if rng.random_bool(0.6) {
            Posting::grant(
                EntryKey::reward(1, rng.random_range(0..40), Side::Invitee, "qualified"),
                Kind::Reward,
                m,
                rng.random_range(1..100),
                "points",
            )
        } else {
            Posting::redemption(
                EntryKey::redemption(m, &rng.random_range(0..60).to_string()),
                m,
                rng.random_range(1..150),
                "points",
            )
        };
        let expected = model.post(p.clone()).is_ok();
        let posting = p.clone();
        let ok = write(&s, move |tx| {
            Box::pin(async move {
                let p = posting;
                pond_store::lock_member(tx, m).await?;
                let balance = ledger::balance(tx, p.debit, &p.unit).await?;
                let fresh = ledger::by_key(tx, p.key.as_str()).await?.is_none();
                let ok = fresh && pond_core::ledger::check(&p, balance).is_ok();
                if ok {
                    assert!(ledger::append(tx, &p, &Default::default(), now()).await?);
                }
                Ok(ok)
            })
        })
        .await;
        assert_eq!(ok, expected, "store and model disagree on {p:?}");
    }
    let mut tx = s.read().await.unwrap();
    for m in ids {
        let stored = ledger::balance(&mut tx, Account::Member(m), "points")
            .await
            .unwrap();
        assert_eq!(stored, model.balance(Account::Member(m), "points"));
        assert!(stored >= 0);
    }
    assert_eq!(ledger::imbalance(&mut tx).await.unwrap(), 0);
}

/// Changes that share a commit on SQLite's writer: one that fails rolls back
/// alone, and every change that succeeded is kept.
async fn a_failed_change_rolls_back_alone(db: TestDb) {
    let s = db.open().await;
    let mut tasks = Vec::new();
    for i in 0..60u32 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            s.write(move |tx| {
                Box::pin(async move {
                    let phone = |n: u32| {
                        let p = format!("+861380000{n:04}");
                        IdentityKey::parse(KeyKind::Phone, &p, Region::default()).unwrap()
                    };
                    let one = |n| NewMember {
                        keys: vec![phone(n)],
                        ..Default::default()
                    };
                    members::insert(tx, &one(i), now()).await?;
                    if i % 4 == 0 {
                        // The same phone again: refused, and this change's
                        // first member must vanish with it.
                        members::insert(tx, &one(i), now()).await?;
                    }
                    Ok::<_, StoreError>(i)
                })
            })
            .await
        }));
    }
    let mut failed = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(i) => assert_ne!(i % 4, 0),
            Err(StoreError::Conflict(_)) => failed += 1,
            Err(e) => panic!("unexpected error: {e}"),
        }
    }
    assert_eq!(failed, 15);
    let mut tx = s.read().await.unwrap();
    assert_eq!(members::count(&mut tx).await.unwrap(), 45);
}

/// A change that panics fails alone; the writer goes on serving.
#[tokio::test]
async fn a_panicking_change_does_not_stop_the_writer() {
    let db = TestDb::sqlite();
    let s = db.open().await;
    let boom = s
        .write(|_tx| Box::pin(async move { panic!("a bug in a change") }))
        .await;
    assert!(
        matches!(boom, Err::<(), _>(StoreError::Unavailable(_))),
        "{boom:?}"
    );
    assert_eq!(member(&s, "+8613800000001").await, 1);
}

/// A write started from inside another write is refused, not deadlocked.
#[tokio::test]
async fn a_nested_write_is_refused() {
    let db = TestDb::sqlite();
    let s = db.open().await;
    let inner = s.clone();
    let nested = s
        .write(move |_tx| {
            Box::pin(async move {
                inner
                    .write(|_tx| Box::pin(async move { Ok::<_, StoreError>(()) }))
                    .await
            })
        })
        .await;
    assert!(
        matches!(nested, Err(StoreError::Unavailable(_))),
        "{nested:?}"
    );
}
