//! Covers: a generated 1600×2560 PNG cover that every e-reader shows, and checks of a cover
//! image the author gives.
//!
//! * [`draw`] lays out the title (whole, wrapped by CJK rules, shrunk until it fits), a kicker
//!   above it, the subtitle, and the series line and authors in a band at the foot, and encodes a
//!   PNG (an indexed one: the canvas keeps a palette, `canvas`). Same inputs ⇒ same bytes.
//! * [`choose_face`] picks the face of a font collection that suits a language
//!   (`Noto Serif CJK TC` for zh-Hant, `… SC` for zh-Hans, …); [`FONT_CANDIDATES`] lists where
//!   Debian keeps such fonts. The caller reads the files.
//! * [`inspect_given`] checks an image the author names (`cover = "cover.jpg"`).
//! * [`for_book`] is the cover part of the assets stage: the given image, or one drawn from the
//!   book's metadata ([`draw_for`]).
//!
//! Line breaking: lines break between phrases ([`crate::typeset::phrase`]: never inside
//! `工程師` or `那個`); only if the text cannot fit so, between any two Han characters, but
//! never before closing punctuation (`，。、：；？！）」』…`) nor after opening punctuation
//! (`（「『…`); a run of Latin letters and digits (`OpenAI`, `GPT-4o`) is one unbreakable word,
//! broken only as a last resort at the smallest size. The title's lines are balanced, so no
//! line is left with a lonely character.
//!
//! Vertical books get a vertical title: columns top to bottom, right to left; brackets, colons,
//! ellipses and dashes take their vertical presentation forms (`﹁﹂︓︙︱`, from the font), words of
//! three or more Latin letters run sideways (rotated 90° clockwise), and one- or two-character
//! words (`4`, `AI`) stand upright in one cell.

use ab_glyph::{Font, FontRef, GlyphId, PxScale, ScaleFont, point};

use crate::config::Metadata;
use crate::diagnostics::Diagnostic;
use crate::files::{self, Files};
use crate::options::{FontFile, Options};
use crate::source::SourceFile;

mod canvas;

/// Width of a generated cover, in pixels.
pub const WIDTH: u32 = 1600;
/// Height of a generated cover, in pixels (a 1:1.6 portrait, what stores ask for).
pub const HEIGHT: u32 = 2560;

/// The words on a cover.
#[derive(Debug, Clone, Copy)]
pub struct CoverText<'a> {
    pub title: &'a str,
    pub subtitle: Option<&'a str>,
    /// A short line above the title, e.g. a section or column name (`AI 產業動態`).
    pub kicker: Option<&'a str>,
    /// The series line at the foot, e.g. `WhynotTV Podcast · 第 4 集`.
    pub series: Option<&'a str>,
    pub authors: &'a [String],
    /// BCP 47 language tag of the book (`zh-Hant`, `zh-Hans`, `ja`, …).
    pub lang: &'a str,
}

/// A font: the bytes of a TTF/OTF file, or of a TTC collection with the face's index.
#[derive(Debug, Clone, Copy)]
pub struct CoverFont<'a> {
    pub data: &'a [u8],
    pub index: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum CoverError {
    #[error("cannot read the cover font: {0}")]
    Font(String),
    #[error("the cover font has no glyphs for {0:?}")]
    MissingGlyphs(String),
    #[error(
        "the {0} does not fit on the cover even in the smallest type; shorten it or give a cover image"
    )]
    DoesNotFit(&'static str),
    #[error("cannot encode the cover PNG: {0}")]
    Encode(String),
}

/// Where Debian (`fonts-noto-cjk`) keeps CJK fonts, best for a cover first. Read those that
/// exist and give each to [`choose_face`].
pub const FONT_CANDIDATES: &[&str] = &[
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Medium.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Medium.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
];

/// The index of the face in `data` (a font file or collection) that suits `lang`, by the faces'
/// family names: `… TC` for zh-Hant/zh-TW, `… HK` then `… TC` for zh-HK/zh-MO, `… SC` for
/// zh-Hans/zh-CN/zh-SG, `… JP` for ja, `… KR` for ko. Failing a match, the first face that has
/// the Han characters 中文 (if any). `None` when the data is no font or has no CJK face.
pub fn choose_face(data: &[u8], lang: &str) -> Option<u32> {
    let count = ttf_parser::fonts_in_collection(data).unwrap_or(1);
    let wanted = region_tags(lang);
    let mut fallback = None;
    let mut best: Option<(usize, u32)> = None;
    for index in 0..count {
        let Ok(face) = ttf_parser::Face::parse(data, index) else {
            continue;
        };
        if face.glyph_index('中').is_none() || face.glyph_index('文').is_none() {
            continue;
        }
        fallback.get_or_insert(index);
        let family = family_name(&face).unwrap_or_default();
        let words: Vec<&str> = family.split_whitespace().collect();
        if let Some(rank) = wanted.iter().position(|tag| words.contains(tag))
            && best.is_none_or(|(r, _)| rank < r)
        {
            best = Some((rank, index));
        }
    }
    best.map(|(_, i)| i).or(fallback)
}

fn family_name(face: &ttf_parser::Face) -> Option<String> {
    let names = face.names();
    let find = |id: u16| {
        names
            .into_iter()
            .filter(|n| n.name_id == id && n.is_unicode())
            .find_map(|n| n.to_string())
    };
    find(ttf_parser::name_id::TYPOGRAPHIC_FAMILY).or_else(|| find(ttf_parser::name_id::FAMILY))
}

fn region_tags(lang: &str) -> &'static [&'static str] {
    let lower = lang.to_ascii_lowercase();
    let has = |s: &str| lower.split(['-', '_']).any(|p| p == s);
    if lower.starts_with("ja") {
        &["JP", "J"]
    } else if lower.starts_with("ko") {
        &["KR", "K"]
    } else if has("hk") || has("mo") {
        &["HK", "TC", "T"]
    } else if has("hans") || has("cn") || has("sg") || has("my") {
        &["SC", "S"]
    } else if lower.starts_with("zh") {
        &["TC", "T", "HK"]
    } else {
        &["SC", "TC", "JP"]
    }
}

// ---------------------------------------------------------------------------------------------
// The font, measured in em units

/// Typo ascender of CJK fonts' ideographic em box (Noto CJK: 880/1000): where the baseline sits
/// below the top of the em box.
const ASCENT: f32 = 0.88;

struct Face<'a> {
    font: FontRef<'a>,
    /// Multiplier from em size to ab_glyph's PxScale (which is ascent − descent in pixels).
    k: f32,
}

impl<'a> Face<'a> {
    fn new(f: &CoverFont<'a>) -> Result<Self, CoverError> {
        let font = FontRef::try_from_slice_and_index(f.data, f.index)
            .map_err(|e| CoverError::Font(e.to_string()))?;
        let upem = font.units_per_em().unwrap_or(1000.0);
        let k = font.height_unscaled() / upem;
        Ok(Face { font, k })
    }
    fn scale(&self, size: f32) -> PxScale {
        PxScale::from(size * self.k)
    }
    fn id(&self, c: char) -> GlyphId {
        self.font.glyph_id(c)
    }
    fn has(&self, c: char) -> bool {
        self.id(c).0 != 0
    }
    /// Horizontal advance of `c` in em.
    fn adv(&self, c: char) -> f32 {
        self.font
            .as_scaled(self.scale(1000.0))
            .h_advance(self.id(c))
            / 1000.0
    }
}

// ---------------------------------------------------------------------------------------------
// Line breaking

/// May not start a line.
const NO_START: &str = "，。、：；？！）」』】〕〉》〗〙〛｝］’”»›…‥・ー〜～ゝゞ々ヽヾぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ,.;:!?)]}%％‰°℃—–";
/// May not end a line.
const NO_END: &str = "（「『【〔〈《〖〘〚｛［‘“«‹([{$＄￥£€#＃";

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x11FF | 0x2E80..=0x2FFF | 0x3000..=0x30FF | 0x3100..=0x31FF | 0x3200..=0x9FFF
        | 0xA960..=0xA97F | 0xAC00..=0xD7FF | 0xF900..=0xFAFF | 0xFE10..=0xFE1F | 0xFE30..=0xFE4F
        | 0xFF00..=0xFFEF | 0x20000..=0x3FFFF)
        || c == '—'
        || c == '…'
}

