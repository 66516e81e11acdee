//! The assertions the fuzz targets make, shared with `tests/fuzz_corpus.rs` (which replays the
//! committed corpus on stable Rust). Included by path from `fuzz/fuzz_targets/*.rs`.
#![allow(dead_code)]

use std::io::Read;

use hanpub::{BookEntry, MemFiles, Options, config, source::SourceFile};

/// A 1×1 PNG, so fuzz inputs that link `a.png` reach the image code.
pub const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xF0,
    0x1F, 0x00, 0x05, 0x00, 0x01, 0xFF, 0x89, 0x99, 0x3D, 0x1D, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

/// Markdown → EPUB: build `data` as a single-file book (`book.md`, beside `a.png`); when it
/// builds, every XHTML/OPF/NCX entry must be well-formed XML. Errors are fine; panics are not.
/// Returns the EPUB when one was built.
pub fn markdown_to_epub(data: &[u8]) -> Option<Vec<u8>> {
    let files = MemFiles::from([("book.md", data.to_vec()), ("a.png", PNG.to_vec())]);
    let entry = BookEntry::File("book.md".into());
    let project = hanpub::load(&files, &entry).ok()?;
    let out = hanpub::build(&project, &files, &Options::default()).ok()?;
    assert_well_formed(&out.epub);
    Some(out.epub)
}

/// Every XML entry of `epub` parses (DOCTYPE allowed, as a reading system would).
pub fn assert_well_formed(epub: &[u8]) {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(epub)).expect("the EPUB is a zip");
    for i in 0..z.len() {
        let mut f = z.by_index(i).expect("a zip entry");
        let name = f.name().expect("a UTF-8 entry name").to_string();
        if !(name.ends_with(".xhtml")
            || name.ends_with(".opf")
            || name.ends_with(".ncx")
            || name.ends_with(".xml"))
        {
            continue;
        }
        let mut text = String::new();
        f.read_to_string(&mut text)
            .unwrap_or_else(|e| panic!("{name} is not UTF-8: {e}"));
        let opts = roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        };
        if let Err(e) = roxmltree::Document::parse_with_options(&text, opts) {
            panic!("{name} is not well-formed: {e}\n{text}");
        }
    }
}

/// book.toml and front matter parsing never panic, whatever the bytes.
pub fn config_parsers(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file = SourceFile::new("book.toml", text.to_string());
    let _ = config::parse_book_toml(&file);
    let md = SourceFile::new("book.md", text.to_string());
    if let Some((kind, range, body)) = config::split_front_matter(&md.text) {
        assert!(range.end <= md.text.len() && body <= md.text.len());
        let _ = config::parse_front_matter(&md, kind, range);
    }
    // the same text as a whole metadata.yaml
    let yaml = SourceFile::new("metadata.yaml", text.to_string());
    let _ = config::parse_front_matter(&yaml, config::FrontMatterKind::Yaml, 0..yaml.text.len());
    // and as the book.toml of a folder: load, and build when it loads
    let files = MemFiles::from([
        ("book.toml", data.to_vec()),
        ("a.md", "## 一\n\n你好。\n".as_bytes().to_vec()),
    ]);
    if let Ok(project) = hanpub::load(&files, &BookEntry::Dir)
        && let Ok(out) = hanpub::build(&project, &files, &Options::default())
    {
        assert_well_formed(&out.epub);
    }
}
