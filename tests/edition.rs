//! The Simplified Chinese edition built from the Traditional source.

mod common;

use common::*;

fn build(cwd: &std::path::Path, book: &str, extra: &[&str]) -> Vec<u8> {
    let out_path = cwd.join("out.epub");
    let mut args = vec!["build", book, "-o", out_path.to_str().unwrap(), "-q"];
    args.extend_from_slice(extra);
    let out = hanpub(cwd, &args, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    std::fs::read(out_path).unwrap()
}

#[test]
fn shipped_book_in_simplified_chinese() {
    let dir = tempfile::tempdir().unwrap();
    let book = root().join("book");
    let bytes = build(
        dir.path(),
        book.to_str().unwrap(),
        &["--edition", "zh-Hans"],
    );
    keep_epub("book-zh-Hans", &bytes);
    assert_eq!(
        bytes,
        build(
            dir.path(),
            book.to_str().unwrap(),
            &["--edition", "zh-Hans"]
        ),
        "not reproducible"
    );
    let files = unzip_map(&bytes);
    let opf = &files["EPUB/content.opf"];
    assert!(opf.contains("<dc:language>zh-Hans</dc:language>"));
    let hant = unzip_map(&build(dir.path(), book.to_str().unwrap(), &[]));
    let id = |opf: &str| {
        opf.split("<dc:identifier id=\"uid\">")
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap()
            .to_string()
    };
    assert_ne!(
        id(opf),
        id(&hant["EPUB/content.opf"]),
        "the edition has its own identifier"
    );
    let all: String = files
        .iter()
        .filter(|(k, _)| k.starts_with("EPUB/text/"))
        .map(|(_, v)| v.as_str())
        .collect();
    for (hans, hant_word) in [
        ("信息平权", "資訊平權"),
        ("开源", "開源"),
        ("代码短", "程式碼短"),
        ("几十万行代码", "行程式碼"),
        ("核心贡献者", "核心貢獻者"),
    ] {
        assert!(all.contains(hans), "{hans} missing");
        assert!(!all.contains(hant_word), "{hant_word} left");
    }
    assert!(
        !all.contains("内核贡献者"),
        "OpenCC's IT table must not turn 核心 into 内核"
    );
    assert!(all.contains("lang=\"zh-Hans\" xml:lang=\"zh-Hans\""));
    assert!(
        all.contains("“卖铲子的人”"),
        "mainland quotes in horizontal text"
    );
    assert!(
        all.contains("tuixue.online") && all.contains("GPT-4o") && all.contains("post-training")
    );
    let css = &files["EPUB/styles/hanpub.css"];
    assert!(
        css.contains("\"Noto Serif CJK SC\"") && !css.contains(" TC\""),
        "Simplified font stacks"
    );
}

#[test]
fn code_and_urls_are_never_converted() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("b.md"),
        "---\ntitle: 資訊\nlang: zh-Hant\n---\n\n## 資訊\n\n讀[資訊](https://example.com/資訊)與 `資訊` 。\n\n```\n資訊 = 1\n```\n",
    )
    .unwrap();
    let files = unzip_map(&build(dir.path(), "b.md", &["--edition", "zh-Hans"]));
    let c = &files["EPUB/text/c001.xhtml"];
    assert!(c.contains("<h2 id=\"h1\">信息</h2>"), "{c}");
    assert!(
        // percent-encoded as CommonMark renderers do: %E8%B3%87%E8%A8%8A is 資訊, unconverted
        c.contains("href=\"https://example.com/%E8%B3%87%E8%A8%8A\">信息</a>"),
        "{c}"
    );
    assert!(c.contains("<code>資訊</code>"), "{c}");
    assert!(c.contains("<pre><code>資訊 = 1\n</code></pre>"), "{c}");
}
