//! Referrals: who brought whom, into which program, and where review stands.

use crate::time::{ms, ts};
use crate::{Result, StoreError, Tx, on_conn};
use jiff::Timestamp;
use pond_core::attribution::Source;
use pond_core::fraud::Reason;
use pond_core::referral::{Review, Status};

/// A stored referral.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Referral {
    /// Pond's id.
    pub id: i64,
    /// The program.
    pub program_id: i64,
    /// Who shared.
    pub inviter_id: i64,
    /// Who came.
    pub invitee_id: i64,
    /// The link used, if any.
    pub link_id: Option<i64>,
    /// How it was attributed.
    pub source: Source,
    /// How far it has come.
    pub status: Status,
    /// Where review stands.
    pub review: Review,
    /// Why it was flagged.
    pub reasons: Vec<Reason>,
    /// When it was attributed (the first touch).
    pub attributed_at: Timestamp,
    /// When it qualified.
    pub qualified_at: Option<Timestamp>,
    /// What qualified it: an order id or event id, so a refund can find it.
    pub qualifying_ref: Option<String>,
    /// When a person reviewed it.
    pub reviewed_at: Option<Timestamp>,
    /// The reviewer's note.
    pub review_note: Option<String>,
}

/// A referral to record.
#[derive(Debug, Clone)]
pub struct NewReferral {
    /// The program.
    pub program_id: i64,
    /// Who shared.
    pub inviter_id: i64,
    /// Who came.
    pub invitee_id: i64,
    /// The link used.
    pub link_id: Option<i64>,
    /// How.
    pub source: Source,
    /// Flags from fraud review; non-empty means flagged.
    pub reasons: Vec<Reason>,
    /// The invitee's hashed IP, for burst counting.
    pub ip_hash: Option<String>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    program_id: i64,
    inviter_id: i64,
    invitee_id: i64,
    link_id: Option<i64>,
    source: String,
    status: String,
    review: String,
    reasons: String,
    attributed_at: i64,
    qualified_at: Option<i64>,
    qualifying_ref: Option<String>,
    reviewed_at: Option<i64>,
    review_note: Option<String>,
}

const COLUMNS: &str = "id, program_id, inviter_id, invitee_id, link_id, source, status, review, \
                       reasons, attributed_at, qualified_at, qualifying_ref, reviewed_at, review_note";

fn decode(r: Row) -> Result<Referral> {
    let bad = |what: &str, v: &str| StoreError::Corrupt(format!("referral {}: {what} `{v}`", r.id));
    let reasons = r
        .reasons
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| Reason::parse(s).ok_or_else(|| bad("reason", s)))
        .collect::<Result<_>>()?;
    Ok(Referral {
        id: r.id,
        program_id: r.program_id,
        inviter_id: r.inviter_id,
        invitee_id: r.invitee_id,
        link_id: r.link_id,
        source: Source::parse(&r.source).ok_or_else(|| bad("source", &r.source))?,
        status: Status::parse(&r.status).ok_or_else(|| bad("status", &r.status))?,
        review: Review::parse(&r.review).ok_or_else(|| bad("review", &r.review))?,
        reasons,
        attributed_at: ts(r.attributed_at),
        qualified_at: r.qualified_at.map(ts),
        qualifying_ref: r.qualifying_ref,
        reviewed_at: r.reviewed_at.map(ts),
        review_note: r.review_note,
    })
}

/// Records a referral unless the invitee already has one (the first touch
/// wins); answers the new id, or `None` when one existed.
pub async fn insert(tx: &mut Tx, r: &NewReferral, at: Timestamp) -> Result<Option<i64>> {
    let reasons: Vec<&str> = r.reasons.iter().map(|x| x.as_str()).collect();
    let review = if r.reasons.is_empty() {
        Review::Clear
    } else {
        Review::Flagged
    };
    Ok(on_conn!(tx, |c| {
        sqlx::query_scalar(
        "INSERT INTO referrals (program_id, inviter_id, invitee_id, link_id, source, status, review,
                                reasons, ip_hash, attributed_at)
         VALUES ($1, $2, $3, $4, $5, 'attributed', $6, $7, $8, $9)
         ON CONFLICT (invitee_id) DO NOTHING RETURNING id"
    )
    .bind(r.program_id)
    .bind(r.inviter_id)
    .bind(r.invitee_id)
    .bind(r.link_id)
    .bind(r.source.as_str())
    .bind(review.as_str())
    .bind(reasons.join(","))
    .bind(&r.ip_hash)
    .bind(ms(at))
    .fetch_optional(c)
    .await
    })?)
}

/// One referral.
pub async fn get(tx: &mut Tx, id: i64) -> Result<Option<Referral>> {
    let sql = format!("SELECT {COLUMNS} FROM referrals WHERE id = $1");
    let row: Option<Row> = on_conn!(tx, |c| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(c)
        .await)?;
    row.map(decode).transpose()
}

