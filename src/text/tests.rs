use super::*;

fn pipeline() -> TextPipeline {
    TextPipeline::new(TextConfig::default())
}

#[test]
fn normalise_folds_width_case_and_whitespace() {
    assert_eq!(normalise("ＡＩ　芯片\t\n２０２２年"), "ai 芯片 2022年");
    assert_eq!(normalise("  前后空白  "), "前后空白");
    assert_eq!(normalise("控制\u{0007}字符"), "控制 字符");
    assert_eq!(normalise("，。！"), ",。!");
}

#[test]
fn tokens_drop_punctuation_numbers_and_stopwords() {
    let tokens = pipeline().tokens("2022年，重庆的港口货物吞吐量增长了12.5%！");
    assert!(
        tokens.iter().all(|t| t != "，" && t != "," && t != "!"),
        "{tokens:?}"
    );
    assert!(
        !tokens.iter().any(|t| t == "2022" || t == "12.5"),
        "{tokens:?}"
    );
    assert!(!tokens.iter().any(|t| t == "的" || t == "了"), "{tokens:?}");
    assert!(tokens.iter().any(|t| t == "港口"), "{tokens:?}");
    assert!(tokens.iter().any(|t| t == "重庆"), "{tokens:?}");
}

#[test]
fn content_filter_keeps_words_glued_to_numbers() {
    assert!(is_content_token("5g"));
    assert!(!is_content_token("2035"));
    assert!(!is_content_token("%"));
    assert!(!is_content_token("的"));
}

#[test]
fn title_tokens_count_more_than_body_tokens() {
    let p = TextPipeline::new(TextConfig {
        title_weight: 3.0,
        ..TextConfig::default()
    });
    let f = p.features(ArticleText {
        title: "码头",
        body: "码头",
    });
    assert_eq!(f.get("码头"), 4.0);
}

#[test]
fn bigrams_join_adjacent_tokens_within_a_part() {
    let p = TextPipeline::new(TextConfig {
        bigrams: true,
        title_weight: 1.0,
        ..TextConfig::default()
    });
    let f = p.features(ArticleText {
        title: "",
        body: "港口 货物",
    });
    assert_eq!(f.get("港口_货物"), 1.0);
    let split = p.features(ArticleText {
        title: "港口",
        body: "货物",
    });
    assert_eq!(split.get("港口_货物"), 0.0, "no pair across title and body");
}

#[test]
fn user_words_segment_as_one_token() {
    let word = "算力枢纽节点";
    let without = pipeline().tokens(word);
    assert_ne!(
        without,
        vec![word.to_owned()],
        "fixture must need the dictionary"
    );
    let p = TextPipeline::new(TextConfig {
        user_words: vec![word.to_owned()],
        ..TextConfig::default()
    });
    assert_eq!(p.tokens(&format!("建设{word}")), vec!["建设", word]);
}

#[test]
fn empty_and_punctuation_only_text_has_no_features() {
    let p = pipeline();
    for text in ["", "   ", "，。！？……", "2022 12.5"] {
        let f = p.features(ArticleText {
            title: text,
            body: text,
        });
        assert!(f.is_empty(), "{text:?} gave {f:?}");
    }
}

#[test]
fn hostile_text_still_segments() {
    let p = pipeline();
    let repeated = "港".repeat(100_000);
    assert!(!p.tokens(&repeated).is_empty());
    let mixed = "Apple 在重庆 开设 AI 工厂 🚀\u{0000} 臺灣貿易";
    let tokens = p.tokens(mixed);
    assert!(tokens.iter().any(|t| t == "apple"), "{tokens:?}");
}
