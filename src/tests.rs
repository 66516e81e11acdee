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
