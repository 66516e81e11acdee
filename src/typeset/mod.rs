//! CJK typesetting on text nodes (placeholder until the real stage lands).
use crate::model::Spanned;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypesetOptions {
    pub punctuation: bool,
    pub vertical: bool,
}
impl Default for TypesetOptions {
    fn default() -> Self {
        TypesetOptions {
            punctuation: true,
            vertical: false,
        }
    }
}
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    pub span: std::ops::Range<usize>,
    pub from: String,
    pub to: String,
    pub kind: &'static str,
}
pub fn typeset(events: Vec<Spanned>, _opts: &TypesetOptions) -> Vec<Spanned> {
    events
}
pub fn lint(_events: &[Spanned], _opts: &TypesetOptions) -> Vec<Fix> {
    Vec::new()
}
