//! Checking a built EPUB without Java: the zip layout (`mimetype` first and stored), the
//! container → package document, manifest files present, a navigation document, spine idrefs
//! declared, every XHTML document well-formed with unique ids, and every internal `href`/`src`
//! resolving to a manifest item (and its `#fragment` to an id in that document).
//!
//! A quick structural check for `hanpub check BOOK.epub`; EPUBCheck remains the reference.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;

use crate::chapters::{is_external, join_relative, percent_decode};
use crate::diagnostics::Diagnostic;
use crate::source::SourceFile;

const XHTML: &str = "application/xhtml+xml";

/// Every problem found in the EPUB `bytes`; `name` is how the file is shown in messages
/// (entries are shown as `name/EPUB/text/c001.xhtml`).
pub fn verify(bytes: &[u8], name: &str) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let Some(entries) = read_entries(bytes, name, &mut out) else {
        return out;
    };
    let Some((opf_path, opf_file)) = package_document(&entries, name, &mut out) else {
        return out;
    };
    let Some(opf) = parse(&opf_file, &mut out) else {
        return out;
    };
    let manifest = check_manifest(&opf, &opf_file, &opf_path, &entries, &mut out);
    let docs = documents(&manifest, &entries, name, &mut out);
    check_links(&docs, &manifest, &entries, &mut out);
    // by file and position; the zip-level problems (no location) first
    out.sort_by_key(|d| {
        d.location
            .as_ref()
            .map(|l| (l.file.clone(), l.line, l.column))
    });
    out
}

/// The entries of the zip by name, with `mimetype` checked; None when it is not a zip or inflates
/// past the budget (the diagnostics say which).
fn read_entries(
    bytes: &[u8],
    name: &str,
    out: &mut Vec<Diagnostic>,
) -> Option<BTreeMap<String, Vec<u8>>> {
    let mut zip = match zip::ZipArchive::new(std::io::Cursor::new(bytes)) {
        Ok(z) => z,
        Err(e) => {
            out.push(
                Diagnostic::error(format!("not a zip file: {e}"))
                    .in_file(name.to_string())
                    .with_hint("an EPUB is a zip archive; was the file cut short?"),
            );
            return None;
        }
    };
    // entries, in archive order, inflating at most `budget` bytes in all
    let budget = inflate_budget(bytes.len());
    let mut left = budget;
    let mut entries: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for i in 0..zip.len() {
        let mut f = match zip.by_index(i) {
            Ok(f) => f,
            Err(e) => {
                out.push(
                    Diagnostic::error(format!("entry {} cannot be read: {e}", i + 1))
                        .in_file(name.to_string()),
                );
                continue;
            }
        };
        let entry = f.name().map(|n| n.into_owned()).unwrap_or_default();
        if i == 0 {
            let stored = f.compression() == zip::CompressionMethod::Stored;
            if entry != "mimetype" {
                out.push(
                    Diagnostic::error(format!(
                        "the first entry is `{entry}`, not `mimetype`"
                    ))
                    .in_file(name.to_string())
                    .with_hint("reading systems identify an EPUB by a stored `mimetype` entry at the very start of the zip"),
                );
            } else if !stored {
                out.push(
                    Diagnostic::error("`mimetype` is compressed; it must be stored")
                        .in_file(name.to_string()),
                );
            }
        }
        let mut data = Vec::new();
        let read = if f.size() > left {
            Ok(u64::MAX)
        } else {
            (&mut f)
                .take(left + 1)
                .read_to_end(&mut data)
                .map(|n| n as u64)
        };
        match read {
            Err(e) => {
                out.push(
                    Diagnostic::error(format!("entry `{entry}` cannot be read: {e}"))
                        .in_file(name.to_string()),
                );
                continue;
            }
            Ok(n) if n > left => {
                out.push(too_big(
                    &entry,
                    f.size(),
                    f.compressed_size(),
                    budget,
                    bytes.len(),
                    name,
                ));
                return None;
            }
            Ok(n) => left -= n,
        }
        if !f.is_dir() {
            entries.insert(entry, data);
        }
    }
    match entries.get("mimetype") {
        None => out.push(Diagnostic::error("no `mimetype` entry").in_file(name.to_string())),
        Some(m) if m != b"application/epub+zip" => out.push(
            Diagnostic::error(format!(
                "`mimetype` holds `{}`, not `application/epub+zip`",
                String::from_utf8_lossy(m).escape_debug()
            ))
            .in_file(format!("{name}/mimetype")),
        ),
        Some(_) => {}
    }

    Some(entries)
}

