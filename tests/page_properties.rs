//! Property tests of the page splitter: on any text, and on pages built from
//! the pieces real pages are made of, article spans are ordered and disjoint
//! and every character of a body is kept exactly once.

mod page_support;

use page_support::check_split;
use policy_classifier::page::split_page;
use proptest::prelude::*;

/// Lines of every kind the splitter tells apart, including awkward ones.
const PIECES: &[&str] = &[
    "",
    "   ",
    "　　",
    "全国一体化算力网络枢纽节点获批",
    "——推动东数西算工程落地",
    "稳字当头 稳中求进",
    "本报讯（记者 张三）2月16日，市经济信息委启动专精特新企业申报，对入选企业给予奖励。",
    "新华社北京2月17日电(记者 李四)海关推行关税保证保险,进口芯片通关时间缩短.",
    "本报记者 王五 赵六",
    "沿江新建滨江步道和观景平台，串联多个老旧社区，市民出门见绿，休闲环境明显改善，步道全线",
    "贯通。",
    "道。",
    "，同时推进配套设施建设。",
    "返岗农民工登上务工专列。记者 陈柏 摄",
    "市民在步道上散步。特约摄影 钟某 摄/视觉重庆",
    "（新华社发）",
    "相关新闻",
    "【延伸阅读】",
    "【简讯】",
    "（下转第2版）",
    "重庆日报 2022年2月17日 星期四",
    "责任编辑 李明",
    "■ 包车接员工返岗",
    "一、加大资金支持",
    "外贸订单排到6月!",
    "2022",
    "12.5%",
    "。。。",
    "\"专精特新\"",
];

fn page_from_pieces() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        4 => prop::sample::select(PIECES).prop_map(str::to_owned),
        1 => "[\\PC]{0,60}",
    ];
    (prop::collection::vec(line, 0..40), any::<bool>())
        .prop_map(|(lines, crlf)| lines.join(if crlf { "\r\n" } else { "\n" }))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn pages_built_from_pieces_split_cleanly(page in page_from_pieces()) {
        let split = split_page(&page);
        prop_assert!(check_split(&page, &split).is_ok(), "{:?}\n{:?}", check_split(&page, &split), page);
    }

    #[test]
    fn any_text_splits_cleanly(page in "[\\PC\n\r\t 　]{0,400}") {
        let split = split_page(&page);
        prop_assert!(check_split(&page, &split).is_ok(), "{:?}\n{:?}", check_split(&page, &split), page);
    }
}

/// The checker itself must catch a lost, a duplicated and an overlapping span.
#[test]
fn the_checker_rejects_broken_splits() {
    let page = "算力枢纽获批\n本报讯 国家批复枢纽。\n\n步道建成开放\n本报讯 步道开放。";
    let good = split_page(page);
    assert_eq!(check_split(page, &good), Ok(()));

    let mut lost = good.clone();
    lost.articles[0].body.pop();
    assert!(check_split(page, &lost).is_err());

    let mut duplicated = good.clone();
    duplicated.articles[1].body.push('枢');
    assert!(check_split(page, &duplicated).is_err());

    let mut overlapping = good.clone();
    overlapping.articles[1].start -= 3;
    assert!(check_split(page, &overlapping).is_err());

    let mut uncovered = good;
    uncovered.articles.pop();
    assert!(check_split(page, &uncovered).is_err());
}
