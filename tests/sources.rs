//! The books people already have, built as they are: an mdBook, a GitBook, a docsify site, a
//! Hugo page bundle, Jekyll posts, an anthology of articles (fixtures under
//! `tests/fixtures/sources/`), and two real books read from `../shared/realworld/` (an mdBook
//! translation of the Rust book, a Hexo series).

mod common;

use common::*;

/// Build `book` (relative to `cwd`) with `args`; the EPUB's files and the messages.
fn build(cwd: &std::path::Path, book: &str, args: &[&str]) -> (Vec<u8>, String) {
    let out_path = cwd.join("out.epub");
    let mut all = vec![
        "build",
        book,
        "-o",
        out_path.to_str().unwrap(),
        "--no-cover",
    ];
    all.extend_from_slice(args);
    let out = hanpub(cwd, &all, &[]);
    assert!(
        out.status.success(),
        "build {book} failed:\n{}",
        stderr(&out)
    );
    (std::fs::read(out_path).unwrap(), stderr(&out))
}

/// The navigation as indented lines: `  title -> href`.
fn nav_outline(nav: &str) -> Vec<String> {
    let doc = parse_xml(nav);
    let toc = doc
        .descendants()
        .find(|n| n.attribute(("http://www.idpf.org/2007/ops", "type")) == Some("toc"))
        .unwrap();
    toc.descendants()
        .filter(|n| n.has_tag_name("a"))
        .map(|a| {
            let depth = a.ancestors().filter(|n| n.has_tag_name("ol")).count() - 1;
            format!(
                "{}{} -> {}",
                "  ".repeat(depth),
                a.text().unwrap_or(""),
                a.attribute("href").unwrap()
            )
        })
        .collect()
}

/// Build a fixture of `tests/fixtures/sources`, keep its EPUB, snapshot its nav and OPF.
fn fixture_book(name: &str) -> (std::collections::BTreeMap<String, String>, String) {
    let dir = fixture("sources", name);
    let (epub, messages) = build(dir.path(), name, &["-v"]);
    keep_epub(&format!("source-{name}"), &epub);
    let files = unzip_map(&epub);
    insta::assert_snapshot!(format!("{name}__nav"), files["EPUB/nav.xhtml"]);
    insta::assert_snapshot!(format!("{name}__opf"), files["EPUB/content.opf"]);
    for (path, text) in &files {
        if path.ends_with(".xhtml") || path.ends_with(".ncx") {
            parse_xml(text);
        }
    }
    (files, messages)
}

#[test]
fn mdbook_with_parts_drafts_and_includes() {
    let (files, messages) = fixture_book("mdbook");
    assert!(
        messages.contains("found an mdBook (book.toml, SUMMARY.md)"),
        "{messages}"
    );
    assert!(
        messages.contains("note: left out the draft chapter `還沒寫的一節` of src/SUMMARY.md"),
        "{messages}"
    );
    // a missing include: a warning at its line, never the directive as text
    assert!(
        messages.contains("warning: `{{#include ../../listings/missing.rs}}` names `listings/missing.rs`: no such file: left out\n  --> mdbook/src/part1/ch1.md:12:1"),
        "{messages}"
    );
    // one broken link: an anchor the source never had (as in mdBook's own output)
    assert_eq!(
        messages.matches("warning: broken link").count(),
        1,
        "{messages}"
    );
    assert!(
        messages.contains("broken link `ch1.html#the-english-anchor`: no such heading or chapter")
    );
    // a link to a raw `<a name>` anchor reaches it (written as its id)
    assert!(!messages.contains("points at nothing"), "{messages}");
    let text: String = files
        .iter()
        .filter(|(p, _)| p.ends_with(".xhtml"))
        .map(|(_, t)| t.as_str())
        .collect();
    // code is highlighted: compare its text without the highlighting's spans
    let text = strip_spans(&text);
    assert!(!text.contains("{{#"), "a directive was shipped as text");
    assert!(text.contains("<a id=\"top\">") && text.contains("href=\"#top\""));
    // the anchor's lines only, the rest hidden as mdBook hides them
    assert!(text.contains("fn main() {\n    println!(\"你好\");\n}"));
    assert!(!text.contains("use std::io"));
    assert!(!text.contains("ANCHOR"));
    assert!(text.contains("let x = 1;") && !text.contains("# fn main"));
    // lines 3 to 4 of the listing
    assert!(
        text.contains("fn main() {\n    println!(\"你好\");\n</code>"),
        "{text}"
    );
    insta::assert_snapshot!(
        "mdbook__nav_outline",
        nav_outline(&files["EPUB/nav.xhtml"]).join("\n")
    );
    insta::assert_snapshot!("mdbook__ncx", files["EPUB/toc.ncx"]);
}

#[test]
fn gitbook_docsify_hugo_jekyll() {
    let (_, m) = fixture_book("gitbook");
    assert!(m.contains("found a GitBook"), "{m}");
    let (_, m) = fixture_book("docsify");
    assert!(m.contains("found a docsify site"), "{m}");
    let (files, m) = fixture_book("hugo");
    assert!(m.contains("found the posts of a Hugo site"), "{m}");
    assert!(
        m.contains("note: left out the draft `hugo/content/posts/draft.md`"),
        "{m}"
    );
    assert!(
        m.contains("front-matter keys of other tools ignored: `slug`, `featured_image`")
            || m.contains("front-matter keys of other tools ignored: `featured_image`"),
        "{m}"
    );
    assert!(!m.contains("warning"), "{m}");
    let opf = &files["EPUB/content.opf"];
    assert!(
        opf.contains("<dc:subject>旅行</dc:subject>") || opf.contains(">旅行<"),
        "{opf}"
    );
    let (files, m) = fixture_book("jekyll");
    assert!(!m.contains("broken"), "{m}");
    let second: String = files
        .iter()
        .filter(|(p, t)| p.ends_with(".xhtml") && t.contains("日期只寫在檔名裡"))
        .map(|(_, t)| t.clone())
        .collect();
    assert!(
        second.contains("href=\"c00"),
        "the link by permalink reaches the post: {second}"
    );
}

#[test]
fn anthology_of_three_articles() {
    let (files, _) = fixture_book("anthology");
    let openings: Vec<&String> = files
        .values()
        .filter(|t| t.contains("class=\"opening\""))
        .collect();
    assert_eq!(openings.len(), 3);
    // the lines as a reader reads them: phrase breaks and fixed Han–Latin spaces aside
    let all: String = plain(&openings.iter().map(|t| t.as_str()).collect::<String>());
    for needle in [
        "<h1 class=\"title\">第一集的標題</h1>",
        "<p class=\"subtitle\">第一集的副標</p>",
        "主持人甲、來賓乙 · 2026年10月1日 · WhynotTV Podcast 第一集",
        "<p class=\"kicker\">特別企劃</p>",
        "<h1 class=\"title\">第二集的標題</h1>",
        "<p class=\"kicker\">WhynotTV Podcast 第 3 集</p>",
        "<h1 class=\"title\">第三集的標題</h1>",
    ] {
        assert!(all.contains(needle), "{needle}");
    }
    insta::assert_snapshot!(
        "anthology__nav_outline",
        nav_outline(&files["EPUB/nav.xhtml"]).join("\n")
    );
}

/// `../shared/realworld` beside the repository (CI has it there; a git worktree one folder
/// deeper finds it one level up).
fn realworld(name: &str) -> std::path::PathBuf {
    let near = root().join("../shared/realworld").join(name);
    let far = root().join("../../shared/realworld").join(name);
    let p = if near.is_dir() { near.clone() } else { far };
    assert!(
        p.is_dir(),
        "the real books are read from {} (the shared folder beside the repository)",
        near.display()
    );
    p
}

