//! Tests of the pipeline as a whole, beside the stages' own.

use super::*;

/// The second pass gives the same EPUB however many chapters its windows hold: one piece
/// at a time, or the whole book at once.
#[test]
fn windows_of_any_size_give_the_same_bytes() {
    let chapter = |i: usize| {
        let body = "正文，".repeat(300);
        format!(
            "## 第{i}章\n\n{body}見[下一章](#第{}章)。[^n{i}]\n\n[^n{i}]: 註{i}。\n\n### 小節\n\n<b>粗</b>\n\n",
            i + 1
        )
    };
    let text: String = (0..300).map(chapter).collect();
    let text = format!("---\ntitle: 窗\n---\n{text}");
    assert!(text.len() > parse::PARALLEL_MIN, "cut into pieces");
    let files = MemFiles::from([("book.md", text)]);
    let project = load(&files, &BookEntry::File("book.md".into())).unwrap();
    let opts = Options::default();
    let with = |window: usize| {
        let input = Inputs {
            window,
            ..Inputs::new(&project, &files, &opts)
        };
        buffered(&input, &mut Memo::off()).unwrap()
    };
    let whole = with(usize::MAX);
    assert_eq!(whole.chapters.len(), 300);
    assert_eq!(with(1), whole);
    assert_eq!(with(10_000), whole);
    assert_eq!(build(&project, &files, &opts).unwrap(), whole);
}

/// The images of a book are checked when the chapters are, then read again as the EPUB is
/// written, a few at a time: the build keeps where they are, not their bytes (a 184 MB
/// photo book took 539 MiB). A file that changed in between is refused, not shipped unchecked.
#[test]
fn images_are_read_again_as_they_are_written_and_must_be_unchanged() {
    let png = std::fs::read("tests/fixtures/ok/content/pic.png").unwrap();
    let text = "---\ntitle: 圖\n---\n\n## 一\n\n![甲](a.png)\n\n## 二\n\n![乙](a.png)\n";
    let mem = MemFiles::from([
        ("book.md", text.as_bytes().to_vec()),
        ("a.png", png.clone()),
    ]);
    // the reads of each file; when asked, the image gives other bytes from its second read
    // on (saved again while the book was building)
    let reads = std::sync::Mutex::new(std::collections::BTreeMap::<String, usize>::new());
    let files = |change: bool| files::tests::Watched {
        files: &mem,
        seen: {
            let reads = &reads;
            move |path: &str, bytes: files::Bytes| {
                let mut reads = reads.lock().unwrap();
                let n = reads.entry(path.to_string()).or_default();
                *n += 1;
                if change && *n > 1 && path.ends_with(".png") {
                    files::Bytes::from([&bytes[..], &[0]].concat())
                } else {
                    bytes
                }
            }
        },
    };
    let opts = Options {
        no_cover: true,
        ..Options::default()
    };
    let same = files(false);
    let project = load(&same, &BookEntry::File("book.md".into())).unwrap();
    let built = build(&project, &same, &opts).unwrap();
    assert_eq!(reads.lock().unwrap()["a.png"], 2, "checked, then written");
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(built.epub)).unwrap();
    let mut shipped = Vec::new();
    std::io::Read::read_to_end(
        &mut zip.by_name("EPUB/images/img001.png").unwrap(),
        &mut shipped,
    )
    .unwrap();
    assert_eq!(shipped, png);
    reads.lock().unwrap().clear();
    let changed = files(true);
    let err = build(&project, &changed, &opts).unwrap_err();
    assert_eq!(err.to_string(), "cannot write the EPUB");
    assert_eq!(
        std::error::Error::source(&err).unwrap().to_string(),
        "`a.png` changed while the book was being built: build it again"
    );
}
