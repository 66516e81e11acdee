//! "Never a broken book": for every class of bad input, hanpub either builds an EPUB that
//! EPUBCheck accepts (kept with `keep_epub` so CI checks it) or stops with a clear message that
//! names the file and line — never a panic (asserted by `hanpub()`), never a half-written EPUB,
//! never a file read from outside the book.

mod common;
#[path = "common/fuzz_check.rs"]
mod fuzz_check;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Output;

use common::*;

const TOML: &str =
    "[book]\ntitle = \"壞輸入\"\nauthor = \"測試\"\nlang = \"zh-Hant\"\ndate = \"2024-01-01\"\n";

/// A temp dir with the book folder `b/` holding `files` (a book.toml is added unless given).
fn book(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let b = dir.path().join("b");
    std::fs::create_dir_all(&b).unwrap();
    if !files.iter().any(|(n, _)| *n == "book.toml") {
        std::fs::write(b.join("book.toml"), TOML).unwrap();
    }
    for (name, data) in files {
        let p = b.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, data).unwrap();
    }
    dir
}

fn run(dir: &Path, target: &str) -> Output {
    hanpub(dir, &["build", target, "-o", "out.epub"], &[])
}

/// Build `b/` and expect an EPUB: well-formed, kept for EPUBCheck. Returns the entries and stderr.
fn builds(name: &str, dir: &Path) -> (BTreeMap<String, String>, String) {
    let out = run(dir, "b");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let epub = std::fs::read(dir.join("out.epub")).unwrap();
    fuzz_check::assert_well_formed(&epub);
    keep_epub(&format!("bad-{name}"), &epub);
    (unzip_map(&epub), err)
}

/// Build `b/` and expect exit code 1, no EPUB, and this exact message.
fn fails(dir: &Path, expected: &str) {
    let out = run(dir, "b");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err, expected);
    assert!(!dir.join("out.epub").exists());
}

/// The text of every chapter body, concatenated.
/// The markup of every chapter, without the typesetter's word joiners (`&#x2060;`, before the
/// last character of each paragraph).
fn chapters_text(entries: &BTreeMap<String, String>) -> String {
    entries
        .iter()
        .filter(|(k, _)| k.starts_with("EPUB/text/"))
        .map(|(_, v)| v.replace("&#x2060;", ""))
        .collect()
}

const PNG: &[u8] = fuzz_check::PNG;
const JPEG: &[u8] = &[
    0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F', 0, 1,
];

// ---------------------------------------------------------------- images

#[test]
fn image_missing() {
    let dir = book(&[("a.md", "## 一\n\n![圖](nope.png)\n".as_bytes())]);
    fails(
        dir.path(),
        "error: image `nope.png` not found (no such file)\n --> b/a.md:3:1\n  |\n3 | ![圖](nope.png)\n  | ^^^^^^^^^^^^^^^\n  = hint: the path is relative to the Markdown file: b/nope.png\n\nerror: could not build the book (1 error)\n",
    );
}

#[test]
fn image_escaping_with_dot_dot() {
    let dir = book(&[("a.md", "## 一\n\n![圖](../secret.png)\n".as_bytes())]);
    std::fs::write(dir.path().join("secret.png"), PNG).unwrap();
    fails(
        dir.path(),
        "error: image `../secret.png` is outside the book folder\n --> b/a.md:3:1\n  |\n3 | ![圖](../secret.png)\n  | ^^^^^^^^^^^^^^^^^^^^\n  = hint: keep images inside the book folder\n\nerror: could not build the book (1 error)\n",
    );
}

#[test]
fn image_absolute_path() {
    let dir = book(&[("a.md", "## 一\n\n![圖](/etc/hostname)\n".as_bytes())]);
    fails(
        dir.path(),
        "error: image `/etc/hostname` not found (no such file)\n --> b/a.md:3:1\n  |\n3 | ![圖](/etc/hostname)\n  | ^^^^^^^^^^^^^^^^^^^^\n  = hint: a path from `/` is taken from the book folder, or from [build] site-root: b/etc/hostname\n\nerror: could not build the book (1 error)\n",
    );
}

#[cfg(unix)]
#[test]
fn image_symlink_outside_the_book() {
    let dir = book(&[("a.md", "## 一\n\n![圖](img/link.png)\n".as_bytes())]);
    std::fs::write(dir.path().join("outside.png"), PNG).unwrap();
    std::fs::create_dir_all(dir.path().join("b/img")).unwrap();
    std::os::unix::fs::symlink("../../outside.png", dir.path().join("b/img/link.png")).unwrap();
    fails(
        dir.path(),
        "error: image `img/link.png` not found (is outside the book folder (through a symbolic link))\n --> b/a.md:3:1\n  |\n3 | ![圖](img/link.png)\n  | ^^^^^^^^^^^^^^^^^^^\n  = hint: the path is relative to the Markdown file: b/img/link.png\n\nerror: could not build the book (1 error)\n",
    );
}