#[derive(Debug, Clone, PartialEq)]
enum Unit {
    /// One CJK character (or, when breaking words apart as a last resort, any one character).
    Char(char),
    /// A run of non-CJK, non-space characters: kept on one line.
    Word(String),
    Space,
}

fn units(text: &str, split_words: bool) -> Vec<Unit> {
    let mut out = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        if c.is_whitespace() || is_cjk(c) || split_words {
            if !word.is_empty() {
                out.push(Unit::Word(std::mem::take(&mut word)));
            }
            if c.is_whitespace() {
                if out.last().is_some_and(|u| *u != Unit::Space) {
                    out.push(Unit::Space);
                }
            } else {
                out.push(Unit::Char(c));
            }
        } else {
            word.push(c);
        }
    }
    if !word.is_empty() {
        out.push(Unit::Word(word));
    }
    while out.last() == Some(&Unit::Space) {
        out.pop();
    }
    out
}

fn first_char(u: &Unit) -> Option<char> {
    match u {
        Unit::Char(c) => Some(*c),
        Unit::Word(w) => w.chars().next(),
        Unit::Space => None,
    }
}
fn last_char(u: &Unit) -> Option<char> {
    match u {
        Unit::Char(c) => Some(*c),
        Unit::Word(w) => w.chars().last(),
        Unit::Space => None,
    }
}

/// An unbreakable run of units.
#[derive(Debug, Clone)]
struct Segment {
    units: Vec<Unit>,
    /// A space stood before it (kept inside a line, dropped at a line's start).
    space_before: bool,
}

fn segments(units: &[Unit]) -> Vec<Segment> {
    let mut segs: Vec<Segment> = Vec::new();
    let mut space = false;
    for u in units {
        if *u == Unit::Space {
            space = true;
            continue;
        }
        let glue = segs.last().is_some_and(|s| {
            let prev = s.units.last().and_then(last_char);
            let next = first_char(u);
            let no_end = prev.is_some_and(|c| NO_END.contains(c));
            let no_start = next.is_some_and(|c| NO_START.contains(c));
            // The same dash or ellipsis twice (——, ……) stays together.
            let pair = prev == next && matches!(prev, Some('—' | '…' | '‥'));
            no_end || no_start || pair
        });
        match segs.last_mut() {
            Some(s) if glue => {
                if space {
                    s.units.push(Unit::Space);
                }
                s.units.push(u.clone());
            }
            _ => segs.push(Segment {
                units: vec![u.clone()],
                space_before: space && !segs.is_empty(),
            }),
        }
        space = false;
    }
    segs
}

// ---------------------------------------------------------------------------------------------
// Layout

/// A rectangle in cover pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
}

impl Rect {
    /// Whether `other` lies inside this rectangle (with a hair of tolerance for rounding).
    pub fn contains(&self, o: &Rect) -> bool {
        const E: f32 = 0.01;
        o.x >= self.x - E
            && o.y >= self.y - E
            && o.x + o.w <= self.x + self.w + E
            && o.y + o.h <= self.y + self.h + E
    }
}

/// How a character is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Orientation {
    Upright,
    /// Turned 90° clockwise (Latin text in a vertical column).
    Sideways,
}

/// A character placed on the cover.
#[derive(Debug, Clone)]
pub struct Placed {
    /// The character drawn (a vertical presentation form where one was substituted).
    pub ch: char,
    /// The character's box: its advance × the em (horizontal), or the em × its advance (vertical).
    pub bbox: Rect,
    /// Em size in pixels.
    pub size: f32,
    /// Pen position: for upright glyphs, the baseline origin; for sideways glyphs, the top-right
    /// corner of the box the turned em occupies.
    pub origin: (f32, f32),
    pub orientation: Orientation,
}

/// A line (horizontal) or column (vertical) of placed characters.
#[derive(Debug, Clone)]
pub struct Line {
    pub glyphs: Vec<Placed>,
    /// The source text of the line (for tests and diagnostics).
    pub text: String,
}

/// A laid-out block of text.
#[derive(Debug, Clone)]
pub struct Block {
    pub size: f32,
    pub lines: Vec<Line>,
    /// The area the block was laid out in.
    pub area: Rect,
    /// Extent of the block along the line-stacking direction (height for horizontal text, width
    /// for vertical), in pixels.
    pub extent: f32,
}

/// How a block is set.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub max_size: f32,
    pub min_size: f32,
    /// Line pitch as a multiple of the em.
    pub leading: f32,
    pub max_lines: usize,
    pub vertical: bool,
    /// Make lines of even length (titles).
    pub balance: bool,
    /// Center lines along the line direction.
    pub center: bool,
}

#[derive(Clone, Copy)]
enum Piece {
    /// Upright char, advance in em.
    Up(char, f32),
    /// Sideways char (vertical only), advance in em.
    Side(char, f32),
    /// Tate-chū-yoko: a short horizontal run in one em cell (vertical only).
    Tcy,
}

/// Space between a Latin word and its neighbours, in em.
const SPACE: f32 = 0.28;

fn vertical_form(c: char, lang: &str) -> Option<char> {
    let hant = region_tags(lang).first() == Some(&"TC") || region_tags(lang).first() == Some(&"HK");
    Some(match c {
        // zh-Hant sets these centred in the em, the same across and down.
        '，' if !hant => '︐',
        '、' if !hant => '︑',
        '。' if !hant => '︒',
        '：' => '︓',
        '；' => '︔',
        '！' => '︕',
        '？' => '︖',
        '「' => '﹁',
        '」' => '﹂',
        '『' => '﹃',
        '』' => '﹄',
        '（' | '(' => '︵',
        '）' | ')' => '︶',
        '【' => '︻',
        '】' => '︼',
        '《' => '︽',
        '》' => '︾',
        '〈' => '︿',
        '〉' => '﹀',
        '〔' => '︹',
        '〕' => '︺',
        '…' => '︙',
        '—' => '︱',
        _ => return None,
    })
}

/// The pieces of a unit and its length along the line, in em.
fn measure(face: &Face, u: &Unit, vertical: bool, lang: &str, out: &mut Vec<Piece>) -> f32 {
    match u {
        Unit::Space => 0.0,
        Unit::Char(c) if !vertical => {
            let a = face.adv(*c);
            out.push(Piece::Up(*c, a));
            a
        }
        Unit::Char(c) => {
            if let Some(v) = vertical_form(*c, lang).filter(|v| face.has(*v)) {
                out.push(Piece::Up(v, 1.0));
                1.0
            } else if is_cjk(*c) && !matches!(c, 'ー' | '～' | '〜' | '—' | '…') {
                out.push(Piece::Up(*c, 1.0));
                1.0
            } else {
                let a = face.adv(*c);
                out.push(Piece::Side(*c, a));
                a
            }
        }
        Unit::Word(w) if !vertical => w
            .chars()
            .map(|c| {
                let a = face.adv(c);
                out.push(Piece::Up(c, a));
                a
            })
            .sum(),
        Unit::Word(w) if w.chars().count() <= 2 && w.chars().all(|c| c.is_ascii_alphanumeric()) => {
            out.push(Piece::Tcy);
            1.0
        }
        Unit::Word(w) => w
            .chars()
            .map(|c| {
                let a = face.adv(c);
                out.push(Piece::Side(c, a));
                a
            })
            .sum(),
    }
}

/// A closing bracket followed by more punctuation (`」，`, `）。`) takes half an em, as in
/// JIS X 4051 and the Taiwan practice: its ink lies in the first half of its em.
fn squeezed(units: &[Unit], i: usize) -> bool {
    matches!(units[i], Unit::Char(c) if "」』）】〕》〉".contains(c))
        && matches!(units.get(i + 1), Some(Unit::Char(n)) if "，。、：；！？」』）】〕》〉".contains(*n))
}

