//! The load stage: a book's files → a [`Project`] (its configuration and its Markdown sources in
//! reading order, each with its place in the book's tree and, in a book of articles, its own
//! metadata), read through [`Files`] only. Each form a book can take has its reader in
//! [`crate::sources`]; every reader gives a [`Found`], which [`load`] reads the chapters of
//! (expanding mdBook's includes). Also the partial reload of `watch` ([`Project::reload`]) and
//! the parse of every source ([`Project::parse`]).

use rayon::prelude::*;

use crate::chapters::Parsed;
use crate::config::{self, Config, Metadata};
use crate::diagnostics::{Diagnostic, Error};
use crate::files::{self, BookEntry, Files};
use crate::model::{Ev, Spanned, Tag};
use crate::parse;
use crate::source::SourceFile;
use crate::sources::{self, Entry, Form, Found, Place, include};

/// A book read from its files: configuration and Markdown sources, in reading order.
#[derive(Debug, Clone, PartialEq)]
pub struct Project {
    /// The form the book was found in.
    pub form: Form,
    pub config: Config,
    /// The configuration file (book.toml or metadata.yaml), if any.
    pub config_file: Option<SourceFile>,
    /// The Markdown files, in reading order.
    pub sources: Vec<Source>,
    /// Warnings met while loading.
    pub warnings: Vec<Diagnostic>,
    /// Errors that did not stop loading (unknown keys, missing chapters); `build` refuses to
    /// build while there are any, `check` reports them with everything else.
    pub errors: Vec<Diagnostic>,
    /// What loading did that a user may want to know (drafts left out).
    pub notes: Vec<String>,
    /// Details for `-v`: the form found, other tools' keys ignored.
    pub details: Vec<String>,
}

/// A Markdown file of the book.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    /// Path relative to the book folder, `/`-separated (`article.md`).
    pub path: String,
    /// The text to build (mdBook's includes expanded; [`SourceFile::on_disk`] is the file).
    pub file: SourceFile,
    /// Where the body starts: the front matter of a chapter file is skipped.
    pub body: usize,
    /// Where the file sits in the book's tree.
    pub place: Place,
    /// The article the file is (its front matter's metadata), in a book of articles.
    pub article: Option<Box<Metadata>>,
}

impl Source {
    pub fn new(path: String, file: SourceFile) -> Self {
        let body = config::split_front_matter(&file.text).map_or(0, |(_, _, body)| body);
        Source {
            path,
            file,
            body,
            place: Place::default(),
            article: None,
        }
    }
}

/// Where an article's body starts once a first heading that repeats its title is left out
/// (`# 函式` under `title: 函式`: a post written for a theme that shows no title of its own).
/// The article's opening shows the title already; without this it was an empty opening, then
/// a chapter of the same name.
fn past_repeated_title(text: &str, body: usize, title: &str) -> usize {
    // the words of a heading or title, its emphasis and code marks aside
    fn words(s: &str) -> String {
        s.split(|c: char| c.is_whitespace() || matches!(c, '*' | '_' | '`'))
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }
    let title = words(title);
    if title.is_empty() {
        return body;
    }
    let mut at = body;
    let mut lines = text[body..].split_inclusive('\n');
    let first = loop {
        match lines.next() {
            Some(l) if l.trim().is_empty() => at += l.len(),
            Some(l) => break l,
            None => return body,
        }
    };
    let text_of = match crate::parse::atx_heading(first) {
        Some(heading) => Some((heading.to_string(), first.len())),
        // a setext heading: its line, then a line of `=`
        None => lines.next().and_then(|under| {
            let u = under.trim();
            let indent = first.len() - first.trim_start_matches(' ').len();
            (indent <= 3 && !u.is_empty() && u.bytes().all(|b| b == b'='))
                .then(|| (first.trim().to_string(), first.len() + under.len()))
        }),
    };
    match text_of {
        Some((heading, len)) if words(&heading) == title => at + len,
        _ => body,
    }
}

