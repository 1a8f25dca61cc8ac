//! Front matter: turns a `SourceFile`'s bytes into text (UTF-8, with or without BOM, LF or
//! CRLF), splits the TOML (`+++`) or YAML (`---`) block from the Markdown body, and
//! deserialises the block into whatever typed structure the caller names (see `kinds.rs`).
//! Every failure becomes a located `Diagnostic`, explained for an editor rather than a
//! programmer; unknown keys get a "did you mean". Which fields a page has is not decided here.

use serde::de::DeserializeOwned;

use crate::errors::{did_you_mean, Diagnostic};

/// `decode`, keeping the bytes read as the text when they are already what it would be
/// (UTF-8 without a byte-order mark or carriage returns, not blank): no copy.
pub(crate) fn decode_owned(rel: &str, bytes: Vec<u8>) -> Result<String, Diagnostic> {
    if bytes.starts_with(b"\xEF\xBB\xBF") || bytes.contains(&b'\r') {
        return decode(rel, &bytes);
    }
    match String::from_utf8(bytes) {
        Ok(text) if !text.trim().is_empty() => Ok(text),
        Ok(text) => decode(rel, text.as_bytes()),
        Err(e) => decode(rel, e.as_bytes()),
    }
}

/// Decodes a file's bytes: UTF-8 required, BOM dropped, CRLF turned into LF.
pub(crate) fn decode(rel: &str, bytes: &[u8]) -> Result<String, Diagnostic> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) if text.trim().is_empty() => Err(Diagnostic::file(rel, "the file is empty").help(
            "start it with front matter: a `+++` line, `title = \"…\"`, and a closing `+++` line",
        )),
        Ok(text) => Ok(if text.contains('\r') {
            text.replace("\r\n", "\n")
        } else {
            text.to_string()
        }),
        Err(e) => {
            let bad = e.valid_up_to();
            let line_start = bytes[..bad]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1);
            let line_end = bytes[bad..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(bytes.len(), |i| bad + i);
            let mut d = Diagnostic::file(
                rel,
                format!("the file is not valid UTF-8 (byte 0x{:02X})", bytes[bad]),
            );
            d.line = bytes[..bad].iter().filter(|&&b| b == b'\n').count() + 1;
            d.column = String::from_utf8_lossy(&bytes[line_start..bad])
                .chars()
                .count()
                + 1;
            // Quoted as the editor may show it: the undecodable bytes as `�`.
            d.source_line = Some(
                String::from_utf8_lossy(&bytes[line_start..line_end])
                    .trim_end_matches('\r')
                    .to_string(),
            );
            Err(d.help(
                "save the file with the UTF-8 encoding (most editors offer it in “Save as”); \
                 it was probably saved as Latin-1 or Windows-1252",
            ))
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Format {
    Toml,
    Yaml,
}

/// A file's text cut into its front matter and its body, with their byte offsets.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Split<'a> {
    pub(crate) format: Format,
    pub(crate) front: &'a str,
    pub(crate) front_offset: usize,
    pub(crate) body_offset: usize,
}

/// Finds the front matter block at the very start of `text`.
pub(crate) fn split<'a>(rel: &str, text: &'a str) -> Result<Split<'a>, Diagnostic> {
    let first_line = text.lines().next().unwrap_or("");
    let (format, fence) = match first_line.trim_end() {
        "+++" => (Format::Toml, "+++"),
        "---" => (Format::Yaml, "---"),
        _ => {
            return Err(Diagnostic::at(rel, text, 0, first_line.len(), "the file does not start with front matter")
                .help("put a `+++` line first, then `title = \"…\"` and the other fields, then a closing `+++` line"))
        }
    };
    let front_offset = first_line.len() + 1;
    let mut offset = front_offset;
    for line in text.get(front_offset..).unwrap_or("").split_inclusive('\n') {
        if line.trim_end() == fence {
            let body_offset = (offset + line.len()).min(text.len());
            return Ok(Split {
                format,
                front: &text[front_offset..offset],
                front_offset,
                body_offset,
            });
        }
        offset += line.len();
    }
    Err(Diagnostic::at(
        rel,
        text,
        0,
        3,
        "the front matter opened here is never closed",
    )
    .help(format!(
        "add a line with just `{fence}` after the last front matter field"
    )))
}

