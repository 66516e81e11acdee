//! `Incremental` (used by watch and serve) gives exactly the bytes of a full build.

mod common;

use hanpub::{BookEntry, Incremental, MemFiles, Options, build, load};

fn book(second: &str) -> MemFiles {
    MemFiles::from([
        (
            "book.toml",
            "[book]\ntitle = \"增量\"\n[build]\nchapters = [\"a.md\", \"b.md\"]\n".to_string(),
        ),
        (
            "a.md",
            "# 增量\n\n開場。\n\n## 一\n\n第一章,不變。\n".to_string(),
        ),
        ("b.md", format!("## 二\n\n{second}\n\n## 三\n\n第三章。\n")),
    ])
}

#[test]
fn rebuilds_after_edits_are_byte_identical_to_full_builds() {
    let opts = Options::default();
    let mut inc = Incremental::new();
    for (i, text) in ["第二章。", "第二章,改過了。", "第二章,改過了。", "又改。"]
        .iter()
        .enumerate()
    {
        let files = book(text);
        let project = load(&files, &BookEntry::Dir).unwrap();
        let full = build(&project, &files, &opts).unwrap();
        let again = inc.build(&project, &files, &opts).unwrap();
        assert!(
            full.epub == again.epub,
            "rebuild {i} differs from a full build"
        );
    }
}

/// A book whose files reach into each other: links across files, footnotes, headings whose ids
/// depend on earlier files, an image, a broken link.
fn linked_book() -> MemFiles {
    let png = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/ok/full/images/dot.png"),
    )
    .unwrap();
    let mut files = MemFiles::from([
        (
            "book.toml",
            "[book]\ntitle = \"連結\"\nlang = \"zh-Hant\"\n[build]\nchapters = [\"a.md\", \"b.md\", \"c.md\"]\n"
                .as_bytes()
                .to_vec(),
        ),
        (
            "a.md",
            "# 連結\n\n開場。\n\n## 一\n\n見[二](b.md#x)與[三](c.md)。[^n]\n\n[^n]: 註，見[一](#一)。\n"
                .as_bytes()
                .to_vec(),
        ),
        (
            "b.md",
            "## 二 {#x}\n\n第二章。\n\n### 小節\n\n![圖](img/圖.png)\n".as_bytes().to_vec(),
        ),
        (
            "c.md",
            "## 三\n\n[壞](#nowhere)[回](a.md#一)。\n\n### 小節\n\n末。\n".as_bytes().to_vec(),
        ),
    ]);
    files.0.insert("img/圖.png".into(), png);
    files
}

/// Every edit, rebuilt incrementally (both from a loaded project and by reloading only the
/// changed file), gives the bytes and the warnings of a full build.
#[test]
fn edits_that_reach_other_files_rebuild_like_full_builds() {
    for opts in [
        Options::default(),
        Options {
            layout: Some(hanpub::Layout::Vertical),
            ..Options::default()
        },
        Options {
            edition: hanpub::Edition::Simplified,
            ..Options::default()
        },
    ] {
        edits_rebuild_like_full_builds(&opts);
    }
}