#[test]
fn image_in_raw_html_escaping() {
    let dir = book(&[(
        "a.md",
        "## 一\n\n<img src=\"../secret.png\" alt=\"x\">\n".as_bytes(),
    )]);
    std::fs::write(dir.path().join("secret.png"), PNG).unwrap();
    fails(
        dir.path(),
        "error: image `../secret.png` is outside the book folder\n --> b/a.md:3:11\n  |\n3 | <img src=\"../secret.png\" alt=\"x\">\n  |           ^^^^^^^^^^^^^\n  = hint: keep images inside the book folder\n\nerror: could not build the book (1 error)\n",
    );
}

/// A message about an element of a block of raw HTML points at its line, not the block's first.
#[test]
fn raw_html_messages_at_their_line() {
    let block = "## 一\n\n<div align=\"center\">\n<p>標題</p>\n<IFRAME src=\"https://x.org/v\"></IFRAME>\n<img src=\"a.png\" alt=\"一\"><img src=\"nope.png\" alt=\"二\">\n</div>\n";
    let dir = book(&[("a.md", block.as_bytes()), ("a.png", PNG)]);
    fails(
        dir.path(),
        "error: image `nope.png` not found (no such file)\n --> b/a.md:6:36\n  |\n6 | <img src=\"a.png\" alt=\"一\"><img src=\"nope.png\" alt=\"二\">\n  |                                     ^^^^^^^^\n  = hint: the path is relative to the Markdown file: b/nope.png\n\nerror: could not build the book (1 error)\n",
    );
    std::fs::write(dir.path().join("b/nope.png"), PNG).unwrap();
    let (_, err) = builds("raw-html-lines", dir.path());
    assert!(
        err.contains("warning: <iframe> is not allowed in an EPUB: a link to what it shows is kept\n --> b/a.md:5:1\n  |\n5 | <IFRAME src=\"https://x.org/v\"></IFRAME>\n  | ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"),
        "{err}"
    );
}

#[test]
fn image_bytes_not_what_the_extension_says() {
    let dir = book(&[
        ("a.md", "## 一\n\n![圖](photo.png)\n".as_bytes()),
        ("photo.png", JPEG),
    ]);
    fails(
        dir.path(),
        "error: `photo.png` says image/png by its name but is image/jpeg\n --> b/a.md:3:1\n  |\n3 | ![圖](photo.png)\n  | ^^^^^^^^^^^^^^^^\n  = hint: rename the file to match its content\n\nerror: could not build the book (1 error)\n",
    );
}

#[test]
fn image_that_is_not_an_image() {
    let dir = book(&[
        ("a.md", "## 一\n\n![圖](page.png)\n".as_bytes()),
        ("page.png", b"<!DOCTYPE html><html></html>"),
    ]);
    fails(
        dir.path(),
        "error: `page.png` is not a JPEG, PNG, GIF, WebP or SVG image\n --> b/a.md:3:1\n  |\n3 | ![圖](page.png)\n  | ^^^^^^^^^^^^^^^\n  = hint: check that the file is an image and not, say, an HTML page saved with an image name\n\nerror: could not build the book (1 error)\n",
    );
}

