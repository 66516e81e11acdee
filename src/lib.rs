//! hanpub: Markdown → EPUB 3 for Chinese (Traditional first).
//!
//! The pipeline ([`build`]), each stage a function of data in the module of its noun:
//!
//! 1. load ([`project`]): book.toml / front matter → [`Config`], Markdown → [`project::Source`]s
//!    (through the [`Files`] trait: the only way the library sees files);
//! 2. parse ([`parse`]): Markdown → events with spans, cut into chapter-sized chunks;
//! 3. split ([`chapters`]): chapters, unique heading ids, footnotes, internal links;
//! 4. transform ([`transform`]): CJK typesetting ([`typeset`]) and the edition ([`hans`]);
//! 5. assets ([`assets`]): images ([`resources`]), cover, font, stylesheets ([`style`]);
//! 6. render ([`render`]): XHTML per chapter, compressed; navigation, cover page, OPF;
//! 7. package ([`package`]): a deterministic zip. [`Incremental`] runs the same stages
//!    through a memo ([`memo`]) that keeps per-chapter work by key, for `watch` and `serve`.
//!
//! ```
//! use hanpub::{build, load, BookEntry, MemFiles, Options};
//! let files = MemFiles::from([("book.md", "---\ntitle: 書\nlang: zh-Hant\n---\n## 一\n\n你好,世界。\n")]);
//! let project = load(&files, &BookEntry::File("book.md".into())).unwrap();
//! let out = build(&project, &files, &Options::default()).unwrap();
//! assert!(out.epub.starts_with(b"PK"));
//! ```

// Diagnostics are the error type on purpose: they are cold and carry their snippet.
#![allow(clippy::result_large_err)]

pub mod assets;
pub mod chapters;
pub mod config;
pub mod cover;
pub mod diagnostics;
pub mod files;
pub mod font;
pub mod hans;
pub mod image;
pub mod incremental;
pub mod lint;
mod memo;
pub mod model;
pub mod options;
pub mod package;
pub mod parse;
pub mod preview;
pub mod project;
pub mod render;
pub mod resources;
pub mod source;
pub mod style;
pub mod stylesheet;
pub mod svg;
pub mod transform;
pub mod typeset;
pub mod url;
pub mod verify;

pub use config::{Config, Layout, Metadata, derive_identifier};
pub use diagnostics::{Diagnostic, Diagnostics, Error, Severity};
pub use files::{BookEntry, Files, MemFiles};
pub use font::FontReport;
pub use incremental::Incremental;
pub use options::{Edition, FontFile, Options};
pub use project::{Project, load};
pub use style::{STYLE_BASE, STYLE_HORIZONTAL, STYLE_VERTICAL};

use memo::Memo;
use model::Book;
use options::Inputs;
use transform::Transform;

/// The result of a build.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    pub epub: Vec<u8>,
    pub warnings: Vec<Diagnostic>,
    /// Titles of the chapters, in order.
    pub chapters: Vec<String>,
    pub identifier: String,
    /// The embedded font, if any.
    pub font: Option<FontReport>,
    /// What the cover is (`generated 1600×2560 PNG` / the given file), if any.
    pub cover: Option<String>,
}

/// Build the EPUB of a loaded book. Fails with every error of the book (and the warnings met
/// so far) when there are any.
pub fn build(project: &Project, files: &dyn Files, opts: &Options) -> Result<Output, Error> {
    run(&Inputs::new(project, files, opts), &mut Memo::off())
}