/// [`measure`], with [`squeezed`] applied.
fn measure_at(
    face: &Face,
    units: &[Unit],
    i: usize,
    vertical: bool,
    lang: &str,
    out: &mut Vec<Piece>,
) -> f32 {
    let start = out.len();
    let w = measure(face, &units[i], vertical, lang, out);
    if squeezed(units, i)
        && out.len() == start + 1
        && let Piece::Up(c, a) = out[start]
    {
        out[start] = Piece::Up(c, a / 2.0);
        return w - a / 2.0;
    }
    w
}

struct Measured {
    width: f32,
    space_before: bool,
}

fn measure_segments(face: &Face, segs: &[Segment], vertical: bool, lang: &str) -> Vec<Measured> {
    let mut scratch = Vec::new();
    segs.iter()
        .map(|s| Measured {
            width: s
                .units
                .iter()
                .enumerate()
                .map(|(i, u)| {
                    if *u == Unit::Space {
                        SPACE
                    } else {
                        measure_at(face, &s.units, i, vertical, lang, &mut scratch)
                    }
                })
                .sum(),
            space_before: s.space_before,
        })
        .collect()
}

/// Greedy fill: the segment ranges of each line, or None when a segment alone is too long.
fn fill(m: &[Measured], width: f32) -> Option<Vec<std::ops::Range<usize>>> {
    let mut lines = Vec::new();
    let mut start = 0;
    let mut cur = 0.0;
    for (i, s) in m.iter().enumerate() {
        if s.width > width + 1e-4 {
            return None;
        }
        let add = if i > start && s.space_before {
            SPACE
        } else {
            0.0
        } + s.width;
        if i > start && cur + add > width + 1e-4 {
            lines.push(start..i);
            start = i;
            cur = s.width;
        } else {
            cur += add;
        }
    }
    if start < m.len() {
        lines.push(start..m.len());
    }
    Some(lines)
}

/// Lay out `text` in `area`: the largest size from `style.max_size` down to `style.min_size`
/// (in steps of 2 px) at which it fits. Words are broken apart only if nothing else fits.
/// `None` if it cannot fit at all.
fn layout_with(face: &Face, text: &str, lang: &str, area: Rect, style: &Style) -> Option<Block> {
    let (along, across) = if style.vertical {
        (area.h, area.w)
    } else {
        (area.w, area.h)
    };
    for (phrases, split_words) in [(true, false), (false, false), (false, true)] {
        let segs = if phrases {
            phrase_segments(text)
        } else {
            segments(&units(text, split_words))
        };
        if segs.is_empty() {
            return Some(Block {
                size: style.max_size,
                lines: vec![],
                area,
                extent: 0.0,
            });
        }
        let m = measure_segments(face, &segs, style.vertical, lang);
        let mut size = style.max_size;
        if split_words {
            size = style.min_size;
        }
        while size >= style.min_size {
            let width = along / size;
            if let Some(lines) = fill(&m, width) {
                let n = lines.len();
                let extent = size * (1.0 + style.leading * (n as f32 - 1.0));
                if n <= style.max_lines && extent <= across + 1e-3 {
                    let lines = if style.balance && n > 1 {
                        balance(&m, width, n)
                    } else {
                        lines
                    };
                    return Some(place(face, &segs, &lines, lang, area, size, style));
                }
            }
            size -= 2.0;
        }
    }
    None
}

/// The segments of `text` when lines break only between phrases: each phrase (with the
/// character rules inside it) is one segment.
fn phrase_segments(text: &str) -> Vec<Segment> {
    let mut segs: Vec<Segment> = Vec::new();
    let mut space = false;
    for p in crate::typeset::phrase::phrases(text) {
        if p.trim().is_empty() {
            space = true;
            continue;
        }
        let mut units = Vec::new();
        for s in segments(&self::units(p, false)) {
            if s.space_before {
                units.push(Unit::Space);
            }
            units.extend(s.units);
        }
        segs.push(Segment {
            units,
            space_before: space && !segs.is_empty(),
        });
        space = false;
    }
    segs
}

/// The narrowest measure that still gives `n` lines, so the lines come out even.
fn balance(m: &[Measured], width: f32, n: usize) -> Vec<std::ops::Range<usize>> {
    let (mut lo, mut hi) = (width / n as f32 * 0.8, width);
    let mut best = fill(m, width).expect("fits at full width");
    for _ in 0..24 {
        let mid = (lo + hi) / 2.0;
        match fill(m, mid) {
            Some(l) if l.len() <= n => {
                best = l;
                hi = mid;
            }
            _ => lo = mid,
        }
    }
    best
}

fn place(
    face: &Face,
    segs: &[Segment],
    ranges: &[std::ops::Range<usize>],
    lang: &str,
    area: Rect,
    size: f32,
    style: &Style,
) -> Block {
    let mut lines = Vec::new();
    let pitch = size * style.leading;
    for (li, r) in ranges.iter().enumerate() {
        let (pieces, gaps, text) = line_pieces(face, &segs[r.clone()], lang, style.vertical);
        let len: f32 = pieces
            .iter()
            .zip(&gaps)
            .map(|((p, _), g)| {
                g + match p {
                    Piece::Up(_, a) | Piece::Side(_, a) => *a,
                    Piece::Tcy => 1.0,
                }
            })
            .sum::<f32>()
            * size;
        let along = if style.vertical { area.h } else { area.w };
        let mut pen = if style.center {
            (along - len) / 2.0
        } else {
            0.0
        };
        let mut glyphs = Vec::new();
        for ((p, word), g) in pieces.iter().zip(&gaps) {
            pen += g * size;
            if !style.vertical {
                let Piece::Up(c, a) = *p else { unreachable!() };
                let x = area.x + pen;
                let y = area.y + li as f32 * pitch;
                glyphs.push(Placed {
                    ch: c,
                    bbox: Rect {
                        x,
                        y,
                        w: a * size,
                        h: size,
                    },
                    size,
                    origin: (x, y + ASCENT * size),
                    orientation: Orientation::Upright,
                });
                pen += a * size;
                continue;
            }
            // Columns run right to left.
            let x = area.x + area.w - size - li as f32 * pitch;
            let y = area.y + pen;
            pen += place_in_column(face, *p, word, (x, y), size, &mut glyphs);
        }
        lines.push(Line { glyphs, text });
    }
    let n = ranges.len();
    Block {
        size,
        lines,
        area,
        extent: if n == 0 {
            0.0
        } else {
            size * (1.0 + style.leading * (n as f32 - 1.0))
        },
    }
}

/// The pieces of one line (each with the word it belongs to), the gap before each piece in em
/// (spaces between Latin words), and the line's text.
#[allow(clippy::type_complexity)]
fn line_pieces(
    face: &Face,
    segs: &[Segment],
    lang: &str,
    vertical: bool,
) -> (Vec<(Piece, String)>, Vec<f32>, String) {
    let mut pieces: Vec<(Piece, String)> = Vec::new();
    let mut gaps: Vec<f32> = Vec::new();
    let mut text = String::new();
    for (si, s) in segs.iter().enumerate() {
        let mut gap = if si > 0 && s.space_before {
            text.push(' ');
            SPACE
        } else {
            0.0
        };
        for (ui, u) in s.units.iter().enumerate() {
            if *u == Unit::Space {
                text.push(' ');
                gap += SPACE;
                continue;
            }
            let mut ps = Vec::new();
            measure_at(face, &s.units, ui, vertical, lang, &mut ps);
            let word = match u {
                Unit::Word(w) => w.clone(),
                Unit::Char(c) => c.to_string(),
                Unit::Space => unreachable!(),
            };
            text.push_str(&word);
            for p in ps {
                pieces.push((p, word.clone()));
                gaps.push(gap);
                gap = 0.0;
            }
        }
    }
    (pieces, gaps, text)
}

