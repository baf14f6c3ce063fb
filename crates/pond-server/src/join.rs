//! The hosted join page (`/join`), for shops without a website: where a
//! referral link or a poster's QR code leads when the program names no
//! landing page of its own.
//!
//! The friend sees who invited them and what both get, leaves a name and a
//! phone number, and agrees to the privacy notice. That makes them a
//! member, attributed to the inviter, in one transaction with the record of
//! their consent. Plain HTML forms, no script: it has to work in WeChat's
//! in-app browser and on any phone. One membership per phone (the identity
//! keys are unique), and a rate limit per hashed IP against scripts.

use crate::App;
use crate::error::{ApiError, ApiResult};
use crate::landing::esc;
use crate::members::{self, MemberInput};
use axum::Form;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use pond_core::code::ReferralCode;
use pond_core::heard_from::HeardFrom;
use pond_core::program::Side;
use pond_store::programs::Program;
use serde::Deserialize;
use std::net::SocketAddr;

/// The privacy notice a joiner agrees to; bump when its text changes, so
/// each consent names the words it was given to.
pub const NOTICE: &str = "join-page/2026-11";

/// The page's language: `?lang=` first, then the browser's first choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// 简体中文.
    Zh,
    /// English.
    En,
}

impl Lang {
    /// The language asked for.
    pub fn pick(asked: Option<&str>, headers: &HeaderMap) -> Lang {
        match asked {
            Some("zh" | "zh-CN") => Lang::Zh,
            Some("en") => Lang::En,
            _ if crate::landing::prefers_chinese(headers) => Lang::Zh,
            _ => Lang::En,
        }
    }

    pub fn t<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    pub(crate) fn code(self) -> &'static str {
        self.t("zh", "en")
    }
}

/// The query of `GET /join`.
#[derive(Debug, Deserialize)]
pub struct JoinQuery {
    /// The inviter's referral code.
    #[serde(rename = "ref")]
    pub code: Option<String>,
    /// `zh` or `en`.
    pub lang: Option<String>,
}

/// The form of `POST /join`; every field optional, so that a missing one
/// is answered on the page rather than with a bare 400.
#[derive(Debug, Default, Deserialize)]
pub struct JoinForm {
    #[serde(rename = "ref")]
    code: Option<String>,
    lang: Option<String>,
    name: Option<String>,
    phone: Option<String>,
    consent: Option<String>,
}

/// Who invited the friend, to which program.
struct Invite {
    inviter: Option<String>,
    program: Program,
    code: String,
}

async fn invite(app: &App, code: Option<&str>) -> ApiResult<Option<Invite>> {
    let Some(code) = code.and_then(|c| ReferralCode::parse(c).ok()) else {
        return Ok(None);
    };
    let mut tx = app.store.read().await?;
    let Some(link) = pond_store::links::by_code(&mut tx, code.as_str()).await? else {
        return Ok(None);
    };
    let inviter = pond_store::members::get(&mut tx, link.member_id).await?;
    let program = pond_store::programs::get(&mut tx, link.program_id).await?;
    Ok(program.map(|program| Invite {
        inviter: inviter.and_then(|m| m.name),
        program,
        code: code.as_str().to_owned(),
    }))
}

/// What one side gets, as "20 yuan + 1 coupon:bouquet".
fn gift(p: &Program, side: Side) -> String {
    p.spec
        .rewards
        .iter()
        .filter(|r| r.side == side && r.stage == pond_core::program::STAGE_QUALIFIED)
        .map(|r| format!("{} {}", r.amount, r.unit))
        .collect::<Vec<_>>()
        .join(" + ")
}

/// `GET /join`: the invitation and the form.
pub async fn form(
    State(app): State<App>,
    headers: HeaderMap,
    Query(q): Query<JoinQuery>,
) -> ApiResult<Response> {
    let lang = Lang::pick(q.lang.as_deref(), &headers);
    let invite = invite(&app, q.code.as_deref()).await?;
    let form = JoinForm {
        code: q.code,
        ..JoinForm::default()
    };
    Ok(page(
        lang,
        &form_body(lang, invite.as_ref(), &form, None),
        StatusCode::OK,
    ))
}