/// Read the configuration and the Markdown files of a book.
pub fn load(files: &dyn Files, entry: &BookEntry) -> Result<Project, Error> {
    let found = sources::find(files, entry)?;
    Ok(read_chapters(files, found))
}

/// Read the chapters a reader found; a chapter that cannot be read is an error of the project,
/// pointed at where the configuration names it.
fn read_chapters(files: &dyn Files, found: Found) -> Project {
    let Found {
        form,
        config,
        config_file,
        entries,
        mut read,
        articles,
        includes,
        warnings,
        mut errors,
        mut notes,
        mut details,
    } = found;
    details.insert(0, format!("found {form}"));
    let mut sources = Vec::with_capacity(entries.len());
    let mut missing = Missing::new(
        "{{#include}} directives were left out",
        "the files they name are not in the book folder; the text around them is kept",
    );
    let mut tags_left = Missing::new(
        "template tags were left out",
        "write what they stand for in Markdown; the text around them is kept",
    );
    // the files a reader already read go to the first entry that names them (in order), the
    // others are read and their includes expanded in parallel; all is then taken in order
    let entries: Vec<(Entry, Option<SourceFile>)> = entries
        .into_iter()
        .map(|e| {
            let known = read.remove(&e.path);
            (e, known)
        })
        .collect();
    let loaded: Vec<(Entry, Result<Loaded, &str>)> = entries
        .into_par_iter()
        .map(|(entry, known)| {
            let loaded = files::check_relative(&entry.path).map(|()| {
                let file = known.map_or_else(|| read_text(files, &entry.path), Ok)?;
                let (file, warnings) = if includes {
                    include::expand(files, &entry.path, file)
                } else {
                    (file, Vec::new())
                };
                let (file, tags) = expand_tags(files, &entry.path, file, form, &config);
                let mut source = Source::new(entry.path.clone(), file);
                let given = (entry.place.title.as_deref(), entry.place.date.as_deref());
                let front = if articles {
                    article(&source, given)
                } else {
                    Ok(None)
                };
                if let Ok(Some((meta, ..))) = &front {
                    source.body = past_repeated_title(&source.file.text, source.body, &meta.title);
                }
                // loading checked all of it and read its start: a mapped file gives its pages
                // back until the build parses it (a book of 20000 small files is not held whole)
                source.file.text.release(0..source.file.text.len());
                Ok((source, front, warnings, tags))
            });
            (entry, loaded)
        })
        .collect();
    for (Entry { path, place }, loaded) in loaded {
        let loaded = match loaded {
            Ok(loaded) => loaded,
            Err(why) => {
                errors.push(point_at_chapter(
                    Diagnostic::error(format!("chapter `{path}` {why}")),
                    config_file.as_ref(),
                    &path,
                ));
                continue;
            }
        };
        let (mut source, front) = match loaded {
            Ok((source, front, w, t)) => {
                missing.add(w);
                tags_left.add(t);
                (source, front)
            }
            Err(d) => {
                errors.push(match &config_file {
                    Some(cf) if cf.text.contains(&format!("\"{path}\"")) => {
                        point_at_chapter(d, Some(cf), &path)
                    }
                    _ => d,
                });
                continue;
            }
        };
        source.place = place;
        match front {
            Ok(Some((meta, draft, ignored))) if draft && form != Form::SingleFile => {
                notes.push(format!("left out the draft `{}`", source.file.name));
                let _ = (meta, ignored);
                continue;
            }
            Ok(Some((meta, _, ignored))) => {
                if !ignored.is_empty() {
                    details.push(sources::hanpub::ignored_note(&source.file.name, &ignored));
                }
                source.article = Some(Box::new(meta));
            }
            Ok(None) => {}
            Err(e) => errors.extend(e),
        }
        sources.push(source);
    }
    let mut warnings = warnings;
    warnings.extend(missing.finish());
    warnings.extend(tags_left.finish());
    // a post's front matter is read by its site's reader and again as an article's: each
    // problem once
    let mut seen = std::collections::HashSet::new();
    errors.retain(|d| {
        let at = d
            .location
            .as_ref()
            .map(|l| (l.file.clone(), l.line, l.column));
        seen.insert((d.message.clone(), at))
    });
    Project {
        form,
        config,
        config_file,
        sources,
        warnings,
        errors,
        notes,
        details,
    }
}