#[test]
fn the_rust_book_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let book = realworld("rust-book-tw");
    let (epub, m) = build(dir.path(), book.to_str().unwrap(), &[]);
    keep_epub("realworld-rust-book-tw", &epub);
    let files = unzip_map(&epub);
    let nav = nav_outline(&files["EPUB/nav.xhtml"]);
    // parts and sub-chapters at their levels
    assert!(
        nav.iter().any(|l| l.starts_with("開始入門 -> ")),
        "{nav:#?}"
    );
    assert!(
        nav.iter().any(|l| l.starts_with("  開始入門 -> ")),
        "{nav:#?}"
    );
    assert!(
        nav.iter().any(|l| l.starts_with("    安裝教學 -> ")),
        "{nav:#?}"
    );
    assert!(nav.iter().any(|l| l.starts_with("  附錄 -> ")), "{nav:#?}");
    // the missing listings: the first few at their line, the rest summed up
    assert!(
        m.contains("666 more {{#include}} directives were left out (in 66 files in all)"),
        "{m}"
    );
    let text: String = files
        .iter()
        .filter(|(p, _)| p.ends_with(".xhtml"))
        .map(|(_, t)| t.as_str())
        .collect();
    // code is highlighted: compare its text without the highlighting's spans
    let text = strip_spans(&text);
    assert!(!text.contains("{{#"), "a directive was shipped as text");
    // the links broken in the source itself (anchors of the English original, links into
    // Rust's std documentation outside the book) and no other
    let broken: Vec<&str> = m
        .lines()
        .filter_map(|l| l.strip_prefix("warning: broken link `"))
        .collect();
    assert_eq!(broken.len(), 27, "{m}");
    assert!(
        broken
            .iter()
            .all(|l| l.contains("html#") || l.starts_with('#') || l.starts_with("../std/")),
        "{broken:#?}"
    );
}

#[test]
fn the_hexo_series_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let book = realworld("huli-cors");
    let (epub, m) = build(dir.path(), book.to_str().unwrap(), &[]);
    keep_epub("realworld-huli-cors", &epub);
    assert!(!m.contains("broken"), "{m}");
    let files = unzip_map(&epub);
    let opf = &files["EPUB/content.opf"];
    assert!(
        opf.contains("<dc:title id=\"title\">CORS 完全手冊</dc:title>")
            || opf.contains(">CORS 完全手冊</dc:title>"),
        "{opf}"
    );
    // every post's title on its own opening page, its sections under it
    let nav = nav_outline(&files["EPUB/nav.xhtml"]);
    let posts: Vec<&String> = nav
        .iter()
        .filter(|l| l.starts_with("CORS 完全手冊（"))
        .collect();
    assert_eq!(posts.len(), 6, "{nav:#?}");
    assert!(nav.iter().any(|l| l.starts_with("  前言 -> ")), "{nav:#?}");
    let openings = files
        .values()
        .filter(|t| plain(t).contains("<h1 class=\"title\">CORS 完全手冊（"))
        .count();
    assert_eq!(openings, 6);
    // images by site-root paths, from source/
    assert!(
        files
            .keys()
            .filter(|k| k.starts_with("EPUB/images/"))
            .count()
            >= 20
    );
}

/// The text without `<span …>`/`</span>` tags (syntax highlighting).
/// XHTML with the typesetter's phrase breaks (`<wbr/>`) left out and its fixed quarter-em
/// spaces (U+2005) read as spaces.
fn plain(xhtml: &str) -> String {
    xhtml.replace("<wbr/>", "").replace("&#x2005;", " ")
}

fn strip_spans(xhtml: &str) -> String {
    let mut out = String::with_capacity(xhtml.len());
    let mut rest = xhtml;
    while let Some(i) = rest.find("<span") {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        rest = &rest[rest.find('>').map_or(rest.len(), |j| j + 1)..];
    }
    out.push_str(rest);
    out.replace("</span>", "")
}

/// A long README without front matter is titled by its first heading, not by a shell comment
/// in a code block before it, nor by a `#tag` line; a setext heading counts.
#[test]
fn a_readme_is_titled_by_its_first_real_heading() {
    let dir = tempfile::tempdir().unwrap();
    let readme = "```bash\n# install deps\nnpm i\n```\n\n#標籤\n\n# **好用的**工具\n\n說明。\n";
    std::fs::write(dir.path().join("README.md"), readme).unwrap();
    let (epub, m) = build(dir.path(), "README.md", &[]);
    keep_epub("readme-first-heading", &epub);
    assert!(m.contains("the title comes from the first heading"), "{m}");
    let opf = &unzip_map(&epub)["EPUB/content.opf"];
    assert!(opf.contains(">好用的工具</dc:title>"), "{opf}");
    std::fs::write(
        dir.path().join("README.md"),
        "我的專案\n========\n\n用法。\n",
    )
    .unwrap();
    let (epub, _) = build(dir.path(), "README.md", &[]);
    let opf = &unzip_map(&epub)["EPUB/content.opf"];
    assert!(opf.contains(">我的專案</dc:title>"), "{opf}");
    let readme = "<p align=\"center\"><img src=\"https://x.org/logo.png\" alt=\"標誌\"></p>\n\n<h1 align=\"center\">好專案</h1>\n\n## 介紹\n\n說明。\n";
    std::fs::write(dir.path().join("README.md"), readme).unwrap();
    let (epub, _) = build(dir.path(), "README.md", &[]);
    let opf = &unzip_map(&epub)["EPUB/content.opf"];
    assert!(opf.contains(">好專案</dc:title>"), "{opf}");
}

/// A GitBook without book.json is titled by its README, not by its summary's heading (GitBook's
/// default `# Table of contents`).
#[test]
fn a_gitbook_summary_heading_is_not_the_title() {
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("gb");
    std::fs::create_dir_all(&book).unwrap();
    std::fs::write(
        book.join("SUMMARY.md"),
        "# Table of contents

* [簡介](README.md)
* [第一章](one.md)
",
    )
    .unwrap();
    std::fs::write(
        book.join("README.md"),
        "# 好書

簡介。
",
    )
    .unwrap();
    std::fs::write(
        book.join("one.md"),
        "# 第一章

內文。
",
    )
    .unwrap();
    let (epub, m) = build(dir.path(), "gb", &["-v"]);
    keep_epub("gitbook-toc-heading", &epub);
    assert!(m.contains("found a GitBook"), "{m}");
    let opf = &unzip_map(&epub)["EPUB/content.opf"];
    assert!(opf.contains(">好書</dc:title>"), "{opf}");
}

/// Hugo's page options in a post's front matter (`build:`/`_build:` with `render`, `list`) are
/// Hugo's: a post Hugo does not publish is left out with a note; a post without a title is
/// named by its first heading or its file, as Hugo and Jekyll do, not refused.
#[test]
fn hugo_page_options_and_posts_without_a_title() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    let posts = site.join("content/posts");
    std::fs::create_dir_all(&posts).unwrap();
    std::fs::write(
        site.join("hugo.toml"),
        "title = \"部落格\"\nlanguageCode = \"zh-tw\"\n",
    )
    .unwrap();
    let write = |name: &str, text: &str| std::fs::write(posts.join(name), text).unwrap();
    write(
        "a.md",
        "---\ntitle: 第一篇\ndate: 2024-01-01\n---\n\n內文一。\n",
    );
    write(
        "b.md",
        "---\ndate: 2024-01-02\n---\n\n# 標題在內文\n\n內文二。\n",
    );
    write(
        "c.md",
        "+++\ntitle = \"\"\ndate = 2024-01-03\n+++\n\n內文三。\n",
    );
    write(
        "headless.md",
        "---\ntitle: 不發布\ndate: 2024-01-04\nbuild:\n  render: never\n  list: never\n---\n\nHEADLESS\n",
    );
    write(
        "private.md",
        "---\ntitle: 私人\ndate: 2024-01-05\n_build:\n  list: false\n---\n\nPRIVATE\n",
    );
    write(
        "kept.md",
        "---\ntitle: 留下\ndate: 2024-01-06\n_build:\n  render: always\n  publishResources: false\n---\n\n留下的。\n",
    );
    let (epub, m) = build(dir.path(), "site", &[]);
    keep_epub("hugo-page-options", &epub);
    assert!(
        m.contains("note: left out `site/content/posts/headless.md`: its `build` options say Hugo does not publish it"),
        "{m}"
    );
    assert!(
        m.contains("left out `site/content/posts/private.md`"),
        "{m}"
    );
    assert!(!m.contains("error") && !m.contains("unknown key"), "{m}");
    let files = unzip_map(&epub);
    let text: String = files.values().cloned().collect();
    assert!(!text.contains("HEADLESS") && !text.contains("PRIVATE"));
    // `title = ""`: a chapter named by its file, never an empty heading (Ace: empty-heading)
    assert!(!text.contains("<h1 class=\"title\"></h1>"), "{text}");
    let nav = nav_outline(&files["EPUB/nav.xhtml"]).join("\n");
    for title in ["第一篇", "標題在內文", "c", "留下"] {
        assert!(nav.contains(&format!("{title} -> ")), "{title}: {nav}");
    }
}

