//! Writing the documents of the EPUB: chapters, navigation, package document.

pub mod html;
pub mod nav;
pub mod opf;
pub mod xhtml;
pub mod xml;

/// Every character hanpub itself writes where a reader sees it, besides the book's text: the
/// navigation's headings and landmarks (目錄/目录, 導覽, 正文, 封面), the cover page's label,
/// ruby fallbacks (`（）`), the stylesheets' generated content (the section-break ornament
/// `＊　＊　＊`). An embedded font is subset to these too (`tests/typeset.rs` checks that every
/// character of a built book is in its font).
pub const GENERATED_TEXT: &str = "目錄目录導覽正文封面：（）＊\u{3000}";
