//! Text from input files, handled without panics and printed without surprises.
//!
//! Input text is UTF-8 of any kind: a diagnosis code typed as `J0é9` or a date `1945-01-0é` has a
//! two-byte character where an ASCII one was expected, so cutting it at a byte index can land
//! inside a character (and `&s[..3]` panics). Every cut of input text goes through [`head`] or
//! [`split_at`], which answer `None` instead.
//!
//! File names and other text printed to a terminal can hold control characters, and an escape
//! sequence in a file name can rewrite the screen; [`printable`] escapes them.

use std::borrow::Cow;

/// The first `n` bytes of `s`, or `None` when `s` is shorter or byte `n` is inside a character.
pub fn head(s: &str, n: usize) -> Option<&str> {
    s.get(..n)
}

/// `s` cut in two at byte `n`, or `None` when `n` is past the end or inside a character.
pub fn split_at(s: &str, n: usize) -> Option<(&str, &str)> {
    s.split_at_checked(n)
}

/// `s` with every control character (C0, DEL and C1: escape sequences, carriage returns, bells)
/// written as `\u{1b}`; borrowed when there is none.
pub fn printable(s: &str) -> Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c.is_control() {
            out.push_str(&c.escape_unicode().to_string());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A path as [`printable`] text.
pub fn path(p: &std::path::Path) -> String {
    printable(&p.display().to_string()).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_inside_a_character_are_refused_not_panicked() {
        assert_eq!(head("J0é9", 3), None);
        assert_eq!(head("J09", 3), Some("J09"));
        assert_eq!(head("J0", 3), None);
        assert_eq!(split_at("1945-01-0é", 10), None);
        assert_eq!(split_at("E119", 3), Some(("E11", "9")));
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(printable("in/a.835"), "in/a.835");
        assert_eq!(printable("in/\u{1b}[2Jx.835"), "in/\\u{1b}[2Jx.835");
        assert_eq!(printable("a\rb\u{9b}c"), "a\\u{d}b\\u{9b}c");
        assert_eq!(printable("José"), "José");
    }
}
