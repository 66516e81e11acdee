//! The posts of a static site as one book: Hexo (`source/_posts/`), Jekyll (`_posts/`), Hugo
//! and Zola (`content/`, page bundles `x/index.md`), Astro (`src/content/`). Each post is an
//! article (its front matter gives its title, date, authors), in date order; drafts are left
//! out with a note. Paths from the site's root (`/img/a.png`) are read from the folder the site
//! publishes at its root (`source/`, `static/`, `public/`), and links between posts by their
//! permalink reach the post in the book where the site's default permalink pattern names it:
//!
//! | site | permalink |
//! |---|---|
//! | Hexo | `/:year/:month/:day/:title/` (`:title`: the file name under `_posts`) |
//! | Jekyll | `/:year/:month/:day/:title.html` (`:title`: the file name after its date) |
//! | Hugo | `/:section/:slug/` (`slug` or the file or bundle name) |
//! | Zola | `/:section/:slug/` |
//! | Astro | `/:collection/:slug/` |

use super::hanpub::{first_heading, stem};
use super::{
    Entry, Form, Found, Place, folder_of, is_markdown, join, language_tag, read_text, site_config,
};
use crate::config::{self, Config, Metadata};
use crate::diagnostics::{Diagnostic, Error};
use crate::files::Files;
use crate::source::SourceFile;

/// Front-matter keys of Hugo, Hexo, Jekyll, Zola, Astro and common themes that hanpub
/// ignores (listed in one note under `-v`). Their names for hanpub's keys (`tags`, `lastmod`,
/// `summary`, …) are read, not ignored.
pub const FOREIGN_KEYS: &[&str] = &[
    // Hugo
    "slug",
    "url",
    "aliases",
    "weight",
    "layout",
    "type",
    "images",
    "image",
    "expiryDate",
    "headless",
    "isCJKLanguage",
    "linkTitle",
    "markup",
    "outputs",
    "resources",
    "params",
    "sitemap",
    "toc",
    "math",
    "showToc",
    "TocOpen",
    "cascade",
    "build",
    "_build",
    "menu",
    "translationKey",
    "featured_image",
    "featuredImage",
    "cover",
    "hidden",
    // Hexo (and its themes)
    "permalink",
    "comments",
    "catalog",
    "disableNunjucks",
    "thumbnail",
    "banner",
    "top",
    "sticky",
    "mathjax",
    "katex",
    "header-img",
    "header_img",
    "password",
    "copyright",
    "photos",
    "link",
    // Jekyll
    "excerpt_separator",
    "render_with_liquid",
    "redirect_from",
    "redirect_to",
    "header",
    "tagline",
    "classes",
    "share",
    "related",
    "author_profile",
    "read_time",
    "toc_label",
    "toc_sticky",
    "mermaid",
    // Zola
    "path",
    "template",
    "in_search_index",
    "render",
    "extra",
    // Astro
    "heroImage",
    "ogImage",
    "canonicalURL",
];

/// A kind of static site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Site {
    Hexo,
    Jekyll,
    Hugo,
    Zola,
    Astro,
}

impl std::fmt::Display for Site {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Site::Hexo => "Hexo",
            Site::Jekyll => "Jekyll",
            Site::Hugo => "Hugo",
            Site::Zola => "Zola",
            Site::Astro => "Astro",
        })
    }
}

impl Site {
    /// Where its posts are, as said under `-v`.
    pub fn posts_hint(self) -> &'static str {
        match self {
            Site::Hexo => "source/_posts/",
            Site::Jekyll => "_posts/",
            Site::Hugo | Site::Zola => "content/",
            Site::Astro => "src/content/",
        }
    }

    /// The folder the site publishes at its root: where `/img/a.png` is.
    pub fn root(self) -> &'static str {
        match self {
            Site::Hexo => "source",
            Site::Jekyll => "",
            Site::Hugo | Site::Zola => "static",
            Site::Astro => "public",
        }
    }
}

/// The kind of site in the book folder, if it is one.
pub fn detect(files: &dyn Files, listing: &[String]) -> Option<Site> {
    let dir = |d: &str| files.list_dir(d).is_ok();
    let has = |n: &str| listing.iter().any(|p| p == n);
    if dir("source/_posts") {
        Some(Site::Hexo)
    } else if dir("_posts") {
        Some(Site::Jekyll)
    } else if dir("src/content") {
        Some(Site::Astro)
    } else if has("config.toml")
        && read_text(files, "config.toml").is_ok_and(|f| f.text.contains("base_url"))
        && dir("content")
    {
        Some(Site::Zola)
    } else if dir("content") {
        Some(Site::Hugo)
    } else {
        None
    }
}

/// A page's `weight` (Hugo's and Zola's order of pages; 0: none), read from its front matter.
fn weight_of(file: &SourceFile) -> i64 {
    let Some((_, range, _)) = config::split_front_matter(&file.text) else {
        return 0;
    };
    file.text[range]
        .lines()
        .find_map(|l| {
            let v = l
                .strip_prefix("weight")?
                .trim_start()
                .strip_prefix([':', '='])?;
            v.trim().trim_matches(['"', '\'']).parse().ok()
        })
        .unwrap_or(0)
}