/// `POST /join`: become a member.
pub async fn submit(
    State(app): State<App>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<JoinForm>,
) -> ApiResult<Response> {
    let lang = Lang::pick(f.lang.as_deref(), &headers);
    let ip = crate::redirect::client_ip(&headers, peer);
    if app.join_limiter.check_key(&app.hash(&ip)).is_err() {
        let body = format!(
            "<h1>{}</h1><p>{}</p>",
            lang.t("请稍后再试", "Please try again later"),
            lang.t(
                "这台设备提交得太频繁了，请过一会儿再来。",
                "Too many sign-ups from this connection. Please wait a little and try again."
            )
        );
        return Ok(page(lang, &body, StatusCode::TOO_MANY_REQUESTS));
    }
    let invite = invite(&app, f.code.as_deref()).await?;
    let refuse = |msg: &str| {
        Ok(page(
            lang,
            &form_body(lang, invite.as_ref(), &f, Some(msg)),
            StatusCode::UNPROCESSABLE_ENTITY,
        ))
    };
    let name = f.name.as_deref().map(str::trim).unwrap_or_default();
    let phone = f.phone.as_deref().map(str::trim).unwrap_or_default();
    if name.is_empty() || name.chars().count() > 100 {
        return refuse(lang.t(
            "请填写你的名字（最多 100 个字）。",
            "Please give your name (at most 100 characters).",
        ));
    }
    if phone.is_empty() {
        return refuse(lang.t("请填写手机号。", "Please give your phone number."));
    }
    if f.consent.as_deref() != Some("yes") {
        return refuse(lang.t(
            "请先阅读并同意隐私说明。",
            "Please read and agree to the privacy notice first.",
        ));
    }
    let input = MemberInput {
        phone: Some(phone.to_owned()),
        name: Some(name.to_owned()),
        referral_code: invite.as_ref().map(|i| i.code.clone()),
        ip: Some(ip.clone()),
        heard_from: invite.as_ref().map(|_| HeardFrom::Friend),
        ..MemberInput::default()
    };
    let (now, a, ip_hash) = (app.now(), app.clone(), app.hash(&ip));
    let joined = app
        .store
        .write(move |tx| {
            Box::pin(async move {
                let member = members::create(&a, tx, input, now).await?;
                pond_store::consents::record(tx, member.id, NOTICE, Some(&ip_hash), now).await?;
                Ok::<_, ApiError>(member)
            })
        })
        .await;
    match joined {
        Ok(member) => Ok(page(
            lang,
            &welcome(
                lang,
                invite.as_ref(),
                name,
                member.attribution_error.is_none(),
            ),
            StatusCode::OK,
        )),
        Err(e) if e.code == "identity_taken" => {
            let body = format!(
                "<h1>{}</h1><p>{}</p>",
                lang.t("你已经是会员了", "You are already a member"),
                lang.t(
                    "这个手机号已经注册过。到店或下单时报手机号即可。",
                    "This phone number has joined before. Give it in the shop or at checkout."
                )
            );
            Ok(page(lang, &body, StatusCode::OK))
        }
        Err(e) if e.status.is_client_error() => refuse(lang.t(
            "这个手机号看起来不对，请检查后再试。",
            "That phone number does not look right. Please check it and try again.",
        )),
        Err(e) => Err(e),
    }
}

fn form_body(lang: Lang, invite: Option<&Invite>, f: &JoinForm, error: Option<&str>) -> String {
    let mut out = String::new();
    match invite {
        Some(i) => {
            let who = i
                .inviter
                .as_deref()
                .map(esc)
                .unwrap_or_else(|| lang.t("你的朋友", "A friend").to_owned());
            let (you, them) = (
                esc(&gift(&i.program, Side::Invitee)),
                esc(&gift(&i.program, Side::Inviter)),
            );
            out.push_str(&match lang {
                Lang::Zh => format!(
                    "<h1>{who} 邀请你加入「{}」</h1><p class=gift>你将获得 <b>{you}</b>，{who} 也将获得 <b>{them}</b>。</p>",
                    esc(&i.program.spec.name)
                ),
                Lang::En => format!(
                    "<h1>{who} invited you to “{}”</h1><p class=gift>You get <b>{you}</b>, and {who} gets <b>{them}</b>.</p>",
                    esc(&i.program.spec.name)
                ),
            });
        }
        None => out.push_str(&format!(
            "<h1>{}</h1>",
            lang.t("加入会员", "Become a member")
        )),
    }
    if let Some(e) = error {
        out.push_str(&format!("<p class=error role=alert>{}</p>", esc(e)));
    }
    let val = |v: &Option<String>| esc(v.as_deref().unwrap_or_default());
    out.push_str(&format!(
        "<form method=post action=/join>\
         <input type=hidden name=ref value=\"{code}\"><input type=hidden name=lang value=\"{l}\">\
         <label>{name_l}<input name=name id=name autocomplete=name maxlength=100 required value=\"{name}\"></label>\
         <label>{phone_l}<input name=phone id=phone type=tel autocomplete=tel inputmode=tel required value=\"{phone}\"></label>\
         <label class=consent><input type=checkbox name=consent id=consent value=yes required> {consent}</label>\
         <button type=submit id=join>{button}</button></form>",
        code = val(&f.code),
        l = lang.code(),
        name_l = lang.t("名字", "Name"),
        name = val(&f.name),
        phone_l = lang.t("手机号", "Phone number"),
        phone = val(&f.phone),
        consent = match lang {
            Lang::Zh => "我已阅读并同意<a href=\"/privacy?lang=zh\">隐私说明</a>：店铺用手机号和名字记录会员和奖励。".to_owned(),
            Lang::En => "I have read and agree to the <a href=\"/privacy?lang=en\">privacy notice</a>: the shop keeps my phone number and name to record my membership and rewards.".to_owned(),
        },
        button = lang.t("加入", "Join"),
    ));
    let other = match lang {
        Lang::Zh => ("en", "English"),
        Lang::En => ("zh", "中文"),
    };
    let code = f
        .code
        .as_deref()
        .map(|c| format!("&ref={}", esc(c)))
        .unwrap_or_default();
    out.push_str(&format!(
        "<p class=lang><a href=\"/join?lang={}{code}\">{}</a></p>",
        other.0, other.1
    ));
    out
}