#[test]
fn image_remote_url() {
    let dir = book(&[(
        "a.md",
        "## 一\n\n![圖](https://example.com/a.png)\n\n![](https://example.com/b.png)\n".as_bytes(),
    )]);
    // by default: a link to the image, with a warning
    let (entries, err) = builds("remote-image", dir.path());
    assert!(
        err.contains("warning: remote image `https://example.com/a.png` becomes a link to it\n --> b/a.md:3:1\n"),
        "{err}"
    );
    let text = chapters_text(&entries);
    assert!(
        text.contains("<a href=\"https://example.com/a.png\">圖</a>"),
        "{text}"
    );
    assert!(text.contains("<a href=\"https://example.com/b.png\">https://example.com/b.png</a>"));
    // a badge (a remote image inside a link): the link's text, never a link in a link, with
    // raw HTML in the chapter or not
    for html in ["", "<kbd>x</kbd>\n\n"] {
        let md = format!(
            "## 一\n\n{html}[![CI](https://img.shields.io/ci.svg)](https://github.com/x/y) 說明\n"
        );
        std::fs::write(dir.path().join("b/a.md"), md).unwrap();
        let (entries, _) = builds("remote-badge", dir.path());
        let text = chapters_text(&entries);
        assert!(
            text.contains("<a href=\"https://github.com/x/y\">CI</a>") && !text.contains("shields"),
            "{text}"
        );
    }
    std::fs::write(
        dir.path().join("b/a.md"),
        "## 一\n\n![圖](https://example.com/a.png)\n\n![](https://example.com/b.png)\n",
    )
    .unwrap();
    // drop: the alt text only
    let out = hanpub(
        dir.path(),
        &["build", "b", "-o", "out.epub", "--remote-images", "drop"],
        &[],
    );
    assert!(
        stderr(&out)
            .contains("remote image `https://example.com/a.png` is left out, its alt text kept")
    );
    let text = chapters_text(&unzip_map(
        &std::fs::read(dir.path().join("out.epub")).unwrap(),
    ));
    assert!(
        text.contains("圖") && !text.contains("example.com"),
        "{text}"
    );
    std::fs::remove_file(dir.path().join("out.epub")).unwrap();
    // error: as before
    std::fs::write(
        dir.path().join("b/a.md"),
        "## 一\n\n![圖](https://example.com/a.png)\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("b/book.toml"),
        "[book]\ntitle = \"書\"\n[build]\nremote-images = \"error\"\n",
    )
    .unwrap();
    fails(
        dir.path(),
        "error: remote image `https://example.com/a.png`: hanpub never downloads files\n --> b/a.md:3:1\n  |\n3 | ![圖](https://example.com/a.png)\n  | ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n  = hint: save the image into the book folder and link it by a relative path\n\nerror: could not build the book (1 error)\n",
    );
}

#[test]
fn image_without_alt_text_warns() {
    let dir = book(&[
        (
            "a.md",
            "## 一\n\n![](a.png)\n\n<img src=\"a.png\">\n".as_bytes(),
        ),
        ("a.png", PNG),
    ]);
    let (entries, err) = builds("image-no-alt", dir.path());
    assert!(
        err.contains("warning: image `a.png` has no alt text: write ![what it shows](a.png), so screen readers can describe it\n --> b/a.md:3:1\n"),
        "{err}"
    );
    assert!(err.contains(" --> b/a.md:5:1\n"), "{err}");
    assert!(chapters_text(&entries).contains("alt=\"\""));
}

// ---------------------------------------------------------------- raw HTML

#[test]
fn raw_html_is_sanitised() {
    let md = "## 一\n\n\
        <div>未關閉的 <b>粗體\n\n\
        段落<br>換行,<center>置中</center>,空&nbsp;格&copy;&mdash;&hellip;&#x4E2D;&bogus;。\n\n\
        <script>alert(1)</script>\n\n\
        <p onclick=\"x()\" style=\"color:red\" onmouseover=\"y()\">事件</p>\n\n\
        <a href=\"javascript:alert(1)\">連結</a> <font color=red>字</font>\n\n\
        <table><tr><td>格</table>\n\n\
        <ul><li>一<li>二</ul>\n\n\
        <style>p{}</style><iframe src=\"x\"></iframe>尾。\n";
    let dir = book(&[("a.md", md.as_bytes())]);
    let (entries, err) = builds("raw-html", dir.path());
    let all = chapters_text(&entries);
    for banned in [
        "<script",
        "alert",
        "onclick",
        "onmouseover",
        "style=",
        "<iframe",
        "javascript:",
        "<center",
        "<font",
        "&nbsp;",
        "&copy;",
    ] {
        assert!(!all.contains(banned), "{banned} shipped:\n{all}");
    }
    for kept in [
        "<br/>",
        "置中",
        "空\u{a0}格©—…中",
        "&amp;bogus",
        "<b>粗體",
        "<li>一</li><li>二</li>",
        "尾。",
    ] {
        assert!(all.contains(kept), "{kept} lost:\n{all}");
    }
    for w in [
        "warning: <script> is not allowed in an EPUB: left out with its content\n --> b/a.md:7:1\n",
        "warning: attributes onclick, style, onmouseover on <p> left out\n --> b/a.md:9:1\n",
        "warning: <style> is not allowed in an EPUB: left out with its content\n",
        "warning: <iframe> is not allowed in an EPUB: left out with its content\n",
        "warning: link `javascript:alert(1)` is not allowed in an EPUB (scripts and local files never ship): left out, its text kept\n  --> b/a.md:11:1\n",
    ] {
        assert!(err.contains(w), "missing {w:?} in\n{err}");
    }
}