/// The pipeline. Through the memo of an [`Incremental`], a file unchanged since the last build
/// stands in by its outline and its chapters are taken as they were.
fn run(input: &Inputs, memo: &mut Memo) -> Result<Output, Error> {
    let (project, cfg, settings) = (input.project, &input.project.config, &input.settings);
    let mut warnings = project.ready()?;
    let transform = Transform::new(settings, &cfg.meta.lang)?;
    // parse → split, and the images each chapter shows
    let parsed = memo.parse(project, settings);
    let chapters = chapters::split(parsed, cfg, &project.sources, &mut warnings);
    let mut book = Book {
        meta: transform.metadata(&cfg.meta),
        chapters,
    };
    let mut images = resources::collect(&book.chapters, &project.sources, input.files)
        .map_err(|e| [warnings.clone(), e].concat())?;
    warnings.append(&mut images.warnings);
    // the chapters an incremental build takes as they were, by key
    let stylesheets = style::links(&cfg.build.css);
    let cx = render::BookContext::new(&book.meta, settings.vertical, &stylesheets);
    let context = format!("{cx:?}\u{1f}{settings:?}");
    let Some(kept) = memo.kept(project, &book.chapters, &images.maps, &context) else {
        return run(input, memo.reparse()); // a kept chapter no longer fits: parse every file
    };
    // transform: typesetting and edition, chapter by chapter
    transform.chapters(&mut book.chapters, |i| kept[i].is_some());
    // assets: the images, the cover, the font, the stylesheets
    let draw_cover = |f: &FontFile| memo.cover(&book.meta, f, settings.vertical, cover::draw_for);
    let assets = assets::gather(&book, images.images, input, draw_cover, &mut warnings)?;
    // render: every chapter, then the documents that describe the book
    let compress = |name: &str, xhtml: &[u8]| memo.compress(name, xhtml);
    let rendered = render::chapters(
        book.chapters,
        kept,
        &images.maps,
        &cx,
        &project.sources,
        &compress,
    );
    memo.keep(project, &rendered);
    let identity = transform.identity(&cfg.meta, input.opts.source_date_epoch);
    let docs = render::documents(&book.meta, &identity, settings.layout, &rendered, &assets);
    let (cover, font) = assets.reports();
    // package
    let epub = package::epub(docs, assets, rendered.iter().map(|c| &c.entry))?;
    warnings.extend(rendered.iter().flat_map(|c| c.warnings.iter().cloned()));
    let chapters = rendered.into_iter().map(|c| c.title).collect();
    let identifier = identity.identifier;
    Ok(Output {
        epub,
        warnings,
        chapters,
        identifier,
        font,
        cover,
    })
}

impl Incremental {
    /// Build `project`, reusing what the last builds made; the result is byte-identical to
    /// [`build`]'s.
    pub fn build(
        &mut self,
        project: &Project,
        files: &dyn Files,
        opts: &Options,
    ) -> Result<Output, Error> {
        run(&Inputs::new(project, files, opts), self.memo())
    }

    /// Load the book and build it. With `changed` (paths relative to the book, `/`-separated,
    /// as a watcher reports them), only those Markdown files are read again when the last load
    /// is at hand and none of them is the configuration or a new file; `None` reads everything.
    /// The result is byte-identical to [`build`]'s after a fresh [`load`].
    pub fn rebuild(
        &mut self,
        files: &dyn Files,
        entry: &BookEntry,
        changed: Option<&[String]>,
        opts: &Options,
    ) -> Result<Output, Error> {
        let project = self.reload(files, entry, changed)?;
        let out = self.build(&project, files, opts);
        self.keep(project);
        out
    }
}

/// Every problem of a book at once: loading errors, build errors and warnings, and the
/// typesetting changes the build would make (as warnings), sorted by file and line.
pub fn check(project: &Project, files: &dyn Files, opts: &Options) -> Vec<Diagnostic> {
    let mut all = project.warnings.clone();
    all.extend(project.errors.iter().cloned());
    let unchecked = Project {
        errors: Vec::new(),
        warnings: Vec::new(),
        ..project.clone()
    };
    // the cover depends on installed fonts, not on the book: not a problem of the book
    let opts = &Options {
        no_cover: true,
        ..opts.clone()
    };
    match build(&unchecked, files, opts) {
        Ok(out) => {
            // what would ship broken despite every stage (a safety net: none is known)
            all.extend(verify::verify(&out.epub, "the built EPUB"));
            all.extend(out.warnings);
        }
        Err(Error::Book(d)) => all.extend(d.0),
        Err(e) => all.push(Diagnostic::error(e.to_string())),
    }
    all.extend(lint::structure(project));
    all.extend(lint::typesetting(project, opts));
    lint::in_source_order(all)
}
