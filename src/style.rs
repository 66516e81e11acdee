//! The book's stylesheets, the styles part of the assets stage: the embedded base and
//! writing-mode CSS, the embedded font's `@font-face`, Simplified font stacks for a zh-Hans
//! book, the cover page's rules, and the book's own CSS files (`[build] css`).

use crate::diagnostics::Diagnostic;
use crate::files::{self, Files};
use crate::hans;
use crate::resources::{self, FontEntry, Images};

/// The stylesheets, embedded: base + one writing mode.
pub const STYLE_BASE: &str = include_str!("../styles/base.css");
pub const STYLE_HORIZONTAL: &str = include_str!("../styles/horizontal.css");
pub const STYLE_VERTICAL: &str = include_str!("../styles/vertical.css");
/// Highlighted code, formulas, alerts, definition lists, figures (see the file's header).
pub const STYLE_CONTENT: &str = include_str!("../styles/content.css");

/// The cover page: the image alone, as large as the screen allows.
const COVER_CSS: &str = "\n/* cover page: the image alone, whole, on one screen */\nbody.cover { margin: 0; padding: 0; text-align: center; }\nbody.cover section { margin: 0; padding: 0; text-indent: 0; }\nbody.cover img { display: block; margin: 0 auto; max-width: 100%; max-height: 95vh; width: auto; height: auto; }\n/* in vertical-rl, auto margins centre along the column only: centre across it too */\nhtml.vertical body.cover { display: flex; align-items: center; justify-content: center; width: 100vw; height: 100vh; }\n";

/// hanpub's own stylesheet, inside the package folder.
pub const MAIN: &str = "styles/hanpub.css";

/// The stylesheets a chapter links, relative to the chapter: hanpub's, then the book's own
/// (`book_css`: the `[build] css` files).
pub fn links(book_css: &[String]) -> Vec<String> {
    std::iter::once(format!("../{MAIN}"))
        .chain((1..=book_css.len()).map(|i| format!("../styles/book{i}.css")))
        .collect()
}

/// What hanpub's stylesheet is made of besides the writing mode.
#[derive(Debug, Clone, Copy, Default)]
pub struct Parts<'a> {
    pub vertical: bool,
    /// The language the book is shown in: zh-Hans gets Simplified font families.
    pub lang: &'a str,
    /// The embedded font's CSS.
    pub font: Option<&'a str>,
    /// The book has a cover page.
    pub cover: bool,
}

/// The stylesheet files, href (inside the package folder) and bytes: hanpub's, then the book's
/// own, read through `files`, in the order of [`links`]. The book's own go through
/// [`resources::load_stylesheet`]: the images their `url()`s name join `images`, the fonts
/// `fonts`, and what is dropped is a warning in `warnings`.
pub fn sheets(
    parts: Parts<'_>,
    book_css: &[String],
    files: &dyn Files,
    images: &mut Images,
    fonts: &mut Vec<FontEntry>,
    warnings: &mut Vec<Diagnostic>,
) -> Result<Vec<(String, Vec<u8>)>, Diagnostic> {
    let mut css = String::from(STYLE_BASE);
    css.push_str(if parts.vertical {
        STYLE_VERTICAL
    } else {
        STYLE_HORIZONTAL
    });
    css.push_str(STYLE_CONTENT);
    if let Some(font) = parts.font {
        css.push_str(font);
    }
    if parts.lang.starts_with("zh-Hans") || parts.lang.eq_ignore_ascii_case("zh-CN") {
        css = hans::font_stacks(&css);
    }
    if parts.cover {
        css.push_str(COVER_CSS);
    }
    let mut out = vec![(MAIN.to_string(), css.into_bytes())];
    for (i, path) in book_css.iter().enumerate() {
        let data = files
            .read(path)
            .map_err(|e| files::read_error(files, path, &e))?;
        let (data, dropped) = resources::load_stylesheet(files, path, data, images, fonts)?;
        warnings.extend(dropped);
        out.push((format!("styles/book{}.css", i + 1), data));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A vertical book's cover page centres the image across the column too (auto margins
    /// alone put it against the right edge in vertical-rl: seen in Readium and WebKit).
    #[test]
    fn the_vertical_cover_page_is_centred_both_ways() {
        let rule = COVER_CSS
            .lines()
            .find(|l| l.starts_with("html.vertical body.cover {"))
            .expect("a rule for the vertical cover page");
        for decl in [
            "display: flex",
            "align-items: center",
            "justify-content: center",
        ] {
            assert!(rule.contains(decl), "{decl} in {rule}");
        }
    }
}
