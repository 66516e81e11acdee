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
        common::skip("no CJK font installed (apt-get install fonts-noto-cjk)");
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

fn cjk_font() -> Option<&'static str> {
    let found = hanpub::cover::FONT_CANDIDATES
        .iter()
        .copied()
        .find(|p| std::path::Path::new(p).exists());
    if found.is_none() {
        common::skip("no CJK font installed (apt-get install fonts-noto-cjk)");
    }
    found
}

/// `hanpub build` keeps the cover it drew beside the output (`.hanpub-cache/`), and the next
/// build takes it when it shows the same: the same EPUB as with a fresh drawing. A changed
/// title, another layout, another font or a damaged file is drawn again.
#[test]
fn kept_cover_is_taken_only_when_it_shows_the_same() {
    if cjk_font().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&root().join("book"), &dir.path().join("book"));
    let run = |out: &str, extra: &[&str]| {
        let mut args = vec!["-v", "build", "book", "-o", out];
        args.extend_from_slice(extra);
        let r = hanpub(dir.path(), &args, &[("SOURCE_DATE_EPOCH", "1700000000")]);
        assert!(r.status.success(), "{}", stderr(&r));
        let kept = stderr(&r).contains("cover: the one kept in");
        (kept, std::fs::read(dir.path().join(out)).unwrap())
    };
    let (kept, first) = run("out/a.epub", &[]);
    assert!(!kept, "nothing kept yet");
    assert!(dir.path().join("out/.hanpub-cache/a.epub.cover").exists());
    let (kept, again) = run("out/a.epub", &[]);
    assert!(kept, "the second build takes the kept cover");
    assert!(
        again == first,
        "a kept cover gives the EPUB a fresh drawing gives"
    );
    // another layout: drawn again, then kept
    let (kept, vertical) = run("out/a.epub", &["--layout", "vertical"]);
    assert!(!kept);
    assert!(vertical == run("fresh/v.epub", &["--layout", "vertical"]).1);
    // another font (`--font` draws the cover with it too): drawn again
    let font = cjk_font().unwrap();
    let other = hanpub::cover::FONT_CANDIDATES
        .iter()
        .find(|p| **p != font && std::path::Path::new(p).exists());
    if let Some(other) = other {
        let (kept, with_font) = run("out/a.epub", &["--font", other]);
        assert!(!kept, "a cover drawn with another font is not taken");
        assert!(with_font == run("fresh/f.epub", &["--font", other]).1);
    }
    // a changed title
    let toml = dir.path().join("book/book.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(&toml, text.replacen("title = \"", "title = \"新", 1)).unwrap();
    let (kept, retitled) = run("out/a.epub", &[]);
    assert!(!kept, "a stale cover is not taken");
    assert!(retitled == run("fresh/b.epub", &[]).1);
    assert!(retitled != first);
    // a damaged file
    let cache = dir.path().join("out/.hanpub-cache/a.epub.cover");
    let bytes = std::fs::read(&cache).unwrap();
    std::fs::write(&cache, &bytes[..bytes.len() - 100]).unwrap();
    let (kept, repaired) = run("out/a.epub", &[]);
    assert!(!kept, "a damaged cover is not taken");
    assert!(repaired == retitled);
    keep_epub("book-kept-cover", &repaired);
}

/// The library takes a kept cover (`Options::kept_cover`) by its key alone — here one whose
/// bytes are not a drawing, to see it taken — and draws when the key is another's.
#[test]
fn library_takes_a_kept_cover_by_its_key() {
    use hanpub::{BookEntry, FontFile, Options, build, cover::Drawn, files::FsFiles, load};
    let Some(font) = cjk_font() else { return };
    let files = FsFiles::new(&root().join("book"), "book").unwrap();
    let project = load(&files, &BookEntry::Dir).unwrap();
    let opts = Options {
        cover_font: Some(FontFile {
            name: "cjk.ttc".into(),
            data: hanpub::files::map(std::path::Path::new(font)).unwrap(),
        }),
        ..Options::default()
    };
    let fresh = build(&project, &files, &opts).unwrap();
    let drawn = fresh.drawn_cover.clone().expect("a drawn cover");
    let cover_png = |epub: &[u8]| {
        unzip(epub)
            .into_iter()
            .find(|(n, _)| n == "EPUB/images/cover.png")
            .unwrap()
            .1
    };
    assert_eq!(cover_png(&fresh.epub), drawn.png);
    let with = |kept: Drawn| {
        build(
            &project,
            &files,
            &Options {
                kept_cover: Some(kept),
                ..opts.clone()
            },
        )
        .unwrap()
    };
    let taken = with(Drawn {
        key: drawn.key.clone(),
        png: b"kept".to_vec(),
    });
    assert_eq!(cover_png(&taken.epub), b"kept");
    let stale = with(Drawn {
        key: drawn.key.replace("翁家翌", "某某"),
        png: b"kept".to_vec(),
    });
    assert!(stale.epub == fresh.epub, "a stale kept cover is not taken");
}
