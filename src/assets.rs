//! The assets stage: what the book carries besides its chapters ([`Assets`]): its images
//! ([`crate::resources`], collected right after the split), its cover ([`crate::cover`]), its
//! embedded font ([`crate::font`]) and its stylesheets ([`crate::style`]).

use std::collections::BTreeSet;

use crate::config::Metadata;
use crate::cover::{self, Cover};
use crate::diagnostics::{Diagnostic, Error};
use crate::font::{self, BookFont, FontReport};
use crate::options::{FontFile, Inputs};
use crate::resources::{FontEntry, Images};
use crate::style;

/// What the book carries besides its chapters.
#[derive(Debug, Default)]
pub struct Assets {
    pub images: Images,
    pub cover: Option<Cover>,
    pub font: Option<BookFont>,
    /// Stylesheets: href inside the package folder and bytes, hanpub's first.
    pub styles: Vec<(String, Vec<u8>)>,
    /// Fonts the book's stylesheets name (`@font-face { src: url(…) }`), as they are.
    pub style_fonts: Vec<FontEntry>,
}

impl Assets {
    /// What the cover is and what font was embedded, for the build report.
    pub fn reports(&self) -> (Option<String>, Option<FontReport>) {
        (
            self.cover.as_ref().map(|c| c.report.clone()),
            self.font.as_ref().map(|f| f.report.clone()),
        )
    }

    /// The generated cover, to keep for the next build.
    pub fn drawn_cover(&self) -> Option<cover::Drawn> {
        let c = self.cover.as_ref()?;
        Some(cover::Drawn {
            key: c.key.clone()?,
            png: c.data.clone(),
        })
    }
}

/// The cover (drawn by `draw_cover` when the book gives none), the font (subset to `chars`,
/// every character of the book: [`font::book_chars`]) and the stylesheets of the book with the
/// metadata `meta` (as shown), with its `images`. Warnings (no cover, glyphs missing from the
/// font) go to `warnings`; a file the book names that cannot be used is an error.
pub fn gather(
    meta: &Metadata,
    chars: &BTreeSet<char>,
    mut images: Images,
    input: &Inputs<'_>,
    draw_cover: impl FnOnce(&FontFile) -> Result<cover::Drawn, String>,
    warnings: &mut Vec<Diagnostic>,
) -> Result<Assets, Error> {
    let (project, files) = (input.project, input.files);
    let (build, config_file) = (&project.config.build, project.config_file.as_ref());
    let cover = cover::for_book(
        build.cover.as_deref(),
        config_file,
        files,
        input.opts,
        draw_cover,
        warnings,
    )?;
    let font = font::for_book(
        input.opts.font.as_ref(),
        build.font.as_deref(),
        config_file,
        files,
        &meta.lang,
        chars,
        warnings,
    )?;
    let parts = style::Parts {
        vertical: input.settings.vertical,
        lang: &meta.lang,
        font: font.as_ref().map(|f| f.css.as_str()),
        cover: cover.is_some(),
    };
    let mut style_fonts = Vec::new();
    let styles = style::sheets(
        parts,
        &build.css,
        files,
        &mut images,
        &mut style_fonts,
        warnings,
    )?;
    Ok(Assets {
        images,
        cover,
        font,
        styles,
        style_fonts,
    })
}