#[test]
fn unclosed_script_drops_the_rest_of_its_block_only() {
    let md = "## 一\n\n<script>\nvar a = 1;\n\n之後的段落。\n";
    let dir = book(&[("a.md", md.as_bytes())]);
    let (entries, _) = builds("unclosed-script", dir.path());
    let all = chapters_text(&entries);
    assert!(!all.contains("var a"), "{all}");
}

// ---------------------------------------------------------------- characters

#[test]
fn control_characters_and_nonchars_in_text_are_dropped() {
    let md = "## 標\u{1}題\u{FFFF}\n\n文\u{0}字\u{7}\u{1B}[31m,\u{FFFE}結\u{8}束。`碼\u{2}`\n";
    let dir = book(&[("a.md", md.as_bytes())]);
    let (entries, _) = builds("control-chars", dir.path());
    for (name, text) in &entries {
        if name.ends_with(".xhtml") || name.ends_with(".opf") || name.ends_with(".ncx") {
            assert!(
                text.chars()
                    .all(|c| !c.is_control() || "\t\n\r".contains(c)),
                "{name}: {text:?}"
            );
            assert!(!text.contains(['\u{FFFE}', '\u{FFFF}']), "{name}");
        }
    }
    let all = chapters_text(&entries);
    assert!(all.contains("標題"), "{all}");
    assert!(all.contains("文字[31m"), "{all}");
}

#[test]
fn control_characters_in_metadata() {
    // in the title: refused, with the line
    let dir = book(&[
        (
            "book.toml",
            "[book]\ntitle = \"a\\u0001b\"\nlang = \"zh-Hant\"\n".as_bytes(),
        ),
        ("a.md", "## 一\n\n文。\n".as_bytes()),
    ]);
    fails(
        dir.path(),
        "error: metadata contains control characters\n --> b/book.toml:2:1\n  |\n2 | title = \"a\\u0001b\"\n  | ^^^^^\n  = hint: remove tabs, line breaks and other control characters from titles and names\n\nerror: could not build the book (1 error)\n",
    );
    // in the description and U+FFFF in the title: dropped from the XML
    let dir = book(&[
        (
            "book.toml",
            "[book]\ntitle = \"書\\uFFFF名\"\nlang = \"zh-Hant\"\ndescription = \"說\\u0000明\\u001F。\"\nrights = \"\\uFFFE\"\n".as_bytes(),
        ),
        ("a.md", "## 一\n\n文。\n".as_bytes()),
    ]);
    let (entries, _) = builds("control-metadata", dir.path());
    let opf = &entries["EPUB/content.opf"];
    assert!(
        opf.contains("<dc:title id=\"title\">書名</dc:title>"),
        "{opf}"
    );
    assert!(opf.contains("說明。"), "{opf}");
}

#[test]
fn invalid_utf8_names_file_and_line() {
    let mut md = "## 一\n\n第一行\n第二行 ".as_bytes().to_vec();
    md.extend_from_slice(&[0xE4, 0xB8, b'x', b'\n']);
    let dir = book(&[("a.md", &md)]);
    fails(
        dir.path(),
        "error: `b/a.md` is not UTF-8 text: invalid byte 0xE4 at byte 28 (line 4, column 5)\n = hint: save the file as UTF-8\n\nerror: could not build the book (1 error)\n",
    );
    let dir = book(&[
        ("book.toml", b"[book]\ntitle = \"\xFF\"\n"),
        ("a.md", "文。\n".as_bytes()),
    ]);
    fails(
        dir.path(),
        "error: `b/book.toml` is not UTF-8 text: invalid byte 0xFF at byte 16 (line 2, column 10)\n = hint: save the file as UTF-8\n\nerror: could not build the book (1 error)\n",
    );
}

// ---------------------------------------------------------------- structure

fn ids_are_unique(entries: &BTreeMap<String, String>) {
    for (name, text) in entries {
        if !name.ends_with(".xhtml") {
            continue;
        }
        let doc = parse_xml(text);
        let mut seen = std::collections::BTreeSet::new();
        for n in doc.descendants() {
            if let Some(id) = n.attribute("id") {
                assert!(seen.insert(id.to_string()), "{name}: duplicate id {id}");
                assert!(
                    id.chars()
                        .next()
                        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_'),
                    "{name}: id {id}"
                );
            }
        }
    }
}

#[test]
fn duplicate_headings_get_unique_anchors() {
    let md = "## 同名\n\n### 子\n\n文。\n\n### 子\n\n## 同名\n\n### 子\n\n## Same\n\n## Same\n\n## same {#same}\n";
    let dir = book(&[("a.md", md.as_bytes())]);
    let (entries, _) = builds("duplicate-headings", dir.path());
    ids_are_unique(&entries);
}