/// The template tags of a chapter expanded ([`sources::tags`]): an mdBook's admonish blocks
/// only (its own directives are its includes).
fn expand_tags(
    files: &dyn Files,
    path: &str,
    file: SourceFile,
    form: Form,
    config: &Config,
) -> (SourceFile, Vec<Diagnostic>) {
    let dialect = sources::tags::Dialect {
        docsify: form == Form::Docsify,
        mdbook: form == Form::MdBook,
        chinese: config.meta.lang.starts_with("zh"),
        raw_in_code: matches!(
            form,
            Form::GitBook | Form::Posts(sources::posts::Site::Jekyll)
        ),
        hugo: form == Form::Posts(sources::posts::Site::Hugo),
    };
    sources::tags::expand(files, path, file, dialect)
}

/// A chapter file read (its includes and tags expanded), its front matter when it makes the
/// file an article, and the warnings for includes and for tags left out; or why it could not
/// be read.
type Loaded = Result<(Source, Front, Vec<Diagnostic>, Vec<Diagnostic>), Diagnostic>;

type Front = Result<Option<ArticleFront>, Vec<Diagnostic>>;

/// The front matter of a file in a book of several, when it makes the file an article (it
/// has a title): the article's metadata, whether it is a draft, the other tools' keys ignored.
type ArticleFront = (Metadata, bool, Vec<String>);

/// The article a file is, if its front matter makes it one ([`ArticleFront`]). A post
/// without a title and without a heading is an article all the same, titled as its
/// site names it: `given`, the title the reader gives the file's [`Place`] (and the date, for
/// a post whose front matter has none).
fn article(
    source: &Source,
    (given, date): (Option<&str>, Option<&str>),
) -> Result<Option<ArticleFront>, Vec<Diagnostic>> {
    let given = given.filter(|t| !t.trim().is_empty());
    let Some((kind, range, _)) = config::split_front_matter(&source.file.text) else {
        let meta = given.map(|t| Metadata {
            title: t.to_string(),
            date: date.map(str::to_string),
            ..Metadata::default()
        });
        return Ok(meta.map(|m| (m, false, Vec::new())));
    };
    let has_title = source.file.text[range.clone()]
        .lines()
        .any(|l| l.starts_with("title:") || l.starts_with("title ") || l.starts_with("title="));
    if !has_title && given.is_none() {
        return Ok(None);
    }
    let (mut config, errors) = config::parse_front_matter_as(&source.file, kind, range, true)?;
    if !errors.is_empty() {
        return Err(errors);
    }
    if config.meta.title.trim().is_empty() {
        match given {
            Some(t) => config.meta.title = t.to_string(),
            // `title: ""` (a post named by its heading or file): a chapter, not an untitled
            // article
            None if !config.draft => return Ok(None),
            None => {}
        }
    }
    if config.meta.date.is_none() {
        config.meta.date = date.map(str::to_string);
    }
    Ok(Some((config.meta, config.draft, config.ignored)))
}

/// Warnings of one kind that may come by the hundred (`{{#include}}`s whose file is missing, a
/// book whose `listings/` folder was not copied; template tags hanpub does not know): the first
/// few as they are, the rest summed up.
struct Missing {
    shown: Vec<Diagnostic>,
    more: usize,
    files: std::collections::BTreeSet<String>,
    /// What the rest were (`template tags were left out`), and the hint for them.
    what: &'static str,
    hint: &'static str,
}

impl Missing {
    const SHOWN: usize = 10;

    fn new(what: &'static str, hint: &'static str) -> Self {
        Missing {
            shown: Vec::new(),
            more: 0,
            files: std::collections::BTreeSet::new(),
            what,
            hint,
        }
    }

    fn add(&mut self, warnings: Vec<Diagnostic>) {
        for w in warnings {
            if let Some(l) = &w.location {
                self.files.insert(l.file.clone());
            }
            if self.shown.len() < Self::SHOWN {
                self.shown.push(w);
            } else {
                self.more += 1;
            }
        }
    }

