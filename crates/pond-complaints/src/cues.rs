//! Cue phrases: the words that tell who a problem is about, whether it
//! happened, whether it is a story, a polite request or sarcasm. One
//! Aho-Corasick pass finds all of them in a message, so a table of a few
//! hundred phrases costs one scan instead of one `contains` each.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use crate::text::is_latin_letter;

/// What a cue phrase says about a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cue {
    /// A time, date or price was promised or shown: 说好, "the window was".
    Promise,
    /// What actually happened came later or not at all: 才, "still", "now".
    Late,
    /// Money changed hands: 收了, 扣了, "charged", "the till".
    Paid,
    /// A deal or a price promise: 买一送一, 包邮, "buy one get one".
    Deal,
    /// The deal did not hold: 没减, 只给了, "wasn't applied".
    DealBroken,
    /// What was ordered: 订的是, "I ordered", "paid for the".
    Ordered,
    /// What came instead: 收到的是, 变成, "these are", "turn into".
    Got,
    /// Paid for a service and still did it oneself: 让我自己, "had to come".
    Myself,
    /// Someone else paid less for the same: 比我便宜, "paid fifty less".
    PaidLess,
    /// Flowers fading: 谢了, 垂头, "drooping", "lasted".
    Decay,
    /// The problem belongs to another business: 另一家, "another shop".
    OtherParty,
    /// The problem is the customer's own: 我手机没电, "my bad", "our buzzer".
    OwnSide,
    /// The writer clears the shop outright: 不是你们的问题, "not your fault".
    Exculpate,
    /// The problem has been put right: 退款已经到账, "the refund arrived".
    Resolved,
    /// A problem feared or expected: 本来担心, "I thought it would".
    Fear,
    /// How it turned out instead: 结果, 没想到, "it arrived", "turned out".
    Outcome,
    /// An apology: 抱歉, 对不起, "sorry", "apologies".
    Apology,
    /// The shop speaking to its customers: 给您, 请谅解, "we'll", "our mistake".
    ShopVoice,
    /// A request to look into something: 麻烦帮忙, "could you check".
    Request,
    /// Thanks or courtesy that a polite complaint wraps itself in.
    Courtesy,
    /// Sarcasm that needs no other evidence: 🙄, 好一个, "so much for".
    SarcasmStrong,
    /// Sarcasm only when the message also reports a problem: 呵呵, 真行,
    /// "thanks a lot", "impressive".
    SarcasmMild,
}