/// Where a page goes in the menu of a site of sections: folder by folder, each placed by the
/// weight of its `_index.md` and then by name, a section's own page (`_index.md`) first in
/// it, then its pages and sections by weight (those without one after), date and name.
fn menu_key(
    post: &Post,
    section_weights: &std::collections::HashMap<String, i64>,
) -> Vec<(u8, i64, String, String)> {
    let by = |w: i64| (u8::from(w == 0), w);
    let parts: Vec<&str> = post.path.split('/').collect();
    let mut key = Vec::with_capacity(parts.len());
    for i in 1..parts.len().saturating_sub(1) {
        let folder = parts[..=i].join("/");
        let (unweighted, w) = by(section_weights.get(&folder).copied().unwrap_or(0));
        key.push((unweighted, w, String::new(), parts[i].to_string()));
    }
    let name = parts.last().copied().unwrap_or("");
    key.push(if name == "_index.md" {
        (0, i64::MIN, String::new(), String::new())
    } else {
        let (unweighted, w) = by(post.weight);
        (unweighted, w, post.date.clone(), name.to_string())
    });
    key
}

/// A post found on the site, before it is placed.
struct Post {
    path: String,
    date: String,
    title: String,
    meta: Metadata,
    permalink: Option<String>,
    /// The title the site gives a post that has none and no heading ([`untitled_post`]).
    named: Option<String>,
    /// The date of a post whose front matter has none, from its file's name (Jekyll).
    dated: Option<String>,
    /// Its `weight` (0: none).
    weight: i64,
}

/// Read the site's posts and its configuration into a book of articles.
pub fn read(files: &dyn Files, site: Site, listing: &[String]) -> Result<Found, Error> {
    let mut found = Found {
        form: Form::Posts(site),
        articles: true,
        ..Found::default()
    };
    let settings = site_settings(files, site, listing);
    let mut posts = Vec::new();
    let site_lang = settings
        .lang
        .as_deref()
        .map_or("zh-Hant".into(), super::language_tag);
    let docs = settings.book_section.is_some();
    let mut section_weights = std::collections::HashMap::new();
    let mut section_titles: std::collections::HashMap<String, String> =
        std::collections::HashMap::new();
    for path in post_files(files, site, &settings) {
        // a Hugo site's translations (`post.en.md`): the book is in the site's language
        if site == Site::Hugo
            && settings.multilingual
            && let Some(lang) = translation(&path)
            && !same_language(&super::language_tag(lang), &site_lang)
        {
            found.notes.push(format!(
                "left out `{}`: a translation into `{lang}` (the book is in `{site_lang}`)",
                files.name(&path)
            ));
            continue;
        }
        let file = match read_text(files, &path) {
            Ok(f) => f,
            Err(d) => {
                found.errors.push(d);
                continue;
            }
        };
        let weight = weight_of(&file);
        if path.ends_with("_index.md") {
            // a section's page: its weight places the section; its text, if any, opens it,
            // else its title does, as a part
            section_weights.insert(folder_of(&path).to_string(), weight);
            if file.text[body_of(&file)..].trim().is_empty() {
                if let Ok((c, _)) = front_matter(&file)
                    && !c.meta.title.trim().is_empty()
                {
                    section_titles.insert(folder_of(&path).to_string(), c.meta.title);
                }
                continue;
            }
        }
        let config = match front_matter(&file) {
            Ok((c, errs)) => {
                found.errors.extend(errs);
                c
            }
            Err(errs) => {
                found.errors.extend(errs);
                Config::default()
            }
        };
        if config.draft {
            found
                .notes
                .push(format!("left out the draft `{}`", files.name(&path)));
            continue;
        }
        if config::split_front_matter(&file.text)
            .is_some_and(|(kind, range, _)| config::hugo_unpublished(&file, kind, range))
        {
            found.notes.push(format!(
                "left out `{}`: its `build` options say Hugo does not publish it",
                files.name(&path)
            ));
            continue;
        }
        if !config.ignored.is_empty() {
            found
                .details
                .push(super::hanpub::ignored_note(&file.name, &config.ignored));
        }
        let date = config
            .meta
            .date
            .clone()
            .or_else(|| jekyll_date(&path).map(str::to_string))
            .unwrap_or_default();
        // a post without a title and without a heading is named as its site names it
        let mut named = None;
        let title = match config.meta.title.trim() {
            "" => first_heading(&file.text[body_of(&file)..]).unwrap_or_else(|| {
                let t = untitled_post(site, &path);
                named = Some(t.clone());
                t
            }),
            t => t.to_string(),
        };
        let permalink = permalink(site, &path, &date, &title, &file, &settings);
        let dated = config
            .meta
            .date
            .is_none()
            .then(|| jekyll_date(&path).map(str::to_string))
            .flatten();
        posts.push(Post {
            path,
            date,
            title,
            dated,
            meta: config.meta,
            permalink,
            named,
            weight,
        });
        // its front matter read: a mapped file gives its pages back until the book is loaded
        // (a site of 20000 posts is not held whole)
        file.text.release(0..file.text.len());
        found
            .read
            .insert(posts.last().expect("pushed").path.clone(), file);
    }
    let undated_weighted =
        posts.iter().any(|p| p.weight != 0) && posts.iter().all(|p| p.date.is_empty());
    if docs || undated_weighted {
        // a book of sections (hugo-book's), or pages ordered by weight and not dated: as the
        // site's menu orders them
        posts.sort_by_cached_key(|p| menu_key(p, &section_weights));
    } else {
        // oldest first, as a series is read
        posts.sort_by(|a, b| (&a.date, &a.path).cmp(&(&b.date, &b.path)));
    }
    if posts.is_empty() {
        found.errors.push(
            Diagnostic::error(format!(
                "the {site} site has no posts in `{}`",
                files.name(site.posts_hint().trim_end_matches('/'))
            ))
            .with_hint("hanpub builds the site's Markdown posts (drafts are left out)"),
        );
    }
    found.config = book_config(files, site, &settings, &posts);
    // a book of sections nests each section's pages under it: under its own page, or under
    // its title as a part when its `_index.md` has no text
    let mut open: Vec<String> = Vec::new();
    let nest = |path: &str, open: &mut Vec<String>| -> (u8, Vec<(u8, String)>) {
        let Some(root) = settings.book_section.as_deref() else {
            return (0, Vec::new());
        };
        let root = join(settings.content_dir(), root.trim_matches('/'));
        let Some(inner) = path.strip_prefix(&format!("{root}/")) else {
            return (0, Vec::new());
        };
        let mut folders: Vec<String> = Vec::new();
        let mut at = root.clone();
        for f in inner
            .split('/')
            .collect::<Vec<_>>()
            .split_last()
            .map_or(&[][..], |(_, f)| f)
        {
            at = join(&at, f);
            folders.push(at.clone());
        }
        let own = path.ends_with("/_index.md");
        let depth = folders.len().saturating_sub(usize::from(own));
        let kept = open
            .iter()
            .zip(&folders)
            .take_while(|(a, b)| a == b)
            .count();
        let parts = folders[kept..]
            .iter()
            .enumerate()
            .filter(|(i, f)| {
                !(own && kept + i + 1 == folders.len()) && section_titles.contains_key(*f)
            })
            .map(|(i, f)| (small(kept + i), section_titles[f].clone()))
            .collect();
        *open = folders;
        (small(depth), parts)
    };
    found.entries = posts
        .into_iter()
        .map(|p| {
            let (depth, parts) = nest(&p.path, &mut open);
            Entry {
                path: p.path,
                place: Place {
                    permalink: p.permalink,
                    title: p.named,
                    date: p.dated,
                    depth,
                    parts,
                },
            }
        })
        .collect();
    Ok(found)
}

