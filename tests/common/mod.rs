//! Helpers shared by the integration tests: run the binary, copy fixtures, read EPUBs.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A test whose font or tool is missing here says so and passes, but never in CI (`CI` set:
/// `.ci/run` sets it and `.ci/install-checkers` installs them all): there, a test that passes
/// has asserted something.
pub fn skip(why: &str) {
    assert!(
        std::env::var_os("CI").is_none(),
        "CI must have it (.ci/install-checkers installs it): {why}"
    );
    eprintln!("skipped: {why}");
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Run `hanpub` with `args` in `cwd`, without SOURCE_DATE_EPOCH unless given.
pub fn hanpub(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hanpub"));
    cmd.args(args)
        .current_dir(cwd)
        .env_remove("SOURCE_DATE_EPOCH")
        .env("RUST_BACKTRACE", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run hanpub");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("panicked") && !stderr.contains("stack backtrace"),
        "hanpub panicked:\n{stderr}"
    );
    out
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Copy a folder (recursively) into `to`.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// A temp dir holding a copy of `tests/fixtures/<kind>/<name>` under `<name>`.
pub fn fixture(kind: &str, name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &root().join("tests/fixtures").join(kind).join(name),
        &dir.path().join(name),
    );
    dir
}

/// The entries of a zip, in archive order.
pub fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).unwrap();
            let mut data = Vec::new();
            f.read_to_end(&mut data).unwrap();
            (f.name().unwrap().to_string(), data)
        })
        .collect()
}

pub fn unzip_map(bytes: &[u8]) -> BTreeMap<String, String> {
    unzip(bytes)
        .into_iter()
        .map(|(k, v)| (k, String::from_utf8_lossy(&v).into_owned()))
        .collect()
}

/// Folder of EPUBs the tests produce, for EPUBCheck in CI (`HANPUB_EPUB_DIR`). Every EPUB kept
/// is first searched for anything that could run: see [`assert_no_script`].
pub fn keep_epub(name: &str, bytes: &[u8]) {
    assert_no_script(name, bytes);
    if let Ok(dir) = std::env::var("HANPUB_EPUB_DIR") {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(Path::new(&dir).join(format!("{name}.epub")), bytes).unwrap();
    }
}

/// No `<script>` element, no event-handler attribute (`on…=`) and no `javascript:` URL in any
/// document of `epub`; in its CSS no `javascript:`, `expression()`, `behavior` or
/// `-moz-binding`.
pub fn assert_no_script(name: &str, epub: &[u8]) {
    let compact = |t: &str| -> String {
        t.chars()
            .filter(|c| !c.is_whitespace() && !c.is_control())
            .collect::<String>()
            .to_ascii_lowercase()
    };
    for (entry, data) in unzip(epub) {
        if entry.ends_with(".css") {
            let css = compact(&String::from_utf8_lossy(&data));
            for banned in ["javascript:", "expression(", "behavior:", "-moz-binding"] {
                assert!(!css.contains(banned), "{name}: `{banned}` in {entry}");
            }
            continue;
        }
        let is_markup = [".xhtml", ".svg", ".opf", ".ncx", ".xml"]
            .iter()
            .any(|e| entry.ends_with(e));
        if !is_markup {
            continue;
        }
        let doc = parse_xml(std::str::from_utf8(&data).unwrap_or(""));
        for n in doc.descendants().filter(|n| n.is_element()) {
            assert!(
                !n.tag_name().name().eq_ignore_ascii_case("script"),
                "{name}: a <script> in {entry}"
            );
            for a in n.attributes() {
                assert!(
                    !a.name().to_ascii_lowercase().starts_with("on"),
                    "{name}: an event handler `{}` in {entry}",
                    a.name()
                );
                let v = compact(a.value());
                assert!(
                    !v.starts_with("javascript:") && !v.starts_with("vbscript:"),
                    "{name}: a script URL `{}` in {entry}",
                    a.value()
                );
            }
        }
    }
}

/// Parse XHTML/XML the way a reading system would (DOCTYPE allowed); panics if not well-formed.
pub fn parse_xml(text: &str) -> roxmltree::Document<'_> {
    let opts = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    roxmltree::Document::parse_with_options(text, opts)
        .unwrap_or_else(|e| panic!("not well-formed: {e}\n{text}"))
}
