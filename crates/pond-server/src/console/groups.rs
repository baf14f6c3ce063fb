//! `/console/groups`: the census, every group's health in a table sorted
//! and filtered on the server, how long groups live and what they bring
//! in; `/console/groups/{id}`: one group's day-by-day activity, its state,
//! trust and complaints.
//!
//! Every figure comes from the same report the API answers
//! ([`pond_app::community::report::groups`]), so the page and
//! `GET /api/v1/groups/report` cannot disagree.

use super::community_charts::{self, Heatmap};
use super::{Ctx, Nav, PageError, PageResult, fmt, layout, state_label};
use crate::App;
use crate::join::Lang;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::routing::get;
use jiff::civil::Date;
use maud::{Markup, html};
use pond_app::community::report::{self, GroupRow, date_of};
use pond_community::day_number;
use serde::Deserialize;
use std::collections::BTreeMap;

/// This page's routes.
pub fn routes() -> Router<App> {
    Router::new()
        .route("/console/groups", get(list))
        .route("/console/groups/{id}", get(detail))
}

/// `?sort=state|activity|name|messages&dir=asc|desc&state=`.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    sort: Option<String>,
    dir: Option<String>,
    state: Option<String>,
}

/// A column the table sorts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sort {
    State,
    Activity,
    Name,
    Messages,
}

impl Sort {
    fn parse(s: Option<&str>) -> Sort {
        match s {
            Some("activity") => Sort::Activity,
            Some("name") => Sort::Name,
            Some("messages") => Sort::Messages,
            _ => Sort::State,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Sort::State => "state",
            Sort::Activity => "activity",
            Sort::Name => "name",
            Sort::Messages => "messages",
        }
    }

    /// The direction a first click asks for: the busiest and the latest
    /// first, names and states in reading order.
    fn natural_desc(self) -> bool {
        matches!(self, Sort::Activity | Sort::Messages)
    }
}

const STATES: [&str; 5] = ["new", "active", "declining", "dormant", "dead"];

/// Sorts rows in place. The report's order (most alive first) is the
/// state order, and breaks every tie, so equal rows keep a stable order.
fn sort_rows(rows: &mut [GroupRow], sort: Sort, desc: bool) {
    let rank = |s: &str| STATES.iter().position(|x| *x == s).unwrap_or(STATES.len());
    match sort {
        // The report already ranks by state, then by posters and messages.
        Sort::State => {}
        Sort::Activity => rows.sort_by_key(|r| r.last_activity),
        Sort::Name => rows.sort_by_key(|r| r.name.to_lowercase()),
        Sort::Messages => rows.sort_by_key(|r| (r.messages_28, r.messages_7)),
    }
    if sort == Sort::State {
        rows.sort_by_key(|r| rank(r.state));
    }
    if desc {
        rows.reverse();
    }
}