/// A README without front matter is built in the script it is written in: Simplified Chinese
/// as zh-Hans (with a note), anything else as zh-Hant, the default.
#[test]
fn readme_without_front_matter_in_simplified_chinese() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("README.md"),
        "# 中文模型\n\n这个仓库收集了开源模型,我们会定期更新这些资料。\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("hant.md"),
        "# 中文模型\n\n這個倉庫收集了開源模型,我們會定期更新這些資料。\n",
    )
    .unwrap();
    let (epub, m) = build(dir.path(), "README.md", &[]);
    keep_epub("readme-hans", &epub);
    assert!(
        m.contains("README.md is written in Simplified Chinese: built as zh-Hans (a `lang:` line in front matter chooses)"),
        "{m}"
    );
    let opf = &unzip_map(&epub)["EPUB/content.opf"];
    assert!(opf.contains("<dc:language>zh-Hans</dc:language>"), "{opf}");
    let (epub, m) = build(dir.path(), "hant.md", &[]);
    assert!(!m.contains("Simplified"), "{m}");
    let opf = &unzip_map(&epub)["EPUB/content.opf"];
    assert!(opf.contains("<dc:language>zh-Hant</dc:language>"), "{opf}");
}

/// A raw anchor just above a heading (`<a name="x"></a>` over `## 致謝`, as READMEs mark
/// their sections) takes a link to that heading's chapter, not to the end of the chapter
/// before; an anchor in the middle of a chapter stays where it is.
#[test]
fn readme_anchor_above_a_heading() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("README.md"),
        "---\ntitle: 手冊\n---\n\n- [致謝](#acknowledgements)\n- [中間](#mid)\n- [貢獻](#user-content-貢獻)\n- <a href=\"#user-content-mid\">中段</a>\n\n## 貢獻\n\n提交。\n\n<a name=\"mid\"></a>\n\n中段。\n\n<a name=\"acknowledgements\"></a>\n## 致謝\n\n感謝。\n",
    )
    .unwrap();
    let (epub, m) = build(dir.path(), "README.md", &[]);
    keep_epub("readme-anchor-above-heading", &epub);
    assert!(!m.contains("warning"), "{m}");
    let files = unzip_map(&epub);
    let opening = &files["EPUB/text/c000.xhtml"];
    assert!(
        opening.contains("<a href=\"c002.xhtml#h2\">致"),
        "{opening}"
    );
    assert!(
        opening.contains("<a href=\"c001.xhtml#mid\">中"),
        "{opening}"
    );
    // GitHub's `#user-content-` ids of a README, from Markdown and from raw HTML
    assert!(
        opening.contains("<a href=\"c001.xhtml#h1\">貢"),
        "{opening}"
    );
    assert!(
        opening.contains("<a href=\"c001.xhtml#mid\">中&#x2060;段</a>"),
        "{opening}"
    );
}

/// In a GitBook `$$…$$` within a sentence is an inline formula, as GitBook's math plugins show
/// it; a paragraph of its own is displayed.
#[test]
fn gitbook_inline_double_dollars() {
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("gb");
    std::fs::create_dir_all(&book).unwrap();
    std::fs::write(book.join("SUMMARY.md"), "# Summary\n\n* [一](a.md)\n").unwrap();
    std::fs::write(book.join("README.md"), "# 書\n").unwrap();
    std::fs::write(
        book.join("a.md"),
        "# 一\n\n大小:$$S = L + 1$$,其中 $$L$$ 是長度。\n\n$$\nE = mc^2\n$$\n\n- 項目 $$a$$ 與\n\n| 欄 |\n|---|\n| $$b$$ 值 |\n",
    )
    .unwrap();
    let (epub, m) = build(dir.path(), "gb", &[]);
    keep_epub("gitbook-inline-math", &epub);
    assert!(!m.contains("warning"), "{m}");
    let files = unzip_map(&epub);
    let text = files
        .iter()
        .find(|(_, v)| v.contains("S = L + 1"))
        .unwrap()
        .1;
    assert_eq!(text.matches("display=\"inline\"").count(), 4, "{text}");
    assert_eq!(text.matches("display=\"block\"").count(), 1, "{text}");
}

/// An mdBook whose book.toml says `language = "en"` (what `mdbook init` writes) but whose text
/// is Chinese is built as the Chinese it is written in, with a warning; an English one stays
/// English.
#[test]
fn mdbook_said_english_but_written_in_chinese() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [
        (
            "zh",
            "这是一个简体中文的章节，我们来看看标点符号会不会转换。",
        ),
        (
            "en",
            "This is a chapter in English, with a word of 中文 in it.",
        ),
    ] {
        let book = dir.path().join(name);
        std::fs::create_dir_all(book.join("src")).unwrap();
        std::fs::write(
            book.join("book.toml"),
            "[book]\ntitle = \"書\"\nlanguage = \"en\"\n",
        )
        .unwrap();
        std::fs::write(book.join("src/SUMMARY.md"), "# Summary\n\n- [一](a.md)\n").unwrap();
        std::fs::write(book.join("src/a.md"), format!("# 一\n\n{text}\n")).unwrap();
    }
    let (epub, m) = build(dir.path(), "zh", &[]);
    keep_epub("mdbook-said-english", &epub);
    assert!(
        m.contains("warning: book.toml's `language` says `en`, but the book is written in Chinese: built as zh-Hans\n --> zh/book.toml"),
        "{m}"
    );
    let opf = &unzip_map(&epub)["EPUB/content.opf"];
    assert!(opf.contains("<dc:language>zh-Hans</dc:language>"), "{opf}");
    let (epub, m) = build(dir.path(), "en", &[]);
    assert!(!m.contains("written in Chinese"), "{m}");
    let opf = &unzip_map(&epub)["EPUB/content.opf"];
    assert!(opf.contains("<dc:language>en</dc:language>"), "{opf}");
}

/// `layout: vertical` beside the metadata of a front matter sets the layout, as
/// `build: {layout: vertical}` does; another tool's `layout: post` is ignored.
#[test]
fn front_matter_layout_beside_the_metadata() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("v.md"),
        "---\ntitle: 直排\nlayout: vertical\n---\n\n內文。\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("p.md"),
        "---\ntitle: 橫排\nlayout: post\n---\n\n內文。\n",
    )
    .unwrap();
    let (epub, m) = build(dir.path(), "v.md", &[]);
    assert!(!m.contains("warning"), "{m}");
    let opf = &unzip_map(&epub)["EPUB/content.opf"];
    assert!(opf.contains("page-progression-direction=\"rtl\""), "{opf}");
    let (epub, m) = build(dir.path(), "p.md", &[]);
    assert!(!m.contains("error"), "{m}");
    let opf = &unzip_map(&epub)["EPUB/content.opf"];
    assert!(!opf.contains("page-progression-direction=\"rtl\""), "{opf}");
}

/// A README that opens with its own `<h1 align="center">` and an alert: the title is written
/// once, and the alert's paragraph is not the opening's lede.
#[test]
fn readme_opening_with_raw_title_and_alert() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("README.md"),
        "<h1 align=\"center\">中文大模型</h1>\n\n> [!NOTE]\n> 本列表每週更新。\n\n這是第一段正文。\n\n## 簡介\n\n內容。\n",
    )
    .unwrap();
    let (epub, _) = build(dir.path(), "README.md", &[]);
    keep_epub("readme-raw-title-alert", &epub);
    let text = &unzip_map(&epub)["EPUB/text/c000.xhtml"];
    assert_eq!(text.matches("<h1").count(), 1, "{text}");
    assert!(!text.contains("<p class=\"lede\">本列表"), "{text}");
    assert!(text.contains("<p class=\"lede\">這是"), "{text}");
}

