//! Font embedding: pick the face, subset it to the book's characters, report what was embedded.
//! [`for_book`] is the font part of the assets stage (which font, the `@font-face` CSS, the
//! files to ship).
//!
//! The subset is made with `allsorts`, which writes a fresh Unicode `cmap` (EPUB reading systems
//! and browsers need one) and keeps `head`, `hhea`, `hmtx`, `maxp`, `name`, `OS/2`, `post`, the
//! outlines (`glyf`/`loca` or `CFF `; a CFF2 variable font becomes CFF, a variable TrueType font
//! its default instance) and, for TrueType, the hinting tables `cvt `, `fpgm`, `prep`. allsorts
//! drops the layout and vertical tables; the `extras` module below adds back what Chinese text needs: the
//! `ccmp`/`liga` ligatures (the long dash ——), `vert` vertical forms, `pwid` proportional forms, the `halt`/`vhal`/`palt`/
//! `vpal` adjustments, `vhea`/`vmtx` and `VORG`. Dropped for good: kerning, contextual and mark
//! lookups, other scripts' and languages' features, `BASE`, `gasp`, `kern`, colour and bitmap
//! tables.
//!
//! The output passes OpenType Sanitizer (the checker browsers run on web fonts) and is
//! deterministic: the same request gives the same bytes (glyph ids are kept in ascending order,
//! `head.modified` is the source font's, nothing reads the clock or iterates a hash map).

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use allsorts::binary::read::ReadScope;
use allsorts::font::{Encoding, read_cmap_subtable};
use allsorts::font_data::FontData;
use allsorts::subset::{CmapTarget, SubsetProfile, subset};
use allsorts::tables::cmap::{Cmap, CmapSubtable};
use allsorts::tables::{FontTableProvider, MaxpTable, NameTable, OpenTypeData};
use allsorts::tag;

use crate::config::Metadata;
use crate::diagnostics::Diagnostic;
use crate::files::{self, Files};
use crate::model::{Book, Chapter, Ev};
use crate::options::FontFile;
use crate::source::SourceFile;

/// What to embed.
pub struct FontRequest<'a> {
    /// Raw bytes of a TTF, OTF (CFF) or TTC/OTC collection.
    pub data: &'a [u8],
    /// File name, for messages (e.g. "NotoSerifCJK-Regular.ttc").
    pub name: &'a str,
    /// BCP 47 language of the book: "zh-Hant" (default), "zh-Hans", … Used to choose the face of a
    /// collection (TC face for zh-Hant / zh-TW / zh-HK, SC for zh-Hans / zh-CN, JP for ja, KR for ko)
    /// by the face's family name in the `name` table (e.g. "Noto Serif CJK TC"), falling back to
    /// the first face.
    pub lang: &'a str,
    /// Every character the book's text uses (the caller collects them).
    pub chars: &'a BTreeSet<char>,
}

/// What was embedded.
#[derive(Debug, Clone, PartialEq)]
pub struct EmbeddedFont {
    /// The subset font file (a single-face OpenType: TrueType outlines → .ttf, CFF → .otf).
    pub data: Vec<u8>,
    /// "ttf" or "otf": the file extension; media type is font/ttf or font/otf.
    pub ext: &'static str,
    /// Family name to use in @font-face: the font's own family, or, when its licence declares a
    /// Reserved Font Name, the new name written into the subset's `name` table (see
    /// [`renamed_family`]).
    pub family: String,
    /// Full name of the chosen face, for reports (e.g. "Noto Serif CJK TC").
    pub face: String,
    /// Licence text to ship beside the font when the font's `name` table says it is OFL: the
    /// copyright notice (name ID 0), the licence description (name ID 13) and the licence URL
    /// (name ID 14). None otherwise.
    pub license: Option<String>,
    /// Characters requested but missing from the font (in order). Control characters, spaces
    /// and default-ignorable ones (ZWSP, ZWJ, variation selectors, BOM, …) are never reported.
    pub missing: Vec<char>,
    /// Glyph count of the subset.
    pub glyphs: usize,
}

/// Why a font could not be embedded.
#[derive(Debug, thiserror::Error)]
pub enum FontError {
    /// Not a font allsorts can read (message says which file and why).
    #[error("{name} is not a usable font: {reason}")]
    Parse { name: String, reason: String },
    /// The book is Chinese but the font covers fewer than [`HAN_COVERAGE_PERCENT`] % of the Han
    /// characters the book uses.
    #[error("{}", no_cjk_message(name, *have, *need))]
    NoCjk {
        name: String,
        have: usize,
        need: usize,
    },
    /// Subsetting failed, or its result did not pass the checks.
    #[error("could not subset {name}: {reason}")]
    Subset { name: String, reason: String },
}

fn no_cjk_message(name: &str, have: usize, need: usize) -> String {
    let what = if have == 0 {
        "has no glyphs for Chinese text"
    } else {
        "has too few glyphs for Chinese text"
    };
    format!(
        "{name} {what} ({have} of {need} Han characters used by the book); \
         choose a CJK font such as Noto Serif CJK TC"
    )
}

/// A Chinese book is refused a font that maps fewer than this share (in percent) of the Han
/// characters the book uses. Half is far below any CJK font (which cover thousands of
/// ideographs) and far above a Latin font that happens to carry a handful of them.
pub const HAN_COVERAGE_PERCENT: usize = 50;

/// Characters kept in every subset (when the font has them) although the text may not use them:
/// spaces, and what CSS itself may draw: list markers (`disc`, `circle`, `square`, `decimal`,
/// `cjk-decimal`, `trad-chinese-informal` and the `、` after them). Never reported as missing.
pub const ALWAYS_INCLUDED: &[char] = &[
    ' ', '\u{A0}', '\u{3000}', '.', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '•', '◦',
    '▪', '、', '〇', '一', '二', '三', '四', '五', '六', '七', '八', '九', '十', '百', '千',
];

/// The family written into the subset when the source font's licence declares a Reserved Font
/// Name: it must not contain that name, so it is built from a hash of the original family
/// (regular and bold faces of one family keep sharing one CSS family).
pub fn renamed_family(original_family: &str) -> String {
    format!("Hanpub Subset {:08X}", fnv1a(original_family.as_bytes()))
}

/// Embed a font: choose the face for the book's language, check it covers the book's Han
/// characters, subset it to the book's characters and check the result.
pub fn embed(req: &FontRequest) -> Result<EmbeddedFont, FontError> {
    let parse_err = |reason: String| FontError::Parse {
        name: req.name.to_string(),
        reason,
    };
    let subset_err = |reason: String| FontError::Subset {
        name: req.name.to_string(),
        reason,
    };

    let font_data = ReadScope::new(req.data)
        .read::<FontData<'_>>()
        .map_err(|e| {
            parse_err(format!(
                "not a TrueType, OpenType, collection or WOFF file ({e})"
            ))
        })?;
    let script = Script::of(req.lang);
    let index = choose_face(&font_data, script);
    let provider = font_data
        .table_provider(index)
        .map_err(|e| parse_err(format!("cannot read face {index}: {e}")))?;

    let names = Names::read(&provider).map_err(|e| parse_err(format!("bad name table: {e}")))?;
    let cmap_data = provider
        .read_table_data(tag::CMAP)
        .map_err(|e| parse_err(format!("no cmap table: {e}")))?;
    let cmap = ReadScope::new(&cmap_data)
        .read::<Cmap<'_>>()
        .map_err(|e| parse_err(format!("bad cmap table: {e}")))?;
    let cmap_sub = match read_cmap_subtable(&cmap) {
        Ok(Some((Encoding::Unicode, sub))) => sub,
        Ok(_) => return Err(parse_err("no Unicode cmap subtable".to_string())),
        Err(e) => return Err(parse_err(format!("bad cmap subtable: {e}"))),
    };
    let lookup = |c: char| glyph_of(&cmap_sub, c);

    // Characters and glyphs to keep.
    let mut glyphs: BTreeSet<u16> = BTreeSet::from([0]);
    let mut kept: Vec<char> = Vec::new();
    let mut missing = Vec::new();
    let (mut han_need, mut han_have) = (0usize, 0usize);
    for &c in req.chars {
        let gid = lookup(c);
        if is_han(c) {
            han_need += 1;
            han_have += usize::from(gid.is_some());
        }
        match gid {
            Some(g) => {
                glyphs.insert(g);
                kept.push(c);
            }
            // spaces (U+2005 between Han and Latin) come from any font that has them
            None if c.is_control() || c.is_whitespace() || is_default_ignorable(c) => {}
            None => missing.push(c),
        }
    }
    if script.is_chinese() && han_need > 0 && han_have * 100 < han_need * HAN_COVERAGE_PERCENT {
        return Err(FontError::NoCjk {
            name: req.name.to_string(),
            have: han_have,
            need: han_need,
        });
    }
    for &c in ALWAYS_INCLUDED {
        if let Some(g) = lookup(c) {
            glyphs.insert(g);
        }
    }

    // Reserved Font Name: write a new family into the subset's name table.
    let rfn = names.declares_reserved_font_name();
    let family = if rfn {
        renamed_family(&names.family)
    } else {
        names.family.clone()
    };
    let new_name_table = if rfn {
        Some(
            rename_name_table(&provider, &names, &family)
                .map_err(|e| subset_err(format!("cannot rewrite the name table: {e}")))?,
        )
    } else {
        None
    };
    let patched = Patched {
        inner: &provider,
        name: new_name_table.as_deref(),
    };

    // Layout and vertical extras: the `vert` alternates of the kept glyphs must be in the subset.
    let extras = extras::Extras::read(&provider, &glyphs);
    glyphs.extend(extras.added_glyphs());

    let glyph_ids: Vec<u16> = glyphs.iter().copied().collect();
    let profile = SubsetProfile::parse_custom("cvt,fpgm,prep".to_string())
        .map_err(|e| subset_err(format!("profile: {e}")))?;
    let out = subset(&patched, &glyph_ids, &profile, CmapTarget::Unicode)
        .map_err(|e| subset_err(e.to_string()))?;
    let out = extras::add_tables(&provider, out, &glyph_ids, &extras)
        .map_err(|e| subset_err(format!("layout and vertical tables: {e}")))?;

    let glyph_count = check_subset(&out, &kept, &lookup).map_err(subset_err)?;
    let ext = if out.starts_with(b"OTTO") {
        "otf"
    } else {
        "ttf"
    };
    let license = names.ofl_license(rfn.then_some(family.as_str()));

    Ok(EmbeddedFont {
        data: out,
        ext,
        family,
        face: names.full.clone(),
        license,
        missing,
        glyphs: glyph_count,
    })
}

