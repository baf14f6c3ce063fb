//! Customers in bulk: a CSV file of them imported (with a dry run that
//! names every bad line and writes nothing), and every member written out
//! as CSV in the same columns, so a file exported here imports anywhere.
//!
//! A row is matched to a member by its identity keys (phone, email and the
//! other kinds): a row whose keys belong to no one makes a member, one whose
//! keys belong to one member adds its tags (and a name the member lacks),
//! so importing the same file twice changes nothing. The whole file is one
//! transaction: a file with any problem writes nothing.

use crate::error::ApiResult;
use crate::join::Lang;
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use pond_core::identity::{KeyKind, Region};
use pond_core::roster::{self, Column, Customer, Problem, ProblemCode};
use pond_store::Tx;
use pond_store::members::NewMember;
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;

/// Largest file taken: 100,000 customers of ~100 bytes, with room.
pub const FILE_LIMIT: usize = 32 << 20;

/// A problem on one line of the file (line 1 is the header).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LineProblem {
    /// The line, counted from 1 (the header).
    pub line: u64,
    /// Stable code, e.g. `invalid_phone`, `duplicate_in_file`.
    pub code: &'static str,
    /// The value at fault as written, or what the code names.
    pub value: String,
    #[serde(skip)]
    problem: Problem,
}

impl LineProblem {
    fn new(line: u64, problem: Problem) -> Self {
        LineProblem {
            line,
            code: problem.code.as_str(),
            value: problem.value.clone(),
            problem,
        }
    }

    /// The problem as a sentence in `l`, with its line.
    pub fn message(&self, l: Lang) -> String {
        match l {
            Lang::Zh => format!("第 {} 行：{}", self.line, describe(l, &self.problem)),
            Lang::En => format!("line {}: {}", self.line, describe(l, &self.problem)),
        }
    }
}

/// What an import did, or (dry run) would do.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct ImportReport {
    /// Whether this was a dry run (nothing written whatever the outcome).
    pub dry_run: bool,
    /// Data lines read (the header not counted).
    pub rows: u64,
    /// Members created.
    pub created: u64,
    /// Existing members given new tags or a missing name.
    pub updated: u64,
    /// Rows that matched a member and changed nothing.
    pub unchanged: u64,
    /// Every problem, by line; when any, nothing was written.
    pub problems: Vec<LineProblem>,
}

impl ImportReport {
    /// Whether the file was written (or, in a dry run, would be).
    pub fn accepted(&self) -> bool {
        self.problems.is_empty()
    }
}

/// A file read into rows: the good ones and every problem, by line.
pub struct Parsed {
    rows: Vec<(u64, Customer)>,
    read: u64,
    problems: Vec<LineProblem>,
}

