//! Whether a message is about the shop at all: general sentiment in a
//! message that names nothing of the shop ("traffic is awful today")
//! counts for less.

/// Words that show a message is about the shop, its flowers or an order.
/// Chinese anchors are substrings, English ones word prefixes.
const ZH_ANCHORS: &[&str] = &[
    "花", "束", "单", "送", "店", "你们", "客服", "老板", "包装", "快递", "质量", "服务", "价",
    "货", "收到", "盒", "瓶", "卡片", "贺卡", "玫瑰", "百合", "配送", "小哥", "师傅", "退",
];
const EN_ANCHORS: &[&str] = &[
    "flower",
    "bouquet",
    "bunch",
    "order",
    "deliver",
    "rose",
    "lil",
    "tulip",
    "peon",
    "sunflower",
    "hydrangea",
    "carnation",
    "orchid",
    "arrangement",
    "vase",
    "box",
    "packag",
    "wrap",
    "stem",
    "petal",
    "driver",
    "courier",
    "florist",
    "service",
    "shop",
    "store",
    "staff",
    "website",
    "card",
    "refund",
    "price",
    "quality",
    "experience",
    "you",
    "your",
    "they",
    "them",
    "these",
    "those",
    "wreath",
    "plant",
];

/// Whether `text` mentions the shop, its flowers or an order.
pub(crate) fn anchored(text: &str) -> bool {
    ZH_ANCHORS.iter().any(|a| text.contains(a))
        || text
            .split(|c: char| !c.is_alphanumeric() && c != '\'')
            .any(|w| {
                let w = w.to_lowercase();
                EN_ANCHORS.iter().any(|a| w.starts_with(a))
            })
}