    fn finish(self) -> Vec<Diagnostic> {
        let mut out = self.shown;
        if self.more > 0 {
            out.push(
                Diagnostic::warning(format!(
                    "{} more {} (in {} files in all)",
                    self.more,
                    self.what,
                    self.files.len()
                ))
                .with_hint(self.hint),
            );
        }
        out
    }
}

/// Point at `"path"` in the configuration file, or name the file when it is not there.
fn point_at_chapter(d: Diagnostic, config_file: Option<&SourceFile>, path: &str) -> Diagnostic {
    match config_file {
        Some(cf) => match cf.text.find(&format!("\"{path}\"")) {
            Some(off) => d.at(cf, off..off + path.len() + 2),
            None => d.in_file(cf.name.clone()),
        },
        None => d,
    }
}

/// A text file of the book, decoded.
pub fn read_text(files: &dyn Files, path: &str) -> Result<SourceFile, Diagnostic> {
    sources::read_text(files, path)
}

impl Project {
    /// The project without the problems found when loading it (to build it anyway, as `check`
    /// does, and report them with the build's).
    pub fn unchecked(&self) -> Project {
        Project {
            errors: Vec::new(),
            warnings: Vec::new(),
            ..self.clone()
        }
    }

    /// The warnings met while loading, or every loading error: a project with errors is not
    /// built.
    pub fn ready(&self) -> Result<Vec<Diagnostic>, Error> {
        if self.errors.is_empty() {
            Ok(self.warnings.clone())
        } else {
            Err(self.errors.clone().into())
        }
    }

    /// Per source: its article's metadata made by `f` (typeset, converted for the edition).
    pub fn articles(&self, f: impl Fn(&Metadata) -> Metadata) -> Vec<Option<Box<Metadata>>> {
        self.sources
            .iter()
            .map(|s| s.article.as_deref().map(|a| Box::new(f(a))))
            .collect()
    }

    /// Parse every source into chapter-sized chunks (at the configured split level), the files
    /// in parallel.
    pub fn parse(&self) -> Vec<Parsed> {
        self.parse_with(|_| None)
    }

    /// [`Project::parse`], taking the chunks of source `i` from `given(i)` when it has them.
    pub fn parse_with(
        &self,
        given: impl Fn(usize) -> Option<Vec<Vec<Spanned>>> + Sync,
    ) -> Vec<Parsed> {
        self.sources
            .par_iter()
            .enumerate()
            .map(|(i, s)| Parsed {
                source: i,
                chunks: given(i).unwrap_or_else(|| {
                    let mut chunks =
                        parse::parse_chunks(&s.file.text, s.body, self.config.build.split_level);
                    as_the_form_shows(&self.config.build, &mut chunks);
                    chunks
                }),
            })
            .collect()
    }

    /// Read the `changed` Markdown files again, in place (paths relative to the book,
    /// `/`-separated, as a watcher reports them). False when the change needs a whole
    /// [`load`]: the configuration changed, a file is new or unreadable, or loading had errors.
    pub fn reload(&mut self, files: &dyn Files, entry: &BookEntry, changed: &[String]) -> bool {
        // only hanpub's own forms: another form's files (a summary, an included listing)
        // decide more than one source
        if !self.errors.is_empty()
            || matches!(entry, BookEntry::File(_))
            || !matches!(self.form, Form::BookToml | Form::MetadataYaml)
        {
            return false;
        }
        for path in changed {
            let path = path.strip_prefix("./").unwrap_or(path);
            if matches!(path, "book.toml" | "metadata.yaml" | "metadata.yml") {
                return false;
            }
            if !(path.ends_with(".md") || path.ends_with(".markdown")) {
                continue; // images, styles, fonts: every build reads them
            }
            let Some(i) = self.sources.iter().position(|s| s.path == path) else {
                return false;
            };
            match read_text(files, path) {
                // a front matter may make an article: read the book again
                Ok(file)
                    if self.sources[i].article.is_none()
                        && config::split_front_matter(&file.text).is_none() =>
                {
                    let (file, warnings) = expand_tags(files, path, file, self.form, &self.config);
                    if !warnings.is_empty() {
                        return false; // a whole load reports them
                    }
                    let place = std::mem::take(&mut self.sources[i].place);
                    self.sources[i] = Source::new(path.to_string(), file);
                    self.sources[i].place = place;
                }
                _ => return false,
            }
        }
        true
    }
}

