//! Members: created with identity keys, optionally referred at signup.

use crate::Pond;
use crate::error::{Error, Result};
use crate::referrals::{self, Attributed, ReferralView};
use jiff::Timestamp;
use pond_core::attribution::Source;
use pond_core::heard_from::HeardFrom;
use pond_core::identity::{IdentityKey, KeyKind};
use pond_core::ledger::{EntryKey, Kind, Posting};
use pond_store::members::{Member, NewMember};
use pond_store::{Tx, members as store, programs};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// A member to create. At least one identity key is required.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberInput {
    /// The shop's own customer id.
    #[serde(default)]
    pub external_id: Option<String>,
    /// A phone; numbers without `+` are read in the shop's region.
    #[serde(default)]
    pub phone: Option<String>,
    /// An email address.
    #[serde(default)]
    pub email: Option<String>,
    /// A WeChat unionid.
    #[serde(default)]
    pub wechat_unionid: Option<String>,
    /// A WeChat openid.
    #[serde(default)]
    pub wechat_openid: Option<String>,
    /// A display name, at most 200 characters.
    #[serde(default)]
    #[schema(max_length = 200)]
    pub name: Option<String>,
    /// The code of the link that brought them, if any.
    #[serde(default)]
    pub referral_code: Option<String>,
    /// Whether they bought from the shop before (a referral of them is flagged).
    #[serde(default)]
    pub existing_customer: bool,
    /// The IP they signed up from (stored only as a keyed hash).
    #[serde(default)]
    pub ip: Option<String>,
    /// Their device id (stored only as a keyed hash).
    #[serde(default)]
    pub device_id: Option<String>,
    /// Their answer to "how did you hear about us?": `friend`, `group`,
    /// `ad`, `walk_in` or `other`. `friend` without a referral counts as
    /// an organic referral in the growth report.
    #[serde(default)]
    pub heard_from: Option<HeardFrom>,
}

/// A member as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberView {
    /// Pond's id.
    pub id: i64,
    /// Display name.
    pub name: Option<String>,
    /// Identity keys by kind, normalised (E.164 phones, lower-case email).
    pub keys: BTreeMap<String, String>,
    /// Whether the shop marked them as a customer from before.
    pub existing_customer: bool,
    /// When they joined (RFC 3339).
    pub created_at: String,
    /// Their answer to "how did you hear about us?", if given.
    pub heard_from: Option<HeardFrom>,
    /// The referral that brought them, if any.
    pub referral: Option<ReferralView>,
    /// Why a code given at signup did not attribute, if it did not.
    pub attribution_error: Option<String>,
}

impl MemberInput {
    fn keys(&self, app: &Pond) -> Result<Vec<IdentityKey>> {
        let given = [
            (KeyKind::ExternalId, &self.external_id),
            (KeyKind::Phone, &self.phone),
            (KeyKind::Email, &self.email),
            (KeyKind::WechatUnionid, &self.wechat_unionid),
            (KeyKind::WechatOpenid, &self.wechat_openid),
        ];
        let keys = given
            .into_iter()
            .filter_map(|(k, v)| v.as_ref().map(|v| (k, v)))
            .map(|(k, v)| {
                IdentityKey::parse(k, v, app.config.region)
                    .map_err(|e| Error::from(e).field(k.as_str()))
            })
            .collect::<Result<Vec<_>>>()?;
        if keys.is_empty() {
            return Err(Error::invalid(
                "missing_identity",
                "give at least one of external_id, phone, email, wechat_unionid, wechat_openid",
            ));
        }
        Ok(keys)
    }
}

