//! Errors for people. Every stage reports problems in the user's files as `Diagnostic`s: a
//! relative path, a line and a column, the offending line quoted with a caret, what is wrong
//! and what would be right. Stages collect them (every broken link in one run) into
//! `Diagnostics`, which sorts them and prints them together with a count. Problems outside the
//! user's files (unreadable folder, output not writable, port taken) are `Fatal` and end the run
//! with exit code 2.

use std::borrow::Cow;
use std::fmt::{self, Write as _};

/// How bad a diagnostic is: errors stop the build, warnings are reported (and fail `check --strict`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Severity {
    Error,
    Warning,
}

/// One located problem in a user's file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub(crate) struct Diagnostic {
    pub(crate) severity: Severity,
    /// Path relative to the site root, with `/` separators.
    pub(crate) file: String,
    /// 1-based line; 0 when the problem concerns the whole file.
    pub(crate) line: usize,
    /// 1-based column, counted in characters.
    pub(crate) column: usize,
    pub(crate) message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) help: Option<String>,
    /// The quoted source line, when there is one.
    #[serde(skip)]
    pub(crate) source_line: Option<String>,
    /// How many characters the caret underlines.
    #[serde(skip)]
    pub(crate) width: usize,
    /// The character of the line that the quote starts at (0 unless a very long line is
    /// quoted only around the problem, after a `…`).
    #[serde(skip)]
    pub(crate) quote_start: usize,
}

/// Lines longer than this (in bytes) are quoted only around the problem, `QUOTE_AROUND`
/// characters either side: a whole paragraph on one line is shown, a megabyte is not (and
/// copying it into every diagnostic of the line would make a build quadratic).
const LONG_LINE: usize = 1000;
const QUOTE_AROUND: usize = 120;

impl Diagnostic {
    /// A problem about a whole file (no position).
    pub(crate) fn file(file: &str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            file: file.to_string(),
            line: 0,
            column: 0,
            message: message.into(),
            help: None,
            source_line: None,
            width: 1,
            quote_start: 0,
        }
    }

    /// A problem at byte `offset` of `text` (the whole file's text), underlining `len` bytes.
    pub(crate) fn at(
        file: &str,
        text: &str,
        offset: usize,
        len: usize,
        message: impl Into<String>,
    ) -> Self {
        Locator::new(file, text).at(offset, len, message)
    }

    pub(crate) fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub(crate) fn warning(mut self) -> Self {
        self.severity = Severity::Warning;
        self
    }

    fn sort_key(&self) -> (&str, usize, usize, Severity, &str) {
        (
            &self.file,
            self.line,
            self.column,
            self.severity,
            &self.message,
        )
    }
}

/// Locates problems in one file's text: the line, column and quoted line of a byte offset.
/// Offsets asked in increasing order (as a renderer meets them) are found by scanning on from
/// the previous one, so that thousands of links on one long line cost no more than the line.
pub(crate) struct Locator<'a> {
    file: &'a str,
    text: &'a str,
    /// The last offset located, its line and column (1-based, the column in characters), and
    /// where its line starts and ends.
    offset: usize,
    line: usize,
    column: usize,
    line_start: usize,
    line_end: usize,
}

impl<'a> Locator<'a> {
    pub(crate) fn new(file: &'a str, text: &'a str) -> Self {
        Locator {
            file,
            text,
            offset: 0,
            line: 1,
            column: 1,
            line_start: 0,
            line_end: text.find('\n').unwrap_or(text.len()),
        }
    }

