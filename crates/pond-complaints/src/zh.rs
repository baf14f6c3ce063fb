//! The Chinese pipeline: jieba tokens, lexicon matches, negation, questions.

use jieba_rs::Jieba;

use crate::lexicon::{Entry, ZhLexicon};
use crate::text::{is_clause_break, sentences};
use crate::{NEGATION_WINDOW, RawHit, contrast_factor, effective_weight};

/// Words that negate a term within [`NEGATION_WINDOW`] tokens after them.
/// 不用/不要 are here because "不用退款" declines a refund; 不会 because
/// "不会蔫" reassures. Terms that contain their own negator (没送到,
/// 不新鲜) are lexicon entries and match before the window is looked at.
const NEGATORS: &[&str] = &[
    "不",
    "没",
    "没有",
    "别",
    "不是",
    "未",
    "无",
    "毫无",
    "并不",
    "并没有",
    "从不",
    "从没",
    "从来不",
    "从未",
    "不太",
    "不怎么",
    "不够",
    "不再",
    "绝不",
    "决不",
    "一点不",
    "一点也不",
    "不算",
    "不会",
    "不用",
    "不要",
    "无需",
    "不必",
    "甭",
    "没什么",
];

/// Characters that, leading a token that is otherwise a term, negate it:
/// jieba sometimes keeps "不差" or "不蔫" as one token.
const NEGATOR_PREFIXES: &[char] = &['不', '没', '别'];

/// Markers of a rhetorical question, which complains rather than asks:
/// "为什么还没送到？", "到底管不管？".
const RHETORICAL: &[&str] = &[
    "为什么",
    "为啥",
    "怎么回事",
    "凭什么",
    "到底",
    "难道",
    "什么意思",
    "怎么搞的",
    "搞什么",
    "管不管",
    "有没有人",
    "还要等多久",
    "要等到什么时候",
];

/// Markers of a condition: a complaint term inside one is hypothetical
/// ("如果送错了怎么办？").
const HYPOTHETICAL: &[&str] = &[
    "如果", "假如", "万一", "要是", "的话", "假设", "若是", "如若",
];

/// "If" phrases of courtesy, which do not make a sentence hypothetical.
const POLITE_IFS: &[&str] = &["方便的话", "可以的话", "有空的话", "麻烦的话"];

/// Markers that the whole message is an inquiry ("想先问一下").
pub(crate) const INQUIRY: &[&str] = &[
    "请问",
    "想问",
    "问一下",
    "问下",
    "问问",
    "咨询",
    "了解一下",
    "打听",
];

/// Words that turn a sentence: what follows counts more ("有点贵，不过值得").
const CONTRAST: &[&str] = &["但", "但是", "可是", "不过", "然而", "却"];

/// Markers of a promise recalled: with a "X呢？" question they complain
/// that the promised X is missing ("说好送小熊的，小熊呢？").
const PROMISE: &[&str] = &["说好", "不是说", "答应", "承诺"];
/// Weight of a recalled promise asked after.
const PROMISE_WEIGHT: f64 = 2.0;

/// Sentence-final particles of a yes/no question.
const QUESTION_PARTICLES: &[char] = &['吗', '么', '嘛'];
/// Particles that may trail a question particle ("吗啊").
const SOFT_PARTICLES: &[char] = &['啊', '呀', '哈', '哦', '呢', '吧', '~', '～'];

struct Token<'a> {
    word: &'a str,
    /// Byte offset in the sentence.
    start: usize,
    /// Punctuation or space: ends the clause.
    boundary: bool,
}

/// Whether the sentence, stripped of soft trailing particles, ends with `c`.
fn ends_with_any(sentence: &str, set: &[char]) -> bool {
    sentence
        .trim_end_matches(|c: char| SOFT_PARTICLES.contains(&c) && !set.contains(&c))
        .chars()
        .next_back()
        .is_some_and(|c| set.contains(&c))
}

/// How a sentence is meant, which decides whether its complaint evidence
/// is damped.
struct Mood {
    /// A sincere question or a condition: complaint terms count less.
    damped: bool,
    /// "X呢？": asks where something is.
    where_is: bool,
    /// "不是…吗" asks for agreement ("这不是坑人吗" = this IS a rip-off), so
    /// 不是 does not negate inside it.
    rhetorical_bushi: bool,
}

/// `request`: the message asks the shop to look into something ("麻烦帮忙
///查一下"), so its questions report a problem rather than ask before buying.
fn mood(sentence: &str, question_mark: bool, inquiry: bool, request: bool) -> Mood {
    let yes_no = ends_with_any(sentence, QUESTION_PARTICLES);
    let rhetorical_bushi = sentence.contains("不是") && yes_no;
    // "X呢？" after a promise asks where the promised thing is: "小熊呢？".
    let where_is = question_mark && ends_with_any(sentence, &['呢']);
    let rhetorical =
        rhetorical_bushi || where_is || RHETORICAL.iter().any(|m| sentence.contains(m));
    let question = question_mark || yes_no;
    // "方便的话" (if it suits you) is courtesy, not a condition.
    let hypothetical = HYPOTHETICAL.iter().any(|m| {
        sentence.contains(m) && (*m != "的话" || !POLITE_IFS.iter().any(|p| sentence.contains(p)))
    });
    Mood {
        damped: !rhetorical && (((question || inquiry) && !request) || hypothetical),
        where_is,
        rhetorical_bushi,
    }
}

