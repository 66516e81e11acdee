//! A static site's configuration as one tree, for the few settings a book takes from it
//! ([`super::posts`]): its configuration file (`_config.yml`, `hugo.toml`, `config.yaml`, …), or
//! Hugo's configuration folder (`config/_default/`: `hugo.toml` the root, `params.toml` under
//! `params`, `languages.zh-tw.toml` under `languages.zh-tw`), in TOML, YAML or JSON. Keys are
//! found whatever their case, as Hugo finds them (`languageCode`, `languagecode`).

use serde_json::{Map, Value};

use super::read_text;
use crate::files::Files;

/// Hugo's configuration folder of the default environment.
const HUGO_FOLDER: &str = "config/_default";

/// The configuration files of a site, each with the key its settings go under (`""`: the
/// root): the first of `names` the book folder has (`listing`: its files); for Hugo, else the
/// files of `config/_default/`.
pub fn files_of(
    files: &dyn Files,
    listing: &[String],
    names: &[&str],
    hugo: bool,
) -> Vec<(String, String)> {
    if let Some(n) = names.iter().find(|n| listing.iter().any(|p| p == *n)) {
        return vec![(n.to_string(), String::new())];
    }
    if !hugo {
        return Vec::new();
    }
    let Ok(entries) = files.list_dir(HUGO_FOLDER) else {
        return Vec::new();
    };
    let mut out: Vec<(String, String)> = entries
        .into_iter()
        .filter(|e| !e.ends_with('/'))
        .filter_map(|e| {
            let (stem, ext) = e.rsplit_once('.')?;
            ["toml", "yaml", "yml", "json"].contains(&ext).then(|| {
                let key = match stem {
                    "hugo" | "config" => String::new(),
                    // `menus.zh-tw.toml`, `languages.toml`, `params.toml`
                    s => s.to_string(),
                };
                (format!("{HUGO_FOLDER}/{e}"), key)
            })
        })
        .collect();
    // the root first, then the rest by name
    out.sort_by_key(|(_, k)| !k.is_empty());
    out
}

/// The files' settings as one tree: each file parsed by its extension and put under its key
/// (`languages.zh-tw` under `languages`, then `zh-tw`). A file that does not parse adds
/// nothing; `None` when none does.
pub fn tree(files: &dyn Files, parts: &[(String, String)]) -> Option<Value> {
    let mut root = Map::new();
    let mut any = false;
    for (path, key) in parts {
        let Ok(file) = read_text(files, path) else {
            continue;
        };
        let Some(value) = parse(path, &file.text) else {
            continue;
        };
        any = true;
        let mut at = &mut root;
        for k in key.split('.').filter(|k| !k.is_empty()) {
            let next = at
                .entry(k.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            if !next.is_object() {
                *next = Value::Object(Map::new());
            }
            at = next.as_object_mut().expect("made an object");
        }
        if let Value::Object(m) = value {
            merge(at, m);
        }
    }
    any.then_some(Value::Object(root))
}

/// A configuration file's text as a tree, by its extension.
fn parse(path: &str, text: &str) -> Option<Value> {
    let text = text.trim_start_matches('\u{feff}');
    if path.ends_with(".toml") {
        let table: toml::Table = toml::from_str(text).ok()?;
        serde_json::to_value(table).ok()
    } else if path.ends_with(".json") {
        serde_json::from_str(text).ok()
    } else {
        serde_saphyr::from_str(text).ok()
    }
}

/// `from` merged into `into`: tables key by key, anything else replaced.
fn merge(into: &mut Map<String, Value>, from: Map<String, Value>) {
    for (k, v) in from {
        match (into.get_mut(&k), v) {
            (Some(Value::Object(a)), Value::Object(b)) => merge(a, b),
            (_, v) => {
                into.insert(k, v);
            }
        }
    }
}

/// The value at a path of keys, each found whatever its case.
pub fn get<'a>(value: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(value, |v, key| {
        let m = v.as_object()?;
        m.get(*key).or_else(|| {
            m.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v)
        })
    })
}

