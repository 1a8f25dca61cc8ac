//! Words of the search index: the folding and splitting that `themes/*/static/search.js` applies
//! to a query and to the excerpts it marks, done here the same way on the indexed text, so that
//! the browser finds in the index exactly the words it would find in the text. A character is
//! folded like the browser's `fold`: a few special letters (œ → o, æ → a, ß → s, ı → i), else the
//! first character of its canonical decomposition (NFD), lower-cased; a word is a run of
//! `[a-z0-9]` after folding, everything else separates words. The decompositions that end in
//! `[a-z0-9]` all lie in the Latin blocks tabled below (checked against Python's `unicodedata`
//! over the whole BMP when the tables were written), plus the Kelvin and Ångström signs.
//! This module reads text only; it knows nothing of files or of the index's layout.

/// U+00C0–U+024F: the folded letter, or `.` when the character folds to no word character.
const LATIN: &str = concat!(
    "aaaaaa.ceeeeiiii.nooooo..uuuuy..aaaaaa.ceeeeiiii.nooooo..uuuuy.y",
    "aaaaaaccccccccdd..eeeeeeeeeegggggggghh..iiiiiiiii...jjkk.llllll.",
    "...nnnnnn...oooooo..rrrrrrsssssssstttt..uuuuuuuuuuuuwwyyyzzzzzz.",
    "................................oo.............uu...............",
    ".............aaiioouuuuuuuuuu.aaaa....ggkkoooo..j...gg..nnaa....",
    "aaaaeeeeiiiioooorrrruuuusstt..hh......aaeeooooooooyy............",
    "................",
);
/// U+1E00–U+1EFF (Latin Extended Additional: Vietnamese and others), the same way.
const LATIN_EXTENDED_ADDITIONAL: &str = concat!(
    "aabbbbbbccddddddddddeeeeeeeeeeffgghhhhhhhhhhiiiikkkkkkllllllllmm",
    "mmmmnnnnnnnnoooooooopppprrrrrrrrssssssssssttttttttuuuuuuuuuuvvvv",
    "wwwwwwwwwwxxxxyyzzzzzzhtwy......aaaaaaaaaaaaaaaaaaaaaaaaeeeeeeee",
    "eeeeeeeeiiiioooooooooooooooooooooooouuuuuuuuuuuuuuyyyyyyyy......",
);

/// The word character `c` folds to, if any.
pub(crate) fn fold(c: char) -> Option<u8> {
    if c.is_ascii() {
        let b = (c as u8).to_ascii_lowercase();
        return b.is_ascii_alphanumeric().then_some(b);
    }
    let table = |t: &str, at: u32| t.as_bytes().get(at as usize).copied();
    let b = match c {
        'œ' | 'Œ' => Some(b'o'),
        'æ' | 'Æ' => Some(b'a'),
        'ß' => Some(b's'),
        'ı' => Some(b'i'),
        '\u{212A}' => Some(b'k'),
        '\u{212B}' => Some(b'a'),
        '\u{C0}'..='\u{24F}' => table(LATIN, c as u32 - 0xC0),
        '\u{1E00}'..='\u{1EFF}' => table(LATIN_EXTENDED_ADDITIONAL, c as u32 - 0x1E00),
        _ => None,
    };
    b.filter(|b| *b != b'.')
}

/// Appends the words of `text` — the inside of a JSON string, escapes included — to `out`, each
/// followed by a space, and returns how many. Every escape serde_json writes (`\"`, `\\`, `\n`,
/// `\uXXXX` for control characters and `<`) stands for a character that separates words.
pub(crate) fn words_of_json(text: &str, out: &mut String) -> usize {
    let mut count = 0;
    let mut in_word = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        let folded = if c == '\\' {
            if chars.next() == Some('u') {
                chars.nth(3);
            }
            None
        } else {
            fold(c)
        };
        match folded {
            Some(b) => {
                out.push(b as char);
                in_word = true;
            }
            None if in_word => {
                out.push(' ');
                in_word = false;
                count += 1;
            }
            None => {}
        }
    }
    if in_word {
        out.push(' ');
        count += 1;
    }
    count
}

/// The insides of the JSON strings of a flat JSON array of strings (`["a","b\"c"]` → `a`,
/// `b\"c`), escapes kept.
pub(crate) fn json_strings(array: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let bytes = array.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'"' {
            let start = i + 1;
            let mut j = start;
            while j < bytes.len() && bytes[j] != b'"' {
                j += if bytes[j] == b'\\' { 2 } else { 1 };
            }
            out.push(&array[start..j.min(bytes.len())]);
            i = j + 1;
        } else {
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> String {
        let json = serde_json::to_string(s).unwrap().replace('<', "\\u003c");
        let mut out = String::new();
        words_of_json(&json[1..json.len() - 1], &mut out);
        out
    }

    #[test]
    fn folds_accents_case_and_special_letters() {
        assert_eq!(words("Équipe ÉLARGIE"), "equipe elargie ");
        assert_eq!(
            words("Œuvre cœur Straße ınk Ærø"),
            "ouvre cour strase ink ar "
        );
        assert_eq!(words("Việt Nam đ"), "viet nam ");
        assert_eq!(words("\u{212A}elvin"), "kelvin ");
    }

    #[test]
    fn escapes_and_punctuation_separate_words() {
        assert_eq!(words("a\"b\\c\nd<e\u{1}f"), "a b c d e f ");
        assert_eq!(
            words("l’équipe, c'est-à-dire 2026"),
            "l equipe c est a dire 2026 "
        );
        assert_eq!(words("日本 x"), "x ");
    }

    #[test]
    fn splits_a_json_array_of_strings() {
        let a = serde_json::to_string(&["Le \"A\"", "", "fr/a/", "x\ny"]).unwrap();
        assert_eq!(json_strings(&a), ["Le \\\"A\\\"", "", "fr/a/", "x\\ny"]);
    }
}
