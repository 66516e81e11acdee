use super::*;
use crate::model::{Ev, Spanned, Tag};

const H: TypesetOptions = TypesetOptions {
    punctuation: true,
    vertical: false,
};
const V: TypesetOptions = TypesetOptions {
    punctuation: true,
    vertical: true,
};
const OFF: TypesetOptions = TypesetOptions {
    punctuation: false,
    vertical: false,
};

/// A paragraph with one text event spanning the whole string.
fn para(s: &str) -> Vec<Spanned> {
    vec![
        Spanned::new(Ev::Start(Tag::Paragraph), 0..s.len()),
        Spanned::new(Ev::Text(s.into()), 0..s.len()),
        Spanned::new(Ev::End(Tag::Paragraph), 0..s.len()),
    ]
}

/// Events from a tiny markup: `**…**` strong, `` `…` `` code, `\n` soft break, `|` paragraph
/// break. Spans are byte offsets into `s` (markup characters are outside text spans).
fn build(s: &str) -> Vec<Spanned> {
    let mut out = vec![Spanned::new(Ev::Start(Tag::Paragraph), 0..0)];
    let (mut strong, mut code) = (false, false);
    let mut start = 0;
    let mut i = 0;
    let b = s.as_bytes();
    let flush = |out: &mut Vec<Spanned>, a: usize, z: usize, code: bool| {
        if a < z {
            let t = s[a..z].to_string();
            out.push(Spanned::new(
                if code { Ev::Code(t) } else { Ev::Text(t) },
                a..z,
            ));
        }
    };
    while i < b.len() {
        match b[i] {
            b'*' if b.get(i + 1) == Some(&b'*') && !code => {
                flush(&mut out, start, i, false);
                strong = !strong;
                let tag = Tag::Strong;
                out.push(Spanned::new(
                    if strong { Ev::Start(tag) } else { Ev::End(tag) },
                    i..i + 2,
                ));
                i += 2;
                start = i;
                continue;
            }
            b'`' => {
                flush(&mut out, start, i, code);
                code = !code;
                start = i + 1;
            }
            b'\n' if !code => {
                flush(&mut out, start, i, false);
                out.push(Spanned::new(Ev::SoftBreak, i..i + 1));
                start = i + 1;
            }
            b'|' if !code => {
                flush(&mut out, start, i, false);
                out.push(Spanned::new(Ev::End(Tag::Paragraph), i..i));
                out.push(Spanned::new(Ev::Start(Tag::Paragraph), i + 1..i + 1));
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    flush(&mut out, start, b.len(), false);
    out.push(Spanned::new(Ev::End(Tag::Paragraph), b.len()..b.len()));
    out
}

/// Flatten events for comparison: text as is, `[nb=…]`, `[tcy=…]`, `` `code` ``, `⏎` for a
/// remaining soft break, `|` between paragraphs.
fn show(events: &[Spanned]) -> String {
    let mut s = String::new();
    let mut first = true;
    for e in events {
        match &e.ev {
            Ev::Text(t) => s.push_str(&t.replace('\u{2005}', "{¼}").replace('\u{2060}', "{wj}")),
            Ev::Span(style, t) => s.push_str(&format!("[{}={t}]", style.class())),
            Ev::Wbr => s.push('‸'),
            Ev::Ruby { base, readings } => {
                s.push_str(&format!("{{{base}|{}}}", readings.join("|")))
            }
            Ev::Code(t) => {
                s.push('`');
                s.push_str(t);
                s.push('`');
            }
            Ev::Tcy(t) => s.push_str(&format!("[tcy={t}]")),
            Ev::NoBreak(t) => s.push_str(&format!("[nb={}]", t.replace('\u{2060}', "{wj}"))),
            Ev::SoftBreak => s.push('⏎'),
            Ev::Start(Tag::Paragraph) => {
                if !first {
                    s.push('|');
                }
                first = false;
            }
            Ev::Html { html, .. } => s.push_str(html),
            _ => {}
        }
    }
    s
}

fn run(input: &str, opts: &TypesetOptions) -> String {
    show(&typeset(build(input), opts))
}

#[test]
fn punctuation_table() {
    let cases: &[(&str, &str)] = &[
        // the article's patterns
        ("翁家翌:OpenAI 每一個模型", "翁家翌：OpenAI 每一個模型"),
        ("來源: WhynotTV Podcast", "來源：WhynotTV Podcast"),
        ("退學 online,到成為", "退學 online，到成為"),
        (
            "天授與 tuixue.online:做慈善的工程師",
            "天授與 tuixue.online：做慈善的工程師",
        ),
        (
            "第二個是 tuixue.online,一個簽證查詢系統",
            "第二個是 tuixue.online，一個簽證查詢系統",
        ),
        (
            "面試他的是 John Schulman(張書曼),看中的是",
            "面試他的是 John Schulman（張書曼），看中的是",
        ),
        ("John Schulman (張書曼) 說", "John Schulman（張書曼）說"),
        (
            "第一個是天授(Tianshou),一個強化學習框架",
            "第一個是天授（Tianshou），一個強化學習框架",
        ),
        ("這會不會產生衝突?", "這會不會產生衝突？"),
        // emoticons are faces, not punctuation
        ("很開心 :)", "很開心 :)"),
        ("好吧 :( 下次吧", "好吧 :( 下次吧"),
        ("讚:-D", "讚:-D"),
        ("見下:(一)", "見下：（一）"),
        ("突然蹦出一個 idea:", "突然蹦出一個 idea："),
        (
            "從 GPT-4o 到 GPT-5,翁家翌的名字",
            "從 GPT-4o 到 GPT-5，翁家翌的名字",
        ),
        ("完全 non-profit,然後", "完全 non-profit，然後"),
        ("你喜歡 A,所以你應該做 A", "你喜歡 A，所以你應該做 A"),
        ("他的邏輯是:很多人", "他的邏輯是：很多人"),
        // other marks, runs of marks, spaces around converted marks
        ("真的嗎!?", "真的嗎！？"),
        ("第一;第二", "第一；第二"),
        ("中文 , 中文", "中文，中文"),
        ("中文, English", "中文，English"),
        ("中文(English)中文", "中文（English）中文"),
        ("使用 RL(強化學習)", "使用 RL（強化學習）"),
        ("(注意)這很重要", "（注意）這很重要"),
        ("他說“好”,然後", "他說“好”，然後"),
        // numbers stay
        (
            "時間是 10:30,共 1,000 元,約 3.5 倍",
            "時間是 10:30，共 1,000 元，約 3.5 倍",
        ),
        ("下午3:30開會", "下午3:30開會"),
        // URLs, domains, e-mail stay
        ("網址 https://x.y/a,b 很好", "網址 https://x.y/a,b 很好"),
        (
            "見 https://example.com/?q=a,b&c=d:e 吧",
            "見 https://example.com/?q=a,b&c=d:e 吧",
        ),
        (
            "見https://en.wikipedia.org/wiki/Foo_(bar)吧",
            "見https://en.wikipedia.org/wiki/Foo_(bar)吧",
        ),
        ("網址:https://x.y", "網址：https://x.y"),
        ("中文(https://x.y/a)中文", "中文（https://x.y/a）中文"),
        ("寫信到 a@b.com,謝謝", "寫信到 a@b.com，謝謝"),
        ("tuixue.online", "tuixue.online"),
        // Latin phrases and English sentences stay
        ("post-training", "post-training"),
        ("GPT-4o", "GPT-4o"),
        ("Hello, world!", "Hello, world!"),
        ("他說:Hello, world!", "他說：Hello, world!"),
        ("Hello (world) again", "Hello (world) again"),
        ("f(x) = y", "f(x) = y"),
        ("a!=b", "a!=b"),
        ("Really?", "Really?"),
        ("支援A,B兩種", "支援A,B兩種"),
    ];
    for (input, want) in cases {
        assert_eq!(run(input, &H), *want, "input: {input}");
        // punctuation off: text unchanged
        assert_eq!(run(input, &OFF), *input, "punctuation off, input: {input}");
    }
}

#[test]
fn context_crosses_inline_events() {
    // `**翁家翌**:OpenAI`: the `:` is in the text after End(Strong)
    let evs = build("**翁家翌**:OpenAI");
    let out = typeset(evs, &H);
    assert_eq!(show(&out), "翁家翌：OpenAI");
    assert!(out.iter().any(|e| e.ev == Ev::Text("：OpenAI".into())));
    // and spaces in the next event after a converted mark go too
    assert_eq!(run("**來源:** WhynotTV", &H), "來源：WhynotTV");
    assert_eq!(run("**來源** : WhynotTV", &H), "來源：WhynotTV");
    // the text after decides when the text before is Latin
    assert_eq!(run("**online**,到成為", &H), "online，到成為");
    assert_eq!(run("online,**到成為**", &H), "online，到成為");
}

#[test]
fn code_is_latin_context_and_untouched() {
    assert_eq!(run("用 `a,b:c` 之後,就好", &H), "用 `a,b:c` 之後，就好");
    assert_eq!(run("用`foo`,然後", &H), "用`foo`，然後");
    assert_eq!(run("run `ls`, then `cd`", &H), "run `ls`, then `cd`");
    // a code block's text is never touched
    let evs = vec![
        Spanned::new(Ev::Start(Tag::CodeBlock { lang: None }), 0..20),
        Spanned::new(Ev::Text("中文,中文——\n中文?\n".into()), 0..20),
        Spanned::new(Ev::End(Tag::CodeBlock { lang: None }), 0..20),
    ];
    assert_eq!(typeset(evs.clone(), &V), evs);
    assert!(lint(&evs, &V).is_empty());
    // nor raw HTML
    let evs = vec![
        Spanned::new(Ev::Start(Tag::Paragraph), 0..0),
        Spanned::new(Ev::Text("中文".into()), 0..6),
        Spanned::new(
            Ev::Html {
                html: "<span title=\"a,b\">".into(),
                block: false,
            },
            6..24,
        ),
        Spanned::new(Ev::Text("好,".into()), 24..28),
        Spanned::new(Ev::End(Tag::Paragraph), 28..28),
    ];
    let out = typeset(evs, &H);
    assert_eq!(show(&out), "中文<span title=\"a,b\">好，");
}

#[test]
fn blocks_reset_context() {
    // the `,` starting the second paragraph has no Chinese before it and Latin after
    assert_eq!(run("中文|,English", &H), "中文|,English");
    assert_eq!(run("中文|English,", &H), "中文|English,");
    // but a Chinese paragraph ending in Latin converts
    assert_eq!(run("English|中文 idea:", &H), "English|中文 idea：");
}

#[test]
fn soft_breaks() {
    let cases: &[(&str, &str)] = &[
        ("中文\n中文", "中文中文"),
        ("中文。\n中文", "中文。中文"),
        ("Hello\nworld", "Hello world"),
        ("中文\nEnglish", "中文 English"),
        ("English\n中文", "English 中文"),
        ("中文。\nEnglish", "中文。English"),
        ("**強調**\n中文", "強調中文"),
        ("中文,\n中文", "中文，中文"),
        ("中文,\nEnglish", "中文，English"),
        ("中文\n(注意)", "中文（注意）"),
        ("`code`\n中文", "`code` 中文"),
        ("中文\n“引號”", "中文“引號”"),
    ];
    for (input, want) in cases {
        assert_eq!(run(input, &H), *want, "input: {input:?}");
    }
    // with punctuation off, soft breaks are still handled
    assert_eq!(run("中文\n中文", &OFF), "中文中文");
    // an ASCII comma is Latin context: the break after it stays a space
    assert_eq!(run("中文,\n中文", &OFF), "中文, 中文");
    // hard breaks are untouched
    let evs = vec![
        Spanned::new(Ev::Start(Tag::Paragraph), 0..0),
        Spanned::new(Ev::Text("中文".into()), 0..6),
        Spanned::new(Ev::HardBreak, 6..9),
        Spanned::new(Ev::Text("中文".into()), 9..15),
        Spanned::new(Ev::End(Tag::Paragraph), 15..15),
    ];
    assert_eq!(typeset(evs.clone(), &H), evs);
}

#[test]
fn soft_break_events() {
    // a vanishing soft break is removed; a Latin one becomes Text(" ") with its span
    let out = typeset(build("中文\n中文"), &H);
    assert!(
        !out.iter()
            .any(|e| e.ev == Ev::SoftBreak || e.ev == Ev::Text(" ".into()))
    );
    let out = typeset(build("Hello\nworld"), &H);
    assert_eq!(out[2], Spanned::new(Ev::Text(" ".into()), 5..6));
    assert!(!out.iter().any(|e| e.ev == Ev::SoftBreak));
}

#[test]
fn dashes_and_ellipsis() {
    let cases: &[(&str, &str)] = &[
        ("故事——翁家翌", "故事[nb=——]翁家翌"),
        ("等等……", "等等[nb=……]"),
        ("長破折號————結束", "長破折號[nb=————]結束"),
        ("橫線――結束", "橫線[nb=――]結束"),
        ("單個—不變…也不變", "單個—不變…也不變"),
        ("——開頭", "[nb=——]開頭"),
        ("混合—…不變", "混合—…不變"),
        ("“引號”不變", "“引號”不變"),
    ];
    for (input, want) in cases {
        assert_eq!(run(input, &H), *want, "input: {input}");
        assert_eq!(run(input, &OFF), *want, "punctuation off, input: {input}");
    }
    // ellipsis then an ASCII comma: the comma follows CJK punctuation
    assert_eq!(run("等等……,然後", &H), "等等[nb=……]，然後");
    // exact spans for the split pieces
    let out = typeset(para("故事——翁"), &H);
    assert_eq!(out[1], Spanned::new(Ev::Text("故事".into()), 0..6));
    assert_eq!(out[2], Spanned::new(Ev::NoBreak("——".into()), 6..12));
    assert_eq!(out[3], Spanned::new(Ev::Text("翁".into()), 12..15));
}

#[test]
fn tate_chu_yoko() {
    let cases: &[(&str, &str)] = &[
        ("第42屆", "第[tcy=42]屆"),
        // spaces between tcy and Chinese go
        ("共 100 人", "共[tcy=100]人"),
        ("2020 年", "2020 年"),
        // a lone digit or capital stands upright, unless a Latin word is beside it
        ("第1章", "第[tcy=1]章"),
        ("第 4 集", "第[tcy=4]集"),
        ("A 計畫", "[tcy=A]計畫"),
        ("Plan A 與 B", "Plan A 與[tcy=B]"),
        ("第 4 名 GPT 與 AI", "第[tcy=4]名[tcy=GPT]與[tcy=AI]"),
        ("約 3.14 倍", "約 3.14 倍"),
        ("10:30 開會", "10:30 開會"),
        ("1,000 元", "1,000 元"),
        ("GPT 系列", "[tcy=GPT]系列"),
        ("GPT-4o 模型", "GPT-4o 模型"),
        ("GPT-5", "GPT-5"),
        ("AI 與 RL Infra", "[tcy=AI]與[tcy=RL] Infra"),
        ("OpenAI 公司", "OpenAI 公司"),
        ("NASA 與 iPhone", "NASA 與 iPhone"),
        ("x86 與 4o", "x86 與 4o"),
        ("3.14 與 x 2", "3.14 與 x 2"),
        ("50%", "[tcy=50]%"),
        ("第12,然後", "第[tcy=12]，然後"),
        ("GPT's", "GPT's"),
        // a number's period stands with it (a heading's `1.`), not a decimal point's
        ("1. 簡介", "[tcy=1.]簡介"),
        ("第 12. 節", "第[tcy=12.]節"),
        ("約 3.5 倍", "約 3.5 倍"),
        ("100. 項", "[tcy=100]. 項"),
    ];
    for (input, want) in cases {
        assert_eq!(run(input, &V), *want, "input: {input}");
        // horizontal: no tcy at all
        assert!(
            !run(input, &H).contains("[tcy="),
            "horizontal, input: {input}"
        );
    }
    let out = typeset(para("第42屆"), &V);
    assert_eq!(out[2], Spanned::new(Ev::Tcy("42".into()), 3..5));
}

#[test]
fn lint_spans_and_kinds() {
    let src = "來源: WhynotTV\n第二行";
    let fixes = lint(&build(src), &H);
    assert_eq!(
        fixes,
        vec![Fix {
            span: 6..8,
            from: ": ".into(),
            to: "：".into(),
            kind: "punctuation"
        },]
    );
    assert_eq!(&src[fixes[0].span.clone()], ": ");
    let src = "中文,\n中文";
    let fixes = lint(&build(src), &H);
    assert_eq!(
        fixes,
        vec![
            Fix {
                span: 6..7,
                from: ",".into(),
                to: "，".into(),
                kind: "punctuation"
            },
            Fix {
                span: 7..8,
                from: "\n".into(),
                to: "".into(),
                kind: "soft-break"
            },
        ]
    );
    // a Latin soft break turning into a space is not reported; nor tcy / no-break runs
    assert!(lint(&build("Hello\nworld"), &H).is_empty());
    assert!(lint(&para("第42屆——"), &V).is_empty());
    // a text that is not byte-for-byte its source (escapes, entities) reports its whole span
    let evs = vec![
        Spanned::new(Ev::Start(Tag::Paragraph), 0..12),
        Spanned::new(Ev::Text("中文,".into()), 0..12),
        Spanned::new(Ev::End(Tag::Paragraph), 0..12),
    ];
    let fixes = lint(&evs, &H);
    assert_eq!(
        fixes,
        vec![Fix {
            span: 0..12,
            from: ",".into(),
            to: "，".into(),
            kind: "punctuation"
        }]
    );
    let out = typeset(evs, &H);
    assert_eq!(out[1], Spanned::new(Ev::Text("中文，".into()), 0..12));
    // separate spaces in another event are separate fixes, in source order
    let src = "**來源** : X";
    let fixes = lint(&build(src), &H);
    let spans: Vec<_> = fixes.iter().map(|f| &src[f.span.clone()]).collect();
    assert_eq!(spans, vec![" : "]);
    let src = "**來源 **: X";
    let fixes = lint(&build(src), &H);
    let spans: Vec<_> = fixes.iter().map(|f| &src[f.span.clone()]).collect();
    assert_eq!(spans, vec![" ", ": "]);
    for f in &fixes {
        assert_eq!(&src[f.span.clone()], f.from);
    }
}

#[test]
fn fast_path_moves_events_untouched() {
    let evs = para("這是一個沒有任何需要修改的段落。「引號」也沒有。");
    assert_eq!(typeset(evs.clone(), &V), evs);
    assert!(lint(&evs, &V).is_empty());
    let evs = para("Plain English text without marks");
    assert_eq!(typeset(evs.clone(), &H), evs);
}

#[test]
fn pure_and_idempotent() {
    let inputs = [
        "翁家翌:OpenAI|來源: WhynotTV\n中文, English\nmore|故事——第42屆 GPT 系列(注意)!",
        "Hello, world!\n中文\n中文……,好?",
    ];
    for input in inputs {
        for opts in [H, V, OFF] {
            let once = typeset(build(input), &opts);
            assert_eq!(once, typeset(build(input), &opts));
            assert_eq!(typeset(once.clone(), &opts), once, "input: {input}");
            assert!(lint(&once, &opts).is_empty(), "input: {input}");
        }
    }
}

/// Split the article into headings and paragraphs (one Text per line, SoftBreak between
/// lines), with exact source spans.
fn article_events(src: &str) -> Vec<Spanned> {
    let mut out = Vec::new();
    let mut offset = 0;
    for block in src.split("\n\n") {
        let start = offset;
        offset += block.len() + 2;
        let trimmed = block.trim_matches('\n');
        if trimmed.is_empty() {
            continue;
        }
        let start = start + block.find(trimmed).unwrap_or(0);
        let end = start + trimmed.len();
        let hashes = trimmed.bytes().take_while(|&b| b == b'#').count();
        let tag = if hashes > 0 {
            Tag::Heading {
                level: hashes as u8,
                id: String::new(),
                classes: Vec::new(),
            }
        } else {
            Tag::Paragraph
        };
        out.push(Spanned::new(Ev::Start(tag.clone()), start..end));
        let mut line_start = start;
        for (n, line) in trimmed.split('\n').enumerate() {
            if n > 0 {
                out.push(Spanned::new(Ev::SoftBreak, line_start - 1..line_start));
            }
            let skip = if n == 0 && hashes > 0 { hashes + 1 } else { 0 };
            let a = line_start + skip;
            let b = line_start + line.len();
            out.push(Spanned::new(Ev::Text(src[a..b].to_string()), a..b));
            line_start = b + 1;
        }
        out.push(Spanned::new(Ev::End(tag), start..end));
    }
    out
}

#[test]
fn the_article() {
    let Ok(src) = std::fs::read_to_string("/work/main/book/article.md") else {
        eprintln!("article not found; skipped");
        return;
    };
    let evs = article_events(&src);
    let fixes = lint(&evs, &H);
    for f in &fixes {
        assert_eq!(&src[f.span.clone()], f.from, "{f:?}");
    }
    let count = |to: &str| fixes.iter().filter(|f| f.to == to).count();
    let (commas, colons, questions) = (count("，"), count("："), count("？"));
    let (open, close) = (count("（"), count("）"));
    eprintln!(
        "article: {} fixes: {commas} ， + {colons} ： + {questions} ？ + {open} （ + {close} ）",
        fixes.len()
    );
    assert_eq!((commas, colons, questions, open, close), (92, 17, 8, 2, 2));
    assert_eq!(fixes.len(), 121);
    assert!(fixes.iter().all(|f| f.kind == "punctuation"));

    let out = typeset(evs, &H);
    let text: String = out
        .iter()
        .map(|e| match &e.ev {
            Ev::Text(t) | Ev::NoBreak(t) | Ev::Tcy(t) | Ev::Code(t) => t.as_str(),
            Ev::End(_) => "\n",
            _ => "",
        })
        .collect();
    let chars: Vec<char> = text.chars().collect();
    for (k, w) in chars.windows(2).enumerate() {
        let han = |c: char| ('\u{4E00}'..='\u{9FFF}').contains(&c);
        let ascii = |c: char| matches!(c, ',' | ':' | '?' | ';' | '!' | '(' | ')');
        assert!(
            !(ascii(w[0]) && han(w[1]) || han(w[0]) && ascii(w[1])),
            "ASCII mark next to Han at char {k}: {}",
            chars[k.saturating_sub(10)..(k + 10).min(chars.len())]
                .iter()
                .collect::<String>()
        );
    }
    assert!(!text.contains([',', ':', '?']), "an ASCII mark is left");
    for intact in [
        "post-training",
        "tuixue.online",
        "GPT-4o",
        "WhynotTV Podcast",
        "2020 年",
    ] {
        assert!(text.contains(intact), "{intact} changed");
    }
    assert!(text.contains("翁家翌：OpenAI"));
    assert!(text.contains("來源：WhynotTV Podcast"));
    assert!(text.contains("John Schulman（張書曼），"));
    assert_eq!(
        out.iter()
            .filter(|e| matches!(e.ev, Ev::NoBreak(_)))
            .count(),
        src.matches("——").count()
    );

    // vertical: the same punctuation, plus tcy
    let vout = typeset(article_events(&src), &V);
    let tcy: Vec<&str> = vout
        .iter()
        .filter_map(|e| {
            if let Ev::Tcy(t) = &e.ev {
                Some(t.as_str())
            } else {
                None
            }
        })
        .collect();
    eprintln!("article, vertical tcy: {tcy:?}");
    assert!(tcy.contains(&"RL") && tcy.contains(&"GPT") && !tcy.contains(&"2020"));
}

/// `cargo test --release -- --ignored --nocapture perf` : a ~20 MB chapter.
#[test]
#[ignore]
fn perf() {
    let src = std::fs::read_to_string("/work/main/book/article.md")
        .unwrap_or_else(|_| "中文,English\n".repeat(100));
    let one = article_events(&src);
    let one_bytes: usize = one
        .iter()
        .map(|e| if let Ev::Text(t) = &e.ev { t.len() } else { 0 })
        .sum();
    let mut evs = Vec::new();
    while evs.len() / one.len() * one_bytes < 20_000_000 {
        evs.extend(one.iter().cloned());
    }
    let bytes = evs.len() / one.len() * one_bytes;
    // a Chinese book with full-width punctuation already and no dashes: the fast path
    let clean: Vec<Spanned> = evs
        .iter()
        .map(|e| match &e.ev {
            Ev::Text(t) => Spanned::new(
                Ev::Text(
                    t.replace([',', ':', '?', '(', ')'], "，")
                        .replace('—', "－"),
                ),
                e.span.clone(),
            ),
            _ => e.clone(),
        })
        .collect();
    for (name, input) in [("article xN", evs), ("clean", clean)] {
        for opts in [H, V] {
            let t = std::time::Instant::now();
            let edits = engine::analyze(&input, &opts);
            let analyze = t.elapsed();
            let copy = input.clone();
            let t = std::time::Instant::now();
            let out = typeset(copy, &opts);
            let total = t.elapsed();
            let t = std::time::Instant::now();
            let again = input.clone();
            let clone = t.elapsed();
            drop(again);
            // the same text as a book of article-sized chapters
            let chapters: Vec<Vec<Spanned>> = input.chunks(one.len()).map(|c| c.to_vec()).collect();
            let t = std::time::Instant::now();
            let outs: Vec<Vec<Spanned>> = chapters.into_iter().map(|c| typeset(c, &opts)).collect();
            let book = t.elapsed();
            let n: usize = outs.iter().map(Vec::len).sum();
            assert_eq!(n, out.len());
            eprintln!(
                "{name:10} vertical={:5}: {bytes} text bytes, {} events, {} edits: one chapter: analyze {analyze:?}, typeset {total:?} (a clone takes {clone:?}); {} chapters: {book:?}",
                opts.vertical,
                out.len(),
                edits.len(),
                input.len() / one.len(),
            );
        }
    }
}

/// Typeset Markdown through (a copy of) hanpub's real parser.
fn md(src: &str, opts: &TypesetOptions) -> (String, Vec<Fix>) {
    let evs = crate::parse::parse(src, 0);
    let fixes = lint(&evs, opts);
    for f in &fixes {
        if f.kind == "punctuation" && src.get(f.span.clone()) != Some(f.from.as_str()) {
            // only allowed when the text is not the source byte for byte (escapes, entities)
            let whole = evs.iter().any(|e| {
                e.span == f.span && matches!(&e.ev, Ev::Text(t) if t.len() != e.span.len())
            });
            assert!(whole, "{f:?}");
        }
    }
    (show(&typeset(evs, opts)), fixes)
}

#[test]
fn real_parser_events() {
    let cases: &[(&str, &str)] = &[
        ("**翁家翌**:OpenAI", "翁家翌：OpenAI"),
        ("# 翁家翌:OpenAI 每一個模型", "翁家翌：OpenAI 每一個模型"),
        (
            "來源: [WhynotTV](https://x.y/a,b) Podcast",
            "來源：WhynotTV Podcast",
        ),
        (
            "見 <https://x.y/a,b?c=1:2>,謝謝",
            "見 https://x.y/a,b?c=1:2，謝謝",
        ),
        (
            "這是一段\n被折行的\n中文, 還有 English\nwords 在內。",
            "這是一段被折行的中文，還有 English words 在內。",
        ),
        ("用 `a, b` 之後,就好", "用 `a, b` 之後，就好"),
        ("*強調*,然後", "強調，然後"),
        ("中文[^1],後面\n\n[^1]: 註解:內容", "中文，後面|註解：內容"),
        (
            "- 項目一:說明\n- item two: text",
            "項目一：說明item two: text",
        ),
        (
            "| 欄 | 值 |\n|---|---|\n| 時間 | 10:30,下午 |",
            "欄值時間10:30，下午",
        ),
        ("```\n中文,中文\n```\n\n中文,中文", "中文,中文\n中文，中文"),
        // raw inline code elements are code: their text as written, escaped once
        (
            "設定 <code>中文,逗號(括號)</code>,按 <KBD>Ctrl+,</KBD> 與 <samp class=\"x\">a &lt; b,\nc</samp>,好",
            "設定 <code>中文,逗號(括號)</code>，按 <KBD>Ctrl+,</KBD> 與 <samp class=\"x\">a &lt; b,\nc</samp>，好",
        ),
        // …not when they hold markup, or are not closed
        ("<kbd>**中,文**</kbd>,好", "<kbd>中，文</kbd>，好"),
        ("<code>中,文 而已", "<code>中，文 而已"),
    ];
    for (input, want) in cases {
        assert_eq!(md(input, &H).0, *want, "input: {input:?}");
    }
    // an escaped comma: the text is not the source byte for byte, the fix spans the event
    let (out, fixes) = md("中文\\,中文", &H);
    assert_eq!(out, "中文，中文");
    assert_eq!(fixes.len(), 1);
    // soft-break fixes point at the line break
    let src = "第一行\n第二行";
    let (_, fixes) = md(src, &H);
    assert_eq!(fixes.len(), 1);
    assert_eq!(
        (fixes[0].kind, &src[fixes[0].span.clone()]),
        ("soft-break", "\n")
    );
}

#[test]
fn the_article_through_the_parser() {
    let Ok(src) = std::fs::read_to_string("/work/main/book/article.md") else {
        return;
    };
    let (out, fixes) = md(&src, &H);
    let punct = fixes.iter().filter(|f| f.kind == "punctuation").count();
    assert_eq!(punct, 121);
    // the same fixes, spans and all, as with the hand-made events
    assert_eq!(fixes, lint(&article_events(&src), &H));
    if let Some(k) = out.find([',', ':', '?', '(', ')']) {
        panic!("ASCII mark left: {}", &out[k..(k + 40).min(out.len())]);
    }
    let (vout, _) = md(&src, &V);
    assert!(vout.contains("[tcy=GPT]系列") && vout.contains("2020 年"));
}

/// Random inputs from an alphabet of the characters that matter: no panics, spans inside the
/// source, lint agrees with typeset, typeset is idempotent.
#[test]
fn random_inputs() {
    const ALPHABET: &[&str] = &[
        "中",
        "文",
        "。",
        "「",
        "」",
        "，",
        "a",
        "B",
        "GPT",
        "1",
        "42",
        "2020",
        ".",
        ",",
        ":",
        ";",
        "?",
        "!",
        "(",
        ")",
        " ",
        "\n",
        "**",
        "`",
        "|",
        "—",
        "——",
        "…",
        "……",
        "“",
        "”",
        "https://",
        "-",
        "/",
        "é",
        "{字|ㄗˋ}",
        "「",
        "』",
        "。」",
        "——",
    ];
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..5000 {
        let n = (next() % 24) as usize;
        let s: String = (0..n)
            .map(|_| ALPHABET[(next() % ALPHABET.len() as u64) as usize])
            .collect();
        for opts in [H, V, OFF] {
            let evs = build(&s);
            let fixes = lint(&evs, &opts);
            for f in &fixes {
                assert!(f.span.end <= s.len(), "{s:?} {f:?}");
                if f.kind == "punctuation" {
                    assert_eq!(&s[f.span.clone()], f.from, "{s:?}");
                }
            }
            let once = typeset(evs.clone(), &opts);
            for e in &once {
                assert!(e.span.end <= s.len(), "{s:?} {e:?}");
                if let Ev::Text(t) | Ev::Tcy(t) | Ev::NoBreak(t) = &e.ev {
                    assert!(!t.is_empty(), "{s:?}");
                }
            }
            // with nothing to fix, typeset is the identity
            if fixes.is_empty() && !evs.iter().any(|e| e.ev == Ev::SoftBreak) {
                let layout_only = once
                    .iter()
                    .any(|e| matches!(e.ev, Ev::Tcy(_) | Ev::NoBreak(_) | Ev::Ruby { .. }));
                if !layout_only {
                    assert_eq!(once, evs, "{s:?}");
                }
            }
            let twice = typeset(once.clone(), &opts);
            assert_eq!(twice, once, "not idempotent: {s:?} {opts:?}");
            let done = finish(once.clone());
            assert_eq!(
                finish(typeset(done.clone(), &opts)),
                done,
                "finish not idempotent: {s:?} {opts:?}"
            );
        }
    }
}

fn fin(input: &str, opts: &TypesetOptions) -> String {
    show(&finish(typeset(build(input), opts)))
}

/// Emphasis events from `*…*` (the tiny markup of `build` has only strong).
fn em(before: &str, inner: &str, after: &str) -> Vec<Spanned> {
    let mut v = vec![Spanned::new(Ev::Start(Tag::Paragraph), 0..0)];
    for (t, tag) in [(before, None), (inner, Some(Tag::Emphasis)), (after, None)] {
        if let Some(tag) = &tag {
            v.push(Spanned::new(Ev::Start(tag.clone()), 0..0));
        }
        if !t.is_empty() {
            v.push(Spanned::new(Ev::Text(t.into()), 0..0));
        }
        if let Some(tag) = tag {
            v.push(Spanned::new(Ev::End(tag), 0..0));
        }
    }
    v.push(Spanned::new(Ev::End(Tag::Paragraph), 0..0));
    v
}

#[test]
fn finish_table() {
    let cases: &[(&str, &str)] = &[
        // compression: the second mark when it opens, else the first; two stops stay
        (
            "他說:「我想打破資訊差。」然後",
            "他說：[halt=「]我想打破資訊差[halt=。]」然{wj}後",
        ),
        (
            "「投資未來」、「開源」(open source),是",
            "「投資未來[halt=」]、[halt=「]開源」[halt=（]open{¼}source[halt=）]，{wj}是",
        ),
        (
            "『賣鏟子的人』」,以及「好』。」",
            "『賣鏟子的人[halt=』][halt=」]，以及「{wj}好[halt=』][halt=。]」",
        ),
        ("真的嗎?!「好」", "真的嗎？！[halt=「]{wj}好」"),
        // marks adjacent across inline tags
        ("**「好」**。", "「{wj}好[halt=」]。"),
        // a space between marks: not adjacent
        ("好」 「好", "好」 「{wj}好"),
        // Han–Latin spaces become a fixed quarter em; Latin–Latin ones stay
        ("當時的 RLlib「太複雜」", "當時的{¼}RLlib「太複{wj}雜」"),
        (
            "用 Python 寫,`code` 之後 2020 年",
            "用{¼}Python{¼}寫，`code`{¼}之後{¼}2020{¼}{wj}年",
        ),
        ("見 **OpenAI** 公司", "見{¼}OpenAI{¼}公{wj}司"),
        ("open source 的", "open source{¼}{wj}的"),
        // …and so do word spaces of a Latin phrase between Han text or marks
        ("他說 Hello world 然後", "他說{¼}Hello{¼}world{¼}然{wj}後"),
        // …each of them, up to six words (a run of spaces is one space)
        (
            "使用 Visual Studio Code 開發",
            "使用{¼}Visual{¼}Studio{¼}Code{¼}開{wj}發",
        ),
        (
            "採用 CC BY-NC-SA  4.0 授權",
            "採用{¼}CC{¼}BY-NC-SA{¼}4.0{¼}授{wj}權",
        ),
        (
            "這是(open source software)的",
            "這是（open{¼}source{¼}software）{wj}的",
        ),
        ("中文 a b", "中文{¼}a b"),
        ("他說 Hello, world 然後", "他說{¼}Hello,{¼}world{¼}然{wj}後"),
        // …but a passage of more than six words is English text, justified on its spaces
        (
            "他說 This is a sentence of seven words, then more 然後",
            "他說{¼}This is a sentence of seven words, then more{¼}然{wj}後",
        ),
        // an apostrophe between Latin letters is proportional; a closing quote is not one
        ("他說 I’m here 然後", "他說{¼}I[apos=’]m{¼}here{¼}然{wj}後"),
        ("「HTML’s」與‘引號’", "「HTML[apos=’]s」與‘引{wj}號’"),
        // URLs in text, never their insides
        (
            "網址是 https://x.org/a,b 這種",
            "網址是{¼}[url=https://x.org/a,b]{¼}這{wj}種",
        ),
        // the end of a paragraph: the last Han character bound to the one before
        ("這是最後一段的結尾。", "這是最後一段的結{wj}尾。"),
        ("一段結尾**強調**字。」", "一段結尾強調{wj}字[halt=。]」"),
        ("一段 Python 字。", "一段{¼}Python{¼}{wj}字。"),
        ("結尾是 English.", "結尾是{¼}English."),
        ("字", "字"),
        // —— never starts a line
        ("他停了一下——然後", "他停了一下[nb={wj}——]然{wj}後"),
        ("——開頭", "[nb=——]開{wj}頭"),
        // code is never touched
        ("`a, b` 與 `c`", "`a, b`{¼}與{¼}`c`"),
    ];
    for (input, want) in cases {
        assert_eq!(fin(input, &H), *want, "input: {input}");
    }
    // emphasis: Latin words in italics (no dots)
    let out = show(&finish(typeset(
        em("這件事", "OpenAI 的模型與 GPT-4o mini", "很好"),
        &H,
    )));
    assert_eq!(
        out,
        "這件事[latin=OpenAI]{¼}的模型與{¼}[latin=GPT-4o mini]很{wj}好"
    );
    // vertical: spaces beside tcy runs are gone before finish sees them
    assert_eq!(
        fin("第 4 集的 GPT 模型", &V),
        "第[tcy=4]集的[tcy=GPT]模{wj}型"
    );
}

#[test]
fn finish_headings_get_phrase_breaks() {
    let h = |t: &str| {
        let tag = Tag::Heading {
            level: 2,
            id: "h".into(),
            classes: vec![],
        };
        vec![
            Spanned::new(Ev::Start(tag.clone()), 0..0),
            Spanned::new(Ev::Text(t.into()), 0..t.len()),
            Spanned::new(Ev::End(tag), 0..0),
        ]
    };
    let out = finish(typeset(h("為什麼一個熱愛開源的工程師會加入閉源的公司"), &H));
    assert_eq!(
        show(&out),
        "為什麼‸一個‸熱愛‸開源的‸工程師會‸加入閉源的‸公司"
    );
    // no word joiner at a heading's end; finishing again changes nothing
    assert_eq!(finish(out.clone()), out);
    // a metadata line typeset as a heading
    let line = line("AI 產業動態 第 4 集", &V);
    assert_eq!(show(&line), "[tcy=AI]產業‸動態 第[tcy=4]集");
}

#[test]
fn finish_is_idempotent_and_leaves_plain_text_alone() {
    for s in [
        "他說:「我想打破資訊差。」然後",
        "當時的 RLlib「太複雜」",
        "網址是 https://x.org/a,b 這種",
        "他停了一下——然後",
        "讀{漢字|かんじ}與{注音|ㄓㄨˋ|ㄧㄣ} Python。",
    ] {
        for opts in [H, V] {
            let once = finish(typeset(build(s), &opts));
            assert_eq!(finish(typeset(once.clone(), &opts)), once, "{s}");
        }
    }
    let plain = build("Hello world");
    assert_eq!(finish(plain.clone()), plain);
}

#[test]
fn ruby_is_split_out_and_stays_whole() {
    assert_eq!(
        run("讀{漢字|かんじ},與{注音|ㄓㄨˋ|ㄧㄣ}", &H),
        "讀{漢字|かんじ}，與{注音|ㄓㄨˋ|ㄧㄣ}"
    );
    // never in code; a URL's braces stay
    assert_eq!(run("`{a|b}` 與 {x | y}", &H), "`{a|b}` 與 {x | y}");
    assert_eq!(
        run("見 https://x.org/{a|b} 處", &H),
        "見 https://x.org/{a|b} 處"
    );
    // an escaped brace opens nothing (through the real parser)
    assert_eq!(md("讀\\{漢字|かんじ}", &H).0, "讀{漢字|かんじ}");
    assert!(
        !typeset(crate::parse::parse("讀\\{漢字|かんじ}", 0), &H)
            .iter()
            .any(|e| matches!(e.ev, Ev::Ruby { .. }))
    );
    // exact spans
    let out = typeset(para("讀{字|ㄗˋ}"), &H);
    assert_eq!(out[2].span, 3..14);
}

/// A paragraph of English, and only such a paragraph, is marked `lang="en"`.
#[test]
fn english_blocks() {
    let english = |s: &str| is_english_block(&finish(typeset(build(s), &H)));
    // more than six words, ASCII letters, English punctuation and inline code
    assert!(english("An English sentence wrapped in the source."));
    assert!(english(
        "It’s the browser’s job — “mostly” — to fetch `img` and more…"
    ));
    assert!(english(
        "Access-Control-Allow-Origin is a header the server sends back"
    ));
    // a phrase is part of the Chinese sentence around it
    assert!(!english(
        "Application Programming Interface, also called API"
    ));
    // Chinese, a full-width mark, or a letter outside ASCII: the book's language
    assert!(!english(
        "The goal is to unify fetching across the 網頁 platform"
    ));
    assert!(!english(
        "The goal is to unify fetching across the web platform。"
    ));
    assert!(!english("Wǒ men yī qǐ qù xué xiào ba hǎo ma"));
    assert!(!english("Le café est très bon dans cette petite ville"));
    // digits and symbols are no words, nor are a URL's or code's letters
    assert!(!english("1 2 3 4 5 6 7 8 9 10 + - * /"));
    assert!(!english("https://www.youtube.com/watch?v=dQw4w9WgXcQ"));
    assert!(!english("See `one two three four five six seven`"));
}