/// `GET /console/groups`.
pub async fn list(State(app): State<App>, ctx: Ctx, Query(q): Query<ListQuery>) -> PageResult {
    let l = ctx.lang;
    let today = app.time_zone.to_datetime(app.now()).date();
    let sort = Sort::parse(q.sort.as_deref());
    let desc = match q.dir.as_deref() {
        Some("desc") => true,
        Some("asc") => false,
        _ => sort.natural_desc(),
    };
    let filter = q.state.filter(|s| STATES.contains(&s.as_str()));
    let mut tx = app
        .store
        .read()
        .await
        .map_err(|e| PageError::from(e).lang(l))?;
    let report = report::groups(&mut tx, &app.time_zone, today, &app.config.lifecycle, None)
        .await
        .map_err(|e| PageError::from(e).lang(l))?;
    let period = pond_app::growth::Period::parse(&app.time_zone, None, None, today, 90)
        .map_err(|e| PageError::from(e).lang(l))?;
    let funnel = pond_app::funnel::report(&mut tx, period)
        .await
        .map_err(|e| PageError::from(e).lang(l))?;
    drop(tx);

    let mut rows: Vec<GroupRow> = report
        .groups
        .into_iter()
        .filter(|r| filter.as_deref().is_none_or(|s| r.state == s))
        .collect();
    sort_rows(&mut rows, sort, desc);
    let census = &report.census;
    let survival = &report.survival;
    let mut total = pond_app::funnel::Stages::default();
    for c in &funnel.channels {
        total.joins += c.stages.joins;
        total.linked_members += c.stages.linked_members;
        total.orders += c.stages.orders;
        total.referrals += c.stages.referrals;
    }
    let href = |col: Sort| {
        // A second click on the sorted column turns it around.
        let dir = if col == sort {
            if desc { "asc" } else { "desc" }
        } else if col.natural_desc() {
            "desc"
        } else {
            "asc"
        };
        let state = filter
            .as_deref()
            .map(|s| format!("&state={s}"))
            .unwrap_or_default();
        format!("/console/groups?sort={}&dir={dir}{state}", col.as_str())
    };
    let mark = |col: Sort| match (col == sort, desc) {
        (false, _) => "",
        (true, true) => " ↓",
        (true, false) => " ↑",
    };
    let sort_query = format!(
        "sort={}&dir={}",
        sort.as_str(),
        if desc { "desc" } else { "asc" }
    );
    let body = html! {
        section.census {
            p {
                (fmt::num(i64::from(census.groups))) (l.t(" 个群，", " groups, "))
                (fmt::num(i64::from(census.active_every_day_last_7_days)))
                (l.t(" 个过去 7 天每天都有顾客发言。", " with a customer posting on each of the past 7 days."))
            }
            ul.states.filters {
                li { a href=(format!("/console/groups?{sort_query}")) class=[filter.is_none().then_some("on")] {
                    (l.t("全部", "all")) " " b { (fmt::num(i64::from(census.groups))) } } }
                @for (state, n) in STATES.iter().map(|s| (s, census.states.get(s).copied().unwrap_or(0))) {
                    li { a href=(format!("/console/groups?{sort_query}&state={state}"))
                        class=[(filter.as_deref() == Some(*state)).then_some("on")] {
                        span class=(format!("state {state}")) { (state_label(l, state)) } " " b { (fmt::num(i64::from(n))) }
                    } }
                }
            }
        }
        div.two {
            section {
                h2 { (l.t("群的存活曲线（Kaplan–Meier）", "How long groups live (Kaplan–Meier)")) }
                p.muted {
                    (fmt::num(i64::from(survival.groups))) (l.t(" 个群，", " groups, "))
                    (fmt::num(i64::from(survival.deaths))) (l.t(" 个已死；", " died; "))
                    @match survival.median_days {
                        Some(m) => { (l.t("中位寿命 ", "median lifetime ")) (format!("{m:.0}")) (l.t(" 天（红线）。", " days (red line).")) }
                        None => { (l.t("一半以上仍然活着，中位寿命未知。", "more than half still live, so the median is not known yet.")) }
                    }
                    (l.t(" 横轴：天；纵轴：仍活着的比例。", " Across: days; up: share still alive."))
                }
                (community_charts::survival(&survival.curve, survival.median_days, l.t("群的存活曲线", "Group survival curve")))
            }
            section {
                h2 { (l.t("社群漏斗（近 90 天）", "Community funnel (last 90 days)")) }
                p.muted { (l.t("入群、其中关联到会员的人、他们的订单、他们推荐的朋友；条长按对数刻度，括号内为占上一步的比例。",
                    "Joins, the people among them linked to members, their orders, and the friends they referred; bars on a log scale, each share of the stage before.")) }
                (community_charts::funnel(&[
                    (l.t("入群", "joins"), total.joins),
                    (l.t("关联会员", "linked members"), total.linked_members),
                    (l.t("订单", "orders"), total.orders),
                    (l.t("推荐", "referrals"), total.referrals),
                ], l.t("社群漏斗", "Community funnel")))
            }
        }
        section {
            h2 { (l.t("各群健康度", "Health of every group")) " " span.muted { "(" (fmt::num(rows.len() as i64)) ")" } }
            div.scroll {
                table.groups {
                    thead { tr {
                        th { a href=(href(Sort::Name)) { (l.t("群名", "Group")) (mark(Sort::Name)) } }
                        th { (l.t("渠道", "Channel")) }
                        th { a href=(href(Sort::State)) { (l.t("状态", "State")) (mark(Sort::State)) } }
                        th.reason { (l.t("原因", "Why")) }
                        th { a href=(href(Sort::Activity)) { (l.t("最近顾客发言", "Last customer post")) (mark(Sort::Activity)) } }
                        th.num { a href=(href(Sort::Messages)) { (l.t("消息 7/28 天", "Messages 7/28 d")) (mark(Sort::Messages)) } }
                        th.num { (l.t("发言人 7/28 天", "Posters 7/28 d")) }
                        th.num { (l.t("成员", "Members")) }
                    } }
                    tbody {
                        @for r in &rows {
                            tr {
                                td { a href=(format!("/console/groups/{}", r.id)) { (r.name) } }
                                td { (r.channel) }
                                td { span class=(format!("state {}", r.state)) { (state_label(l, r.state)) } }
                                td.reason { (r.reason) }
                                td { (day(l, r.last_activity)) }
                                td.num { (fmt::num(r.messages_7 as i64)) " / " (fmt::num(r.messages_28 as i64)) }
                                td.num { (fmt::num(i64::from(r.posters_7))) " / " (fmt::num(i64::from(r.posters_28))) }
                                td.num { (r.members.map(|m| fmt::num(i64::from(m))).unwrap_or_else(|| "–".into())) }
                            }
                        }
                    }
                }
            }
            @if rows.is_empty() {
                p.muted { (l.t("还没有群。可以在“导入”页上传聊天记录。", "No groups yet. Upload a chat export on the Imports page.")) }
            }
        }
    };
    Ok(layout(&ctx, Nav::Groups, l.t("社群", "Groups"), body))
}