/// Place one piece of a vertical column whose cell starts at `(x, y)`; returns how far the pen
/// moves down.
fn place_in_column(
    face: &Face,
    p: Piece,
    word: &str,
    (x, y): (f32, f32),
    size: f32,
    glyphs: &mut Vec<Placed>,
) -> f32 {
    match p {
        Piece::Up(c, adv) => {
            let a = face.adv(c);
            glyphs.push(Placed {
                ch: c,
                bbox: Rect {
                    x,
                    y,
                    w: size,
                    h: adv * size,
                },
                size,
                origin: (x + (1.0 - a) / 2.0 * size, y + ASCENT * size),
                orientation: Orientation::Upright,
            });
            adv * size
        }
        Piece::Side(c, a) => {
            glyphs.push(Placed {
                ch: c,
                bbox: Rect {
                    x,
                    y,
                    w: size,
                    h: a * size,
                },
                size,
                origin: (x + size, y),
                orientation: Orientation::Sideways,
            });
            a * size
        }
        Piece::Tcy => {
            let w: f32 = word.chars().map(|c| face.adv(c)).sum();
            let s = if w > 0.95 { size * 0.95 / w } else { size };
            let mut gx = x + (size - w * s) / 2.0;
            let base = y + (ASCENT - (1.0 - s / size) * 0.4) * size;
            for c in word.chars() {
                let a = face.adv(c) * s;
                glyphs.push(Placed {
                    ch: c,
                    bbox: Rect {
                        x: gx,
                        y,
                        w: a,
                        h: size,
                    },
                    size: s,
                    origin: (gx, base),
                    orientation: Orientation::Upright,
                });
                gx += a;
            }
            size
        }
    }
}

/// Lay out `text` in `area` with `font` (public for the lead's tests and tools).
pub fn layout(
    font: &CoverFont,
    text: &str,
    lang: &str,
    area: Rect,
    style: &Style,
) -> Result<Option<Block>, CoverError> {
    Ok(layout_with(&Face::new(font)?, text, lang, area, style))
}

// ---------------------------------------------------------------------------------------------
// Drawing

use canvas::{Canvas, Rgb};

const PAPER: Rgb = [0xF3, 0xEE, 0xE4];
const INK: Rgb = [0x1D, 0x27, 0x33];
const GREY: Rgb = [0x5F, 0x63, 0x69];
const VERMILION: Rgb = [0xA9, 0x3F, 0x2E];
const BAND: Rgb = [0x1F, 0x2C, 0x39];
const BAND_TEXT: Rgb = [0xF0, 0xEA, 0xDE];
const GOLD: Rgb = [0xC8, 0xB4, 0x8E];

const MARGIN: f32 = 170.0;
const BAND_TOP: f32 = 2060.0;

impl Canvas {
    fn glyph(&mut self, face: &Face, p: &Placed, c: Rgb) {
        let id = face.id(p.ch);
        let scale = face.scale(p.size);
        match p.orientation {
            Orientation::Upright => {
                let g = id.with_scale_and_position(scale, point(p.origin.0, p.origin.1));
                if let Some(o) = face.font.outline_glyph(g) {
                    let b = o.px_bounds();
                    o.draw(|x, y, v| {
                        self.blend(b.min.x as i64 + x as i64, b.min.y as i64 + y as i64, v, c)
                    });
                }
            }
            Orientation::Sideways => {
                // Draw as if horizontal with the em box's top at y = 0, then turn clockwise:
                // (u, v) → (right − v, top + u).
                let g = id.with_scale_and_position(scale, point(0.0, ASCENT * p.size));
                if let Some(o) = face.font.outline_glyph(g) {
                    let b = o.px_bounds();
                    let (right, top) = (p.origin.0.round() as i64, p.origin.1.round() as i64);
                    o.draw(|x, y, v| {
                        let u = b.min.x as i64 + x as i64;
                        let w = b.min.y as i64 + y as i64;
                        self.blend(right - 1 - w, top + u, v, c)
                    });
                }
            }
        }
    }
    fn block(&mut self, face: &Face, b: &Block, c: Rgb) {
        for l in &b.lines {
            for g in &l.glyphs {
                self.glyph(face, g, c);
            }
        }
    }
}

/// The title's style and area on a cover (exposed for tests and previews).
pub fn title_area(vertical: bool, has_kicker: bool, has_subtitle: bool) -> (Rect, Style) {
    if vertical {
        let right = WIDTH as f32 - MARGIN - if has_kicker { 130.0 } else { 0.0 };
        let left = MARGIN + if has_subtitle { 240.0 } else { 0.0 };
        (
            Rect {
                x: left,
                y: 300.0,
                w: right - left,
                h: BAND_TOP - 300.0 - 180.0,
            },
            Style {
                max_size: 170.0,
                min_size: 40.0,
                leading: 1.45,
                max_lines: 12,
                vertical: true,
                balance: true,
                center: false,
            },
        )
    } else {
        let top = if has_kicker { 560.0 } else { 440.0 };
        let bottom = BAND_TOP - if has_subtitle { 420.0 } else { 200.0 };
        (
            Rect {
                x: MARGIN,
                y: top,
                w: WIDTH as f32 - 2.0 * MARGIN,
                h: bottom - top,
            },
            Style {
                max_size: 150.0,
                min_size: 40.0,
                leading: 1.36,
                max_lines: 12,
                vertical: false,
                balance: true,
                center: false,
            },
        )
    }
}

fn small(max: f32, lines: usize, vertical: bool) -> Style {
    Style {
        max_size: max,
        min_size: 28.0,
        leading: 1.45,
        max_lines: lines,
        vertical,
        balance: lines > 1,
        center: false,
    }
}

/// Draw a 1600×2560 PNG cover. Deterministic: same inputs ⇒ same PNG bytes. With `vertical`,
/// the title, kicker and subtitle are set in vertical columns; the series and authors stay
/// horizontal in the foot band.
pub fn draw(text: &CoverText, font: &CoverFont, vertical: bool) -> Result<Vec<u8>, CoverError> {
    paint(text, font, vertical)?.png()
}

/// The pixels of [`draw`]'s cover.
fn paint(text: &CoverText, font: &CoverFont, vertical: bool) -> Result<Canvas, CoverError> {
    let face = Face::new(font)?;
    let missing: String = [
        text.title,
        text.subtitle.unwrap_or(""),
        text.kicker.unwrap_or(""),
    ]
    .concat()
    .chars()
    .filter(|c| is_cjk(*c) && !face.has(*c))
    .collect();
    if !missing.is_empty() {
        return Err(CoverError::MissingGlyphs(missing));
    }
    let lang = text.lang;
    let mut cv = Canvas::new(PAPER);
    // what the font has no glyph for (an emoji in a README's heading) is left out, not drawn
    // as a box
    let shown = |s: &str| drawable(&face, s);
    let (title, kicker, subtitle) = (
        shown(text.title),
        text.kicker.map(shown),
        text.subtitle.map(shown),
    );
    let (series, authors) = (
        text.series.map(shown),
        text.authors.iter().map(|a| shown(a)).collect::<Vec<_>>(),
    );
    let kicker = kicker.as_deref().filter(|k| !k.trim().is_empty());
    let subtitle = subtitle.as_deref().filter(|k| !k.trim().is_empty());
    let (area, tstyle) = title_area(vertical, kicker.is_some(), subtitle.is_some());
    let title =
        layout_with(&face, &title, lang, area, &tstyle).ok_or(CoverError::DoesNotFit("title"))?;
    let head = Head {
        face: &face,
        lang,
        title: &title,
        area,
        kicker,
        subtitle,
    };
    if vertical {
        head.draw_vertical(&mut cv)?;
    } else {
        head.draw_horizontal(&mut cv)?;
    }
    draw_band(&mut cv, &face, series.as_deref(), &authors, lang);
    Ok(cv)
}