/// The package document the container names: its path in the zip and its text.
fn package_document(
    entries: &BTreeMap<String, Vec<u8>>,
    name: &str,
    out: &mut Vec<Diagnostic>,
) -> Option<(String, SourceFile)> {
    let shown = |entry: &str| format!("{name}/{entry}");
    let Some(container) = entries.get("META-INF/container.xml") else {
        out.push(
            Diagnostic::error("no `META-INF/container.xml`: the package document cannot be found")
                .in_file(name.to_string()),
        );
        return None;
    };
    let container = text_of(container, &shown("META-INF/container.xml"), out);
    let doc = container.as_ref().and_then(|f| parse(f, out))?;
    let Some(opf_path) = doc
        .descendants()
        .find(|n| n.has_tag_name("rootfile"))
        .and_then(|n| n.attribute("full-path"))
        .map(str::to_string)
    else {
        out.push(
            Diagnostic::error("container.xml names no rootfile full-path")
                .in_file(shown("META-INF/container.xml")),
        );
        return None;
    };
    let Some(opf_bytes) = entries.get(&opf_path) else {
        out.push(
            Diagnostic::error(format!(
                "the package document `{opf_path}` is not in the zip"
            ))
            .in_file(shown("META-INF/container.xml")),
        );
        return None;
    };
    let opf_file = text_of(opf_bytes, &shown(&opf_path), out)?;
    Some((opf_path, opf_file))
}

/// `href` (percent-encoded) relative to the folder `dir` of the zip.
fn resolve(dir: &str, href: &str) -> String {
    let rel = percent_decode(href);
    if dir.is_empty() {
        join_relative("x", &rel)
    } else {
        join_relative(&format!("{dir}/x"), &rel)
    }
}

/// Manifest items present in the zip, a navigation document, spine idrefs declared. Returns
/// the manifest: path → (id, media type).
fn check_manifest(
    opf: &roxmltree::Document<'_>,
    opf_file: &SourceFile,
    opf_path: &str,
    entries: &BTreeMap<String, Vec<u8>>,
    out: &mut Vec<Diagnostic>,
) -> BTreeMap<String, (String, String)> {
    let base = opf_path.rsplit_once('/').map_or("", |(d, _)| d);
    // path → (id, media type)
    let mut manifest: BTreeMap<String, (String, String)> = BTreeMap::new();
    let mut ids: BTreeSet<String> = BTreeSet::new();
    for item in opf.descendants().filter(|n| n.has_tag_name("item")) {
        let (Some(id), Some(href)) = (item.attribute("id"), item.attribute("href")) else {
            out.push(
                Diagnostic::error("manifest item without id or href").at(opf_file, item.range()),
            );
            continue;
        };
        ids.insert(id.to_string());
        if is_external(href) {
            continue;
        }
        let path = resolve(base, href);
        if !entries.contains_key(&path) {
            let r = item
                .attribute_node("href")
                .map_or(item.range(), |a| a.range_value());
            out.push(
                Diagnostic::error(format!("manifest item `{id}`: `{path}` is not in the zip"))
                    .at(opf_file, r),
            );
        }
        let media = item.attribute("media-type").unwrap_or("").to_string();
        manifest.insert(path, (id.to_string(), media));
    }
    let has_nav = opf.descendants().any(|n| {
        n.has_tag_name("item")
            && n.attribute("properties")
                .is_some_and(|p| p.split_whitespace().any(|p| p == "nav"))
    });
    if !has_nav {
        out.push(
            Diagnostic::error(
                "no manifest item has properties=\"nav\": an EPUB 3 needs a navigation document",
            )
            .in_file(opf_file.name.clone()),
        );
    }
    let spine: Vec<_> = opf
        .descendants()
        .filter(|n| n.has_tag_name("itemref"))
        .collect();
    if spine.is_empty() {
        out.push(Diagnostic::error("the spine is empty").in_file(opf_file.name.clone()));
    }
    for r in spine {
        let idref = r.attribute("idref").unwrap_or("");
        if !ids.contains(idref) {
            let at = r
                .attribute_node("idref")
                .map_or(r.range(), |a| a.range_value());
            out.push(
                Diagnostic::error(format!("spine itemref `{idref}` is not in the manifest"))
                    .at(opf_file, at),
            );
        }
    }

    manifest
}