/// Deserialises a split front matter block into `T`. A field missing from the top level is
/// reported on the opening `+++` / `---` line: the block as a whole lacks it (the parsers point
/// at its first line, or at the closing fence when the block is empty).
pub(crate) fn parse<T: DeserializeOwned>(
    rel: &str,
    text: &str,
    split: &Split,
) -> Result<T, Diagnostic> {
    parse_block(rel, text, split).map_err(|d| {
        let closing_line = text[..split.body_offset].lines().count();
        let whole_block = (d.line == 2 && d.column == 1) || d.line >= closing_line;
        if d.message.starts_with("missing field ") && whole_block {
            let fence_len = text.lines().next().map_or(3, |l| l.trim_end().len());
            Diagnostic {
                help: d.help.clone(),
                ..Diagnostic::at(rel, text, 0, fence_len, d.message)
            }
        } else {
            d
        }
    })
}

fn parse_block<T: DeserializeOwned>(rel: &str, text: &str, split: &Split) -> Result<T, Diagnostic> {
    match split.format {
        Format::Toml => {
            toml::from_str(split.front).map_err(|e| toml_error(rel, text, split.front_offset, &e))
        }
        Format::Yaml => {
            if split.front.trim().is_empty() {
                // An empty YAML document is `null`; read it as an empty mapping so the missing
                // fields are named.
                return serde_saphyr::from_str("{}")
                    .map_err(|e| yaml_error(rel, text, split.front_offset, &e));
            }
            serde_saphyr::from_str(split.front)
                .map_err(|e| yaml_error(rel, text, split.front_offset, &e))
        }
    }
}

/// A TOML error as a diagnostic; `offset` is where the TOML starts in `text`.
pub(crate) fn toml_error(rel: &str, text: &str, offset: usize, e: &toml::de::Error) -> Diagnostic {
    let message = e.message().trim().to_string();
    let (start, len) = e
        .span()
        .map_or((offset, 1), |s| (offset + s.start, s.end - s.start));
    let (start, len) = refine_span(text, start, len, &message);
    explain(
        Diagnostic::at(rel, text, start, len, first_line(&message)),
        &message,
        Format::Toml,
    )
}

fn yaml_error(rel: &str, text: &str, offset: usize, e: &serde_saphyr::Error) -> Diagnostic {
    let mut inner = e;
    while let serde_saphyr::Error::WithSnippet { error, .. } = inner {
        inner = error;
    }
    // Speak serde's usual words for field errors, so they are explained like TOML's.
    let message = match inner {
        serde_saphyr::Error::SerdeUnknownField {
            field, expected, ..
        } => {
            let list: Vec<String> = expected.iter().map(|f| format!("`{f}`")).collect();
            format!(
                "unknown field `{field}`, expected one of {}",
                list.join(", ")
            )
        }
        serde_saphyr::Error::SerdeMissingField { field, .. } => format!("missing field `{field}`"),
        // The message alone: the library's `Display` adds its own location and snippet, and
        // we print ours.
        _ => {
            use serde_saphyr::MessageFormatter as _;
            serde_saphyr::UserMessageFormatter
                .format_message(inner)
                .trim()
                .to_string()
        }
    };
    let start = match e.location() {
        Some(loc) if loc.line() > 0 => {
            let front_line = text[..offset].matches('\n').count();
            crate::errors::offset_of(
                text,
                front_line + loc.line() as usize,
                loc.column() as usize,
            )
        }
        _ => offset,
    };
    // A tab in the indentation derails the parser, which then names some other place: point at
    // the tab. When the parser says it met a tab, any indentation tab of the block counts;
    // otherwise a line starting with a tab, up to the line of the error.
    let says_tab = message.contains("found a tab");
    let front_end = text[offset..]
        .find("\n---")
        .map_or(text.len(), |i| offset + i + 1);
    let search_end = if says_tab {
        front_end
    } else {
        text[start..].find('\n').map_or(text.len(), |i| start + i)
    };
    let mut line_start = offset;
    for line in text[offset..search_end.max(offset)].split_inclusive('\n') {
        let indent = &line[..line.len() - line.trim_start().len()];
        let tab = if says_tab {
            indent.find('\t')
        } else {
            indent.starts_with('\t').then_some(0)
        };
        if let Some(i) = tab {
            return Diagnostic::at(rel, text, line_start + i, 1, "a tab in YAML front matter").help(
                "YAML is indented with spaces, never tabs; top-level fields are not indented at all",
            );
        }
        line_start += line.len();
    }
    let (start, len) = refine_span(text, start, 1, &message);
    explain(
        Diagnostic::at(rel, text, start, len, first_line(&message)),
        &message,
        Format::Yaml,
    )
}

fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or(message).to_string()
}

/// Narrows a span to the key an "unknown field" message names.
fn refine_span(text: &str, start: usize, len: usize, message: &str) -> (usize, usize) {
    if let Some(field) = quoted_after(message, "unknown field ") {
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        if let Some(i) = text[line_start..].find(field.as_str()) {
            return (line_start + i, field.len());
        }
    }
    (start, len.max(1))
}

/// Adds what to do to a serde message: "did you mean" for an unknown field, the line to add for
/// a missing one, the expected type in plain words, the syntax for anything else.
fn explain(d: Diagnostic, message: &str, format: Format) -> Diagnostic {
    let mut d = d;
    if let Some(field) = quoted_after(message, "unknown field ") {
        let expected = expected_names(message);
        d.message = format!("unknown field `{field}`");
        if let Some(best) = did_you_mean(&field, expected.iter().map(String::as_str)) {
            d.message.push_str(&format!("; did you mean `{best}`?"));
        }
        return d.help(format!(
            "the fields allowed here are: {}",
            expected.join(", ")
        ));
    }
    if let Some(field) = quoted_after(message, "missing field ") {
        d.message = format!("missing field `{field}`");
        let line = match format {
            Format::Toml => format!("{field} = …"),
            Format::Yaml => format!("{field}: …"),
        };
        return d.help(format!("add a line `{line}`"));
    }
    if message.starts_with("duplicate key") {
        if let Some(key) = d.source_line.as_deref().and_then(|l| key_of(l, format)) {
            d.message = format!("duplicate key `{key}`");
        }
        return d.help("each field is written once: remove one of the two lines");
    }
    if let Some(expected) = expected_type(message) {
        let (plain, toml_example, yaml_example) = expected;
        d.message = match message
            .strip_prefix("invalid type: ")
            .and_then(|m| m.split_once(", expected "))
        {
            Some((found, _)) => format!("invalid type: {found}, expected {plain}"),
            None => format!("invalid type: expected {plain}"),
        };
        let key = d
            .source_line
            .as_deref()
            .and_then(|l| key_of(l, format))
            .map(str::to_string);
        return match key {
            Some(key) => {
                let example = match format {
                    Format::Toml => format!("{key} = {toml_example}"),
                    Format::Yaml => format!("{key}: {yaml_example}"),
                };
                d.help(format!("`{key}` takes {plain}, e.g. `{example}`"))
            }
            None => d,
        };
    }
    if format == Format::Toml && message.starts_with("string values must be quoted") {
        // `title = Lack of support`: show the line as it should be.
        d.message = "text must be in double quotes".to_string();
        let fixed = d.source_line.as_deref().and_then(|l| {
            let (key, value) = l.split_once('=')?;
            if value.contains(['"', '\\']) {
                return None;
            }
            Some(format!("{} = \"{}\"", key.trim(), value.trim()))
        });
        if let Some(fixed) = fixed {
            return d.help(format!("write `{fixed}`"));
        }
    }
    if format == Format::Toml && message.starts_with("invalid basic string") {
        return d.help("close the text with a `\"` on the same line");
    }
    if d.help.is_none() {
        return d.help(match format {
            Format::Toml => {
                "TOML is one `key = value` per line, text in double quotes: `title = \"…\"`"
            }
            Format::Yaml => {
                "YAML is one `key: value` per line; put text holding `: ` or ` #` in quotes: `title: \"…\"`"
            }
        });
    }
    d
}

