//! News boilerplate: the parts of an article that name the paper, the city
//! it was filed from or the people who wrote it, not its subject. Every
//! paper has its own, so a model trained on one source learns them as
//! spurious evidence; dropping them makes it travel to other papers.
//!
//! Works on normalised text (full-width brackets and colons are already
//! ASCII, see `normalise`).

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

/// Patterns removed wherever they occur, each with a comment on what it is.
static BOILERPLATE: LazyLock<Regex> = LazyLock::new(|| {
    let patterns = [
        // Dateline: "新华社北京2月17日电", "本报上海3月1日讯", "中新网5月8日电",
        // optionally followed by the reporters in brackets.
        r"^\s*[\p{Han}]{0,12}?\d{1,2}月\d{1,2}日\s*(?:电|讯)(?:\s*\([^)]{0,40}\))?",
        // "本报讯" with optional bracketed reporters.
        r"本报讯(?:\s*\([^)]{0,40}\))?",
        // Bracketed bylines and photo credits: "(记者 张三 李四)", "(王五 摄)".
        r"\(\s*(?:本报|新华社|特约)?(?:记者|通讯员|实习生)[^)]{0,40}\)",
        r"\([^)]{0,30}摄\s*\)",
        // Free-standing photo credits: "记者 张三 摄", "新华社记者李四摄".
        r"(?:新华社|本报)?记者\s*[\p{Han}、 ]{2,16}?\s*摄",
        // Editor and source lines: "责任编辑:王五", "来源:某某日报".
        r"(?:责任编辑|责编|编辑|审核|校对|来源)\s*:\s*[\p{Han}\w ]{1,20}",
    ];
    Regex::new(&patterns.join("|")).expect("boilerplate patterns are valid")
});

/// `text` without datelines, bylines, photo credits and editor lines.
pub fn strip_boilerplate(text: &str) -> Cow<'_, str> {
    BOILERPLATE.replace_all(text, " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::normalise;

    fn strip(text: &str) -> String {
        strip_boilerplate(&normalise(text)).trim().to_owned()
    }

    #[test]
    fn drops_datelines_with_reporters() {
        assert_eq!(
            strip("新华社北京2月17日电（记者张三）本市启动老旧小区改造。"),
            "本市启动老旧小区改造。"
        );
        assert_eq!(strip("本报讯（通讯员 李四）港口扩建开工"), "港口扩建开工");
    }

    #[test]
    fn drops_photo_credits_and_editor_lines() {
        assert_eq!(strip("新建大桥通车。（王五 摄）"), "新建大桥通车。");
        assert_eq!(strip("新建大桥通车。记者 赵六 摄"), "新建大桥通车。");
        assert_eq!(strip("工厂扩产。责任编辑：孙七"), "工厂扩产。");
    }

    #[test]
    fn keeps_ordinary_sentences() {
        for text in [
            "记者从市政府获悉，地铁三号线将于年底开通。",
            "摄影展在美术馆开幕。",
            "截至2月17日，出口增长明显。",
        ] {
            assert_eq!(strip(text), normalise(text));
        }
    }
}
