//! Hostile and careless input files (issue 15, "no script, broken file"): SVG images with
//! scripts, HTML, remote references, entities or no namespace; stylesheets with `@import`,
//! remote or missing `url()`s and script; images whose header lies or whose data is cut short;
//! FIFOs where files should be; a zip bomb for `check`. Each either builds an EPUB that
//! EPUBCheck accepts (kept with `keep_epub`, which also greps it for anything that could run)
//! or is refused at the line that names it, leaving every source file as it was.
//!
//! The fixtures are in `tests/fixtures/hostile/` (see its README.md).

mod common;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let ft = e.file_type().unwrap();
            if ft.is_dir() {
                stack.push(e.path());
            } else if ft.is_file() {
                let name = e.path().strip_prefix(dir).unwrap().display().to_string();
                out.insert(name, std::fs::read(e.path()).unwrap());
            }
        }
    }
    out
}

/// `(message, file:line)` of every error `check --format json` reports.
fn check_errors(dir: &Path, book: &str) -> Vec<(String, String)> {
    let out = hanpub(dir, &["check", book, "--format", "json"], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    json.as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] == "error")
        .map(|d| {
            (
                d["message"].as_str().unwrap().to_string(),
                format!("{}:{}", d["file"].as_str().unwrap_or(""), d["line"]),
            )
        })
        .collect()
}

/// `(message, file:line)` of every error in a build's stderr.
fn build_errors(stderr: &str) -> Vec<(String, String)> {
    let lines: Vec<&str> = stderr.lines().collect();
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let Some(message) = l.strip_prefix("error: ") else {
            continue;
        };
        let Some(at) = lines.get(i + 1).and_then(|n| n.trim().strip_prefix("--> ")) else {
            continue;
        };
        let file_line = at.rsplit_once(':').map_or(at, |(fl, _col)| fl);
        out.push((message.to_string(), file_line.to_string()));
    }
    out
}

