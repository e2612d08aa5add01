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
    let f = p.features(ArticleText::new("码头", "码头"));
    assert_eq!(f.get("码头"), 4.0);
}

#[test]
fn kicker_and_deck_count_like_the_title_and_pair_with_nothing_across() {
    let p = TextPipeline::new(TextConfig {
        title_weight: 3.0,
        bigrams: true,
        ..TextConfig::default()
    });
    let article = ArticleText {
        kicker: "港口",
        title: "货物",
        subtitle: "码头",
        body: "码头",
    };
    let f = p.features(article);
    assert_eq!(f.get("港口"), 3.0);
    assert_eq!(f.get("货物"), 3.0);
    assert_eq!(f.get("码头"), 4.0);
    assert_eq!(
        f.get("港口_货物"),
        0.0,
        "no pair across kicker and headline"
    );
    assert_eq!(f.get("货物_码头"), 0.0, "no pair across headline and deck");
    // Without kicker and deck, the features are those of headline and body.
    let plain = ArticleText {
        kicker: "",
        subtitle: "",
        ..article
    };
    assert_eq!(
        p.features(plain),
        p.features(ArticleText::new("货物", "码头"))
    );
    assert_eq!(p.features(plain).get("港口"), 0.0);
}

#[test]
fn bigrams_join_adjacent_tokens_within_a_part() {
    let p = TextPipeline::new(TextConfig {
        bigrams: true,
        title_weight: 1.0,
        ..TextConfig::default()
    });
    let f = p.features(ArticleText::new("", "港口 货物"));
    assert_eq!(f.get("港口_货物"), 1.0);
    let split = p.features(ArticleText::new("港口", "货物"));
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
        let f = p.features(ArticleText::new(text, text));
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

#[test]
fn lead_sentence_tokens_count_lead_weight_times() {
    let p = TextPipeline::new(TextConfig {
        lead_weight: 3.0,
        title_weight: 1.0,
        ..TextConfig::default()
    });
    let f = p.features(ArticleText::new("", "码头扩建。码头通航！码头"));
    assert_eq!(f.get("码头"), 5.0, "3 for the first sentence, 1 each after");
    let no_end = p.features(ArticleText::new("", "码头扩建"));
    assert_eq!(
        no_end.get("码头"),
        3.0,
        "a body of one sentence is all lead"
    );
}

#[test]
fn boilerplate_is_stripped_only_when_configured() {
    let body = "新华社北京2月17日电（记者张三）港口扩建开工。";
    let tokens_with = |strip: bool| {
        TextPipeline::new(TextConfig {
            strip_boilerplate: strip,
            ..TextConfig::default()
        })
        .features(ArticleText::new("", body))
    };
    assert!(tokens_with(false).get("新华社") > 0.0);
    let stripped = tokens_with(true);
    assert_eq!(stripped.get("新华社"), 0.0);
    assert_eq!(stripped.get("张三"), 0.0);
    assert!(stripped.get("港口") > 0.0);
}

/// The policy-term dictionary shipped in the default model.
fn shipped_policy_terms() -> Vec<String> {
    include_str!("../../data/policy-terms.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

#[test]
fn policy_terms_segment_as_one_token() {
    let words = shipped_policy_terms();
    assert!(
        words.len() >= 300,
        "a few hundred terms, has {}",
        words.len()
    );
    for named in [
        "专精特新",
        "东数西算",
        "算力枢纽",
        "中欧班列",
        "老旧小区",
        "农民工",
        "保障性住房",
        "城市更新",
        "跨境电商",
    ] {
        assert!(words.iter().any(|w| w == named), "{named} missing");
    }
    let p = TextPipeline::new(TextConfig {
        user_words: words.clone(),
        ..TextConfig::default()
    });
    for word in &words {
        assert_eq!(p.tokens(word), vec![word.clone()], "{word} was split");
    }
    let in_context = p.tokens("支持农民工返岗,参与东数西算工程");
    assert!(in_context.iter().any(|t| t == "农民工"), "{in_context:?}");
    assert!(in_context.iter().any(|t| t == "东数西算"), "{in_context:?}");
}

#[test]
fn char_bigrams_pair_adjacent_han_characters_only() {
    let p = TextPipeline::new(TextConfig {
        char_bigrams: true,
        title_weight: 1.0,
        ..TextConfig::default()
    });
    let f = p.features(ArticleText::new("", "港口a码头"));
    assert_eq!(f.get("#港口"), 1.0);
    assert_eq!(f.get("#码头"), 1.0);
    assert_eq!(f.get("#口码"), 0.0, "no pair across a non-Han character");
}

#[test]
fn tokens_are_the_words_the_model_reads_after_boilerplate_is_stripped() {
    let stripping = TextPipeline::new(TextConfig {
        strip_boilerplate: true,
        ..TextConfig::default()
    });
    // Written for this test: a dateline and an editor line around the story.
    let body = "本报重庆2月17日讯 港口货物吞吐量增长。责任编辑:王五";
    let tokens = stripping.tokens(body);
    assert!(tokens.contains(&"港口".to_string()), "{tokens:?}");
    for boilerplate in ["本报", "重庆", "责任编辑", "王五"] {
        assert!(
            !tokens.iter().any(|t| t.contains(boilerplate)),
            "{boilerplate} is boilerplate: {tokens:?}"
        );
    }
    // Without stripping the same text keeps them: the test can tell.
    assert!(pipeline().tokens(body).iter().any(|t| t == "重庆"));
}