/// mdBook's `<div class="warning">` is drawn as mdBook draws it, a box with a rule, as the
/// alerts are.
#[test]
fn mdbook_warning_div_is_styled() {
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("mb");
    std::fs::create_dir_all(book.join("src")).unwrap();
    std::fs::write(
        book.join("book.toml"),
        "[book]\ntitle = \"書\"\nlanguage = \"zh-TW\"\n",
    )
    .unwrap();
    std::fs::write(book.join("src/SUMMARY.md"), "# Summary\n\n- [一](a.md)\n").unwrap();
    std::fs::write(
        book.join("src/a.md"),
        "# 一\n\n<div class=\"warning\">\n\n小心這段程式。\n\n</div>\n",
    )
    .unwrap();
    let (epub, m) = build(dir.path(), "mb", &[]);
    keep_epub("mdbook-warning-div", &epub);
    assert!(!m.contains("warning:"), "{m}");
    let files = unzip_map(&epub);
    let text = files
        .iter()
        .find(|(k, _)| k.ends_with("c001.xhtml") || k.ends_with("c000.xhtml"))
        .unwrap()
        .1;
    assert!(text.contains("<div class=\"warning\">"), "{text}");
    let css: String = files
        .iter()
        .filter(|(k, _)| k.ends_with(".css"))
        .map(|(_, v)| v.as_str())
        .collect();
    assert!(css.contains("aside.alert, div.warning {"), "{css}");
}

/// A Jekyll post without a title and without a heading is titled as Jekyll titles it, from
/// its file's name; the first post of a site is a post like the others, not the book's
/// opening under the site's title.
#[test]
fn jekyll_post_without_a_title_first() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    std::fs::create_dir_all(site.join("_posts")).unwrap();
    std::fs::write(site.join("_config.yml"), "title: 網誌\nlang: zh-TW\n").unwrap();
    let write =
        |name: &str, text: &str| std::fs::write(site.join("_posts").join(name), text).unwrap();
    write(
        "2022-01-01-my-first-post.md",
        "---\nlayout: post\n---\n\n第一篇的內文。\n",
    );
    write(
        "2022-01-02-second.md",
        "---\ntitle: 有標題\n---\n\n內文。\n",
    );
    write("2022-01-03-no-front-matter.md", "沒有前言的內文。\n");
    let (epub, m) = build(dir.path(), "site", &[]);
    keep_epub("jekyll-untitled-first", &epub);
    assert!(!m.contains("error"), "{m}");
    let files = unzip_map(&epub);
    let nav = &files["EPUB/nav.xhtml"];
    let toc = nav_outline(nav).join("\n");
    assert!(
        toc.starts_with("My First Post -> text/c001.xhtml\n有標題 -> text/c002.xhtml\nNo Front Matter -> text/c003.xhtml"),
        "{toc}"
    );
    assert!(
        nav.contains("<a epub:type=\"bodymatter\" href=\"text/c001.xhtml\">"),
        "{nav}"
    );
    let first = &files["EPUB/text/c001.xhtml"];
    assert!(
        first.contains("<h1 class=\"title\">My First Post</h1>"),
        "{first}"
    );
    assert!(!first.contains("網誌"), "{first}");
    // the date in its file's name, as Jekyll dates a post without one
    assert!(
        first.contains("<p class=\"byline\">2022年<wbr/>1月<wbr/>1日</p>"),
        "{first}"
    );
}

/// The template tags of GitBook, Hexo and Hugo, as those tools show them: code kept as
/// written (never typeset), asides, images, links to other posts; an unknown tag left out
/// with a warning at its line; `check --fix` leaves every tag as written.
#[test]
fn template_tags_of_gitbook_hexo_and_hugo() {
    let dir = tempfile::tempdir().unwrap();
    let hexo = dir.path().join("hexo");
    std::fs::create_dir_all(hexo.join("source/_posts/a")).unwrap();
    std::fs::write(hexo.join("_config.yml"), "title: 部落格\nlanguage: zh-TW\n").unwrap();
    std::fs::write(
        hexo.join("source/_posts/a.md"),
        "---\ntitle: 第一篇\ndate: 2024-01-01\n---\n\n{% codeblock lang:js %}\nconst a = (1, 2);\n{% endcodeblock %}\n\n{% note warning %}\n小心,這裡。\n{% endnote %}\n\n{% asset_img photo.png 海邊 %}\n\n看 {% post_link b 第二篇 %}。\n\n{% flink %}\n",
    )
    .unwrap();
    std::fs::copy(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/ok/full/images/dot.png"),
        hexo.join("source/_posts/a/photo.png"),
    )
    .unwrap();
    std::fs::write(
        hexo.join("source/_posts/b.md"),
        "---\ntitle: 第二篇\ndate: 2024-01-02\n---\n\n{% raw %}{{ x, y }}{% endraw %} 好。\n",
    )
    .unwrap();
    let (epub, m) = build(dir.path(), "hexo", &[]);
    keep_epub("hexo-tags", &epub);
    assert!(
        m.contains("warning: template tag `{% flink %}` is not one hanpub knows: left out, the text around it kept\n  --> hexo/source/_posts/a.md:18:1"),
        "{m}"
    );
    let files = unzip_map(&epub);
    let visible = |x: &str| strip_spans(&plain(x)).replace("&#x2060;", "");
    let text = visible(&files.values().cloned().collect::<String>());
    assert!(text.contains("const a = (1, 2);"), "{text}");
    assert!(
        text.contains("小心，這裡。") && text.contains("警告"),
        "{text}"
    );
    assert!(
        text.contains("{{ x, y }}") && !text.contains("{%"),
        "{text}"
    );
    let all: String = files.values().cloned().collect();
    assert!(
        all.contains("alt=\"海邊\"") && all.contains(">第二篇</a>"),
        "{all}"
    );
    // check --fix changes the text, never a tag or the code a tag holds
    let out = hanpub(dir.path(), &["check", "hexo", "--fix"], &[]);
    let fixed = std::fs::read_to_string(hexo.join("source/_posts/a.md")).unwrap();
    assert!(fixed.contains("小心，這裡。"), "{}\n{fixed}", stderr(&out));
    assert!(
        fixed.contains("{% codeblock lang:js %}\nconst a = (1, 2);\n{% endcodeblock %}"),
        "{fixed}"
    );
    assert!(
        fixed.contains("{% asset_img photo.png 海邊 %}\n\n看 {% post_link b 第二篇 %}。"),
        "{fixed}"
    );

    let hugo = dir.path().join("hugo");
    std::fs::create_dir_all(hugo.join("content/posts")).unwrap();
    std::fs::write(
        hugo.join("hugo.toml"),
        "title = \"站\"\nlanguageCode = \"zh-tw\"\n",
    )
    .unwrap();
    std::fs::write(
        hugo.join("content/posts/a.md"),
        "---\ntitle: 一\ndate: 2024-01-01\n---\n\n{{< highlight go >}}\nfmt.Println(\"哈囉,世界\")\n{{< /highlight >}}\n\n{{% notice tip \"小提示\" %}}\n記得。\n{{% /notice %}}\n\n見[下篇]({{< ref \"b.md\" >}})。\n",
    )
    .unwrap();
    std::fs::write(
        hugo.join("content/posts/b.md"),
        "---\ntitle: 二\ndate: 2024-01-02\n---\n\n內文。\n",
    )
    .unwrap();
    let (epub, m) = build(dir.path(), "hugo", &[]);
    keep_epub("hugo-shortcodes", &epub);
    assert!(!m.contains("warning"), "{m}");
    let all: String = unzip_map(&epub).values().cloned().collect();
    assert!(
        visible(&all).contains("fmt.Println(\"哈囉,世界\")"),
        "{all}"
    );
    assert!(all.contains("<p class=\"alert-title\">小提示</p>"), "{all}");
    assert!(all.contains("<a href=\"c00"), "{all}");
    assert!(!all.contains("{{"), "{all}");
}

/// Hexo's asset folder: `![](photo.png)` in `_posts/trip.md` is `_posts/trip/photo.png`.
#[test]
fn hexo_asset_folder_images() {
    let dir = tempfile::tempdir().unwrap();
    let hexo = dir.path().join("hexo");
    std::fs::create_dir_all(hexo.join("source/_posts/trip")).unwrap();
    std::fs::write(
        hexo.join("_config.yml"),
        "title: 旅行\npost_asset_folder: true\n",
    )
    .unwrap();
    std::fs::write(
        hexo.join("source/_posts/trip.md"),
        "---\ntitle: 旅行\ndate: 2024-01-01\n---\n\n![海邊](photo.png)\n",
    )
    .unwrap();
    std::fs::copy(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/ok/full/images/dot.png"),
        hexo.join("source/_posts/trip/photo.png"),
    )
    .unwrap();
    let (epub, _) = build(dir.path(), "hexo", &[]);
    keep_epub("hexo-asset-folder", &epub);
    let files = unzip_map(&epub);
    assert!(
        files.keys().any(|k| k.starts_with("EPUB/images/")),
        "{:?}",
        files.keys()
    );
}

