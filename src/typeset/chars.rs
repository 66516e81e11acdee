//! Character classes the typesetter decides by.

/// Han, kana, bopomofo, hangul, CJK symbols and punctuation, full-width forms, and the
/// dash / ellipsis characters Chinese uses in pairs (`——`, `……`).
pub(super) fn is_cjk(c: char) -> bool {
    let u = c as u32;
    if u < 0x1100 {
        return false;
    }
    matches!(
        u,
        0x1100..=0x11FF          // hangul jamo
        | 0x2014..=0x2015        // em dash, horizontal bar (破折號)
        | 0x2026                 // ellipsis (刪節號)
        | 0x2E3A..=0x2E3B        // two- and three-em dash
        | 0x2E80..=0x2FDF        // radicals
        | 0x2FF0..=0x2FFF        // ideographic description
        | 0x3000..=0x303F        // CJK symbols and punctuation
        | 0x3040..=0x30FF        // kana
        | 0x3100..=0x312F        // bopomofo
        | 0x3130..=0x318F        // hangul compatibility jamo
        | 0x3190..=0x31FF        // kanbun, bopomofo ext., strokes, katakana ext.
        | 0x3200..=0x33FF        // enclosed CJK, CJK compatibility
        | 0x3400..=0x4DBF        // ext. A
        | 0x4E00..=0x9FFF        // unified ideographs
        | 0xA960..=0xA97F        // hangul jamo ext. A
        | 0xAC00..=0xD7AF        // hangul syllables
        | 0xF900..=0xFAFF        // compatibility ideographs
        | 0xFE10..=0xFE1F        // vertical forms
        | 0xFE30..=0xFE4F        // compatibility forms
        | 0xFF00..=0xFFEF        // half- and full-width forms
        | 0x1B000..=0x1B16F      // kana supplement / extended
        | 0x20000..=0x3FFFF // ext. B and later
    )
}

/// CJK punctuation: a soft break next to one vanishes (it already carries its own space).
pub(super) fn is_cjk_punct(c: char) -> bool {
    matches!(
        c as u32,
        0x2014..=0x2015
            | 0x2026
            | 0x2E3A..=0x2E3B
            | 0x3000..=0x303F
            | 0x30FB
            | 0xFE10..=0xFE1F
            | 0xFE30..=0xFE4F
            | 0xFF01..=0xFF0F
            | 0xFF1A..=0xFF20
            | 0xFF3B..=0xFF40
            | 0xFF5B..=0xFF65
    )
}

/// Characters that belong to neither script (curly quotes, middle dots, and the quarter-em
/// space and word joiner that `finish` writes): they do not change the "previous character"
/// context, so `“好”,` still reads the `,` after `好`.
pub(super) fn is_neutral(c: char) -> bool {
    matches!(
        c as u32,
        0x00B7 | 0x2018..=0x201F | 0x2027 | 0x2005 | 0x2060
    )
}

/// Whitespace the typesetter may drop next to a full-width mark (not U+3000, which is content).
pub(super) fn is_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

pub(super) fn is_ws_byte(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// The ASCII marks the typesetter may convert.
pub(super) fn is_mark(c: char) -> bool {
    matches!(c, ',' | ':' | ';' | '?' | '!' | '(' | ')')
}

/// Full-width form of a convertible ASCII mark.
pub(super) fn full_width(b: u8) -> &'static str {
    match b {
        b',' => "，",
        b':' => "：",
        b';' => "；",
        b'?' => "？",
        b'!' => "！",
        b'(' => "（",
        b')' => "）",
        _ => unreachable!("not a convertible mark: {b}"),
    }
}

/// Characters that glue a mark into a Latin token when they sit on both sides of it
/// (`1,000`, `10:30`, `x.y/a,b`, `Foo_(bar)`, `a!=b`).
pub(super) fn glues(c: Option<char>) -> bool {
    c.is_some_and(|c| {
        c.is_ascii_alphanumeric()
            || matches!(
                c,
                '_' | '-' | '/' | '.' | '%' | '~' | '#' | '=' | '&' | '+' | '@'
            )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        for c in [
            '翁', '「', '」', '，', '。', 'か', 'ㄅ', '—', '…', '𠮷', 'Ａ',
        ] {
            assert!(is_cjk(c), "{c}");
        }
        for c in ['a', 'Z', '0', ',', ' ', 'é', '“', '·'] {
            assert!(!is_cjk(c), "{c}");
        }
        for c in ['，', '。', '」', '（', '—', '…', '、'] {
            assert!(is_cjk_punct(c), "{c}");
        }
        for c in ['翁', 'Ａ', '０', 'a'] {
            assert!(!is_cjk_punct(c), "{c}");
        }
        assert!(is_neutral('“') && is_neutral('’') && is_neutral('·') && !is_neutral('「'));
    }
}
