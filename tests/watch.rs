//! `hanpub watch` on a temp copy of `book/`: rebuilds after a save (in place or by rename),
//! reports a broken book.toml with its line while the last good EPUB stays byte-identical,
//! and rebuilds again once it is fixed.

mod common;
mod live;

use std::time::{Duration, Instant};

use live::{Running, chapter_text, until};

const OLD: &str = "翁家翌的故事要從小學一年級開始說";
const NEW: &str = "翁家翌的故事要從小學二年級開始說";
const NEWER: &str = "翁家翌的故事要從小學三年級開始說";

#[test]
fn watch_rebuilds_reports_errors_and_keeps_the_last_good_epub() {
    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(&common::root().join("book"), &dir.path().join("book"));
    let book = dir.path().join("book");
    let epub = dir.path().join("out/book.epub");
    let mut w = Running::hanpub(dir.path(), &["watch", "book", "-o", "out/book.epub"]);
    w.wait_stderr(Duration::from_secs(30), "first build", |s| {
        s.contains("watching").then_some(())
    });
    assert!(
        w.stderr().contains("built out/book.epub in "),
        "{}",
        w.stderr()
    );
    let first = std::fs::read(&epub).unwrap();
    assert!(chapter_text(&first, "c001.xhtml").unwrap().contains(OLD));

    // 1. a save in place: the new text is in the EPUB within 2 s
    let article = book.join("article.md");
    let text = std::fs::read_to_string(&article).unwrap();
    let started = Instant::now();
    std::fs::write(&article, text.replace(OLD, NEW)).unwrap();
    let second = until(Duration::from_secs(2), "rebuilt EPUB with the edit", || {
        let bytes = std::fs::read(&epub).ok()?;
        chapter_text(&bytes, "c001.xhtml")?
            .contains(NEW)
            .then_some(bytes)
    });
    eprintln!("edit → new EPUB in {:?}", started.elapsed());
    w.wait_stderr(Duration::from_secs(2), "a `rebuilt` line", |s| {
        s.contains("rebuilt out/book.epub in ").then_some(())
    });

    // 2. a save by rename (vim, VS Code, JetBrains write a temp file and move it over)
    let tmp = book.join(".article.md.tmp~");
    std::fs::write(&tmp, text.replace(OLD, NEWER)).unwrap();
    std::fs::rename(&tmp, &article).unwrap();
    let third = until(Duration::from_secs(2), "rebuild after a rename", || {
        let bytes = std::fs::read(&epub).ok()?;
        chapter_text(&bytes, "c001.xhtml")?
            .contains(NEWER)
            .then_some(bytes)
    });
    assert_ne!(second, third);
    w.wait_stderr(Duration::from_secs(2), "a second `rebuilt` line", |s| {
        (s.matches("rebuilt out/book.epub in ").count() >= 2).then_some(())
    });
    std::thread::sleep(Duration::from_millis(200));

    // 3. a broken book.toml: an error with its location, the EPUB untouched
    let toml_path = book.join("book.toml");
    let good_toml = std::fs::read_to_string(&toml_path).unwrap();
    let line = good_toml
        .lines()
        .position(|l| l.starts_with("lang = "))
        .unwrap()
        + 1;
    let rebuilt_before = w.count("rebuilt out/book.epub");
    std::fs::write(
        &toml_path,
        good_toml.replace("lang = \"zh-Hant\"", "lang = \"zh-Hant"),
    )
    .unwrap();
    let needle = format!("book.toml:{line}:");
    w.wait_stderr(Duration::from_secs(2), "the book.toml error", |s| {
        (s.contains(&needle) && s.contains("could not build the book")).then_some(())
    });
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(
        std::fs::read(&epub).unwrap(),
        third,
        "the last good EPUB changed"
    );
    assert_eq!(w.count("rebuilt out/book.epub"), rebuilt_before);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        // the cover kept for the next build is not a leftover
        .filter(|n| n != "book.epub" && n != ".hanpub-cache")
        .collect();
    assert!(leftovers.is_empty(), "temp files left: {leftovers:?}");

    // 4. fixed: rebuilt, and the same bytes as before the error
    std::fs::write(&toml_path, &good_toml).unwrap();
    w.wait_stderr(Duration::from_secs(2), "a rebuild after the fix", |s| {
        (s.matches("rebuilt out/book.epub").count() > rebuilt_before).then_some(())
    });
    assert_eq!(std::fs::read(&epub).unwrap(), third);
    assert!(w.child.try_wait().unwrap().is_none(), "the watcher stopped");
    common::keep_epub("watch-rebuilt", &third);
}

#[test]
fn watch_ignores_files_that_are_not_the_book() {
    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(&common::root().join("book"), &dir.path().join("book"));
    let mut w = Running::hanpub(dir.path(), &["watch", "book", "-o", "out/book.epub"]);
    w.wait_stderr(Duration::from_secs(30), "first build", |s| {
        s.contains("watching").then_some(())
    });
    for name in [".article.md.swp", "article.md~", "notes.txt", "4913"] {
        std::fs::write(dir.path().join("book").join(name), "x").unwrap();
    }
    std::thread::sleep(Duration::from_millis(600));
    assert_eq!(w.count("rebuilt"), 0, "{}", w.stderr());
}

