//! Synthetic inputs for benchmarks and the load-test tools: Chinese-looking
//! news text built from a word list written for this project (no corpus
//! text), and synthetic models of a chosen vocabulary size, built through the
//! public training API.
#![allow(dead_code)]

use policy_classifier::model::{LabeledDocument, Model, TrainParams};

/// Words the generator draws from: topical words of every label, function
/// words the filter drops, numbers, and full-width forms NFKC folds.
const WORDS: &[&str] = &[
    // infrastructure
    "高速公路",
    "铁路",
    "隧道",
    "桥梁",
    "港口",
    "机场",
    "航道",
    "电网",
    "水利",
    "枢纽",
    "管道",
    "通车",
    "开工",
    "竣工",
    "投资",
    "建设",
    "项目",
    "工程",
    "地铁",
    "轨道交通",
    // industry policy
    "制造业",
    "产业链",
    "芯片",
    "新能源",
    "汽车",
    "补贴",
    "专项资金",
    "企业",
    "创新",
    "研发",
    "数字经济",
    "人工智能",
    "智能制造",
    "园区",
    "集群",
    "升级",
    "转型",
    "政策",
    "扶持",
    "标准",
    // labour
    "就业",
    "工资",
    "社保",
    "养老金",
    "劳动者",
    "职工",
    "招聘",
    "岗位",
    "培训",
    "失业",
    "农民工",
    "最低工资",
    "劳动合同",
    "权益",
    "保障",
    "技能",
    "高校毕业生",
    "灵活就业",
    "用工",
    "待遇",
    // trade
    "出口",
    "进口",
    "关税",
    "贸易",
    "外贸",
    "海关",
    "口岸",
    "跨境电商",
    "订单",
    "集装箱",
    "自贸区",
    "协定",
    "伙伴",
    "市场",
    "商品",
    "货物",
    "顺差",
    "对外开放",
    "外资",
    "准入",
    // urban
    "城市",
    "社区",
    "旧城改造",
    "老旧小区",
    "住房",
    "公园",
    "绿地",
    "垃圾分类",
    "停车",
    "街道",
    "城镇化",
    "规划",
    "公共服务",
    "居民",
    "物业",
    "更新",
    "片区",
    "排水",
    "供暖",
    "燃气",
    // other news
    "会议",
    "代表",
    "天气",
    "降雨",
    "比赛",
    "运动员",
    "文化",
    "旅游",
    "医院",
    "学校",
    "疫情",
    "防控",
    "科学家",
    "卫星",
    "发射",
    "节日",
    "演出",
    "展览",
    "志愿者",
    "农业",
    // connective and generic words
    "全国",
    "地方",
    "部门",
    "今年",
    "上半年",
    "同比",
    "增长",
    "下降",
    "推动",
    "加快",
    "提升",
    "实现",
    "完成",
    "发布",
    "印发",
    "通知",
    "方案",
    "措施",
    "计划",
    "目标",
    "重点",
    "领域",
    "发展",
    "改革",
    "经济",
    "社会",
    "服务",
    "管理",
    "体系",
    "能力",
    // function words (dropped by the filter)
    "的",
    "了",
    "在",
    "和",
    "与",
    "是",
    "将",
    "对",
    "为",
    "也",
    "并",
    "等",
    // numbers and mixed forms (dropped or folded)
    "2025年",
    "12.5%",
    "3000万元",
    "第一",
    "５Ｇ",
    "ＡＩ",
    "GDP",
    "10个",
];

/// A small deterministic generator (xorshift64*), so runs are comparable.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// Synthetic article text of exactly `chars` characters: words, commas every
/// few words and a full stop every sentence.
pub fn article_text(rng: &mut Rng, chars: usize) -> String {
    let mut text = String::with_capacity(chars * 3);
    let mut count = 0;
    let mut words_in_clause = 0;
    while count < chars {
        let piece = if words_in_clause >= 4 + rng.below(6) {
            words_in_clause = 0;
            if rng.below(3) == 0 {
                "。"
            } else {
                "，"
            }
        } else {
            words_in_clause += 1;
            WORDS[rng.below(WORDS.len())]
        };
        for ch in piece.chars() {
            if count == chars {
                break;
            }
            text.push(ch);
            count += 1;
        }
    }
    text
}

/// A synthetic title and body with the given body length in characters.
pub fn article(rng: &mut Rng, body_chars: usize) -> (String, String) {
    let title_chars = 8 + rng.below(12);
    (
        article_text(rng, title_chars),
        article_text(rng, body_chars),
    )
}

/// A model over roughly `vocabulary` terms: the generator's words plus
/// distinct filler terms (`v000123`), trained with `min_df = 1` through the
/// public API, so its vocabulary size is what the benchmark names.
pub fn model_with_vocabulary(vocabulary: usize) -> Model {
    let mut rng = Rng::new(vocabulary as u64);
    let params = TrainParams {
        min_df: 1,
        ..TrainParams::plain()
    };
    let labels = params.labels.len();
    let filler = vocabulary.saturating_sub(WORDS.len());
    let documents_needed = 600.min(filler.max(labels));
    let per_document = filler.div_ceil(documents_needed);
    let documents: Vec<LabeledDocument> = (0..documents_needed)
        .map(|d| {
            let terms: Vec<String> = (d * per_document..((d + 1) * per_document).min(filler))
                .map(|t| format!("v{t:06}"))
                .collect();
            LabeledDocument {
                id: d.to_string(),
                title: article_text(&mut rng, 20),
                text: format!("{} {}", article_text(&mut rng, 300), terms.join(" ")),
                label: d % labels,
                file: 0,
                line: d + 1,
                ..LabeledDocument::default()
            }
        })
        .collect();
    params
        .check()
        .expect("valid parameters")
        .fit_corpus(&documents)
        .expect("synthetic corpus fits")
}
