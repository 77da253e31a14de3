//! Word search over code titles, shared by every code system: a title matching more of the words
//! ranks first, then one matching them as whole words, then the shorter (more specific) title.

use std::cmp::Reverse;

/// A parsed search text.
pub struct Query {
    words: Vec<String>,
    /// The text as a code prefix (`E11.` -> `E11`), when it is a single token.
    code_prefix: Option<String>,
}

/// Lower sorts first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Score {
    missing_words: usize,
    not_code_match: bool,
    exact_words: Reverse<usize>,
    title_words: usize,
    code_len: usize,
}

impl Score {
    /// How many words went unmatched, and whether the code itself did not match: results in
    /// the same tier are equally relevant, so callers may prefer billable codes within it.
    pub fn tier(&self) -> (usize, bool) {
        (self.missing_words, self.not_code_match)
    }
}

impl Query {
    pub fn new(text: &str) -> Query {
        let words: Vec<String> =
            text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect();
        let compact: String = text.trim().chars().filter(|c| *c != '.').collect::<String>().to_uppercase();
        let code_prefix =
            (!compact.is_empty() && compact.chars().all(|c| c.is_ascii_alphanumeric())).then_some(compact);
        Query { words, code_prefix }
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// How well a code and its title match; `None` when nothing matches.
    pub fn score(&self, code: &str, title: &str) -> Option<Score> {
        let code_match = self.code_prefix.as_deref().is_some_and(|p| code.starts_with(p));
        let lower = title.to_lowercase();
        let title_words: Vec<&str> = lower.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
        let matched = self.words.iter().filter(|q| title_words.iter().any(|t| t.starts_with(q.as_str()))).count();
        if matched == 0 && !code_match {
            return None;
        }
        let exact = self.words.iter().filter(|q| title_words.contains(&q.as_str())).count();
        Some(Score {
            missing_words: if code_match { 0 } else { self.words.len() - matched },
            not_code_match: !code_match,
            exact_words: Reverse(exact),
            title_words: title_words.len(),
            code_len: code.len(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_title_with_all_words_beats_one_with_some() {
        let q = Query::new("knee pain");
        let both = q.score("M25561", "Pain in right knee").unwrap();
        let one = q.score("M79604", "Pain in right leg").unwrap();
        assert!(both < one);
        assert!(q.score("A00", "Cholera").is_none());
    }

    #[test]
    fn a_code_prefix_matches_codes() {
        let q = Query::new("E11.");
        assert!(q.score("E119", "Type 2 diabetes mellitus without complications").is_some());
    }
}
