//! Careless and hostile input, as a user brings it: an output path naming one of the inputs, a
//! folder under the book, a FIFO or a device (refused before anything is written, the sources
//! byte-identical afterwards); temp files of killed runs; a byte order mark, old Mac line breaks,
//! NFD text; floods of problems on one line; and pathological sizes that used to take
//! super-linear time (each class built at a moderate size, its output checked).

mod common;
#[path = "common/fuzz_check.rs"]
mod fuzz_check;
#[path = "common/pathological.rs"]
mod pathological;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, SystemTime};

use common::*;

/// Write `files` under `dir` (folders made as needed).
fn write_all(dir: &Path, files: &[(&str, &[u8])]) {
    for (name, data) in files {
        let p = dir.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, data).unwrap();
    }
}

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut all = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let t = e.file_type().unwrap();
            if t.is_dir() {
                stack.push(e.path());
            } else if t.is_file() {
                let name = e.path().strip_prefix(dir).unwrap().display().to_string();
                all.insert(name, std::fs::read(e.path()).unwrap());
            }
        }
    }
    all
}

const SINGLE: &str = "---\ntitle: 單檔\nlang: zh-Hant\nbuild:\n  css: [extra.css]\n  cover: cover.png\n---\n\n## 一\n\n![圖](img/pic.png)\n";

// ---------------------------------------------------------------- output paths

#[test]
fn output_naming_an_input_is_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let png = fuzz_check::PNG;
    write_all(
        dir.path(),
        &[
            ("s.md", SINGLE.as_bytes()),
            ("img/pic.png", png),
            ("cover.png", cover_png().as_slice()),
            ("extra.css", b"p { color: black; }\n"),
            ("font.otf", b"not really a font"),
        ],
    );
    let before = snapshot(dir.path());
    let cases: &[(&[&str], &str)] = &[
        (
            &["build", "s.md", "-o", "s.md"],
            "error: the output `s.md` is an input of the book: writing the EPUB there would destroy it\n = hint: write the EPUB elsewhere, e.g. -o out/book.epub\n\nerror: could not build the book (1 error)\n",
        ),
        (
            &["build", "s.md", "-o", "img/pic.png"],
            "error: the output `img/pic.png` is an input of the book: writing the EPUB there would destroy it\n = hint: write the EPUB elsewhere, e.g. -o out/book.epub\n\nerror: could not build the book (1 error)\n",
        ),
        (
            &["build", "s.md", "-o", "./img/../cover.png"],
            "error: the output `./img/../cover.png` is an input of the book (`cover.png`): writing the EPUB there would destroy it\n = hint: write the EPUB elsewhere, e.g. -o out/book.epub\n\nerror: could not build the book (1 error)\n",
        ),
        (
            &["build", "s.md", "-o", "extra.css"],
            "error: the output `extra.css` is an input of the book: writing the EPUB there would destroy it\n = hint: write the EPUB elsewhere, e.g. -o out/book.epub\n\nerror: could not build the book (1 error)\n",
        ),
        (
            &["build", "s.md", "--font", "font.otf", "-o", "font.otf"],
            "error: the output `font.otf` is an input of the book: writing the EPUB there would destroy it\n = hint: write the EPUB elsewhere, e.g. -o out/book.epub\n\nerror: could not build the book (1 error)\n",
        ),
        (
            &["build", "s.md", "-o", "img"],
            "error: the output `img` is a folder\n = hint: give a file name, e.g. -o img/book.epub\n\nerror: could not build the book (1 error)\n",
        ),
    ];
    for (args, expected) in cases {
        let out = hanpub(dir.path(), args, &[]);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        assert_eq!(stderr(&out), *expected, "{args:?}");
    }
    // watch and serve refuse the same paths before they start
    for args in [
        &["watch", "s.md", "-o", "s.md"][..],
        &["serve", "s.md", "-o", "s.md", "--port", "0"],
    ] {
        let out = hanpub(dir.path(), args, &[]);
        let cmd = args[0];
        assert_eq!(out.status.code(), Some(1), "{cmd}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("is an input of the book"),
            "{}",
            stderr(&out)
        );
    }
    // a hard link to an input is the input
    std::fs::hard_link(dir.path().join("s.md"), dir.path().join("alias.epub")).unwrap();
    let out = hanpub(dir.path(), &["build", "s.md", "-o", "alias.epub"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("is an input of the book (`s.md`)"));
    std::fs::remove_file(dir.path().join("alias.epub")).unwrap();
    assert_eq!(snapshot(dir.path()), before, "a source changed");
    // and the same book builds next to its sources
    let out = hanpub(dir.path(), &["build", "s.md", "-o", "s.epub"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    keep_epub(
        "careless-single-file",
        &std::fs::read(dir.path().join("s.epub")).unwrap(),
    );
}

/// A plain 500×800 PNG, as a cover (at least 500 px on the short side).
fn cover_png() -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, 500, 800);
        enc.set_color(png::ColorType::Grayscale);
        let mut w = enc.write_header().unwrap();
        w.write_image_data(&vec![200; 500 * 800]).unwrap();
    }
    out
}