/// Re-read the subset: it must parse, have readable `maxp` and `name` tables, and map every kept
/// character (one the source font maps) to a glyph other than .notdef. Returns the glyph count.
fn check_subset(
    out: &[u8],
    kept: &[char],
    source_lookup: &dyn Fn(char) -> Option<u16>,
) -> Result<usize, String> {
    let fd = ReadScope::new(out)
        .read::<FontData<'_>>()
        .map_err(|e| format!("subset does not parse: {e}"))?;
    let p = fd.table_provider(0).map_err(|e| format!("subset: {e}"))?;
    let maxp_data = p
        .read_table_data(tag::MAXP)
        .map_err(|e| format!("subset maxp: {e}"))?;
    let maxp = ReadScope::new(&maxp_data)
        .read::<MaxpTable>()
        .map_err(|e| format!("subset maxp: {e}"))?;
    let name_data = p
        .read_table_data(tag::NAME)
        .map_err(|e| format!("subset name: {e}"))?;
    ReadScope::new(&name_data)
        .read::<NameTable<'_>>()
        .map_err(|e| format!("subset name: {e}"))?;
    let cmap_data = p
        .read_table_data(tag::CMAP)
        .map_err(|e| format!("subset cmap: {e}"))?;
    let cmap = ReadScope::new(&cmap_data)
        .read::<Cmap<'_>>()
        .map_err(|e| format!("subset cmap: {e}"))?;
    let sub = match read_cmap_subtable(&cmap) {
        Ok(Some((Encoding::Unicode, sub))) => sub,
        _ => return Err("subset has no Unicode cmap".to_string()),
    };
    for &c in kept {
        if source_lookup(c).is_some() && glyph_of(&sub, c).is_none() {
            return Err(format!("subset cmap lost U+{:04X}", c as u32));
        }
    }
    Ok(usize::from(maxp.num_glyphs))
}

fn glyph_of(sub: &CmapSubtable<'_>, c: char) -> Option<u16> {
    match sub.map_glyph(c as u32) {
        Ok(Some(g)) if g != 0 => Some(g),
        _ => None,
    }
}

/// Han ideographs: CJK Unified Ideographs and Extension A, Extensions B–G, compatibility
/// ideographs.
fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x9FFF | 0x20000..=0x3134F | 0xF900..=0xFAFF)
}

fn is_default_ignorable(c: char) -> bool {
    matches!(c as u32,
        0xAD | 0x34F | 0x61C | 0x115F | 0x1160 | 0x17B4 | 0x17B5 | 0x180B..=0x180F
        | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F | 0x3164 | 0xFE00..=0xFE0F
        | 0xFEFF | 0xFFA0 | 0xFFF0..=0xFFF8 | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A
        | 0xE0000..=0xE0FFF)
}

// ---------------------------------------------------------------------------------------------
// Choosing the face.

/// The writing system the book's language asks for, as far as choosing a CJK face goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Script {
    /// Traditional Chinese (Taiwan): zh-Hant, zh-TW, zh-MO, plain zh (hanpub's default).
    Hant,
    /// Traditional Chinese (Hong Kong): zh-HK, zh-Hant-HK, yue.
    HantHk,
    /// Simplified Chinese: zh-Hans, zh-CN, zh-SG, zh-MY.
    Hans,
    Japanese,
    Korean,
    Other,
}

impl Script {
    fn of(lang: &str) -> Script {
        let lang = lang.trim().to_ascii_lowercase();
        if lang.is_empty() {
            return Script::Hant;
        }
        let mut subtags = lang.split(['-', '_']);
        let primary = subtags.next().unwrap_or("");
        let rest: Vec<&str> = subtags.collect();
        let has = |s: &str| rest.contains(&s);
        match primary {
            "ja" => Script::Japanese,
            "ko" => Script::Korean,
            "zh" | "cmn" | "yue" | "lzh" | "wuu" | "hak" | "nan" | "gan" | "hsn" | "cdo"
            | "cjy" | "cpx" | "czh" | "czo" | "mnp" => {
                let hk = has("hk") || (primary == "yue" && !has("hans"));
                if has("hans") {
                    Script::Hans
                } else if hk {
                    Script::HantHk
                } else if has("hant") || has("tw") || has("mo") {
                    Script::Hant
                } else if has("cn") || has("sg") || has("my") {
                    Script::Hans
                } else {
                    Script::Hant
                }
            }
            _ => Script::Other,
        }
    }

    fn is_chinese(self) -> bool {
        matches!(self, Script::Hant | Script::HantHk | Script::Hans)
    }

    /// Words that mark a face for this script in a family name, best first.
    fn family_tokens(self) -> &'static [&'static str] {
        match self {
            Script::Hant => &["TC", "TW", "HANT", "HK", "HC"],
            Script::HantHk => &["HK", "HC", "TC", "TW", "HANT"],
            Script::Hans => &["SC", "CN", "HANS", "GB"],
            Script::Japanese => &["JP", "JA", "J"],
            Script::Korean => &["KR", "KO", "K"],
            Script::Other => &[],
        }
    }
}

fn face_count(font_data: &FontData<'_>) -> usize {
    match font_data {
        FontData::OpenType(f) => match &f.data {
            OpenTypeData::Single(_) => 1,
            OpenTypeData::Collection(ttc) => ttc.offset_tables.len(),
        },
        FontData::Woff(_) => 1,
        FontData::Woff2(w) => w
            .collection_directory
            .as_ref()
            .map_or(1, |d| d.fonts().count()),
    }
}

/// The face whose family name carries the best token for `script`; the first face otherwise.
fn choose_face(font_data: &FontData<'_>, script: Script) -> usize {
    let count = face_count(font_data);
    let tokens = script.family_tokens();
    if count <= 1 || tokens.is_empty() {
        return 0;
    }
    let mut best: Option<(usize, usize)> = None; // (rank, index)
    for index in 0..count {
        let Ok(provider) = font_data.table_provider(index) else {
            continue;
        };
        let Ok(names) = Names::read(&provider) else {
            continue;
        };
        let words: Vec<String> = names
            .family
            .split(|c: char| !c.is_alphanumeric())
            .map(str::to_ascii_uppercase)
            .collect();
        let rank = tokens.iter().position(|t| words.iter().any(|w| w == t));
        if let Some(rank) = rank
            && best.is_none_or(|(r, _)| rank < r)
        {
            best = Some((rank, index));
        }
    }
    best.map_or(0, |(_, index)| index)
}

// ---------------------------------------------------------------------------------------------
// The name table.

/// The English names of a face.
struct Names {
    /// Typographic family (ID 16), else family (ID 1).
    family: String,
    /// Family (ID 1).
    legacy_family: String,
    /// Typographic subfamily (ID 17), else subfamily (ID 2).
    style: String,
    /// Full name (ID 4), else the family.
    full: String,
    copyright: Option<String>,
    license: Option<String>,
    license_url: Option<String>,
    /// Every copyright, licence and licence URL record (IDs 0, 13, 14) of every platform and
    /// language, lower-cased: what the OFL and Reserved Font Name checks search.
    legal: String,
}

