//! The transform stage: typesetting ([`crate::typeset`]) and the edition ([`crate::hans`]),
//! applied to each chapter after the split and to the book's metadata; also the identifier and
//! the modification date the package states.

use rayon::prelude::*;

use crate::chapters;
use crate::config::{self, Metadata};
use crate::diagnostics::{Diagnostic, Error};
use crate::hans::{self, Converter};
use crate::model::{Chapter, Ev, Spanned, Tag};
use crate::options::{Edition, Settings};
use crate::typeset::{self, TypesetOptions};

/// Typesetting and edition of one build.
#[derive(Debug)]
pub struct Transform {
    typeset: TypesetOptions,
    vertical: bool,
    edition: Edition,
    /// Emoji shortcodes become their emoji.
    emoji: bool,
    /// For a Simplified edition of a Traditional source.
    converter: Option<Converter>,
}

impl Transform {
    /// `lang`: the language the book is written in.
    pub fn new(settings: &Settings, lang: &str) -> Result<Self, Error> {
        let source_is_traditional = {
            let l = lang.to_ascii_lowercase();
            l.starts_with("zh-hant") || l == "zh-tw" || l == "zh-hk" || l == "zh-mo"
        };
        let converter = match settings.edition {
            Edition::Simplified if source_is_traditional => {
                Some(Converter::new().map_err(|e| {
                    Diagnostic::error(format!("cannot load the conversion tables: {e}"))
                })?)
            }
            _ => None,
        };
        Ok(Transform {
            typeset: settings.typeset,
            vertical: settings.vertical,
            edition: settings.edition,
            emoji: settings.emoji,
            converter,
        })
    }

    /// Every chapter but those `skip` names (kept from an earlier build), in parallel.
    pub fn chapters(&self, chapters: &mut [Chapter], skip: impl Fn(usize) -> bool + Sync) {
        chapters
            .par_iter_mut()
            .enumerate()
            .filter(|(i, _)| !skip(*i))
            .for_each(|(_, c)| self.chapter(c));
    }

    /// Typeset a chapter, convert it for the edition, and take its title from the result.
    pub fn chapter(&self, c: &mut Chapter) {
        let mut events = std::mem::take(&mut c.events);
        if self.emoji {
            // before typesetting, the only runs kept whole are the shortcodes (`:sparkles:`)
            for s in &mut events {
                if let Ev::NoBreak(run) = &s.ev
                    && let Some(e) = crate::parse::emoji_of(run)
                {
                    s.ev = Ev::Text(e.to_string());
                }
            }
            c.title = crate::parse::emojify_line(&c.title);
        }
        c.events = typeset::typeset(events, &self.typeset);
        let starts_with_heading = |c: &Chapter| {
            matches!(
                c.events.first().map(|s| &s.ev),
                Some(Ev::Start(Tag::Heading { .. }))
            )
        };
        // a title the book's form gives (or the opening's) is a line of its own
        let own_title = c.named || !starts_with_heading(c);
        if let Some(conv) = &self.converter {
            c.events = hans::to_simplified(std::mem::take(&mut c.events), conv, self.vertical);
            if own_title {
                c.title = hans::simplify_line(&c.title, conv, self.vertical);
            }
        }
        c.events = typeset::finish(std::mem::take(&mut c.events));
        if own_title {
            c.title = typeset_line(&c.title, &self.typeset);
        } else {
            c.title = chapters::heading_text(&c.events);
        }
    }

    /// The metadata as the book shows it: lines typeset, converted for the edition.
    pub fn metadata(&self, meta: &Metadata) -> Metadata {
        let mut meta = meta.clone();
        meta.title = typeset_line(&meta.title, &self.typeset);
        for s in [&mut meta.subtitle, &mut meta.kicker, &mut meta.description]
            .into_iter()
            .flatten()
        {
            *s = typeset_line(s, &self.typeset);
        }
        if self.edition == Edition::Simplified {
            meta.lang = "zh-Hans".into();
        }
        if let Some(conv) = &self.converter {
            let line = |s: &str| hans::simplify_line(s, conv, self.vertical);
            meta.title = line(&meta.title);
            for s in [
                &mut meta.subtitle,
                &mut meta.kicker,
                &mut meta.description,
                &mut meta.rights,
                &mut meta.source,
                &mut meta.publisher,
            ]
            .into_iter()
            .flatten()
            {
                *s = line(s);
            }
            for s in meta.subjects.iter_mut().chain(meta.authors.iter_mut()) {
                *s = hans::convert_with_overrides(s, conv);
            }
            if let Some(series) = &mut meta.series {
                series.name = hans::convert_with_overrides(&series.name, conv);
            }
        }
        meta
    }

    /// The identifier and the modification date the package states, from the metadata as
    /// written and `SOURCE_DATE_EPOCH` ([`config::modified`]).
    pub fn identity(&self, meta: &Metadata, source_date_epoch: Option<i64>) -> Identity {
        Identity {
            identifier: self.identifier(meta),
            modified: config::modified(meta, source_date_epoch),
        }
    }

    /// The package's identifier: configured or derived from the metadata as written
    /// ([`config::derive_identifier`]); a Simplified edition gets its own, derived from that.
    pub fn identifier(&self, meta: &Metadata) -> String {
        let identifier = meta
            .identifier
            .clone()
            .unwrap_or_else(|| config::derive_identifier(meta));
        match self.edition {
            Edition::AsWritten => identifier,
            Edition::Simplified => format!(
                "urn:uuid:{}",
                uuid::Uuid::new_v5(
                    &uuid::Uuid::NAMESPACE_URL,
                    format!("hanpub:zh-Hans:{identifier}").as_bytes()
                )
            ),
        }
    }
}

/// How the package names and dates the book.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// `dc:identifier` (`urn:uuid:…` unless the book gives one).
    pub identifier: String,
    /// `dcterms:modified`, `YYYY-MM-DDThh:mm:ssZ`.
    pub modified: String,
}

/// Typeset a line of metadata (title, description) as a paragraph of its own.
pub fn typeset_line(text: &str, ts: &TypesetOptions) -> String {
    let n = text.len();
    let mut events = vec![Spanned::new(Ev::Start(Tag::Paragraph), 0..0)];
    // emoji shortcodes (`:sparkles:`) as written, as in the text
    crate::parse::split_shortcodes(text, 0..n, &mut events);
    events.push(Spanned::new(Ev::End(Tag::Paragraph), n..n));
    let mut out = String::with_capacity(n);
    for s in typeset::typeset(events, ts) {
        match s.ev {
            Ev::Text(t) | Ev::Tcy(t) | Ev::NoBreak(t) | Ev::Code(t) | Ev::Ruby { base: t, .. } => {
                out.push_str(&t)
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A title's emoji shortcodes keep their colons, as the text's do; the colon of prose does
    /// not.
    #[test]
    fn title_shortcodes_as_written() {
        let ts = TypesetOptions::default();
        assert_eq!(
            typeset_line("中文大模型 :sparkles:", &ts),
            "中文大模型 :sparkles:"
        );
        assert_eq!(typeset_line("注意:小心", &ts), "注意：小心");
        assert_eq!(typeset_line("好 :+1: 讚", &ts), "好 :+1: 讚");
    }
}
