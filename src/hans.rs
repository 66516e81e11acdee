//! zh-Hant → zh-Hans conversion for the Simplified edition (OpenCC tw2sp: Taiwan phrases → mainland).
//!
//! Backed by [`ferrous_opencc`] (pure Rust, Apache-2.0) with its embedded copy of the OpenCC
//! dictionaries and the built-in `tw2sp` configuration:
//!
//! 1. `TWPhrasesRev` + `TWVariantsRevPhrases` + `TWVariantsRev` — Taiwan vocabulary → mainland
//!    vocabulary (`資訊` → `信息`, `程式碼` → `代碼`, `軟體` → `軟件`, `網路` → `網絡`, …);
//! 2. `TSPhrases` + `TSCharacters` — Traditional → Simplified characters.
//!
//! Each stage is greedy longest-match over the whole string, so phrase conversion only works
//! when the whole phrase is inside one call: convert a paragraph (or other block) as one
//! string rather than inline text node by inline text node where possible.
//!
//! Output is OpenCC's, misfires included: the Taiwan table is IT vocabulary, so general prose
//! gets e.g. `核心` → `内核`, `指標` → `指针`, `資料` → `数据`, `查詢` → `查找`, and
//! `行程式碼` → `进程式码` (`行程` → `进程` matches first). See the tests.
//!
//! Punctuation is not touched by [`Converter`]: `「」` / `『』` stay as they are (OpenCC has no
//! quote mapping). The edition's own helpers below make that decision: [`to_simplified`] converts
//! a chapter's events (never code or raw HTML) with a few corrections to OpenCC's vocabulary
//! ([`convert_with_overrides`]) and mainland quotation marks in horizontal text
//! ([`simplify_line`]); [`font_stacks`] turns the stylesheet's Traditional font families into
//! Simplified ones.

use std::borrow::Cow;
use std::fmt;

use ferrous_opencc::OpenCC;
use ferrous_opencc::config::BuiltinConfig;

use crate::model::{Ev, Spanned, Tag};

/// A Taiwan-Traditional → mainland-Simplified converter (OpenCC `tw2sp`).
///
/// Build it once and reuse it for every text node; it is `Send + Sync`, so it can be shared
/// by reference across threads (e.g. rayon) or stored in a `std::sync::LazyLock`.
pub struct Converter {
    inner: OpenCC,
}

impl fmt::Debug for Converter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Converter")
            .field("config", &self.inner.name())
            .finish()
    }
}

impl Converter {
    /// Taiwan Traditional → mainland Simplified with phrase conversion (OpenCC's `tw2sp` config or equivalent).
    ///
    /// Loads the dictionaries embedded in the binary (no file system access).
    pub fn new() -> Result<Self, String> {
        let inner = OpenCC::from_config(BuiltinConfig::Tw2sp)
            .map_err(|e| format!("cannot load OpenCC tw2sp dictionaries: {e}"))?;
        Ok(Self { inner })
    }

    /// Convert one text node. Pure and deterministic. Text that has no Han characters returns borrowed.
    ///
    /// Text whose conversion leaves it unchanged (e.g. it is already Simplified) is also
    /// returned borrowed.
    pub fn convert<'a>(&self, text: &'a str) -> Cow<'a, str> {
        // Every key of the tw2sp dictionaries contains at least one Han character
        // (the only Latin ones are mixed keys like `SQL隱碼攻擊`), so text without Han
        // cannot change.
        if !text.chars().any(is_han) {
            return Cow::Borrowed(text);
        }
        let out = self.inner.convert(text);
        if out == text {
            Cow::Borrowed(text)
        } else {
            Cow::Owned(out)
        }
    }
}