/// An XHTML or NCX document of the package, with its ids (None when it is not well-formed).
struct Document {
    file: SourceFile,
    ids: Option<BTreeSet<String>>,
}

/// The XHTML and NCX documents of the manifest, checked for well-formedness and unique ids.
fn documents(
    manifest: &BTreeMap<String, (String, String)>,
    entries: &BTreeMap<String, Vec<u8>>,
    name: &str,
    out: &mut Vec<Diagnostic>,
) -> BTreeMap<String, Document> {
    let shown = |entry: &str| format!("{name}/{entry}");
    let mut docs = BTreeMap::new();
    for (path, (_, media)) in manifest {
        let is_ncx = media == "application/x-dtbncx+xml";
        if media != XHTML && !is_ncx {
            continue;
        }
        let Some(data) = entries.get(path) else {
            continue;
        };
        let Some(file) = text_of(data, &shown(path), out) else {
            continue;
        };
        let ids = parse(&file, out).map(|d| {
            let mut ids = BTreeSet::new();
            for n in d.descendants() {
                let Some(a) = n.attribute_node("id") else {
                    continue;
                };
                if !ids.insert(a.value().to_string()) {
                    out.push(
                        Diagnostic::error(format!("duplicate id `{}`", a.value()))
                            .at(&file, a.range_value()),
                    );
                }
            }
            ids
        });
        docs.insert(path.clone(), Document { file, ids });
    }
    docs
}

/// Every internal `href`/`src` of the documents reaches a manifest item, and its `#fragment`
/// an id there.
fn check_links(
    docs: &BTreeMap<String, Document>,
    manifest: &BTreeMap<String, (String, String)>,
    entries: &BTreeMap<String, Vec<u8>>,
    out: &mut Vec<Diagnostic>,
) {
    for (path, Document { file, .. }) in docs {
        let Some(doc) = parse_quiet(file) else {
            continue;
        };
        let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
        for n in doc.descendants().filter(|n| n.is_element()) {
            for a in n.attributes() {
                let local = a.name();
                let is_link = matches!(local, "href" | "src")
                    && (a.namespace().is_none()
                        || a.namespace() == Some("http://www.w3.org/1999/xlink"));
                if !is_link || n.has_tag_name("base") {
                    continue;
                }
                let value = a.value().trim();
                if value.is_empty() || is_external(value) || value.starts_with("data:") {
                    continue;
                }
                let (target_part, frag) = match value.split_once('#') {
                    Some((p, f)) => (p, Some(percent_decode(f))),
                    None => (value, None),
                };
                let target_part = target_part.split('?').next().unwrap_or("");
                let target = if target_part.is_empty() {
                    path.clone()
                } else {
                    resolve(dir, target_part)
                };
                if !manifest.contains_key(&target) {
                    let what = if entries.contains_key(&target) {
                        "is in the zip but not in the manifest"
                    } else {
                        "does not exist"
                    };
                    out.push(
                        Diagnostic::error(format!("`{value}`: `{target}` {what}"))
                            .at(file, a.range_value()),
                    );
                    continue;
                }
                if let Some(frag) = frag.filter(|f| !f.is_empty())
                    && let Some(Document { ids: Some(ids), .. }) = docs.get(&target)
                    && !ids.contains(&frag)
                {
                    out.push(
                        Diagnostic::error(format!("`{value}`: no id `{frag}` in `{target}`"))
                            .at(file, a.range_value()),
                    );
                }
            }
        }
    }
}