/// Reads a customer file (UTF-8, a BOM allowed; comma-separated with a
/// header naming its columns in English or Chinese). No database is read.
pub fn parse(bytes: &[u8], region: Region, today: Date) -> Parsed {
    let mut out = Parsed {
        rows: Vec::new(),
        read: 0,
        problems: Vec::new(),
    };
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut records = reader.byte_records();
    let header = match records.next() {
        None => {
            out.problems
                .push(LineProblem::new(1, Problem::new(ProblemCode::NoHeader, "")));
            return out;
        }
        Some(Err(e)) => {
            out.problems.push(csv_problem(&e, 1));
            return out;
        }
        Some(Ok(h)) => h,
    };
    let mut columns = Vec::with_capacity(header.len());
    for cell in header.iter() {
        let name = String::from_utf8_lossy(cell);
        match Column::parse(&name) {
            Some(c) if columns.contains(&c) => out.problems.push(LineProblem::new(
                1,
                Problem::new(ProblemCode::DuplicateColumn, name.trim()),
            )),
            Some(c) => columns.push(c),
            None => out.problems.push(LineProblem::new(
                1,
                Problem::new(ProblemCode::UnknownColumn, name.trim()),
            )),
        }
    }
    if !columns.iter().any(|c| matches!(c, Column::Key(_))) {
        out.problems.push(LineProblem::new(
            1,
            Problem::new(ProblemCode::NoIdentityColumn, ""),
        ));
    }
    if !out.problems.is_empty() {
        return out;
    }
    for record in records {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                out.problems.push(csv_problem(&e, line));
                // A broken quote may swallow the rest: stop at the first.
                return out;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(|c| c.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        out.read += 1;
        if record.len() != columns.len() {
            out.problems.push(LineProblem::new(
                line,
                Problem::new(
                    ProblemCode::FieldCount,
                    format!("{}/{}", record.len(), columns.len()),
                ),
            ));
            continue;
        }
        let mut cells = Vec::with_capacity(columns.len());
        let mut utf8 = true;
        for (col, cell) in columns.iter().zip(record.iter()) {
            match std::str::from_utf8(cell) {
                Ok(s) => cells.push((*col, s)),
                Err(_) => utf8 = false,
            }
        }
        if !utf8 {
            out.problems.push(LineProblem::new(
                line,
                Problem::new(ProblemCode::NotUtf8, ""),
            ));
            continue;
        }
        match roster::customer(&cells, region, today) {
            Ok(c) => out.rows.push((line, c)),
            Err(ps) => out
                .problems
                .extend(ps.into_iter().map(|p| LineProblem::new(line, p))),
        }
    }
    out
}

fn csv_problem(e: &csv::Error, line: u64) -> LineProblem {
    let code = match e.kind() {
        csv::ErrorKind::Utf8 { .. } => ProblemCode::NotUtf8,
        csv::ErrorKind::UnequalLengths { .. } => ProblemCode::FieldCount,
        _ => ProblemCode::Malformed,
    };
    LineProblem::new(line, Problem::new(code, ""))
}

/// Matches the file's rows to members and, unless `dry_run` or a problem
/// was found, writes them in the caller's transaction. New members join on
/// their `joined` day (midnight in the shop's zone) or now, and are marked
/// as customers from before Pond (`existing_customer`), which the fraud
/// rules read; they get no base grant, since they did not sign up to a
/// program.
pub async fn import(
    tx: &mut Tx,
    parsed: Parsed,
    tz: &TimeZone,
    now: Timestamp,
    dry_run: bool,
) -> ApiResult<ImportReport> {
    let mut report = ImportReport {
        dry_run,
        rows: parsed.read,
        problems: parsed.problems,
        ..Default::default()
    };
    let kinds: Vec<KeyKind> = KeyKind::ALL
        .into_iter()
        .filter(|k| {
            parsed
                .rows
                .iter()
                .any(|(_, c)| c.keys.iter().any(|x| x.kind == *k))
        })
        .collect();
    let owners = pond_store::roster::owners(tx, &kinds).await?;
    let mut first_line: HashMap<(KeyKind, &str), u64> = HashMap::new();
    let mut plan = Vec::with_capacity(parsed.rows.len());
    for (line, c) in &parsed.rows {
        let mut found: Vec<i64> = Vec::new();
        let mut ok = true;
        for k in &c.keys {
            if let Some(first) = first_line.insert((k.kind, &k.value), *line) {
                report.problems.push(LineProblem::new(
                    *line,
                    Problem::new(ProblemCode::DuplicateInFile, format!("{}|{first}", k.value)),
                ));
                ok = false;
            }
            if let Some(m) = owners.get(&(k.kind, k.value.clone()))
                && !found.contains(m)
            {
                found.push(*m);
            }
        }
        if found.len() > 1 {
            let ids: Vec<String> = found.iter().map(|m| format!("#{m}")).collect();
            report.problems.push(LineProblem::new(
                *line,
                Problem::new(ProblemCode::TwoMembers, ids.join(", ")),
            ));
            ok = false;
        }
        if ok {
            plan.push((c, found.first().copied()));
        }
    }
    report.problems.sort_by_key(|p| p.line);
    if !report.problems.is_empty() {
        return Ok(report);
    }
    // What matched members have, read once, so a row that brings nothing
    // new costs no statement: importing a file again writes nothing.
    let (mut have, mut nameless) = if plan.iter().any(|(_, owner)| owner.is_some()) {
        (
            pond_store::tags::all(tx).await?,
            pond_store::roster::nameless(tx).await?,
        )
    } else {
        Default::default()
    };
    for (c, owner) in plan {
        let tags: Vec<String> = c.tags.iter().map(|t| t.as_str().to_string()).collect();
        match owner {
            None => {
                report.created += 1;
                if dry_run {
                    continue;
                }
                let joined = match c.joined {
                    Some(d) => d.to_zoned(tz.clone()).map(|z| z.timestamp()).unwrap_or(now),
                    None => now,
                };
                let new = NewMember {
                    name: c.name.clone(),
                    existing_customer: true,
                    keys: c.keys.clone(),
                    heard_from: c.heard_from,
                    ..Default::default()
                };
                let id = pond_store::members::insert(tx, &new, joined).await?;
                pond_store::tags::add(tx, id, &tags).await?;
            }
            Some(member) => {
                let had = have.entry(member).or_default();
                let new_tags: Vec<String> =
                    tags.iter().filter(|t| !had.contains(t)).cloned().collect();
                had.extend(new_tags.iter().cloned());
                let mut changed = !new_tags.is_empty();
                if changed && !dry_run {
                    pond_store::tags::add(tx, member, &new_tags).await?;
                }
                if let Some(name) = &c.name
                    && nameless.remove(&member)
                {
                    changed = true;
                    if !dry_run {
                        pond_store::roster::fill_name(tx, member, name).await?;
                    }
                }
                if changed {
                    report.updated += 1;
                } else {
                    report.unchanged += 1;
                }
            }
        }
    }
    Ok(report)
}

/// Every member (erased ones left out) as CSV, in the columns the import
/// reads: `id,name,phone,email,external_id,wechat_unionid,wechat_openid,tags,joined,heard_from`.
/// `joined` is the day in the shop's zone.
pub async fn export_all(tx: &mut Tx, tz: &TimeZone) -> ApiResult<Vec<u8>> {
    let members = pond_store::roster::everyone(tx).await?;
    let mut tags = pond_store::tags::all(tx).await?;
    let mut w = csv::Writer::from_writer(Vec::with_capacity(members.len() * 96 + 128));
    let keys = [
        KeyKind::Phone,
        KeyKind::Email,
        KeyKind::ExternalId,
        KeyKind::WechatUnionid,
        KeyKind::WechatOpenid,
    ];
    let mut header = vec![Column::Id.header(), Column::Name.header()];
    header.extend(keys.iter().map(|k| k.as_str()));
    header.extend([
        Column::Tags.header(),
        Column::Joined.header(),
        Column::HeardFrom.header(),
    ]);
    let csv_err = |e: csv::Error| crate::error::ApiError::internal(&e);
    w.write_record(&header).map_err(csv_err)?;
    for m in members {
        let mut row = vec![m.id.to_string(), m.name.unwrap_or_default()];
        for k in keys {
            row.push(
                m.keys
                    .iter()
                    .find(|(kind, _)| *kind == k)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default(),
            );
        }
        row.push(roster::join_tags(&tags.remove(&m.id).unwrap_or_default()));
        row.push(tz.to_datetime(m.joined).date().to_string());
        row.push(
            m.heard_from
                .map(|h| h.as_str().to_string())
                .unwrap_or_default(),
        );
        w.write_record(&row).map_err(csv_err)?;
    }
    w.into_inner()
        .map_err(|e| crate::error::ApiError::internal(&e.to_string()))
}

/// Replaces a member's tags with those typed in `raw` (separated by `;`
/// `,` `、` or `|`), in the caller's transaction; the tags as stored.
pub async fn set_tags(tx: &mut Tx, member: i64, raw: &[String]) -> ApiResult<Vec<String>> {
    let m = pond_store::members::get(tx, member)
        .await?
        .ok_or_else(|| crate::error::ApiError::not_found("member"))?;
    if m.erased_at.is_some() {
        return Err(crate::error::ApiError::conflict(
            "member_erased",
            "this member was erased; nothing can be added to them",
        ));
    }
    let joined = raw.join(";");
    let tags = roster::parse_tags(&joined).map_err(|p| {
        crate::error::ApiError::unprocessable(p.code.as_str(), describe(Lang::En, &p)).field("tags")
    })?;
    let tags: Vec<String> = tags.iter().map(|t| t.as_str().to_string()).collect();
    pond_store::tags::set(tx, member, &tags).await?;
    Ok(pond_store::tags::of(tx, member).await?)
}

/// A problem in a sentence, in `l`.
pub fn describe(l: Lang, p: &Problem) -> String {
    let v = &p.value;
    match p.code {
        ProblemCode::NotUtf8 => l
            .t(
                "不是 UTF-8 文本：请在表格软件里另存为「CSV UTF-8」",
                "not UTF-8 text: save the sheet as \"CSV UTF-8\"",
            )
            .into(),
        ProblemCode::NoHeader => l
            .t("文件是空的，缺少表头", "the file is empty: no header line")
            .into(),
        ProblemCode::UnknownColumn => match l {
            Lang::Zh => {
                format!("不认识的列「{v}」（可用：name、phone、email、tags、joined、heard_from）")
            }
            Lang::En => format!(
                "unknown column \"{v}\" (known: name, phone, email, tags, joined, heard_from)"
            ),
        },
        ProblemCode::DuplicateColumn => match l {
            Lang::Zh => format!("列「{v}」出现了两次"),
            Lang::En => format!("column \"{v}\" appears twice"),
        },
        ProblemCode::NoIdentityColumn => l
            .t(
                "缺少 phone 或 email 列，无法识别顾客",
                "no phone or email column: customers cannot be told apart",
            )
            .into(),
        ProblemCode::FieldCount => match l {
            Lang::Zh => format!("单元格数与表头不符（{v}）"),
            Lang::En => format!("cell count differs from the header ({v})"),
        },
        ProblemCode::Malformed => l
            .t(
                "CSV 格式错误（引号未闭合？）",
                "malformed CSV (an unclosed quote?)",
            )
            .into(),
        ProblemCode::NoIdentity => l
            .t(
                "没有手机号、邮箱或其他身份",
                "no phone, email or other identity",
            )
            .into(),
        ProblemCode::BadPhone => match l {
            Lang::Zh => format!("手机号「{v}」无效"),
            Lang::En => format!("\"{v}\" is not a valid phone number"),
        },
        ProblemCode::BadEmail => match l {
            Lang::Zh => format!("邮箱「{v}」无效"),
            Lang::En => format!("\"{v}\" is not an email address"),
        },
        ProblemCode::BadId => match l {
            Lang::Zh => format!("编号「{v}」无效（1 到 128 个可见字符）"),
            Lang::En => format!("id \"{v}\" is invalid (1 to 128 printable characters)"),
        },
        ProblemCode::LongName => l
            .t(
                "姓名超过 200 个字",
                "the name is longer than 200 characters",
            )
            .into(),
        ProblemCode::BadDate => match l {
            Lang::Zh => format!("日期「{v}」无效（写作 2024-03-01）"),
            Lang::En => format!("\"{v}\" is not a date (write 2024-03-01)"),
        },
        ProblemCode::FutureDate => match l {
            Lang::Zh => format!("加入日期「{v}」在今天之后"),
            Lang::En => format!("the joined date \"{v}\" is after today"),
        },
        ProblemCode::BadHeardFrom => match l {
            Lang::Zh => format!(
                "来源「{v}」无效（friend、group、ad、walk_in、other 或 朋友、群、广告、路过、其他）"
            ),
            Lang::En => {
                format!("\"{v}\" is not a known answer (friend, group, ad, walk_in, other)")
            }
        },
        ProblemCode::EmptyTag => l.t("有一个空标签", "an empty tag").into(),
        ProblemCode::LongTag => match l {
            Lang::Zh => format!("标签「{v}」超过 {} 个字", roster::TAG_MAX),
            Lang::En => format!("tag \"{v}\" is longer than {} characters", roster::TAG_MAX),
        },
        ProblemCode::BadTag => match l {
            Lang::Zh => format!("标签「{v}」含有控制字符"),
            Lang::En => format!("tag \"{v}\" holds a control character"),
        },
        ProblemCode::TooManyTags => match l {
            Lang::Zh => format!("标签太多（{v} 个，最多 {} 个）", roster::TAGS_MAX),
            Lang::En => format!("too many tags ({v}; at most {})", roster::TAGS_MAX),
        },
        ProblemCode::DuplicateInFile => {
            let (value, first) = v.rsplit_once('|').unwrap_or((v, "?"));
            match l {
                Lang::Zh => format!("「{value}」已在第 {first} 行出现"),
                Lang::En => format!("\"{value}\" is already on line {first}"),
            }
        }
        ProblemCode::TwoMembers => match l {
            Lang::Zh => format!("这一行的身份分属不同的会员（{v}）"),
            Lang::En => format!("this row's identities belong to different members ({v})"),
        },
    }
}