/// A setting as text: a string (trimmed, not empty), a number or a boolean; the first of a
/// list; a person's `name` (`author: {name: 陳大文}`).
pub fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Array(a) => a.iter().find_map(text),
        Value::Object(_) => get(value, &["name"]).and_then(text),
        Value::Null => None,
    }
}

/// The first of the paths that has a setting, as text.
pub fn first(value: &Value, paths: &[&[&str]]) -> Option<String> {
    paths.iter().find_map(|p| get(value, p).and_then(text))
}

/// Hugo's settings for the site's default language: its entry under `languages`
/// (`defaultContentLanguage`'s, else the one of least `weight`), where a multilingual site
/// keeps its title, author and `contentDir`.
pub fn hugo_language(value: &Value) -> Option<(&str, &Value)> {
    let languages = get(value, &["languages"])?.as_object()?;
    let default = get(value, &["defaultContentLanguage"]).and_then(Value::as_str);
    if let Some(d) = default
        && let Some((k, v)) = languages.iter().find(|(k, _)| k.eq_ignore_ascii_case(d))
    {
        return Some((k, v));
    }
    languages
        .iter()
        .min_by_key(|(_, v)| {
            get(v, &["weight"])
                .and_then(Value::as_i64)
                .unwrap_or(i64::MAX)
        })
        .map(|(k, v)| (k.as_str(), v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::files::MemFiles;

    /// A configuration folder (Blowfish's and Congo's way): the root file, `params.toml`
    /// and a language's file, merged; keys found whatever their case.
    #[test]
    fn hugo_configuration_folder_is_one_tree() {
        let files = MemFiles::from([
            ("content/posts/a.md", "---\ntitle: a\n---\n"),
            (
                "config/_default/hugo.toml",
                "baseURL = '/'\ndefaultContentLanguage = 'zh-tw'\ntheme = ['blowfish']\n",
            ),
            (
                "config/_default/languages.zh-tw.toml",
                "languageCode = 'zh-TW'\ntitle = '小站'\n[params.author]\nname = '陳大文'\n",
            ),
            ("config/_default/params.yaml", "BookSection: docs\n"),
            (
                "config/_default/menus.zh-tw.toml",
                "[[main]]\nname = '首頁'\n",
            ),
            ("config/_default/broken.toml", "x = = 1\n"),
        ]);
        let parts = files_of(&files, &[], &["hugo.toml", "config.toml"], true);
        assert_eq!(
            parts[0],
            ("config/_default/hugo.toml".into(), String::new())
        );
        assert_eq!(parts.len(), 5);
        let t = tree(&files, &parts).expect("parses");
        let (lang, entry) = hugo_language(&t).expect("a language");
        assert_eq!(lang, "zh-tw");
        assert_eq!(
            first(entry, &[&["params", "author"]]).as_deref(),
            Some("陳大文")
        );
        assert_eq!(first(entry, &[&["languagecode"]]).as_deref(), Some("zh-TW"));
        assert_eq!(
            first(&t, &[&["params", "booksection"]]).as_deref(),
            Some("docs")
        );
        assert_eq!(first(&t, &[&["theme"]]).as_deref(), Some("blowfish"));
        assert_eq!(first(&t, &[&["menus", "zh-tw", "main", "name"]]), None);
    }

    /// A configuration file at the root is taken before the folder; none: no tree.
    #[test]
    fn a_root_file_comes_first() {
        let files = MemFiles::from([
            (
                "hugo.yaml",
                "title: 網誌\nparams:\n  author:\n    - 陳大文\n",
            ),
            ("config/_default/hugo.toml", "title = '別的'\n"),
        ]);
        let listing = ["hugo.yaml".to_string()];
        let parts = files_of(&files, &listing, &["hugo.toml", "hugo.yaml"], true);
        assert_eq!(parts, [("hugo.yaml".to_string(), String::new())]);
        let t = tree(&files, &parts).expect("parses");
        assert_eq!(first(&t, &[&["title"]]).as_deref(), Some("網誌"));
        assert_eq!(
            first(&t, &[&["params", "author"]]).as_deref(),
            Some("陳大文")
        );
        assert!(files_of(&files, &listing, &["_config.yml"], false).is_empty());
        assert_eq!(tree(&files, &[]), None);
    }
}
