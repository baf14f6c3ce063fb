//! The program form: its fields as typed, the [`ProgramSpec`] fields they
//! make, and the refusal shown beside it when the spec's validation or the
//! compliance guard says no.

use super::status_label;
use crate::console::{Ctx, csrf_field};
use crate::error::ApiError;
use crate::join::Lang;
use maud::{Markup, html};
use pond_core::program::{ProgramSpec, Qualifying, STAGE_QUALIFIED, Side};
use pond_core::value_audit::{self, Label, ValueAudit};
use serde::Deserialize;
use serde_json::{Value, json};

/// The create and edit form's fields, kept as typed so a refused form
/// shows the operator's own values.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub(super) struct ProgramForm {
    name: String,
    status: String,
    inviter_amount: String,
    inviter_unit: String,
    inviter_basis: String,
    invitee_amount: String,
    invitee_unit: String,
    depth2_amount: String,
    depth2_unit: String,
    cap: String,
    qualifying: String,
    min_amount: String,
    hold_days: String,
    window_days: String,
}

impl Default for ProgramForm {
    fn default() -> Self {
        ProgramForm {
            name: String::new(),
            status: "active".into(),
            inviter_amount: String::new(),
            inviter_unit: "points".into(),
            inviter_basis: "referral".into(),
            invitee_amount: String::new(),
            invitee_unit: "points".into(),
            depth2_amount: String::new(),
            depth2_unit: String::new(),
            cap: "20".into(),
            qualifying: "first_paid_order".into(),
            min_amount: "0".into(),
            hold_days: "14".into(),
            window_days: "30".into(),
        }
    }
}

/// The first direct reward line of a side paid when a referral qualifies:
/// the one line per side the form edits.
fn form_line(spec: &ProgramSpec, side: Side) -> Option<usize> {
    spec.rewards
        .iter()
        .position(|r| r.side == side && r.depth == 1 && r.stage == STAGE_QUALIFIED)
}

impl ProgramForm {
    pub(super) fn from_spec(s: &ProgramSpec) -> Self {
        let line = |side| form_line(s, side).and_then(|i| s.rewards.get(i));
        let inviter = line(Side::Inviter);
        let invitee = line(Side::Invitee);
        let (qualifying, min_amount) = match &s.qualifying {
            Qualifying::Signup => ("signup", 0),
            Qualifying::FirstPaidOrder { min_amount } => ("first_paid_order", *min_amount),
            // Set through the API only; the form shows it and leaves it be.
            Qualifying::Custom { name } => (name.as_str(), 0),
        };
        ProgramForm {
            name: s.name.clone(),
            status: s.status.as_str().into(),
            inviter_amount: inviter.map(|r| r.amount.to_string()).unwrap_or_default(),
            inviter_unit: inviter.map(|r| r.unit.clone()).unwrap_or_default(),
            inviter_basis: "referral".into(),
            invitee_amount: invitee.map(|r| r.amount.to_string()).unwrap_or_default(),
            invitee_unit: invitee.map(|r| r.unit.clone()).unwrap_or_default(),
            depth2_amount: String::new(),
            depth2_unit: String::new(),
            cap: s.inviter_cap.map(|c| c.to_string()).unwrap_or_default(),
            qualifying: qualifying.into(),
            min_amount: min_amount.to_string(),
            hold_days: s.hold_days.to_string(),
            window_days: s.attribution_window_days.to_string(),
        }
    }