/// `?by=messages|posters`: what the heatmap colours by.
#[derive(Debug, Default, Deserialize)]
pub struct DetailQuery {
    by: Option<String>,
}

/// How many weeks the heatmap shows: half a year fits a phone.
const WEEKS: i64 = 26;

/// `GET /console/groups/{id}`.
pub async fn detail(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<DetailQuery>,
) -> PageResult {
    let l = ctx.lang;
    let id: i64 = id.parse().map_err(|_| PageError::not_found(l))?;
    let by_posters = q.by.as_deref() == Some("posters");
    let now = app.now();
    let today = app.time_zone.to_datetime(now).date();
    let from = community_charts::week_start(
        today
            .checked_sub(jiff::Span::new().days((WEEKS - 1) * 7))
            .unwrap_or(today),
    );
    let mut tx = app
        .store
        .read()
        .await
        .map_err(|e| PageError::from(e).lang(l))?;
    let report = report::groups(
        &mut tx,
        &app.time_zone,
        today,
        &app.config.lifecycle,
        Some(id),
    )
    .await
    .map_err(|e| PageError::from(e).lang(l))?;
    let Some(row) = report.groups.into_iter().next() else {
        return Err(PageError::not_found(l));
    };
    let (first, last) = (i64::from(day_number(from)), i64::from(day_number(today)));
    let mut values: BTreeMap<Date, u32> = BTreeMap::new();
    if by_posters {
        // Customers only: staff keeping a group talking is not activity.
        for s in pond_store::rollups::senders(&mut tx, first, last, Some(id))
            .await
            .map_err(|e| PageError::from(e).lang(l))?
        {
            if !s.staff {
                *values.entry(date_of(s.day)).or_default() += 1;
            }
        }
    } else {
        for d in pond_store::rollups::days(&mut tx, first, last, Some(id))
            .await
            .map_err(|e| PageError::from(e).lang(l))?
        {
            values.insert(
                date_of(d.day),
                u32::try_from(d.messages).unwrap_or(u32::MAX),
            );
        }
    }
    let trust = pond_app::trust::group_view(&mut tx, id, now)
        .await
        .map_err(|e| PageError::from(e).lang(l))?;
    // The store lists complaints across groups; a group has few.
    let complaints: Vec<_> = pond_store::alerts::list(&mut tx, None, 1000)
        .await
        .map_err(|e| PageError::from(e).lang(l))?
        .into_iter()
        .filter(|a| a.group_id == id)
        .take(10)
        .collect();
    drop(tx);

    let total: u64 = values.values().map(|v| u64::from(*v)).sum();
    let active_days = values.values().filter(|v| **v > 0).count();
    let body = html! {
        p { a href="/console/groups" { "← " (l.t("所有群", "All groups")) } }
        section.tiles {
            div.tile { b { span class=(format!("state {}", row.state)) { (state_label(l, row.state)) } } span { (l.t("状态", "state")) } small { (row.reason) } }
            div.tile { b { (fmt::num(row.messages_7 as i64)) } span { (l.t("7 天消息", "messages, 7 days")) } small { (fmt::num(row.messages_28 as i64)) (l.t(" 条 28 天", " in 28 days")) } }
            div.tile { b { (fmt::num(i64::from(row.posters_7))) } span { (l.t("7 天发言顾客", "customers posting, 7 days")) } small { (fmt::num(i64::from(row.posters_28))) (l.t(" 位 28 天", " in 28 days")) } }
            div.tile { b { (row.members.map(|m| fmt::num(i64::from(m))).unwrap_or_else(|| "–".into())) } span { (l.t("成员", "members")) } small { (l.t("最近顾客发言：", "last customer post: ")) (day(l, row.last_activity)) } }
        }
        section {
            h2 { (l.t("每日活跃（近 26 周）", "Activity day by day (last 26 weeks)")) }
            p.periods {
                a href=(format!("/console/groups/{id}?by=messages")) class=[(!by_posters).then_some("on")] { (l.t("按消息数", "by messages")) }
                a href=(format!("/console/groups/{id}?by=posters")) class=[by_posters.then_some("on")] { (l.t("按发言顾客数", "by customers posting")) }
            }
            div #heatmap .heatmap {
                (community_charts::heatmap(&Heatmap {
                    from,
                    to: today,
                    values: &values,
                    weekdays: [l.t("一", "Mon"), l.t("三", "Wed"), l.t("五", "Fri")],
                    label: l.t("每日活跃热力图", "Daily activity heatmap"),
                }))
            }
            p.muted {
                (l.t("每列一周（周一在上），每格一天，颜色越深", "One column per week (Monday on top), one square per day; the darker, the more "))
                (if by_posters { l.t("发言的顾客越多", "customers posted") } else { l.t("消息越多", "messages") })
                (l.t("。", ". "))
                (fmt::num(active_days as i64)) (l.t(" 天有活动，共 ", " active days, "))
                (fmt::num(total as i64)) (if by_posters { l.t(" 人次。", " customer-days.") } else { l.t(" 条消息。", " messages.") })
            }
        }
        div.two {
            section {
                h2 { (l.t("信任预算", "Trust budget")) }
                p { b { (fmt::num(trust.score)) } " / " (fmt::num(trust.budget)) " "
                    span.muted { (l.t("（低于 ", "(below ")) (fmt::num(trust.threshold)) (l.t(" 不再群发）", " nothing is broadcast)")) } }
                ul.todo {
                    li { (l.t("群发花掉", "Spent on broadcasts")) ": " (fmt::num(trust.spent_on_asks)) }
                    li { (l.t("因退群、屏蔽损失", "Lost to leaves and mutes")) ": " (fmt::num(trust.lost_to_reactions)) }
                    li { (l.t("因给予价值赢回", "Earned back by value given")) ": " (fmt::num(trust.earned)) }
                    li { (l.t("随时间恢复", "Recovered with time")) ": " (fmt::num(trust.recovered)) }
                    @for d in &trust.can_ask {
                        li class=[(!d.allowed).then_some("notice")] {
                            (if d.allowed { l.t("现在可以群发。", "A broadcast may go out now.") } else { l.t("现在不能群发：", "No broadcast now: ") })
                            @if !d.allowed { (d.reason) }
                        }
                    }
                }
            }
            section {
                h2 { a href="/console/complaints?state=all" { (l.t("最近投诉", "Recent complaints")) } }
                @if complaints.is_empty() {
                    p.muted { (l.t("没有投诉。", "No complaints.")) }
                }
                ul.complaints {
                    @for a in &complaints {
                        li {
                            b { (a.sender.as_deref().unwrap_or("–")) } " · " (fmt::datetime_ms(l, &ctx.tz, a.event_at))
                            " · " span class=(format!("alert {}", a.state)) { (super::complaints::state_name(l, &a.state)) }
                            br; (a.text)
                        }
                    }
                }
            }
        }
    };
    let title = format!("{} · {}", row.name, row.channel);
    Ok(layout(&ctx, Nav::Groups, &title, body))
}

