//! What the typesetter and the stylesheets do to real books: punctuation, soft breaks,
//! vertical layout, embedded fonts.

mod common;

use common::*;

fn build(
    cwd: &std::path::Path,
    book: &str,
    extra: &[&str],
) -> std::collections::BTreeMap<String, String> {
    let out_path = cwd.join("out.epub");
    let mut args = vec!["build", book, "-o", out_path.to_str().unwrap(), "-q"];
    args.extend_from_slice(extra);
    let out = hanpub(cwd, &args, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    unzip_map(&std::fs::read(out_path).unwrap())
}

fn is_han(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{3134F}')
}

/// The visible text of every chapter (markup stripped).
fn texts(files: &std::collections::BTreeMap<String, String>) -> Vec<(String, String)> {
    files
        .iter()
        .filter(|(k, _)| k.starts_with("EPUB/text/"))
        .map(|(k, v)| {
            let doc = parse_xml(v);
            let body = doc.descendants().find(|n| n.has_tag_name("body")).unwrap();
            let text: String = body
                .descendants()
                .filter(|n| n.is_text())
                .map(|n| n.text().unwrap())
                .collect();
            (k.clone(), text)
        })
        .collect()
}

#[test]
fn shipped_book_has_no_latin_punctuation_between_chinese_characters() {
    let dir = tempfile::tempdir().unwrap();
    let files = build(dir.path(), root().join("book").to_str().unwrap(), &[]);
    let mut all = String::new();
    for (name, text) in texts(&files) {
        let chars: Vec<char> = text.chars().collect();
        for (i, &c) in chars.iter().enumerate() {
            if matches!(c, ',' | ':' | '?' | ';' | '!' | '(' | ')') {
                let before = i.checked_sub(1).map(|j| chars[j]);
                let after = chars.get(i + 1).copied();
                assert!(
                    !before.is_some_and(is_han) && !after.is_some_and(is_han),
                    "{name}: ASCII {c:?} next to Chinese in …{}…",
                    chars[i.saturating_sub(8)..(i + 8).min(chars.len())]
                        .iter()
                        .collect::<String>()
                );
            }
        }
        all.push_str(&text);
    }
    for kept in ["post-training", "tuixue.online", "GPT-4o"] {
        assert!(all.contains(kept), "{kept} was changed");
    }
    assert_eq!(all.matches('，').count(), 92);
    assert!(all.contains("翁家翌：OpenAI"));
    assert!(all.contains("來源：WhynotTV Podcast"));
    // the title in the package and the nav are typeset too
    assert!(files["EPUB/content.opf"].contains("<dc:title id=\"title\">翁家翌：OpenAI"));
    assert!(files["EPUB/nav.xhtml"].contains(">清華：打破資訊差</a>"));
}

#[test]
fn no_punctuation_flag_keeps_the_source() {
    let dir = tempfile::tempdir().unwrap();
    let files = build(
        dir.path(),
        root().join("book").to_str().unwrap(),
        &["--no-punctuation"],
    );
    assert!(files["EPUB/text/c000.xhtml"].contains("來源: WhynotTV Podcast"));
}

#[test]
fn soft_wrapped_chinese_paragraph_has_no_spaces_inside() {
    let dir = fixture("ok", "full");
    let files = build(dir.path(), "full", &[]);
    let c000 = &files["EPUB/text/c000.xhtml"];
    // (the word joiner binds the paragraph's last two characters)
    assert!(
        c000.contains("<p>另一段開場文字，跨了兩&#x2060;行。</p>"),
        "{c000}"
    );
    // across inline markup too
    let c001 = &files["EPUB/text/c001.xhtml"];
    assert!(c001.contains("外部網站</a>以及"), "{c001}");
    // a soft break between Latin words stays a space
    let c003 = &files["EPUB/text/c003.xhtml"];
    assert!(
        c003.contains(
            "<p lang=\"en\" xml:lang=\"en\">An English sentence wrapped in the source.</p>"
        ),
        "{c003}"
    );
}

#[test]
fn emphasis_is_dots_and_dashes_do_not_break() {
    let dir = tempfile::tempdir().unwrap();
    let files = build(dir.path(), root().join("book").to_str().unwrap(), &[]);
    // a word joiner before the dashes: they never start a line
    assert!(files["EPUB/text/c000.xhtml"].contains("<span class=\"nobr\">&#x2060;——</span>"));
    let css = &files["EPUB/styles/hanpub.css"];
    for needed in [
        "text-emphasis-style",
        "-webkit-text-emphasis",
        "text-indent: 2em",
        ".nobr",
        "font-style: normal",
    ] {
        assert!(css.contains(needed), "css lacks {needed}");
    }
}

#[test]
fn vertical_layout_sets_short_digit_runs_upright() {
    let dir = fixture("ok", "full");
    let files = build(dir.path(), "full", &["--layout", "vertical"]);
    let c003 = &files["EPUB/text/c003.xhtml"];
    assert!(
        c003.contains("2020&#x2005;年<span class=\"tcy\">10</span>月"),
        "{c003}"
    );
    assert!(c003.contains("<span class=\"tcy\">GPT</span>"), "{c003}");
    assert!(c003.contains("<span class=\"tcy\">AI</span>"), "{c003}");
    let css = &files["EPUB/styles/hanpub.css"];
    for needed in [
        "-epub-writing-mode: vertical-rl",
        "-webkit-writing-mode: vertical-rl",
        "writing-mode: vertical-rl",
        "text-combine-upright: all",
        "-webkit-text-combine: horizontal",
        "-epub-text-combine: horizontal",
    ] {
        assert!(css.contains(needed), "css lacks {needed}");
    }
    assert!(files["EPUB/content.opf"].contains("page-progression-direction=\"rtl\""));
    // horizontal books never get tcy spans
    let h = build(dir.path(), "full", &[]);
    assert!(!h["EPUB/text/c003.xhtml"].contains("tcy"));
}

const NOTO_TTC: &str = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc";

#[test]
fn embedded_noto_subset_is_small_and_covers_every_han_character() {
    let Ok(ttc) = std::fs::metadata(NOTO_TTC) else {
        common::skip(&format!(
            "{NOTO_TTC} not installed (apt-get install fonts-noto-cjk)"
        ));
        return;
    };
    assert!(ttc.len() > 10_000_000);
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("font.epub");
    let out = hanpub(
        dir.path(),
        &[
            "build",
            root().join("book").to_str().unwrap(),
            "--font",
            NOTO_TTC,
            "-o",
            out_path.to_str().unwrap(),
        ],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("embedded font Noto Serif CJK TC: "),
        "{}",
        stderr(&out)
    );
    let bytes = std::fs::read(&out_path).unwrap();
    keep_epub("book-font", &bytes);
    let entries = unzip(&bytes);
    let (_, font) = entries
        .iter()
        .find(|(n, _)| n.starts_with("EPUB/fonts/") && n.ends_with(".otf"))
        .expect("a font");
    assert!(font.len() < 1_000_000, "subset is {} bytes", font.len());
    let files = unzip_map(&bytes);
    let han: std::collections::BTreeSet<char> = texts(&files)
        .iter()
        .flat_map(|(_, t)| t.chars().filter(|&c| is_han(c)).collect::<Vec<_>>())
        .collect();
    assert!(han.len() > 400);
    // the subset, asked again for the book's Han characters, lacks none
    let again = hanpub::font::embed(&hanpub::font::FontRequest {
        data: font,
        name: "subset.otf",
        lang: "zh-Hant",
        chars: &han,
    })
    .unwrap();
    assert_eq!(again.missing, Vec::<char>::new());
    let opf = &files["EPUB/content.opf"];
    assert!(opf.contains("<meta property=\"ibooks:specified-fonts\">true</meta>"));
    assert!(opf.contains("media-type=\"font/otf\""));
    assert!(files.contains_key("META-INF/com.apple.ibooks.display-options.xml"));
    assert!(
        files.keys().any(|k| k.ends_with(".LICENSE.txt")),
        "the OFL text travels with the font"
    );
    assert!(files["EPUB/styles/hanpub.css"].contains("@font-face"));
}

#[test]
fn a_latin_only_font_is_refused_for_a_chinese_book() {
    let dejavu = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
    if !std::path::Path::new(dejavu).exists() {
        common::skip(&format!(
            "{dejavu} not installed (apt-get install fonts-dejavu-core)"
        ));
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = hanpub(
        dir.path(),
        &[
            "build",
            root().join("book").to_str().unwrap(),
            "--font",
            dejavu,
            "-o",
            "x.epub",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with("error: DejaVuSans.ttf has no glyphs for Chinese text (0 of "),
        "{}",
        stderr(&out)
    );
    assert!(!dir.path().join("x.epub").exists());
}

/// Every character a reader sees — the text of every document, the navigation's labels
/// (封面 of the cover landmark, 目錄, 正文), ruby fallbacks, the stylesheet's generated
/// content (＊　＊　＊) — is in the embedded subset font.
#[test]
fn embedded_font_covers_every_character_hanpub_writes() {
    if std::fs::metadata(NOTO_TTC).is_err() {
        common::skip(&format!(
            "{NOTO_TTC} not installed (apt-get install fonts-noto-cjk)"
        ));
        return;
    }
    let dir = fixture("ok", "typography");
    let out_path = dir.path().join("font.epub");
    let out = hanpub(
        dir.path(),
        &[
            "build",
            "typography",
            "--font",
            NOTO_TTC,
            "-o",
            out_path.to_str().unwrap(),
        ],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("no glyph"), "{}", stderr(&out));
    let bytes = std::fs::read(&out_path).unwrap();
    keep_epub("typography-font", &bytes);
    let entries = unzip(&bytes);
    let (_, font) = entries
        .iter()
        .find(|(n, _)| n.starts_with("EPUB/fonts/"))
        .expect("a font");
    let files = unzip_map(&bytes);
    let mut shown = std::collections::BTreeSet::new();
    for (name, text) in &files {
        if name.ends_with(".xhtml") {
            let doc = parse_xml(text);
            for n in doc.descendants().filter(|n| n.is_text()) {
                shown.extend(n.text().unwrap().chars());
            }
        }
    }
    // generated content in the stylesheet: content: "\FF0A\3000…"
    let css = &files["EPUB/styles/hanpub.css"];
    for piece in css.split("content: \"").skip(1) {
        let value = &piece[..piece.find('"').unwrap()];
        for esc in value.split('\\').skip(1) {
            let hex: String = esc.chars().take_while(char::is_ascii_hexdigit).collect();
            shown.extend(char::from_u32(u32::from_str_radix(&hex, 16).unwrap()));
        }
    }
    assert!(shown.contains(&'封') && shown.contains(&'＊') && shown.contains(&'（'));
    // what a font has to draw: not spaces, not the invisible word joiner
    shown.retain(|c| !c.is_whitespace() && !c.is_control() && *c != '\u{2060}');
    let again = hanpub::font::embed(&hanpub::font::FontRequest {
        data: font,
        name: "subset.otf",
        lang: "zh-Hant",
        chars: &shown,
    })
    .unwrap();
    assert_eq!(again.missing, Vec::<char>::new());
}

/// The typesetting passes (punctuation, compression, Han–Latin spaces, word joiners, URL
/// spans, tate-chu-yoko) never reach inside code blocks, inline code, raw HTML, link
/// destinations or `$…$` math (its TeX, kept as the MathML's annotation), in either writing
/// mode.
#[test]
fn typesetting_never_touches_code_html_links_or_math() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("m.md"),
        "---\ntitle: 不動\nlang: zh-Hant\n---\n## 一\n\n\
         公式是$甲,乙: (x)$與$f(x)$,見 `「好」。 Python 12` 處。\n\n\
         ```\n他說:「好」。 用 Python 12 ——\n```\n\n\
         <p>原始 HTML 的「好」。 Python 12</p>\n\n\
         見 [連結](https://x.org/「a」,b) 與 <https://x.org/a,b> 處。\n",
    )
    .unwrap();
    for layout in ["horizontal", "vertical"] {
        let files = build(dir.path(), "m.md", &["--no-cover", "--layout", layout]);
        let c = &files["EPUB/text/c001.xhtml"];
        for kept in [
            "alttext=\"甲,乙: (x)\"",
            "<annotation encoding=\"application/x-tex\">甲,乙: (x)</annotation>",
            "<code>「好」。 Python 12</code>",
            "<pre><code>他說:「好」。 用 Python 12 ——\n</code></pre>",
            "<p>原始 HTML 的「好」。 Python 12</p>",
            "href=\"https://x.org/%E3%80%8Ca%E3%80%8D,b\"",
            "<a href=\"https://x.org/a,b\"><span class=\"url\">https://x.org/a,b</span></a>",
        ] {
            assert!(c.contains(kept), "{layout}: {kept} changed in\n{c}");
        }
        // …while the text around them is typeset
        assert!(c.contains("</math>，見"), "{layout}: {c}");
    }
}

/// An English paragraph of a Chinese book is marked `lang="en"`, in a quote too, and so are a
/// list item and a table cell of English; a Chinese paragraph, a short phrase, an item that
/// holds a list and an English book are not.
#[test]
fn english_paragraphs_are_marked() {
    let dir = tempfile::tempdir().unwrap();
    let md = "---\ntitle: 英文段落\nlang: LANG\n---\n\n# 一\n\n規格寫道：\n\n> The goal is to unify fetching across the web platform.\n\n這是 open source 專案。\n\nA short English phrase.\n\n- Making your website cross-origin isolated using COOP and COEP\n- 中文項目\n- Making your website cross-origin isolated using COOP\n  - 中文\n\n[![Build Status](b.png)](https://ci.example.org) and a badge of the licence it has\n\n| A | B |\n|---|---|\n| The quick brown fox jumps over the lazy dog | 狗 |\n";
    std::fs::write(
        dir.path().join("b.png"),
        include_bytes!("fixtures/ok/full/images/dot.png"),
    )
    .unwrap();
    for (lang, marked) in [("zh-Hant", 4), ("en", 0)] {
        std::fs::write(dir.path().join("a.md"), md.replace("LANG", lang)).unwrap();
        let files = build(dir.path(), "a.md", &["--no-cover"]);
        let epub = std::fs::read(dir.path().join("out.epub")).unwrap();
        keep_epub(&format!("english-paragraphs-{lang}"), &epub);
        let text: String = files
            .iter()
            .filter(|(k, _)| k.starts_with("EPUB/text/"))
            .map(|(_, v)| v.as_str())
            .collect();
        assert_eq!(
            text.matches(r#"lang="en" xml:lang="en">"#).count(),
            marked,
            "{text}"
        );
        if marked > 0 {
            assert!(text.contains(
                "<blockquote>\n<p lang=\"en\" xml:lang=\"en\">The goal is to unify fetching"
            ));
            assert!(text.contains("<li lang=\"en\" xml:lang=\"en\">Making your website"));
            assert!(text.contains("<td lang=\"en\" xml:lang=\"en\">The quick brown fox"));
        }
    }
}

/// In a chapter with raw HTML the English paragraph is marked too, without a warning about
/// the `xml:lang` the tree of raw HTML adds itself.
#[test]
fn english_paragraph_beside_raw_html() {
    let dir = tempfile::tempdir().unwrap();
    let md = "---\ntitle: 英文段落\nlang: zh-Hant\n---\n\n# 一\n\n<p align=\"center\">置中</p>\n\nThe goal is to unify fetching across the web platform.\n";
    std::fs::write(dir.path().join("a.md"), md).unwrap();
    let out = hanpub(
        dir.path(),
        &["build", "a.md", "-o", "out.epub", "--no-cover"],
        &[],
    );
    let err = stderr(&out);
    assert!(out.status.success() && !err.contains("lang"), "{err}");
    let epub = std::fs::read(dir.path().join("out.epub")).unwrap();
    keep_epub("english-paragraph-raw-html", &epub);
    let files = unzip_map(&epub);
    assert!(
        files["EPUB/text/c000.xhtml"].contains(
            "<p class=\"lede\" xml:lang=\"en\" lang=\"en\">The goal is to unify fetching"
        ),
        "{}",
        files["EPUB/text/c000.xhtml"]
    );
}