#[test]
fn empty_sections() {
    let dir = book(&[("a.md", "## 一\n\n## 二\n\n### 三\n\n## 四\n".as_bytes())]);
    let (entries, _) = builds("empty-sections", dir.path());
    ids_are_unique(&entries);
    assert!(chapters_text(&entries).contains("四"));
}

#[test]
fn empty_file() {
    let dir = book(&[("a.md", b"")]);
    builds("empty-file", dir.path());
}

#[test]
fn book_without_headings() {
    let dir = book(&[("a.md", "只有段落。\n\n另一段。\n".as_bytes())]);
    let (entries, _) = builds("no-headings", dir.path());
    assert!(chapters_text(&entries).contains("另一段。"));
}

#[test]
fn headings_of_punctuation_or_emoji() {
    let md =
        "## ！？。\n\n文。\n\n## 🎉🎉\n\n文。\n\n## ...\n\n## ---x---\n\n## `\u{200B}`\n\n## \\#\n";
    let dir = book(&[("a.md", md.as_bytes())]);
    let (entries, _) = builds("punctuation-headings", dir.path());
    ids_are_unique(&entries);
    let nav = &entries["EPUB/nav.xhtml"];
    assert!(nav.contains("🎉🎉"), "{nav}");
}

#[test]
fn very_long_paragraph() {
    let md = format!(
        "## 一\n\n{}\n",
        "很長的段落,沒有換行。Long text; ".repeat(40_000)
    );
    let dir = book(&[("a.md", md.as_bytes())]);
    // a stress input (one 2 MB paragraph): EPUBCheck checks it; Ace, whose chromium needs
    // minutes for it beside the other books, skips `-big-` books
    let (entries, _) = builds("big-long-paragraph", dir.path());
    assert!(chapters_text(&entries).matches("沒有換行").count() == 40_000);
}

#[test]
fn deeply_nested_quotes() {
    let md = format!("## 一\n\n{} 深處。\n", ">".repeat(1000));
    let dir = book(&[("a.md", md.as_bytes())]);
    let (entries, err) = builds("nested-quotes", dir.path());
    assert!(chapters_text(&entries).contains("深處。"));
    assert!(
        err.contains("warning: Markdown nested more than 32 levels deep: the deeper quotes, lists, emphasis and links are flattened\n --> b/a.md:3:33\n"),
        "{err}"
    );
}

#[test]
fn deeply_nested_lists() {
    let mut md = String::from("## 一\n\n");
    for i in 0..1000 {
        md.push_str(&" ".repeat(i * 2));
        md.push_str("- 項\n");
    }
    md.push_str("\n結尾。\n");
    let dir = book(&[("a.md", md.as_bytes())]);
    let (entries, _) = builds("nested-lists", dir.path());
    let all = chapters_text(&entries);
    assert_eq!(all.matches('項').count(), 1000);
}

#[test]
fn deeply_nested_inline_and_html() {
    let md = format!(
        "## 一\n\n{}中{}\n\n{}字{}\n\n{}連{}\n",
        "*".repeat(3000),
        "*".repeat(3000),
        "<span>".repeat(2000),
        "</span>".repeat(2000),
        "[".repeat(2000),
        "](a)".repeat(2000),
    );
    let dir = book(&[("a.md", md.as_bytes())]);
    builds("nested-inline", dir.path());
}

fn big_book(target_bytes: usize) -> tempfile::TempDir {
    let section = "## 第{n}節\n\n這是一個很長的段落,用來測試 hanpub 在大量輸入時的表現。It mixes English, **粗體**、*斜體*、`code` 與[連結](https://example.com/)。\n\n- 清單一\n- 清單二\n\n> 引文。\n\n";
    let mut md = String::with_capacity(target_bytes + 1024);
    let mut n = 0;
    while md.len() < target_bytes {
        md.push_str(&section.replace("{n}", &n.to_string()));
        n += 1;
    }
    book(&[
        (
            "book.toml",
            format!("{TOML}\n[build]\nsplit-level = 1\n").as_bytes(),
        ),
        ("a.md", md.as_bytes()),
    ])
}

#[test]
fn five_megabytes_of_input() {
    let dir = big_book(5 << 20);
    let (entries, _) = builds("big-5mb", dir.path());
    assert!(chapters_text(&entries).contains("第100節"));
}

/// 50 MB, only with `HANPUB_BIG_TESTS=1` (about 25 s in a debug build).
#[test]
fn fifty_megabytes_of_input() {
    if std::env::var("HANPUB_BIG_TESTS").as_deref() != Ok("1") {
        return;
    }
    let dir = big_book(50 << 20);
    let out = run(dir.path(), "b");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let epub = std::fs::read(dir.path().join("out.epub")).unwrap();
    fuzz_check::assert_well_formed(&epub);
    keep_epub("bad-big-50mb", &epub);
}

