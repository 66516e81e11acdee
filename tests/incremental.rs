//! `Incremental` (used by watch and serve) gives exactly the bytes of a full build.

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