#[test]
fn svgs_and_stylesheets_are_sanitised_and_their_resources_brought_in() {
    let dir = fixture("hostile", "sanitised");
    let out = hanpub(
        dir.path(),
        &["build", "sanitised", "-o", "s.epub", "--no-cover"],
        &[],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let (warnings, built) = err.rsplit_once("\n\n").unwrap();
    assert!(built.starts_with("built s.epub (1 chapter, "), "{built}");
    insta::assert_snapshot!("sanitised_warnings", warnings);
    let epub = std::fs::read(dir.path().join("s.epub")).unwrap();
    keep_epub("hostile-sanitised", &epub);
    let entries = unzip_map(&epub);

    // the SVGs: drawing kept, everything that runs or fetches gone
    let svgs: String = entries
        .iter()
        .filter(|(k, _)| k.ends_with(".svg"))
        .map(|(_, v)| v.as_str())
        .collect();
    for kept in [
        "<title>一個紅色方塊</title>",
        "<circle",
        "fill=\"url(#g)\"",
        "<a href=\"https://example.com/\">",
    ] {
        assert!(svgs.contains(kept), "{kept} missing:\n{svgs}");
    }
    for gone in [
        "script",
        "onload",
        "onclick",
        "foreignObject",
        "iframe",
        "xhtml",
        "<set",
        "track.css",
        "more.css",
        "p.svg",
        "pixel.png",
        "other.svg",
        "bg.png",
        "DOCTYPE",
    ] {
        assert!(!svgs.contains(gone), "{gone} shipped:\n{svgs}");
    }

    // the stylesheet: rewritten; the font and image it names brought in and declared
    let css = &entries["EPUB/styles/book1.css"];
    assert_eq!(
        css,
        "@namespace svg url(http://www.w3.org/2000/svg);\n\
         @font-face {\n  font-family: \"Demo\";\n  src: url(\"../fonts/css1.ttf\") format(\"truetype\");\n}\n\
         p.note {\n  background: url(\"../images/img004.png\") no-repeat;\n  color: #333;\n}\n\
         .badge {\n  background-image: url(\"../images/img004.png\");\n}\n\
         .remote {\n  color: red;\n}\n\
         .moz {\n  font-family: \"Demo\", serif;\n}\n\
         .broken {\n  margin: 1em;\n}\n\
         h1 {\n  font-weight: bold;\n}\n\
         @media print {\n.note {\n  display: none;\n}\n}\n"
    );
    let opf = &entries["EPUB/content.opf"];
    assert!(
        opf.contains("<item id=\"font1\" href=\"fonts/css1.ttf\" media-type=\"font/ttf\"/>"),
        "{opf}"
    );
    let font = unzip(&epub)
        .into_iter()
        .find(|(k, _)| k == "EPUB/fonts/css1.ttf");
    assert_eq!(
        font.map(|(_, data)| data),
        Some(std::fs::read(dir.path().join("sanitised/fonts/demo.ttf")).unwrap())
    );
    // every image kept whole, once
    for (ext, n) in [("svg", 3), ("png", 1), ("gif", 1), ("webp", 1), ("jpg", 1)] {
        let count = entries
            .keys()
            .filter(|k| k.ends_with(&format!(".{ext}")))
            .count();
        assert_eq!(count, n, "{ext}");
    }

    // `check` on the source reports the same warnings the build printed
    let checked = hanpub(dir.path(), &["check", "sanitised"], &[]);
    let check_err = stderr(&checked);
    for block in warnings.split("\n\n") {
        assert!(
            check_err.contains(block),
            "check lacks:\n{block}\n\n{check_err}"
        );
    }
}

#[test]
fn broken_images_are_refused_at_their_lines_and_nothing_is_touched() {
    let dir = fixture("hostile", "refused");
    let before = snapshot(dir.path());
    let out = hanpub(dir.path(), &["build", "refused", "-o", "r.epub"], &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    insta::assert_snapshot!("refused_errors", err);
    assert!(!dir.path().join("r.epub").exists());
    assert_eq!(
        snapshot(dir.path()),
        before,
        "a refused build changed the sources"
    );
    // `check` on the source finds the same problems
    let from_build = build_errors(&err);
    assert_eq!(from_build.len(), 12, "{err}");
    assert_eq!(check_errors(dir.path(), "refused"), from_build);
}

#[test]
fn a_cover_cut_short_is_refused_at_its_key() {
    let dir = fixture("hostile", "broken-cover");
    let before = snapshot(dir.path());
    let out = hanpub(dir.path(), &["build", "broken-cover", "-o", "c.epub"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "error: cover `cover.png`: the cover image is a damaged PNG: the pixel data ends early (after 1 of 2560 rows of pixels)\n --> broken-cover/book.toml:6:9\n  |\n6 | cover = \"cover.png\"\n  |         ^^^^^^^^^^^\n\nerror: could not build the book (1 error)\n"
    );
    assert_eq!(snapshot(dir.path()), before);
    assert_eq!(
        check_errors(dir.path(), "broken-cover"),
        build_errors(&stderr(&out))
    );
}

/// Run hanpub with a watchdog: a FIFO read by mistake would block forever.
#[cfg(unix)]
fn run_or_hang(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hanpub"))
        .args(args)
        .current_dir(dir)
        .env_remove("SOURCE_DATE_EPOCH")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
            return (status.code(), err);
        }
        if start.elapsed() > Duration::from_secs(60) {
            child.kill().unwrap();
            panic!("hanpub {args:?} hung (it opened a FIFO?)");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let ok = Command::new("mkfifo").arg(path).status().unwrap().success();
    assert!(ok, "mkfifo {}", path.display());
}

#[cfg(unix)]
#[test]
fn fifos_are_refused_never_opened() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let book = |name: &str, toml_build: &str, md: &str| {
        let b = d.join(name);
        std::fs::create_dir_all(&b).unwrap();
        std::fs::write(
            b.join("book.toml"),
            format!("[book]\ntitle = \"管道\"\nlang = \"zh-Hant\"\n\n[build]\n{toml_build}"),
        )
        .unwrap();
        if !md.is_empty() {
            std::fs::write(b.join("a.md"), md).unwrap();
        }
        b
    };
    // a chapter
    let b = book("chapter", "chapters = [\"a.md\"]\n", "");
    mkfifo(&b.join("a.md"));
    let (code, err) = run_or_hang(d, &["build", "chapter", "-o", "x.epub", "--no-cover"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("`chapter/a.md`: is a FIFO (named pipe), not a regular file"),
        "{err}"
    );
    // the Markdown file given as the book
    mkfifo(&d.join("pipe.md"));
    let (code, err) = run_or_hang(d, &["build", "pipe.md", "-o", "x.epub", "--no-cover"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("is a FIFO (named pipe), not a regular file"),
        "{err}"
    );
    // an image
    let b = book("image", "", "## 一\n\n![圖](pic.png)\n");
    mkfifo(&b.join("pic.png"));
    let (code, err) = run_or_hang(d, &["build", "image", "-o", "x.epub", "--no-cover"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.starts_with("error: image `pic.png` not found (is a FIFO (named pipe), not a regular file)\n --> image/a.md:3:1\n"),
        "{err}"
    );
    // the cover, a stylesheet, a font named in book.toml
    for (name, key, file) in [
        ("cover", "cover = \"c.png\"\n", "c.png"),
        ("css", "css = [\"s.css\"]\n", "s.css"),
        ("font", "font = \"f.ttf\"\n", "f.ttf"),
    ] {
        let b = book(name, key, "## 一\n\n內容。\n");
        mkfifo(&b.join(file));
        let (code, err) = run_or_hang(d, &["build", name, "-o", "x.epub"]);
        assert_eq!(code, Some(1), "{name}: {err}");
        assert!(
            err.contains(&format!(
                "`{name}/{file}`: is a FIFO (named pipe), not a regular file"
            )),
            "{name}: {err}"
        );
    }
    // --font, and check on an EPUB
    mkfifo(&d.join("font.ttf"));
    let (code, err) = run_or_hang(d, &["build", "chapter", "--font", "font.ttf"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("cannot read the font `font.ttf`: is a FIFO (named pipe), not a regular file"),
        "{err}"
    );
    mkfifo(&d.join("book.epub"));
    let (code, err) = run_or_hang(d, &["check", "book.epub"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("cannot read `book.epub`: is a FIFO (named pipe), not a regular file"),
        "{err}"
    );
}

/// A zip whose entries are `(name, stored or deflated data, crc, inflated size)`.
fn write_zip(path: &Path, entries: &[(&str, Vec<u8>, bool, u32, u32)]) {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data, deflated, crc, size) in entries {
        let offset = out.len() as u32;
        let method: u16 = if *deflated { 8 } else { 0 };
        let fields = |sig: u32| {
            let mut h = Vec::new();
            h.extend_from_slice(&sig.to_le_bytes());
            if sig == 0x0201_4b50 {
                h.extend_from_slice(&20u16.to_le_bytes()); // made by
            }
            h.extend_from_slice(&20u16.to_le_bytes()); // needed
            h.extend_from_slice(&0u16.to_le_bytes()); // flags
            h.extend_from_slice(&method.to_le_bytes());
            h.extend_from_slice(&[0, 0, 0x21, 0]); // time, date: 1980-01-01
            h.extend_from_slice(&crc.to_le_bytes());
            h.extend_from_slice(&(data.len() as u32).to_le_bytes());
            h.extend_from_slice(&size.to_le_bytes());
            h.extend_from_slice(&(name.len() as u16).to_le_bytes());
            h.extend_from_slice(&0u16.to_le_bytes()); // extra
            h
        };
        out.extend(fields(0x0403_4b50));
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
        central.extend(fields(0x0201_4b50));
        central.extend_from_slice(&[0; 6]); // comment, disk, internal attributes
        central.extend_from_slice(&[0; 4]); // external attributes
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let at = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&at.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    std::fs::File::create(path)
        .unwrap()
        .write_all(&out)
        .unwrap();
}

/// A raw deflate stream of `mib` MiB of zeros (about 1 KB a MiB): one MiB deflated and flushed
/// to a byte boundary with nothing referring back, repeated, then an empty final block.
fn zeros_deflated(mib: usize) -> (Vec<u8>, u32) {
    let zeros = vec![0u8; 1 << 20];
    let mut c = flate2::Compress::new(flate2::Compression::best(), false);
    let mut block = Vec::with_capacity(64 << 10);
    c.compress_vec(&zeros, &mut block, flate2::FlushCompress::Full)
        .unwrap();
    let mut stream = Vec::with_capacity(block.len() * mib + 2);
    let mut crc = flate2::Crc::new();
    for _ in 0..mib {
        stream.extend_from_slice(&block);
        crc.update(&zeros);
    }
    stream.extend_from_slice(&[0x03, 0x00]);
    (stream, crc.sum())
}

#[test]
fn check_stops_a_zip_bomb() {
    let dir = tempfile::tempdir().unwrap();
    let (bomb, crc) = zeros_deflated(1024);
    // 1 GiB from about 1 MiB: the messages below round both sizes to "1.0 MiB"
    assert!(
        (1 << 20..1 << 20 | 40 << 10).contains(&bomb.len()),
        "{}",
        bomb.len()
    );
    let mimetype = b"application/epub+zip".to_vec();
    let mimetype_crc = {
        let mut c = flate2::Crc::new();
        c.update(&mimetype);
        c.sum()
    };
    let container = b"<?xml version=\"1.0\"?><container version=\"1.0\" xmlns=\"urn:oasis:names:tc:opendocument:xmlns:container\"><rootfiles><rootfile full-path=\"EPUB/content.opf\" media-type=\"application/oebps-package+xml\"/></rootfiles></container>".to_vec();
    let container_crc = {
        let mut c = flate2::Crc::new();
        c.update(&container);
        c.sum()
    };
    let head = |bomb_size: u32| {
        vec![
            ("mimetype", mimetype.clone(), false, mimetype_crc, 20),
            (
                "META-INF/container.xml",
                container.clone(),
                false,
                container_crc,
                container.len() as u32,
            ),
            ("EPUB/text/c001.xhtml", bomb.clone(), true, crc, bomb_size),
        ]
    };
    // honest: its header says 1 GiB; a liar: its header says 100 bytes
    write_zip(&dir.path().join("bomb.epub"), &head(1 << 30));
    write_zip(&dir.path().join("liar.epub"), &head(100));
    let out = hanpub(dir.path(), &["check", "bomb.epub"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "error: entry `EPUB/text/c001.xhtml` says it inflates to 1.0 GiB (from 1.0 MiB compressed): not read, and checking stops here\n --> bomb.epub\n = hint: check inflates at most 64.0 MiB from this 1.0 MiB file (32 times its size, at least 64 MiB): is it a zip bomb?\n\nerror: `bomb.epub` has 1 error and 0 warnings\n"
    );
    let out = hanpub(dir.path(), &["check", "liar.epub"], &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.starts_with("error: entry `EPUB/text/c001.xhtml` "),
        "{err}"
    );
}