impl Names {
    fn read(provider: &impl FontTableProvider) -> Result<Names, String> {
        let data = provider
            .read_table_data(tag::NAME)
            .map_err(|e| e.to_string())?;
        let table = ReadScope::new(&data)
            .read::<NameTable<'_>>()
            .map_err(|e| e.to_string())?;
        let get = |id: u16| {
            table
                .string_for_id(id)
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        };
        let legacy_family = get(NameTable::FONT_FAMILY_NAME).unwrap_or_default();
        let family =
            get(NameTable::TYPOGRAPHIC_FAMILY_NAME).unwrap_or_else(|| legacy_family.clone());
        if family.is_empty() {
            return Err("the font has no family name".to_string());
        }
        let style = get(NameTable::TYPOGRAPHIC_SUBFAMILY_NAME)
            .or_else(|| get(NameTable::FONT_SUBFAMILY_NAME))
            .unwrap_or_else(|| "Regular".to_string());
        let full = get(NameTable::FULL_FONT_NAME).unwrap_or_else(|| family.clone());
        let mut legal = String::new();
        for r in table
            .name_records
            .iter()
            .filter(|r| [0, 13, 14].contains(&r.name_id))
        {
            let Ok(bytes) = table
                .string_storage
                .offset_length(usize::from(r.offset), usize::from(r.length))
            else {
                continue;
            };
            let bytes = bytes.data();
            if r.platform_id == 1 {
                // Mac Roman: its ASCII half is all the checks need.
                legal.extend(bytes.iter().map(|&b| char::from(b)));
            } else {
                let units = bytes
                    .chunks_exact(2)
                    .map(|c| u16::from_be_bytes([c[0], c[1]]));
                legal.extend(char::decode_utf16(units).map(|c| c.unwrap_or('\u{FFFD}')));
            }
            legal.push('\n');
        }
        Ok(Names {
            family,
            legacy_family,
            style,
            full,
            copyright: get(NameTable::COPYRIGHT_NOTICE),
            license: get(NameTable::LICENSE_DESCRIPTION),
            license_url: get(NameTable::LICENSE_INFO_URL),
            legal: legal.to_lowercase(),
        })
    }

    fn is_ofl(&self) -> bool {
        let s = &self.legal;
        s.contains("open font license")
            || s.contains("scripts.sil.org/ofl")
            || s.contains("openfontlicense.org")
    }

    /// A copyright or licence record mentions a Reserved Font Name (and does not say there is
    /// none).
    fn declares_reserved_font_name(&self) -> bool {
        let s = &self.legal;
        s.contains("reserved font name")
            && !s.contains("no reserved font name")
            && !s.contains("without reserved font name")
    }

    fn ofl_license(&self, renamed: Option<&str>) -> Option<String> {
        if !self.is_ofl() {
            return None;
        }
        let mut text = format!("{}\n", self.full);
        if let Some(new) = renamed {
            text.push_str(&format!(
                "Modified Version: a subset of {}, renamed \"{new}\" because its licence \
                 declares a Reserved Font Name.\n",
                self.family
            ));
        }
        for part in [&self.copyright, &self.license, &self.license_url]
            .into_iter()
            .flatten()
        {
            text.push('\n');
            text.push_str(part);
            text.push('\n');
        }
        Some(text)
    }
}

/// A new `name` table: the source's records, except that every family, full, unique and
/// PostScript name (IDs 1, 3, 4, 6, 16, 18, 20, 21, 25, in every language) is replaced by
/// English (Windows, US) records built from `family`.
fn rename_name_table(
    provider: &impl FontTableProvider,
    names: &Names,
    family: &str,
) -> Result<Vec<u8>, String> {
    const REPLACED: [u16; 9] = [1, 3, 4, 6, 16, 18, 20, 21, 25];
    let data = provider
        .read_table_data(tag::NAME)
        .map_err(|e| e.to_string())?;
    let table = ReadScope::new(&data)
        .read::<NameTable<'_>>()
        .map_err(|e| e.to_string())?;
    let mut records: BTreeMap<(u16, u16, u16, u16), Vec<u8>> = BTreeMap::new();
    let mut had = BTreeSet::new();
    for r in table.name_records.iter() {
        if REPLACED.contains(&r.name_id) {
            had.insert(r.name_id);
            continue;
        }
        if r.language_id >= 0x8000 {
            continue; // language-tag records need a format 1 table; drop them
        }
        let bytes = table
            .string_storage
            .offset_length(usize::from(r.offset), usize::from(r.length))
            .map_err(|e| e.to_string())?
            .data()
            .to_vec();
        records.insert(
            (r.platform_id, r.encoding_id, r.language_id, r.name_id),
            bytes,
        );
    }
    // ID 1 keeps what followed the typographic family (e.g. "Light" in "Noto Serif CJK TC Light").
    let legacy_suffix = names
        .legacy_family
        .strip_prefix(names.family.as_str())
        .unwrap_or("")
        .trim();
    let legacy = if legacy_suffix.is_empty() {
        family.to_string()
    } else {
        format!("{family} {legacy_suffix}")
    };
    let full = if names.style.eq_ignore_ascii_case("regular") {
        family.to_string()
    } else {
        format!("{family} {}", names.style)
    };
    let ps: String = format!("{family}-{}", names.style)
        .chars()
        .filter(|c| c.is_ascii_graphic() && !"[](){}<>/%".contains(*c))
        .take(63)
        .collect();
    let mut new = vec![(1, legacy), (3, format!("hanpub;{ps}")), (4, full), (6, ps)];
    for id in [16, 21] {
        if had.contains(&id) {
            new.push((id, family.to_string()));
        }
    }
    for (id, s) in new {
        let utf16: Vec<u8> = s.encode_utf16().flat_map(u16::to_be_bytes).collect();
        records.insert((3, 1, 0x409, id), utf16);
    }

    let count = u16::try_from(records.len()).map_err(|e| e.to_string())?;
    let header_len = 6 + 12 * usize::from(count);
    let mut out = Vec::new();
    out.extend_from_slice(&0u16.to_be_bytes());
    out.extend_from_slice(&count.to_be_bytes());
    out.extend_from_slice(
        &u16::try_from(header_len)
            .map_err(|e| e.to_string())?
            .to_be_bytes(),
    );
    let mut storage: Vec<u8> = Vec::new();
    for ((platform, encoding, language, id), bytes) in &records {
        let offset = u16::try_from(storage.len()).map_err(|_| "name table too large")?;
        let length = u16::try_from(bytes.len()).map_err(|_| "name too long")?;
        for v in [*platform, *encoding, *language, *id, length, offset] {
            out.extend_from_slice(&v.to_be_bytes());
        }
        storage.extend_from_slice(bytes);
    }
    out.extend_from_slice(&storage);
    Ok(out)
}

/// A table provider that serves a replacement `name` table.
struct Patched<'a, P> {
    inner: &'a P,
    name: Option<&'a [u8]>,
}

impl<P: FontTableProvider> FontTableProvider for Patched<'_, P> {
    fn table_data(&self, tag: u32) -> Result<Option<Cow<'_, [u8]>>, allsorts::error::ParseError> {
        match (tag, self.name) {
            (tag::NAME, Some(name)) => Ok(Some(Cow::Borrowed(name))),
            _ => self.inner.table_data(tag),
        }
    }

    fn has_table(&self, tag: u32) -> bool {
        self.inner.has_table(tag)
    }

    fn table_tags(&self) -> Option<Vec<u32>> {
        self.inner.table_tags()
    }
}

fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811C_9DC5u32, |h, &b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

// ---------------------------------------------------------------------------------------------
// Tables allsorts leaves out.

/// What allsorts' subsetter leaves out and a Chinese book needs, copied from the source face and
/// restricted to the subset's glyphs:
///
/// - `GSUB`: the ligatures of `ccmp` (e.g. Noto CJK joins —— into one long dash) and
///   `liga` (fi, fl), the `vert` single substitutions (vertical forms of 「」（）《》… in
///   `writing-mode: vertical-rl`) and the `pwid` ones (the proportional ’ of `HTML’s`, which
///   the stylesheet asks for in Latin text: `.apos`, `.latin`);
/// - `GPOS`: the single adjustments of `halt`/`vhal` (what Chromium's `text-spacing-trim` uses
///   to close up 」。 and similar pairs), `palt`/`vpal` (proportional punctuation, for authors
///   who turn it on with `font-feature-settings`) and `vert`;
/// - `vhea`/`vmtx` (vertical advances) and, for CFF fonts, `VORG` (vertical origins).
///
/// Features are read from the `hani` script's default language system (else `DFLT`); each kept
/// source lookup stays a lookup of its own, in source order, so shaping applies them as the
/// full font would. Only single and ligature substitutions and single adjustments are kept:
/// contextual lookups, kerning (`kern`, `vkrn`), mark positioning, other scripts and language
/// systems, and device/variation deltas are dropped. The new tables are added to the subset
/// file, which is then re-assembled with fresh checksums.
mod extras {
    use std::collections::{BTreeMap, BTreeSet};