/// The cue table. Chinese phrases match anywhere; Latin phrases match
/// case-insensitively on word boundaries.
const TABLE: &[(Cue, &[&str])] = &[
    (
        Cue::Promise,
        &[
            "说好",
            "约的是",
            "约好",
            "预约的是",
            "约定",
            "写的是",
            "写着",
            "页面写",
            "订单写",
            "说是",
            "客服说",
            "门店说",
            "店里说",
            "承诺",
            "选的加急",
            "下单时",
            "订的周",
            "订的是今天",
            "明明约",
            "答应",
            "保证",
            "said",
            "promised",
            "told",
            "supposed to",
            "meant to",
            "window was",
            "slot was",
            "booked",
            "ordered for",
            "order said",
            "set for",
            "was due",
            "due by",
            "due at",
            "express",
            "same-day",
            "same day",
            "site said",
            "website said",
            "page said",
        ],
    ),
    (
        Cue::Late,
        &[
            "才",
            "现在",
            "还没",
            "还在",
            "到现在",
            "等了",
            "整整",
            "没动静",
            "关门",
            "关的",
            "关着",
            "改成",
            "都开完",
            "人都走",
            "没来",
            "still",
            "才到",
            "才送到",
            "arriving on",
            "arrived on",
            "came on",
            "turned up on",
            "it's now",
            "it is now",
            "is now",
            "showed up",
            "turned up",
            "waited",
            "is over",
            "gone home",
            "walked in",
            "shut",
            "closed",
            "later",
            "nothing",
            "without anyone",
        ],
    ),
    (
        Cue::Paid,
        &[
            "收了",
            "扣了",
            "扣我",
            "付了",
            "付款",
            "结账",
            "价签",
            "标签",
            "显示",
            "卖",
            "收我",
            "另收",
            "charged",
            "paid",
            "price",
            "tag",
            "till",
            "card shows",
            "bill",
            "cost",
            "checkout",
        ],
    ),
    (
        Cue::Deal,
        &[
            "会员价",
            "打折",
            "折扣",
            "买一送一",
            "活动价",
            "包邮",
            "优惠",
            "buy one get one",
            "free delivery",
            "deal",
            "discount",
            "off over",
            "promo",
        ],
    ),
    (
        Cue::DealBroken,
        &[
            "按原价",
            "原价扣",
            "没减",
            "只给了",
            "只给",
            "另收",
            "又收",
            "wasn't applied",
            "not applied",
            "then another",
            "appeared",
        ],
    ),
    (
        Cue::Ordered,
        &[
            "订的是",
            "买的是",
            "要的是",
            "选的是",
            "订的",
            "ordered",
            "paid for the",
            "asked for",
        ],
    ),
    (
        Cue::Got,
        &[
            "收到的是",
            "送来的是",
            "送来变成",
            "变成了",
            "给的是",
            "received",
            "but these are",
            "but got",
            "and got",
            ", got",
            "only got",
            "but received",
            "a small one",
            "turn into",
            "turned into",
            "arrived instead",
        ],
    ),
    (
        Cue::Myself,
        &["还得自己", "still had to", "collect it myself"],
    ),
    (
        Cue::PaidLess,
        &[
            "比我便宜",
            "比我少",
            "便宜了",
            "paid less",
            "less for the",
            "cheaper for the",
        ],
    ),
    (
        Cue::Decay,
        &[
            "flat",
            "趴",
            "谢了",
            "垂头",
            "垂下",
            "耷拉",
            "掉了",
            "花瓣掉",
            "掉花瓣",
            "黄了",
            "发黄",
            "黑了",
            "发黑",
            "卷了",
            "蔫",
            "枯",
            "干了",
            "烂了",
            "开始掉",
            "不行了",
            "lasted",
            "make it",
            "made it",
            "brown",
            "droop",
            "drooping",
            "dropping petals",
            "petals",
            "dried",
            "flopping",
            "wilted",
            "wilting",
            "yellow",
            "dead",
            "died",
            "done",
            "dying",
            "limp",
        ],
    ),
    (
        Cue::OtherParty,
        &[
            "超市",
            "在别处",
            "supermarket",
            "elsewhere",
            "another place",
            "另一家",
            "别家",
            "别的店",
            "其他店",
            "快递公司",
            "酒店",
            "物业",
            "朋友在网上",
            "another shop",
            "another florist",
            "other florist",
            "other shop",
            "the hotel",
            "building management",
            "a friend's",
        ],
    ),
    (
        Cue::OwnSide,
        &[
            "我把花放",
            "i left them",
            "i put them next to",
            "我手机",
            "手机没电",
            "电话静音",
            "门铃坏",
            "门禁",
            "是我把",
            "是我自己",
            "是我写错",
            "是我搞错",
            "是我记错",
            "我自己忘",
            "我自己选",
            "我的锅",
            "怪我",
            "我的问题",
            "我忘",
            "记错",
            "选错",
            "孩子把",
            "大门坏",
            "堵车",
            "晚一点到",
            "my phone",
            "phone died",
            "on silent",
            "buzzer",
            "my bad",
            "my fault",
            "my mistake",
            "on me",
            "i gave the wrong",
            "i forgot",
            "i picked the wrong",
            "mixed up",
            "front gate",
            "my kid knocked",
            "knocked the vase",
            "knocked over",
            "i'll be",
            "stuck in traffic",
        ],
    ),
    (
        Cue::Exculpate,
        &[
            "跟你们没关系",
            "不是你们的问题",
            "不怪",
            "跟花没关系",
            "不是你们的错",
            "nothing to do with you",
            "not your fault",
            "nothing to do with the",
            "not the driver's fault",
            "not on you",
        ],
    ),
    (
        Cue::Resolved,
        &[
            "补给我了",
            "已经补",
            "were replaced",
            "been replaced",
            "已经到账",
            "到账了",
            "退款收到",
            "收到退款",
            "已经解决",
            "解决了",
            "处理好了",
            "没事了",
            "没问题了",
            "已经处理",
            "补发的",
            "换的新花",
            "refund arrived",
            "refund received",
            "refund came",
            "received the refund",
            "replacement arrived",
            "the replacement",
            "sorted",
            "handled",
            "fixed",
            "no problem now",
            "new flowers arrived",
            "all good",
        ],
    ),
    (
        Cue::Fear,
        &[
            "本来担心",
            "担心",
            "以为",
            "还怕",
            "就怕",
            "生怕",
            "怕会",
            "怕颜色",
            "i thought",
            "thought it",
            "worried",
            "expected",
            "feared",
            "afraid",
        ],
    ),
    (
        Cue::Outcome,
        &[
            "结果",
            "没想到",
            "打开一看",
            "实物",
            "一看",
            "it arrived",
            "they came",
            "it came",
            "turned out",
            "opened it",
            "it's exactly",
            "they're super",
            "no problems",
        ],
    ),
    (
        Cue::Apology,
        &[
            "抱歉",
            "对不起",
            "不好意思",
            "深感",
            "sorry",
            "apologies",
            "apologise",
            "apologize",
            "we apologise",
            "my apologies",
        ],
    ),
    (
        Cue::ShopVoice,
        &[
            "hi all",
            "our flowers",
            "orders will",
            "will go out",
            "各位亲",
            "给您",
            "为您",
            "让您",
            "请谅解",
            "请理解",
            "已为您",
            "您的账户",
            "各位",
            "我们马上",
            "我们这边",
            "我们的失误",
            "是我们",
            "我们会",
            "我们重新",
            "我们核实",
            "马上给您",
            "we'll",
            "we've",
            "we're",
            "we will",
            "we are",
            "our mistake",
            "our fault",
            "on its way",
            "on the way",
            "your patience",
            "for the wait",
            "for the trouble",
            "for the inconvenience",
            "poor experience",
            "everyone",
            "for understanding",
            "been refunded",
        ],
    ),
    (
        Cue::Request,
        &[
            "could they be",
            "replaced",
            "replace them",
            "换一下",
            "补寄",
            "能补",
            "确认一下",
            "帮忙",
            "帮我",
            "麻烦",
            "核对",
            "查一下",
            "查查",
            "看一下",
            "看看",
            "处理一下",
            "补一下",
            "可以帮",
            "想反馈",
            "could you check",
            "could you look",
            "could you help",
            "could you take",
            "can you check",
            "look into",
            "have a look",
            "take a look",
            "would you mind",
            "would you be able",
            "let you know",
            "kindly",
            "please check",
            "could you help",
        ],
    ),
    (
        Cue::Courtesy,
        &[
            "谢谢",
            "辛苦",
            "您好",
            "你好",
            "打扰",
            "thanks",
            "thank you",
            "hi",
            "hello",
            "hi there",
        ],
    ),
    (
        Cue::SarcasmStrong,
        &[
            "🙄",
            "😒",
            "好一个",
            "你们说的",
            "所谓的",
            "so-called",
            "what you call",
            "真是惊喜",
            "thanks for nothing",
            "so much for",
            "what a surprise",
            "ah yes",
            "the famous",
        ],
    ),
    (
        Cue::SarcasmMild,
        &[
            "oh lovely",
            "how thoughtful",
            "well done",
            "真贴心",
            "哇",
            "真是谢谢",
            "呵呵",
            "真行",
            "厉害了",
            "服务真到位",
            "真到位",
            "谢谢啊",
            "太棒了",
            "真棒",
            "太好了",
            "thanks a lot",
            "impressive",
            "top service",
            "brilliant",
            "wonderful",
            "fantastic",
            "great",
            "nice of you",
            "amazing how",
            "wow",
        ],
    ),
];