/// A depth of the navigation, at most 255.
fn small(n: usize) -> u8 {
    u8::try_from(n).unwrap_or(u8::MAX)
}

/// The front matter of a post, read as a post's (a theme's own keys ignored).
fn front_matter(file: &SourceFile) -> Result<config::Parsed, Vec<Diagnostic>> {
    match config::split_front_matter(&file.text) {
        Some((kind, range, _)) => config::parse_front_matter_as(file, kind, range, true),
        None => Ok((Config::default(), Vec::new())),
    }
}

fn body_of(file: &SourceFile) -> usize {
    config::split_front_matter(&file.text).map_or(0, |(_, _, b)| b)
}

/// The language of a Hugo translation, from its file name: `post.en.md`, `index.zh-tw.md`.
fn translation(path: &str) -> Option<&str> {
    let name = path.rsplit('/').next()?;
    let mut parts = name.rsplit('.');
    let (_ext, lang) = (parts.next()?, parts.next()?);
    parts.next()?;
    let (primary, region) = lang.split_once(['-', '_']).unwrap_or((lang, ""));
    // languages sites are translated into (not `node.js.md`, `app.py.md`)
    const LANGUAGES: &[&str] = &[
        "en", "zh", "ja", "ko", "fr", "de", "es", "it", "pt", "ru", "vi", "th", "id", "ms", "ar",
        "hi", "nl", "sv", "pl", "tr", "uk", "he", "fa", "cs", "fi", "da", "nb", "el", "hu", "ro",
    ];
    let region_ok = region.is_empty()
        || (2..=4).contains(&region.len()) && region.bytes().all(|b| b.is_ascii_alphabetic());
    (LANGUAGES.contains(&primary.to_ascii_lowercase().as_str()) && region_ok).then_some(lang)
}

/// Two language tags name the same language: the same Chinese script, else the same language.
fn same_language(a: &str, b: &str) -> bool {
    let primary = |t: &str| t.split('-').next().unwrap_or(t).to_ascii_lowercase();
    if primary(a) == "zh" && primary(b) == "zh" {
        let script = |t: &str| t.split('-').nth(1).map(str::to_ascii_lowercase);
        return script(a) == script(b) || script(a).is_none() || script(b).is_none();
    }
    primary(a) == primary(b)
}

/// The title of a post without one: Jekyll makes it from the file's name after its date
/// (`2022-01-01-my-first-post.md` → `My First Post`, each word capitalised as Ruby's
/// `capitalize` does); the others show the file's name.
fn untitled_post(site: Site, path: &str) -> String {
    let name = stem(path);
    match name.get(11..) {
        Some(slug) if site == Site::Jekyll && jekyll_date(path).is_some() && !slug.is_empty() => {
            slug.split('-')
                .filter(|w| !w.is_empty())
                .map(|w| {
                    let mut c = w.chars();
                    let first = c.next().map(|f| f.to_uppercase().collect::<String>());
                    first.unwrap_or_default() + &c.as_str().to_lowercase()
                })
                .collect::<Vec<_>>()
                .join(" ")
        }
        _ => name,
    }
}

/// Jekyll's date in a post's file name: `_posts/2024-05-01-title.md` → `2024-05-01`.
fn jekyll_date(path: &str) -> Option<&str> {
    let name = path.rsplit('/').next()?;
    let d = name.get(..10)?;
    (name.as_bytes().get(10) == Some(&b'-') && crate::config::valid_date(d)).then_some(d)
}