#[test]
fn output_inside_any_folder_of_the_book_or_onto_a_special_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&root().join("book"), &dir.path().join("book"));
    std::fs::create_dir(dir.path().join("book/sub")).unwrap();
    let before = snapshot(dir.path());
    for target in [
        "book/x.epub",
        "book/book.toml",
        "book/article.md",
        "book/sub/x.epub",
        "book/new/deeper/x.epub",
        "book/new/../x.epub",
        "./book/../book/sub/x.epub",
    ] {
        let out = hanpub(dir.path(), &["build", "book", "-o", target], &[]);
        assert_eq!(out.status.code(), Some(1), "{target}");
        assert_eq!(
            stderr(&out),
            format!(
                "error: the output `{target}` is inside the book folder\n = hint: write it elsewhere, e.g. -o out/book.epub\n\nerror: could not build the book (1 error)\n"
            )
        );
    }
    assert!(!dir.path().join("book/new").exists(), "a folder was made");
    let fifo = dir.path().join("pipe.epub");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    for (target, kind) in [
        ("pipe.epub", "a FIFO (named pipe)"),
        ("/dev/null", "a device"),
    ] {
        let out = hanpub(dir.path(), &["build", "book", "-o", target], &[]);
        assert_eq!(out.status.code(), Some(1), "{target}");
        assert_eq!(
            stderr(&out),
            format!(
                "error: the output `{target}` is {kind}, not a regular file\n = hint: give the path of an .epub file to create or replace\n\nerror: could not build the book (1 error)\n"
            )
        );
    }
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    std::fs::remove_file(&fifo).unwrap();
    assert_eq!(snapshot(dir.path()), before);
}

// ---------------------------------------------------------------- temp files of killed runs

#[test]
fn stale_temp_files_are_cleaned_and_live_ones_kept() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&root().join("book"), &dir.path().join("book"));
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let old = SystemTime::now() - Duration::from_secs(3600);
    let make = |name: &str, age: SystemTime| {
        let p = out_dir.join(name);
        let f = std::fs::File::create(&p).unwrap();
        std::fs::write(&p, b"half an EPUB").unwrap();
        f.set_modified(age).unwrap();
        f
    };
    // left by a killed run: old, nobody holds it
    drop(make(".hanpub-Ab12Cd.tmp", old));
    // being written right now by another hanpub: it holds the lock
    let live = make(".hanpub-Zz99Yy.tmp", old);
    live.lock().unwrap();
    // just made (its writer may not have locked it yet)
    drop(make(".hanpub-New123.tmp", SystemTime::now()));
    // not ours
    drop(make(".hanpub-notes.txt", old));
    drop(make(".hanpub-toolong1.tmp", old));
    drop(make("draft.tmp", old));
    std::fs::create_dir(out_dir.join(".hanpub-Folder.tmp")).unwrap();
    let out = hanpub(
        dir.path(),
        &["-v", "build", "book", "-o", "out/book.epub"],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("removed 1 temp file left by a killed run"));
    let mut left: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    left.sort();
    assert_eq!(
        left,
        [
            ".hanpub-Folder.tmp",
            ".hanpub-New123.tmp",
            ".hanpub-Zz99Yy.tmp",
            // the cover kept for the next build (cmd/cache.rs)
            ".hanpub-cache",
            ".hanpub-notes.txt",
            ".hanpub-toolong1.tmp",
            "book.epub",
            "draft.tmp"
        ]
    );
    drop(live);
}