/// docsify as its own template and its links have it: `name:` of `window.$docsify` (not a
/// `<meta name>`), a Chinese book in docsify's `<html lang="en">` template, links from the
/// site's root and `?id=` sections, an embedded file.
#[test]
fn docsify_as_its_template_has_it() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("docs");
    std::fs::create_dir_all(site.join("guide")).unwrap();
    std::fs::create_dir_all(site.join("_media")).unwrap();
    std::fs::write(
        site.join("index.html"),
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n  <meta name=\"viewport\" content=\"width=device-width\">\n</head>\n<body>\n<script>\n  window.$docsify = {\n    name: '我的文件',\n    loadSidebar: true\n  }\n</script>\n</body>\n</html>\n",
    )
    .unwrap();
    std::fs::write(
        site.join("_sidebar.md"),
        "- [首頁](/)\n- [指南](guide/a.md)\n- [進階](guide/b.md)\n",
    )
    .unwrap();
    std::fs::write(
        site.join("README.md"),
        "# 首頁\n\n這是一本說明文件的首頁。\n",
    )
    .unwrap();
    std::fs::write(
        site.join("guide/a.md"),
        "# 指南\n\n見[進階](guide/b.md?id=重試次數)、[背包](#/guide/b?id=_0-1-背包)。\n\n[公告](_media/n.md ':include')\n",
    )
    .unwrap();
    std::fs::write(
        site.join("guide/b.md"),
        "# 進階\n\n## 重試次數\n\n三次。\n\n## 0-1 背包\n\n動態規劃。\n",
    )
    .unwrap();
    std::fs::write(site.join("_media/n.md"), "公告內容。\n").unwrap();
    let (epub, m) = build(dir.path(), "docs", &[]);
    keep_epub("docsify-template", &epub);
    assert!(
        m.contains("warning: index.html says <html lang=\"en\">, but README.md is in Chinese: built as zh-Hant"),
        "{m}"
    );
    assert!(!m.contains("broken link"), "{m}");
    let files = unzip_map(&epub);
    let opf = &files["EPUB/content.opf"];
    assert!(
        opf.contains(">我的文件</dc:title>") && opf.contains("<dc:language>zh-Hant</dc:language>"),
        "{opf}"
    );
    let all: String = files.values().cloned().collect();
    assert!(all.replace("&#x2060;", "").contains("公告內容"), "{all}");
    assert!(all.contains("<a href=\"c003.xhtml#h4\">"), "{all}");
}

/// docsify's sidebar of a folder (`guide/_sidebar.md`, shown on its pages with `loadSidebar`):
/// the pages only it lists are in the book, after the folder's pages, under its README.
#[test]
fn docsify_folder_sidebars() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("docs");
    std::fs::create_dir_all(site.join("guide")).unwrap();
    std::fs::write(site.join("index.html"), "<html lang=\"zh-TW\"><script>window.$docsify={name:'小狐',loadSidebar:true}</script></html>\n").unwrap();
    std::fs::write(
        site.join("_sidebar.md"),
        "- [介紹](/)\n- [指南](guide/)\n- [常見問題](faq.md)\n",
    )
    .unwrap();
    std::fs::write(
        site.join("guide/_sidebar.md"),
        "- [指南](guide/)\n- [安裝](guide/install.md)\n- [部署](deploy.md)\n",
    )
    .unwrap();
    for (name, text) in [
        ("README.md", "# 介紹\n\n小狐是一個框架。\n"),
        ("faq.md", "# 常見問題\n\n問與答。\n"),
        ("guide/README.md", "# 指南\n\n下一步:[部署](deploy.md)。\n"),
        ("guide/install.md", "# 安裝\n\n安裝它。\n"),
        ("guide/deploy.md", "# 部署\n\n部署它。\n"),
    ] {
        std::fs::write(site.join(name), text).unwrap();
    }
    let (epub, m) = build(dir.path(), "docs", &[]);
    keep_epub("docsify-folder-sidebars", &epub);
    assert!(!m.contains("broken link") && !m.contains("warning"), "{m}");
    let toc = nav_outline(&unzip_map(&epub)["EPUB/nav.xhtml"]).join("\n");
    assert_eq!(
        toc.lines().take(5).collect::<Vec<_>>().join("\n"),
        "介紹 -> text/c000.xhtml\n指南 -> text/c001.xhtml\n安裝 -> text/c002.xhtml\n部署 -> text/c003.xhtml\n常見問題 -> text/c004.xhtml",
        "{toc}"
    );
    // in groups: a page the folder's sidebar adds sits beside the pages it follows there
    std::fs::write(
        site.join("_sidebar.md"),
        "- 入門\n  - [介紹](/)\n  - [指南](guide/)\n- [常見問題](faq.md)\n",
    )
    .unwrap();
    std::fs::write(
        site.join("guide/_sidebar.md"),
        "- 指南\n  - [指南](guide/)\n  - [安裝](guide/install.md)\n",
    )
    .unwrap();
    let (epub, _) = build(dir.path(), "docs", &[]);
    let toc = nav_outline(&unzip_map(&epub)["EPUB/nav.xhtml"]).join("\n");
    assert!(
        toc.contains("  指南 -> text/c001.xhtml\n  安裝 -> text/c002.xhtml\n常見問題"),
        "{toc}"
    );
}

/// A link to a Jekyll post as the site publishes it: under its `baseurl` and its
/// `:categories` (`/blog/python/2022/08/01/a.html`); a path of one part is not taken for one.
#[test]
fn jekyll_links_under_baseurl_and_categories() {
    let dir = tempfile::tempdir().unwrap();
    let blog = dir.path().join("blog");
    std::fs::create_dir_all(blog.join("_posts")).unwrap();
    std::fs::write(blog.join("_config.yml"), "title: 部落格\nbaseurl: /blog\n").unwrap();
    std::fs::write(
        blog.join("_posts/2022-08-01-a.md"),
        "---\ntitle: 甲\ncategories: python\n---\n\n內文。\n",
    )
    .unwrap();
    std::fs::write(
        blog.join("_posts/2022-08-02-b.md"),
        "---\ntitle: 乙\n---\n\n見[甲](/blog/python/2022/08/01/a.html)與[甲](/python/2022/08/01/a.html)。\n\n[標籤](/tags/a)\n",
    )
    .unwrap();
    let (epub, m) = build(dir.path(), "blog", &[]);
    keep_epub("jekyll-baseurl", &epub);
    assert_eq!(m.matches("broken link").count(), 1, "{m}");
    assert!(m.contains("broken link `/tags/a`"), "{m}");
    let all: String = unzip_map(&epub).values().cloned().collect();
    let all = all.replace("&#x2060;", "");
    assert_eq!(
        all.matches("<a href=\"c001.xhtml\">甲</a>").count(),
        2,
        "{all}"
    );
}

/// A GitBook kept with Git Sync: `.gitbook.yaml` names the root and the summary and readme
/// files; the readme's front matter is not its title.
#[test]
fn gitbook_git_sync_layout() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(repo.join("docs/guide")).unwrap();
    std::fs::write(
        repo.join(".gitbook.yaml"),
        "root: ./docs/\n\nstructure:\n  readme: intro.md\n  summary: toc.md\n",
    )
    .unwrap();
    std::fs::write(repo.join("README.md"), "# 倉庫說明\n").unwrap();
    std::fs::write(
        repo.join("docs/toc.md"),
        "# Table of contents\n\n* [歡迎](intro.md)\n* [指南](guide/a.md)\n",
    )
    .unwrap();
    std::fs::write(
        repo.join("docs/intro.md"),
        "---\ndescription: 這是說明。\n---\n\n# 好書\n\n歡迎。\n",
    )
    .unwrap();
    std::fs::write(repo.join("docs/guide/a.md"), "# 指南\n\n內文。\n").unwrap();
    let (epub, _) = build(dir.path(), "repo", &[]);
    keep_epub("gitbook-git-sync", &epub);
    let files = unzip_map(&epub);
    assert!(
        files["EPUB/content.opf"].contains(">好書</dc:title>"),
        "{}",
        files["EPUB/content.opf"]
    );
    let nav = nav_outline(&files["EPUB/nav.xhtml"]).join("\n");
    assert!(
        nav.contains("歡迎 -> ") && nav.contains("指南 -> "),
        "{nav}"
    );
    assert!(!nav.contains("倉庫說明"), "{nav}");
}