/// The Markdown posts of the site, in path order.
fn post_files(files: &dyn Files, site: Site, settings: &SiteSettings) -> Vec<String> {
    let content = settings.content_dir();
    let book = settings
        .book_section
        .as_deref()
        .map(|s| join(content, s.trim_matches('/')))
        .filter(|d| files.list_dir(d).is_ok());
    let roots: Vec<String> = match site {
        Site::Hexo => vec!["source/_posts".into()],
        Site::Jekyll => vec!["_posts".into()],
        // a book theme's section, its home page first
        Site::Hugo if book.is_some() => {
            let mut out = Vec::new();
            let home = join(content, "_index.md");
            if files.read(&home).is_ok() {
                out.push(home);
            }
            walk(files, &book.expect("is some"), 0, &mut out);
            out.retain(|p| {
                !p.rsplit('/').next().unwrap_or(p).starts_with('_') || p.ends_with("/_index.md")
            });
            out.sort();
            return out;
        }
        Site::Hugo | Site::Zola => ["posts", "post", "blog"]
            .iter()
            .map(|d| join(content, d))
            .find(|d| files.list_dir(d).is_ok())
            .map_or_else(|| vec![content.to_string()], |d| vec![d]),
        Site::Astro => ["src/content/blog", "src/content/posts", "src/content/post"]
            .iter()
            .find(|d| files.list_dir(d).is_ok())
            .map_or_else(|| vec!["src/content".into()], |d| vec![d.to_string()]),
    };
    let mut out = Vec::new();
    for r in roots {
        walk(files, &r, 0, &mut out);
    }
    out.retain(|p| {
        let name = p.rsplit('/').next().unwrap_or(p);
        name != "_index.md" && !name.starts_with('_')
    });
    out.sort();
    out
}

/// Markdown files under `dir`, at most 4 folders deep.
pub(super) fn walk(files: &dyn Files, dir: &str, depth: usize, out: &mut Vec<String>) {
    let Ok(entries) = files.list_dir(dir) else {
        return;
    };
    for e in entries {
        match e.strip_suffix('/') {
            Some(sub) if depth < 4 => walk(files, &join(dir, sub), depth + 1, out),
            Some(_) => {}
            None if is_markdown(&e) => out.push(join(dir, &e)),
            None => {}
        }
    }
}

/// The URL path a post is published at: by the site's permalink pattern (Hexo's and Jekyll's
/// `permalink:`, Hugo's `[permalinks]` for the post's section), else by its default one.
fn permalink(
    site: Site,
    path: &str,
    date: &str,
    post_title: &str,
    file: &SourceFile,
    settings: &SiteSettings,
) -> Option<String> {
    let pattern = settings.permalink.as_deref();
    let name = stem(path);
    // a page bundle is named by its folder
    let name = if name == "index" {
        stem(folder_of(path))
    } else {
        name
    };
    let slug = slug_of(file).unwrap_or_else(|| name.clone());
    let ymd = || {
        let d = date.get(..10)?;
        crate::config::valid_date(d).then(|| d.replace('-', "/"))
    };
    match site {
        Site::Hexo => {
            let under = path.strip_prefix("source/_posts/")?;
            let title = under.rsplit_once('.').map_or(under, |(s, _)| s);
            match pattern {
                Some(p) => expand_permalink(p, date, title, &name, ""),
                None => Some(format!("/{}/{title}/", ymd()?)),
            }
        }
        Site::Jekyll => {
            let title = name.get(11..).filter(|_| jekyll_date(path).is_some())?;
            match pattern {
                Some(p) => expand_permalink(p, date, title, title, ".html"),
                None => Some(format!("/{}/{title}.html", ymd()?)),
            }
        }
        Site::Hugo | Site::Zola | Site::Astro => {
            let base = match site {
                Site::Astro => "src/content",
                _ => settings.content_dir(),
            };
            let section = path
                .strip_prefix(base)?
                .strip_prefix('/')?
                .split('/')
                .next()?;
            let section = if is_markdown(section) { "" } else { section };
            if let Some((_, p)) = settings.sections.iter().find(|(s, _)| s == section) {
                return hugo_permalink(p, date, section, post_title, slug_of(file), &name);
            }
            Some(match section {
                "" => format!("/{slug}/"),
                s => format!("/{s}/{slug}/"),
            })
        }
    }
}

/// Hugo's `[permalinks]` pattern of a post's section filled in for it: its own tokens
/// (`:title` is the title made a path as Hugo's `urlize` makes it, `:slug` the post's slug or
/// that, `:filename`, `:contentbasename`, `:slugorfilename`, `:section`), then the date's
/// ([`expand_permalink`]). `None` for a token it does not know.
fn hugo_permalink(
    pattern: &str,
    date: &str,
    section: &str,
    title: &str,
    slug: Option<String>,
    name: &str,
) -> Option<String> {
    let urlized: String = title
        .trim()
        .chars()
        .filter_map(|c| match c {
            c if c.is_whitespace() => Some('-'),
            c if c.is_alphanumeric() || "._-#+~".contains(c) => Some(c),
            _ => None,
        })
        .flat_map(char::to_lowercase)
        .collect();
    let slug_or_name = slug.clone().unwrap_or_else(|| name.to_string());
    let slug = slug.unwrap_or_else(|| urlized.clone());
    let mut pattern = pattern.to_string();
    for (token, value) in [
        (":slugorcontentbasename", slug_or_name.clone()),
        (":slugorfilename", slug_or_name),
        (":contentbasename", name.to_string()),
        (":filename", name.to_string()),
        (":sections", section.to_string()),
        (":section", section.to_string()),
        (":title", urlized.clone()),
        (":slug", slug.clone()),
    ] {
        pattern = pattern.replace(token, &value);
    }
    expand_permalink(&pattern, date, "", "", "")
}