/// The events of a book's chunks as its form shows them: mdBook hides the `# ` lines of Rust
/// code; GitBook sets `$$…$$` within a sentence inline.
pub fn as_the_form_shows(build: &config::BuildConfig, chunks: &mut [Vec<Spanned>]) {
    for c in chunks {
        if build.hide_lines {
            hide_rust_lines(c);
        }
        if build.inline_display_math {
            inline_display_math(c);
        }
    }
}

/// A displayed formula (`$$…$$`) with other content beside it (in its paragraph, a tight list
/// item, a table cell, a heading) becomes inline; one in a paragraph of its own stays
/// displayed.
fn inline_display_math(chunk: &mut [Spanned]) {
    let beside = |s: &Spanned| match &s.ev {
        Ev::SoftBreak => true,
        Ev::Text(t) => t.trim().is_empty(),
        _ => false,
    };
    for i in 0..chunk.len() {
        if !matches!(chunk[i].ev, Ev::Math { display: true, .. }) {
            continue;
        }
        let mut before = chunk[..i]
            .iter()
            .rev()
            .skip_while(|s| beside(s) || matches!(s.ev, Ev::Math { .. }));
        let mut after = chunk[i + 1..]
            .iter()
            .skip_while(|s| beside(s) || matches!(s.ev, Ev::Math { .. }));
        let alone = before
            .next()
            .is_some_and(|s| matches!(s.ev, Ev::Start(Tag::Paragraph)))
            && after
                .next()
                .is_some_and(|s| matches!(s.ev, Ev::End(Tag::Paragraph)));
        if !alone && let Ev::Math { display, .. } = &mut chunk[i].ev {
            *display = false;
        }
    }
}

/// Hide the `# ` lines of the Rust code blocks of a chunk (mdBook's convention).
pub fn hide_rust_lines(chunk: &mut [Spanned]) {
    let mut rust = false;
    for s in chunk {
        match &mut s.ev {
            Ev::Start(Tag::CodeBlock { lang }) => {
                rust = lang
                    .as_deref()
                    .is_some_and(|l| l.split(',').next() == Some("rust"));
            }
            Ev::End(Tag::CodeBlock { .. }) => rust = false,
            Ev::Text(t) if rust => {
                if let Some(shown) = include::hide_rust_lines(t) {
                    *t = shown;
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::past_repeated_title;

    /// A first heading that repeats the title (ATX, closed ATX, setext, with emphasis or
    /// spaces of its own) is left out of the body; another heading, text first, or a heading
    /// that only starts like the title is kept.
    #[test]
    fn a_heading_that_repeats_the_title() {
        let front = "---\ntitle: x\n---\n";
        let body = front.len();
        let cases: &[(&str, &str, Option<&str>)] = &[
            ("\n# 函式\n\n內文。\n", "函式", Some("\n內文。\n")),
            ("## **Go** 函式 ##\n內文。\n", "Go 函式", Some("內文。\n")),
            ("函式\n===\n\n內文。\n", "函式", Some("\n內文。\n")),
            ("# 函式與方法\n\n內文。\n", "函式", None),
            ("內文。\n\n# 函式\n", "函式", None),
            ("#函式\n", "函式", None),
            ("    # 函式\n", "函式", None),
            ("# 函式\n", "", None),
        ];
        for (rest, title, after) in cases {
            let text = format!("{front}{rest}");
            let at = past_repeated_title(&text, body, title);
            match after {
                Some(a) => assert_eq!(&text[at..], *a, "{rest:?}"),
                None => assert_eq!(at, body, "{rest:?}"),
            }
        }
    }
}