// ---------------------------------------------------------------- metadata

#[test]
fn metadata_with_markup_characters_is_escaped() {
    let toml = "[book]\ntitle = \"<b>A & B</b> \\\"引號\\\" 'x'\"\nauthors = [\"R&D <團隊>\"]\nlang = \"zh-Hant\"\ndescription = \"]]> & <!-- -->\"\npublisher = \"&amp;\"\nsubjects = [\"<\", \"&\"]\n";
    let dir = book(&[
        ("book.toml", toml.as_bytes()),
        ("a.md", "文。\n".as_bytes()),
    ]);
    let (entries, _) = builds("metadata-markup", dir.path());
    let opf = parse_xml(&entries["EPUB/content.opf"]);
    let title = opf
        .descendants()
        .find(|n| n.has_tag_name("title"))
        .unwrap()
        .text()
        .unwrap();
    assert_eq!(title, "<b>A & B</b> \"引號\" 'x'");
    let pubr = opf
        .descendants()
        .find(|n| n.has_tag_name("publisher"))
        .unwrap();
    assert_eq!(pubr.text(), Some("&amp;"));
}

#[test]
fn very_long_metadata() {
    let long = "長".repeat(20_000);
    let toml = format!(
        "[book]\ntitle = \"{long}\"\nauthors = [\"{long}\"]\nlang = \"zh-Hant\"\ndescription = \"{long}\"\n"
    );
    let dir = book(&[
        ("book.toml", toml.as_bytes()),
        ("a.md", "文。\n".as_bytes()),
    ]);
    let (entries, _) = builds("long-metadata", dir.path());
    assert!(entries["EPUB/content.opf"].contains(&long));
}

#[test]
fn invalid_dates_are_refused_with_their_line() {
    let dir = book(&[
        (
            "book.toml",
            "[book]\ntitle = \"書\"\nlang = \"zh-Hant\"\ndate = \"2024-13-45\"\n".as_bytes(),
        ),
        ("a.md", "文。\n".as_bytes()),
    ]);
    fails(
        dir.path(),
        "error: `2024-13-45` is not a date\n --> b/book.toml:4:1\n  |\n4 | date = \"2024-13-45\"\n  | ^^^^\n  = hint: write YYYY, YYYY-MM, YYYY-MM-DD or an RFC 3339 date-time\n\nerror: could not build the book (1 error)\n",
    );
    let dir = book(&[
        (
            "book.toml",
            "[book]\ntitle = \"書\"\nlang = \"zh-Hant\"\nmodified = \"yesterday\"\n".as_bytes(),
        ),
        ("a.md", "文。\n".as_bytes()),
    ]);
    fails(
        dir.path(),
        "error: `yesterday` is not a date-time\n --> b/book.toml:4:1\n  |\n4 | modified = \"yesterday\"\n  | ^^^^^^^^\n  = hint: write YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ\n\nerror: could not build the book (1 error)\n",
    );
}

#[test]
fn invalid_identifiers_are_refused_with_their_line() {
    for (id, message) in [
        ("  ", "the identifier is empty"),
        (
            "urn:uuid:not-a-uuid",
            "`urn:uuid:not-a-uuid` is not a valid UUID URN",
        ),
        ("id\\u0007", "the identifier contains control characters"),
    ] {
        let dir = book(&[
            (
                "book.toml",
                format!("[book]\ntitle = \"書\"\nlang = \"zh-Hant\"\nidentifier = \"{id}\"\n")
                    .as_bytes(),
            ),
            ("a.md", "文。\n".as_bytes()),
        ]);
        let out = run(dir.path(), "b");
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(
            err.starts_with(&format!("error: {message}\n --> b/book.toml:4:1\n")),
            "{id}: {err}"
        );
    }
}