/// A site's `permalink:` pattern filled in for a post: `:year`, `:month`, `:day`, `:i_month`,
/// `:i_day`, `:title`, `:name`, `:slug`, `:output_ext`; `:categories` and `:category` left
/// out (a link under them is still found, [`crate::chapters`]); Jekyll's `date`, `pretty`,
/// `none`. `None` for a token it does not know (`:hash`, `:abbrlink`).
fn expand_permalink(
    pattern: &str,
    date: &str,
    title: &str,
    name: &str,
    ext: &str,
) -> Option<String> {
    let pattern = match pattern {
        "date" => "/:categories/:year/:month/:day/:title:output_ext",
        "pretty" => "/:categories/:year/:month/:day/:title/",
        "ordinal" => "/:categories/:year/:y_day/:title:output_ext",
        "none" => "/:categories/:title:output_ext",
        p => p,
    };
    let d = date.get(..10).filter(|d| crate::config::valid_date(d));
    let part = |i: std::ops::Range<usize>| d.and_then(|d| d.get(i));
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(at) = rest.find(':') {
        out.push_str(&rest[..at]);
        let token_len = rest[at + 1..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len() - at - 1);
        let token = &rest[at + 1..at + 1 + token_len];
        let value: String = match token {
            "year" => part(0..4)?.to_string(),
            "month" => part(5..7)?.to_string(),
            "day" => part(8..10)?.to_string(),
            "i_month" => part(5..7)?.trim_start_matches('0').to_string(),
            "i_day" => part(8..10)?.trim_start_matches('0').to_string(),
            "short_year" => part(2..4)?.to_string(),
            "title" | "slug" => title.to_string(),
            "name" => name.to_string(),
            "output_ext" => ext.to_string(),
            "categories" | "category" => String::new(),
            _ => return None,
        };
        out.push_str(&value);
        rest = &rest[at + 1 + token_len..];
    }
    out.push_str(rest);
    // an empty part (`/:categories/` with none) is no part
    let mut path = String::from("/");
    path.push_str(
        &out.split('/')
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join("/"),
    );
    if out.ends_with('/') {
        path.push('/');
    }
    Some(path)
}

/// A post's own `slug:` (Hugo, Zola, Astro), read from its front matter text.
fn slug_of(file: &SourceFile) -> Option<String> {
    front_matter_value(&file.text, "slug")
}

/// The value of a top-level key of a file's front matter (`slug: x`, `title = "x"`), read line
/// by line: a post's own keys are the site generator's, and hanpub wants only one of them.
pub(super) fn front_matter_value(text: &str, key: &str) -> Option<String> {
    let (_, range, _) = config::split_front_matter(text)?;
    text[range].lines().find_map(|l| {
        let rest = l.strip_prefix(key)?.trim_start();
        let v = rest.strip_prefix([':', '='])?.trim();
        let v = v.trim_matches(['"', '\'']).trim();
        (!v.is_empty()).then(|| v.to_string())
    })
}

/// What the site's configuration says of itself: title, author, language, description.
#[derive(Debug, Default)]
struct SiteSettings {
    title: Option<String>,
    author: Option<String>,
    lang: Option<String>,
    /// The site names its languages (Hugo's `[languages]`): `post.en.md` is a translation.
    multilingual: bool,
    /// Hexo's and Jekyll's `permalink:` pattern (`:year/:month/:title/`, `pretty`).
    permalink: Option<String>,
    /// Hugo's `[permalinks]`: a section's pattern (`posts` → `/:year/:month/:slug/`).
    sections: Vec<(String, String)>,
    /// The site shows `:smile:` as 😄: Hugo's `enableEmoji`, Jekyll's jemoji plugin, Hexo's
    /// `githubEmojis` (hexo-filter-github-emojis).
    emoji: bool,
    /// The section a Hugo book theme makes its book of: hugo-book's `BookSection` (`docs`
    /// when the theme is hugo-book and the setting is left out).
    book_section: Option<String>,
    /// Hugo's `contentDir` (of the default language): where the pages are, when not in
    /// `content/`.
    content: Option<String>,
}

impl SiteSettings {
    /// The folder of a Hugo or Zola site's pages.
    fn content_dir(&self) -> &str {
        self.content.as_deref().unwrap_or("content")
    }
}

fn site_settings(files: &dyn Files, site: Site, listing: &[String]) -> SiteSettings {
    let names: &[&str] = match site {
        Site::Hexo | Site::Jekyll => &["_config.yml", "_config.yaml"],
        Site::Hugo => &[
            "hugo.toml",
            "config.toml",
            "hugo.yaml",
            "config.yaml",
            "hugo.yml",
            "config.yml",
            "hugo.json",
            "config.json",
        ],
        Site::Zola => &["config.toml"],
        Site::Astro => &[],
    };
    let parts = site_config::files_of(files, listing, names, site == Site::Hugo);
    if let Some(tree) = site_config::tree(files, &parts) {
        return settings_of_tree(&tree, site);
    }
    // a file at the root that does not parse
    let Some((name, _)) = parts.first().filter(|(p, _)| !p.contains('/')) else {
        return SiteSettings::default();
    };
    let Ok(file) = read_text(files, name) else {
        return SiteSettings::default();
    };
    settings_of_lines(&file.text, site)
}

