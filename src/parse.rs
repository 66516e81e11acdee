//! Markdown → owned [`Ev`]ents with byte spans (pulldown-cmark's offset iterator).

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag as MdTag, TagEnd};

use crate::model::{Align, Ev, Spanned, Tag};

/// pulldown-cmark options hanpub uses: no smart punctuation (wrong for Chinese).
pub fn options() -> Options {
    Options::ENABLE_FOOTNOTES
        | Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_TASKLISTS
}

/// Parse `text[body..]` (the part after any front matter); spans are offsets into `text`.
pub fn parse(text: &str, body: usize) -> Vec<Spanned> {
    parse_chunks(text, body, 0).into_iter().flatten().collect()
}

/// Parse, cutting the events into chunks before every top-level heading of level ≤
/// `split_level` (0: one chunk), so chapters never need a second copy of the whole file.
pub fn parse_chunks(text: &str, body: usize, split_level: u8) -> Vec<Vec<Spanned>> {
    let parser = Parser::new_ext(&text[body..], options()).into_offset_iter();
    let mut chunks: Vec<Vec<Spanned>> = Vec::new();
    let mut out: Vec<Spanned> = Vec::new();
    let mut stack: Vec<Tag> = Vec::new();
    for (event, range) in parser {
        if let Event::Start(MdTag::Heading { level, .. }) = &event
            && stack.is_empty()
            && split_level > 0
            && heading_level(*level) <= split_level
            && !out.is_empty()
        {
            chunks.push(std::mem::take(&mut out));
        }
        let span = range.start + body..range.end + body;
        let ev = match event {
            Event::Start(tag) => {
                let tag = convert_tag(tag);
                stack.push(tag.clone());
                Ev::Start(tag)
            }
            Event::End(end) => {
                let tag = stack.pop().unwrap_or(Tag::Paragraph);
                debug_assert!(matches_end(&tag, end), "{tag:?} closed by {end:?}");
                Ev::End(tag)
            }
            Event::Text(t) => {
                // merge adjacent text (pulldown-cmark splits at escapes and entities)
                if let Some(last) = out.last_mut()
                    && let Ev::Text(prev) = &mut last.ev
                {
                    prev.push_str(&t);
                    last.span.end = span.end;
                    continue;
                }
                Ev::Text(t.into_string())
            }
            Event::Code(t) => Ev::Code(t.into_string()),
            Event::InlineMath(t) | Event::DisplayMath(t) => Ev::Code(t.into_string()),
            Event::Html(t) => Ev::Html {
                html: t.into_string(),
                block: true,
            },
            Event::InlineHtml(t) => Ev::Html {
                html: t.into_string(),
                block: false,
            },
            Event::FootnoteReference(l) => Ev::FootnoteRef(l.into_string()),
            Event::SoftBreak => Ev::SoftBreak,
            Event::HardBreak => Ev::HardBreak,
            Event::Rule => Ev::Rule,
            Event::TaskListMarker(b) => Ev::TaskMarker(b),
        };
        out.push(Spanned::new(ev, span));
    }
    if !out.is_empty() || chunks.is_empty() {
        chunks.push(out);
    }
    chunks
}

fn convert_tag(tag: MdTag<'_>) -> Tag {
    match tag {
        MdTag::Paragraph => Tag::Paragraph,
        MdTag::Heading {
            level, id, classes, ..
        } => Tag::Heading {
            level: heading_level(level),
            id: id.map(|s| s.into_string()).unwrap_or_default(),
            classes: classes.into_iter().map(|c| c.into_string()).collect(),
        },
        MdTag::BlockQuote(_) => Tag::BlockQuote,
        MdTag::CodeBlock(kind) => Tag::CodeBlock {
            lang: match kind {
                pulldown_cmark::CodeBlockKind::Fenced(info) => info
                    .split_whitespace()
                    .next()
                    .map(str::to_string)
                    .filter(|s| !s.is_empty()),
                pulldown_cmark::CodeBlockKind::Indented => None,
            },
        },
        MdTag::List(start) => Tag::List { start },
        MdTag::Item => Tag::Item,
        MdTag::Table(align) => Tag::Table {
            align: align
                .into_iter()
                .map(|a| match a {
                    pulldown_cmark::Alignment::None => Align::None,
                    pulldown_cmark::Alignment::Left => Align::Left,
                    pulldown_cmark::Alignment::Center => Align::Center,
                    pulldown_cmark::Alignment::Right => Align::Right,
                })
                .collect(),
        },
        MdTag::TableHead => Tag::TableHead,
        MdTag::TableRow => Tag::TableRow,
        MdTag::TableCell => Tag::TableCell,
        MdTag::Emphasis => Tag::Emphasis,
        MdTag::Strong => Tag::Strong,
        MdTag::Strikethrough => Tag::Strikethrough,
        MdTag::Link {
            dest_url, title, ..
        } => Tag::Link {
            dest: dest_url.into_string(),
            title: title.into_string(),
        },
        MdTag::Image {
            dest_url, title, ..
        } => Tag::Image {
            dest: dest_url.into_string(),
            title: title.into_string(),
        },
        MdTag::FootnoteDefinition(label) => Tag::FootnoteDefinition(label.into_string()),
        // not enabled in `options()`; treat as plain blocks
        MdTag::HtmlBlock => Tag::HtmlBlock,
        MdTag::DefinitionList
        | MdTag::DefinitionListTitle
        | MdTag::DefinitionListDefinition
        | MdTag::Superscript
        | MdTag::Subscript
        | MdTag::MetadataBlock(_) => Tag::Paragraph,
    }
}

fn heading_level(level: HeadingLevel) -> u8 {
    level as u8
}

fn matches_end(tag: &Tag, end: TagEnd) -> bool {
    !matches!(
        (tag, end),
        (Tag::Paragraph, TagEnd::Heading(_)) | (Tag::Heading { .. }, TagEnd::Paragraph)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heading_with_id_and_spans() {
        let text = "---\nx\n---\n## 標題 {#intro}\n\n中文&amp;字\n";
        let evs = parse(text, 10);
        assert_eq!(
            evs[0].ev,
            Ev::Start(Tag::Heading {
                level: 2,
                id: "intro".into(),
                classes: vec![]
            })
        );
        assert_eq!(evs[1].ev, Ev::Text("標題".into()));
        assert_eq!(&text[evs[1].span.clone()], "標題");
        // entity decoded and merged with its neighbours
        assert_eq!(evs[4].ev, Ev::Text("中文&字".into()));
    }
}