/// Han ideographs (CJK unified ideographs incl. all extensions, compatibility ideographs,
/// radicals, `〇`).
fn is_han(c: char) -> bool {
    matches!(
        c,
        '\u{2E80}'..='\u{2FDF}'   // CJK radicals supplement, Kangxi radicals
        | '\u{3007}'              // 〇
        | '\u{3400}'..='\u{4DBF}' // Ext A
        | '\u{4E00}'..='\u{9FFF}' // URO
        | '\u{F900}'..='\u{FAFF}' // compatibility ideographs
        | '\u{20000}'..='\u{3FFFF}' // Ext B.. and compatibility supplement (planes 2–3)
    )
}

/// Merge neighbouring text and convert it to Simplified Chinese (never code, code blocks or
/// raw HTML); quotes become mainland ones in horizontal text.
pub fn to_simplified(events: Vec<Spanned>, conv: &Converter, vertical: bool) -> Vec<Spanned> {
    let mut out: Vec<Spanned> = Vec::with_capacity(events.len());
    let mut in_code = 0usize;
    for s in events {
        match &s.ev {
            Ev::Start(Tag::CodeBlock { .. }) => in_code += 1,
            Ev::End(Tag::CodeBlock { .. }) => in_code = in_code.saturating_sub(1),
            _ => {}
        }
        if in_code == 0
            && let Ev::Text(t) = &s.ev
            && let Some(Spanned {
                ev: Ev::Text(prev),
                span,
            }) = out.last_mut()
        {
            prev.push_str(t);
            span.end = span.end.max(s.span.end);
            continue;
        }
        out.push(s);
    }
    let mut in_code = 0usize;
    for s in &mut out {
        match &mut s.ev {
            Ev::Start(Tag::CodeBlock { .. }) => in_code += 1,
            Ev::End(Tag::CodeBlock { .. }) => in_code = in_code.saturating_sub(1),
            Ev::Text(t) | Ev::NoBreak(t) | Ev::Tcy(t) | Ev::Ruby { base: t, .. }
                if in_code == 0 =>
            {
                let converted = simplify_line(t, conv, vertical);
                if converted != *t {
                    *t = converted;
                }
            }
            Ev::Start(Tag::Image { title, .. }) | Ev::Start(Tag::Link { title, .. })
                if !title.is_empty() =>
            {
                *title = conv.convert(title).into_owned();
            }
            _ => {}
        }
    }
    out
}

/// Corrections to OpenCC's Taiwan IT-vocabulary table where it is wrong in general prose
/// (e.g. 核心 → 内核, 行程式碼 → 进程式码): these phrases are converted as given here.
const HANS_OVERRIDES: &[(&str, &str)] = &[
    ("行程式碼", "行代码"),
    ("核心", "核心"),
    ("指標", "指标"),
    ("查詢", "查询"),
];

/// Convert with OpenCC, keeping the [`HANS_OVERRIDES`] phrases as given.
pub fn convert_with_overrides(text: &str, conv: &Converter) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let next = HANS_OVERRIDES
            .iter()
            .filter_map(|(from, to)| rest.find(from).map(|i| (i, *from, *to)))
            .min_by_key(|&(i, from, _)| (i, std::cmp::Reverse(from.len())));
        match next {
            Some((i, from, to)) => {
                out.push_str(&conv.convert(&rest[..i]));
                out.push_str(to);
                rest = &rest[i + from.len()..];
            }
            None => {
                out.push_str(&conv.convert(rest));
                return out;
            }
        }
    }
}

/// OpenCC tw2sp, then mainland quotation marks in horizontal text (「」『』 → “”‘’).
pub fn simplify_line(text: &str, conv: &Converter, vertical: bool) -> String {
    let s = convert_with_overrides(text, conv);
    if vertical || !s.contains(['「', '」', '『', '』']) {
        return s;
    }
    s.chars()
        .map(|c| match c {
            '「' => '“',
            '」' => '”',
            '『' => '‘',
            '』' => '’',
            c => c,
        })
        .collect()
}