/// The settings of a site's configuration tree ([`site_config`]); for Hugo, a multilingual
/// site's default language's own title, author, language code and content folder first.
fn settings_of_tree(tree: &serde_json::Value, site: Site) -> SiteSettings {
    use site_config::{first, get};
    let none = serde_json::Value::Null;
    let (lang_key, lang) = match site {
        Site::Hugo => site_config::hugo_language(tree).unwrap_or(("", &none)),
        _ => ("", &none),
    };
    let both = |paths: &[&[&str]]| first(lang, paths).or_else(|| first(tree, paths));
    let is_true = |v: Option<&serde_json::Value>| {
        v.is_some_and(|v| v.as_bool() == Some(true) || v.as_str() == Some("true"))
    };
    SiteSettings {
        title: both(&[&["title"]]),
        author: both(&[&["params", "author"], &["author"]]),
        lang: first(lang, &[&["languageCode"], &["locale"]])
            .or_else(|| {
                first(
                    tree,
                    &[
                        &["language"],
                        &["languageCode"],
                        &["locale"],
                        &["defaultContentLanguage"],
                        &["default_language"],
                        &["lang"],
                    ],
                )
            })
            .or_else(|| (!lang_key.is_empty()).then(|| lang_key.to_string())),
        multilingual: site == Site::Hugo
            && get(tree, &["languages"]).is_some_and(serde_json::Value::is_object),
        permalink: match site {
            Site::Hexo | Site::Jekyll => first(tree, &[&["permalink"]]),
            _ => None,
        },
        sections: match (site, get(tree, &["permalinks"]).and_then(|v| v.as_object())) {
            (Site::Hugo, Some(map)) => {
                let page = get(tree, &["permalinks", "page"]).and_then(|v| v.as_object());
                map.iter()
                    .chain(page.into_iter().flatten())
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.trim().to_string())))
                    .filter(|(_, v)| !v.is_empty())
                    .collect()
            }
            _ => Vec::new(),
        },
        emoji: match site {
            Site::Hugo => is_true(get(tree, &["enableEmoji"])),
            Site::Jekyll => ["plugins", "gems"].iter().any(|k| {
                get(tree, &[k])
                    .and_then(|v| v.as_array())
                    .is_some_and(|a| a.iter().any(|p| p.as_str() == Some("jemoji")))
            }),
            Site::Hexo => ["githubEmojis", "github_emojis"]
                .iter()
                .any(|k| get(tree, &[k]).is_some()),
            _ => false,
        },
        book_section: match site {
            Site::Hugo => first(tree, &[&["params", "BookSection"], &["BookSection"]])
                .filter(|v| v != "*" && v != "/")
                .or_else(|| {
                    // the theme by name, or as a Hugo module
                    let theme = get(tree, &["theme"]).into_iter().chain(
                        get(tree, &["module", "imports"])
                            .and_then(|v| v.as_array())
                            .into_iter()
                            .flatten()
                            .filter_map(|i| get(i, &["path"])),
                    );
                    let names = theme.flat_map(|v| match v {
                        serde_json::Value::Array(a) => a.iter().collect(),
                        v => vec![v],
                    });
                    names
                        .filter_map(serde_json::Value::as_str)
                        .any(|t| t.contains("hugo-book"))
                        .then(|| "docs".to_string())
                }),
            _ => None,
        },
        content: match site {
            Site::Hugo => first(lang, &[&["contentDir"]])
                .or_else(|| first(tree, &[&["contentDir"]]))
                .map(|d| d.trim_matches('/').to_string()),
            _ => None,
        },
    }
}

/// The settings of a configuration file that does not parse, read line by line: top-level
/// keys only.
fn settings_of_lines(text: &str, site: Site) -> SiteSettings {
    // the few top-level keys hanpub wants, read line by line: a site's configuration is
    // the site generator's, and its other keys are none of hanpub's business
    let value = |keys: &[&str]| {
        text.lines().find_map(|l| {
            keys.iter().find_map(|k| {
                let rest = l.strip_prefix(k)?.trim_start();
                let v = rest.strip_prefix([':', '='])?.trim();
                let v = v.trim_matches(['"', '\'']).trim();
                (!v.is_empty() && !v.starts_with(['[', '{'])).then(|| v.to_string())
            })
        })
    };
    SiteSettings {
        title: value(&["title"]),
        author: value(&["author"]),
        lang: value(&[
            "language",
            "languageCode",
            "defaultContentLanguage",
            "default_language",
            "lang",
        ]),
        multilingual: text
            .lines()
            .any(|l| l.starts_with("[languages") || l.starts_with("languages:")),
        permalink: match site {
            Site::Hexo | Site::Jekyll => value(&["permalink"]),
            _ => None,
        },
        sections: match site {
            Site::Hugo => hugo_permalinks(text),
            _ => Vec::new(),
        },
        emoji: match site {
            Site::Hugo => value(&["enableEmoji", "enableemoji"]).is_some_and(|v| v == "true"),
            Site::Jekyll => text.contains("jemoji"),
            Site::Hexo => text
                .lines()
                .any(|l| l.starts_with("githubEmojis:") || l.starts_with("github_emojis:")),
            _ => false,
        },
        book_section: match site {
            Site::Hugo => text
                .lines()
                .find_map(|l| {
                    let rest = l.trim_start().strip_prefix("BookSection")?.trim_start();
                    let v = rest
                        .strip_prefix([':', '='])?
                        .trim()
                        .trim_matches(['"', '\'']);
                    (!v.is_empty() && v != "*" && v != "/").then(|| v.to_string())
                })
                .or_else(|| {
                    value(&["theme"])
                        .filter(|t| t.contains("hugo-book"))
                        .map(|_| "docs".to_string())
                }),
            _ => None,
        },
        content: None,
    }
}

/// The patterns of Hugo's `[permalinks]` table (TOML, also `[permalinks.page]`) or
/// `permalinks:` map (YAML), by section, read line by line as the other settings are.
fn hugo_permalinks(text: &str) -> Vec<(String, String)> {
    let toml = text
        .lines()
        .any(|l| l.trim_start().starts_with("[permalinks"));
    let mut out = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        if toml && t.starts_with('[') {
            inside = t == "[permalinks]" || t == "[permalinks.page]";
            continue;
        }
        if !toml && !line.starts_with([' ', '\t']) {
            inside = t.trim_end_matches(':').trim_end() == "permalinks";
            continue;
        }
        if inside && let Some((k, v)) = t.split_once(['=', ':']) {
            let v = v.trim().trim_matches(['"', '\'']).trim();
            if !v.is_empty() {
                out.push((
                    k.trim().trim_matches(['"', '\'']).to_string(),
                    v.to_string(),
                ));
            }
        }
    }
    out
}

