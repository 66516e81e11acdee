//! What a build is asked for besides the book: [`Options`] from the command line and the
//! environment, the [`Settings`] they make together with the book's `[build]` section, and the
//! [`Inputs`] of the pipeline.

use crate::config::{Config, Layout};
use crate::cover::Drawn;
use crate::files::{Bytes, Files};
use crate::project::Project;
use crate::typeset::TypesetOptions;

/// What a build reads: the book as loaded, its files, the options, and what they resolve to.
pub struct Inputs<'a> {
    pub project: &'a Project,
    pub files: &'a dyn Files,
    pub opts: &'a Options,
    pub settings: Settings,
    /// How much source text the second pass takes at a time ([`crate::stream::WINDOW_BYTES`]).
    pub window: usize,
}

impl<'a> Inputs<'a> {
    pub fn new(project: &'a Project, files: &'a dyn Files, opts: &'a Options) -> Self {
        Inputs {
            settings: Settings::new(&project.config, opts),
            project,
            files,
            opts,
            window: crate::stream::WINDOW_BYTES,
        }
    }
}

/// Build options that come from the command line or the environment, not from the book.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Options {
    /// Overrides `[build] layout`.
    pub layout: Option<Layout>,
    /// `SOURCE_DATE_EPOCH`: used for `dcterms:modified` when the book sets no `modified`.
    pub source_date_epoch: Option<i64>,
    /// Overrides `[build] punctuation`.
    pub punctuation: Option<bool>,
    /// A font given on the command line (overrides `[build] font`).
    pub font: Option<FontFile>,
    /// Which edition to make from the source.
    pub edition: Edition,
    /// A CJK font to draw the generated cover with (the CLI finds one: `--font`, the book's
    /// font, or the system's Noto CJK). Without one, a book with no cover image gets none.
    pub cover_font: Option<FontFile>,
    /// Never generate a cover.
    pub no_cover: bool,
    /// Overrides `[build] remote-images`.
    pub remote_images: Option<crate::config::RemoteImages>,
    /// A cover drawn by an earlier build (the CLI keeps the last one beside the output): taken
    /// instead of drawing when it shows the same ([`crate::cover::key`]).
    pub kept_cover: Option<Drawn>,
}

/// The edition of the text to build.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Edition {
    /// The text as written (`zh-Hant` for our books).
    #[default]
    AsWritten,
    /// Simplified Chinese (`zh-Hans`) converted from a Traditional source with OpenCC's
    /// Taiwan→mainland phrase tables; code, URLs and Latin text untouched.
    Simplified,
}

/// A font file's name and bytes (the CLI maps a font file rather than reading it: a cover
/// needs a few glyphs of a 25 MB collection).
#[derive(Debug, Clone, PartialEq)]
pub struct FontFile {
    pub name: String,
    pub data: Bytes,
}

/// The options and the book's configuration resolved into what the stages read.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub layout: Layout,
    pub vertical: bool,
    /// Typesetting of the text: punctuation (for Chinese books only) and writing mode.
    pub typeset: TypesetOptions,
    pub edition: Edition,
    /// An embedded font is subset to every character of the book.
    pub font_wanted: bool,
    /// What becomes of images on the web.
    pub remote_images: crate::config::RemoteImages,
    /// Emoji shortcodes become their emoji ([`crate::config::BuildConfig::emoji`]).
    pub emoji: bool,
}

impl Settings {
    pub fn new(config: &Config, opts: &Options) -> Self {
        let layout = opts.layout.unwrap_or(config.build.layout);
        let vertical = layout == Layout::Vertical;
        Settings {
            layout,
            vertical,
            typeset: typesetting(config, opts, vertical),
            edition: opts.edition,
            font_wanted: opts.font.is_some() || config.build.font.is_some(),
            remote_images: opts.remote_images.unwrap_or(config.build.remote_images),
            emoji: config.build.emoji.unwrap_or(false),
        }
    }
}

/// Punctuation as configured, for Chinese books only; `vertical` text gets its own forms.
pub fn typesetting(config: &Config, opts: &Options, vertical: bool) -> TypesetOptions {
    TypesetOptions {
        punctuation: opts.punctuation.unwrap_or(config.build.punctuation)
            && config.meta.lang.starts_with("zh"),
        vertical,
    }
}
