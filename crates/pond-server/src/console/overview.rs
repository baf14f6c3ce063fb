//! The overview: the period's members, referrals, rewards and K; the group
//! census; what waits for a person (complaints, flagged referrals,
//! notices, members whose trust is worn).

use super::{Ctx, Nav, PageResult, charts, fmt, layout};
use crate::App;
use axum::extract::{Query, State};
use maud::{Markup, html};
use pond_app::growth::{Options, Period};
use pond_app::overview::{Overview, overview};
use serde::Deserialize;

/// `?days=30|90|365`.
#[derive(Debug, Deserialize)]
pub struct OverviewQuery {
    days: Option<i64>,
}

const PERIODS: [i64; 3] = [30, 90, 365];

/// `GET /console`.
pub async fn page(State(app): State<App>, ctx: Ctx, Query(q): Query<OverviewQuery>) -> PageResult {
    let days = q.days.filter(|d| PERIODS.contains(d)).unwrap_or(90);
    let today = app.time_zone.to_datetime(app.now()).date();
    let period = Period::parse(&app.time_zone, None, None, today, days)?;
    let options = Options {
        period_days: if days > 90 { 30 } else { 7 },
        within_days: None,
    };
    let Overview {
        report,
        rewards,
        census,
        complaints,
        open_complaints,
        flagged,
        notices,
        worn,
    } = overview(&app, period, options, today).await?;

    let l = ctx.lang;
    let k_points: Vec<(String, f64)> = report
        .k_by_period
        .periods
        .iter()
        .map(|p| (p.start.strftime("%m-%d").to_string(), p.k))
        .collect();
    // The growth curve: members at the start of the window plus everyone
    // who joined by the end of each period.
    let mut total = report.members.at_start as f64;
    let grown: Vec<(String, f64)> = report
        .k_by_period
        .periods
        .iter()
        .map(|p| {
            total += p.members as f64;
            (p.start.strftime("%m-%d").to_string(), total)
        })
        .collect();
    let paid: i64 = rewards
        .iter()
        .filter(|r| r.status == "approved")
        .map(|r| r.count)
        .sum();
    let pending: i64 = rewards
        .iter()
        .filter(|r| r.status == "pending")
        .map(|r| r.count)
        .sum();
    let body = html! {
        p.periods {
            @for d in PERIODS {
                a href=(format!("/console?days={d}")) class=[(d == days).then_some("on")] {
                    (fmt::num(d)) (l.t(" 天", " days"))
                }
            }
            span.muted { (fmt::date(l, &ctx.tz, jiff::Timestamp::from_millisecond(period.from_ms).unwrap_or_default())) " – " (fmt::date(l, &ctx.tz, app.now())) }
        }
        section.tiles {
            (tile(&fmt::num(report.members.at_end as i64), l.t("会员", "members"),
                &format!("+{} {}", fmt::num(report.members.new as i64), l.t("本期新增", "new"))))
            (tile(&fmt::num(report.k.successful_referrals as i64), l.t("成功推荐", "referrals"),
                &format!("{} {}", fmt::num(report.pending_referrals as i64), l.t("待定", "pending"))))
            (tile(&fmt::num(paid), l.t("已发奖励", "rewards paid"),
                &format!("{} {}", fmt::num(pending), l.t("冻结期中", "on hold"))))
            (tile(&format!("{:.2}", report.k.k), "K",
                &format!("{} {}", fmt::percent(report.referral_mix.organic_rate), l.t("自发推荐（基准 15%）", "organic (benchmark 15%)"))))
        }
        div.two {
            section {
                h2 { (l.t("会员增长", "Members over time")) }
                (charts::line(&grown, None, l.t("会员增长", "Members over time")))
            }
            section {
                h2 { (l.t("K 随时间变化（红线 K = 1）", "K over time (red line: K = 1)")) }
                (charts::line(&k_points, Some(1.0), "K"))
            }
        }
        div.two {
            section {
                h2 { a href="/console/groups" { (l.t("社群普查", "Group census")) } }
                p { (fmt::num(i64::from(census.groups))) (l.t(" 个群，", " groups, ")) (fmt::num(i64::from(census.active_every_day_last_7_days))) (l.t(" 个过去 7 天每天都活跃。", " active every day of the past 7.")) }
                ul.states {
                    @for state in ["new", "active", "declining", "dormant", "dead"] {
                        @let n = census.states.get(state).copied().unwrap_or(0);
                        li { a href=(format!("/console/groups?state={state}")) { span class=(format!("state {state}")) { (super::state_label(l, state)) } " " b { (fmt::num(i64::from(n))) } } }
                    }
                }
            }
            section {
                h2 { (l.t("待处理", "Waiting for you")) }
                ul.todo {
                    li { a href="/console/complaints" { (l.t("未处理投诉", "Open complaints")) ": " b { (fmt::num(open_complaints)) } } }
                    li { a href="/console/review" { (l.t("待审推荐", "Flagged referrals")) ": " b { (fmt::num(flagged)) } } }
                    @for (id, name, n) in &worn {
                        li { a href=(format!("/console/programs/{id}")) { (name) } ": " (fmt::num(*n as i64)) (l.t(" 位会员信任已透支", " members' trust is worn out")) }
                    }
                    @for n in &notices {
                        li.notice { (n.message) }
                    }
                }
                @if !complaints.is_empty() {
                    h3 { (l.t("最新投诉", "Latest complaints")) }
                    ul.complaints {
                        @for a in &complaints {
                            li { b { (a.group_name) } " · " (fmt::datetime_ms(l, &ctx.tz, a.event_at)) br; (a.text) }
                        }
                    }
                }
            }
        }
    };
    Ok(layout(&ctx, Nav::Overview, l.t("概览", "Overview"), body))
}

fn tile(value: &str, label: &str, note: &str) -> Markup {
    html! { div.tile { b { (value) } span { (label) } small { (note) } } }
}