/// The type a serde message asks for, in plain words, with an example value in TOML and YAML.
fn expected_type(message: &str) -> Option<(&'static str, &'static str, &'static str)> {
    let wanted = if let Some(m) = message.strip_prefix("invalid type: ") {
        m.rsplit_once(", expected ")?.1.trim()
    } else if let Some(t) = message.strip_prefix("invalid ") {
        t.trim() // YAML: `invalid i64`
    } else {
        message.strip_prefix("expected ")?.trim() // YAML: `expected string scalar`
    };
    let wanted = wanted
        .trim_start_matches("option ")
        .trim_start_matches("a ");
    let number = [
        "i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64", "usize", "isize",
    ];
    Some(if number.contains(&wanted) || wanted.contains("integer") {
        ("a whole number", "1", "1")
    } else if wanted.starts_with("string") {
        ("text", "\"…\"", "\"…\"")
    } else if wanted.starts_with("sequence") {
        ("a list", "[\"…\", \"…\"]", "[…, …]")
    } else if wanted.starts_with("bool") {
        ("true or false", "true", "true")
    } else if wanted.starts_with("map") {
        // Only the diagnostic's per-language fields (`label`, `slug`, `text`) take tables.
        (
            "one value per language",
            "{ fr = \"…\", en = \"…\" }",
            "{ fr: \"…\", en: \"…\" }",
        )
    } else {
        return None;
    })
}

