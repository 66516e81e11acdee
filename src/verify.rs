//! Checking a built EPUB.
