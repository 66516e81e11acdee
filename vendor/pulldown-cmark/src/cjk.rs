//! hanpub patch: CJK-friendly flanking rules for `*` and `_` runs
//! (the CommonMark CJK-friendly amendments, <https://github.com/tats-u/markdown-cjk-friendly>,
//! specification.md, section 6.2). Written for hanpub against 0.13.6; upstream has its own
//! implementation of the same amendment in a later release.
//!
//! A left-flanking run is (1) not followed by whitespace, and (2a) not followed by a non-CJK
//! punctuation character, or (2b) followed by one and preceded by whitespace, a non-CJK
//! punctuation sequence, a CJK sequence or an ideographic variation selector.
//! A right-flanking run is (1) not preceded by whitespace, and (2a) not preceded by a non-CJK
//! punctuation sequence, or (2b) preceded by one and followed by whitespace, a non-CJK
//! punctuation character or a CJK character. `_` keeps its intraword rules, with "preceded by
//! punctuation" read as "preceded by a punctuation sequence".

use crate::firstpass::TableParseMode;
use crate::puncttable::is_punctuation;

/// Whether a non-ASCII character is next to the run (else the CommonMark rules give the same
/// answer, and the caller uses them).
pub(crate) fn near_non_ascii(s: &str, ix: usize, run_len: usize) -> bool {
    let b = s.as_bytes();
    let before = ix.checked_sub(1).map(|i| b[i]);
    let after = b.get(ix + run_len).copied();
    before.is_some_and(|c| c >= 0x80) || after.is_some_and(|c| c >= 0x80)
}

/// (can open, can close) for the run `s[ix..ix + run_len]` of `*` or `_`.
pub(crate) fn can_open_close(
    s: &str,
    ix: usize,
    run_len: usize,
    mode: TableParseMode,
) -> (bool, bool) {
    let delim = s.as_bytes()[ix];
    let next = s[ix + run_len..].chars().next();
    let mut back = s[..ix].chars().rev();
    let prev = back.next();
    let prev2 = back.next();
    if mode == TableParseMode::Active {
        let bar_before = s.as_bytes()[..ix].ends_with(b"|") && !s.as_bytes()[..ix].ends_with(br"\|");
        if bar_before {
            return (next.is_some_and(|c| !c.is_whitespace()), false);
        }
        if next == Some('|') {
            return (false, prev.is_some_and(|c| !c.is_whitespace()));
        }
    }
    let ws = |c: Option<char>| c.is_none_or(char::is_whitespace);
    // the character a variation selector belongs to
    let base = match prev {
        Some(c) if is_svs(c) => prev2,
        p => p,
    };
    // `”` + U+FE01 is the fullwidth form of an ambiguous mark: CJK punctuation
    let fullwidth_form = prev == Some('\u{FE01}');
    let prev_noncjk_punct =
        base.is_some_and(is_non_cjk_punctuation) && !ws(base) && !fullwidth_form;
    let prev_punct = base.is_some_and(is_punctuation);
    let prev_cjk = base.is_some_and(is_cjk) || (fullwidth_form && prev_punct);
    let prev_ivs = prev.is_some_and(|c| ('\u{E0100}'..='\u{E01EF}').contains(&c));
    let next_noncjk_punct = next.is_some_and(is_non_cjk_punctuation);
    let left = !ws(next)
        && (!next_noncjk_punct || ws(prev) || prev_noncjk_punct || prev_cjk || prev_ivs);
    let right = !ws(prev)
        && (!prev_noncjk_punct || ws(next) || next_noncjk_punct || next.is_some_and(is_cjk));
    if delim == b'*' {
        (left, right)
    } else {
        let next_punct = next.is_some_and(is_punctuation);
        (left && (!right || prev_punct), right && (!left || next_punct))
    }
}

/// U+FE00–U+FE0E: variation selectors that may follow a CJK character (not the emoji one).
fn is_svs(c: char) -> bool {
    ('\u{FE00}'..='\u{FE0E}').contains(&c)
}

fn is_non_cjk_punctuation(c: char) -> bool {
    is_punctuation(c) && !is_cjk(c)
}

/// East Asian Width W, F or H and not an emoji by default, or Hangul (Unicode 16 ranges,
/// emoji blocks left out).
pub(crate) fn is_cjk(c: char) -> bool {
    let c = c as u32;
    if c < 0x1100 {
        return false;
    }
    matches!(c,
        0x1100..=0x11FF // Hangul Jamo (W and, for the medial/final jamo, Hangul script)
        | 0x2E80..=0x303E // radicals, Kangxi, ideographic description, CJK symbols and punctuation
        | 0x3041..=0x33FF // kana, Bopomofo, Hangul compatibility jamo, Kanbun, enclosed, compatibility
        | 0x3400..=0x4DBF // Extension A
        | 0x4E00..=0x9FFF // unified ideographs
        | 0xA000..=0xA4CF // Yi
        | 0xA960..=0xA97F // Hangul Jamo Extended-A
        | 0xAC00..=0xD7FF // Hangul syllables, Jamo Extended-B
        | 0xF900..=0xFAFF // compatibility ideographs
        | 0xFE10..=0xFE19 // vertical forms
        | 0xFE30..=0xFE6F // compatibility forms, small form variants
        | 0xFF01..=0xFF60 // fullwidth forms
        | 0xFF61..=0xFFDC // halfwidth forms
        | 0xFFE0..=0xFFE6
        | 0xFFE8..=0xFFEE
        | 0x16FE0..=0x16FFF // ideographic symbols
        | 0x17000..=0x18CFF // Tangut, Khitan
        | 0x18D00..=0x18D8F
        | 0x1AFF0..=0x1B2FF // kana supplements, Nushu
        | 0x1F200..=0x1F200
        | 0x1F202..=0x1F202 // 🈂 (text presentation by default)
        | 0x1F210..=0x1F219
        | 0x1F21B..=0x1F22E
        | 0x1F230..=0x1F231
        | 0x1F237..=0x1F237 // 🈷
        | 0x1F23B..=0x1F24F
        | 0x1F260..=0x1F265
        | 0x20000..=0x3FFFD // supplementary ideographic planes
    )
}
