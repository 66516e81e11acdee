//! What Chinese technical books contain, built end to end (`tests/fixtures/ok/content`):
//! raw HTML read as a browser reads it, link tricks, footnotes in lists and quotes, empty
//! headings, math, highlighted code, alerts, definition lists, figures, CJK emphasis.

mod common;

use common::{fixture, hanpub, keep_epub, parse_xml, stderr, unzip_map};

fn build(layout: &str) -> (std::collections::BTreeMap<String, String>, String) {
    let dir = fixture("ok", "content");
    let out_path = dir.path().join("out.epub");
    let out = hanpub(
        dir.path(),
        &[
            "build",
            "content",
            "--no-cover",
            "--layout",
            layout,
            "-o",
            out_path.to_str().unwrap(),
        ],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let epub = std::fs::read(&out_path).unwrap();
    keep_epub(&format!("content-{layout}"), &epub);
    (unzip_map(&epub), stderr(&out))
}

#[test]
fn content_book_matches_its_snapshots() {
    let (files, _) = build("horizontal");
    for (file, text) in &files {
        if file.ends_with(".xhtml") || file.ends_with(".opf") {
            parse_xml(text);
            let snap = format!(
                "content__{}",
                file.trim_start_matches("EPUB/").replace('/', "_")
            );
            insta::assert_snapshot!(snap, text);
        }
    }
    let opf = &files["EPUB/content.opf"];
    assert!(
        opf.contains(
            r#"href="text/c002.xhtml" media-type="application/xhtml+xml" properties="mathml""#
        ),
        "{opf}"
    );
    // no script, no handler, no script URL anywhere
    for (file, text) in &files {
        let lower = text.to_ascii_lowercase();
        for bad in [
            "<script",
            "javascript:",
            "onclick",
            "data:text",
            "file:",
            "alert(",
        ] {
            assert!(!lower.contains(bad), "{bad} in {file}");
        }
        for leaked in ["草稿", "不該出現", "color: red"] {
            assert!(!text.contains(leaked), "{leaked} leaked into {file}");
        }
    }
}

#[test]
fn raw_html_keeps_its_structure() {
    let (files, _) = build("horizontal");
    let html = &files["EPUB/text/c000.xhtml"];
    let doc = parse_xml(html);
    let parent_of = |name: &str| {
        doc.descendants()
            .find(|n| n.has_tag_name(name))
            .and_then(|n| n.parent_element())
            .map(|p| p.tag_name().name().to_string())
    };
    assert_eq!(parent_of("figcaption").as_deref(), Some("figure"));
    assert_eq!(parent_of("dd").as_deref(), Some("dl"));
    assert_eq!(parent_of("summary").as_deref(), Some("details"));
    assert_eq!(parent_of("rt").as_deref(), Some("ruby"));
    // Markdown inside a raw div stays inside it
    let note = doc
        .descendants()
        .find(|n| n.attribute("class") == Some("note"))
        .unwrap();
    assert!(note.descendants().any(|n| n.has_tag_name("strong")));
    // a table typed inside a table is closed first, as a browser does
    assert!(
        doc.descendants()
            .filter(|n| n.has_tag_name("table"))
            .all(|t| !t.ancestors().skip(1).any(|a| a.has_tag_name("table")))
    );
    assert!(html.contains(r#"<a href="mailto:mail@example.com">"#));
    assert!(html.contains("made-up-scheme://foo,bar") && !html.contains(r#"href="made-up"#));
    assert!(
        html.contains(r#"<a href="c000.xhtml">空</a>"#),
        "empty destination: this chapter"
    );
    assert!(html.contains("%E4%BE%8B%E5%AD%90.tw/%E8%B7%AF%E5%BE%91?q=%5B1%5D"));
}

#[test]
fn warnings_point_at_the_source() {
    let (_, err) = build("horizontal");
    for (want, at) in [
        ("<script> is not allowed in an EPUB", "html.md:21:1"),
        ("<style> is not allowed in an EPUB", "html.md:24:1"),
        (
            "link `java script:alert(1)` is not allowed in an EPUB",
            "html.md:40:1",
        ),
        (
            "link `javascript:alert(1)` is not allowed in an EPUB",
            "html.md:42:",
        ),
        (
            "formula `\\notacommand{x}` cannot be converted to MathML",
            "math.md:7:",
        ),
        (
            "heading without text: it is called `（無標題）`",
            "notes.md:13:1",
        ),
    ] {
        let i = err
            .find(want)
            .unwrap_or_else(|| panic!("no `{want}` in\n{err}"));
        let line = err[i..].lines().nth(1).unwrap_or("");
        assert!(line.contains(at), "`{want}` at {line}, not {at}");
    }
}

#[test]
fn notes_in_lists_and_quotes_and_cited_by_notes() {
    let (files, _) = build("horizontal");
    let notes = &files["EPUB/text/c001.xhtml"];
    let doc = parse_xml(notes);
    let asides: Vec<_> = doc
        .descendants()
        .filter(|n| {
            n.attributes()
                .any(|a| a.name() == "type" && a.value() == "footnote")
        })
        .collect();
    assert_eq!(asides.len(), 3, "{notes}");
    // all at the end, none inside the list or the quote
    assert!(asides.iter().all(|a| {
        a.ancestors()
            .all(|p| !p.has_tag_name("li") && !p.has_tag_name("blockquote"))
    }));
    for n in 1..=3 {
        assert!(
            notes.contains(&format!(r##"href="#fn-{n}""##)),
            "noteref {n}"
        );
    }
}

#[test]
fn code_math_alerts_in_both_layouts() {
    for layout in ["horizontal", "vertical"] {
        let (files, _) = build(layout);
        let math = &files["EPUB/text/c002.xhtml"];
        parse_xml(math);
        assert!(math.contains(r#"<span class="hl-k">fn</span>"#), "{math}");
        assert!(math.contains(r#"<code class="language-rust">"#) && !math.contains("ignore"));
        assert!(math.contains(r#"<annotation encoding="application/x-tex">E = mc^2</annotation>"#));
        assert!(math.contains(r#"display="block""#));
        assert!(math.contains(r#"<code class="tex">$\notacommand{x}$</code>"#));
        assert!(!math.contains("<em>1$"), "no emphasis across formulas");
        for title in ["注意", "提示", "重要", "警告", "小心"] {
            assert!(
                math.contains(&format!(r#"<p class="alert-title">{title}</p>"#)),
                "{title}"
            );
        }
        assert!(
            math.contains("<strong>「重點」</strong>喔")
                && math.contains("<strong>重點：</strong>後面")
        );
        assert!(math.contains("今天😄很"));
        assert!(math.contains("<dt>蘋果</dt>"));
        assert!(math.contains(r#"<figcaption aria-hidden="true">一張圖的說明</figcaption>"#));
        let css = &files["EPUB/styles/hanpub.css"];
        assert!(css.contains(".hl-k") && css.contains("prefers-color-scheme: dark"));
    }
}

/// The CJK-friendly emphasis amendment's cases (in the classes of its test suite:
/// CJK punctuation inside the delimiters, ideographic and standard variation selectors,
/// Hangul, pseudo-emoji, underscores), and non-CJK text unchanged.
#[test]
fn cjk_friendly_emphasis() {
    use hanpub::model::{Ev, Tag};
    let strong = |text: &str| {
        hanpub::parse::parse(text, 0)
            .iter()
            .any(|s| matches!(s.ev, Ev::Start(Tag::Strong)))
    };
    let em = |text: &str| {
        hanpub::parse::parse(text, 0)
            .iter()
            .any(|s| matches!(s.ev, Ev::Start(Tag::Emphasis | Tag::Strong)))
    };
    for text in [
        "這是**「重點」**喔。",
        "**重點：**後面",
        "**真，**她",
        "**真。**她",
        "**真、**她",
        "**真？**她",
        "**真」**她",
        "真**（她**",
        "**真）**她",
        "**真—**她",
        "**真…**她",
        "**真”**她",
        "**推荐几个框架：**React、Vue",
        "Go**「初心者」**を対象",
        "税込**¥10,000**で",
        "𰻞𰻞**(ビャンビャン)**麺",
        "葛\u{E0100}**(正式表記)**城市",
        "**“\u{FE01}Git”\u{FE01}**Hub",
        "**스크립트(script)**라고",
        "a**〰**a",
        "a**㊙**a",
        "__注意__：注意事項",
        "注意：__注意事項__",
        "**C#**や**F#**",
    ] {
        assert!(strong(text), "not bold: {text}");
    }
    for text in [
        "a**a«**a",
        "a**∇a**a",
        "a**a𝜵**a",
        "漢_abc_",
        "_abc_漢",
        "foo_bar_",
        "**foo.**bar",
    ] {
        assert!(!em(text), "emphasis in: {text}");
    }
}

/// An inline `<b>` left open ends with its paragraph (a browser would carry it into every
/// following paragraph); one left open in an HTML block ends with the block.
#[test]
fn unclosed_inline_formatting_ends_with_its_block() {
    use hanpub::{BookEntry, MemFiles, Options, build, load};
    let md =
        "---\ntitle: 書\nlang: zh-Hant\n---\n## 一\n\n甲<b>粗\n\n乙段。\n\n<div><i>斜\n\n丙段。\n";
    let files = MemFiles::from([("book.md", md)]);
    let project = load(&files, &BookEntry::File("book.md".into())).unwrap();
    let opts = Options {
        no_cover: true,
        ..Options::default()
    };
    let out = build(&project, &files, &opts).unwrap();
    let c = &unzip_map(&out.epub)["EPUB/text/c001.xhtml"];
    parse_xml(c);
    // (the word joiner binds the paragraph's last two characters)
    assert!(c.contains("<p>甲<b>&#x2060;粗</b></p>"), "{c}");
    assert!(c.contains("<p>乙&#x2060;段。</p>"), "{c}");
    assert!(c.contains("<i>斜\n</i>"), "{c}");
    assert!(c.contains("<p>丙&#x2060;段。</p>"), "{c}");
}