/// The referral that brought this member, if any.
pub async fn of_invitee(tx: &mut Tx, member: i64) -> Result<Option<Referral>> {
    let sql = format!("SELECT {COLUMNS} FROM referrals WHERE invitee_id = $1");
    let row: Option<Row> = on_conn!(tx, |c| sqlx::query_as(&sql)
        .bind(member)
        .fetch_optional(c)
        .await)?;
    row.map(decode).transpose()
}

/// The qualified referral whose qualifying order or event was `reference`.
pub async fn by_qualifying_ref(
    tx: &mut Tx,
    member: i64,
    reference: &str,
) -> Result<Option<Referral>> {
    let sql =
        format!("SELECT {COLUMNS} FROM referrals WHERE invitee_id = $1 AND qualifying_ref = $2");
    let row: Option<Row> = on_conn!(tx, |c| sqlx::query_as(&sql)
        .bind(member)
        .bind(reference)
        .fetch_optional(c)
        .await)?;
    row.map(decode).transpose()
}

/// A filter for listing referrals.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only this review state (`flagged` is the review queue).
    pub review: Option<Review>,
    /// Only this status.
    pub status: Option<Status>,
    /// Only this program.
    pub program_id: Option<i64>,
    /// Only this inviter.
    pub inviter_id: Option<i64>,
    /// Page: ids below this one.
    pub before: Option<i64>,
    /// At most this many.
    pub limit: i64,
}

/// Referrals matching the filter, newest first.
pub async fn list(tx: &mut Tx, f: &Filter) -> Result<Vec<Referral>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM referrals
         WHERE ($1 IS NULL OR review = $1) AND ($2 IS NULL OR status = $2)
           AND ($3 IS NULL OR program_id = $3) AND ($4 IS NULL OR inviter_id = $4)
           AND ($5 IS NULL OR id < $5)
         ORDER BY id DESC LIMIT $6"
    );
    let rows: Vec<Row> = on_conn!(tx, |c| sqlx::query_as(&sql)
        .bind(f.review.map(Review::as_str))
        .bind(f.status.map(Status::as_str))
        .bind(f.program_id)
        .bind(f.inviter_id)
        .bind(f.before)
        .bind(f.limit)
        .fetch_all(c)
        .await)?;
    rows.into_iter().map(decode).collect()
}

/// Marks an attributed referral qualified; false if it was not attributed
/// (already qualified or rejected), which makes qualification happen once.
pub async fn mark_qualified(tx: &mut Tx, id: i64, reference: &str, at: Timestamp) -> Result<bool> {
    let done = on_conn!(tx, |c| sqlx::query(
        "UPDATE referrals SET status = 'qualified', qualified_at = $2, qualifying_ref = $3
         WHERE id = $1 AND status = 'attributed'"
    )
    .bind(id)
    .bind(ms(at))
    .bind(reference)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

/// Records a reviewer's decision on a flagged referral; false if it was not
/// waiting for review. A rejection also rejects the referral.
pub async fn decide_review(
    tx: &mut Tx,
    id: i64,
    decision: Review,
    note: Option<&str>,
    at: Timestamp,
) -> Result<bool> {
    let done = on_conn!(tx, |c| sqlx::query(
        "UPDATE referrals SET review = $2, review_note = $3, reviewed_at = $4,
                status = CASE WHEN $2 = 'rejected' THEN 'rejected' ELSE status END
         WHERE id = $1 AND review = 'flagged'"
    )
    .bind(id)
    .bind(decision.as_str())
    .bind(note)
    .bind(ms(at))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

/// Referrals attributed since `since` whose invitee signed up from `ip_hash`.
pub async fn count_from_ip(tx: &mut Tx, ip_hash: &str, since: Timestamp) -> Result<u32> {
    let n: i64 = on_conn!(tx, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM referrals WHERE ip_hash = $1 AND attributed_at >= $2"
    )
    .bind(ip_hash)
    .bind(ms(since))
    .fetch_one(c)
    .await)?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// Who referred this member, if anyone (the edge upward in the forest).
pub async fn inviter_of(tx: &mut Tx, member: i64) -> Result<Option<i64>> {
    Ok(on_conn!(tx, |c| sqlx::query_scalar(
        "SELECT inviter_id FROM referrals WHERE invitee_id = $1"
    )
    .bind(member)
    .fetch_optional(c)
    .await)?)
}

/// How many referrals there are in each review state (for the console).
pub async fn count_by_review(tx: &mut Tx, review: Review) -> Result<i64> {
    Ok(on_conn!(tx, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM referrals WHERE review = $1"
    )
    .bind(review.as_str())
    .fetch_one(c)
    .await)?)
}

/// The latest review decisions (approved or rejected), most recent first:
/// the console's record under its review queue.
pub async fn reviewed(tx: &mut Tx, limit: i64) -> Result<Vec<Referral>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM referrals
         WHERE review IN ('approved', 'rejected') AND reviewed_at IS NOT NULL
         ORDER BY reviewed_at DESC, id DESC LIMIT $1"
    );
    let rows: Vec<Row> = on_conn!(tx, |c| sqlx::query_as(&sql).bind(limit).fetch_all(c).await)?;
    rows.into_iter().map(decode).collect()
}
