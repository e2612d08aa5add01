//! Unit tests of the splitter; whole pages live in `tests/fixtures/pages`.

use super::lines::{is_terminated, kind_of, LineKind};
use super::{split_page, DroppedKind};

#[test]
fn line_kinds() {
    let cases = [
        ("", LineKind::Blank),
        ("重庆日报　2022年2月17日　星期四", LineKind::Furniture),
        ("责任编辑 李明", LineKind::Furniture),
        ("2022年2月17日", LineKind::Furniture),
        ("更新时间：2022-02-17T08:00:00Z", LineKind::Furniture),
        ("2022", LineKind::Short),
        ("3.5%", LineKind::Short),
        ("1.加大资金支持", LineKind::Subhead),
        ("（下转第2版）", LineKind::Jump),
        ("(上接第1版)", LineKind::Jump),
        ("相关新闻", LineKind::Marker),
        ("【延伸阅读】", LineKind::Marker),
        ("■链接", LineKind::Marker),
        ("【简讯】", LineKind::Banner),
        ("返岗农民工登上专列。记者 陈柏 摄", LineKind::Caption),
        (
            "市民在步道散步。特约摄影 钟某 摄/视觉重庆",
            LineKind::Caption,
        ),
        ("港区吊装集装箱。（新华社发）", LineKind::Caption),
        ("施工人员铺设轨道。受访者供图", LineKind::Caption),
        ("本报讯（记者 张三）2月16日，市里开会。", LineKind::Lead),
        (
            "新华社北京2月17日电(记者 李四)海关发布数据。",
            LineKind::Lead,
        ),
        (
            "本报重庆2月16日讯（记者 王五）沙坪坝区启动改造。",
            LineKind::Lead,
        ),
        ("本报记者 陈柏 王川", LineKind::Byline),
        ("记者从市经信委获悉，申报工作启动。", LineKind::Text),
        ("■ 包车接员工返岗", LineKind::Subhead),
        ("一、加大资金支持", LineKind::Subhead),
        ("全国一体化算力网络枢纽节点获批", LineKind::Short),
        ("——推动东数西算工程落地", LineKind::Short),
        ("外贸企业订单排到6月!", LineKind::Short),
        ("道。", LineKind::Text),
        ("，同时推进配套建设", LineKind::Text),
        ("出版社推出第二版规划读本", LineKind::Short),
        // Agencies' photo credits.
        (
            "果农在园中采摘蜜柚。周明远摄（影像中国）",
            LineKind::Caption,
        ),
        ("晨雾中的古镇。王  初摄（人民视觉）", LineKind::Caption),
        // A name alone before 摄 or 绘 after the caption's full stop.
        ("孩子们在操场上放风筝。林小禾摄", LineKind::Caption),
        ("新建的跨江大桥。（赵  晴 摄）", LineKind::Caption),
        ("山村学校的第一堂美术课。孙一帆绘", LineKind::Caption),
        // Not after a full stop, or not a name: a headline, a sentence.
        ("一位老摄影师的乡村影像记忆", LineKind::Short),
        ("他拿起相机走进田野拍摄", LineKind::Short),
        ("展览已经开幕。欢迎大家前来参观拍摄", LineKind::Text),
        // Chart credits and figure labels.
        ("制图：陈小雨", LineKind::Caption),
        ("数据来源：市统计局  制图：陈小雨", LineKind::Caption),
        ("图1", LineKind::Caption),
        ("图2：全市近五年新能源汽车产量", LineKind::Caption),
        ("图三", LineKind::Caption),
        ("图书馆延长开放时间", LineKind::Short),
        ("图一览全市新地标", LineKind::Short),
        // Leads with a space before the bracket, and the paper's own
        // dateline without a date.
        (
            "新华社北京电 （记者 刘某某）全国夏粮收购进展顺利。",
            LineKind::Lead,
        ),
        (
            "本报杭州电（通讯员 吴某）当地开通一条新公交线路。",
            LineKind::Lead,
        ),
        // An editor's line with full stops, up to 200 characters.
        (
            "本版责编：王某某  李某  版式设计：张某。欢迎来稿。",
            LineKind::Furniture,
        ),
        ("责任编辑：赵某某。", LineKind::Furniture),
    ];
    for (text, kind) in cases {
        assert_eq!(kind_of(text), kind, "{text:?}");
    }
    let long = format!("责编：某某。{}", "来稿请寄编辑部。".repeat(30));
    assert_eq!(kind_of(&long), LineKind::Text, "over 200 characters");
}

#[test]
fn compilers_and_roundup_sources_are_author_lines() {
    use super::features::Shape;
    let compiled = Shape::of("（作者为某大学教授，本报记者周某某采访整理）");
    assert!(compiled.flags.contains(&"compiled"), "{:?}", compiled.flags);
    let roundup = Shape::of("（综合本报记者和新华社记者报道）");
    assert!(roundup.flags.contains(&"author"), "{:?}", roundup.flags);
    assert!(!roundup.flags.contains(&"compiled"));
}

#[test]
fn a_short_line_over_a_lead_in_a_columns_body_is_marked() {
    use super::features::feature_names_at;
    use super::tagger::Tag::{Head, Inside};
    let lines = [
        "城乡速览",
        "本报讯 东区新开一家社区食堂。",
        "西区建成口袋公园",
        "本报讯 西区新建口袋公园三处。",
        "南区修缮老旧路灯",
        "南区路灯修缮完成。",
    ];
    let marked = |tags: &[_], at| {
        feature_names_at(&lines, tags, at)
            .iter()
            .any(|n| n == "in_column&short&next:lead")
    };
    assert!(marked(&[Head, Inside], 2));
    // The next line is no lead.
    assert!(!marked(&[Head, Inside, Inside, Inside], 4));
}

