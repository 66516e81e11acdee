//! Writing the documents of the EPUB: chapters, navigation, package document.

pub mod html;
pub mod nav;
pub mod opf;
pub mod xhtml;
pub mod xml;
