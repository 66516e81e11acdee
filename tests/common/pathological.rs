//! A book of the input classes that used to take super-linear time, scaled: shared by
//! `tests/careless.rs` (built once at scale 1, output checked) and `benches/stages.rs` (timed
//! at two scales: time per byte stays flat when the work is linear).
#![allow(dead_code)]

/// The count of one scale: footnotes, same-id headings, links, images, …
pub const UNIT: usize = 2000;

/// The PNG the image references point at (1×1).
const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xF0,
    0x1F, 0x00, 0x05, 0x00, 0x01, 0xFF, 0x89, 0x99, 0x3D, 0x1D, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

/// The classes, one Markdown file each: (file name, what it holds).
pub const CLASSES: &[(&str, &str)] = &[
    ("01-footnotes.md", "UNIT footnotes, cited once each"),
    ("02-same-id.md", "UNIT headings with the same explicit id"),
    (
        "03-parens.md",
        "10×UNIT unclosed ( alone, and after Chinese",
    ),
    (
        "04-links.md",
        "UNIT broken links and UNIT links to another file's heading",
    ),
    ("05-images.md", "UNIT references to one image"),
    ("06-emphasis.md", "long runs of emphasis markers"),
    ("07-tables.md", "UNIT/2 small tables"),
    ("08-nesting.md", "quotes and lists nested thousands deep"),
    ("09-html.md", "unclosed inline HTML"),
    ("10-brackets.md", "unclosed link brackets, backticks and <"),
];

/// One class's Markdown at `scale` (`n` = [`UNIT`] × scale).
pub fn class(name: &str, scale: usize) -> String {
    let n = UNIT * scale;
    match name {
        "01-footnotes.md" => {
            let mut s = String::from("## 註\n\n");
            for i in 0..n {
                s.push_str(&format!("文字[^{i}]。\n"));
            }
            s.push('\n');
            for i in 0..n {
                s.push_str(&format!("[^{i}]: 註{i}。\n"));
            }
            s
        }
        "02-same-id.md" => {
            let mut s = String::from("## 同名\n\n");
            for _ in 0..n {
                s.push_str("### 同 {#same}\n\n段落。\n\n");
            }
            s
        }
        "03-parens.md" => format!(
            "## 括號\n\n{}\n\n中文{}\n",
            "(".repeat(10 * n),
            "(".repeat(10 * n)
        ),
        "04-links.md" => format!(
            "## 連結\n\n{}\n\n{}\n",
            "[甲](#nope) ".repeat(n),
            "[乙](02-same-id.md#same-7) ".repeat(n)
        ),
        "05-images.md" => format!("## 圖\n\n{}\n", "![圖](a.png) ".repeat(n)),
        "06-emphasis.md" => format!(
            "## 強調\n\n{}\n\n{}\n\n{}\n",
            "*".repeat(10 * n),
            "_a".repeat(5 * n),
            "**中".repeat(5 * n)
        ),
        "07-tables.md" => format!(
            "## 表\n\n{}",
            "| 甲 | 乙 |\n|---|---|\n| 1 | 2 |\n\n".repeat(n / 2)
        ),
        "08-nesting.md" => {
            let mut s = format!("## 巢\n\n{} 深\n\n", ">".repeat(n));
            for i in 0..200 * scale {
                s.push_str(&" ".repeat(2 * i));
                s.push_str("- 項\n");
            }
            s
        }
        "09-html.md" => format!("## 標記\n\n{}\n", "<b>中".repeat(5 * n)),
        "10-brackets.md" => format!(
            "## 括\n\n{}\n\n{}\n\n{}\n",
            "[a](".repeat(5 * n),
            "`".repeat(5 * n),
            "<".repeat(5 * n)
        ),
        _ => String::new(),
    }
}

/// The whole book at `scale`: book.toml, one file per class, the image.
pub fn book(scale: usize) -> Vec<(String, Vec<u8>)> {
    with_classes(CLASSES.iter().map(|(n, _)| *n), scale)
}

/// A book of one class at `scale` (with the file its links point into).
pub fn book_of(name: &str, scale: usize) -> Vec<(String, Vec<u8>)> {
    let needs: &[&str] = if name == "04-links.md" {
        &["02-same-id.md"]
    } else {
        &[]
    };
    with_classes(needs.iter().copied().chain([name]), scale)
}

fn with_classes<'a>(names: impl Iterator<Item = &'a str>, scale: usize) -> Vec<(String, Vec<u8>)> {
    let mut files = vec![
        (
            "book.toml".to_string(),
            "[book]\ntitle = \"病態\"\nlang = \"zh-Hant\"\n"
                .as_bytes()
                .to_vec(),
        ),
        ("a.png".to_string(), PNG.to_vec()),
    ];
    for name in names {
        files.push((name.to_string(), class(name, scale).into_bytes()));
    }
    files
}