    use allsorts::binary::read::ReadScope;
    use allsorts::layout::{GPOS, GSUB, LayoutTable, PosLookup, SubstLookup, new_layout_cache};
    use allsorts::tables::FontTableProvider;
    use allsorts::tag;

    const HANI: u32 = u32::from_be_bytes(*b"hani");
    /// GSUB features kept (single and ligature substitutions).
    const SUBST_FEATURES: [&[u8; 4]; 4] = [b"ccmp", b"liga", b"pwid", b"vert"];
    /// GPOS features kept (single adjustments).
    const POS_FEATURES: [&[u8; 4]; 5] = [b"halt", b"palt", b"vert", b"vhal", b"vpal"];

    /// x placement, y placement, x advance, y advance.
    type Adjust = [i16; 4];
    /// A ligature: the components after the first glyph, and the ligature glyph.
    type Lig = (Vec<u16>, u16);
    /// A first glyph and its ligatures, in order of preference.
    type LigSet = (u16, Vec<Lig>);

    /// A source lookup restricted to the subset's glyphs (source glyph ids).
    enum Lookup {
        Single(BTreeMap<u16, u16>),
        /// First glyph → (other components, ligature glyph), in the source's order of preference.
        Ligature(BTreeMap<u16, Vec<Lig>>),
        Pos(BTreeMap<u16, Adjust>),
    }

    /// The kept features of one layout table: feature → source lookup indices, and the
    /// restricted lookups by source index (empty ones left out).
    #[derive(Default)]
    struct Layout {
        features: BTreeMap<u32, Vec<u16>>,
        lookups: BTreeMap<u16, Lookup>,
    }

    #[derive(Default)]
    pub(super) struct Extras {
        gsub: Layout,
        gpos: Layout,
        /// Glyphs the substitutions can produce (besides the requested ones).
        added: BTreeSet<u16>,
    }

    /// The lookup indices of `features` in the `hani` (else `DFLT`) default language system.
    pub(super) fn feature_lookups<T>(
        table: &LayoutTable<T>,
        features: &[&[u8; 4]],
    ) -> BTreeMap<u32, Vec<u16>> {
        let mut out = BTreeMap::new();
        let Some(langsys) = table
            .find_script_or_default(HANI)
            .ok()
            .flatten()
            .and_then(|s| s.default_langsys_record())
        else {
            return out;
        };
        for feature in features.iter().map(|t| u32::from_be_bytes(**t)) {
            if let Ok(Some(f)) = table.find_langsys_feature(langsys, feature, None) {
                out.insert(feature, f.lookup_indices.clone());
            }
        }
        out
    }

    impl Extras {
        /// Read the kept features of the source face for `glyphs`. What cannot be read is left
        /// out: a font without `GSUB`/`GPOS` still embeds.
        pub(super) fn read(provider: &impl FontTableProvider, glyphs: &BTreeSet<u16>) -> Extras {
            let mut extras = Extras::default();
            let mut set = glyphs.clone();
            if let Some(data) = provider.table_data(tag::GSUB).ok().flatten()
                && let Ok(table) = ReadScope::new(&data).read::<LayoutTable<GSUB>>()
            {
                let cache = new_layout_cache(table);
                let gsub = &cache.layout_table;
                extras.gsub.features = feature_lookups(gsub, &SUBST_FEATURES);
                let indices: BTreeSet<u16> =
                    extras.gsub.features.values().flatten().copied().collect();
                // In lookup order, as shaping applies them: a glyph one lookup produces can
                // only be consumed by a later one.
                for index in indices {
                    let Some(list) = gsub.opt_lookup_list.as_ref() else {
                        break;
                    };
                    let Ok(item) = list.lookup_cache_gsub(&cache, usize::from(index)) else {
                        continue;
                    };
                    let lookup = match &item.lookup_subtables {
                        SubstLookup::SingleSubst(subtables) => {
                            let map: BTreeMap<u16, u16> = set
                                .iter()
                                .filter_map(|&g| {
                                    let alt = subtables
                                        .iter()
                                        .find_map(|s| s.apply_glyph(g).ok().flatten())?;
                                    (alt != g).then_some((g, alt))
                                })
                                .collect();
                            set.extend(map.values().copied());
                            Lookup::Single(map)
                        }
                        SubstLookup::LigatureSubst(subtables) => {
                            let mut map = BTreeMap::new();
                            for &g in &set {
                                let Some(ligs) = subtables
                                    .iter()
                                    .find_map(|s| s.apply_glyph(g).ok().flatten())
                                else {
                                    continue;
                                };
                                let kept: Vec<Lig> = ligs
                                    .ligatures
                                    .iter()
                                    .filter(|l| l.component_glyphs.iter().all(|c| set.contains(c)))
                                    .map(|l| (l.component_glyphs.clone(), l.ligature_glyph))
                                    .collect();
                                if !kept.is_empty() {
                                    map.insert(g, kept);
                                }
                            }
                            set.extend(map.values().flatten().map(|(_, lig)| *lig));
                            Lookup::Ligature(map)
                        }
                        _ => continue,
                    };
                    if !lookup.is_empty() {
                        extras.gsub.lookups.insert(index, lookup);
                    }
                }
            }
            if let Some(data) = provider.table_data(tag::GPOS).ok().flatten()
                && let Ok(table) = ReadScope::new(&data).read::<LayoutTable<GPOS>>()
            {
                let cache = new_layout_cache(table);
                let gpos = &cache.layout_table;
                extras.gpos.features = feature_lookups(gpos, &POS_FEATURES);
                let indices: BTreeSet<u16> =
                    extras.gpos.features.values().flatten().copied().collect();
                for index in indices {
                    let Some(list) = gpos.opt_lookup_list.as_ref() else {
                        break;
                    };
                    let Ok(item) = list.lookup_cache_gpos(&cache, usize::from(index)) else {
                        continue;
                    };
                    let PosLookup::SinglePos(subtables) = &item.lookup_subtables else {
                        continue;
                    };
                    let map: BTreeMap<u16, Adjust> = set
                        .iter()
                        .filter_map(|&g| {
                            let a = subtables.iter().find_map(|s| s.apply(g).ok().flatten())?;
                            let v = [a.x_placement, a.y_placement, a.x_advance, a.y_advance];
                            (v != [0; 4]).then_some((g, v))
                        })
                        .collect();
                    if !map.is_empty() {
                        extras.gpos.lookups.insert(index, Lookup::Pos(map));
                    }
                }
            }
            extras.added = set.difference(glyphs).copied().collect();
            extras
        }

