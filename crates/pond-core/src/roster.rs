//! The shop's customer list as a spreadsheet: tags on members, and the
//! rules for one row of a customer file (name, phone, email, tags, joined
//! date, how they heard of the shop). Reading the CSV is the door's job;
//! what makes a row acceptable is decided here, and every problem is a code
//! with its value, worded in the reader's language at the door.

use crate::heard_from::HeardFrom;
use crate::identity::{IdentityKey, KeyKind, Region};
use jiff::civil::Date;

/// Longest tag, in characters.
pub const TAG_MAX: usize = 32;
/// Most tags on one member.
pub const TAGS_MAX: usize = 20;
/// Longest name, in characters (as the API's).
pub const NAME_MAX: usize = 200;

/// A label the shop puts on members ("wedding client", "class student").
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Tag(String);

impl Tag {
    /// A tag from what a person typed: trimmed, inner spaces collapsed, 1 to
    /// [`TAG_MAX`] characters, none of them a separator or a control.
    pub fn parse(raw: &str) -> Result<Self, Problem> {
        let s = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        let bad = |code| Problem::new(code, raw.trim());
        if s.is_empty() {
            return Err(bad(ProblemCode::EmptyTag));
        }
        if s.chars().count() > TAG_MAX {
            return Err(bad(ProblemCode::LongTag));
        }
        if s.chars().any(|c| c.is_control() || SEPARATORS.contains(&c)) {
            return Err(bad(ProblemCode::BadTag));
        }
        Ok(Tag(s))
    }

    /// The tag's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What separates tags in one cell: ASCII and full-width commas and
/// semicolons, the Chinese enumeration comma, and a bar.
const SEPARATORS: [char; 6] = [',', ';', '，', '；', '、', '|'];

/// The tags in one cell, each once, in the order given. At most [`TAGS_MAX`].
pub fn parse_tags(cell: &str) -> Result<Vec<Tag>, Problem> {
    let mut out: Vec<Tag> = Vec::new();
    for part in cell.split(SEPARATORS) {
        if part.trim().is_empty() {
            continue;
        }
        let t = Tag::parse(part)?;
        if !out.contains(&t) {
            out.push(t);
        }
    }
    if out.len() > TAGS_MAX {
        return Err(Problem::new(
            ProblemCode::TooManyTags,
            out.len().to_string(),
        ));
    }
    Ok(out)
}

/// Tags joined for a cell of an exported file.
pub fn join_tags(tags: &[String]) -> String {
    tags.join("; ")
}

/// Why a row (or the file) cannot be imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemCode {
    /// The file is not UTF-8 text.
    NotUtf8,
    /// The file has no header line.
    NoHeader,
    /// A header names a column this import does not know.
    UnknownColumn,
    /// A column is named twice.
    DuplicateColumn,
    /// The header has neither a phone nor an email column (nor another key).
    NoIdentityColumn,
    /// A line has more or fewer cells than the header.
    FieldCount,
    /// The CSV itself is malformed here (an unclosed quote).
    Malformed,
    /// A row with no phone, email or other key.
    NoIdentity,
    /// A phone that is not a valid number.
    BadPhone,
    /// An email that is not an address.
    BadEmail,
    /// An external or WeChat id that is empty, too long or has controls.
    BadId,
    /// A name longer than [`NAME_MAX`].
    LongName,
    /// A date that is not YYYY-MM-DD (or with / or .).
    BadDate,
    /// A joined date after today.
    FutureDate,
    /// An answer to "how did you hear" that is none of the known ones.
    BadHeardFrom,
    /// An empty tag (two separators in a row are fine; this is a blank one).
    EmptyTag,
    /// A tag longer than [`TAG_MAX`].
    LongTag,
    /// A tag holding a control character or a separator.
    BadTag,
    /// More than [`TAGS_MAX`] tags.
    TooManyTags,
    /// The same phone or email on an earlier line of the file.
    DuplicateInFile,
    /// The row's keys belong to two different members already.
    TwoMembers,
}

impl ProblemCode {
    /// The stable code, for JSON and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemCode::NotUtf8 => "not_utf8",
            ProblemCode::NoHeader => "no_header",
            ProblemCode::UnknownColumn => "unknown_column",
            ProblemCode::DuplicateColumn => "duplicate_column",
            ProblemCode::NoIdentityColumn => "no_identity_column",
            ProblemCode::FieldCount => "field_count",
            ProblemCode::Malformed => "malformed",
            ProblemCode::NoIdentity => "no_identity",
            ProblemCode::BadPhone => "invalid_phone",
            ProblemCode::BadEmail => "invalid_email",
            ProblemCode::BadId => "invalid_id",
            ProblemCode::LongName => "name_too_long",
            ProblemCode::BadDate => "invalid_date",
            ProblemCode::FutureDate => "future_date",
            ProblemCode::BadHeardFrom => "invalid_heard_from",
            ProblemCode::EmptyTag => "empty_tag",
            ProblemCode::LongTag => "tag_too_long",
            ProblemCode::BadTag => "invalid_tag",
            ProblemCode::TooManyTags => "too_many_tags",
            ProblemCode::DuplicateInFile => "duplicate_in_file",
            ProblemCode::TwoMembers => "keys_of_two_members",
        }
    }
}