// ---------------------------------------------------------------- encodings and line breaks

#[test]
fn byte_order_mark_old_mac_line_breaks_and_nfd_text() {
    let dir = tempfile::tempdir().unwrap();
    let b = dir.path().join("b");
    // a chapter saved by Notepad (BOM, CRLF), one by classic Mac OS (lone CRs), and a heading in
    // NFD (e + U+0301) linked to in NFC
    write_all(
        &b,
        &[
            (
                "book.toml",
                "[book]\ntitle = \"編碼\"\nlang = \"zh-Hant\"\n".as_bytes(),
            ),
            ("01.md", "\u{feff}## 序章\r\n\r\n內容。\r\n".as_bytes()),
            (
                "02.md",
                "## 舊麥金塔\r\r```\rcode,中\r```\r\r中文。\r".as_bytes(),
            ),
            (
                "03.md",
                "## Cafe\u{301} 咖啡\n\n見[咖啡](#caf\u{e9}-咖啡)與[序](01.md)。\n".as_bytes(),
            ),
        ],
    );
    let out = hanpub(
        dir.path(),
        &["build", "--no-cover", "b", "-o", "out.epub"],
        &[],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(!err.contains("broken link"), "{err}");
    let epub = std::fs::read(dir.path().join("out.epub")).unwrap();
    fuzz_check::assert_well_formed(&epub);
    keep_epub("careless-encodings", &epub);
    let entries = unzip_map(&epub);
    let c1 = &entries["EPUB/text/c001.xhtml"];
    assert!(c1.contains("<title>序章</title>"), "{c1}");
    assert!(!c1.contains('\u{feff}'), "{c1}");
    let c2 = &entries["EPUB/text/c002.xhtml"];
    assert!(c2.contains("<title>舊麥金塔</title>"), "{c2}");
    assert!(
        c2.contains("<code>code,中</code>") || c2.contains("code,中\n</code>"),
        "{c2}"
    );
    let c3 = &entries["EPUB/text/c003.xhtml"];
    let id = c3
        .split("<h2 id=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap();
    assert!(c3.contains(&format!("href=\"#{id}\"")), "{c3}");
    assert!(c3.contains("href=\"c001.xhtml\""), "{c3}");
}

#[test]
fn check_fix_never_touches_front_matter_or_code_and_keeps_bom_and_line_breaks() {
    let dir = tempfile::tempdir().unwrap();
    let cr = "---\rtitle: 修\rlang: zh-Hant\r---\r\r## 一\r\r```\rcode,中\r```\r\r中文,好\r";
    let bom =
        "\u{feff}---\r\ntitle: 修\r\nlang: zh-Hant\r\n---\r\n\r\n## 一\r\n\r\n`code,中`中文,好\r\n";
    write_all(
        dir.path(),
        &[
            ("cr.md", cr.as_bytes()),
            ("bom.md", bom.as_bytes()),
            ("mixed.md", "---\rtitle: 混\n---\n\n中文,好\r".as_bytes()),
        ],
    );
    for (name, want) in [
        ("cr.md", cr.replace("中文,好", "中文，好")),
        ("bom.md", bom.replace("`中文,好", "`中文，好")),
    ] {
        let out = hanpub(dir.path(), &["check", "--fix", name], &[]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(0), "{err}");
        assert!(!err.contains("no front matter"), "{err}");
        assert_eq!(
            err.lines()
                .filter(|l| l.starts_with("fixed "))
                .collect::<Vec<_>>(),
            [
                format!(
                    "fixed {name}:{}: `,` → `，`",
                    if name == "cr.md" { "12:3" } else { "8:11" }
                )
                .as_str(),
                "fixed 1 place (typesetting)"
            ]
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join(name)).unwrap(),
            want
        );
    }
    let out = hanpub(dir.path(), &["check", "--fix", "mixed.md"], &[]);
    assert!(
        stderr(&out).contains("not fixed mixed.md: it mixes old Mac (CR) line breaks with others"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read(dir.path().join("mixed.md")).unwrap(),
        "---\rtitle: 混\n---\n\n中文,好\r".as_bytes()
    );
}

// ---------------------------------------------------------------- floods of problems

/// One line with 8,000 of the same problem: five shown, the rest counted; the snippet is a
/// window of the line.
#[test]
fn thousands_of_problems_on_one_line_are_collapsed() {
    let dir = tempfile::tempdir().unwrap();
    let line = "中文,".repeat(8000);
    let links = "[甲](#nope) ".repeat(3000);
    write_all(
        dir.path(),
        &[(
            "a.md",
            format!("---\ntitle: 多\nlang: zh-Hant\n---\n\n## 一\n\n{line}\n\n{links}\n")
                .as_bytes(),
        )],
    );
    let out = hanpub(dir.path(), &["check", "a.md"], &[]);
    let err = stderr(&out);
    assert!(err.len() < 8_000, "{} bytes of stderr", err.len());
    assert_eq!(
        err.matches("`,` in Chinese text becomes `，`").count(),
        5,
        "{err}"
    );
    assert!(err.contains("\nand 7,995 more like this\n"), "{err}");
    assert_eq!(err.matches("broken link `#nope`").count(), 5, "{err}");
    assert!(err.contains("\nand 2,995 more like this\n"), "{err}");
    assert!(
        err.ends_with("\n`a.md` has 11,000 warnings (no errors)\n"),
        "{err}"
    );
    // the fifth comma: a window around its column, … where the line is cut
    let fifth = err
        .split("\n\n")
        .filter(|d| d.contains("becomes `，`"))
        .nth(4)
        .unwrap();
    assert_eq!(
        fifth,
        "warning: `,` in Chinese text becomes `，`\n --> a.md:8:15\n  |\n8 | 中文,中文,中文,中文,中文,中文,中文,中文,中文,中文,中文,中文,中文,中文,中文,中文,中文,中文,中文,中文,中文,中文,中文,中文,中文,中文,中文,中文,中文,中文,中文,中文,中文,中文,中文,中文,中文,中文,中文,中文,…\n  |                         ^\n  = hint: typesetting (punctuation); `hanpub check --fix` rewrites the source\nand 7,995 more like this"
    );
    // JSON: at most 100 of a kind, then how many were left out
    let out = hanpub(dir.path(), &["check", "a.md", "--format", "json"], &[]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let items = json.as_array().unwrap();
    assert_eq!(items.len(), 202, "{json}");
    let omitted: Vec<(u64, &str)> = items
        .iter()
        .filter_map(|d| Some((d["omitted"].as_u64()?, d["message"].as_str()?)))
        .collect();
    assert_eq!(
        omitted,
        [
            (7900, "and 7,900 more like this"),
            (2900, "and 2,900 more like this")
        ]
    );
    assert_eq!(
        items[100]["hint"],
        "`hanpub check --format json` lists at most 100 problems of a kind"
    );
    // check --fix reports its fixes the same way
    let out = hanpub(dir.path(), &["check", "--fix", "a.md"], &[]);
    let err = stderr(&out);
    assert!(err.len() < 8_000, "{} bytes of stderr", err.len());
    assert_eq!(
        err.lines()
            .filter(|l| l.starts_with("fixed a.md:8:"))
            .count(),
        5
    );
    assert!(err.contains("\nand 7,995 more like this in a.md (fixed `,` → `，`)\nfixed 8,000 places (typesetting)\n"), "{err}");
    assert!(
        std::fs::read_to_string(dir.path().join("a.md"))
            .unwrap()
            .contains(&"中文，".repeat(8000))
    );
    // and the build prints its warnings the same way
    let out = hanpub(
        dir.path(),
        &["build", "--no-cover", "a.md", "-o", "a.epub"],
        &[],
    );
    assert_eq!(out.status.code(), Some(0));
    let err = stderr(&out);
    assert!(err.len() < 4_000, "{err}");
    assert!(err.contains("\nand 2,995 more like this\n"), "{err}");
}

// ---------------------------------------------------------------- pathological sizes

/// Every input class that used to take super-linear time, at a moderate size in one book: it
/// builds, and what it builds is right (`benches/stages.rs` times them at two sizes).
#[test]
fn pathological_inputs_build_and_their_output_is_right() {
    let dir = tempfile::tempdir().unwrap();
    let b = dir.path().join("b");
    let book = pathological::book(1);
    let files: Vec<(&str, &[u8])> = book
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_slice()))
        .collect();
    write_all(&b, &files);
    let out = hanpub(
        dir.path(),
        &["build", "--no-cover", "b", "-o", "out.epub"],
        &[],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let epub = std::fs::read(dir.path().join("out.epub")).unwrap();
    fuzz_check::assert_well_formed(&epub);
    // a stress input: EPUBCheck checks it; Ace skips `-big-` books (its chromium needs over
    // 240 s for a document of it)
    keep_epub("careless-big-pathological", &epub);
    let entries = unzip_map(&epub);
    let text: String = entries
        .iter()
        .filter(|(k, _)| k.starts_with("EPUB/text/c"))
        .map(|(_, v)| v.as_str())
        .collect();
    let n = pathological::UNIT;
    // footnotes: every one, once
    assert_eq!(
        text.matches("epub:type=\"footnote\"").count(),
        n,
        "footnotes"
    );
    // the same explicit id on every heading: same, same-2, … same-n
    assert!(text.contains("id=\"same\"") && text.contains(&format!("id=\"same-{n}\"")));
    assert!(!text.contains(&format!("id=\"same-{}\"", n + 1)));
    // unclosed parentheses: ASCII alone, full-width after Chinese
    assert!(text.contains(&format!("<p>{}</p>", "(".repeat(10 * n))));
    // (each after the first set half-width: a run of opening brackets is compressed; the
    // word joiner binds the paragraph's last Han character)
    assert!(text.contains(&format!(
        "<p>中&#x2060;文（{}</p>",
        "<span class=\"halt\">（</span>".repeat(10 * n - 1)
    )));
    // links: the good ones resolved, the broken ones kept as text
    assert_eq!(text.matches("#same-7\"").count(), n);
    assert_eq!(err.matches("broken link `#nope`").count(), 5, "{err}");
    let more = (n - 5).to_string();
    let more = format!("{},{}", &more[..more.len() - 3], &more[more.len() - 3..]);
    assert!(
        err.contains(&format!("\nand {more} more like this\n")),
        "{err}"
    );
    // images: one file, every reference
    assert_eq!(
        entries
            .keys()
            .filter(|k| k.starts_with("EPUB/images/"))
            .count(),
        1
    );
    assert_eq!(text.matches("<img ").count(), n);
    // tables and deep nesting
    assert_eq!(text.matches("<table").count(), n / 2);
    assert!(err.contains("nested more than 32 levels deep"), "{err}");
}