/// `text` without the characters `face` has no glyph for (with the joiners and variation
/// selectors of an emoji), the spaces they stood between made one; `text` itself when nothing
/// else would be left.
fn drawable(face: &Face, text: &str) -> String {
    if text.chars().all(|c| c.is_whitespace() || face.has(c)) {
        return text.to_string();
    }
    let kept: String = text
        .chars()
        .map(|c| {
            if c.is_whitespace() || face.has(c) {
                c
            } else {
                '\u{0}'
            }
        })
        .filter(|&c| !matches!(c, '\u{200D}' | '\u{FE0E}' | '\u{FE0F}'))
        .collect();
    // a space left beside a gap goes with it
    let mut out = String::with_capacity(kept.len());
    for part in kept.split('\u{0}') {
        if out.ends_with(' ') && part.starts_with(' ') {
            out.push_str(part.trim_start_matches(' '));
        } else {
            out.push_str(part);
        }
    }
    let out = out.trim().to_string();
    if out.is_empty() {
        text.to_string()
    } else {
        out
    }
}

/// The upper part of a cover: kicker, title (laid out already in its `area`), subtitle.
struct Head<'a> {
    face: &'a Face<'a>,
    lang: &'a str,
    title: &'a Block,
    area: Rect,
    kicker: Option<&'a str>,
    subtitle: Option<&'a str>,
}

impl Head<'_> {
    /// Columns from the right: the kicker and a vermilion rule, the title, the subtitle left of it.
    fn draw_vertical(&self, cv: &mut Canvas) -> Result<(), CoverError> {
        let (face, lang, title, tarea) = (self.face, self.lang, self.title, self.area);
        let right = WIDTH as f32 - MARGIN;
        if let Some(k) = self.kicker {
            let area = Rect {
                x: right - 60.0,
                y: 300.0,
                w: 60.0,
                h: 900.0,
            };
            if let Some(b) = layout_with(face, k, lang, area, &small(52.0, 1, true)) {
                cv.block(face, &b, VERMILION);
                let len = b.lines[0]
                    .glyphs
                    .last()
                    .map_or(0.0, |g| g.bbox.y + g.bbox.h);
                cv.rect(
                    Rect {
                        x: right - 33.0,
                        y: len + 50.0,
                        w: 6.0,
                        h: 140.0,
                    },
                    VERMILION,
                );
            }
        } else {
            cv.rect(
                Rect {
                    x: right - 6.0,
                    y: 300.0,
                    w: 6.0,
                    h: 140.0,
                },
                VERMILION,
            );
        }
        cv.block(face, title, INK);
        if let Some(s) = self.subtitle {
            let left_of_title = tarea.x + tarea.w - title.extent - 90.0;
            let area = Rect {
                x: MARGIN,
                y: 300.0 + title.size * 1.5,
                w: left_of_title - MARGIN,
                h: tarea.h - title.size * 1.5,
            };
            let b = layout_with(face, s, lang, area, &small(64.0, 4, true))
                .ok_or(CoverError::DoesNotFit("subtitle"))?;
            cv.block(face, &b, GREY);
        }
        Ok(())
    }

    /// Lines from the top: the kicker, a vermilion rule, the title, the subtitle.
    fn draw_horizontal(&self, cv: &mut Canvas) -> Result<(), CoverError> {
        let (face, lang, title, tarea) = (self.face, self.lang, self.title, self.area);
        let inner_w = WIDTH as f32 - 2.0 * MARGIN;
        let mut y = 300.0;
        if let Some(k) = self.kicker {
            let area = Rect {
                x: MARGIN,
                y,
                w: inner_w,
                h: 60.0,
            };
            if let Some(b) = layout_with(face, k, lang, area, &small(52.0, 1, false)) {
                cv.block(face, &b, VERMILION);
            }
            y += 52.0 + 60.0;
        }
        cv.rect(
            Rect {
                x: MARGIN,
                y,
                w: 140.0,
                h: 7.0,
            },
            VERMILION,
        );
        cv.block(face, title, INK);
        if let Some(s) = self.subtitle {
            let top = tarea.y + title.extent + 90.0;
            let area = Rect {
                x: MARGIN,
                y: top,
                w: inner_w,
                h: BAND_TOP - 150.0 - top,
            };
            let b = layout_with(face, s, lang, area, &small(66.0, 4, false))
                .ok_or(CoverError::DoesNotFit("subtitle"))?;
            cv.block(face, &b, GREY);
        }
        Ok(())
    }
}

/// The foot band: the series line, then the authors.
fn draw_band(cv: &mut Canvas, face: &Face, series: Option<&str>, authors: &[String], lang: &str) {
    let inner_w = WIDTH as f32 - 2.0 * MARGIN;
    cv.rect(
        Rect {
            x: 0.0,
            y: BAND_TOP,
            w: WIDTH as f32,
            h: HEIGHT as f32 - BAND_TOP,
        },
        BAND,
    );
    let mut y = BAND_TOP + 130.0;
    if let Some(s) = series.filter(|s| !s.trim().is_empty()) {
        let area = Rect {
            x: MARGIN,
            y,
            w: inner_w,
            h: 48.0 * 2.6,
        };
        if let Some(b) = layout_with(face, s, lang, area, &small(48.0, 2, false)) {
            cv.block(face, &b, GOLD);
            y += b.extent + 56.0;
        }
    }
    let authors = authors.join("、");
    if !authors.trim().is_empty() {
        let area = Rect {
            x: MARGIN,
            y,
            w: inner_w,
            h: HEIGHT as f32 - 150.0 - y,
        };
        if let Some(b) = layout_with(face, &authors, lang, area, &small(64.0, 2, false)) {
            cv.block(face, &b, BAND_TEXT);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// A cover the author gives

/// What [`inspect_given`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GivenCover {
    /// `image/jpeg` or `image/png`.
    pub media_type: &'static str,
    pub width: u32,
    pub height: u32,
}

/// Smallest short side accepted for a given cover, in pixels.
pub const MIN_SIDE: u32 = 500;
/// Largest width or height accepted for a given cover, in pixels.
pub const MAX_SIDE: u32 = 4096;
/// Largest file accepted for a given cover, in bytes.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;

/// Check a cover image the author gives: JPEG or PNG (by its bytes, not its name), at least
/// 500 px on the short side, at most 4096×4096 px and 10 MB. The error is a sentence for the
/// author.
pub fn inspect_given(data: &[u8]) -> Result<GivenCover, String> {
    if data.len() > MAX_BYTES {
        return Err(format!(
            "the cover image is {:.1} MB; at most 10 MB is allowed (1600×2560 JPEG is plenty)",
            data.len() as f64 / 1_048_576.0
        ));
    }
    let (media_type, width, height) = if data.starts_with(b"\x89PNG\r\n\x1a\n") {
        if data.len() < 24 || &data[12..16] != b"IHDR" {
            return Err("the cover image is a damaged PNG (no IHDR header)".into());
        }
        let be = |i: usize| u32::from_be_bytes([data[i], data[i + 1], data[i + 2], data[i + 3]]);
        ("image/png", be(16), be(20))
    } else if data.starts_with(&[0xFF, 0xD8, 0xFF]) {
        let (w, h) =
            jpeg_size(data).ok_or("the cover image is a damaged JPEG (no frame header)")?;
        ("image/jpeg", w, h)
    } else {
        let what = if data.starts_with(b"GIF8") {
            "a GIF image"
        } else if data.len() >= 12 && &data[0..4] == b"RIFF" && &data[8..12] == b"WEBP" {
            "a WebP image"
        } else if data.len() >= 12 && &data[4..8] == b"ftyp" {
            "an HEIF/AVIF image"
        } else if data.starts_with(b"<svg") || data.starts_with(b"<?xml") {
            "an SVG or XML file"
        } else if data.starts_with(b"II*\0") || data.starts_with(b"MM\0*") {
            "a TIFF image"
        } else {
            "not an image that hanpub knows"
        };
        return Err(format!("the cover image is {what}; use a JPEG or PNG file"));
    };
    if width == 0 || height == 0 {
        return Err(format!(
            "the cover image says it is {width}×{height} px; it is damaged"
        ));
    }
    if width.min(height) < MIN_SIDE {
        return Err(format!(
            "the cover image is only {width}×{height} px; its short side should be at least {MIN_SIDE} px (1600×2560 is ideal)"
        ));
    }
    if width > MAX_SIDE || height > MAX_SIDE {
        return Err(format!(
            "the cover image is {width}×{height} px; at most {MAX_SIDE}×{MAX_SIDE} px is allowed (1600×2560 is ideal)"
        ));
    }
    Ok(GivenCover {
        media_type,
        width,
        height,
    })
}

/// Width and height from a JPEG's first SOFn segment.
fn jpeg_size(d: &[u8]) -> Option<(u32, u32)> {
    let mut i = 2;
    while i + 4 <= d.len() {
        if d[i] != 0xFF {
            return None;
        }
        let m = d[i + 1];
        if m == 0xFF {
            i += 1; // fill byte
            continue;
        }
        if m == 0xD8 || (0xD0..=0xD7).contains(&m) || m == 0x01 {
            i += 2;
            continue;
        }
        let len = u16::from_be_bytes([d[i + 2], d[i + 3]]) as usize;
        if matches!(m, 0xC0..=0xCF) && !matches!(m, 0xC4 | 0xC8 | 0xCC) {
            if i + 9 > d.len() {
                return None;
            }
            let h = u16::from_be_bytes([d[i + 5], d[i + 6]]) as u32;
            let w = u16::from_be_bytes([d[i + 7], d[i + 8]]) as u32;
            return Some((w, h));
        }
        if m == 0xD9 || m == 0xDA || len < 2 {
            return None;
        }
        i += 2 + len;
    }
    None
}

// ---------------------------------------------------------------------------------------------
// The cover of a book (the assets stage)

/// The cover image that goes into the EPUB.
#[derive(Debug, Clone, PartialEq)]
pub struct Cover {
    pub data: Vec<u8>,
    /// `image/png` or `image/jpeg`.
    pub media_type: &'static str,
    /// `png` or `jpg`.
    pub ext: &'static str,
    /// What it is, for the build report (`generated 1600×2560 PNG with …`, `cover.jpg (…)`).
    pub report: String,
    /// What a generated cover shows ([`key`]); `None` for a given image.
    pub key: Option<String>,
}

/// A generated cover and what it shows ([`key`]): what builds keep of a cover between them
/// (`watch` in memory, the CLI in a file beside the output), so that it is drawn again only
/// when what it shows changed. Drawing is deterministic: a kept cover has the bytes a fresh
/// drawing would have.
#[derive(Clone, PartialEq)]
pub struct Drawn {
    pub key: String,
    pub png: Vec<u8>,
}

impl std::fmt::Debug for Drawn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Drawn({:?}, {} bytes)", self.key, self.png.len())
    }
}