fn edits_rebuild_like_full_builds(opts: &Options) {
    // (file, from, to, chapters reused: the other files' when nothing else moves; a.md has 2
    // chapters, then 3)
    let edits: &[(&str, &str, &str, usize)] = &[
        ("b.md", "第二章。", "第二章，改了。", 3),
        // a heading whose id the later `### 小節` headings must now step around
        ("a.md", "開場。", "開場。\n\n### 小節", 0),
        // a new chapter: every later file name moves
        ("a.md", "## 一", "## 零\n\n新章。\n\n## 一", 0),
        // the link target goes away: a.md's link breaks (the other chapters of a.md and c.md
        // are kept)
        ("b.md", "## 二 {#x}", "## 二", 3),
        ("c.md", "末。", "末了。", 4),
        // a footnote cited from another file's text is not a footnote of that file
        ("c.md", "末了。", "末了。[^n]", 4),
        // metadata every chapter shows
        ("book.toml", "title = \"連結\"", "title = \"新書名\"", 0),
        // the files are cut into chapters at another level: `### 小節` become chapters
        ("book.toml", "[build]\n", "[build]\nsplit-level = 3\n", 0),
        ("b.md", "第二章，改了。", "第二章，再改。", 6),
        ("b.md", "第二章，再改。", "第二章，又改了。", 6),
    ];
    let mut files = linked_book();
    let mut inc = Incremental::new();
    let mut reloading = Incremental::new();
    let entry = BookEntry::Dir;
    let first = reloading.rebuild(&files, &entry, None, opts).unwrap();
    let project = load(&files, &entry).unwrap();
    assert_eq!(first.epub, build(&project, &files, opts).unwrap().epub);
    inc.build(&project, &files, opts).unwrap();
    for (i, (path, from, to, reused)) in edits.iter().enumerate() {
        let text = String::from_utf8(files.0[*path].clone()).unwrap();
        assert!(text.contains(from), "edit {i}: {from} not in {path}");
        files
            .0
            .insert(path.to_string(), text.replacen(from, to, 1).into_bytes());
        let project = load(&files, &entry).unwrap();
        let full = build(&project, &files, opts).unwrap();
        let again = inc.build(&project, &files, opts).unwrap();
        let reloaded = reloading
            .rebuild(&files, &entry, Some(&[path.to_string()]), opts)
            .unwrap();
        for (how, out) in [("build", &again), ("rebuild", &reloaded)] {
            assert!(
                full.epub == out.epub,
                "edit {i} ({path}): {how} differs from a full build"
            );
            assert_eq!(full.warnings, out.warnings, "edit {i} ({path}): {how}");
            assert_eq!(full.chapters, out.chapters, "edit {i} ({path}): {how}");
        }
        assert_eq!(inc.reused(), *reused, "edit {i} ({path}): chapters reused");
        assert_eq!(
            reloading.reused(),
            *reused,
            "edit {i} ({path}): chapters reused"
        );
    }
}

/// Reloading only the changed files notices what a whole load would: a file that went away.
#[test]
fn a_removed_chapter_is_reported_after_a_partial_reload() {
    let opts = Options::default();
    let mut files = linked_book();
    let mut inc = Incremental::new();
    inc.rebuild(&files, &BookEntry::Dir, None, &opts).unwrap();
    files.0.remove("c.md");
    let err = inc
        .rebuild(&files, &BookEntry::Dir, Some(&["c.md".to_string()]), &opts)
        .unwrap_err();
    assert!(
        err.to_string().contains("c.md") || format!("{err:?}").contains("c.md"),
        "{err:?}"
    );
    // and it builds again once the file is back
    files.0.insert(
        "c.md".into(),
        b"## \xe4\xb8\x89\n\n\xe5\x9b\x9e\xe4\xbe\x86\xe4\xba\x86\n".to_vec(),
    );
    let out = inc
        .rebuild(&files, &BookEntry::Dir, Some(&["c.md".to_string()]), &opts)
        .unwrap();
    let project = load(&files, &BookEntry::Dir).unwrap();
    assert_eq!(out.epub, build(&project, &files, &opts).unwrap().epub);
}

/// A book kept in one large file is parsed in pieces (cut at its chapters); after an edit of one
/// chapter the pieces after it have moved but not changed: they keep their outlines and their
/// chapters, only the edited chapter is made again, and the warnings of the chapters after it
/// point at their new lines.
#[test]
fn an_edit_in_a_large_single_file_makes_one_chapter_again() {
    let chapter = |i: usize| {
        let warn = if i % 20 == 7 {
            "<span onclick=\"x()\">字</span>"
        } else {
            ""
        };
        format!(
            "## 第{i}章\n\n{}{warn}\n\n[連結](#第{}章)\n\n",
            "正文，".repeat(300),
            i + 1
        )
    };
    let text: String = (0..100).map(chapter).collect();
    let mut text = format!("---\ntitle: 一檔\nlang: zh-Hant\n---\n{text}");
    assert!(
        hanpub::parse::pieces(&text, 0, 2).len() > 90,
        "cut at the chapters"
    );
    let entry = BookEntry::File("book.md".into());
    let opts = Options::default();
    let mut inc = Incremental::new();
    let files = MemFiles::from([("book.md", text.clone())]);
    let first = inc.rebuild(&files, &entry, None, &opts).unwrap();
    assert_eq!(first.chapters.len(), 100);
    let scripts = |out: &hanpub::Output| {
        out.warnings
            .iter()
            .filter(|w| w.message.contains("onclick"))
            .count()
    };
    assert_eq!(scripts(&first), 5);
    for (round, (from, to)) in [
        ("## 第50章\n\n", "## 第50章\n\n新的一段。\n\n又一段。\n\n"),
        ("## 第3章\n\n", "## 第3章\n\n前面也改。\n\n"),
    ]
    .into_iter()
    .enumerate()
    {
        text = text.replacen(from, to, 1);
        let files = MemFiles::from([("book.md", text.clone())]);
        let out = inc
            .rebuild(&files, &entry, Some(&["book.md".to_string()]), &opts)
            .unwrap();
        let project = load(&files, &entry).unwrap();
        let full = build(&project, &files, &opts).unwrap();
        assert!(
            out.epub == full.epub,
            "round {round}: differs from a full build"
        );
        assert_eq!(out.warnings, full.warnings, "round {round}");
        assert_eq!(inc.reused(), 99, "round {round}: chapters reused");
    }
}