/// The book's metadata: the title the posts share (`CORS 完全手冊（一）…`, `…（二）…` →
/// `CORS 完全手冊`), else the site's title, else the folder's name; the site's author, else the
/// posts' authors; the site's language; the date of the last post; the posts' tags and
/// categories.
fn book_config(files: &dyn Files, site: Site, settings: &SiteSettings, posts: &[Post]) -> Config {
    let titles: Vec<&str> = posts.iter().map(|p| p.title.as_str()).collect();
    let folder = files.name("");
    let folder = folder
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("");
    let title = shared_title(&titles)
        .or_else(|| settings.title.clone())
        .unwrap_or_else(|| folder.to_string());
    let mut authors: Vec<String> = settings.author.iter().cloned().collect();
    if authors.is_empty() {
        for a in posts.iter().flat_map(|p| &p.meta.authors) {
            if !authors.contains(a) {
                authors.push(a.clone());
            }
        }
    }
    let date = posts
        .iter()
        .filter_map(|p| p.date.get(..10))
        .filter(|d| crate::config::valid_date(d))
        .max()
        .map(str::to_string);
    let mut subjects: Vec<String> = Vec::new();
    for s in posts.iter().flat_map(|p| &p.meta.subjects) {
        if !subjects.contains(s) {
            subjects.push(s.clone());
        }
    }
    let mut config = Config {
        meta: Metadata {
            title,
            authors,
            subjects,
            lang: settings
                .lang
                .as_deref()
                .map_or_else(|| "zh-Hant".into(), language_tag),
            date,
            ..Metadata::default()
        },
        ..Config::default()
    };
    config.build.site_root = Some(site.root().to_string());
    config.build.emoji = Some(settings.emoji);
    config
}