/// The book's cover: the image the book names (`given`, checked), else (unless
/// [`Options::no_cover`]) one drawn with [`Options::cover_font`] by `draw` (which takes a cover
/// kept from an earlier build when it shows the same: [`drawn`]). A cover that cannot be
/// drawn is a warning; a given one that cannot be used is an error, pointed at its name in
/// `config_file`.
pub fn for_book(
    given: Option<&str>,
    config_file: Option<&SourceFile>,
    files: &dyn Files,
    opts: &Options,
    draw: impl FnOnce(&FontFile) -> Result<Drawn, String>,
    warnings: &mut Vec<Diagnostic>,
) -> Result<Option<Cover>, Diagnostic> {
    if let Some(path) = given {
        let data = files
            .read(path)
            .map_err(|e| files::read_error(files, path, &e).at_quoted(config_file, path))?;
        return match inspect_given(&data).and_then(|g| crate::image::check_cover(&data).map(|_| g))
        {
            Ok(given) => Ok(Some(Cover {
                data,
                media_type: given.media_type,
                ext: if given.media_type == "image/png" {
                    "png"
                } else {
                    "jpg"
                },
                report: format!("{path} ({}×{})", given.width, given.height),
                key: None,
            })),
            Err(why) => {
                Err(Diagnostic::error(format!("cover `{path}`: {why}"))
                    .at_quoted(config_file, path))
            }
        };
    }
    if opts.no_cover {
        return Ok(None);
    }
    let Some(f) = &opts.cover_font else {
        warnings.push(
            Diagnostic::warning("no CJK font found to draw a cover: the book has no cover")
                .with_hint("install fonts-noto-cjk, pass --font FILE, or give `cover = \"cover.jpg\"` in [build]"),
        );
        return Ok(None);
    };
    match draw(f) {
        Ok(drawn) => Ok(Some(Cover {
            data: drawn.png,
            media_type: "image/png",
            ext: "png",
            report: format!("generated {WIDTH}×{HEIGHT} PNG with {}", f.name),
            key: Some(drawn.key),
        })),
        Err(why) => {
            warnings.push(Diagnostic::warning(format!("no cover: {why}")).with_hint(
                "give one with `cover = \"cover.jpg\"` in [build], or pass --font with a CJK font",
            ));
            Ok(None)
        }
    }
}

/// Bump when the drawing changes what a cover looks like for the same words and font, so that
/// covers kept by earlier builds are drawn again (`cover_of_the_shipped_book_is_pinned` fails
/// until then).
const DRAWING: u32 = 5;

/// The words a cover shows, from the (typeset, converted) metadata; the series line is made
/// here (`WhynotTV Podcast · 第 4 集`).
fn words(meta: &Metadata) -> (CoverText<'_>, Option<String>) {
    let series = meta
        .series
        .as_ref()
        .map(|s| match (&s.position, meta.lang.starts_with("zh")) {
            (Some(p), true) => format!("{} · 第 {p} 集", s.name),
            (Some(p), false) => format!("{} · #{p}", s.name),
            (None, _) => s.name.clone(),
        });
    let text = CoverText {
        title: &meta.title,
        subtitle: meta.subtitle.as_deref(),
        kicker: meta.kicker.as_deref(),
        series: None,
        authors: &meta.authors,
        lang: &meta.lang,
    };
    (text, series)
}

/// The face of `font` a cover in `lang` is drawn with.
fn face_for(font: &FontFile, lang: &str) -> Result<u32, String> {
    choose_face(&font.data, lang)
        .ok_or_else(|| format!("{} is not a font hanpub can draw Chinese with", font.name))
}

/// What a generated cover shows, as text: its words, the writing mode, the face it is drawn
/// with (the file's size and the face's table records, whose checksums change with any
/// outline), and the version of the drawing. Two covers with the same key have the same bytes.
pub fn key(meta: &Metadata, font: &FontFile, vertical: bool) -> Result<String, String> {
    let index = face_for(font, &meta.lang)?;
    let (text, series) = words(meta);
    let mut key = format!(
        "drawing {DRAWING}; {text:?}; series {series:?}; vertical {vertical}; face {index} of {} bytes:",
        font.data.len()
    );
    if let Ok(raw) = ttf_parser::RawFace::parse(&font.data, index) {
        for t in raw.table_records {
            key.push_str(&format!(
                " {}:{:08x}:{}:{}",
                t.tag, t.check_sum, t.offset, t.length
            ));
        }
    }
    Ok(key)
}

/// The cover of the (typeset, converted) metadata: one of `kept` (covers drawn by earlier
/// builds) when it shows the same ([`key`]), else drawn now (then `true`).
pub fn drawn(
    meta: &Metadata,
    font: &FontFile,
    vertical: bool,
    kept: &[Option<&Drawn>],
) -> Result<(Drawn, bool), String> {
    let key = key(meta, font, vertical)?;
    if let Some(d) = kept.iter().flatten().find(|d| d.key == key) {
        return Ok(((*d).clone(), false));
    }
    let png = draw_for(meta, font, vertical)?;
    Ok((Drawn { key, png }, true))
}

