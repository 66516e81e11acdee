//! End-to-end builds: the shipped book, fixture books, determinism, atomic output.

mod common;

use common::*;

fn build_to_bytes(
    cwd: &std::path::Path,
    book: &str,
    extra: &[&str],
    env: &[(&str, &str)],
) -> Vec<u8> {
    let out_path = cwd.join("out.epub");
    let mut args = vec!["build", book, "-o", out_path.to_str().unwrap(), "-q"];
    args.extend_from_slice(extra);
    let out = hanpub(cwd, &args, env);
    assert!(
        out.status.success(),
        "build {book} failed:\n{}",
        stderr(&out)
    );
    std::fs::read(out_path).unwrap()
}

#[test]
fn shipped_book_has_the_opening_and_eight_sections_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let epub = build_to_bytes(dir.path(), root().join("book").to_str().unwrap(), &[], &[]);
    keep_epub("book", &epub);
    let files = unzip_map(&epub);
    let nav = parse_xml(&files["EPUB/nav.xhtml"]);
    let toc: Vec<(String, String)> = nav
        .descendants()
        .find(|n| n.attribute(("http://www.idpf.org/2007/ops", "type")) == Some("toc"))
        .unwrap()
        .descendants()
        .filter(|n| n.has_tag_name("a"))
        .map(|a| {
            (
                a.text().unwrap().to_string(),
                a.attribute("href").unwrap().to_string(),
            )
        })
        .collect();
    let titles: Vec<&str> = toc.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(titles.len(), 9, "{titles:?}");
    assert!(titles[0].starts_with("翁家翌"), "{titles:?}");
    assert_eq!(titles[1], "一個從小就在「投資未來」的人");
    assert!(titles[2].starts_with("清華") && titles[2].ends_with("打破資訊差"));
    assert_eq!(titles[8], "我的觀察");
    // each its own file, in spine order
    let hrefs: Vec<&str> = toc.iter().map(|(_, h)| h.as_str()).collect();
    let unique: std::collections::BTreeSet<&&str> = hrefs.iter().collect();
    assert_eq!(unique.len(), 9);
    for h in &hrefs {
        assert!(files.contains_key(&format!("EPUB/{h}")), "{h}");
        assert!(h.is_ascii());
    }
    let opf = &files["EPUB/content.opf"];
    assert!(opf.contains("<dc:language>zh-Hant</dc:language>"));
    assert!(opf.contains(
        r##"<meta property="belongs-to-collection" id="collection">WhynotTV Podcast</meta>"##
    ));
    assert!(opf.contains(r##"<meta refines="#collection" property="group-position">4</meta>"##));
    assert!(
        opf.contains(r##"<meta refines="#collection" property="collection-type">series</meta>"##)
    );
    assert!(opf.contains(r##"page-progression-direction="ltr""##));
    for (name, text) in &files {
        if name.ends_with(".xhtml") {
            let doc = parse_xml(text);
            let html = doc.root_element();
            assert_eq!(html.attribute("lang"), Some("zh-Hant"), "{name}");
            assert_eq!(
                html.attribute(("http://www.w3.org/XML/1998/namespace", "lang")),
                Some("zh-Hant"),
                "{name}"
            );
        }
    }
}

#[test]
fn zip_layout_mimetype_first_fixed_order_and_times() {
    let dir = tempfile::tempdir().unwrap();
    let epub = build_to_bytes(dir.path(), root().join("book").to_str().unwrap(), &[], &[]);
    let names: Vec<String> = unzip(&epub).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names[0], "mimetype");
    assert_eq!(names[1], "META-INF/container.xml");
    assert_eq!(names[2], "EPUB/content.opf");
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(&epub)).unwrap();
    let m = z.by_index(0).unwrap();
    assert_eq!(m.compression(), zip::CompressionMethod::Stored);
    drop(m);
    for i in 0..z.len() {
        let f = z.by_index(i).unwrap();
        assert_eq!(
            f.last_modified().unwrap(),
            zip::DateTime::default(),
            "{:?}",
            f.name()
        );
    }
}

#[test]
fn build_twice_gives_identical_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let book = root().join("book");
    let a = build_to_bytes(dir.path(), book.to_str().unwrap(), &[], &[]);
    let b = build_to_bytes(dir.path(), book.to_str().unwrap(), &[], &[]);
    assert!(a == b, "two builds differ");
}

#[test]
fn source_date_epoch_changes_only_the_modified_date() {
    let dir = tempfile::tempdir().unwrap();
    let book = root().join("book");
    let a = unzip_map(&build_to_bytes(
        dir.path(),
        book.to_str().unwrap(),
        &[],
        &[("SOURCE_DATE_EPOCH", "1700000000")],
    ));
    let b = unzip_map(&build_to_bytes(
        dir.path(),
        book.to_str().unwrap(),
        &[],
        &[("SOURCE_DATE_EPOCH", "1800000000")],
    ));
    let differing: Vec<&String> = a.keys().filter(|k| a[*k] != b[*k]).collect();
    assert_eq!(differing, ["EPUB/content.opf"]);
    let diff: Vec<(&str, &str)> = a["EPUB/content.opf"]
        .lines()
        .zip(b["EPUB/content.opf"].lines())
        .filter(|(x, y)| x != y)
        .collect();
    assert_eq!(
        diff,
        [(
            r##"  <meta property="dcterms:modified">2023-11-14T22:13:20Z</meta>"##,
            r##"  <meta property="dcterms:modified">2027-01-15T08:00:00Z</meta>"##
        )]
    );
    // without SOURCE_DATE_EPOCH the date comes from the metadata, never the clock
    let c = unzip_map(&build_to_bytes(
        dir.path(),
        book.to_str().unwrap(),
        &[],
        &[],
    ));
    assert!(
        c["EPUB/content.opf"]
            .contains(r##"<meta property="dcterms:modified">2026-11-29T00:00:00Z</meta>"##)
    );
}

#[test]
fn fixture_books_match_their_snapshots() {
    for (name, dir, book, layout) in [
        ("full", "full", "full", None),
        ("single-yaml", "single-yaml", "single-yaml/book.md", None),
        ("single-toml", "single-toml", "single-toml/book.md", None),
        ("metadata-yaml", "metadata-yaml", "metadata-yaml", None),
        // every typesetting case, in both writing modes
        ("typography", "typography", "typography", None),
        (
            "typography-vertical",
            "typography",
            "typography",
            Some("vertical"),
        ),
    ] {
        let dir = fixture("ok", dir);
        // covers depend on the fonts installed: snapshots are taken without one
        let mut args = vec!["--no-cover"];
        if let Some(l) = layout {
            args.extend(["--layout", l]);
        }
        let epub = build_to_bytes(dir.path(), book, &args, &[]);
        keep_epub(name, &epub);
        for (file, text) in unzip_map(&epub) {
            if file.ends_with(".xhtml") || file.ends_with(".opf") || file.ends_with(".ncx") {
                let snap = format!(
                    "{name}__{}",
                    file.trim_start_matches("EPUB/").replace('/', "_")
                );
                insta::assert_snapshot!(snap, text);
            }
        }
    }
}

#[test]
fn vertical_layout_sets_rtl_and_the_writing_mode() {
    let dir = tempfile::tempdir().unwrap();
    let epub = build_to_bytes(
        dir.path(),
        root().join("book").to_str().unwrap(),
        &["--layout", "vertical"],
        &[],
    );
    keep_epub("book-vertical", &epub);
    let files = unzip_map(&epub);
    let opf = &files["EPUB/content.opf"];
    assert!(opf.contains(r##"page-progression-direction="rtl""##));
    assert!(opf.contains(r##"<meta name="primary-writing-mode" content="vertical-rl"/>"##));
    assert!(files["EPUB/styles/hanpub.css"].contains("vertical-rl"));
    assert!(files["EPUB/text/c001.xhtml"].contains(r##"class="hanpub vertical""##));
}

#[test]
fn failed_build_leaves_the_previous_epub_untouched() {
    let dir = fixture("ok", "full");
    let out = dir.path().join("out.epub");
    let first = build_to_bytes(dir.path(), "full", &[], &[]);
    std::fs::write(
        dir.path().join("full/book.toml"),
        "[book]\ntitle = \"broken\n",
    )
    .unwrap();
    let r = hanpub(
        dir.path(),
        &["build", "full", "-o", out.to_str().unwrap()],
        &[],
    );
    assert_eq!(r.status.code(), Some(1));
    assert_eq!(std::fs::read(&out).unwrap(), first);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn default_output_goes_under_out() {
    let dir = fixture("ok", "full");
    let r = hanpub(dir.path(), &["build", "full"], &[]);
    assert!(r.status.success(), "{}", stderr(&r));
    assert!(dir.path().join("out/full.epub").is_file());
    assert!(
        stderr(&r).contains("built out/full.epub (4 chapters,"),
        "{}",
        stderr(&r)
    );
}

/// A book shaped like make-corpus's single-file books: YAML front matter, then `## ` chapters.
#[test]
fn corpus_shaped_single_file_book_gives_one_chapter_per_section() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from(
        "---\ntitle: 御定全唐詩（節選）\nauthor: 彭定求 等 編\nlang: zh-Hant\n---\n\n",
    );
    for i in 1..=20 {
        text.push_str(&format!("## 第{i}章　全唐詩卷{i}\n\n> 作者小傳，第{i}位。\n\n**詩題**　作者\n\n春眠不覺曉，處處聞啼鳥。夜來風雨聲，花落知多少。\n\n"));
    }
    std::fs::write(dir.path().join("book.md"), text).unwrap();
    let epub = build_to_bytes(dir.path(), "book.md", &[], &[]);
    keep_epub("corpus-shaped", &epub);
    let files = unzip_map(&epub);
    let chapters = files
        .keys()
        .filter(|k| k.starts_with("EPUB/text/c0"))
        .count();
    assert_eq!(chapters, 20);
    assert!(
        files.contains_key("EPUB/text/c001.xhtml") && files.contains_key("EPUB/text/c020.xhtml")
    );
}

/// On a terminal, a build that takes longer than the threshold (1 s; shortened here) shows a
/// spinner, then clears it; a quicker one and `-q` show none. Runs under `script` for a
/// terminal; the cover is drawn so that the build takes a while.
#[test]
fn a_slow_build_on_a_terminal_shows_a_spinner() {
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        panic!("`script` (util-linux) is needed to give the build a terminal");
    }
    let dir = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_hanpub");
    let book = common::root().join("book");
    let run = |after: &str, quiet: bool| {
        let cmd = format!(
            "HANPUB_PROGRESS_AFTER_MS={after} {bin}{} build '{}' -o '{}'",
            if quiet { " -q" } else { "" },
            book.display(),
            dir.path().join("b.epub").display()
        );
        let out = std::process::Command::new("script")
            .args(["-qec", &cmd, "/dev/null"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(run("0", false).contains("building the EPUB"));
    assert!(!run("60000", false).contains("building the EPUB"));
    assert!(!run("0", true).contains("building the EPUB"));
}

/// The CLI's allocator takes its options (pages given back 100 ms after their last use): the
/// symbol they are read through must carry jemalloc's prefix, or they are silently ignored.
#[test]
#[cfg(not(target_env = "msvc"))]
fn the_allocator_gives_pages_back_soon() {
    let dir = tempfile::tempdir().unwrap();
    let out = hanpub(
        dir.path(),
        &["--version"],
        &[("_RJEM_MALLOC_CONF", "confirm_conf:true")],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    for set in ["dirty_decay_ms:100", "muzzy_decay_ms:0"] {
        assert!(
            err.contains(&format!("Set conf value: {set}")),
            "{set} not taken: {err}"
        );
    }
}

/// The EPUB does not depend on how many threads built it nor on how it was written: one
/// thread against four, in memory against streamed (`build_to`: chapters to a spool as they
/// are ready), on a book large enough to be parsed in pieces (≥ 256 KB in one file) and on the
/// shipped article.
#[test]
fn one_thread_and_four_streamed_or_not_give_identical_bytes() {
    use hanpub::{BookEntry, MemFiles, Options, build, build_to, load};
    let article = std::fs::read_to_string(root().join("book/article.md")).unwrap();
    let body = article.split_once("\n## ").map_or("", |(_, rest)| rest);
    let mut big = String::from("---\ntitle: 大書\nlang: zh-Hant\ndate: 2024-01-01\n---\n");
    for i in 0..40 {
        big.push_str(&format!("## 第{i}部　{body}\n\n"));
    }
    assert!(
        big.len() >= hanpub::parse::PARALLEL_MIN,
        "{} bytes",
        big.len()
    );
    assert!(
        hanpub::parse::pieces(&big, 0, 2).len() > 40,
        "the big book is cut into pieces"
    );
    for files in [
        MemFiles::from([("book.md", big.clone())]),
        MemFiles::from([(
            "book.md",
            format!("---\ntitle: 文\nlang: zh-Hant\n---\n{article}"),
        )]),
    ] {
        let project = load(&files, &BookEntry::File("book.md".into())).unwrap();
        let with = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| build(&project, &files, &Options::default()).unwrap().epub)
        };
        let one = with(1);
        assert!(one == with(4), "1 and 4 threads give different EPUBs");
        let mut spool = Vec::new();
        let streamed = build_to(&project, &files, &Options::default(), &mut spool).unwrap();
        assert_eq!(streamed.spooled, spool.len() as u64);
        assert!(
            one == [streamed.head, spool, streamed.tail].concat(),
            "streamed and in memory give different EPUBs"
        );
    }
}

/// The cover page is named in the EPUB 2 guide (calibre otherwise adds a cover page of its own
/// and shows the cover twice), and nothing pushes Apple Books off its default layout: no
/// `ibooks:` property but `specified-fonts` (with a font), no `rendition:` flow or layout.
#[test]
fn cover_in_the_guide_and_no_reader_overrides() {
    let dir = fixture("ok", "given-cover");
    let epub = build_to_bytes(dir.path(), "given-cover", &[], &[]);
    let files = unzip_map(&epub);
    let opf = &files["EPUB/content.opf"];
    assert!(
        opf.contains("<guide>\n  <reference type=\"cover\" title=\"封面\" href=\"text/cover.xhtml\"/>\n</guide>"),
        "{opf}"
    );
    for property in opf.split("property=\"").skip(1) {
        let name = &property[..property.find('"').unwrap()];
        assert!(
            !name.starts_with("ibooks:") && !name.starts_with("rendition:"),
            "{name}"
        );
    }
    // no cover, no guide
    let dir = fixture("ok", "full");
    let epub = build_to_bytes(dir.path(), "full", &["--no-cover"], &[]);
    assert!(!unzip_map(&epub)["EPUB/content.opf"].contains("<guide>"));
}
