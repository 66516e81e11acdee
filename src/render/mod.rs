//! Writing the documents of the EPUB: chapters, navigation, package document.

pub mod highlight;
pub mod html;
pub mod math;
pub mod nav;
pub mod opf;
pub mod xhtml;
pub mod xml;

/// The stylesheet of code, formulas, alerts and figures (appended to hanpub's).
pub const STYLE_CONTENT: &str = include_str!("../../styles/content.css");