/// A civil day in the page's language, or a dash.
fn day(l: Lang, d: Option<Date>) -> Markup {
    html! {
        @match d {
            Some(d) => (match l {
                Lang::Zh => d.strftime("%Y年%-m月%-d日").to_string(),
                Lang::En => d.strftime("%-d %b %Y").to_string(),
            }),
            None => "–",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64, name: &str, state: &'static str, last: Option<Date>, m28: u64) -> GroupRow {
        GroupRow {
            id,
            name: name.into(),
            channel: "whatsapp".into(),
            state,
            reason: String::new(),
            last_activity: last,
            members: None,
            messages_7: 0,
            messages_28: m28,
            posters_7: 0,
            posters_28: 0,
            streak_days: 0,
            active_every_day_last_7: false,
            stickiness_28: None,
            posted_share_28: None,
            bus_factor_28: 0,
        }
    }

    #[test]
    fn rows_sort_on_each_column() {
        let d = |n| Some(jiff::civil::date(2026, 11, n));
        let mut rows = vec![
            row(1, "b", "dead", d(1), 5),
            row(2, "A", "active", d(20), 50),
            row(3, "c", "new", None, 9),
        ];
        sort_rows(&mut rows, Sort::Activity, true);
        assert_eq!(rows.iter().map(|r| r.id).collect::<Vec<_>>(), [2, 1, 3]);
        sort_rows(&mut rows, Sort::Name, false);
        assert_eq!(rows.iter().map(|r| r.id).collect::<Vec<_>>(), [2, 1, 3]);
        sort_rows(&mut rows, Sort::Messages, true);
        assert_eq!(rows.iter().map(|r| r.id).collect::<Vec<_>>(), [2, 3, 1]);
        sort_rows(&mut rows, Sort::State, false);
        assert_eq!(rows.iter().map(|r| r.id).collect::<Vec<_>>(), [3, 2, 1]);
    }
}