    /// A problem at byte `offset`, underlining `len` bytes.
    pub(crate) fn at(
        &mut self,
        offset: usize,
        len: usize,
        message: impl Into<String>,
    ) -> Diagnostic {
        let text = self.text;
        let offset = floor_char_boundary(text, offset.min(text.len()));
        if offset < self.offset {
            *self = Locator::new(self.file, text);
        }
        if offset > self.line_end {
            // A later line: what lies between starts with the end of the current one.
            let between = &text[self.line_end..offset];
            self.line += between.bytes().filter(|&b| b == b'\n').count();
            self.line_start = self.line_end + between.rfind('\n').map_or(0, |i| i + 1);
            self.line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
            self.column = text[self.line_start..offset].chars().count() + 1;
        } else {
            self.column += text[self.offset..offset].chars().count();
        }
        self.offset = offset;
        let end = floor_char_boundary(text, (offset + len.max(1)).min(self.line_end));
        let width = text[offset..end].chars().count().max(1);
        let line_text = text[self.line_start..self.line_end].trim_end_matches('\r');
        let (quote, quote_start) = if line_text.len() <= LONG_LINE {
            (line_text.to_string(), 0)
        } else {
            let at = offset - self.line_start;
            let from = line_text[..at]
                .char_indices()
                .rev()
                .nth(QUOTE_AROUND - 1)
                .map_or(0, |(i, _)| i);
            let after = (end - self.line_start).min(line_text.len());
            let to = line_text[after..]
                .char_indices()
                .nth(QUOTE_AROUND)
                .map_or(line_text.len(), |(i, _)| after + i);
            // Counted back from the column, not from the start of the line.
            let cut = self.column - 1 - line_text[from..at].chars().count();
            let lead = if from > 0 { "…" } else { "" };
            let tail = if to < line_text.len() { "…" } else { "" };
            (
                format!("{lead}{}{tail}", &line_text[from..to]),
                cut.saturating_sub(1),
            )
        };
        Diagnostic {
            severity: Severity::Error,
            file: self.file.to_string(),
            line: self.line,
            column: self.column,
            message: message.into(),
            help: None,
            source_line: Some(quote),
            width,
            quote_start,
        }
    }
}

/// Byte offset of a 1-based line and character column in `text` (clamped to the text).
pub(crate) fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let mut start = 0;
    for _ in 1..line.max(1) {
        match text[start..].find('\n') {
            Some(i) => start += i + 1,
            None => return text.len(),
        }
    }
    let line_text = &text[start..text[start..].find('\n').map_or(text.len(), |i| start + i)];
    start
        + line_text
            .char_indices()
            .nth(column.saturating_sub(1))
            .map_or(line_text.len(), |(i, _)| i)
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Text from the user's files as a terminal may show it: control characters (an escape
/// sequence can recolour, retitle or rewrite the terminal; a carriage return hides what came
/// before it) and the invisible marks that reorder text are written out as `\x1b` or
/// `\u{9b}`. Line breaks and tabs stay.
pub(crate) fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        push_printable(&mut out, c);
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn push_printable(out: &mut String, c: char) {
    if !needs_escape(c) {
        out.push(c);
    } else if (c as u32) < 0x80 {
        let _ = write!(out, "\\x{:02x}", c as u32);
    } else {
        let _ = write!(out, "\\u{{{:x}}}", c as u32);
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let (file, message) = (printable(&self.file), printable(&self.message));
        if self.line == 0 {
            writeln!(f, "{label}: {file}: {message}")?;
        } else {
            writeln!(
                f,
                "{label}: {file}:{}:{}: {message}",
                self.line, self.column
            )?;
        }
        if let Some(source) = &self.source_line {
            let number = self.line.to_string();
            let pad = " ".repeat(number.len());
            // The caret is placed in what is shown, where one character may take several.
            let chars: Vec<char> = source
                .chars()
                .map(|c| if c == '\t' { ' ' } else { c })
                .collect();
            let shown: String = printable(&chars.iter().collect::<String>()).into_owned();
            let width = |cs: &[char]| printable(&cs.iter().collect::<String>()).chars().count();
            let start = self
                .column
                .saturating_sub(1)
                .saturating_sub(self.quote_start);
            let (s, e) = (
                start.min(chars.len()),
                (start + self.width).min(chars.len()),
            );
            let before = width(&chars[..s]) + (start - s);
            let under = width(&chars[s..e]) + (start + self.width).saturating_sub(e.max(start));
            writeln!(f, "{pad} |")?;
            writeln!(f, "{number} | {shown}")?;
            writeln!(
                f,
                "{pad} | {}{}",
                " ".repeat(before),
                "^".repeat(under.max(1))
            )?;
        }
        if let Some(help) = &self.help {
            writeln!(f, "  = help: {}", printable(help))?;
        }
        Ok(())
    }
}

