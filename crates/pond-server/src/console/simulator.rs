//! The simulator: a form whose answer is a forecast chart. It only reads,
//! so it is a GET that any role may run, and its URL can be shared.

use super::{Ctx, Nav, PageResult, charts, fmt, layout};
use crate::App;
use axum::Router;
use axum::extract::{Query, State};
use axum::routing::get;
use maud::html;
use pond_app::simulate::SimulateRequest;
use serde::Deserialize;

/// This page's routes.
pub fn routes() -> Router<App> {
    Router::new().route("/console/simulator", get(page))
}

/// The form's fields. Empty fields mean "use the default" (K and cycle
/// time from the shop's history), so each is read as text first.
#[derive(Debug, Default, Deserialize)]
pub struct SimForm {
    k: Option<String>,
    seeds: Option<String>,
    cycle_days: Option<String>,
    days: Option<String>,
    cap: Option<String>,
    market: Option<String>,
    two_sided: Option<String>,
    run: Option<String>,
}

fn field<T: std::str::FromStr>(v: &Option<String>) -> Option<T> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .and_then(|s| s.parse().ok())
}

/// `GET /console/simulator`.
pub async fn page(State(app): State<App>, ctx: Ctx, Query(q): Query<SimForm>) -> PageResult {
    let l = ctx.lang;
    let ran = q.run.is_some();
    let outcome = if ran {
        let req = SimulateRequest {
            k: field(&q.k),
            seeds: field(&q.seeds),
            cycle_days: field(&q.cycle_days),
            days: field(&q.days),
            cap: field(&q.cap),
            market: field(&q.market),
            // A form sends a checkbox only when it is ticked.
            two_sided: Some(q.two_sided.is_some()),
            runs: Some(1000),
            ..SimulateRequest::default()
        };
        Some(crate::api::simulate::outcome(&app, req).await)
    } else {
        None
    };
    let value = |v: &Option<String>| v.clone().unwrap_or_default();
    let body = html! {
        section {
            form method="get" action="/console/simulator" {
                input type="hidden" name="run" value="1";
                label { (l.t("K：每位会员带来的朋友数（留空则按店里历史拟合）", "K: friends each member brings (blank: fitted from the shop's history)"))
                    input name="k" inputmode="decimal" value=(value(&q.k)) placeholder="0.8"; }
                label { (l.t("起始会员数", "Members who start")) input name="seeds" inputmode="numeric" value=(value(&q.seeds)) placeholder="10"; }
                label { (l.t("周期（天，留空则拟合）", "Cycle time in days (blank: fitted)")) input name="cycle_days" inputmode="decimal" value=(value(&q.cycle_days)) placeholder="7"; }
                label { (l.t("模拟天数", "Days simulated")) input name="days" inputmode="numeric" value=(value(&q.days)) placeholder="180"; }
                label { (l.t("每人推荐上限", "Referral cap per member")) input name="cap" inputmode="numeric" value=(value(&q.cap)); }
                label { (l.t("潜在客户总数（留空为不限）", "People who could ever join (blank: unlimited)")) input name="market" inputmode="numeric" value=(value(&q.market)); }
                label.check { input type="checkbox" name="two_sided" value="1" checked[!ran || q.two_sided.is_some()]; " " (l.t("双向奖励（朋友也得奖励）", "Two-sided rewards (the friend is rewarded too)")) }
                button type="submit" { (l.t("模拟", "Simulate")) }
            }
        }
        @match outcome {
            None => {}
            Some(Err(e)) => { p.error role="alert" { (e.message) @if let Some(f) = &e.field { " (" (f) ")" } } }
            Some(Ok(o)) => {
                section.tiles {
                    div.tile { b { (fmt::num(o.result.mean_total.round() as i64)) } span { (l.t("期末平均会员", "members at the end (mean)")) } small { (fmt::num(o.result.runs as i64)) (l.t(" 次模拟", " runs")) } }
                    div.tile { b { (fmt::percent(o.result.extinction_probability)) } span { (l.t("传播中断概率", "chance it dies out")) } }
                    div.tile { b { @if let Some(k) = o.k { (format!("{k:.2}")) } @else { "–" } } span { "K" } small { @if let Some(e) = o.effective_k { (l.t("有效 K ", "effective K ")) (format!("{e:.2}")) } } }
                    div.tile { b { (fmt::num(o.result.trust_spent.round() as i64)) } span { (l.t("消耗的信任（请求次数）", "trust spent (asks)")) } }
                }
                @if !o.defaults_from_fit.is_empty() {
                    p.muted { (l.t("取自店里历史：", "Taken from the shop's history: ")) (o.defaults_from_fit.join(", ")) }
                }
                @if let Some(k) = o.k.filter(|k| *k < 1.0) {
                    p.muted { (l.t("理论值：每位起始会员最终带来 1/(1−K) = ", "Theory: each starting member ends as 1/(1−K) = "))
                        (format!("{:.2}", 1.0 / (1.0 - k))) (l.t("，模拟得到 ", "; simulated: ")) (format!("{:.2}", o.result.mean_total_per_seed)) }
                }
                section {
                    h2 { (l.t("会员数预测（均值与 5–95% 区间，横轴为天）", "Members forecast (mean and 5–95% band, by day)")) }
                    (charts::band(&o.result.growth_curve, l.t("会员数预测", "Members forecast")))
                }
            }
        }
    };
    Ok(layout(
        &ctx,
        Nav::Simulator,
        l.t("增长模拟", "Simulator"),
        body,
    ))
}