    /// The fields as a JSON object of [`ProgramSpec`] fields. Only the
    /// shape of numbers is checked here; every rule is the spec's
    /// validation and the compliance guard's, run when it is saved.
    pub(super) fn spec_patch(&self, l: Lang) -> Result<Value, Refusal> {
        let number = |field: &'static str, raw: &str| -> Result<Option<i64>, Refusal> {
            let raw = raw.trim();
            if raw.is_empty() {
                return Ok(None);
            }
            raw.parse::<i64>().map(Some).map_err(|_| {
                Refusal::new(
                    field,
                    "invalid_number",
                    l.t("请填写整数。", "Give a whole number.").to_string(),
                    None,
                )
            })
        };
        let unit = |u: &str, fallback: &str| {
            let u = u.trim();
            if u.is_empty() {
                fallback.to_string()
            } else {
                u.to_string()
            }
        };
        let mut rewards = Vec::new();
        if let Some(amount) = number("inviter_amount", &self.inviter_amount)? {
            rewards.push(json!({"side": "inviter", "depth": 1, "amount": amount,
                "unit": unit(&self.inviter_unit, "points"),
                "basis": if self.inviter_basis.is_empty() { "referral" } else { self.inviter_basis.as_str() }}));
        }
        if let Some(amount) = number("invitee_amount", &self.invitee_amount)? {
            rewards.push(json!({"side": "invitee", "depth": 1, "amount": amount,
                "unit": unit(&self.invitee_unit, "points")}));
        }
        if let Some(amount) = number("depth2_amount", &self.depth2_amount)? {
            // Sent to the guard as asked: it, not the form, says no.
            rewards.push(json!({"side": "inviter", "depth": 2, "amount": amount,
                "unit": unit(&self.depth2_unit, &unit(&self.inviter_unit, "points"))}));
        }
        let qualifying = match self.qualifying.as_str() {
            "signup" => Some(json!({"type": "signup"})),
            "first_paid_order" | "" => Some(json!({"type": "first_paid_order",
                        "min_amount": number("min_amount", &self.min_amount)?.unwrap_or(0)})),
            // A custom event the form cannot edit: left out, so an edit keeps it.
            _ => None,
        };
        let mut spec = json!({
            "name": self.name.trim(),
            "rewards": rewards,
            "inviter_cap": number("cap", &self.cap)?,
            "hold_days": number("hold_days", &self.hold_days)?.unwrap_or(14),
            "attribution_window_days": number("window_days", &self.window_days)?.unwrap_or(30),
        });
        if let Value::Object(m) = &mut spec {
            if !self.status.is_empty() {
                m.insert("status".into(), Value::String(self.status.clone()));
            }
            if let Some(q) = qualifying {
                m.insert("qualifying".into(), q);
            }
        }
        Ok(spec)
    }
}

/// The form edits one direct line per side; the program's other lines
/// (milestones, a second gift) are kept as they are.
pub(super) fn keep_other_lines(current: &ProgramSpec, mut patch: Value) -> Value {
    let edited = [
        form_line(current, Side::Inviter),
        form_line(current, Side::Invitee),
    ];
    let kept = current
        .rewards
        .iter()
        .enumerate()
        .filter(|(i, _)| !edited.contains(&Some(*i)))
        .filter_map(|(_, r)| serde_json::to_value(r).ok());
    if let Some(Value::Array(lines)) = patch.get_mut("rewards") {
        lines.extend(kept);
    }
    patch
}

/// Why a form was not saved: the field at fault, the rule's code and a
/// sentence in the page's language, with the audit of what was tried.
#[derive(Debug)]
pub(super) struct Refusal {
    field: String,
    code: String,
    message: String,
    // Boxed: a refusal travels in a Result, and the audit is its bulk.
    audit: Option<Box<ValueAudit>>,
}

impl Refusal {
    pub(super) fn new(
        field: &str,
        code: &str,
        message: String,
        tried: Option<&ProgramSpec>,
    ) -> Self {
        Refusal {
            field: field.into(),
            code: code.into(),
            message,
            audit: tried.map(|s| Box::new(value_audit::audit(s, &pond_app::trust::policy()))),
        }
    }

    pub(super) fn from_api(e: ApiError, tried: Option<&ProgramSpec>) -> Self {
        Refusal::new(
            e.field.as_deref().unwrap_or_default(),
            &e.code,
            e.message,
            tried,
        )
    }