/// The problems a run found, in the order they are printed.
#[derive(Debug, Default, Clone)]
pub(crate) struct Diagnostics(Vec<Diagnostic>);

impl Diagnostics {
    pub(crate) fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }

    pub(crate) fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }

    pub(crate) fn has_errors(&self) -> bool {
        self.0.iter().any(|d| d.severity == Severity::Error)
    }

    pub(crate) fn count(&self, severity: Severity) -> usize {
        self.0.iter().filter(|d| d.severity == severity).count()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Sorted by file, position and message, without repeats.
    pub(crate) fn sorted(mut self) -> Vec<Diagnostic> {
        self.0.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        self.0.dedup();
        self.0
    }

    /// Every diagnostic, sorted, followed by a one-line count. A problem found twice (a page
    /// rendered once per language) is printed and counted once.
    pub(crate) fn render(self) -> String {
        let sorted = self.sorted();
        let count = |severity| sorted.iter().filter(|d| d.severity == severity).count();
        let (errors, warnings) = (count(Severity::Error), count(Severity::Warning));
        let mut out = String::new();
        for d in &sorted {
            let _ = writeln!(out, "{d}");
        }
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        match (errors, warnings) {
            (0, 0) => {}
            (0, w) => {
                let _ = writeln!(out, "{}", plural(w, "warning"));
            }
            (e, 0) => {
                let _ = writeln!(out, "{}: nothing was written", plural(e, "error"));
            }
            (e, w) => {
                let _ = writeln!(
                    out,
                    "{}, {}: nothing was written",
                    plural(e, "error"),
                    plural(w, "warning")
                );
            }
        }
        out
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Self {
        Diagnostics(vec![d])
    }
}

/// A problem that is not in the user's content: it ends the run with exit code 2.
#[derive(Debug)]
pub(crate) struct Fatal(pub String);

impl fmt::Display for Fatal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: {}", printable(&self.0))
    }
}

/// Why a build produced nothing.
#[derive(Debug)]
pub(crate) enum Failure {
    /// Problems in the user's files: exit code 1.
    Content(Diagnostics),
    /// Problems with the environment: exit code 2.
    Fatal(Fatal),
}

impl From<Fatal> for Failure {
    fn from(f: Fatal) -> Self {
        Failure::Fatal(f)
    }
}

impl From<Diagnostics> for Failure {
    fn from(d: Diagnostics) -> Self {
        Failure::Content(d)
    }
}

/// "did you mean" for a misspelt name: the closest candidate within a small edit distance.
/// The distance allowed grows with the part of the names that differs, not with what they
/// share, so `steps/nope.md` does not suggest `steps/group.md`.
pub(crate) fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .filter(|c| *c != word)
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, c)| *d <= 2.max((c.chars().count() / 3).min(differing_len(word, c) / 2)))
        .min()
        .map(|(_, c)| c)
}