/// A Hugo site configured by folder (`config/_default/`, as Blowfish and Congo keep it), each
/// language's pages in its own `contentDir`, the author under the language's `params`: the
/// book is the default language's, titled and credited as that language's settings say.
#[test]
fn hugo_configuration_folder_and_content_per_language() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    for (path, text) in [
        (
            "config/_default/hugo.toml",
            "baseURL = \"https://example.org/\"\ndefaultContentLanguage = \"zh-tw\"\ntheme = \"blowfish\"\n",
        ),
        (
            "config/_default/languages.zh-tw.toml",
            "languageCode = \"zh-TW\"\ntitle = \"小站\"\ncontentDir = \"content/zh-tw\"\nweight = 1\n[params.author]\nname = \"陳大文\"\n",
        ),
        (
            "config/_default/languages.en.toml",
            "languageCode = \"en\"\ntitle = \"Site\"\ncontentDir = \"content/en\"\nweight = 2\n",
        ),
        (
            "config/_default/params.toml",
            "colorScheme = \"blowfish\"\n",
        ),
        (
            "content/zh-tw/posts/bread.md",
            "---\ntitle: 麵包\ndate: 2024-01-01\n---\n\n內文，見[另一篇](/posts/rice/)。\n",
        ),
        (
            "content/zh-tw/posts/rice.md",
            "---\ntitle: 米飯\ndate: 2024-01-02\n---\n\n內文。\n",
        ),
        (
            "content/en/posts/bread.md",
            "---\ntitle: Bread\ndate: 2024-01-01\n---\n\nText.\n",
        ),
    ] {
        let path = site.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let (epub, m) = build(dir.path(), "site", &[]);
    keep_epub("hugo-configuration-folder", &epub);
    let files = unzip_map(&epub);
    let opf = &files["EPUB/content.opf"];
    assert!(
        opf.contains("<dc:title id=\"title\">小站</dc:title>"),
        "{opf}"
    );
    assert!(opf.contains(">陳大文</dc:creator>"), "{opf}");
    assert!(opf.contains("<dc:language>zh-Hant</dc:language>"), "{opf}");
    assert_eq!(
        nav_outline(&files["EPUB/nav.xhtml"]),
        ["麵包 -> text/c001.xhtml", "米飯 -> text/c002.xhtml"],
        "{m}"
    );
    // the link by the post's permalink reaches it in the book
    assert!(
        files["EPUB/text/c001.xhtml"].contains("href=\"c002.xhtml\""),
        "{m}"
    );
    assert!(!m.contains("warning"), "{m}");
}

/// A Hugo site that names its languages: `post.en.md` is a translation, left out of a Chinese
/// book with a note; a site that does not keeps `hello.it.md` (a name, not Italian).
#[test]
fn hugo_translations() {
    let dir = tempfile::tempdir().unwrap();
    for (site, langs) in [("multi", true), ("plain", false)] {
        let posts = dir.path().join(site).join("content/posts");
        std::fs::create_dir_all(&posts).unwrap();
        let config = if langs {
            "title = \"站\"\ndefaultContentLanguage = \"zh-tw\"\n[languages]\n[languages.zh-tw]\nweight = 1\n[languages.en]\nweight = 2\n"
        } else {
            "title = \"站\"\nlanguageCode = \"zh-tw\"\n"
        };
        std::fs::write(dir.path().join(site).join("hugo.toml"), config).unwrap();
        std::fs::write(
            posts.join("bread.md"),
            "---\ntitle: 麵包\ndate: 2024-01-01\n---\n\n內文。\n",
        )
        .unwrap();
        std::fs::write(
            posts.join("bread.en.md"),
            "---\ntitle: Bread\ndate: 2024-01-01\n---\n\nText.\n",
        )
        .unwrap();
        std::fs::write(
            posts.join("hello.it.md"),
            "---\ntitle: 網域\ndate: 2024-01-02\n---\n\n內文。\n",
        )
        .unwrap();
    }
    let (epub, m) = build(dir.path(), "multi", &[]);
    keep_epub("hugo-translations", &epub);
    assert!(
        m.contains("note: left out `multi/content/posts/bread.en.md`: a translation into `en` (the book is in `zh-Hant`)"),
        "{m}"
    );
    assert!(
        m.contains("left out `multi/content/posts/hello.it.md`"),
        "{m}"
    );
    let (epub, m) = build(dir.path(), "plain", &[]);
    assert!(!m.contains("translation"), "{m}");
    let nav = nav_outline(&unzip_map(&epub)["EPUB/nav.xhtml"]).join("\n");
    assert!(nav.contains("網域 -> "), "{nav}");
}

/// A GitBook in several languages (`LANGS.md`): its Chinese book is built, with a note that
/// names the others.
#[test]
fn gitbook_in_several_languages() {
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("gb");
    for (lang, title) in [("en", "Hello"), ("zh-tw", "你好")] {
        std::fs::create_dir_all(book.join(lang)).unwrap();
        std::fs::write(
            book.join(lang).join("SUMMARY.md"),
            format!("# Summary\n\n* [{title}](README.md)\n"),
        )
        .unwrap();
        std::fs::write(
            book.join(lang).join("README.md"),
            format!("# {title}\n\n內文。\n"),
        )
        .unwrap();
    }
    std::fs::write(
        book.join("LANGS.md"),
        "# Languages\n\n* [English](en/)\n* [繁體中文](zh-tw/)\n",
    )
    .unwrap();
    let (epub, m) = build(dir.path(), "gb", &[]);
    keep_epub("gitbook-langs", &epub);
    assert!(
        m.contains("note: a GitBook in several languages: built `zh-tw/` (繁體中文); build another with `hanpub build gb/en`"),
        "{m}"
    );
    let nav = nav_outline(&unzip_map(&epub)["EPUB/nav.xhtml"]).join("\n");
    assert!(nav.contains("你好 -> ") && !nav.contains("Hello"), "{nav}");
}

/// A site's own `permalink:` pattern: links to posts as the site publishes them.
#[test]
fn site_permalink_patterns() {
    let dir = tempfile::tempdir().unwrap();
    let hexo = dir.path().join("hexo");
    std::fs::create_dir_all(hexo.join("source/_posts")).unwrap();
    std::fs::write(
        hexo.join("_config.yml"),
        "title: 部落格\npermalink: posts/:year/:name/\n",
    )
    .unwrap();
    std::fs::write(
        hexo.join("source/_posts/a.md"),
        "---\ntitle: 甲\ndate: 2023-05-09\n---\n\n內文。\n",
    )
    .unwrap();
    std::fs::write(
        hexo.join("source/_posts/b.md"),
        "---\ntitle: 乙\ndate: 2023-05-10\n---\n\n見[甲](/posts/2023/a/)。\n",
    )
    .unwrap();
    let (epub, m) = build(dir.path(), "hexo", &[]);
    keep_epub("hexo-permalink", &epub);
    assert!(!m.contains("broken link"), "{m}");
    let all: String = unzip_map(&epub).values().cloned().collect();
    assert!(
        all.replace("&#x2060;", "")
            .contains("<a href=\"c001.xhtml\">甲</a>"),
        "{all}"
    );
}