/// Creates a member, grants base grants of open programs, and attributes
/// them when a referral code came with the signup.
#[tracing::instrument(skip_all)]
pub async fn create(
    app: &Pond,
    tx: &mut Tx,
    input: MemberInput,
    now: Timestamp,
) -> Result<MemberView> {
    let keys = input.keys(app)?;
    if input.name.as_ref().is_some_and(|n| n.chars().count() > 200) {
        return Err(
            Error::invalid("invalid_name", "a name is at most 200 characters").field("name"),
        );
    }
    for k in &keys {
        if let Some(owner) = store::owner_of(tx, k.kind, &k.value).await? {
            return Err(Error::conflict(
                "identity_taken",
                format!("this {} belongs to member {owner}", k.kind.as_str()),
            )
            .field(k.kind.as_str()));
        }
    }
    let new = NewMember {
        name: input
            .name
            .as_ref()
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty()),
        existing_customer: input.existing_customer,
        ip_hash: input.ip.as_deref().map(|v| app.hash(v.trim())),
        device_hash: input.device_id.as_deref().map(|v| app.hash(v.trim())),
        keys,
        heard_from: input.heard_from,
    };
    let id = store::insert(tx, &new, now).await?;
    for p in programs::active(tx).await? {
        if let (Some(g), true) = (&p.spec.base_grant, p.spec.is_open(now)) {
            let posting = Posting::grant(
                EntryKey::base_grant(p.id, id),
                Kind::BaseGrant,
                id,
                g.amount,
                &g.unit,
            );
            let cx = pond_store::ledger::Context {
                program_id: Some(p.id),
                ..Default::default()
            };
            pond_store::ledger::append(tx, &posting, &cx, now).await?;
        }
    }
    let mut attribution_error = None;
    if let Some(code) = &input.referral_code {
        let touch = referrals::touch_by_code(tx, code, Source::Signup).await?;
        match referrals::attribute(app, tx, id, &touch, now).await {
            Ok(Attributed::New(r) | Attributed::Existing(r)) => {
                let program = programs::get(tx, r.program_id)
                    .await?
                    .ok_or_else(|| Error::not_found("program"))?;
                if program.spec.qualifying.is_met_by("signup", None) {
                    referrals::qualify(tx, &r, &program.spec, "signup", now, now).await?;
                }
            }
            // The member still joins; the shop hears why the code did not count.
            Err(e) if e.is_refusal() => attribution_error = Some(e.code().to_string()),
            Err(e) => return Err(e),
        }
    }
    let mut v = get(tx, id).await?;
    v.attribution_error = attribution_error;
    Ok(v)
}

/// One member with their referral.
pub async fn get(tx: &mut Tx, id: i64) -> Result<MemberView> {
    let m = store::get(tx, id)
        .await?
        .ok_or_else(|| Error::not_found("member"))?;
    view(tx, m).await
}

/// Builds the view of a member.
pub async fn view(tx: &mut Tx, m: Member) -> Result<MemberView> {
    let referral = match pond_store::referrals::of_invitee(tx, m.id).await? {
        Some(r) => Some(referrals::view(tx, r).await?),
        None => None,
    };
    Ok(MemberView {
        id: m.id,
        name: m.name,
        keys: m
            .keys
            .into_iter()
            .map(|(k, v)| (k.as_str().to_string(), v))
            .collect(),
        existing_customer: m.existing_customer,
        created_at: m.created_at.to_string(),
        heard_from: m.heard_from,
        referral,
        attribution_error: None,
    })
}

/// Members whose name or identity key contains `q`, newest first, below
/// id `before`.
pub async fn search(
    pond: &Pond,
    q: Option<&str>,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<MemberView>> {
    let mut tx = pond.store.read().await?;
    let found = store::search(&mut tx, q, before, limit).await?;
    let mut out = Vec::with_capacity(found.len());
    for m in found {
        out.push(view(&mut tx, m).await?);
    }
    Ok(out)
}

/// One member, read on its own.
pub async fn one(pond: &Pond, id: i64) -> Result<MemberView> {
    let mut tx = pond.store.read().await?;
    get(&mut tx, id).await
}

/// Refuses a member id that names nobody.
pub async fn exists(tx: &mut Tx, id: i64) -> Result<()> {
    match store::get(tx, id).await? {
        Some(_) => Ok(()),
        None => Err(Error::not_found("member")),
    }
}

/// A sign-up from the hosted join page: the member, attributed to their
/// inviter's code, and their consent to `notice` recorded with the hash of
/// the address they agreed from, in one write.
#[tracing::instrument(skip_all)]
pub async fn join(
    pond: &Pond,
    input: MemberInput,
    notice: &'static str,
    ip_hash: String,
    now: Timestamp,
) -> Result<MemberView> {
    let a = pond.clone();
    pond.store
        .write(move |tx| {
            Box::pin(async move {
                let member = create(&a, tx, input, now).await?;
                pond_store::consents::record(tx, member.id, notice, Some(&ip_hash), now).await?;
                Ok(member)
            })
        })
        .await
}