/// A problem and the value it is about (a cell, a column name, a line
/// number or member ids, by code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// What is wrong.
    pub code: ProblemCode,
    /// The value at fault, as typed (or the numbers the code names).
    pub value: String,
}

impl Problem {
    /// A problem about `value`.
    pub fn new(code: ProblemCode, value: impl Into<String>) -> Self {
        Problem {
            code,
            value: value.into(),
        }
    }
}

/// The columns a customer file may have. Headers are matched without case,
/// spaces or underscores, in English or Chinese.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    /// Pond's id in an exported file: read and ignored (ids belong to one shop).
    Id,
    /// Display name.
    Name,
    /// An identity key.
    Key(KeyKind),
    /// Tags, separated by `;` `,` `、` or `|`.
    Tags,
    /// The day they became a customer.
    Joined,
    /// How they heard of the shop.
    HeardFrom,
}

impl Column {
    /// The column a header names, if any.
    pub fn parse(header: &str) -> Option<Column> {
        let h: String = header
            .trim()
            .trim_start_matches('\u{feff}')
            .chars()
            .filter(|c| !matches!(c, ' ' | '_' | '-'))
            .flat_map(char::to_lowercase)
            .collect();
        Some(match h.as_str() {
            "id" | "编号" => Column::Id,
            "name" | "姓名" | "名字" | "称呼" => Column::Name,
            "phone" | "mobile" | "手机" | "手机号" | "电话" => Column::Key(KeyKind::Phone),
            "email" | "邮箱" | "电子邮件" => Column::Key(KeyKind::Email),
            "externalid" | "客户编号" => Column::Key(KeyKind::ExternalId),
            "wechatunionid" => Column::Key(KeyKind::WechatUnionid),
            "wechatopenid" => Column::Key(KeyKind::WechatOpenid),
            "tags" | "标签" => Column::Tags,
            "joined" | "joineddate" | "joinedat" | "加入日期" | "加入时间" => {
                Column::Joined
            }
            "heardfrom" | "howheard" | "来源" | "渠道" => Column::HeardFrom,
            _ => return None,
        })
    }

    /// The header Pond writes for this column.
    pub fn header(self) -> &'static str {
        match self {
            Column::Id => "id",
            Column::Name => "name",
            Column::Key(k) => k.as_str(),
            Column::Tags => "tags",
            Column::Joined => "joined",
            Column::HeardFrom => "heard_from",
        }
    }
}

/// One customer as a valid row gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer {
    /// Display name, trimmed.
    pub name: Option<String>,
    /// Normalised identity keys, at least one.
    pub keys: Vec<IdentityKey>,
    /// Tags, each once.
    pub tags: Vec<Tag>,
    /// The day they became a customer, if given.
    pub joined: Option<Date>,
    /// How they heard of the shop, if given.
    pub heard_from: Option<HeardFrom>,
}

/// Reads one row, given as (column, cell) pairs. Every problem of the row
/// is returned, not only the first, so one pass of the file names them all.
pub fn customer(
    cells: &[(Column, &str)],
    region: Region,
    today: Date,
) -> Result<Customer, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut c = Customer {
        name: None,
        keys: Vec::new(),
        tags: Vec::new(),
        joined: None,
        heard_from: None,
    };
    for (col, cell) in cells {
        let cell = cell.trim();
        if cell.is_empty() {
            continue;
        }
        match col {
            Column::Id => {}
            Column::Name if cell.chars().count() > NAME_MAX => {
                problems.push(Problem::new(ProblemCode::LongName, cell));
            }
            Column::Name => c.name = Some(cell.to_string()),
            Column::Key(kind) => match IdentityKey::parse(*kind, cell, region) {
                Ok(k) => c.keys.push(k),
                Err(_) => problems.push(Problem::new(
                    match kind {
                        KeyKind::Phone => ProblemCode::BadPhone,
                        KeyKind::Email => ProblemCode::BadEmail,
                        _ => ProblemCode::BadId,
                    },
                    cell,
                )),
            },
            Column::Tags => match parse_tags(cell) {
                Ok(t) => c.tags = t,
                Err(p) => problems.push(p),
            },
            Column::Joined => match parse_date(cell) {
                Some(d) if d > today => problems.push(Problem::new(ProblemCode::FutureDate, cell)),
                Some(d) => c.joined = Some(d),
                None => problems.push(Problem::new(ProblemCode::BadDate, cell)),
            },
            Column::HeardFrom => match heard_from(cell) {
                Some(h) => c.heard_from = Some(h),
                None => problems.push(Problem::new(ProblemCode::BadHeardFrom, cell)),
            },
        }
    }
    if c.keys.is_empty() && problems.is_empty() {
        problems.push(Problem::new(ProblemCode::NoIdentity, ""));
    }
    if problems.is_empty() {
        Ok(c)
    } else {
        Err(problems)
    }
}