/// Formula macros as MathJax and KaTeX keep them: defined in one formula (`\newcommand`,
/// `\def`, `\DeclareMathOperator`), used in later formulas of the file, also in its other
/// chapters and in raw HTML; mdbook-katex's `macros` file serves every chapter, and a line of
/// it that is no macro is a warning at its line; mhchem's `\ce` and `\pu` are formulas.
#[test]
fn formula_macros_and_chemistry() {
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("math");
    std::fs::create_dir_all(book.join("src")).unwrap();
    std::fs::write(
        book.join("book.toml"),
        "[book]\ntitle = \"數學筆記\"\nlanguage = \"zh-TW\"\n\n[preprocessor.katex]\nmacros = \"macros.txt\"\n",
    )
    .unwrap();
    std::fs::write(
        book.join("macros.txt"),
        "\\grad:{\\nabla}\n\\Rn:\\mathbb{R}^{#1 \\times #2}\nnot a macro\n",
    )
    .unwrap();
    std::fs::write(
        book.join("src/SUMMARY.md"),
        "# 摘要\n\n- [線性代數](a.md)\n- [化學](b.md)\n",
    )
    .unwrap();
    std::fs::write(
        book.join("src/a.md"),
        "# 線性代數\n\n$$\n\\newcommand{\\R}{\\mathbb{R}}\n\\DeclareMathOperator{\\tr}{tr}\n$$\n\n設 $x \\in \\R^n$，$\\tr(A)$。\n\n## 梯度\n\n$f: \\Rn{n}{1} \\to \\R$ 的梯度 $\\grad f$。\n\n<table><tr><td>$\\tr(B)$</td></tr></table>\n",
    )
    .unwrap();
    std::fs::write(
        book.join("src/b.md"),
        "# 化學\n\n$\\ce{2H2 + O2 -> 2H2O}$，$\\ce{SO4^2-}$，$\\pu{123 kJ/mol}$。這裡的 $\\R$ 沒有定義。\n",
    )
    .unwrap();
    let (epub, m) = build(dir.path(), "math", &[]);
    keep_epub("formula-macros", &epub);
    assert!(
        m.contains("warning: not a formula macro: left out\n --> math/macros.txt:3:1"),
        "{m}"
    );
    // only the chemistry chapter's \R, which its file never defines, stays TeX
    assert_eq!(m.matches("cannot be converted").count(), 1, "{m}");
    assert!(m.contains("formula `\\R` cannot be converted"), "{m}");
    let files = unzip_map(&epub);
    let text: String = ["c000", "c001", "c002"]
        .iter()
        .map(|c| files[&format!("EPUB/text/{c}.xhtml")].as_str())
        .collect();
    for want in [
        "<mi>ℝ</mi>",
        "<mi>tr</mi>",
        "<mi>∇</mi>",
        "<mo>→</mo>",
        "<mn>123</mn><mtext>\u{a0}</mtext>",
        "<mi>tr</mi><mo>⁡</mo><mo symmetric=\"false\" stretchy=\"false\">(</mo><mi>B</mi>",
    ] {
        assert!(text.contains(want), "{want}: {text}");
    }
    // the formula of definitions alone shows nothing, and leaves no empty paragraph
    assert!(!text.contains("newcommand{\\R}"), "{text}");
    assert!(!text.contains("<p></p>") && !text.contains("<p class=\"lede\"></p>"));
}

/// Emoji shortcodes become their emoji where the book's own renderer shows them: hanpub's own
/// forms (as GitHub shows a Markdown file) unless `[build] emoji = false`, docsify with its
/// emoji plugin (not with `noEmoji: true`), Hugo with `enableEmoji`, a GitBook with the emoji
/// plugin; an mdBook shows them as written, and so does hanpub. Code keeps them; a name
/// gemoji does not have stays as written.
#[test]
fn emoji_shortcodes_as_the_form_shows_them() {
    let text = "## 特性 :rocket:\n\n完成 :tada: 與 :not_an_emoji: 以及 `:smile:`。\n";
    let written = |files: &std::collections::BTreeMap<String, String>| {
        let all: String = files
            .iter()
            .filter(|(k, _)| k.starts_with("EPUB/text/") || k.ends_with("nav.xhtml"))
            .map(|(_, v)| v.as_str())
            .collect();
        let emoji = all.contains(
            "完成 🎉 與 <span class=\"nobr\">:not_an_emoji:</span> 以及&#x2005;<code>:smile:</code>",
        ) && all.contains("特性 🚀</a>");
        let as_written = all.contains("完成 <span class=\"nobr\">:tada:</span> 與")
            && all.contains("特性 :rocket:</a>");
        assert!(emoji != as_written, "{all}");
        emoji
    };
    let n = std::cell::Cell::new(0);
    let case = |files: &[(&str, &str)], book: &str| {
        n.set(n.get() + 1);
        let dir = tempfile::tempdir().unwrap();
        for (name, data) in files {
            let p = dir.path().join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, data).unwrap();
        }
        let (epub, _) = build(dir.path(), book, &[]);
        keep_epub(&format!("emoji-{}", n.get()), &epub);
        written(&unzip_map(&epub))
    };
    let one = format!("# 書\n\n{text}");
    assert!(case(&[("a.md", &one)], "a.md"), "one Markdown file");
    let toml = "[book]\ntitle = \"書\"\nlang = \"zh-Hant\"\n[build]\nchapters = [\"a.md\"]\n";
    assert!(case(&[("b/book.toml", toml), ("b/a.md", &one)], "b"));
    let off = format!("{toml}emoji = false\n");
    assert!(!case(&[("b/book.toml", &off), ("b/a.md", &one)], "b"));

    let index = |plugin: &str, settings: &str| {
        format!(
            "<html lang=\"zh-TW\"><body><script>window.$docsify = {{ name: '書'{settings} }}</script>{plugin}</body></html>"
        )
    };
    let plugin =
        "<script src=\"//cdn.jsdelivr.net/npm/docsify/lib/plugins/emoji.min.js\"></script>";
    let docsify = |index: &str| {
        case(
            &[
                ("d/index.html", index),
                ("d/_sidebar.md", "- [首頁](/)\n"),
                ("d/README.md", &one),
            ],
            "d",
        )
    };
    assert!(docsify(&index(plugin, "")));
    assert!(!docsify(&index(plugin, ", noEmoji: true")));
    assert!(!docsify(&index("", "")));

    let hugo = |config: &str| {
        case(
            &[
                ("h/hugo.toml", config),
                (
                    "h/content/posts/a.md",
                    &format!("---\ntitle: 書\ndate: 2024-01-01\n---\n\n{text}"),
                ),
            ],
            "h",
        )
    };
    assert!(hugo(
        "title = \"站\"\nlanguageCode = \"zh-TW\"\nenableEmoji = true\n"
    ));
    assert!(!hugo("title = \"站\"\nlanguageCode = \"zh-TW\"\n"));

    let gitbook = |json: &str| {
        case(
            &[
                ("g/book.json", json),
                ("g/SUMMARY.md", "# Summary\n\n* [書](a.md)\n"),
                ("g/a.md", &one),
            ],
            "g",
        )
    };
    assert!(gitbook(
        r#"{"language": "zh-hant", "plugins": ["emoji", "-sharing"]}"#
    ));
    assert!(!gitbook(
        r#"{"language": "zh-hant", "plugins": ["-sharing"]}"#
    ));

    let mdbook = "[book]\ntitle = \"書\"\nlanguage = \"zh-TW\"\nsrc = \"src\"\n";
    assert!(!case(
        &[
            ("m/book.toml", mdbook),
            ("m/src/SUMMARY.md", "# Summary\n\n- [書](a.md)\n"),
            ("m/src/a.md", &one),
        ],
        "m"
    ));
}

/// A repository that keeps its book in `docs/` (docsify's and GitHub Pages' folder), beside its
/// own README, built from the repository's folder: the book in `docs/`, said in a note, the
/// EPUB named after the repository. A `docs/` of loose Markdown files is not a book: the
/// README is.
#[test]
fn a_repository_with_its_book_in_docs() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("my-repo");
    let site = repo.join("docs");
    std::fs::create_dir_all(&site).unwrap();
    std::fs::write(
        repo.join("README.md"),
        "# 專案\n\n原始碼與文件。文件在 docs 資料夾。\n",
    )
    .unwrap();
    std::fs::write(
        site.join("index.html"),
        "<script>\n  window.$docsify = { name: '使用手冊', loadSidebar: true }\n</script>\n",
    )
    .unwrap();
    std::fs::write(
        site.join("_sidebar.md"),
        "- [首頁](/)\n- [安裝](install.md)\n",
    )
    .unwrap();
    std::fs::write(site.join("README.md"), "# 首頁\n\n這是使用手冊的首頁。\n").unwrap();
    std::fs::write(site.join("install.md"), "# 安裝\n\n下載後執行。\n").unwrap();
    let (epub, m) = build(dir.path(), "my-repo", &[]);
    assert!(m.contains("note: the book is in `my-repo/docs`\n"), "{m}");
    let files = unzip_map(&epub);
    assert!(files["EPUB/content.opf"].contains(">使用手冊</dc:title>"));
    let all: String = files
        .values()
        .cloned()
        .collect::<String>()
        .replace("&#x2060;", "");
    assert!(
        all.contains("下載後執行") && !all.contains("原始碼與文件"),
        "{all}"
    );
    // the default output is named after the repository, not `docs`
    let out = hanpub(dir.path(), &["build", "my-repo", "--no-cover"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(dir.path().join("out/my-repo.epub").is_file());
    // loose Markdown files in docs/: the README is the book
    std::fs::remove_file(site.join("_sidebar.md")).unwrap();
    let (epub, m) = build(dir.path(), "my-repo", &[]);
    assert!(!m.contains("the book is in"), "{m}");
    let all: String = unzip_map(&epub)
        .values()
        .cloned()
        .collect::<String>()
        .replace("&#x2060;", "");
    assert!(
        all.contains("原始碼與文件") && !all.contains("下載後執行"),
        "{all}"
    );
}

/// A post whose body opens with a heading that repeats its front matter's title (written for
/// a theme that shows none) opens with that title once: its text follows the title on its
/// opening page, not on a page of its own after an empty one.
#[test]
fn a_post_that_repeats_its_title_as_a_heading() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    let posts = site.join("content/posts");
    std::fs::create_dir_all(&posts).unwrap();
    std::fs::write(
        site.join("hugo.toml"),
        "title = \"筆記\"\nlanguageCode = \"zh-tw\"\n",
    )
    .unwrap();
    std::fs::write(
        posts.join("a.md"),
        "---\ntitle: 函式\ndate: 2024-01-01\n---\n\n# 函式\n\n函式是一段程式。\n\n## 參數\n\n參數有兩個。\n",
    )
    .unwrap();
    std::fs::write(
        posts.join("b.md"),
        "---\ntitle: 變數\ndate: 2024-01-02\n---\n\n# 變數與常數\n\n兩者不同。\n",
    )
    .unwrap();
    let (epub, _) = build(dir.path(), "site", &[]);
    let files = unzip_map(&epub);
    assert_eq!(
        nav_outline(&files["EPUB/nav.xhtml"]),
        [
            "函式 -> text/c001.xhtml",
            "  參數 -> text/c002.xhtml",
            "變數 -> text/c003.xhtml",
            "  變數與常數 -> text/c004.xhtml",
        ]
    );
    let opening = files["EPUB/text/c001.xhtml"].replace("&#x2060;", "");
    assert!(opening.contains("函式是一段程式"), "{opening}");
    assert_eq!(opening.matches("函式</h1>").count(), 1, "{opening}");
}

