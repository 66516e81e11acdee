//! Exact error messages: what a user sees when the book is wrong.

mod common;

use common::*;

fn fails_with(kind_name: (&str, &str), book: &str, expected: &str) {
    let dir = fixture(kind_name.0, kind_name.1);
    let out = hanpub(dir.path(), &["build", book, "-o", "out.epub"], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(stderr(&out), expected);
    assert!(!dir.path().join("out.epub").exists());
}

#[test]
fn missing_book() {
    let dir = tempfile::tempdir().unwrap();
    let out = hanpub(dir.path(), &["build", "nope"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "error: no book at `nope`\n = hint: give a folder with book.toml, or a Markdown file with front matter (run `hanpub build --help`)\n\nerror: could not build the book (1 error)\n"
    );
}

#[test]
fn bad_toml() {
    fails_with(
        ("err", "bad-toml"),
        "bad-toml",
        "error: invalid TOML: invalid basic string, expected `\"`\n --> bad-toml/book.toml:2:11\n  |\n2 | title = \"書\n  |            ^\n\nerror: could not build the book (1 error)\n",
    );
}

#[test]
fn unknown_key() {
    fails_with(
        ("err", "unknown-key"),
        "unknown-key",
        "error: unknown key `titel` in [book]\n --> unknown-key/book.toml:3:1\n  |\n3 | titel = \"x\"\n  | ^^^^^\n  = hint: did you mean `title`? The keys in [book] are `title`, `subtitle`, `kicker`, `authors`, `author`, `lang`, `date`, `modified`, `description`, `publisher`, `subjects`, `rights`, `identifier`, `source`\n\nerror: could not build the book (1 error)\n",
    );
}

#[test]
fn missing_chapter() {
    fails_with(
        ("err", "missing-chapter"),
        "missing-chapter",
        "error: cannot read `missing-chapter/missing.md`: no such file\n --> missing-chapter/book.toml:4:21\n  |\n4 | chapters = [\"a.md\", \"missing.md\"]\n  |                     ^^^^^^^^^^^^\n\nerror: could not build the book (1 error)\n",
    );
}

#[test]
fn missing_image() {
    fails_with(
        ("err", "missing-image"),
        "missing-image",
        "error: image `nope.png` not found (no such file)\n --> missing-image/a.md:5:1\n  |\n5 | ![圖](nope.png)\n  | ^^^^^^^^^^^^^^^\n  = hint: the path is relative to the Markdown file: missing-image/nope.png\n\nerror: could not build the book (1 error)\n",
    );
}

#[test]
fn bad_yaml_front_matter() {
    let dir = fixture("err", "bad-yaml");
    let out = hanpub(
        dir.path(),
        &["build", "bad-yaml/book.md", "-o", "out.epub"],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.starts_with("error: invalid front matter: "), "{err}");
    assert!(err.contains(" --> bad-yaml/book.md:"), "{err}");
}

#[test]
fn output_inside_the_book_is_refused() {
    let dir = fixture("ok", "full");
    let out = hanpub(dir.path(), &["build", "full", "-o", "full/x.epub"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "error: the output `full/x.epub` is inside the book folder\n = hint: write it elsewhere, e.g. -o out/book.epub\n\nerror: could not build the book (1 error)\n"
    );
}

#[test]
fn bad_source_date_epoch() {
    let dir = fixture("ok", "full");
    let out = hanpub(
        dir.path(),
        &["build", "full", "-o", "o.epub"],
        &[("SOURCE_DATE_EPOCH", "yesterday")],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out)
            .starts_with("error: SOURCE_DATE_EPOCH=`yesterday` is not a number of seconds\n")
    );
}

#[test]
fn book_toml_mixing_hanpub_and_mdbook() {
    fails_with(
        ("err", "mixed-toml"),
        "mixed-toml",
        "error: book.toml mixes hanpub's keys with mdBook's\n --> mixed-toml/book.toml:3:1\n  |\n3 | kicker = \"專欄\"\n  | ^^^^^^\n  = hint: hanpub's: [book] kicker, [build] chapters; mdBook's: [book] language, [output.html]; both tools': [book] title. For an mdBook, move hanpub's keys under [output.hanpub]; for a hanpub book, remove mdBook's\n\nerror: could not build the book (1 error)\n",
    );
}

#[test]
fn book_toml_of_neither_tool() {
    fails_with(
        ("err", "foreign-toml"),
        "foreign-toml/book.toml",
        "error: book.toml is neither hanpub's nor mdBook's\n --> foreign-toml/book.toml:1:1\n  |\n1 | [package]\n  | ^^^^^^^^^\n  = hint: [package], [dependencies] belong to neither. hanpub's book.toml has [book] (title, authors, lang, …), [series] and [build]; mdBook's has [book] (title, authors, language, src), [build], [output.*], [preprocessor.*] and [rust] (see README)\n\nerror: could not build the book (1 error)\n",
    );
}

#[test]
fn a_config_file_given_as_the_book_builds_its_folder() {
    let dir = fixture("ok", "full");
    let out = hanpub(
        dir.path(),
        &["build", "full/book.toml", "-o", "out.epub", "--no-cover"],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let files = unzip_map(&std::fs::read(dir.path().join("out.epub")).unwrap());
    assert!(files["EPUB/content.opf"].contains("測試書"));
    assert!(!files.values().any(|t| t.contains("[book]")));
}

/// mdBook's own `[build]` table is read past (its keys are mdBook's); a key mdBook does not
/// know there is reported at its line, with the table's keys.
#[test]
fn an_mdbook_build_table() {
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("b");
    std::fs::create_dir_all(book.join("src")).unwrap();
    std::fs::write(book.join("src/SUMMARY.md"), "# Summary\n\n- [一](a.md)\n").unwrap();
    std::fs::write(book.join("src/a.md"), "# 一\n\n文字。\n").unwrap();
    let toml = "[book]\ntitle = \"書\"\n\n[build]\nbuild-dir = \"book\"\ncreate-missing = false\n";
    std::fs::write(book.join("book.toml"), toml).unwrap();
    let out = hanpub(
        dir.path(),
        &["build", "b", "-o", "out.epub", "--no-cover"],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    keep_epub(
        "mdbook-build-table",
        &std::fs::read(dir.path().join("out.epub")).unwrap(),
    );
    std::fs::write(book.join("book.toml"), format!("{toml}bild = 1\n")).unwrap();
    let out = hanpub(dir.path(), &["build", "b", "-o", "out2.epub"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "error: unknown key `bild` in an mdBook's book.toml\n --> b/book.toml:7:1\n  |\n7 | bild = 1\n  | ^^^^\n  = hint: mdBook's [build] keys are build-dir, create-missing, use-default-preprocessors, extra-watch-dirs; hanpub's settings go under [output.hanpub] (see README)\n\nerror: could not build the book (1 error)\n"
    );
}

/// A post's front matter is read by its site's reader and as an article: a problem in it is
/// reported once.
#[test]
fn a_post_error_is_reported_once() {
    let dir = tempfile::tempdir().unwrap();
    let posts = dir.path().join("blog/source/_posts");
    std::fs::create_dir_all(&posts).unwrap();
    std::fs::write(dir.path().join("blog/_config.yml"), "title: 部落格\n").unwrap();
    std::fs::write(
        posts.join("a.md"),
        "---\ntitle: 一\ndate: 昨天\n---\n\n內文。\n",
    )
    .unwrap();
    let out = hanpub(dir.path(), &["build", "blog", "-o", "out.epub"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "error: `昨天` is not a date\n --> blog/source/_posts/a.md:3:1\n  |\n3 | date: 昨天\n  | ^^^^\n  = hint: write YYYY, YYYY-MM, YYYY-MM-DD or an RFC 3339 date-time\n\nerror: could not build the book (1 error)\n"
    );
}