        /// Glyphs that substitutions produce: they must be in the subset too.
        pub(super) fn added_glyphs(&self) -> impl Iterator<Item = u16> + '_ {
            self.added.iter().copied()
        }
    }

    impl Lookup {
        fn is_empty(&self) -> bool {
            match self {
                Lookup::Single(m) => m.is_empty(),
                Lookup::Ligature(m) => m.is_empty(),
                Lookup::Pos(m) => m.is_empty(),
            }
        }

        /// (lookup type, subtable) with new glyph ids; None if nothing survives the renumbering.
        fn write(&self, new_id: &BTreeMap<u16, u16>) -> Option<(u16, Vec<u8>)> {
            let id = |g: &u16| new_id.get(g).copied();
            match self {
                Lookup::Single(map) => {
                    let pairs: Vec<(u16, u16)> = map
                        .iter()
                        .filter_map(|(g, alt)| Some((id(g)?, id(alt)?)))
                        .collect();
                    (!pairs.is_empty()).then(|| (1, single_subst(&pairs)))
                }
                Lookup::Ligature(map) => {
                    let sets: Vec<LigSet> = map
                        .iter()
                        .filter_map(|(g, ligs)| {
                            let ligs: Vec<Lig> = ligs
                                .iter()
                                .filter_map(|(comps, lig)| {
                                    Some((
                                        comps.iter().map(id).collect::<Option<Vec<_>>>()?,
                                        id(lig)?,
                                    ))
                                })
                                .collect();
                            Some((id(g)?, ligs)).filter(|(_, l)| !l.is_empty())
                        })
                        .collect();
                    (!sets.is_empty()).then(|| (4, ligature_subst(&sets)))
                }
                Lookup::Pos(map) => {
                    let values: Vec<(u16, Adjust)> =
                        map.iter().filter_map(|(g, v)| Some((id(g)?, *v))).collect();
                    (!values.is_empty()).then(|| (1, single_pos(&values)))
                }
            }
        }
    }

    impl Layout {
        /// The table, or None when no feature keeps a lookup.
        fn write(&self, new_id: &BTreeMap<u16, u16>) -> Result<Option<Vec<u8>>, String> {
            let mut lookups = Vec::new();
            let mut renumber = BTreeMap::new();
            for (&source, lookup) in &self.lookups {
                if let Some(written) = lookup.write(new_id) {
                    renumber.insert(source, lookups.len() as u16);
                    lookups.push(written);
                }
            }
            let features: Vec<(u32, Vec<u16>)> = self
                .features
                .iter()
                .map(|(&tag, indices)| {
                    (
                        tag,
                        indices
                            .iter()
                            .filter_map(|i| renumber.get(i).copied())
                            .collect(),
                    )
                })
                .filter(|(_, indices): &(u32, Vec<u16>)| !indices.is_empty())
                .collect();
            if features.is_empty() {
                return Ok(None);
            }
            layout_table(&features, &lookups).map(Some)
        }
    }

    /// Add `GSUB`, `GPOS`, `vhea`, `vmtx` and `VORG` to the subset `font`, whose glyph `i` is
    /// the source's `glyph_ids[i]` (glyphs past the end, composite components appended by the
    /// TrueType subsetter, get default vertical metrics).
    pub(super) fn add_tables(
        provider: &impl FontTableProvider,
        font: Vec<u8>,
        glyph_ids: &[u16],
        extras: &Extras,
    ) -> Result<Vec<u8>, String> {
        let mut tables = read_sfnt(&font)?;
        let num_glyphs = tables
            .get(&tag::MAXP)
            .filter(|m| m.len() >= 6)
            .map(|m| be16(m, 4))
            .ok_or("subset has no maxp")?;
        let new_id: BTreeMap<u16, u16> = glyph_ids
            .iter()
            .enumerate()
            .filter_map(|(i, &old)| Some((old, u16::try_from(i).ok()?)))
            .collect();
        let old_id = |new: u16| glyph_ids.get(usize::from(new)).copied();
        let mut added = false;

        for (table_tag, layout) in [(tag::GSUB, &extras.gsub), (tag::GPOS, &extras.gpos)] {
            if let Some(table) = layout.write(&new_id)? {
                tables.insert(table_tag, table);
                added = true;
            }
        }

        // vhea + vmtx.
        let vhea = provider.table_data(tag::VHEA).ok().flatten();
        let vmtx = provider.table_data(tag::VMTX).ok().flatten();
        let source_glyphs = provider
            .table_data(tag::MAXP)
            .ok()
            .flatten()
            .filter(|m| m.len() >= 6)
            .map(|m| usize::from(be16(&m, 4)))
            .ok_or("source has no maxp")?;
        if let (Some(vhea), Some(vmtx)) = (vhea, vmtx) {
            let long = if vhea.len() >= 36 {
                usize::from(be16(&vhea, 34))
            } else {
                0
            };
            let needed = long * 4 + source_glyphs.saturating_sub(long) * 2;
            if long > 0 && vmtx.len() >= needed {
                let last_advance = be16(&vmtx, (long - 1) * 4);
                let metric = |old: usize| -> (u16, u16) {
                    if old < long {
                        (be16(&vmtx, old * 4), be16(&vmtx, old * 4 + 2))
                    } else if old < source_glyphs {
                        (last_advance, be16(&vmtx, long * 4 + (old - long) * 2))
                    } else {
                        (last_advance, 0)
                    }
                };
                let mut new_vmtx = Vec::with_capacity(usize::from(num_glyphs) * 4);
                for new in 0..num_glyphs {
                    let (advance, tsb) =
                        old_id(new).map_or((last_advance, 0), |old| metric(usize::from(old)));
                    new_vmtx.extend_from_slice(&advance.to_be_bytes());
                    new_vmtx.extend_from_slice(&tsb.to_be_bytes());
                }
                let mut new_vhea = vhea[..36].to_vec();
                new_vhea[34..36].copy_from_slice(&num_glyphs.to_be_bytes());
                tables.insert(tag::VHEA, new_vhea);
                tables.insert(tag::VMTX, new_vmtx);
                added = true;
            }
        }

        // VORG (CFF fonts only).
        if tables.contains_key(&tag::CFF)
            && let Some(vorg) = provider.table_data(tag::VORG).ok().flatten()
            && vorg.len() >= 8
            && be16(&vorg, 0) == 1
        {
            let default_y = be16(&vorg, 4);
            let count = usize::from(be16(&vorg, 6));
            let mut entries = Vec::new();
            for at in (0..count)
                .map(|i| 8 + i * 4)
                .take_while(|at| at + 4 <= vorg.len())
            {
                if let Some(&new) = new_id.get(&be16(&vorg, at)) {
                    entries.push((new, be16(&vorg, at + 2)));
                }
            }
            entries.sort_unstable();
            let mut out = Vec::with_capacity(8 + entries.len() * 4);
            for v in [1, 0, default_y, u16::try_from(entries.len()).unwrap_or(0)] {
                out.extend_from_slice(&v.to_be_bytes());
            }
            for (g, y) in entries {
                out.extend_from_slice(&g.to_be_bytes());
                out.extend_from_slice(&y.to_be_bytes());
            }
            tables.insert(tag::VORG, out);
            added = true;
        }

        if !added {
            return Ok(font);
        }
        let sfnt_version = u32::from_be_bytes([font[0], font[1], font[2], font[3]]);
        write_sfnt(sfnt_version, tables)
    }

    fn be16(data: &[u8], at: usize) -> u16 {
        u16::from_be_bytes([data[at], data[at + 1]])
    }

    fn put(out: &mut Vec<u8>, values: &[u16]) {
        for v in values {
            out.extend_from_slice(&v.to_be_bytes());
        }
    }

    /// Coverage format 1 (sorted glyph list).
    fn coverage(out: &mut Vec<u8>, glyphs: impl ExactSizeIterator<Item = u16>) {
        put(out, &[1, glyphs.len() as u16]);
        for g in glyphs {
            put(out, &[g]);
        }
    }

    /// SingleSubstFormat2; `pairs` sorted by their first glyph (at most a few thousand).
    fn single_subst(pairs: &[(u16, u16)]) -> Vec<u8> {
        let n = pairs.len() as u16;
        let mut t = Vec::new();
        put(&mut t, &[2, 6 + 2 * n, n]);
        for &(_, alt) in pairs {
            put(&mut t, &[alt]);
        }
        coverage(&mut t, pairs.iter().map(|p| p.0));
        t
    }

    /// SinglePosFormat2 with all four placement/advance fields (value format 0x000F).
    fn single_pos(values: &[(u16, Adjust)]) -> Vec<u8> {
        let n = values.len() as u16;
        let mut t = Vec::new();
        put(&mut t, &[2, 8 + 8 * n, 0x000F, n]);
        for (_, v) in values {
            put(&mut t, &v.map(|x| x as u16));
        }
        coverage(&mut t, values.iter().map(|v| v.0));
        t
    }

    /// LigatureSubstFormat1; `sets` sorted by first glyph, each set in order of preference.
    fn ligature_subst(sets: &[LigSet]) -> Vec<u8> {
        let n = sets.len() as u16;
        let mut body = Vec::new(); // the ligature sets, after the header and offsets
        let mut set_offsets = Vec::new();
        let header = 6 + 2 * n;
        for (_, ligs) in sets {
            set_offsets.push(header + body.len() as u16);
            let m = ligs.len() as u16;
            let mut lig_offset = 2 + 2 * m;
            put(&mut body, &[m]);
            for (comps, _) in ligs {
                put(&mut body, &[lig_offset]);
                lig_offset += 4 + 2 * comps.len() as u16;
            }
            for (comps, lig) in ligs {
                put(&mut body, &[*lig, comps.len() as u16 + 1]);
                put(&mut body, comps);
            }
        }
        let mut t = Vec::new();
        put(&mut t, &[1, header + body.len() as u16, n]);
        put(&mut t, &set_offsets);
        t.extend_from_slice(&body);
        coverage(&mut t, sets.iter().map(|s| s.0));
        t
    }

    /// A GSUB/GPOS 1.0 table: script `DFLT` whose default language system has every feature;
    /// `features` (sorted by tag) name indices into `lookups` ((type, one subtable), flag 0).
    fn layout_table(
        features: &[(u32, Vec<u16>)],
        lookups: &[(u16, Vec<u8>)],
    ) -> Result<Vec<u8>, String> {
        let too_large = |_| "layout table too large".to_string();
        let n = u16::try_from(features.len()).map_err(too_large)?;
        let mut feature_part = Vec::new(); // FeatureList
        put(&mut feature_part, &[n]);
        let mut offset = 2 + 6 * usize::from(n);
        for (tag, indices) in features {
            feature_part.extend_from_slice(&tag.to_be_bytes());
            put(
                &mut feature_part,
                &[u16::try_from(offset).map_err(too_large)?],
            );
            offset += 4 + 2 * indices.len();
        }
        for (_, indices) in features {
            put(&mut feature_part, &[0, indices.len() as u16]);
            put(&mut feature_part, indices);
        }
        let mut lookup_part = Vec::new(); // LookupList
        put(&mut lookup_part, &[lookups.len() as u16]);
        let mut offset = 2 + 2 * lookups.len();
        for (_, sub) in lookups {
            put(
                &mut lookup_part,
                &[u16::try_from(offset).map_err(too_large)?],
            );
            offset += 8 + sub.len();
        }
        for (lookup_type, sub) in lookups {
            put(&mut lookup_part, &[*lookup_type, 0, 1, 8]);
            lookup_part.extend_from_slice(sub);
        }
        let script_list = 10u16;
        let feature_list = script_list + 18 + 2 * n;
        let lookup_list = usize::from(feature_list) + feature_part.len();
        let mut t = Vec::new();
        put(
            &mut t,
            &[
                1,
                0,
                script_list,
                feature_list,
                u16::try_from(lookup_list).map_err(too_large)?,
            ],
        );
        // ScriptList → Script 'DFLT' (defaultLangSys at +4, no others) → LangSys (all features).
        put(&mut t, &[1, 0x4446, 0x4C54, 8, 4, 0, 0, 0xFFFF, n]);
        put(&mut t, &(0..n).collect::<Vec<_>>());
        t.extend_from_slice(&feature_part);
        t.extend_from_slice(&lookup_part);
        Ok(t)
    }

    fn read_sfnt(font: &[u8]) -> Result<BTreeMap<u32, Vec<u8>>, String> {
        let bad = || "subset is not a well-formed sfnt".to_string();
        let count = usize::from(be16(font.get(..12).ok_or_else(bad)?, 4));
        let mut tables = BTreeMap::new();
        for i in 0..count {
            let rec = font.get(12 + i * 16..12 + i * 16 + 16).ok_or_else(bad)?;
            let word =
                |at: usize| u32::from_be_bytes([rec[at], rec[at + 1], rec[at + 2], rec[at + 3]]);
            let (tag, offset, length) = (word(0), word(8) as usize, word(12) as usize);
            let data = font.get(offset..offset + length).ok_or_else(bad)?;
            tables.insert(tag, data.to_vec());
        }
        Ok(tables)
    }

    fn checksum(data: &[u8]) -> u32 {
        data.chunks(4).fold(0u32, |sum, c| {
            let mut word = [0u8; 4];
            word[..c.len()].copy_from_slice(c);
            sum.wrapping_add(u32::from_be_bytes(word))
        })
    }

    /// Assemble an sfnt: tables in tag order, 4-byte aligned, checksums and
    /// `head.checkSumAdjustment` computed afresh.
    pub(super) fn write_sfnt(
        sfnt_version: u32,
        mut tables: BTreeMap<u32, Vec<u8>>,
    ) -> Result<Vec<u8>, String> {
        let head = tables.get_mut(&tag::HEAD).ok_or("subset has no head")?;
        if head.len() < 12 {
            return Err("subset head is too short".to_string());
        }
        head[8..12].fill(0);
        let count = u16::try_from(tables.len()).map_err(|_| "too many tables")?;
        let power = 15 - (count.leading_zeros() as u16).min(15);
        let search_range = (1u16 << power) * 16;
        let mut out = Vec::new();
        out.extend_from_slice(&sfnt_version.to_be_bytes());
        put(
            &mut out,
            &[count, search_range, power, count * 16 - search_range],
        );
        let mut offset = 12 + 16 * tables.len();
        let mut head_at = 0;
        for (&tag, data) in &tables {
            if tag == tag::HEAD {
                head_at = offset;
            }
            let too_large = |_| "font too large";
            out.extend_from_slice(&tag.to_be_bytes());
            out.extend_from_slice(&checksum(data).to_be_bytes());
            out.extend_from_slice(&u32::try_from(offset).map_err(too_large)?.to_be_bytes());
            out.extend_from_slice(&u32::try_from(data.len()).map_err(too_large)?.to_be_bytes());
            offset += data.len().next_multiple_of(4);
        }
        for data in tables.values() {
            out.extend_from_slice(data);
            out.resize(out.len().next_multiple_of(4), 0);
        }
        let adjustment = 0xB1B0_AFBAu32.wrapping_sub(checksum(&out));
        out[head_at + 8..head_at + 12].copy_from_slice(&adjustment.to_be_bytes());
        Ok(out)
    }
}