/// One cue found in a message: its kind and byte range.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Found {
    pub cue: Cue,
    pub start: usize,
    pub end: usize,
}

struct Table {
    automaton: AhoCorasick,
    /// The cue of each pattern, by pattern index.
    cues: Vec<Cue>,
    /// Whether a pattern is Latin (matched on word boundaries).
    latin: Vec<bool>,
}

/// Built once per process: the automaton is the same for every classifier.
static TABLE_AUTOMATON: LazyLock<Option<Table>> = LazyLock::new(|| {
    let mut phrases = Vec::new();
    let mut cues = Vec::new();
    let mut latin = Vec::new();
    for (cue, list) in TABLE {
        for p in *list {
            phrases.push(*p);
            cues.push(*cue);
            latin.push(p.chars().any(is_latin_letter));
        }
    }
    // Overlapping search needs the standard match kind; every phrase of
    // every cue is reported, so "another shop" and "shop" both count.
    AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard)
        .build(&phrases)
        .ok()
        .map(|automaton| Table {
            automaton,
            cues,
            latin,
        })
});

/// Whether the byte range `start..end` of `text` stands on word boundaries:
/// no Latin letter or digit right before or after it.
/// Only ends that are themselves letters or digits need a boundary: ", got"
/// may follow "roses".
fn on_word_boundaries(text: &str, start: usize, end: usize) -> bool {
    let wordy = |c: Option<char>| c.is_some_and(|c| is_latin_letter(c) || c.is_ascii_digit());
    let phrase = text.get(start..end).unwrap_or("");
    let before = text.get(..start).and_then(|s| s.chars().next_back());
    let after = text.get(end..).and_then(|s| s.chars().next());
    !(wordy(phrase.chars().next()) && wordy(before))
        && !(wordy(phrase.chars().next_back()) && wordy(after))
}