/// How many inflated bytes `check` reads from an EPUB of `len` bytes: 32 times its size, and at
/// least 64 MiB. Text deflates 3–10×, images not at all; a zip bomb (deflate reaches 1032×)
/// is stopped there, so checking never takes more memory than this.
pub fn inflate_budget(len: usize) -> u64 {
    (len as u64).saturating_mul(32).max(64 << 20)
}

fn size(n: u64) -> String {
    if n >= 1 << 30 {
        format!("{:.1} GiB", n as f64 / (1u64 << 30) as f64)
    } else if n >= 1 << 20 {
        format!("{:.1} MiB", n as f64 / (1u64 << 20) as f64)
    } else {
        format!("{:.1} KiB", n as f64 / 1024.0)
    }
}

/// The error for an entry that would take the inflated total past the budget.
fn too_big(
    entry: &str,
    declared: u64,
    packed: u64,
    budget: u64,
    len: usize,
    name: &str,
) -> Diagnostic {
    let what = if declared > budget {
        format!(
            "says it inflates to {} (from {} compressed)",
            size(declared),
            size(packed)
        )
    } else {
        format!(
            "inflates past the {} that check reads in all (from {} compressed)",
            size(budget),
            size(packed)
        )
    };
    Diagnostic::error(format!(
        "entry `{entry}` {what}: not read, and checking stops here"
    ))
    .in_file(name.to_string())
    .with_hint(format!(
        "check inflates at most {} from this {} file (32 times its size, at least 64 MiB): is it a zip bomb?",
        size(budget),
        size(len as u64)
    ))
}

/// The entry as UTF-8 text, or an error.
fn text_of(data: &[u8], shown: &str, out: &mut Vec<Diagnostic>) -> Option<SourceFile> {
    match String::from_utf8(data.to_vec()) {
        Ok(t) => Some(SourceFile::new(shown, t)),
        Err(_) => {
            out.push(Diagnostic::error("not UTF-8 text").in_file(shown.to_string()));
            None
        }
    }
}

fn options<'a>() -> roxmltree::ParsingOptions<'a> {
    roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    }
}

fn parse_quiet(file: &SourceFile) -> Option<roxmltree::Document<'_>> {
    roxmltree::Document::parse_with_options(&file.text, options()).ok()
}

/// Parse XML; a well-formedness error is reported at its position.
fn parse<'a>(file: &'a SourceFile, out: &mut Vec<Diagnostic>) -> Option<roxmltree::Document<'a>> {
    match roxmltree::Document::parse_with_options(&file.text, options()) {
        Ok(d) => Some(d),
        Err(e) => {
            let pos = e.pos();
            let off = file.offset(pos.row as usize, pos.col as usize);
            out.push(Diagnostic::error(format!("not well-formed XML: {e}")).at(file, off..off + 1));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{BookEntry, MemFiles, Options, build, load};

    #[test]
    fn a_built_book_verifies_and_a_truncated_one_does_not() {
        let files = MemFiles::from([(
            "book.md",
            "---\ntitle: 書\n---\n開場。\n\n## 一 {#one}\n\n見[二](#two)。[^1]\n\n[^1]: 注。\n\n## 二 {#two}\n\n回到[一](#one)。\n",
        )]);
        let project = load(&files, &BookEntry::File("book.md".into())).unwrap();
        let epub = build(&project, &files, &Options::default()).unwrap().epub;
        assert_eq!(super::verify(&epub, "b.epub"), []);
        let cut = super::verify(&epub[..epub.len() / 2], "b.epub");
        assert_eq!(cut.len(), 1);
        assert!(cut[0].message.starts_with("not a zip file"), "{}", cut[0]);
    }
}