/// The key a front matter line sets (`order = "two"` → `order`), if it is a plain key.
fn key_of(line: &str, format: Format) -> Option<&str> {
    let sep = match format {
        Format::Toml => '=',
        Format::Yaml => ':',
    };
    let key = line.split_once(sep)?.0.trim();
    (!key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'))
    .then_some(key)
}

fn quoted_after(message: &str, prefix: &str) -> Option<String> {
    let rest = &message[message.find(prefix)? + prefix.len()..];
    let rest = rest.strip_prefix('`')?;
    Some(rest[..rest.find('`')?].to_string())
}

fn expected_names(message: &str) -> Vec<String> {
    let Some(i) = message.find("expected") else {
        return Vec::new();
    };
    message[i..]
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// Byte offset in `text` of `needle` on the line of front matter key `key`, for locating
/// problems found after parsing (an unknown relation, a disagreeing field).
pub(crate) fn locate(text: &str, split: &Split, key: &str, needle: Option<&str>) -> (usize, usize) {
    let mut offset = split.front_offset;
    let mut key_at = None;
    for line in split.front.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let starts_key =
            trimmed.starts_with(key) && trimmed[key.len()..].trim_start().starts_with(['=', ':']);
        if starts_key && key_at.is_none() {
            key_at = Some(offset + line.len() - trimmed.len());
        }
        if let (Some(_), Some(needle)) = (key_at, needle) {
            if let Some(i) = line
                .find(&format!("\"{needle}\""))
                .or_else(|| line.find(needle))
            {
                let quoted = line[i..].starts_with('"');
                return (offset + i + usize::from(quoted), needle.len());
            }
        }
        offset += line.len();
    }
    match key_at {
        Some(at) => (at, key.len()),
        None => (0, text.lines().next().map_or(1, str::len)),
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::kinds::Kind;

    #[test]
    fn splits_toml_and_yaml() {
        let t = "+++\ntitle = \"A\"\n+++\nbody\n";
        let s = split("a", t).unwrap();
        assert_eq!(
            (s.format, s.front, &t[s.body_offset..]),
            (Format::Toml, "title = \"A\"\n", "body\n")
        );
        let y = "---\ntitle: A\n---\n";
        let s = split("a", y).unwrap();
        assert_eq!(
            (s.format, s.front, &y[s.body_offset..]),
            (Format::Yaml, "title: A\n", "")
        );
    }

    #[test]
    fn unknown_key_suggests() {
        let t = "+++\ntitle = \"A\"\nsummary = \"s\"\nadresses = []\n+++\n";
        let s = split("a.md", t).unwrap();
        let e = Kind::Step.parse("a.md", t, &s).unwrap_err();
        assert_eq!((e.line, e.column), (4, 1));
        assert_eq!(
            e.message,
            "unknown field `adresses`; did you mean `addresses`?"
        );
    }

    #[test]
    fn yaml_unknown_key_is_located() {
        let t = "---\ntitle: A\nsummary: s\nadresses: []\n---\n";
        let s = split("a.md", t).unwrap();
        let e = Kind::Step.parse("a.md", t, &s).unwrap_err();
        assert_eq!(
            e.message,
            "unknown field `adresses`; did you mean `addresses`?"
        );
        assert_eq!(e.line, 4);
    }

    #[test]
    fn missing_field_points_at_the_opening_fence() {
        for t in [
            "+++\ntitle = \"A\"\n+++\n",
            "+++\n+++\n",
            "---\ntitle: A\n---\n",
        ] {
            let s = split("a.md", t).unwrap();
            let e = Kind::Obstacle.parse("a.md", t, &s).unwrap_err();
            assert_eq!((e.line, e.column, e.width), (1, 1, 3), "{t:?}: {e}");
            assert!(e.message.starts_with("missing field "), "{e}");
        }
    }

    #[test]
    fn yaml_tab_is_pointed_at() {
        for (t, line) in [
            ("---\ntitle: A\n\tsummary: s\n---\n", 3),
            ("---\n\ttitle: A\nsummary: s\n---\n", 2),
        ] {
            let s = split("a.md", t).unwrap();
            let e = Kind::Obstacle.parse("a.md", t, &s).unwrap_err();
            assert_eq!((e.line, e.column), (line, 1), "{t:?}: {e}");
            assert_eq!(e.message, "a tab in YAML front matter");
        }
    }

    #[test]
    fn unquoted_toml_text_shows_the_fix() {
        let t = "+++\ntitle = Lack of support\n+++\n";
        let s = split("a.md", t).unwrap();
        let e = Kind::Page.parse("a.md", t, &s).unwrap_err();
        assert_eq!(
            (e.line, e.column, e.message.as_str()),
            (2, 9, "text must be in double quotes")
        );
        assert_eq!(
            e.help.as_deref(),
            Some("write `title = \"Lack of support\"`")
        );
    }

    #[test]
    fn crlf_and_bom() {
        let t = decode("a", b"\xEF\xBB\xBF+++\r\ntitle = \"A\"\r\n+++\r\n").unwrap();
        assert_eq!(t, "+++\ntitle = \"A\"\n+++\n");
    }

    #[test]
    fn decoding_the_bytes_read_gives_what_decoding_a_copy_gives() {
        let cases: [&[u8]; 7] = [
            b"+++\ntitle = \"A\"\n+++\nBody \xC3\xA9t\xC3\xA9\n",
            b"\xEF\xBB\xBF+++\ntitle = \"A\"\n+++\n",
            b"+++\r\ntitle = \"A\"\r\n+++\r\n",
            b"",
            b" \n\t\n",
            b"\xEF\xBB\xBF",
            b"+++\ntitle = \"caf\xE9\"\n+++\n",
        ];
        for bytes in cases {
            let owned = decode_owned("a", bytes.to_vec());
            let copied = decode("a", bytes);
            assert_eq!(
                owned.as_ref().map_err(|d| (d.line, d.column, &d.message)),
                copied.as_ref().map_err(|d| (d.line, d.column, &d.message)),
                "{bytes:?}"
            );
        }
    }
}
