//! Forgetting what the retention settings say must go, in every copy:
//! chat text lives on in complaint alerts and in the bodies of webhook
//! messages (`complaint.raised` carries it), and the delivery log would
//! otherwise grow for good.

use crate::{Result, Tx, on_conn};

/// Messages whose bodies are rewritten per call: bounded so one pass never
/// holds the writer long; the job comes back for the rest.
const BATCH: i64 = 500;

/// Empties the text of complaint alerts about messages sent before
/// `before` (ms). The alert itself (its group, score, state) stays.
pub async fn forget_alert_text(tx: &mut Tx, before: i64) -> Result<u64> {
    Ok(on_conn!(tx, |c| sqlx::query(
        "UPDATE complaint_alerts SET text = '' WHERE event_at < $1 AND text <> ''"
    )
    .bind(before)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?)
}

/// Webhook messages created before `before` (ms) whose body still holds a
/// `"text"` field: their ids and bodies, a batch at a time.
pub async fn messages_with_text(tx: &mut Tx, before: i64) -> Result<Vec<(i64, String)>> {
    Ok(on_conn!(tx, |c| sqlx::query_as(
        "SELECT id, body FROM webhook_messages
         WHERE created_at < $1 AND body LIKE '%\"text\":\"%' ORDER BY id LIMIT $2"
    )
    .bind(before)
    .bind(BATCH)
    .fetch_all(c)
    .await)?)
}

/// Replaces a stored webhook message's body.
pub async fn set_message_body(tx: &mut Tx, id: i64, body: &str) -> Result<()> {
    on_conn!(tx, |c| sqlx::query(
        "UPDATE webhook_messages SET body = $1 WHERE id = $2"
    )
    .bind(body)
    .bind(id)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Deletes the delivery log older than `before` (ms): finished deliveries
/// (delivered or failed) with their attempts, then messages no delivery
/// refers to any more. Pending deliveries are kept whatever their age.
pub async fn prune_deliveries(tx: &mut Tx, before: i64) -> Result<u64> {
    on_conn!(tx, |c| sqlx::query(
        "DELETE FROM webhook_attempts WHERE delivery_id IN (
            SELECT id FROM webhook_deliveries
            WHERE state <> 'pending' AND created_at < $1)"
    )
    .bind(before)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    let deliveries = on_conn!(tx, |c| sqlx::query(
        "DELETE FROM webhook_deliveries WHERE state <> 'pending' AND created_at < $1"
    )
    .bind(before)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    on_conn!(tx, |c| {
        sqlx::query(
        "DELETE FROM webhook_messages WHERE created_at < $1
           AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.message_id = webhook_messages.id)"
    )
    .bind(before)
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(deliveries)
}