    /// Whether the refusal is about this form field: the field itself, or
    /// the reward line it fills (lines are sent inviter, invitee, depth 2).
    fn about(&self, field: &str, f: &ProgramForm) -> bool {
        if self.field == field {
            return true;
        }
        let present = [
            ("inviter_amount", &f.inviter_amount),
            ("invitee_amount", &f.invitee_amount),
            ("depth2_amount", &f.depth2_amount),
        ];
        let line = present
            .iter()
            .filter(|(_, v)| !v.trim().is_empty())
            .position(|(name, _)| *name == field);
        let spec_field = match field {
            "cap" => "inviter_cap".to_string(),
            "window_days" => "attribution_window_days".to_string(),
            "min_amount" => "qualifying".to_string(),
            _ => match line {
                Some(i) => format!("rewards[{i}]"),
                None => return false,
            },
        };
        self.field.starts_with(&spec_field)
    }
}

/// The compliance guard's criteria in Chinese (its own messages are
/// English with the Chinese legal terms); anything else as the rule said it.
fn reason_text(l: Lang, code: &str, message: &str) -> String {
    let zh = match code {
        "pyramid_indirect_referral" => {
            "拒绝：第二层及更深的奖励是按间接推荐付费（拉人头），违反《禁止传销条例》第七条第（一）项。Pond 只奖励直接推荐。"
        }
        "pyramid_downline_compensation" => {
            "拒绝：奖励不能取决于被邀请人自己的拉新或销售（团队计酬），违反《禁止传销条例》第七条第（三）项。"
        }
        "pyramid_entry_fee" => {
            "拒绝：不能向会员收取推荐资格费用或要求先购买（入门费），违反《禁止传销条例》第七条第（二）项。"
        }
        "uncapped_inviter_rewards" => {
            "请设置邀请人上限：一位邀请人最多因多少次推荐获得奖励（Dropbox 用的是 32）。"
        }
        _ => return message.to_string(),
    };
    match l {
        Lang::Zh => zh.to_string(),
        Lang::En => message.to_string(),
    }
}

pub(super) fn warning_text(l: Lang, code: &str, message: &str) -> String {
    match (l, code) {
        (Lang::Zh, "one_sided") => {
            "被邀请人什么也得不到：双方都受益，裂变才能持久；单方面的请求会消耗邀请人在朋友那里的信用。".into()
        }
        _ => message.to_string(),
    }
}