/// The stylesheet's Traditional Chinese font families → their Simplified counterparts.
pub fn font_stacks(css: &str) -> String {
    css.replace(" TC\"", " SC\"")
        .replace("PMingLiU", "SimSun")
        .replace("\"Microsoft JhengHei\"", "\"Microsoft YaHei\"")
        .replace("BiauKai, DFKai-SB, \"TW-Kai\"", "STKaiti, KaiTi")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::OnceLock;

    fn conv() -> &'static Converter {
        static C: OnceLock<Converter> = OnceLock::new();
        C.get_or_init(|| Converter::new().expect("tw2sp loads"))
    }

    fn c(s: &str) -> String {
        conv().convert(s).into_owned()
    }

    #[test]
    fn taiwan_phrases_become_mainland_phrases() {
        // Expected values are what OpenCC 1.1.6 (C++) `opencc -c tw2sp.json` prints.
        assert_eq!(c("資訊"), "信息");
        assert_eq!(c("開源"), "开源");
        assert_eq!(c("程式碼"), "代码");
        assert_eq!(c("軟體"), "软件");
        assert_eq!(c("網路"), "网络");
        assert_eq!(c("專案"), "项目");
        assert_eq!(c("伺服器"), "服务器");
        assert_eq!(c("網際網路"), "互联网");
        assert_eq!(c("影片"), "视频");
        assert_eq!(c("記憶體"), "内存");
        assert_eq!(c("程式設計"), "编程");
        assert_eq!(c("演算法"), "算法");
        assert_eq!(c("資料庫"), "数据库");
        assert_eq!(c("滑鼠"), "鼠标");
        assert_eq!(c("蒐集"), "搜集");
        assert_eq!(c("資訊平權"), "信息平权");
        assert_eq!(c("打破這個資訊差。"), "打破这个信息差。");
    }

    #[test]
    fn characters_and_names() {
        assert_eq!(c("翁家翌"), "翁家翌");
        assert_eq!(c("清華"), "清华");
        assert_eq!(c("從小學奧數、清華開源作業"), "从小学奥数、清华开源作业");
        assert_eq!(c("後面"), "后面");
        assert_eq!(c("家裡"), "家里");
        assert_eq!(c("影響著"), "影响着");
        assert_eq!(c("兩週"), "两周");
        assert_eq!(c("瞭解"), "了解");
        assert_eq!(c("頭髮"), "头发");
        assert_eq!(c("乾淨"), "干净");
        assert_eq!(c("臺灣"), "台湾");
        assert_eq!(c("一隻"), "一只");
        // No stray CR/whitespace from the CRLF dictionary sources.
        assert_eq!(c("資訊\n網路\r\n"), "信息\n网络\r\n");
    }

    #[test]
    fn quotes_and_punctuation_are_kept() {
        // OpenCC tw2sp does not touch punctuation: corner brackets stay, no “” appear.
        assert_eq!(c("「賣鏟子的人」"), "「卖铲子的人」");
        assert_eq!(c("『書名』"), "『书名』");
        assert_eq!(c("——……·,。:;!?()"), "——……·,。:;!?()");
        assert_eq!(c("「與其說」,『之後』。"), "「与其说」,『之后』。");
    }

    #[test]
    fn latin_digits_and_urls_untouched() {
        for s in [
            "",
            "tuixue.online",
            "GPT-4o",
            "RL Infra, post-training, scale up 2020",
            "https://example.com/path?q=1#frag",
            "café — naïve “quotes” 「」 ½ 😀",
        ] {
            let out = conv().convert(s);
            assert!(matches!(out, Cow::Borrowed(_)), "{s:?} should be borrowed");
            assert_eq!(out, s);
        }
        // Mixed text: Latin runs survive intact around converted Han.
        assert_eq!(
            c("做天授跟做 tuixue online 都是做慈善,完全 non-profit"),
            "做天授跟做 tuixue online 都是做慈善,完全 non-profit"
        );
        assert_eq!(
            c("從 ChatGPT、GPT-4、GPT-4o 到 GPT-5"),
            "从 ChatGPT、GPT-4、GPT-4o 到 GPT-5"
        );
        // OpenCC's TWPhrasesRev maps 查詢 → 查找 (mainland usage is 查询); asserted as-is.
        assert_eq!(
            c("tuixue.online,一個簽證查詢系統"),
            "tuixue.online,一个签证查找系统"
        );
        // The converter converts Han inside a URL too (the Latin part is untouched);
        // callers must not pass URLs or code.
        assert_eq!(c("https://example.com/資訊"), "https://example.com/信息");
        // Latin letters inside dictionary keys (`SQL隱碼攻擊`) still work.
        assert_eq!(c("SQL隱碼攻擊"), "SQL注入");
    }

    #[test]
    fn known_opencc_misconversions_are_kept_faithfully() {
        // These are what OpenCC itself (C++ 1.4.2, `tw2sp`) outputs; they read wrong in general
        // prose because TWPhrasesRev is IT vocabulary. Asserted so a data update is noticed.
        assert_eq!(c("幾十萬行程式碼"), "几十万进程式码"); // 行程→进程 wins over 程式碼→代码
        assert_eq!(c("旅遊行程"), "旅游进程");
        assert_eq!(c("核心貢獻者"), "内核贡献者"); // 核心→内核
        assert_eq!(c("職涯指標"), "职涯指针"); // 指標→指针
        assert_eq!(c("簽證查詢系統"), "签证查找系统"); // 查詢→查找
        assert_eq!(c("蒐集資料"), "搜集数据"); // 資料→数据
        assert_eq!(c("設定"), "设置");
        assert_eq!(c("預設"), "缺省"); // OpenCC 1.4.2 data: 预设
    }

    #[test]
    fn article_paragraph_matches_opencc() {
        // From book/article.md; expected text is OpenCC 1.4.2 `tw2sp` output.
        let src = "第二個是 tuixue.online,一個簽證查詢系統。因為疫情期間各地領事館一直關關開開,\
                   他自己有查簽證的需求,就寫了一個爬蟲,然後免費開源給大家用。這個系統的總點擊量超過一千萬。";
        let want = "第二个是 tuixue.online,一个签证查找系统。因为疫情期间各地领事馆一直关关开开,\
                    他自己有查签证的需求,就写了一个爬虫,然后免费开源给大家用。这个系统的总点击量超过一千万。";
        assert_eq!(c(src), want);
    }

    #[test]
    fn unchanged_han_is_borrowed() {
        assert!(matches!(conv().convert("信息与开源"), Cow::Borrowed(_)));
        assert!(matches!(conv().convert("翁家翌"), Cow::Borrowed(_)));
        assert!(matches!(conv().convert("資訊"), Cow::Owned(_)));
    }

    #[test]
    fn phrase_split_across_calls_loses_phrase_conversion() {
        // Documented limitation: each call is independent. A phrase cut in two by inline
        // markup only gets character conversion.
        assert_eq!(c("資訊"), "信息");
        assert_eq!(c("資") + &c("訊"), "资讯");
        assert_eq!(c("程式") + &c("碼"), "程序码");
        assert_eq!(c("程式碼"), "代码");
    }

    #[test]
    fn deterministic() {
        let text = "這個 GitHub repo 後來成為清華計算機系廣為流傳的資源,資訊平權。";
        let a = Converter::new().unwrap();
        let b = Converter::new().unwrap();
        let first = a.convert(text).into_owned();
        for _ in 0..3 {
            assert_eq!(a.convert(text), first);
            assert_eq!(b.convert(text), first);
        }
        assert_eq!(
            first,
            "这个 GitHub repo 后来成为清华计算机系广为流传的资源,信息平权。"
        );
    }

    #[test]
    fn is_send_sync_and_debug() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Converter>();
        assert!(format!("{:?}", conv()).contains("Converter"));
    }

    #[test]
    fn han_ranges() {
        assert!(is_han('資'));
        assert!(is_han('〇'));
        assert!(is_han('\u{3400}'));
        assert!(is_han('\u{20000}'));
        assert!(!is_han('「'));
        assert!(!is_han('。'));
        assert!(!is_han('a'));
        assert!(!is_han('ア'));
    }
}