/// `2024-03-01`, `2024/3/1` or `2024.03.01`; also `2024-03-01T10:00` (the
/// day is kept), as spreadsheets often write a date and time.
pub fn parse_date(cell: &str) -> Option<Date> {
    let day = cell.split(['T', ' ']).next()?;
    let mut parts = day.split(['-', '/', '.']);
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 {
        return None;
    }
    Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?).ok()
}

/// An answer to "how did you hear about us?": Pond's codes, common English
/// spellings, or the Chinese words a shop's sheet uses.
pub fn heard_from(cell: &str) -> Option<HeardFrom> {
    let s = cell.trim().to_lowercase().replace([' ', '-'], "_");
    HeardFrom::parse(&s).or(match s.as_str() {
        "朋友" | "朋友推荐" | "转介绍" | "口碑" => Some(HeardFrom::Friend),
        "群" | "社群" | "群聊" | "微信群" => Some(HeardFrom::Group),
        "广告" | "advert" | "advertisement" => Some(HeardFrom::Ad),
        "路过" | "到店" | "walkin" => Some(HeardFrom::WalkIn),
        "其他" | "其它" => Some(HeardFrom::Other),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> Date {
        Date::new(2026, 6, 1).unwrap_or_default()
    }

    #[test]
    fn tags_split_on_every_separator_and_dedupe() {
        let t =
            parse_tags("wedding client; class student,婚礼、 wedding client").unwrap_or_default();
        let names: Vec<_> = t.iter().map(Tag::as_str).collect();
        assert_eq!(names, ["wedding client", "class student", "婚礼"]);
        assert_eq!(
            parse_tags(&"x".repeat(33)).map_err(|p| p.code),
            Err(ProblemCode::LongTag)
        );
        assert_eq!(
            Tag::parse("a\u{7}b").map_err(|p| p.code),
            Err(ProblemCode::BadTag)
        );
        let many = (0..21).map(|i| i.to_string()).collect::<Vec<_>>().join(";");
        assert_eq!(
            parse_tags(&many).map_err(|p| p.code),
            Err(ProblemCode::TooManyTags)
        );
    }

    #[test]
    fn dates_in_the_usual_spellings() {
        let d = Date::new(2024, 3, 1).ok();
        for s in [
            "2024-03-01",
            "2024/3/1",
            "2024.03.01",
            "2024-03-01T09:30",
            "2024-03-01 09:30",
        ] {
            assert_eq!(parse_date(s), d, "{s}");
        }
        for s in [
            "01/03/2024",
            "2024-13-01",
            "2024-02-30",
            "yesterday",
            "24-03-01",
        ] {
            assert_eq!(parse_date(s), None, "{s}");
        }
    }

    #[test]
    fn a_row_names_every_problem() {
        let cells = [
            (Column::Name, "Mei"),
            (Column::Key(KeyKind::Phone), "12"),
            (Column::Key(KeyKind::Email), "not-an-email"),
            (Column::Joined, "2030-01-01"),
            (Column::HeardFrom, "tv"),
        ];
        let codes: Vec<_> = customer(&cells, Region::default(), today())
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|p| p.code)
            .collect();
        assert_eq!(
            codes,
            [
                ProblemCode::BadPhone,
                ProblemCode::BadEmail,
                ProblemCode::FutureDate,
                ProblemCode::BadHeardFrom
            ]
        );
        let none = customer(&[(Column::Name, "Mei")], Region::default(), today());
        assert_eq!(none.map_err(|p| p[0].code), Err(ProblemCode::NoIdentity));
    }

    #[test]
    fn a_good_row_normalises() {
        let cells = [
            (Column::Name, " Mei "),
            (Column::Key(KeyKind::Phone), "138 0000 0001"),
            (Column::Tags, "婚礼；花艺课"),
            (Column::Joined, "2024/3/1"),
            (Column::HeardFrom, "朋友"),
        ];
        let c = customer(&cells, Region::default(), today());
        let c = c.unwrap_or_else(|p| panic!("{p:?}"));
        assert_eq!(c.name.as_deref(), Some("Mei"));
        assert_eq!(c.keys[0].value, "+8613800000001");
        assert_eq!(c.tags.len(), 2);
        assert_eq!(c.heard_from, Some(HeardFrom::Friend));
    }

    #[test]
    fn headers_in_english_and_chinese() {
        assert_eq!(Column::parse("\u{feff}Name"), Some(Column::Name));
        assert_eq!(Column::parse("手机号"), Some(Column::Key(KeyKind::Phone)));
        assert_eq!(Column::parse("heard_from"), Some(Column::HeardFrom));
        assert_eq!(Column::parse("Joined Date"), Some(Column::Joined));
        assert_eq!(Column::parse("phnoe"), None);
        for c in [
            Column::Id,
            Column::Name,
            Column::Tags,
            Column::Joined,
            Column::HeardFrom,
        ] {
            assert_eq!(Column::parse(c.header()), Some(c));
        }
    }
}