#[test]
fn watch_refuses_an_output_inside_the_book() {
    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(&common::root().join("book"), &dir.path().join("book"));
    let out = common::hanpub(dir.path(), &["watch", "book", "-o", "book/x.epub"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(common::stderr(&out).contains("is inside the book folder"));
}

/// The EPUB `hanpub build --no-cover book` makes now, in `dir`.
fn fresh_build(dir: &std::path::Path) -> Vec<u8> {
    let out = common::hanpub(
        dir,
        &["build", "--no-cover", "book", "-o", "fresh/book.epub"],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    std::fs::read(dir.join("fresh/book.epub")).unwrap()
}

/// Wait until the watched EPUB holds `text` in `chapter`, and return it.
fn until_epub_has(epub: &std::path::Path, chapter: &str, text: &str) -> Vec<u8> {
    until(Duration::from_secs(10), text, || {
        let bytes = std::fs::read(epub).ok()?;
        chapter_text(&bytes, chapter)?
            .contains(text)
            .then_some(bytes)
    })
}

#[test]
fn watch_rebuilds_a_chapter_whose_name_starts_with_a_hash() {
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("book");
    std::fs::create_dir(&book).unwrap();
    std::fs::write(
        book.join("book.toml"),
        "[book]\ntitle = \"井號\"\nlang = \"zh-Hant\"\n",
    )
    .unwrap();
    std::fs::write(book.join("#1 序.md"), "## 序\n\n舊的序。\n").unwrap();
    std::fs::write(book.join("02 本文.md"), "## 本文\n\n內文。\n").unwrap();
    let epub = dir.path().join("out/book.epub");
    let mut w = Running::hanpub(
        dir.path(),
        &["watch", "--no-cover", "book", "-o", "out/book.epub"],
    );
    w.wait_stderr(Duration::from_secs(30), "first build", |s| {
        s.contains("watching").then_some(())
    });
    std::fs::write(book.join("#1 序.md"), "## 序\n\n新的序文。\n").unwrap();
    let rebuilt = until_epub_has(&epub, "c001.xhtml", "新的序");
    assert_eq!(rebuilt, fresh_build(dir.path()));
    // emacs's autosave files (#x#) are still not the book
    std::fs::write(book.join("#02 本文.md#"), "x").unwrap();
    std::thread::sleep(Duration::from_millis(600));
    assert_eq!(w.count("rebuilt"), 1, "{}", w.stderr());
    common::keep_epub("watch-hash-name", &rebuilt);
}

#[test]
fn watch_follows_the_book_folder_moved_away_and_back_or_replaced() {
    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(&common::root().join("book"), &dir.path().join("book"));
    let book = dir.path().join("book");
    let away = dir.path().join("away");
    let epub = dir.path().join("out/book.epub");
    let mut w = Running::hanpub(
        dir.path(),
        &["watch", "--no-cover", "book", "-o", "out/book.epub"],
    );
    w.wait_stderr(Duration::from_secs(30), "first build", |s| {
        s.contains("watching").then_some(())
    });
    let first = std::fs::read(&epub).unwrap();

    // 1. moved away: it says so, and the EPUB stays; edited there; moved back: built from
    //    scratch, the same bytes as a fresh build
    std::fs::rename(&book, &away).unwrap();
    w.wait_stderr(Duration::from_secs(10), "the folder is gone", |s| {
        s.contains("the book folder `book` is gone").then_some(())
    });
    let article = away.join("article.md");
    let text = std::fs::read_to_string(&article).unwrap();
    std::fs::write(&article, text.replace(OLD, NEW)).unwrap();
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(std::fs::read(&epub).unwrap(), first);
    std::fs::rename(&away, &book).unwrap();
    let back = until_epub_has(&epub, "c001.xhtml", NEW);
    assert!(w.stderr().contains("the book folder `book` is back"));
    assert_eq!(back, fresh_build(dir.path()));

    // 2. replaced by another folder (a copy, edited): the new one is watched and built, the old
    //    one no longer counts
    std::fs::rename(&book, &away).unwrap();
    common::copy_dir(&away, &book);
    let article = book.join("article.md");
    let text = std::fs::read_to_string(&article).unwrap();
    std::fs::write(&article, text.replace(NEW, NEWER)).unwrap();
    let replaced = until_epub_has(&epub, "c001.xhtml", NEWER);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(std::fs::read(&epub).unwrap(), fresh_build(dir.path()));
    let rebuilds = w.count("rebuilt");
    std::fs::write(away.join("article.md"), "## 別的書\n").unwrap();
    std::thread::sleep(Duration::from_millis(600));
    assert_eq!(w.count("rebuilt"), rebuilds, "{}", w.stderr());
    assert_eq!(std::fs::read(&epub).unwrap(), replaced);
    assert!(!w.stderr().contains("panicked"));
}
