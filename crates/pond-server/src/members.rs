//! Members: created with identity keys, optionally referred at signup.

use crate::App;
use crate::error::{ApiError, ApiResult};
use crate::referrals::{self, Attributed, ReferralView};
use jiff::Timestamp;
use pond_core::attribution::Source;
use pond_core::heard_from::HeardFrom;
use pond_core::identity::{IdentityKey, KeyKind};
use pond_core::ledger::{EntryKey, Kind, Posting};
use pond_core::program::Qualifying;
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
    /// A display name.
    #[serde(default)]
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
    /// The shop's tags on them, alphabetical.
    pub tags: Vec<String>,
    /// When they were erased (RFC 3339): the member is then a tombstone.
    pub erased_at: Option<String>,
}

impl MemberInput {
    fn keys(&self, app: &App) -> ApiResult<Vec<IdentityKey>> {
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
                    .map_err(|e| ApiError::from(e).field(k.as_str()))
            })
            .collect::<ApiResult<Vec<_>>>()?;
        if keys.is_empty() {
            return Err(ApiError::unprocessable(
                "missing_identity",
                "give at least one of external_id, phone, email, wechat_unionid, wechat_openid",
            ));
        }
        Ok(keys)
    }
}

/// Creates a member, grants base grants of open programs, and attributes
/// them when a referral code came with the signup.
pub async fn create(
    app: &App,
    tx: &mut Tx,
    input: MemberInput,
    now: Timestamp,
) -> ApiResult<MemberView> {
    let keys = input.keys(app)?;
    if input.name.as_ref().is_some_and(|n| n.chars().count() > 200) {
        return Err(
            ApiError::unprocessable("invalid_name", "a name is at most 200 characters")
                .field("name"),
        );
    }
    for k in &keys {
        if let Some(owner) = store::owner_of(tx, k.kind, &k.value).await? {
            return Err(ApiError::conflict(
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
                    .ok_or_else(|| ApiError::not_found("program"))?;
                if program.spec.qualifying == Qualifying::Signup {
                    referrals::qualify(tx, &r, &program.spec, "signup", now, now).await?;
                }
            }
            // The member still joins; the shop hears why the code did not count.
            Err(e) if e.status.is_client_error() => attribution_error = Some(e.code),
            Err(e) => return Err(e),
        }
    }
    let mut v = get(tx, id).await?;
    v.attribution_error = attribution_error;
    Ok(v)
}

/// One member with their referral.
pub async fn get(tx: &mut Tx, id: i64) -> ApiResult<MemberView> {
    let m = store::get(tx, id)
        .await?
        .ok_or_else(|| ApiError::not_found("member"))?;
    view(tx, m).await
}

/// Builds the view of a member.
pub async fn view(tx: &mut Tx, m: Member) -> ApiResult<MemberView> {
    let referral = match pond_store::referrals::of_invitee(tx, m.id).await? {
        Some(r) => Some(referrals::view(tx, r).await?),
        None => None,
    };
    let tags = pond_store::tags::of(tx, m.id).await?;
    Ok(MemberView {
        tags,
        erased_at: m.erased_at.map(|t| t.to_string()),
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