pub(super) fn program_form(
    ctx: &Ctx,
    action: &str,
    f: &ProgramForm,
    refused: Option<&Refusal>,
    edit: bool,
) -> Markup {
    let l = ctx.lang;
    let err = |field: &str| -> Markup {
        html! {
            @if let Some(r) = refused.filter(|r| r.about(field, f)) {
                p.error.field { (reason_text(l, &r.code, &r.message)) }
            }
        }
    };
    let opt = |value: &str, current: &str, label: &str| -> Markup {
        html! { option value=(value) selected[value == current] { (label) } }
    };
    html! {
        @if let Some(r) = refused {
            div.refusal role="alert" {
                p.error { b { (l.t("未保存。", "Not saved. ")) } (reason_text(l, &r.code, &r.message)) }
                p.muted { (l.t("规则：", "Rule: ")) code { (r.code) } @if !r.field.is_empty() { " · " code { (r.field) } } }
                @if let Some(a) = &r.audit {
                    h3 { (l.t("这份设置的价值评估", "Value audit of these settings")) }
                    (audit_block(l, a))
                }
            }
        }
        form.program method="post" action=(action) {
            (csrf_field(ctx))
            label { (l.t("名称", "Name")) input name="name" required value=(f.name); }
            (err("name"))
            @if edit {
                label { (l.t("状态", "State"))
                    select name="status" {
                        @for s in ["draft", "active", "paused", "ended"] { (opt(s, &f.status, status_label(l, s))) }
                    }
                }
            }
            fieldset {
                legend { (l.t("邀请人奖励（直接推荐）", "Inviter reward (direct referral)")) }
                label { (l.t("数量", "Amount")) input name="inviter_amount" inputmode="numeric" value=(f.inviter_amount); }
                label { (l.t("单位", "Unit")) input name="inviter_unit" placeholder="points / yuan / MB / coupon:NAME" value=(f.inviter_unit); }
                label { (l.t("按什么付", "Paid on"))
                    select name="inviter_basis" {
                        (opt("referral", &f.inviter_basis, l.t("朋友达标（直接推荐）", "the friend qualifying (direct referral)")))
                        (opt("invitee_recruiting", &f.inviter_basis, l.t("朋友自己的拉新", "the friend's own recruiting")))
                        (opt("invitee_sales", &f.inviter_basis, l.t("朋友的销售额", "the friend's sales")))
                    }
                }
                (err("inviter_amount"))
            }
            fieldset {
                legend { (l.t("被邀请人奖励", "Invitee reward")) }
                label { (l.t("数量", "Amount")) input name="invitee_amount" inputmode="numeric" value=(f.invitee_amount); }
                label { (l.t("单位", "Unit")) input name="invitee_unit" value=(f.invitee_unit); }
                (err("invitee_amount"))
            }
            fieldset {
                legend { (l.t("第二层邀请人奖励（朋友的朋友）", "Depth-2 inviter reward (a friend's friend)")) }
                p.muted { (l.t("留空。按间接推荐付费会被合规检查拒绝。", "Leave empty: paying on indirect referrals is refused by the compliance guard.")) }
                label { (l.t("数量", "Amount")) input name="depth2_amount" inputmode="numeric" value=(f.depth2_amount); }
                label { (l.t("单位", "Unit")) input name="depth2_unit" value=(f.depth2_unit); }
                (err("depth2_amount"))
            }
            label { (l.t("邀请人上限（最多奖励几次推荐）", "Inviter cap (most referrals rewarded per inviter)"))
                input name="cap" inputmode="numeric" value=(f.cap); }
            (err("cap"))
            label { (l.t("达标条件", "Qualifies on"))
                select name="qualifying" {
                    (opt("first_paid_order", &f.qualifying, l.t("首笔付款订单", "first paid order")))
                    (opt("signup", &f.qualifying, l.t("注册", "signup")))
                    @if !["first_paid_order", "signup", ""].contains(&f.qualifying.as_str()) {
                        (opt(&f.qualifying, &f.qualifying, &format!("{} `{}`", l.t("自定义事件", "custom event"), f.qualifying)))
                    }
                }
            }
            label { (l.t("最低订单金额（分）", "Minimum order (minor units, e.g. fen)"))
                input name="min_amount" inputmode="numeric" value=(f.min_amount); }
            (err("min_amount"))
            label { (l.t("冻结天数（退货期）", "Hold days (return window)"))
                input name="hold_days" inputmode="numeric" value=(f.hold_days); }
            (err("hold_days"))
            label { (l.t("归因窗口（天）", "Attribution window (days)"))
                input name="window_days" inputmode="numeric" value=(f.window_days); }
            (err("window_days"))
            button type="submit" { (if edit { l.t("保存", "Save") } else { l.t("创建", "Create") }) }
        }
    }
}

pub(super) fn audit_block(l: Lang, a: &ValueAudit) -> Markup {
    html! {
        p { (audit_badge(l, a.label)) }
        p.muted {
            (l.t("每次推荐花掉信任 ", "Each referral spends ")) b { (a.trust_spent) }
            (l.t("，奖励赚回 ", " trust; its rewards return ")) b { (a.trust_returned) }
            (l.t("。", "."))
        }
        @if !a.reasons.is_empty() {
            ul.reasons { @for r in &a.reasons { li { (r) } } }
        }
    }
}

pub(super) fn audit_badge(l: Lang, label: Label) -> Markup {
    match label {
        Label::ValueCreator => html! { span.badge.good { (l.t("创造价值", "value creator")) } },
        Label::ValueExtractor => html! { span.badge.bad { (l.t("榨取价值", "value extractor")) } },
    }
}