/// Finds Chinese lexicon hits in `text` (already capped) and appends them.
/// `inquiry` says the message as a whole asks something, `request` that it
/// asks the shop to look into a problem.
pub(crate) fn analyse(
    jieba: &Jieba,
    lex: &ZhLexicon,
    text: &str,
    inquiry: bool,
    request: bool,
    hits: &mut Vec<RawHit>,
) {
    let promised = PROMISE.iter().any(|p| text.contains(p));
    for s in sentences(text) {
        let base = s.text.as_ptr() as usize - text.as_ptr() as usize;
        let m = mood(s.text, s.question_mark, inquiry, request);
        if promised && m.where_is {
            hits.push(RawHit {
                pos: base,
                term: "说好…呢".to_owned(),
                weight: PROMISE_WEIGHT,
                negated: false,
                general: false,
                shop: false,
            });
        }
        let tokens: Vec<Token<'_>> = jieba
            .cut(s.text, false)
            .into_iter()
            .map(|t| Token {
                word: t.word,
                start: t.byte_start,
                boundary: t
                    .word
                    .chars()
                    .all(|c| c.is_whitespace() || is_clause_break(c)),
            })
            .collect();
        let first = hits.len();
        scan(lex, &tokens, &m, base, hits);
        spanning(lex, s.text, &tokens, &m, base, first, hits);
    }
}

/// Terms that jieba cut across ("花刺扎到" gives 花|刺扎|到, hiding 扎到):
/// found on the characters, where no token-aligned hit already covers
/// them, with the negators of the tokens before them.
fn spanning(
    lex: &ZhLexicon,
    sentence: &str,
    tokens: &[Token<'_>],
    m: &Mood,
    base: usize,
    first: usize,
    hits: &mut Vec<RawHit>,
) {
    let Some(ac) = &lex.spanning else { return };
    let is_boundary = |at: usize| at == sentence.len() || tokens.iter().any(|t| t.start == at);
    let turn = tokens.iter().position(|t| CONTRAST.contains(&t.word));
    for found in ac.find_iter(sentence) {
        let (start, end) = (found.start(), found.end());
        if is_boundary(start) && is_boundary(end) {
            continue; // token-aligned: `scan` has judged it
        }
        let covered = hits.get(first..).unwrap_or(&[]).iter().any(|h| {
            let h_start = h.pos.saturating_sub(base);
            h_start < end && start < h_start + h.term.len()
        });
        let (Some(term), false) = (lex.spanning_terms.get(found.pattern().as_usize()), covered)
        else {
            continue;
        };
        let Some(entry) = lex.get(term) else { continue };
        // The tokens wholly before the term, back to the clause start.
        let index = tokens
            .iter()
            .take_while(|t| t.start + t.word.len() <= start)
            .count();
        let before = tokens.get(..index).unwrap_or(&[]);
        let clause = before.iter().rposition(|t| t.boundary).map_or(0, |p| p + 1);
        let window = before
            .get(clause.max(index.saturating_sub(NEGATION_WINDOW))..)
            .unwrap_or(&[]);
        let negated = window.iter().any(|t| is_negator(m, t.word));
        hits.push(RawHit {
            pos: base + start,
            term: term.clone(),
            weight: effective_weight(entry.weight, negated, m.damped)
                * contrast_factor(index, turn),
            negated,
            general: entry.general,
            shop: entry.shop,
        });
    }
}

fn is_negator(m: &Mood, w: &str) -> bool {
    NEGATORS.contains(&w) && !(m.rhetorical_bushi && w == "不是")
}

fn scan(lex: &ZhLexicon, tokens: &[Token<'_>], m: &Mood, base: usize, hits: &mut Vec<RawHit>) {
    let is_negator = |w: &str| is_negator(m, w);
    let turn = tokens.iter().position(|t| CONTRAST.contains(&t.word));
    let mut clause_start = 0;
    let mut i = 0;
    let mut buf = String::new();
    while let Some(tok) = tokens.get(i) {
        if tok.boundary {
            clause_start = i + 1;
            i += 1;
            continue;
        }
        // Longest run of tokens, starting here, whose concatenation is a
        // term: segmentation may split a term jieba's dictionary disagrees
        // with (没收|到 for 没收到).
        buf.clear();
        let mut found: Option<(usize, Entry)> = None;
        for (k, t) in tokens.iter().enumerate().skip(i) {
            if t.boundary {
                break;
            }
            buf.push_str(t.word);
            if buf.chars().count() > lex.max_chars {
                break;
            }
            if let Some(w) = lex.get(&buf) {
                found = Some((k + 1 - i, w));
            }
        }
        let window = tokens
            .get(clause_start.max(i.saturating_sub(NEGATION_WINDOW))..i)
            .unwrap_or(&[]);
        if let Some((n, entry)) = found {
            let term: String = tokens
                .get(i..i + n)
                .unwrap_or(&[])
                .iter()
                .map(|t| t.word)
                .collect();
            let negated = window.iter().any(|t| is_negator(t.word));
            hits.push(RawHit {
                pos: base + tok.start,
                term,
                weight: effective_weight(entry.weight, negated, m.damped)
                    * contrast_factor(i, turn),
                negated,
                general: entry.general,
                shop: entry.shop,
            });
            i += n;
            continue;
        }
        // "不差" kept whole by jieba: the term is the rest of the token.
        let mut chars = tok.word.chars();
        if let Some(first) = chars.next()
            && NEGATOR_PREFIXES.contains(&first)
            && let Some(entry) = lex.get(chars.as_str())
        {
            hits.push(RawHit {
                pos: base + tok.start,
                term: chars.as_str().to_owned(),
                weight: effective_weight(entry.weight, true, m.damped) * contrast_factor(i, turn),
                negated: true,
                general: entry.general,
                shop: entry.shop,
            });
        }
        i += 1;
    }
}
