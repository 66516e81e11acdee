//! Covers: drawn from the metadata when none is given, or the image the book names.

mod common;

use common::*;

fn png_size(png: &[u8]) -> (u32, u32) {
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    (
        u32::from_be_bytes(png[16..20].try_into().unwrap()),
        u32::from_be_bytes(png[20..24].try_into().unwrap()),
    )
}

fn build(cwd: &std::path::Path, book: &str, extra: &[&str]) -> (std::process::Output, Vec<u8>) {
    let out_path = cwd.join("out.epub");
    let mut args = vec!["build", book, "-o", out_path.to_str().unwrap()];
    args.extend_from_slice(extra);
    let out = hanpub(cwd, &args, &[]);
    let bytes = std::fs::read(&out_path).unwrap_or_default();
    (out, bytes)
}

#[test]
fn generated_cover_for_the_shipped_book() {
    if !hanpub::cover::FONT_CANDIDATES
        .iter()
        .any(|p| std::path::Path::new(p).exists())
    {
        eprintln!("skipped: no CJK font installed (apt-get install fonts-noto-cjk)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let book = root().join("book");
    for layout in ["horizontal", "vertical"] {
        let (out, bytes) = build(dir.path(), book.to_str().unwrap(), &["--layout", layout]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("cover: generated 1600×2560 PNG"),
            "{}",
            stderr(&out)
        );
        keep_epub(&format!("book-cover-{layout}"), &bytes);
        let entries = unzip(&bytes);
        let png = &entries
            .iter()
            .find(|(n, _)| n == "EPUB/images/cover.png")
            .expect("a cover")
            .1;
        assert_eq!(png_size(png), (1600, 2560));
        let files = unzip_map(&bytes);
        let opf = &files["EPUB/content.opf"];
        assert!(opf.contains(r#"<item id="cover-image" href="images/cover.png" media-type="image/png" properties="cover-image"/>"#));
        assert!(
            opf.contains(r#"<meta name="cover" content="cover-image"/>"#),
            "EPUB 2 cover meta"
        );
        let spine = opf.split("<spine").nth(1).unwrap();
        assert!(
            spine
                .trim_start()
                .split('\n')
                .nth(1)
                .unwrap()
                .contains(r#"idref="cover""#),
            "cover first in the spine"
        );
        assert!(
            files["EPUB/nav.xhtml"]
                .contains(r#"<a epub:type="cover" href="text/cover.xhtml">封面</a>"#)
        );
        let page = &files["EPUB/text/cover.xhtml"];
        assert!(
            page.contains(r#"alt="封面：翁家翌：OpenAI 每一個模型背後的那個「賣鏟子的人」""#),
            "{page}"
        );
        // same input, same PNG bytes
        let (_, again) = build(dir.path(), book.to_str().unwrap(), &["--layout", layout]);
        assert!(again == bytes);
    }
}

#[test]
fn no_cover_flag_leaves_it_out() {
    let dir = tempfile::tempdir().unwrap();
    let (out, bytes) = build(
        dir.path(),
        root().join("book").to_str().unwrap(),
        &["--no-cover", "-q"],
    );
    assert!(out.status.success());
    assert!(!unzip_map(&bytes).contains_key("EPUB/text/cover.xhtml"));
}

#[test]
fn given_cover_is_used_as_is() {
    let dir = fixture("ok", "given-cover");
    let (out, bytes) = build(dir.path(), "given-cover", &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("cover: cover.png (600×960)"),
        "{}",
        stderr(&out)
    );
    keep_epub("given-cover", &bytes);
    let entries = unzip(&bytes);
    let original = std::fs::read(dir.path().join("given-cover/cover.png")).unwrap();
    assert!(
        entries
            .iter()
            .any(|(n, d)| n == "EPUB/images/cover.png" && *d == original)
    );
    assert!(
        unzip_map(&bytes)["EPUB/content.opf"]
            .contains(r#"<meta name="cover" content="cover-image"/>"#)
    );
}

#[test]
fn tiny_cover_is_refused_at_its_line() {
    let dir = fixture("err", "tiny-cover");
    let (out, _) = build(dir.path(), "tiny-cover", &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.starts_with("error: cover `cover.png`: the cover image is only 8×8 px"),
        "{err}"
    );
    assert!(err.contains(" --> tiny-cover/book.toml:5:9\n"), "{err}");
}
