//! `hanpub check` (sources, --fix, JSON, built EPUBs), `hanpub init`, `completions`, `--help`.

mod common;

use std::io::Write;

use common::*;

/// The `message` of every diagnostic of `check --format json`.
fn json_messages(out: &std::process::Output) -> Vec<String> {
    let json: serde_json::Value = serde_json::from_str(&stdout(out)).unwrap();
    json.as_array()
        .unwrap()
        .iter()
        .map(|d| d["message"].as_str().unwrap().to_string())
        .collect()
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

const ACCEPTANCE: &str = "warning: broken link `#nope`: no such heading or chapter
 --> check-all/a.md:7:2
  |
7 | 見[第二章](#nope)。
  |   ^^^^^^^^^^^^^^^
  = hint: link to a heading as #id or to a chapter file as other.md#id; the text is kept without the link

error: image `missing.png` not found (no such file)
 --> check-all/a.md:9:1
  |
9 | ![圖](missing.png)
  | ^^^^^^^^^^^^^^^^^^
  = hint: the path is relative to the Markdown file: check-all/missing.png

error: unknown key `authr` in [book]
 --> check-all/book.toml:3:1
  |
3 | authr = \"某人\"
  | ^^^^^
  = hint: did you mean `author`? The keys in [book] are `title`, `subtitle`, `kicker`, `authors`, `author`, `lang`, `date`, `modified`, `description`, `publisher`, `subjects`, `rights`, `identifier`, `source`

error: `check-all` has 2 errors and 1 warning
";

#[test]
fn check_reports_every_problem_at_once() {
    let dir = fixture("err", "check-all");
    let out = hanpub(dir.path(), &["check", "check-all"], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(stderr(&out), ACCEPTANCE);
    assert_eq!(stdout(&out), "");
    assert!(
        !stderr(&out).contains('\x1b'),
        "no colour when not a terminal"
    );
}

#[test]
fn check_json() {
    let dir = fixture("err", "check-all");
    let out = hanpub(dir.path(), &["check", "check-all", "--format", "json"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr(&out), "");
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    let items = json.as_array().expect("an array");
    let short: Vec<(String, String, u64, u64)> = items
        .iter()
        .map(|d| {
            (
                d["severity"].as_str().unwrap().to_string(),
                d["file"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        short,
        [
            ("warning".into(), "check-all/a.md".into(), 7, 2),
            ("error".into(), "check-all/a.md".into(), 9, 1),
            ("error".into(), "check-all/book.toml".into(), 3, 1),
        ]
    );
    assert_eq!(
        items[0]["message"],
        "broken link `#nope`: no such heading or chapter"
    );
    assert_eq!(
        items[1]["message"],
        "image `missing.png` not found (no such file)"
    );
    assert_eq!(items[2]["message"], "unknown key `authr` in [book]");
    assert!(
        items[2]["hint"]
            .as_str()
            .unwrap()
            .starts_with("did you mean `author`?")
    );
    for d in items {
        let keys: Vec<&str> = d.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys.len(), 6, "{d}");
    }
}

#[test]
fn check_a_clean_book_and_a_fatal_one() {
    let dir = fixture("ok", "full");
    let out = hanpub(dir.path(), &["check", "full"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let dir = fixture("err", "bad-toml");
    let out = hanpub(dir.path(), &["check", "bad-toml", "--format", "json"], &[]);
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json[0]["line"], 2);
    let out = hanpub(dir.path(), &["check", "nope"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).starts_with("error: no book at `nope`\n"));
}

const FIXME_AFTER: &str = "---
title: 修正
lang: zh-Hant
---
## 第一章 {#one}

你好，世界！這是`a,b`程式碼，不要動。

> 引文第一行
> 第二行

```
程式,碼
```

見[網址](http://example.com/a,b)吧？

## 第二章 {#one}

## 第三章

完。
";

#[test]
fn fix_rewrites_sources_once() {
    let dir = fixture("lint", "fixme");
    let path = dir.path().join("fixme/book.md");
    let before = std::fs::read_to_string(&path).unwrap();
    let out = hanpub(dir.path(), &["check", "fixme/book.md"], &[]);
    assert_eq!(out.status.code(), Some(0), "only warnings");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        before,
        "check alone writes nothing"
    );
    let out = hanpub(
        dir.path(),
        &[
            "check",
            "--no-punctuation",
            "--format",
            "json",
            "fixme/book.md",
        ],
        &[],
    );
    let messages = json_messages(&out);
    assert_eq!(messages.len(), 3, "{messages:?}");
    assert!(
        !messages.iter().any(|m| m.contains("becomes")),
        "{messages:?}"
    );

    let out = hanpub(dir.path(), &["check", "--fix", "fixme/book.md"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), FIXME_AFTER);
    let err = stderr(&out);
    assert!(
        err.starts_with(
            "not fixed fixme/book.md:10:8: line break → joined (inside a block quote or next to an escape): edit it by hand
fixed fixme/book.md:7:3: `,` → `，`
fixed fixme/book.md:7:6: `!` → `！`
fixed fixme/book.md:7:17: `,` → `，`
fixed fixme/book.md:7:18: line break → joined
fixed fixme/book.md:17:31: `?` → `？`
fixed 5 places (typesetting)

warning: line break between Chinese characters: joined without a space
 --> fixme/book.md:9:8
"
        ),
        "{err}"
    );
    assert!(
        err.contains(
            "warning: empty chapter `第二章`: it has only its heading\n  --> fixme/book.md:18:1\n"
        ),
        "{err}"
    );
    assert!(
        err.contains("warning: duplicate anchor `#one`\n  --> fixme/book.md:18:9\n"),
        "{err}"
    );
    assert!(
        err.ends_with("`fixme/book.md` has 3 warnings (no errors)\n"),
        "{err}"
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("fixme"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers, ["book.md"], "no temporary files left");

    // idempotent: a second --fix changes nothing
    let out = hanpub(dir.path(), &["check", "--fix", "fixme/book.md"], &[]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), FIXME_AFTER);
    assert!(
        stderr(&out).contains("\nnothing to fix\n"),
        "{}",
        stderr(&out)
    );
    assert!(
        !stderr(&out).lines().any(|l| l.starts_with("fixed ")),
        "{}",
        stderr(&out)
    );
}

#[test]
fn check_a_built_epub() {
    let dir = fixture("ok", "full");
    let out = hanpub(dir.path(), &["build", "full", "-o", "full.epub"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = hanpub(dir.path(), &["check", "full.epub"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "`full.epub`: no problems found\n");
}

/// A small EPUB: `entries` after a stored mimetype (or instead of it when `mimetype` is false).
fn write_epub(path: &std::path::Path, mimetype_first: bool, entries: &[(&str, &str)]) {
    use zip::write::SimpleFileOptions;
    let mut z = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let stored = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    if mimetype_first {
        z.start_file("mimetype", stored).unwrap();
        z.write_all(b"application/epub+zip").unwrap();
    }
    for (name, text) in entries {
        z.start_file(*name, SimpleFileOptions::default()).unwrap();
        z.write_all(text.as_bytes()).unwrap();
    }
    z.finish().unwrap();
}

const CONTAINER: &str = r##"<?xml version="1.0"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles>
</container>"##;

const OPF: &str = r##"<?xml version="1.0"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">
  <manifest>
    <item id="a" href="a.xhtml" media-type="application/xhtml+xml"/>
    <item id="b" href="b.xhtml" media-type="application/xhtml+xml"/>
    <item id="pic" href="images/pic.png" media-type="image/png"/>
  </manifest>
  <spine><itemref idref="a"/><itemref idref="b"/><itemref idref="c"/></spine>
</package>"##;

const A: &str = r##"<?xml version="1.0"?>
<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml"><head><title>a</title></head>
<body><p id="top"><a href="b.xhtml#here">ok</a> <a href="b.xhtml#gone">gone</a></p>
<p><a href="c.xhtml">c</a> <a href="#top">top</a> <a href="https://example.com/">web</a></p>
<p id="top"><img src="images/pic.png" alt="pic"/> <a href="a.xhtml#nowhere">here</a></p>
</body></html>"##;

const B: &str = r##"<?xml version="1.0"?>
<html xmlns="http://www.w3.org/1999/xhtml"><head><title>b</title></head>
<body><p id="here">text<br></p></body></html>"##;

#[test]
fn check_a_broken_epub() {
    let dir = tempfile::tempdir().unwrap();
    write_epub(
        &dir.path().join("bad.epub"),
        true,
        &[
            ("META-INF/container.xml", CONTAINER),
            ("OEBPS/content.opf", OPF),
            ("OEBPS/a.xhtml", A),
            ("OEBPS/b.xhtml", B),
        ],
    );
    let out = hanpub(dir.path(), &["check", "bad.epub"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        r##"error: `c.xhtml`: `OEBPS/c.xhtml` does not exist
 --> bad.epub/OEBPS/a.xhtml:5:13
  |
5 | <p><a href="c.xhtml">c</a> <a href="#top">top</a> <a href="https://example.com/">web</a></p>
  |             ^^^^^^^

error: duplicate id `top`
 --> bad.epub/OEBPS/a.xhtml:6:8
  |
6 | <p id="top"><img src="images/pic.png" alt="pic"/> <a href="a.xhtml#nowhere">here</a></p>
  |        ^^^

error: `a.xhtml#nowhere`: no id `nowhere` in `OEBPS/a.xhtml`
 --> bad.epub/OEBPS/a.xhtml:6:60
  |
6 | <p id="top"><img src="images/pic.png" alt="pic"/> <a href="a.xhtml#nowhere">here</a></p>
  |                                                            ^^^^^^^^^^^^^^^

error: not well-formed XML: expected 'br' tag, not 'p' at 3:28
 --> bad.epub/OEBPS/b.xhtml:3:28
  |
3 | <body><p id="here">text<br></p></body></html>
  |                            ^

error: no manifest item has properties="nav": an EPUB 3 needs a navigation document
 --> bad.epub/OEBPS/content.opf

error: manifest item `pic`: `OEBPS/images/pic.png` is not in the zip
 --> bad.epub/OEBPS/content.opf:6:26
  |
6 |     <item id="pic" href="images/pic.png" media-type="image/png"/>
  |                          ^^^^^^^^^^^^^^

error: spine itemref `c` is not in the manifest
 --> bad.epub/OEBPS/content.opf:8:66
  |
8 |   <spine><itemref idref="a"/><itemref idref="b"/><itemref idref="c"/></spine>
  |                                                                  ^

error: `bad.epub` has 7 errors and 0 warnings
"##
    );

    // not an EPUB's zip layout at all
    write_epub(
        &dir.path().join("worse.epub"),
        false,
        &[("OEBPS/a.xhtml", A)],
    );
    let out = hanpub(
        dir.path(),
        &["check", "worse.epub", "--format", "json"],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    let messages = json_messages(&out);
    assert_eq!(
        messages,
        [
            "the first entry is `OEBPS/a.xhtml`, not `mimetype`",
            "no `mimetype` entry",
            "no `META-INF/container.xml`: the package document cannot be found"
        ]
    );
    let out = hanpub(dir.path(), &["check", "--fix", "worse.epub"], &[]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn init_then_build() {
    let dir = tempfile::tempdir().unwrap();
    let out = hanpub(
        dir.path(),
        &["init"],
        &[("SOURCE_DATE_EPOCH", "1764374400")],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "created the book `new-book` (book.toml, article.md)\nnext: edit them, then run `hanpub check new-book` and `hanpub build new-book`\n"
    );
    let toml = std::fs::read_to_string(dir.path().join("new-book/book.toml")).unwrap();
    assert!(toml.contains("date = \"2025-11-29\""), "{toml}");
    for key in [
        "title",
        "subtitle",
        "kicker",
        "authors",
        "lang",
        "date",
        "modified",
        "description",
        "publisher",
        "subjects",
        "rights",
        "identifier",
        "source",
        "[series]",
        "name",
        "position",
        "type",
        "[build]",
        "chapters",
        "split-level",
        "layout",
        "css",
        "font",
        "cover",
        "punctuation",
    ] {
        let present = toml.lines().any(|l| {
            let l = l.strip_prefix("# ").unwrap_or(l);
            l == key || l.starts_with(&format!("{key} "))
        });
        assert!(present, "{key} missing from\n{toml}");
    }

    let out = hanpub(dir.path(), &["build", "new-book", "-o", "init.epub"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        !stderr(&out).contains("warning"),
        "no warnings: {}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("built init.epub (4 chapters"),
        "{}",
        stderr(&out)
    );
    let bytes = std::fs::read(dir.path().join("init.epub")).unwrap();
    keep_epub("init", &bytes);
    let files = unzip_map(&bytes);
    let c001 = &files["EPUB/text/c001.xhtml"];
    assert!(c001.contains("<strong>粗體</strong>"), "{c001}");
    assert!(files.values().any(|x| x.contains("epub:type=\"footnote\"")));

    let out = hanpub(dir.path(), &["check", "new-book"], &[]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stderr(&out), "`new-book`: no problems found\n");
    let out = hanpub(dir.path(), &["check", "init.epub"], &[]);
    assert_eq!(stderr(&out), "`init.epub`: no problems found\n");

    // never over an existing book
    let out = hanpub(dir.path(), &["init", "new-book"], &[]);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(
        stderr(&out),
        "error: cannot create a book in `new-book`: the folder is not empty\n = hint: give a new folder name, e.g. `hanpub init my-book`\n\n"
    );
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    let out = hanpub(dir.path(), &["-q", "init", "empty"], &[]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stderr(&out), "");
}

#[test]
fn completions_help_and_verbose() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish"] {
        let out = hanpub(dir.path(), &["completions", shell], &[]);
        assert_eq!(out.status.code(), Some(0));
        assert!(stdout(&out).contains("hanpub"));
    }
    let out = hanpub(dir.path(), &["completions", "bash"], &[]);
    for word in ["check", "init", "--format", "--fix", "--verbose"] {
        assert!(stdout(&out).contains(word), "{word}");
    }
    let out = hanpub(dir.path(), &["check", "--help"], &[]);
    let help = stdout(&out);
    for opt in [
        "--format",
        "--fix",
        "--verbose",
        "--quiet",
        "[BOOK]",
        "json",
    ] {
        assert!(help.contains(opt), "{opt} in\n{help}");
    }
    let fx = fixture("ok", "full");
    let out = hanpub(fx.path(), &["-v", "build", "full", "-o", "v.epub"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    for line in ["loaded in ", "built in ", "chapter 1: ", "wrote in "] {
        assert!(err.contains(line), "{line} in\n{err}");
    }
    let out = hanpub(
        fx.path(),
        &["build", "full", "-o", "q.epub", "-q", "-v"],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
}

/// A ruby whose readings do not match its characters is reported where it is written; one
/// reading per character, or one for the whole word, is not.
#[test]
fn check_warns_when_ruby_readings_and_characters_differ() {
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("ruby.md");
    std::fs::write(
        &book,
        "---\ntitle: 注音\nlang: zh-Hant\n---\n## 一\n\n{注音|ㄓㄨˋ|ㄧㄣ}與{漢字|かんじ}。\n\n讀{聲調|ㄕㄥ|ㄉ|ㄧㄠˋ}。\n",
    )
    .unwrap();
    let out = hanpub(dir.path(), &["check", "ruby.md"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "warning: ruby `{聲調|ㄕㄥ|ㄉ|ㄧㄠˋ}` has 3 readings for 2 characters: set as one reading over the whole word (give one reading per character, or one for the word)
 --> ruby.md:9:2
  |
9 | 讀{聲調|ㄕㄥ|ㄉ|ㄧㄠˋ}。
  |   ^^^^^^^^^^^^^^^^^^^^

`ruby.md` has 1 warning (no errors)
"
    );
}

/// `check` says which typesetting changes `--fix` makes and which it leaves: text a template
/// tag wrote is not in the source as it is.
#[test]
fn check_says_what_fix_leaves_in_template_tags() {
    let dir = tempfile::tempdir().unwrap();
    let md =
        "---\ntitle: 書\n---\n\n## 一\n\n見 {% post_link a 上一篇,序 %} 與\n下文。\n\n\n中文,好\n";
    std::fs::write(dir.path().join("a.md"), md).unwrap();
    let out = hanpub(dir.path(), &["check", "a.md"], &[]);
    let err = stderr(&out);
    assert!(
        err.contains(" --> a.md:7:1\n  |\n7 | 見 {% post_link a 上一篇,序 %} 與\n  | ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n  = hint: typesetting (punctuation); the text comes from a template tag or an included file, which `hanpub check --fix` leaves as written\n"),
        "{err}"
    );
    assert!(
        err.contains("  --> a.md:11:3\n   |\n11 | 中文,好\n   |     ^\n   = hint: typesetting (punctuation); `hanpub check --fix` rewrites the source\n"),
        "{err}"
    );
    let out = hanpub(dir.path(), &["check", "a.md", "--fix"], &[]);
    let fixed = std::fs::read_to_string(dir.path().join("a.md")).unwrap();
    assert!(
        fixed.contains("{% post_link a 上一篇,序 %} 與\n下文") && fixed.contains("中文，好"),
        "{}\n{fixed}",
        stderr(&out)
    );
}