// ---------------------------------------------------------------------------------------------
// The font of a book (the assets stage)

/// What was embedded, for the build report.
#[derive(Debug, Clone, PartialEq)]
pub struct FontReport {
    pub face: String,
    pub bytes: usize,
    pub glyphs: usize,
    pub missing: Vec<char>,
}

/// A font embedded in a book: its files, the CSS that uses it, and the report.
#[derive(Debug, Clone, PartialEq)]
pub struct BookFont {
    /// Href (inside the package folder), media type and bytes: the subset, then its licence.
    pub files: Vec<(String, &'static str, Vec<u8>)>,
    /// `@font-face` and the body font stack, for the book's stylesheet.
    pub css: String,
    pub report: FontReport,
}

/// The font part of the assets stage: the font given on the command line, else the book's
/// `[build] font` (read through `files`, an error pointed at its name in `config_file`), subset
/// to `chars`, every character of the book ([`book_chars`]). None when no font is asked for.
pub fn for_book(
    given: Option<&FontFile>,
    configured: Option<&str>,
    config_file: Option<&SourceFile>,
    files: &dyn Files,
    lang: &str,
    chars: &BTreeSet<char>,
    warnings: &mut Vec<Diagnostic>,
) -> Result<Option<BookFont>, Diagnostic> {
    let read;
    let f = match (given, configured) {
        (Some(f), _) => f,
        (None, Some(path)) => {
            read = FontFile {
                name: path.rsplit('/').next().unwrap_or(path).to_string(),
                data: files
                    .read(path)
                    .map_err(|e| files::read_error(files, path, &e).at_quoted(config_file, path))?
                    .into(),
            };
            &read
        }
        (None, None) => return Ok(None),
    };
    let embedded = embed(&FontRequest {
        data: &f.data,
        name: &f.name,
        lang,
        chars,
    })
    .map_err(|e| {
        Diagnostic::error(e.to_string()).with_hint(
            "give a CJK font, e.g. --font /usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
        )
    })?;
    if !embedded.missing.is_empty() {
        let shown: String = embedded.missing.iter().take(20).collect();
        warnings.push(Diagnostic::warning(format!(
            "the font {} has no glyph for {} character{} the book uses: {shown}{}",
            f.name,
            embedded.missing.len(),
            if embedded.missing.len() == 1 { "" } else { "s" },
            if embedded.missing.len() > 20 {
                "…"
            } else {
                ""
            }
        )));
    }
    let file = format!("fonts/{}.{}", font_stem(&embedded.face), embedded.ext);
    let css = font_css(&embedded.family, &format!("../{file}"));
    let report = FontReport {
        face: embedded.face.clone(),
        bytes: embedded.data.len(),
        glyphs: embedded.glyphs,
        missing: embedded.missing.clone(),
    };
    let media_type = if embedded.ext == "otf" {
        "font/otf"
    } else {
        "font/ttf"
    };
    let mut out = vec![(file.clone(), media_type, embedded.data)];
    if let Some(license) = embedded.license {
        out.push((
            format!("{file}.LICENSE.txt"),
            "text/plain",
            license.into_bytes(),
        ));
    }
    Ok(Some(BookFont {
        files: out,
        css,
        report,
    }))
}

/// Every character the reader will see: text, titles, metadata, generated labels, ASCII.
pub fn book_chars(book: &Book) -> BTreeSet<char> {
    let mut set = BTreeSet::new();
    for c in &book.chapters {
        chapter_chars(c, &mut set);
    }
    with_book_chars(set, &book.meta)
}

/// The characters of a chapter: its title and its text (part of [`book_chars`]).
pub fn chapter_chars(c: &Chapter, set: &mut BTreeSet<char>) {
    set.extend(c.title.chars());
    for s in &c.events {
        match &s.ev {
            Ev::Html { html, .. } => set.extend(html.chars()),
            Ev::TaskMarker(done) => {
                set.insert(if *done { '☑' } else { '☐' });
            }
            ev => ev.each_text(|t| set.extend(t.chars())),
        }
    }
}

/// The characters of the chapters (`chapters`, from [`chapter_chars`]) and those every book
/// shows: ASCII, the navigation's labels, the title lines of the metadata.
pub fn with_book_chars(chapters: BTreeSet<char>, m: &Metadata) -> BTreeSet<char> {
    let mut set = chapters;
    set.extend(' '..='~');
    set.extend(crate::render::GENERATED_TEXT.chars());
    for t in [Some(&m.title), m.subtitle.as_ref(), m.kicker.as_ref()]
        .into_iter()
        .flatten()
    {
        set.extend(t.chars());
    }
    set.retain(|c| !c.is_control());
    set
}

/// A file name for the embedded face: ASCII letters and digits.
fn font_stem(face: &str) -> String {
    let s: String = face
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let s = s.trim_matches('-').to_string();
    if s.is_empty() { "font".into() } else { s }
}

/// `@font-face` for the embedded font, put first in the body font stack.
fn font_css(family: &str, url: &str) -> String {
    let family = family.replace(['"', '\\'], "");
    format!(
        "\n/* embedded font (subset) */\n@font-face {{ font-family: \"{family}\"; src: url(\"{url}\"); font-weight: normal; font-style: normal; }}\nbody {{ font-family: \"{family}\", \"Songti TC\", \"Noto Serif CJK TC\", \"Noto Serif TC\", \"Source Han Serif TC\", PMingLiU, serif; }}\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOTO_SERIF: &str = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc";
    const DEJAVU: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
    const SAMPLE: &str =
        "《論語》學而第一：「學而時習之，不亦說乎？」有朋自遠方來，不亦樂乎。Hello 2024!";

    /// The font's bytes, or None (with a note) when the system font is not installed.
    fn load(path: &str) -> Option<Vec<u8>> {
        match std::fs::read(path) {
            Ok(data) => Some(data),
            Err(e) => {
                eprintln!("note: skipping, {path} not available ({e})");
                None
            }
        }
    }

    fn chars(s: &str) -> BTreeSet<char> {
        s.chars().collect()
    }

    fn embed_with(
        data: &[u8],
        name: &str,
        lang: &str,
        chars: &BTreeSet<char>,
    ) -> Result<EmbeddedFont, FontError> {
        embed(&FontRequest {
            data,
            name,
            lang,
            chars,
        })
    }

    /// (family name ID 16 or 1, full name) of a single-face font.
    fn names_of(font: &[u8]) -> (String, String) {
        let fd = ReadScope::new(font).read::<FontData<'_>>().unwrap();
        let names = Names::read(&fd.table_provider(0).unwrap()).unwrap();
        (names.family, names.full)
    }

    fn table(font: &[u8], tag: u32) -> Option<Vec<u8>> {
        let fd = ReadScope::new(font).read::<FontData<'_>>().unwrap();
        let p = fd.table_provider(0).unwrap();
        p.table_data(tag).unwrap().map(|c| c.into_owned())
    }

    fn cmap_lookup(font: &[u8], c: char) -> Option<u16> {
        let cmap_data = table(font, tag::CMAP).unwrap();
        let cmap = ReadScope::new(&cmap_data).read::<Cmap<'_>>().unwrap();
        let (_, sub) = read_cmap_subtable(&cmap).unwrap().unwrap();
        glyph_of(&sub, c)
    }

    #[test]
    fn language_tags() {
        assert_eq!(Script::of(""), Script::Hant);
        assert_eq!(Script::of("zh-Hant"), Script::Hant);
        assert_eq!(Script::of("zh"), Script::Hant);
        assert_eq!(Script::of("zh-TW"), Script::Hant);
        assert_eq!(Script::of("zh-HK"), Script::HantHk);
        assert_eq!(Script::of("zh-Hant-HK"), Script::HantHk);
        assert_eq!(Script::of("yue"), Script::HantHk);
        assert_eq!(Script::of("zh-Hans"), Script::Hans);
        assert_eq!(Script::of("zh_CN"), Script::Hans);
        assert_eq!(Script::of("zh-Hans-HK"), Script::Hans);
        assert_eq!(Script::of("ja-JP"), Script::Japanese);
        assert_eq!(Script::of("ko"), Script::Korean);
        assert_eq!(Script::of("en"), Script::Other);
    }

    #[test]
    fn ttc_face_follows_language() {
        let Some(data) = load(NOTO_SERIF) else { return };
        let set = chars(SAMPLE);
        for (lang, face) in [
            ("zh-Hant", "Noto Serif CJK TC"),
            ("zh-TW", "Noto Serif CJK TC"),
            ("zh-HK", "Noto Serif CJK HK"),
            ("zh-Hans", "Noto Serif CJK SC"),
            ("ja", "Noto Serif CJK JP"),
            ("ko", "Noto Serif CJK KR"),
            ("en", "Noto Serif CJK JP"), // no preference: the first face
        ] {
            let font = embed_with(&data, "NotoSerifCJK-Regular.ttc", lang, &set).unwrap();
            assert_eq!(font.face, face, "{lang}");
            assert_eq!(font.family, face, "{lang}");
            // The subset's own name table says the same.
            assert_eq!(
                names_of(&font.data),
                (face.to_string(), face.to_string()),
                "{lang}"
            );
        }
    }

    #[test]
    fn noto_subset_is_valid_and_small() {
        let Some(data) = load(NOTO_SERIF) else { return };
        let set = chars(SAMPLE);
        let font = embed_with(&data, "NotoSerifCJK-Regular.ttc", "zh-Hant", &set).unwrap();
        assert_eq!(font.ext, "otf");
        assert!(font.data.starts_with(b"OTTO"));
        assert!(font.missing.is_empty(), "{:?}", font.missing);
        // Every requested character maps to a glyph; an unrequested ideograph does not.
        for c in set {
            assert!(
                cmap_lookup(&font.data, c).is_some(),
                "U+{:04X} lost",
                c as u32
            );
        }
        assert!(cmap_lookup(&font.data, '龍').is_none());
        // .notdef + the text's glyphs + ALWAYS_INCLUDED + vertical alternates: tens, not thousands.
        assert!(font.glyphs > 40 && font.glyphs < 150, "{}", font.glyphs);
        assert!(font.data.len() < 100_000, "{}", font.data.len());
        let license = font.license.as_deref().unwrap();
        assert!(license.contains("SIL Open Font License"), "{license}");
        assert!(license.contains("scripts.sil.org/OFL"), "{license}");
        assert!(license.contains("Adobe"), "{license}");
    }

    #[test]
    fn article_subset_is_under_a_megabyte() {
        let Some(data) = load(NOTO_SERIF) else { return };
        let local = concat!(env!("CARGO_MANIFEST_DIR"), "/book/article.md");
        let Some(text) = [local, "/work/main/book/article.md"]
            .iter()
            .find_map(|p| std::fs::read_to_string(p).ok())
        else {
            eprintln!("note: skipping, book/article.md not available");
            return;
        };
        let set = chars(&text);
        let font = embed_with(&data, "NotoSerifCJK-Regular.ttc", "zh-Hant", &set).unwrap();
        assert_eq!(font.face, "Noto Serif CJK TC");
        assert!(font.missing.is_empty(), "{:?}", font.missing);
        assert!(font.data.len() < 1_000_000, "{} bytes", font.data.len());
        for &c in set.iter().filter(|c| !c.is_control()) {
            assert!(
                cmap_lookup(&font.data, c).is_some(),
                "U+{:04X} lost",
                c as u32
            );
        }
    }

    #[test]
    fn no_cjk_messages() {
        let err = FontError::NoCjk {
            name: "X.ttf".into(),
            have: 3,
            need: 10,
        };
        assert_eq!(
            err.to_string(),
            "X.ttf has too few glyphs for Chinese text (3 of 10 Han characters used by the \
             book); choose a CJK font such as Noto Serif CJK TC"
        );
    }

    #[test]
    fn deterministic() {
        let Some(data) = load(NOTO_SERIF) else { return };
        let set = chars(SAMPLE);
        let a = embed_with(&data, "NotoSerifCJK-Regular.ttc", "zh-Hant", &set).unwrap();
        let b = embed_with(&data, "NotoSerifCJK-Regular.ttc", "zh-Hant", &set).unwrap();
        assert_eq!(a, b);
        // head.modified is the source face's, not the time of the run.
        let head_src = {
            let fd = ReadScope::new(&data).read::<FontData<'_>>().unwrap();
            fd.table_provider(3)
                .unwrap()
                .table_data(tag::HEAD)
                .unwrap()
                .unwrap()
                .into_owned()
        };
        let head_out = table(&a.data, tag::HEAD).unwrap();
        assert_eq!(head_src[28..36], head_out[28..36]);
    }

    /// The lookups of `feature` in the DFLT script of a subset's `GSUB`/`GPOS`.
    fn lookups_of<T: allsorts::layout::LayoutTableType>(
        font: &[u8],
        table_tag: u32,
        feature: &[u8; 4],
        f: impl FnOnce(&allsorts::layout::LayoutCache<T>, Vec<u16>),
    ) {
        let data = table(font, table_tag).expect("layout table");
        let layout = ReadScope::new(&data)
            .read::<allsorts::layout::LayoutTable<T>>()
            .unwrap();
        let cache = allsorts::layout::new_layout_cache(layout);
        let indices = extras::feature_lookups(&cache.layout_table, &[feature])
            .remove(&u32::from_be_bytes(*feature))
            .unwrap_or_default();
        f(&cache, indices);
    }

    #[test]
    fn layout_and_vertical_tables_kept() {
        use allsorts::layout::{GPOS, GSUB, PosLookup, SubstLookup};
        let Some(data) = load(NOTO_SERIF) else { return };
        // In the TC face ，。 are centred and have no vertical form; brackets do. —— is one
        // long dash (ccmp ligature).
        let set = chars("，。「」（）——’");
        let font = embed_with(&data, "NotoSerifCJK-Regular.ttc", "zh-Hant", &set).unwrap();
        let vmtx = table(&font.data, tag::VMTX).expect("vmtx");
        let vhea = table(&font.data, tag::VHEA).expect("vhea");
        assert!(table(&font.data, tag::VORG).is_some());
        assert_eq!(vmtx.len(), font.glyphs * 4);
        assert_eq!(
            usize::from(u16::from_be_bytes([vhea[34], vhea[35]])),
            font.glyphs
        );

        // the glyph a single substitution of `feature` makes of `c`'s
        let substitute = |feature: &[u8; 4], c: char| {
            let glyph = cmap_lookup(&font.data, c).unwrap();
            let mut out = None;
            lookups_of::<GSUB>(&font.data, tag::GSUB, feature, |cache, indices| {
                assert!(!indices.is_empty());
                let list = cache.layout_table.opt_lookup_list.as_ref().unwrap();
                for i in indices {
                    let item = list.lookup_cache_gsub(cache, usize::from(i)).unwrap();
                    if let SubstLookup::SingleSubst(subs) = &item.lookup_subtables {
                        out =
                            out.or_else(|| subs.iter().find_map(|s| s.apply_glyph(glyph).unwrap()));
                    }
                }
            });
            out.filter(|&g| g != glyph && usize::from(g) < font.glyphs)
        };
        assert!(
            substitute(b"vert", '「').is_some(),
            "「 has a vertical form"
        );
        // pwid: the proportional ’ that `.apos` asks for (the default one is full-width)
        assert!(
            substitute(b"pwid", '’').is_some(),
            "’ has a proportional form"
        );

        let dash = cmap_lookup(&font.data, '—').unwrap();
        let mut long_dash = None;
        lookups_of::<GSUB>(&font.data, tag::GSUB, b"ccmp", |cache, indices| {
            let list = cache.layout_table.opt_lookup_list.as_ref().unwrap();
            for i in indices {
                let item = list.lookup_cache_gsub(cache, usize::from(i)).unwrap();
                if let SubstLookup::LigatureSubst(subs) = &item.lookup_subtables {
                    for set in subs.iter().filter_map(|s| s.apply_glyph(dash).unwrap()) {
                        for lig in &set.ligatures {
                            if lig.component_glyphs == [dash] {
                                long_dash = Some(lig.ligature_glyph);
                            }
                        }
                    }
                }
            }
        });
        assert!(
            long_dash.is_some_and(|g| usize::from(g) < font.glyphs),
            "—— ligature kept"
        );

        // halt halves the closing bracket.
        let closing = cmap_lookup(&font.data, '」').unwrap();
        let mut halt = None;
        lookups_of::<GPOS>(&font.data, tag::GPOS, b"halt", |cache, indices| {
            let list = cache.layout_table.opt_lookup_list.as_ref().unwrap();
            for i in indices {
                let item = list.lookup_cache_gpos(cache, usize::from(i)).unwrap();
                if let PosLookup::SinglePos(subs) = &item.lookup_subtables {
                    halt = halt.or_else(|| subs.iter().find_map(|s| s.apply(closing).unwrap()));
                }
            }
        });
        assert_eq!(halt.map(|a| a.x_advance), Some(-500));
    }

    #[test]
    fn latin_font_refused_for_chinese() {
        let Some(data) = load(DEJAVU) else { return };
        let set = chars(SAMPLE);
        let err = embed_with(&data, "DejaVuSans.ttf", "zh-Hant", &set).unwrap_err();
        assert!(
            matches!(
                err,
                FontError::NoCjk {
                    have: 0,
                    need: 20,
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "DejaVuSans.ttf has no glyphs for Chinese text (0 of 20 Han characters used by the \
             book); choose a CJK font such as Noto Serif CJK TC"
        );
    }

    #[test]
    fn latin_font_for_latin_text() {
        let Some(data) = load(DEJAVU) else { return };
        let set = chars("Hello, world!\n\u{200B}中");
        let font = embed_with(&data, "DejaVuSans.ttf", "en", &set).unwrap();
        assert_eq!(font.ext, "ttf");
        assert!(font.data.starts_with(&[0, 1, 0, 0]));
        assert_eq!(font.face, "DejaVu Sans");
        assert_eq!(font.license, None); // Bitstream Vera licence, not OFL
        assert_eq!(font.missing, vec!['中']); // newline and ZWSP are not "missing"
        for c in "Helo,wrd! 0123456789".chars() {
            assert!(cmap_lookup(&font.data, c).is_some(), "{c:?}");
        }
        assert!(
            table(&font.data, tag::FPGM).is_some(),
            "TrueType hinting programs kept"
        );
    }

    #[test]
    fn garbage_is_a_parse_error() {
        let set = chars("中文");
        let err =
            embed_with(b"this is not a font at all", "notes.txt", "zh-Hant", &set).unwrap_err();
        assert!(
            matches!(&err, FontError::Parse { name, .. } if name == "notes.txt"),
            "{err:?}"
        );
        assert!(
            err.to_string()
                .starts_with("notes.txt is not a usable font: "),
            "{err}"
        );
        let err = embed_with(b"", "empty.ttf", "zh-Hant", &set).unwrap_err();
        assert!(matches!(err, FontError::Parse { .. }), "{err:?}");
        // A truncated real font.
        if let Some(data) = load(DEJAVU) {
            let err = embed_with(&data[..2000], "cut.ttf", "en", &set).unwrap_err();
            assert!(
                matches!(err, FontError::Parse { .. } | FontError::Subset { .. }),
                "{err:?}"
            );
        }
    }

    /// A copy of DejaVu Sans whose copyright declares a Reserved Font Name under the OFL.
    fn font_with_rfn(data: &[u8]) -> Vec<u8> {
        let fd = ReadScope::new(data).read::<FontData<'_>>().unwrap();
        let p = fd.table_provider(0).unwrap();
        let mut tables = BTreeMap::new();
        for t in p.table_tags().unwrap() {
            tables.insert(t, p.table_data(t).unwrap().unwrap().into_owned());
        }
        let mut records: Vec<(u16, String)> = vec![
            (
                0,
                "Copyright 2024 Example, with Reserved Font Name \"DejaVu\".".into(),
            ),
            (1, "DejaVu Sans".into()),
            (2, "Book".into()),
            (3, "DejaVu Sans".into()),
            (4, "DejaVu Sans".into()),
            (6, "DejaVuSans".into()),
            (
                13,
                "This Font Software is licensed under the SIL Open Font License, Version 1.1."
                    .into(),
            ),
            (14, "https://openfontlicense.org".into()),
        ];
        records.sort();
        let mut name = Vec::new();
        let mut storage = Vec::new();
        for v in [0u16, records.len() as u16, 6 + 12 * records.len() as u16] {
            name.extend_from_slice(&v.to_be_bytes());
        }
        for (id, s) in &records {
            let bytes: Vec<u8> = s.encode_utf16().flat_map(u16::to_be_bytes).collect();
            for v in [
                3u16,
                1,
                0x409,
                *id,
                bytes.len() as u16,
                storage.len() as u16,
            ] {
                name.extend_from_slice(&v.to_be_bytes());
            }
            storage.extend_from_slice(&bytes);
        }
        name.extend_from_slice(&storage);
        tables.insert(tag::NAME, name);
        extras::write_sfnt(0x0001_0000, tables).unwrap()
    }

    #[test]
    fn reserved_font_name_is_renamed() {
        let Some(data) = load(DEJAVU) else { return };
        let data = font_with_rfn(&data);
        let font = embed_with(&data, "Fake.ttf", "en", &chars("Hello")).unwrap();
        let expected = renamed_family("DejaVu Sans");
        assert_eq!(font.family, expected);
        assert!(!font.family.contains("DejaVu"));
        assert_eq!(font.face, "DejaVu Sans");
        let (family, full) = names_of(&font.data);
        assert_eq!(family, expected);
        assert_eq!(full, format!("{expected} Book"));
        // No family, full, unique or PostScript name in the subset keeps the reserved name.
        let name_data = table(&font.data, tag::NAME).unwrap();
        let name = ReadScope::new(&name_data).read::<NameTable<'_>>().unwrap();
        for id in [1, 3, 4, 6, 16, 21] {
            if let Some(s) = name.string_for_id(id) {
                assert!(!s.contains("DejaVu"), "name ID {id}: {s}");
            }
        }
        assert_eq!(
            name.string_for_id(6).unwrap(),
            format!("{}-Book", expected.replace(' ', ""))
        );
        let license = font.license.unwrap();
        assert!(
            license.contains("Reserved Font Name") && license.contains(&expected),
            "{license}"
        );
    }
}
