//! Phrase boundaries for headings and cover titles: where a line may break without cutting
//! a word (`工程師`, `那個`, `每一個`) or stranding a particle (`的`, `了`).
//!
//! Words come from ICU4X's word segmenter (`icu_segmenter`, the Unicode Consortium's, with
//! its Chinese/Japanese dictionary, which knows Traditional forms). Words are then joined
//! into phrases:
//!
//! - no boundary before closing punctuation or after opening punctuation (`「投資`, `未來」`);
//! - a particle or suffix of one character joins the word before it, even after punctuation
//!   (`人生的`, `未來」的`, `貢獻者`);
//! - `第`, `每`, `各`, `這`, `那`, `哪` of one character join the word after it (`第4集`);
//! - any other word of one Han character joins the word before it, or, after punctuation or at
//!   the start, the word after it: the dictionary cuts unknown words into characters (`閉源`,
//!   `計分`) and sometimes cuts a word wrongly (`都在|乎`);
//! - Latin words break only at spaces (the browser's rules), and every space is a boundary.
//!
//! Fewer, safer breaks: a phrase too long for the line still wraps anywhere
//! (`overflow-wrap`), as a browser would.

use icu_segmenter::WordSegmenter;
use icu_segmenter::options::WordBreakInvariantOptions;

/// Characters that never start a phrase: closing brackets and stops (and, as one-character
/// words, the particles and suffixes that lean on the word before).
const NO_START: &str = "，。、：；？！）」』】〕〉》〗〙〛｝］’”…‥・—―,.;:!?)]}%％";
const NO_END: &str = "（「『【〔〈《〖〘〚｛［‘“([{";
const PARTICLES: &str = "的地得了著着過过們们嗎吗呢吧啊呀嘛啦之者性化";
const PREFIXES: &str = "第每各這这那哪";

fn is_han(c: char) -> bool {
    super::chars::is_cjk(c) && !super::chars::is_cjk_punct(c)
}

fn single(w: &str) -> Option<char> {
    let mut it = w.chars();
    match (it.next(), it.next()) {
        (Some(c), None) => Some(c),
        _ => None,
    }
}

/// Byte offsets (0 < offset < len) where `text` may break between phrases, spaces included.
pub fn boundaries(text: &str) -> Vec<usize> {
    if !text.chars().any(is_han) {
        return Vec::new();
    }
    let seg = WordSegmenter::new_dictionary(WordBreakInvariantOptions::default());
    let cuts: Vec<usize> = seg.segment_str(text).collect();
    let words: Vec<&str> = cuts.windows(2).map(|w| &text[w[0]..w[1]]).collect();
    let mut out = Vec::new();
    for k in 1..words.len() {
        let before_a = k.checked_sub(2).map(|j| words[j]);
        if allowed(before_a, words[k - 1], words[k]) {
            out.push(cuts[k]);
        }
    }
    out
}

fn ends_in_letter(w: Option<&str>) -> bool {
    w.and_then(|w| w.chars().next_back())
        .is_some_and(char::is_alphanumeric)
}

/// Whether a phrase may end after word `a` when word `b` follows (`z` stands before `a`).
fn allowed(z: Option<&str>, a: &str, b: &str) -> bool {
    let (Some(last), Some(first)) = (a.chars().next_back(), b.chars().next()) else {
        return false;
    };
    if last.is_whitespace() || first.is_whitespace() {
        return true;
    }
    if NO_START.contains(first) || NO_END.contains(last) {
        return false;
    }
    if single(b).is_some_and(|c| PARTICLES.contains(c))
        || single(a).is_some_and(|c| PREFIXES.contains(c))
    {
        return false;
    }
    // a lone character leans on a neighbour: back on a word, else forward
    if single(b).is_some_and(is_han) && last.is_alphanumeric() {
        return false;
    }
    if single(a).is_some_and(is_han) && !ends_in_letter(z) {
        return false;
    }
    // Latin words (and digits) break only at spaces; anything may follow CJK punctuation
    is_han(last) || is_han(first) || super::chars::is_cjk_punct(last)
}

/// The places where `<wbr>` is needed: boundaries between two letters (a line may break at
/// a space or next to punctuation anyway).
pub fn breaks(text: &str) -> Vec<usize> {
    let letter = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric());
    let mut v = boundaries(text);
    v.retain(|&i| letter(text[..i].chars().next_back()) && letter(text[i..].chars().next()));
    v
}

/// `text` cut into phrases at its [`boundaries`] (spaces are phrases of their own).
pub fn phrases(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    for b in boundaries(text) {
        out.push(&text[start..b]);
        start = b;
    }
    if start < text.len() || out.is_empty() {
        out.push(&text[start..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(t: &str) -> String {
        let mut s = String::new();
        let b = breaks(t);
        for (i, c) in t.char_indices() {
            if b.contains(&i) {
                s.push('|');
            }
            s.push(c);
        }
        s
    }

    #[test]
    fn headings_break_between_phrases() {
        for (text, want) in [
            // the words the issue saw cut: 工/程師, 那/個, 每一個/模型
            (
                "翁家翌：OpenAI 每一個模型背後的那個「賣鏟子的人」",
                "翁家翌：OpenAI 每一個|模型|背後的|那個「賣鏟子的人」",
            ),
            (
                "一、相鄰標點的擠壓與每一個工程師都在乎的那個細節",
                "一、相鄰|標點的|擠壓與|每一個|工程師|都在乎的|那個|細節",
            ),
            (
                "為什麼一個熱愛開源的工程師會加入閉源的公司",
                "為什麼|一個|熱愛|開源的|工程師會|加入閉源的|公司",
            ),
            (
                "一個從小就在「投資未來」的人",
                "一個|從小就在「投資|未來」的人",
            ),
            (
                "二、中西文之間的空白與很長很長的網址",
                "二、中西文|之間的|空白與|很長|很長的|網址",
            ),
            ("人生的計分方式", "人生的計分|方式"),
            ("第 4 集的故事", "第 4 集的|故事"),
            ("AI 產業動態 第 4 集", "AI 產業|動態 第 4 集"),
        ] {
            assert_eq!(show(text), want, "{text}");
        }
        assert!(breaks("OpenAI and GPT").is_empty());
    }

    #[test]
    fn phrases_keep_every_character() {
        let t = "退學 online，到成為 GPT 系列核心貢獻者";
        assert_eq!(phrases(t).concat(), t);
        assert!(phrases(t).contains(&" "));
        assert_eq!(phrases("abc"), vec!["abc"]);
    }
}