fn welcome(lang: Lang, invite: Option<&Invite>, name: &str, attributed: bool) -> String {
    let mut out = format!(
        "<h1 id=welcome>{} {}</h1>",
        lang.t("欢迎你，", "Welcome,"),
        esc(name)
    );
    if let Some(i) = invite.filter(|_| attributed) {
        let reward = esc(&gift(&i.program, Side::Invitee));
        out.push_str(&match lang {
            Lang::Zh => format!("<p class=gift>你的欢迎礼：<b>{reward}</b>。符合活动条件后会记到你的账户里。</p>"),
            Lang::En => format!("<p class=gift>Your welcome reward: <b>{reward}</b>. It is added to your account once the program's condition is met.</p>"),
        });
        if let Some(next) = &i.program.spec.next_step_url {
            out.push_str(&format!(
                "<p><a class=button id=next href=\"{}\">{}</a></p>",
                esc(next),
                lang.t("下一步：加入我们的群", "Next: join our group")
            ));
            return out;
        }
    }
    out.push_str(&format!(
        "<p>{}</p>",
        lang.t(
            "到店或下单时报手机号，就能用上你的会员权益。",
            "Give your phone number in the shop or at checkout to use your membership."
        )
    ));
    out
}

/// `GET /privacy`: the notice a joiner agrees to.
pub async fn privacy(headers: HeaderMap, Query(q): Query<JoinQuery>) -> Response {
    let lang = Lang::pick(q.lang.as_deref(), &headers);
    let body = match lang {
        Lang::Zh => {
            "<h1>隐私说明</h1>\
            <p>你加入会员时，店铺会记录你的<b>名字</b>和<b>手机号</b>，以及邀请你的会员，用来记会员身份和双方的奖励。</p>\
            <p>为防止刷单，店铺会保存你提交时所用网络地址的加密摘要，不保存地址本身。</p>\
            <p>这些信息只用于本店的会员和奖励，不会出售或提供给他人。你可以随时联系店铺查看、更正或删除你的信息，或退出会员。</p>\
            <p>依据：《个人信息保护法》第十三、十四条（基于你的同意）。</p>"
        }
        Lang::En => {
            "<h1>Privacy notice</h1>\
            <p>When you join, the shop keeps your <b>name</b> and <b>phone number</b>, and which member invited you, to record your membership and both sides' rewards.</p>\
            <p>To stop abuse, the shop keeps a keyed hash of the network address you joined from, never the address itself.</p>\
            <p>This is used only for the shop's membership and rewards, and is never sold or shared. You can ask the shop at any time to see, correct or delete it, or to end your membership.</p>\
            <p>Basis: your consent (GDPR art. 6(1)(a), 7; PIPL art. 13, 14).</p>"
        }
    };
    page(lang, body, StatusCode::OK)
}

/// A phone-first page: one column, large touch targets, 16 px inputs (so
/// iOS does not zoom), and nothing that needs a script.
fn page(lang: Lang, body: &str, status: StatusCode) -> Response {
    let html = crate::landing::html_page(
        lang.t("zh-CN", "en"),
        lang.t("加入会员", "Join"),
        CSS,
        &format!("<main>{body}</main>"),
    );
    (status, [(header::CACHE_CONTROL, "no-store")], Html(html)).into_response()
}

const CSS: &str = "body{font-family:system-ui,-apple-system,'PingFang SC','Noto Sans CJK SC',sans-serif;margin:0;background:#faf7f2;color:#222;line-height:1.5}\
main{max-width:28rem;margin:0 auto;padding:1.25rem}h1{font-size:1.4rem;margin:.5rem 0 1rem}\
.gift{background:#fff;border-left:4px solid #c2185b;padding:.75rem}label{display:block;margin:1rem 0}\
input[type=tel],input[name=name]{display:block;box-sizing:border-box;width:100%;font-size:16px;padding:.7rem;margin-top:.3rem;border:1px solid #bbb;border-radius:.4rem}\
.consent{font-size:.9rem}.consent input{width:1.2rem;height:1.2rem;vertical-align:middle}\
button,.button{display:block;box-sizing:border-box;width:100%;font-size:1.1rem;padding:.8rem;border:0;border-radius:.4rem;background:#c2185b;color:#fff;text-align:center;text-decoration:none}\
.error{color:#b00020;font-weight:600}.lang{text-align:right;font-size:.9rem}";