/// A Hexo post kept in Hexo 2's format (front matter without its opening `---`) is read with
/// its title and date, not shown as a heading made of its front matter.
#[test]
fn hexo_post_without_the_opening_rule() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("blog");
    let posts = site.join("source/_posts");
    std::fs::create_dir_all(&posts).unwrap();
    std::fs::write(site.join("_config.yml"), "title: 部落格\nlanguage: zh-TW\n").unwrap();
    std::fs::write(
        posts.join("old.md"),
        "title: 舊格式文章\ndate: 2013/7/13 20:46:25\ntags:\n- 雜記\n---\n\n沒有開頭分隔線。\n",
    )
    .unwrap();
    std::fs::write(
        posts.join("new.md"),
        "---\ntitle: 新格式文章\ndate: 2020-01-01\n---\n\n有分隔線。\n",
    )
    .unwrap();
    let (epub, m) = build(dir.path(), "blog", &[]);
    assert!(!m.contains("warning"), "{m}");
    let files = unzip_map(&epub);
    assert_eq!(
        nav_outline(&files["EPUB/nav.xhtml"]),
        [
            "舊格式文章 -> text/c001.xhtml",
            "新格式文章 -> text/c002.xhtml"
        ]
    );
    let old = files["EPUB/text/c001.xhtml"]
        .replace("&#x2060;", "")
        .replace("<wbr/>", "");
    assert!(
        old.contains("<p class=\"byline\">2013年7月13日</p>"),
        "{old}"
    );
    assert!(!old.contains("date:"), "{old}");
}

/// A Hugo site of the hugo-book theme is the book of its `docs` section (`BookSection`), its
/// home page first, ordered as its menu is (each section by its `_index.md`'s weight, its own
/// text first in it, then its pages by weight), each section's pages nested under its page, or
/// under its title when its `_index.md` has no text. The site's posts are not the book.
#[test]
fn hugo_book_theme_docs_in_menu_order() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    let write = |path: &str, text: &str| {
        let p = site.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write(
        "config.toml",
        "title = 'Go 手冊'\ntheme = 'hugo-book'\nlanguageCode = 'zh-tw'\n\n[params]\n  BookToC = true\n",
    );
    write("content/_index.md", "---\ntitle: 簡介\n---\n\n這是首頁。\n");
    write(
        "content/docs/basics/_index.md",
        "---\ntitle: 基礎\nweight: 1\n---\n\n# 基礎\n\n本章介紹基礎。\n",
    );
    write(
        "content/docs/basics/variables.md",
        "---\ntitle: 變數\nweight: 2\n---\n\n宣告變數。\n",
    );
    write(
        "content/docs/basics/functions.md",
        "---\ntitle: 函式\nweight: 1\n---\n\n定義函式。\n",
    );
    write(
        "content/docs/advanced/_index.md",
        "---\ntitle: 進階\nweight: 2\n---\n",
    );
    write(
        "content/docs/advanced/goroutine.md",
        "---\ntitle: Goroutine\n---\n\n並行。\n",
    );
    write(
        "content/posts/news.md",
        "---\ntitle: 新版本\ndate: 2023-01-01\n---\n\n發布。\n",
    );
    let (epub, m) = build(dir.path(), "site", &[]);
    assert!(!m.contains("warning"), "{m}");
    let files = unzip_map(&epub);
    assert_eq!(
        nav_outline(&files["EPUB/nav.xhtml"]),
        [
            "簡介 -> text/c001.xhtml",
            "基礎 -> text/c002.xhtml",
            "  函式 -> text/c003.xhtml",
            "  變數 -> text/c004.xhtml",
            "進階 -> text/c005.xhtml",
            "  Goroutine -> text/c005.xhtml",
        ]
    );
    let all: String = files.values().cloned().collect();
    assert!(!all.contains("新版本"));
    assert!(
        files["EPUB/text/c002.xhtml"]
            .replace("&#x2060;", "")
            .contains("本章介紹基礎")
    );
}

/// A README that centres its title and tagline in a `<div align="center">` (around Markdown,
/// blank lines inside) opens with that title and tagline, once: the div is left out, not cut
/// in two by the chapter its heading would start.
#[test]
fn readme_with_its_title_in_a_centred_div() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("README.md"),
        "<div align=\"center\">\n\n# 超棒工具\n\n一句話說明這個工具。\n\n</div>\n\n## 安裝\n\n下載後執行。\n",
    )
    .unwrap();
    let (epub, _) = build(dir.path(), "README.md", &[]);
    keep_epub("readme-centred-div", &epub);
    let files = unzip_map(&epub);
    assert_eq!(
        nav_outline(&files["EPUB/nav.xhtml"]),
        ["超棒工具 -> text/c000.xhtml", "安裝 -> text/c001.xhtml"]
    );
    let opening = files["EPUB/text/c000.xhtml"].replace("&#x2060;", "");
    assert!(opening.contains("一句話說明這個工具"), "{opening}");
    assert!(!opening.contains("<div"), "{opening}");
}

/// A README whose badges (and a back-to-top anchor) come before its `# 標題`, the book titled
/// by that heading: one opening, the title first, the badges and tagline under it; not an
/// opening titled as the book and then a chapter of the same name.
#[test]
fn readme_with_badges_above_its_title() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("README.md"),
        "<a name=\"readme-top\"></a>\n\n<p align=\"center\"><img src=\"https://img.shields.io/badge/a-b-blue.svg\" alt=\"授權\"></p>\n\n# 演算法筆記\n\n> 一份學習筆記。\n\n## 排序\n\n內容，[回到頂部](#readme-top)。\n",
    )
    .unwrap();
    let (epub, _) = build(dir.path(), "README.md", &[]);
    keep_epub("readme-badges-above-title", &epub);
    let files = unzip_map(&epub);
    assert_eq!(
        nav_outline(&files["EPUB/nav.xhtml"]),
        ["演算法筆記 -> text/c000.xhtml", "排序 -> text/c001.xhtml"]
    );
    let opening = files["EPUB/text/c000.xhtml"].replace("&#x2060;", "");
    let (title, badge, tagline) = (
        opening.find("class=\"title\">演算法").unwrap(),
        opening.find(">授權</a>").unwrap(),
        opening.find("一份學習筆記").unwrap(),
    );
    assert!(title < badge && badge < tagline, "{opening}");
    assert!(
        files["EPUB/text/c001.xhtml"].contains("href=\"c000.xhtml#readme-top\""),
        "{}",
        files["EPUB/text/c001.xhtml"]
    );
}