/// Draw the cover from the (typeset, converted) metadata.
pub fn draw_for(meta: &Metadata, font: &FontFile, vertical: bool) -> Result<Vec<u8>, String> {
    let index = face_for(font, &meta.lang)?;
    let (text, series) = words(meta);
    draw(
        &CoverText {
            series: series.as_deref(),
            ..text
        },
        &CoverFont {
            data: &font.data,
            index,
        },
        vertical,
    )
    .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHIPPED: &str = "翁家翌：OpenAI 每一個模型背後的那個「賣鏟子的人」";
    const SERIF: &str = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc";

    fn font_data() -> Option<Vec<u8>> {
        match std::fs::read(SERIF) {
            Ok(d) => Some(d),
            Err(_) => {
                // CI installs it (.ci/install-checkers): there the tests must run
                assert!(std::env::var_os("CI").is_none(), "CI must have {SERIF}");
                eprintln!("note: {SERIF} missing (apt-get install fonts-noto-cjk); test skipped");
                None
            }
        }
    }

    fn text<'a>(title: &'a str, authors: &'a [String]) -> CoverText<'a> {
        CoverText {
            title,
            subtitle: Some("從研究員到基礎設施：談強化學習框架與工程文化"),
            kicker: Some("AI 產業動態"),
            series: Some("WhynotTV Podcast · 第 4 集"),
            authors,
            lang: "zh-Hant",
        }
    }

    /// The cover of the shipped book's words, both layouts: the same PNG every time, an indexed
    /// one of its size, small, that decodes to exactly the pixels drawn. (Prints the time of
    /// drawing and of encoding: `--nocapture`; `HANPUB_COVER_OUT=DIR` writes the PNGs there.)
    #[test]
    fn cover_draw_is_deterministic_indexed_and_lossless() {
        let Some(data) = font_data() else { return };
        let index = choose_face(&data, "zh-Hant").unwrap();
        let font = CoverFont { data: &data, index };
        let authors = vec!["WhynotTV".to_string()];
        for vertical in [false, true] {
            let t = std::time::Instant::now();
            let cv = paint(&text(SHIPPED, &authors), &font, vertical).unwrap();
            let painted = t.elapsed();
            let a = cv.png().unwrap();
            let colours = cv.palette_len().expect("an indexed canvas");
            eprintln!(
                "vertical {vertical}: painted in {painted:?}, encoded in {:?}: {colours} colours, {} bytes",
                t.elapsed() - painted,
                a.len()
            );
            let b = draw(&text(SHIPPED, &authors), &font, vertical).unwrap();
            assert!(a == b, "two draws differ (vertical: {vertical})");
            assert!(a.len() < 150_000, "PNG is {} bytes", a.len());
            assert!(colours <= 256);
            let (colour_type, size, px) = canvas::decode_rgb(&a);
            assert_eq!(size, (WIDTH, HEIGHT));
            assert_eq!(colour_type, png::ColorType::Indexed);
            assert!(px == cv.rgb(), "the PNG is not the pixels drawn");
            if let Ok(dir) = std::env::var("HANPUB_COVER_OUT") {
                let name = if vertical { "vertical" } else { "horizontal" };
                std::fs::write(format!("{dir}/cover-{name}.png"), &a).unwrap();
            }
        }
    }

    /// A character the face has no glyph for (an emoji in a README's first heading) is left
    /// out of the cover, with the space before it, not drawn as a box: the cover is the one
    /// of the words without it. A title of nothing else is drawn as it is.
    #[test]
    fn cover_leaves_out_what_the_font_cannot_draw() {
        let Some(data) = font_data() else { return };
        let font = CoverFont {
            data: &data,
            index: choose_face(&data, "zh-Hant").unwrap(),
        };
        let authors = vec!["WhynotTV 🎙️".to_string()];
        let plain = vec!["WhynotTV".to_string()];
        let with = draw(&text("學習筆記 📚 與 Rust 🦀", &authors), &font, false).unwrap();
        let without = draw(&text("學習筆記 與 Rust", &plain), &font, false).unwrap();
        assert!(with == without, "the emoji changed the cover");
        let face = Face::new(&font).unwrap();
        assert_eq!(drawable(&face, "👨‍👩‍👧 家族"), "家族");
        assert_eq!(drawable(&face, "🚀"), "🚀");
    }

    /// What the drawing makes of the shipped book's words, pinned: a change to the drawing
    /// must bump [`DRAWING`] (so that covers kept by earlier builds are drawn again), then
    /// update the pin. Checked with the Debian font it was pinned with.
    #[test]
    fn cover_of_the_shipped_book_is_pinned() {
        let Some(data) = font_data() else { return };
        if data.len() != 26_297_400 {
            eprintln!("note: {SERIF} is not the file the pin was made with; test skipped");
            return;
        }
        let font = CoverFont {
            data: &data,
            index: choose_face(&data, "zh-Hant").unwrap(),
        };
        let authors = vec!["WhynotTV".to_string()];
        let png = draw(&text(SHIPPED, &authors), &font, false).unwrap();
        assert_eq!(
            (DRAWING, png.len(), libdeflater::crc32(&png)),
            (5, 70_222, 4_030_938_748),
            "the drawing changed: bump DRAWING, then pin the new PNG here"
        );
    }

    /// The key of a cover changes with what it shows (words, writing mode, face, font file),
    /// and only with that.
    #[test]
    fn cover_key_follows_what_the_cover_shows() {
        let Some(data) = font_data() else { return };
        let font = FontFile {
            name: "serif.ttc".into(),
            data: data.clone().into(),
        };
        let meta = Metadata {
            title: SHIPPED.into(),
            kicker: Some("AI 產業動態".into()),
            lang: "zh-Hant".into(),
            ..Metadata::default()
        };
        let k = key(&meta, &font, false).unwrap();
        let same = [
            Metadata {
                description: Some("簡介不在封面上".into()),
                date: Some("2024-01-01".into()),
                ..meta.clone()
            },
            meta.clone(),
        ];
        for m in &same {
            assert_eq!(key(m, &font, false).unwrap(), k);
        }
        let renamed = FontFile {
            name: "other-name.ttc".into(),
            ..font.clone()
        };
        assert_eq!(key(&meta, &renamed, false).unwrap(), k);
        let other = [
            key(
                &Metadata {
                    title: "別的書名".into(),
                    ..meta.clone()
                },
                &font,
                false,
            ),
            key(
                &Metadata {
                    kicker: None,
                    ..meta.clone()
                },
                &font,
                false,
            ),
            key(
                &Metadata {
                    lang: "zh-Hans".into(),
                    ..meta.clone()
                },
                &font,
                false,
            ),
            key(&meta, &font, true),
            key(
                &meta,
                &FontFile {
                    name: "serif.ttc".into(),
                    data: [&data[..], b"\0"].concat().into(),
                },
                false,
            ),
        ];
        for o in other {
            assert_ne!(o.unwrap(), k);
        }
    }

    #[test]
    fn cover_choose_face_by_family() {
        let Some(data) = font_data() else { return };
        let family = |i: u32| family_name(&ttf_parser::Face::parse(&data, i).unwrap()).unwrap();
        assert!(family(choose_face(&data, "zh-Hant").unwrap()).ends_with(" TC"));
        assert!(family(choose_face(&data, "zh-TW").unwrap()).ends_with(" TC"));
        assert!(family(choose_face(&data, "zh-Hans").unwrap()).ends_with(" SC"));
        assert!(family(choose_face(&data, "zh-CN").unwrap()).ends_with(" SC"));
        assert!(family(choose_face(&data, "ja").unwrap()).ends_with(" JP"));
        assert!(family(choose_face(&data, "zh-HK").unwrap()).ends_with(" HK"));
        assert_eq!(choose_face(b"not a font", "zh-Hant"), None);
    }

    fn check_block(b: &Block, area: Rect) {
        for l in &b.lines {
            let first = l.text.trim_start().chars().next().unwrap();
            let last = l.text.trim_end().chars().last().unwrap();
            assert!(
                !NO_START.contains(first),
                "line starts with {first}: {:?}",
                l.text
            );
            assert!(
                !NO_END.contains(last),
                "line ends with {last}: {:?}",
                l.text
            );
            for g in &l.glyphs {
                assert!(
                    area.contains(&g.bbox),
                    "{:?} of {:?} outside {area:?}",
                    g,
                    l.text
                );
            }
        }
    }

    #[test]
    fn cover_long_titles_wrap_inside_the_area() {
        let Some(data) = font_data() else { return };
        let font = CoverFont {
            data: &data,
            index: choose_face(&data, "zh-Hant").unwrap(),
        };
        let long = "翁家翌：OpenAI 每一個模型背後的那個「賣鏟子的人」，以及他在清華、柏克萊與舊金山之間，如何把強化學習的基礎設施做成一門手藝。這是一個很長很長的標題，長得不像話，但是封面仍然必須把它完整地印出來！";
        let latin = "Supercalifragilisticexpialidocious-Antidisestablishmentarianism-Pneumonoultramicroscopicsilicovolcanoconiosis";
        for title in [SHIPPED, long, latin, "短", "「OpenAI」，，，。。。"] {
            for vertical in [false, true] {
                for (kicker, sub) in [(true, true), (false, false)] {
                    let (area, style) = title_area(vertical, kicker, sub);
                    let b = layout(&font, title, "zh-Hant", area, &style)
                        .unwrap()
                        .unwrap();
                    check_block(&b, area);
                    let set: String = b
                        .lines
                        .iter()
                        .flat_map(|l| l.text.chars())
                        .filter(|c| !c.is_whitespace())
                        .collect();
                    let want: String = title.chars().filter(|c| !c.is_whitespace()).collect();
                    assert_eq!(set, want, "the whole title is set");
                }
            }
        }
        // The shipped title: OpenAI stays whole, and lines are even.
        let (area, style) = title_area(false, true, true);
        let b = layout(&font, SHIPPED, "zh-Hant", area, &style)
            .unwrap()
            .unwrap();
        assert!(
            b.lines.iter().any(|l| l.text.contains("OpenAI")),
            "{:?}",
            b.lines
        );
        assert!(b.lines.len() >= 2);
        let lens: Vec<usize> = b.lines.iter().map(|l| l.text.chars().count()).collect();
        assert!(
            lens.iter().max().unwrap() - lens.iter().min().unwrap() <= 6,
            "{lens:?}"
        );
    }

    #[test]
    fn cover_long_title_and_vertical_forms() {
        let Some(data) = font_data() else { return };
        let font = CoverFont {
            data: &data,
            index: choose_face(&data, "zh-Hant").unwrap(),
        };
        let (area, style) = title_area(true, true, true);
        let b = layout(&font, SHIPPED, "zh-Hant", area, &style)
            .unwrap()
            .unwrap();
        let chars: String = b
            .lines
            .iter()
            .flat_map(|l| l.glyphs.iter().map(|g| g.ch))
            .collect();
        assert!(
            chars.contains('﹁') && chars.contains('﹂') && chars.contains('︓'),
            "{chars}"
        );
        assert!(
            b.lines
                .iter()
                .flat_map(|l| &l.glyphs)
                .any(|g| g.orientation == Orientation::Sideways)
        );
        let long = "翁家翌：OpenAI 每一個模型背後的那個「賣鏟子的人」，以及他在清華、柏克萊與舊金山之間，如何把強化學習的基礎設施做成一門手藝。這是一個很長很長的標題，長得不像話，但是封面仍然必須把它完整地印出來！";
        let authors = vec!["翁家翌".to_string(), "WhynotTV 編輯部".to_string()];
        for vertical in [false, true] {
            let png = draw(&text(long, &authors), &font, vertical).unwrap();
            if let Ok(dir) = std::env::var("HANPUB_COVER_OUT") {
                std::fs::write(format!("{dir}/long-{vertical}.png"), &png).unwrap();
            }
        }
    }

    #[test]
    fn cover_kinsoku_segments() {
        let segs = segments(&units("那個「賣鏟子的人」。", false));
        let texts: Vec<String> = segs
            .iter()
            .map(|s| s.units.iter().map(|u| format!("{u:?}")).collect())
            .collect();
        // 「 sticks to 賣; 人 sticks to 」。
        assert_eq!(segs.len(), 7, "{texts:?}");
        assert_eq!(segs[2].units, vec![Unit::Char('「'), Unit::Char('賣')]);
        assert_eq!(
            segs[6].units,
            vec![Unit::Char('人'), Unit::Char('」'), Unit::Char('。')]
        );
        let u = units("翁家翌：OpenAI 每", false);
        assert!(u.contains(&Unit::Word("OpenAI".into())));
    }

    #[test]
    fn cover_title_breaks_between_phrases() {
        let text = |s: &Segment| -> String {
            s.units
                .iter()
                .map(|u| match u {
                    Unit::Char(c) => c.to_string(),
                    Unit::Word(w) => w.clone(),
                    Unit::Space => " ".into(),
                })
                .collect()
        };
        let segs: Vec<String> = phrase_segments(SHIPPED).iter().map(text).collect();
        assert_eq!(
            segs,
            [
                "翁家翌：",
                "OpenAI",
                "每一個",
                "模型",
                "背後的",
                "那個",
                "「賣鏟子的人」"
            ]
        );
        // and the shipped title, laid out, breaks its lines only there
        let mut allowed = std::collections::BTreeSet::new();
        let mut n = 0;
        for s in &segs {
            n += s.chars().filter(|c| !c.is_whitespace()).count();
            allowed.insert(n);
        }
        let Some(data) = font_data() else { return };
        let font = CoverFont {
            data: &data,
            index: choose_face(&data, "zh-Hant").unwrap(),
        };
        for vertical in [false, true] {
            let (area, style) = title_area(vertical, true, true);
            let b = layout(&font, SHIPPED, "zh-Hant", area, &style)
                .unwrap()
                .unwrap();
            let mut n = 0;
            for l in &b.lines {
                n += l.text.chars().filter(|c| !c.is_whitespace()).count();
                assert!(allowed.contains(&n), "{:?}", b.lines);
            }
        }
    }

    #[test]
    fn cover_inspect_given() {
        // A 1×1 PNG header.
        let mut png_bytes = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        png_bytes.extend_from_slice(&1u32.to_be_bytes());
        png_bytes.extend_from_slice(&1u32.to_be_bytes());
        png_bytes.extend_from_slice(&[8, 2, 0, 0, 0]);
        let e = inspect_given(&png_bytes).unwrap_err();
        assert!(e.contains("only 1×1 px") && e.contains("500 px"), "{e}");

        let e = inspect_given(b"hello, I am a text file").unwrap_err();
        assert!(e.contains("use a JPEG or PNG"), "{e}");
        assert!(inspect_given(b"GIF89a....").unwrap_err().contains("GIF"));

        // JPEG: SOI, APP0 (JFIF), SOF0 with 2560 high × 1600 wide.
        let mut jpg = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
        jpg.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
        jpg.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x11, 0x08, 0x0A, 0x00, 0x06, 0x40, 0x03]);
        jpg.extend_from_slice(&[1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
        assert_eq!(
            inspect_given(&jpg),
            Ok(GivenCover {
                media_type: "image/jpeg",
                width: 1600,
                height: 2560
            })
        );
        // Huge.
        let mut huge = png_bytes.clone();
        huge[16..20].copy_from_slice(&5000u32.to_be_bytes());
        huge[20..24].copy_from_slice(&8000u32.to_be_bytes());
        assert!(
            inspect_given(&huge)
                .unwrap_err()
                .contains("at most 4096×4096")
        );
        let e = inspect_given(&vec![0xFF; MAX_BYTES + 1]).unwrap_err();
        assert!(e.contains("10 MB"), "{e}");
        // Damaged JPEG.
        assert!(
            inspect_given(&[0xFF, 0xD8, 0xFF, 0xE0])
                .unwrap_err()
                .contains("damaged JPEG")
        );
    }
}