/// Length of `candidate` once the prefix and suffix it shares with `word` are set aside.
fn differing_len(word: &str, candidate: &str) -> usize {
    let (w, c): (Vec<char>, Vec<char>) = (word.chars().collect(), candidate.chars().collect());
    let prefix = w.iter().zip(&c).take_while(|(a, b)| a == b).count();
    let (w, c) = (&w[prefix..], &c[prefix..]);
    let suffix = w
        .iter()
        .rev()
        .zip(c.iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    c.len() - suffix
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caret_points_at_column() {
        let text = "+++\ntitle = 1\nadresses = []\n+++\n";
        let d = Diagnostic::at(
            "a.md",
            text,
            text.find("adresses").unwrap(),
            8,
            "unknown field",
        );
        assert_eq!((d.line, d.column), (3, 1));
        assert_eq!(
            d.to_string(),
            "error: a.md:3:1: unknown field\n  |\n3 | adresses = []\n  | ^^^^^^^^\n"
        );
    }

    #[test]
    fn control_characters_are_shown_escaped_and_the_caret_follows() {
        assert_eq!(
            printable("a\u{1b}[31mb\tc\nd\r\u{9b}\u{202e}"),
            "a\\x1b[31mb\tc\nd\\x0d\\u{9b}\\u{202e}"
        );
        assert!(matches!(printable("plain été"), Cow::Borrowed(_)));
        let text = "+++\ntitle = \"\u{1b}[1mX\" = y\n+++\n";
        let d = Diagnostic::at(
            "a\u{7}.md",
            text,
            text.find("= y").unwrap(),
            1,
            "bad \u{1b}",
        );
        assert_eq!(
            d.to_string(),
            "error: a\\x07.md:2:17: bad \\x1b\n  |\n2 | title = \"\\x1b[1mX\" = y\n  |                    ^\n"
        );
    }

    #[test]
    fn a_very_long_line_is_quoted_around_the_problem() {
        let text = format!("{}[bad]{}\n", "a".repeat(5000), "b".repeat(5000));
        let d = Diagnostic::at("a.md", &text, 5000, 5, "here");
        assert_eq!(d.column, 5001);
        let shown = d.to_string();
        let quote = format!("1 | …{}[bad]{}…\n", "a".repeat(120), "b".repeat(120));
        assert!(shown.contains(&quote), "{shown}");
        let caret = format!("  | {}^^^^^\n", " ".repeat(121));
        assert!(shown.ends_with(&caret), "{shown}");
    }

    #[test]
    fn a_locator_finds_what_a_fresh_diagnostic_finds() {
        let text = format!("é\r\nab\n\n{}x\ty\nlast", "long ".repeat(400));
        let offsets: Vec<usize> = (0..=text.len()).step_by(7).collect();
        let mut locate = Locator::new("a.md", &text);
        // In order, out of order and twice the same: always as if located alone.
        for &offset in offsets
            .iter()
            .chain(offsets.iter().rev())
            .chain([3, 3].iter())
        {
            let fresh = Locator::new("a.md", &text).at(offset, 3, "m");
            assert_eq!(locate.at(offset, 3, "m"), fresh, "offset {offset}");
            let by_scan = &text[..floor_char_boundary(&text, offset)];
            assert_eq!(fresh.line, by_scan.matches('\n').count() + 1);
            let line_start = by_scan.rfind('\n').map_or(0, |i| i + 1);
            assert_eq!(fresh.column, by_scan[line_start..].chars().count() + 1);
        }
    }

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(
            did_you_mean("adresses", ["addresses", "title"]),
            Some("addresses")
        );
        assert_eq!(did_you_mean("colour", ["title", "summary"]), None);
        assert_eq!(
            did_you_mean("steps/champio.md", ["steps/champion.md", "steps/group.md"]),
            Some("steps/champion.md")
        );
        assert_eq!(
            did_you_mean("steps/nope.md", ["steps/champion.md", "steps/group.md"]),
            None
        );
        assert_eq!(
            did_you_mean("budgte", ["budget", "support"]),
            Some("budget")
        );
        assert_eq!(did_you_mean("adresess", ["addresses"]), Some("addresses"));
        assert_eq!(did_you_mean("test-2021", ["test-2020"]), Some("test-2020"));
    }

    #[test]
    fn a_problem_found_twice_is_counted_once() {
        let mut ds = Diagnostics::default();
        let text = "+++\nslug = \"../x\"\n+++\n";
        for _ in 0..2 {
            ds.push(Diagnostic::at("a.md", text, 4, 4, "slug is not URL-safe"));
        }
        let out = ds.render();
        assert_eq!(out.matches("error: a.md:2:1").count(), 1);
        assert!(out.ends_with("\n1 error: nothing was written\n"), "{out}");
    }

    #[test]
    fn offsets_round_trip() {
        let text = "ab\nçdé\n";
        let off = offset_of(text, 2, 3);
        assert_eq!(&text[off..off + 2], "é");
    }
}
