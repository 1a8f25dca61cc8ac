//! Search index: one small JavaScript file per language (`<lang>/search-index.js`), built at
//! build time from every page's title, section and text. Shipped as a script rather than JSON so
//! it also loads from `file://` and offline. The browser side (`themes/*/static/search.js`)
//! folds accents and case on both sides and matches word prefixes, which also covers plural and
//! most inflected forms in French and English.

use std::fmt::Write as _;

/// One searchable page.
pub struct Doc {
    pub title: String,
    pub section: String,
    /// Site path, relative to the site root.
    pub url: String,
    pub text: String,
}

/// Longest text kept per page, in characters, for matching and snippets.
const MAX_TEXT: usize = 6000;

/// The index script for one language.
pub fn index_script(docs: &[Doc]) -> String {
    let mut js = String::from("window.playbookSearch=[\n");
    for d in docs {
        let text: String = squeeze(&d.text).chars().take(MAX_TEXT).collect();
        let _ = writeln!(
            js,
            "[{},{},{},{}],",
            json(&d.title),
            json(&d.section),
            json(&d.url),
            json(&text)
        );
    }
    js.push_str("];\n");
    js
}

fn squeeze(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn json(s: &str) -> String {
    // `</script>` cannot close anything in a separate file, but keep `<` escaped anyway.
    serde_json::to_string(s)
        .expect("strings serialise")
        .replace('<', "\\u003c")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_is_valid_javascript_data() {
        let js = index_script(&[Doc {
            title: "Équipe \"A\"".into(),
            section: "S".into(),
            url: "fr/a/".into(),
            text: "x  <b>\n y".into(),
        }]);
        assert!(js.starts_with("window.playbookSearch=["));
        assert!(
            js.contains(r#"["Équipe \"A\"","S","fr/a/","x \u003cb> y"]"#),
            "{js}"
        );
    }
}