/// The longest start the titles share, cut before an opening bracket or punctuation and
/// trimmed (at least two characters, and at least two titles).
pub fn shared_title(titles: &[&str]) -> Option<String> {
    let (first, rest) = titles.split_first()?;
    if rest.is_empty() {
        return None;
    }
    let mut len = first.len();
    for t in rest {
        len = first
            .char_indices()
            .zip(t.chars())
            .find(|((_, a), b)| a != b)
            .map_or(len.min(t.len()), |((i, _), _)| i.min(len));
    }
    let common = &first[..len];
    let cut = common
        .char_indices()
        .rev()
        .find(|(_, c)| "（([【「《〈:：-—|｜,，".contains(*c))
        .map_or(common, |(i, _)| &common[..i]);
    let cut = if common.len() == first.len() {
        common
    } else {
        cut
    };
    let t = cut.trim_matches(|c: char| c.is_whitespace() || "-—:：|｜,，".contains(c));
    (t.chars().count() >= 2).then(|| t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::files::MemFiles;

    #[test]
    fn permalink_patterns() {
        let p = |pattern, ext| {
            expand_permalink(pattern, "2023-05-09 10:00:00", "sub/kyoto", "kyoto", ext)
        };
        assert_eq!(
            p(":year/:month/:day/:title/", "").as_deref(),
            Some("/2023/05/09/sub/kyoto/")
        );
        assert_eq!(
            p("/:categories/:year/:title/", ".html").as_deref(),
            Some("/2023/sub/kyoto/")
        );
        assert_eq!(
            p("pretty", ".html").as_deref(),
            Some("/2023/05/09/sub/kyoto/")
        );
        assert_eq!(
            p("date", ".html").as_deref(),
            Some("/2023/05/09/sub/kyoto.html")
        );
        assert_eq!(
            p("posts/:i_month/:name.html", "").as_deref(),
            Some("/posts/5/kyoto.html")
        );
        assert_eq!(p("posts/:abbrlink/", ""), None);
    }

    #[test]
    fn titles_the_posts_share() {
        assert_eq!(
            shared_title(&["CORS 完全手冊（一）：為什麼", "CORS 完全手冊（二）：如何"]).as_deref(),
            Some("CORS 完全手冊")
        );
        assert_eq!(shared_title(&["甲", "乙"]), None);
        assert_eq!(shared_title(&["只有一篇"]), None);
        assert_eq!(
            shared_title(&["Rust 筆記 - 所有權", "Rust 筆記 - 生命週期"]).as_deref(),
            Some("Rust 筆記")
        );
    }

    #[test]
    fn permalinks_by_site() {
        let f = SourceFile::new("p", "---\ntitle: x\n---\n");
        let none = SiteSettings::default();
        assert_eq!(
            permalink(
                Site::Hexo,
                "source/_posts/cors-guide-1.md",
                "2021-02-19",
                "x",
                &f,
                &none
            )
            .as_deref(),
            Some("/2021/02/19/cors-guide-1/")
        );
        assert_eq!(
            permalink(
                Site::Jekyll,
                "_posts/2024-05-01-hello.md",
                "2024-05-01",
                "x",
                &f,
                &none
            )
            .as_deref(),
            Some("/2024/05/01/hello.html")
        );
        assert_eq!(
            permalink(
                Site::Hugo,
                "content/posts/trip/index.md",
                "",
                "x",
                &f,
                &none
            )
            .as_deref(),
            Some("/posts/trip/")
        );
        let s = SourceFile::new("p", "---\ntitle: x\nslug: my-trip\n---\n");
        assert_eq!(
            permalink(
                Site::Hugo,
                "content/posts/trip/index.md",
                "",
                "x",
                &s,
                &none
            )
            .as_deref(),
            Some("/posts/my-trip/")
        );
    }

    /// Settings as the sites nest them: Jekyll's `author: {name}` and `jemoji` plugin, Hexo's
    /// list of languages, Hugo's `params.author`, hugo-book as a Hugo module, `[permalinks]`
    /// by section; a file that does not parse is read line by line.
    #[test]
    fn site_settings_as_sites_nest_them() {
        let of = |site: Site, name: &str, text: &str| {
            let files = MemFiles::from([(name, text)]);
            site_settings(&files, site, &[name.to_string()])
        };
        let j = of(
            Site::Jekyll,
            "_config.yml",
            "title: 筆記\nauthor:\n  name: 王小明\n  email: a@b.c\nplugins:\n  - jemoji\n",
        );
        assert_eq!(
            (j.title.as_deref(), j.author.as_deref(), j.emoji),
            (Some("筆記"), Some("王小明"), true)
        );
        let h = of(Site::Hexo, "_config.yml", "language:\n  - zh-TW\n  - en\n");
        assert_eq!(h.lang.as_deref(), Some("zh-TW"));
        let g = of(
            Site::Hugo,
            "hugo.yaml",
            "params:\n  author: 陳大文\nmodule:\n  imports:\n    - path: github.com/alex-shpak/hugo-book\npermalinks:\n  page:\n    posts: /:slug/\n",
        );
        assert_eq!(g.author.as_deref(), Some("陳大文"));
        assert_eq!(g.book_section.as_deref(), Some("docs"));
        assert_eq!(g.sections, [("posts".to_string(), "/:slug/".to_string())]);
        assert!(!g.multilingual);
        let broken = of(Site::Hugo, "hugo.toml", "title = \"站\"\nx = = 1\n");
        assert_eq!(broken.title.as_deref(), Some("站"));
    }

    /// Hugo's `[permalinks]` (TOML and YAML, and `[permalinks.page]`) by section, with its own
    /// tokens: `:title` made a path as `urlize` makes it, `:slug`, `:filename`, `:section`.
    #[test]
    fn hugo_permalinks_by_section() {
        let toml = "baseURL = \"/\"\n[permalinks]\n  posts = \"/:year/:month/:title/\"\n  notes = '/n/:slugorfilename'\n[params]\n  x = \"/:y\"\n";
        let yaml = "title: 網誌\npermalinks:\n  page:\n    posts: /:section/:year/:slug/\nparams:\n  x: 1\n";
        let page = "[permalinks.page]\nposts = \"/p/:filename/\"\n[permalinks.section]\nposts = \"/list/\"\n";
        assert_eq!(
            hugo_permalinks(toml),
            [
                ("posts".into(), "/:year/:month/:title/".into()),
                ("notes".into(), "/n/:slugorfilename".into())
            ]
        );
        assert_eq!(
            hugo_permalinks(yaml),
            [("posts".into(), "/:section/:year/:slug/".into())]
        );
        assert_eq!(
            hugo_permalinks(page),
            [("posts".into(), "/p/:filename/".into())]
        );
        let f = SourceFile::new("p", "---\ntitle: x\n---\n");
        let settings = |text| SiteSettings {
            sections: hugo_permalinks(text),
            ..SiteSettings::default()
        };
        let p = |path, settings: &SiteSettings, f: &SourceFile| {
            permalink(
                Site::Hugo,
                path,
                "2024-05-01",
                "我的 Rust 筆記：第一篇",
                f,
                settings,
            )
        };
        assert_eq!(
            p("content/posts/a.md", &settings(toml), &f).as_deref(),
            Some("/2024/05/我的-rust-筆記第一篇/")
        );
        assert_eq!(
            p("content/notes/b.md", &settings(toml), &f).as_deref(),
            Some("/n/b")
        );
        let s = SourceFile::new("p", "---\ntitle: x\nslug: first\n---\n");
        assert_eq!(
            p("content/posts/a.md", &settings(yaml), &s).as_deref(),
            Some("/posts/2024/first/")
        );
        assert_eq!(
            p("content/posts/trip/index.md", &settings(page), &f).as_deref(),
            Some("/p/trip/")
        );
        // a section without a pattern: Hugo's default
        assert_eq!(
            p("content/blog/c.md", &settings(toml), &f).as_deref(),
            Some("/blog/c/")
        );
    }

    #[test]
    fn a_hexo_site_is_found() {
        let m = MemFiles::from([
            (
                "source/_posts/b.md",
                "---\ntitle: 系列（二）\ndate: 2021-02-19 00:17:13\ncatalog: true\n---\n## 前言\n",
            ),
            (
                "source/_posts/a.md",
                "---\ntitle: 系列（一）\ndate: 2021-02-19 00:16:13\n---\n## 前言\n",
            ),
            ("source/_posts/c.md", "---\ntitle: 草稿\ndraft: true\n---\n"),
        ]);
        let listing = m.list().unwrap();
        assert_eq!(detect(&m, &listing), Some(Site::Hexo));
        let found = read(&m, Site::Hexo, &listing).unwrap();
        let paths: Vec<&str> = found.entries.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["source/_posts/a.md", "source/_posts/b.md"]);
        assert_eq!(found.config.meta.title, "系列");
        assert_eq!(found.config.meta.date.as_deref(), Some("2021-02-19"));
        assert_eq!(found.notes, ["left out the draft `source/_posts/c.md`"]);
        assert_eq!(
            found.entries[0].place.permalink.as_deref(),
            Some("/2021/02/19/a/")
        );
        assert!(found.errors.is_empty(), "{:?}", found.errors);
    }
}
