//! Function words that occur in every kind of article and so say nothing
//! about which policy event one reports. Written for this project; kept short
//! on purpose, since naive Bayes already down-weights words common to all
//! labels and an over-eager list removes signal (`不`, `新`).

use std::collections::HashSet;
use std::sync::LazyLock;

const STOPWORDS: &[&str] = &[
    "的", "了", "是", "在", "和", "与", "及", "以及", "或", "等", "也", "都", "而", "并",
    "并且", "且", "又", "就", "还", "则", "即", "把", "被", "让", "给", "对", "对于", "为",
    "为了", "以", "于", "从", "向", "到", "由", "自", "至", "将", "已", "已经", "正在", "着",
    "过", "之", "其", "该", "此", "这", "那", "这些", "那些", "这个", "那个", "这样", "一个",
    "一些", "个", "有", "没有", "中", "上", "下", "里", "内", "后", "前", "时", "来", "去",
    "说", "表示", "指出", "认为", "我", "我们", "你", "你们", "他", "他们", "她", "它",
    "它们", "大家", "自己", "可以", "能", "能够", "要", "会", "应", "应当", "需要", "进行",
    "通过", "根据", "按照", "随着", "关于", "如", "如果", "因为", "所以", "但", "但是", "不过",
    "然而", "同时", "此外", "其中", "以来", "目前", "今天", "昨天", "今年", "去年", "近日",
    "日前", "记者", "报道", "介绍", "据", "得", "地", "吗", "呢", "吧", "啊", "更", "最",
    "很", "非常", "多", "各", "每", "所", "所有", "一", "二", "三", "年", "月", "日", "号",
    "万", "亿", "元", "个人", "方面", "一步", "进一步", "不断", "持续", "有关", "相关",
];

static STOPWORD_SET: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| STOPWORDS.iter().copied().collect());

pub(super) fn is_stopword(word: &str) -> bool {
    STOPWORD_SET.contains(word)
}