#[test]
fn invalid_language_is_refused_with_its_line() {
    let dir = book(&[
        (
            "book.toml",
            "[book]\ntitle = \"書\"\nlang = \"中文\"\n".as_bytes(),
        ),
        ("a.md", "文。\n".as_bytes()),
    ]);
    let out = run(dir.path(), "b");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with("error: `中文` is not a language tag\n --> b/book.toml:3:1\n"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn front_matter_metadata_is_escaped_and_checked() {
    let md = "---\ntitle: \"A < B & \\\"C\\\"\"\ndate: 2024-99-99\n---\n文。\n";
    let dir = book(&[("a.md", md.as_bytes())]);
    let out = hanpub(dir.path(), &["build", "b/a.md", "-o", "out.epub"], &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.starts_with("error: `2024-99-99` is not a date\n --> b/a.md:3:1\n"),
        "{err}"
    );
}

// ---------------------------------------------------------------- exit codes, atomic output

#[test]
fn exit_codes_match_the_readme() {
    let dir = book(&[("a.md", "文。\n".as_bytes())]);
    // 0: built
    assert_eq!(run(dir.path(), "b").status.code(), Some(0));
    // 1: the book has errors (and the previous EPUB is left as it was)
    let before = std::fs::read(dir.path().join("out.epub")).unwrap();
    std::fs::write(dir.path().join("b/a.md"), "![x](nope.png)\n").unwrap();
    assert_eq!(run(dir.path(), "b").status.code(), Some(1));
    assert_eq!(std::fs::read(dir.path().join("out.epub")).unwrap(), before);
    std::fs::write(dir.path().join("b/a.md"), "文。\n").unwrap();
    // 2: bad command line
    let out = hanpub(dir.path(), &["build", "b", "--no-such-flag"], &[]);
    assert_eq!(out.status.code(), Some(2));
    let out = hanpub(dir.path(), &["build", "b", "--layout", "diagonal"], &[]);
    assert_eq!(out.status.code(), Some(2));
    // 3: cannot write the output (its folder is a file)
    std::fs::write(dir.path().join("file"), "").unwrap();
    let out = hanpub(dir.path(), &["build", "b", "-o", "file/out.epub"], &[]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).starts_with("error: "), "{}", stderr(&out));
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        // the cover kept for the next build is not a leftover
        .filter(|n| n != "b" && n != "file" && n != "out.epub" && n != ".hanpub-cache")
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn chapter_outside_the_book_is_refused() {
    let dir = book(&[
        (
            "book.toml",
            format!("{TOML}[build]\nchapters = [\"../secret.md\", \"/etc/passwd\"]\n").as_bytes(),
        ),
        ("a.md", "文。\n".as_bytes()),
    ]);
    std::fs::write(dir.path().join("secret.md"), "秘密\n").unwrap();
    let out = run(dir.path(), "b");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.starts_with(
            "error: chapter `../secret.md` is outside the book folder\n --> b/book.toml:7:13\n"
        ),
        "{err}"
    );
    assert!(
        err.contains("error: chapter `/etc/passwd` is an absolute path: it must be inside the book folder\n --> b/book.toml:7:29\n"),
        "{err}"
    );
}

// ---------------------------------------------------------------- fuzz regressions

/// Found by the `markdown` fuzz target: a YAML error whose column falls on a CJK character
/// made the diagnostic slice a string inside a character (panic).
#[test]
fn front_matter_error_on_a_cjk_character() {
    let md = "---\ntitle: 單檔書\u{1}\u{0}\nauthor: 某人\n---\n\n文。\n";
    let dir = book(&[("a.md", md.as_bytes())]);
    let out = hanpub(dir.path(), &["build", "b/a.md", "-o", "out.epub"], &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.starts_with("error: invalid front matter: "), "{err}");
    assert!(err.contains(" --> b/a.md:2:"), "{err}");
}

#[test]
fn odd_heading_attributes() {
    let md = "## A {#1}\n\n## B {#中文}\n\n## C {#a\"b}\n\n## D {#x}\n\n## E {#x}\n\n## F {.cls #-y}\n\n[to](#x)\n";
    let dir = book(&[("a.md", md.as_bytes())]);
    let (entries, _) = builds("heading-attributes", dir.path());
    ids_are_unique(&entries);
}

/// Found by the `markdown` fuzz target: an inline `<script>` left unclosed in a paragraph
/// dropped the paragraph's end tag too (not well-formed).
#[test]
fn unclosed_inline_script_ends_with_its_paragraph() {
    let md = "## 一\n\n回到<script>x\n\n之後。\n\n- 項<script>\n  - 深</script>\n\n尾。\n";
    let dir = book(&[("a.md", md.as_bytes())]);
    let (entries, _) = builds("unclosed-inline-script", dir.path());
    let all = chapters_text(&entries);
    assert!(all.contains("<p>回到</p>"), "{all}");
    assert!(all.contains("之後。") && all.contains("尾。"), "{all}");
    assert!(!all.contains("深"), "{all}");
}

/// A heading repeated in a file is reached as GitHub and mdBook name its repeats: `範例`,
/// `範例-1`, `範例-2` (a README's hand-written table of contents), from the file and others.
#[test]
fn repeated_headings_by_their_github_names() {
    let md = "## 一\n\n[x](#範例-1) [y](#範例-2) [z](#範例)\n\n### 範例\n\na\n\n### 範例\n\nb\n\n## 二\n\n### 範例\n\nc\n";
    let other = "## 三\n\n[w](a.md#範例-2)\n";
    let dir = book(&[("a.md", md.as_bytes()), ("b.md", other.as_bytes())]);
    let (entries, err) = builds("repeated-headings", dir.path());
    assert!(!err.contains("broken link"), "{err}");
    let all = chapters_text(&entries);
    for want in [
        "<a href=\"#h3\">x</a>",
        "<a href=\"c002.xhtml#h5\">y</a>",
        "<a href=\"#h2\">z</a>",
        "<a href=\"c002.xhtml#h5\">w</a>",
    ] {
        assert!(all.contains(want), "{want}: {all}");
    }
}

/// A link to `index.html` reaches the folder's README.md, as mdBook and GitBook publish it.
#[test]
fn index_html_is_the_readme() {
    let dir = book(&[
        ("README.md", "## 首頁\n\n歡迎。\n".as_bytes()),
        ("a.md", "## 一\n\n回到[首頁](index.html)。\n".as_bytes()),
    ]);
    let (entries, err) = builds("index-html", dir.path());
    assert!(!err.contains("broken link"), "{err}");
    let all = chapters_text(&entries);
    // README.md comes first (files in name order)
    assert!(all.contains("<a href=\"c001.xhtml\">首頁</a>"), "{all}");
}

/// An image without alt text in a chapter with raw HTML is reported once, at its own line (the
/// sanitiser reported it again, at the raw HTML before it).
#[test]
fn an_image_without_alt_text_is_reported_once() {
    let dir = book(&[
        (
            "a.md",
            "## 一\n\n段落 <kbd>x</kbd>。\n\n![](dot.png)\n".as_bytes(),
        ),
        ("dot.png", &dot_png()),
    ]);
    let (entries, err) = builds("alt-once", dir.path());
    assert_eq!(err.matches("has no alt text").count(), 1, "{err}");
    assert!(err.contains("--> b/a.md:5:1"), "{err}");
    assert!(!chapters_text(&entries).contains("data-hanpub"));
}

/// An image in a figure with a caption (GitBook's `<figure><img alt=""><figcaption>`) is
/// described by its caption: no warning, its empty alt kept. One without a caption still is
/// reported.
#[test]
fn an_image_its_caption_describes_is_not_reported() {
    let dot = dot_png();
    let dir = book(&[
        (
            "a.md",
            "## 一\n\n<figure><img src=\"dot.png\" alt=\"\"><figcaption><p>設定畫面</p></figcaption></figure>\n\n<figure><img src=\"dot.png\" alt=\"\"><figcaption> </figcaption></figure>\n".as_bytes(),
        ),
        ("dot.png", &dot),
    ]);
    let (entries, err) = builds("alt-caption", dir.path());
    assert_eq!(err.matches("has no alt text").count(), 1, "{err}");
    assert!(err.contains("--> b/a.md:5:1"), "{err}");
    let text = chapters_text(&entries);
    assert!(
        text.contains("<figure><img src=\"../images/img001.png\" alt=\"\"/><figcaption><p>設定畫面</p></figcaption></figure>"),
        "{text}"
    );
}

/// A README's `<img width="50%">` keeps its share of the page's width, in tenths, as a class
/// the horizontal stylesheet sizes; no warning. A width that is no share (`150%`) is still
/// left out with one.
#[test]
fn an_image_width_in_percent_is_kept_as_a_class() {
    let dot = dot_png();
    let dir = book(&[
        (
            "a.md",
            "## 一\n\n<p align=\"center\"><img src=\"dot.png\" width=\"50%\" alt=\"點\"> <img src=\"dot.png\" width=\"33.3%\" alt=\"點\"> <img src=\"dot.png\" width=\"150%\" alt=\"點\"></p>\n".as_bytes(),
        ),
        ("dot.png", &dot),
    ]);
    let (entries, err) = builds("img-percent", dir.path());
    assert_eq!(err.matches("on <img> left out").count(), 1, "{err}");
    assert!(
        err.contains("attribute width=\"150%\" on <img> left out"),
        "{err}"
    );
    let text = chapters_text(&entries);
    assert!(text.contains("alt=\"點\" class=\"w50\"/>"), "{text}");
    assert!(text.contains("alt=\"點\" class=\"w30\"/>"), "{text}");
    let css: String = entries
        .iter()
        .filter(|(n, _)| n.ends_with(".css"))
        .map(|(_, b)| b.clone())
        .collect();
    assert!(css.contains("img.w50 { width: 50%; }"), "{css}");
}

/// The one-pixel PNG of the `full` fixture.
fn dot_png() -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/ok/full/images/dot.png"),
    )
    .unwrap()
}