/// A rebuild draws the cover again only when what it shows changed (not after an edit of the
/// text, nor of metadata the cover does not show).
#[test]
fn the_cover_is_drawn_again_only_when_what_it_shows_changed() {
    let Some(font) = hanpub::cover::FONT_CANDIDATES
        .iter()
        .find(|p| std::path::Path::new(p).exists())
    else {
        common::skip("no CJK font installed (apt-get install fonts-noto-cjk)");
        return;
    };
    let opts = Options {
        cover_font: Some(hanpub::FontFile {
            name: "cjk.ttc".into(),
            data: hanpub::files::map(std::path::Path::new(font)).unwrap(),
        }),
        ..Options::default()
    };
    let mut files = linked_book();
    let mut inc = Incremental::new();
    inc.rebuild(&files, &BookEntry::Dir, None, &opts).unwrap();
    assert_eq!(inc.covers_drawn(), 1);
    for (path, from, to, drawn) in [
        ("b.md", "第二章。", "第二章，改了。", 1),
        (
            "book.toml",
            "[build]",
            "description = \"不在封面上\"\n[build]",
            1,
        ),
        ("book.toml", "title = \"連結\"", "title = \"新書名\"", 2),
    ] {
        let text = String::from_utf8(files.0[path].clone()).unwrap();
        files
            .0
            .insert(path.into(), text.replacen(from, to, 1).into_bytes());
        let out = inc
            .rebuild(&files, &BookEntry::Dir, Some(&[path.to_string()]), &opts)
            .unwrap();
        assert_eq!(inc.covers_drawn(), drawn, "after {path}: {to}");
        let project = load(&files, &BookEntry::Dir).unwrap();
        assert!(out.epub == build(&project, &files, &opts).unwrap().epub);
    }
}

/// Formula macros across the chapters of one large file: a changed definition makes every
/// chapter again (one far from it uses it, from a piece of text that did not change), as a
/// full build makes them; an edit that only moves the definition keeps the other chapters.
#[test]
fn formula_macros_rebuild_like_full_builds() {
    let text = |def: &str, lead: &str| {
        let chapters: String = (1..100)
            .map(|i| format!("## 第{i}章\n\n$y \\in \\R$ {}\n\n", "正文，".repeat(300)))
            .collect();
        format!(
            "---\ntitle: 巨集\nlang: zh-Hant\n---\n## 開頭\n\n{lead}$$\\newcommand{{\\R}}{{{def}}}$$\n\n{}\n\n{chapters}",
            "正文，".repeat(300)
        )
    };
    let entry = BookEntry::File("book.md".into());
    let opts = Options::default();
    let mut inc = Incremental::new();
    let files = MemFiles::from([("book.md", text("\\mathbb{R}", ""))]);
    inc.rebuild(&files, &entry, None, &opts).unwrap();
    for (round, (def, lead, reused)) in [
        // the definition changes: every chapter is made again
        ("\\mathbb{Z}", "", 0),
        // text before the definition moves it: only the edited chapter is
        ("\\mathbb{Z}", "前言。\n\n", 99),
    ]
    .into_iter()
    .enumerate()
    {
        let files = MemFiles::from([("book.md", text(def, lead))]);
        let out = inc
            .rebuild(&files, &entry, Some(&["book.md".to_string()]), &opts)
            .unwrap();
        let project = load(&files, &entry).unwrap();
        let full = build(&project, &files, &opts).unwrap();
        assert!(
            out.epub == full.epub,
            "round {round}: differs from a full build"
        );
        assert_eq!(inc.reused(), reused, "round {round}: chapters reused");
        let zipped = common::unzip_map(&full.epub);
        let far = &zipped["EPUB/text/c050.xhtml"];
        assert!(far.contains("<mi>ℤ</mi>"), "round {round}: {far}");
    }
}