/// Every cue in `text`, in text order.
pub(crate) fn find(text: &str) -> Vec<Found> {
    let Some(table) = TABLE_AUTOMATON.as_ref() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for m in table.automaton.find_overlapping_iter(text) {
        let i = m.pattern().as_usize();
        let (Some(&cue), Some(&latin)) = (table.cues.get(i), table.latin.get(i)) else {
            continue;
        };
        if latin && !on_word_boundaries(text, m.start(), m.end()) {
            continue;
        }
        out.push(Found {
            cue,
            start: m.start(),
            end: m.end(),
        });
    }
    out
}

/// The cues of one message, with quick questions over them.
pub(crate) struct Cues<'a> {
    pub text: &'a str,
    pub found: Vec<Found>,
}

impl<'a> Cues<'a> {
    pub fn of(text: &'a str) -> Self {
        Cues {
            text,
            found: find(text),
        }
    }

    pub fn has(&self, cue: Cue) -> bool {
        self.found.iter().any(|f| f.cue == cue)
    }

    /// The first occurrence of `cue`.
    pub fn first(&self, cue: Cue) -> Option<Found> {
        self.found.iter().find(|f| f.cue == cue).copied()
    }

    /// The first occurrence of `cue` starting at or after byte `from`.
    pub fn first_after(&self, cue: Cue, from: usize) -> Option<Found> {
        self.found
            .iter()
            .find(|f| f.cue == cue && f.start >= from)
            .copied()
    }

    /// The matched text of a cue.
    pub fn text_of(&self, f: Found) -> &'a str {
        self.text.get(f.start..f.end).unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin_cues_need_word_boundaries() {
        let c = Cues::of("I left themes aside");
        assert!(!c.has(Cue::OwnSide), "'i left them' inside 'i left themes'");
        let c = Cues::of("I LEFT THEM by the heater");
        assert!(c.has(Cue::OwnSide));
        // A phrase that starts with a comma needs no boundary before it.
        assert!(Cues::of("Ordered a dozen roses, got ten").has(Cue::Got));
    }

    #[test]
    fn chinese_cues_match_anywhere() {
        let c = Cues::of("楼下另一家花店的玫瑰两天就谢了");
        assert!(c.has(Cue::OtherParty) && c.has(Cue::Decay));
    }
}