#[test]
fn termination_looks_through_closing_quotes() {
    assert!(is_terminated("他说：“开工了。”"));
    assert!(is_terminated("需求旺盛."));
    assert!(!is_terminated("推动“东数西算”"));
    assert!(!is_terminated("打造西部算力"));
}

#[test]
fn offsets_count_characters_not_bytes() {
    let page = "　标题一号\n本报讯（记者 张三）内容很长的一段话。\n";
    let split = split_page(page);
    assert_eq!(split.articles.len(), 1);
    let a = &split.articles[0];
    assert_eq!((a.start, a.end), (1, 25));
    assert_eq!(a.title, "标题一号");
}

#[test]
fn a_column_break_is_joined_even_inside_a_word() {
    let page = "数据中心开工\n本报讯 国家批复建设数据中心集群和算力网络，推进东数西算工程，新建高速光纤网络，建设数据中\n\n心集群。\n";
    let split = split_page(page);
    assert_eq!(split.articles.len(), 1);
    assert!(
        split.articles[0].body.contains("建设数据中心集群。"),
        "{split:?}"
    );
}

#[test]
fn a_decorated_banner_is_dropped_and_a_kicker_stays_in_the_title() {
    let page = "【稳字当头】\n川渝联手——\n共建示范区\n本报讯 两地签署协议，共建成渝地区双城经济圈示范区。\n";
    let split = split_page(page);
    assert_eq!(split.dropped.len(), 1, "{split:?}");
    assert_eq!(split.dropped[0].kind, DroppedKind::Banner);
    assert_eq!(split.articles[0].title, "川渝联手—— 共建示范区");
}

#[test]
fn a_related_item_stays_with_its_story_without_the_marker() {
    let page = "算力枢纽获批\n本报讯 国家批复枢纽。\n相关新闻\n调度平台上线\n本报讯 平台上线。\n另一条新闻标题\n本报讯 别的事。\n";
    let split = split_page(page);
    assert_eq!(split.articles.len(), 2, "{split:?}");
    assert_eq!(
        split.articles[0].body,
        "本报讯 国家批复枢纽。\n调度平台上线\n本报讯 平台上线。"
    );
    assert_eq!(split.dropped[0].kind, DroppedKind::Marker);
}

#[test]
fn briefs_without_headlines_split_at_each_lead() {
    let page = "本报讯 甲地开工。\n本报讯 乙地招聘。\n本报讯 丙地通关。\n";
    let split = split_page(page);
    let titles: Vec<&str> = split.articles.iter().map(|a| a.title.as_str()).collect();
    assert_eq!(titles, ["", "", ""]);
}

#[test]
fn a_caption_between_articles_goes_to_the_one_it_shares_words_with() {
    let page = "港口吞吐量增长\n本报讯 港区集装箱吞吐量增长。\n\n工人在隧道内铺设轨道。记者 某某 摄\n\n轨道交通新线铺轨\n本报讯 新线隧道开始铺设轨道。\n";
    let split = split_page(page);
    assert_eq!(split.articles.len(), 2);
    assert!(
        split.articles[1].body.starts_with("工人在隧道内"),
        "{split:?}"
    );
    assert!(!split.articles[0].body.contains("隧道"));
}

#[test]
fn nothing_but_space_is_no_article() {
    assert_eq!(split_page(" \n\r\n　").articles, []);
}

#[test]
fn a_caption_between_the_halves_of_a_paragraph_stays_with_it() {
    // Found by the property test: the caption sat between the halves of a
    // column break and the next article's start was moved back over it.
    let page = "沿江新建滨江步道和观景平台，串联多个老旧社区，市民出门见绿，休闲环境明显改善，步道全线\n沿江新建滨江步道和观景平台，串联多个老旧社区，市民出门见绿，休闲环境明显改善，步道全线\n返岗农民工登上务工专列。记者 陈柏 摄\n沿江新建滨江步道和观景平台，串联多个老旧社区，市民出门见绿，休闲环境明显改善，步道全线\n■ 包车接员工返岗\n（新华社发）\n（新华社发）";
    let split = split_page(page);
    for pair in split.articles.windows(2) {
        assert!(pair[0].end <= pair[1].start, "{split:?}");
    }
}

#[test]
fn the_line_above_a_continued_from_jump_must_be_a_headline() {
    use super::assemble::continued_headlines;
    use super::lines::read_lines;
    let page = "城市更新行动稳步推进\n老旧小区改造开工两百个，惠及居民三万户。\n\
                地铁三号线北延段开通\n（上接第1版）\n北延段设站六座，沿线居民出行更方便。\n\
                （下转第3版）\n海关推出通关便利措施，企业申报更简便。\n（上接第2版）\n其余内容。";
    let all = read_lines(page);
    let lines: Vec<_> = all.iter().filter(|l| l.kind != LineKind::Blank).collect();
    let heading = continued_headlines(&lines);
    let marked: Vec<&str> = lines
        .iter()
        .zip(&heading)
        .filter(|(_, &h)| h)
        .map(|(l, _)| l.text)
        .collect();
    // Not the sentence above the second 上接 (text ends a sentence), nor
    // anything near 下转, which sends a story on rather than continuing one.
    assert_eq!(marked, ["地铁三号线北延段开通"]);

    let split = split_page(page);
    let titles: Vec<&str> = split.articles.iter().map(|a| a.title.as_str()).collect();
    assert!(titles.contains(&"地铁三号线北延段开通"), "{titles:?}");
}
