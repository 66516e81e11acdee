//! Rebuilds that reuse the work of earlier builds, for `watch` and `serve`: [`Incremental`]
//! holds the memo ([`crate::memo`]) and the book as last loaded. Its `build` (in `lib.rs`, beside
//! [`crate::build`]) runs the same pipeline as a plain build, through the memo, and `rebuild`
//! loads again what changed and builds: same bytes, faster after a small edit.

use crate::diagnostics::Error;
use crate::files::{BookEntry, Files};
use crate::memo::Memo;
use crate::model::Output;
use crate::options::Options;
use crate::project::{self, Project};

/// Rebuilds that reuse the work of earlier builds: same output as [`crate::build`], faster
/// after a small edit.
#[derive(Debug)]
pub struct Incremental {
    /// What the last builds made, for the next.
    memo: Memo,
    /// The book as last loaded by `rebuild`.
    project: Option<Project>,
}

impl Default for Incremental {
    fn default() -> Self {
        Incremental {
            memo: Memo::new(),
            project: None,
        }
    }
}

impl Incremental {
    pub fn new() -> Self {
        Self::default()
    }

    /// How many chapters the last build took as they were, without parsing their files.
    pub fn reused(&self) -> usize {
        self.memo.reused()
    }

    /// How many covers the builds drew, rather than took as they were: a rebuild draws one
    /// only when what it shows changed.
    pub fn covers_drawn(&self) -> usize {
        self.memo.covers_drawn()
    }

    /// The memo, for a build that reuses what it holds.
    pub(crate) fn memo(&mut self) -> &mut Memo {
        &mut self.memo
    }

    /// Load the book and build it. With `changed` (paths relative to the book, `/`-separated,
    /// as a watcher reports them), only those Markdown files are read again when the last load
    /// is at hand and none of them is the configuration or a new file; `None` reads everything.
    /// The result is byte-identical to [`crate::build`]'s after a fresh [`crate::load`].
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

    /// The book to build: the last one loaded with only the `changed` files read again, when
    /// that is enough ([`Project::reload`]), else a whole [`project::load`].
    pub(crate) fn reload(
        &mut self,
        files: &dyn Files,
        entry: &BookEntry,
        changed: Option<&[String]>,
    ) -> Result<Project, Error> {
        let patched = match (self.project.take(), changed) {
            (Some(mut p), Some(changed)) => p.reload(files, entry, changed).then_some(p),
            _ => None,
        };
        match patched {
            Some(p) => Ok(p),
            None => project::load(files, entry),
        }
    }

    /// Keep the book as loaded, for the next `rebuild`.
    pub(crate) fn keep(&mut self, project: Project) {
        self.project = Some(project);
    }
}
