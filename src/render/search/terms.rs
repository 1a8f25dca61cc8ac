//! The term side of the search index: which pages hold each word, and those lists cut into
//! chunk files by word order. A posting is a page number (pages are numbered in title order, so
//! a tie between equal scores needs no title) and a weight, `11 × (word in the title) +
//! min(occurrences in the text, 10)`, from which the browser works out today's score. A word's
//! postings are written as base-64 digits: per page, the gap from the previous page number
//! (5 bits per digit, the sixth saying "more digits follow") and the weight (one digit).
//!
//! Chunks are cut where the content says, not at fixed offsets: after a word whose hash ends in
//! three zero bits once the chunk holds `MIN_CHUNK` bytes, or before a word that would take it
//! past `MAX_CHUNK` bytes (one word's postings alone can, for a word on every page of a very
//! large site). Editing one
//! page changes the postings of a few words, so the same few chunk files change and the cuts
//! elsewhere stay where they were (watch mode rewrites only what changed).

use rustc_hash::FxHashMap;

/// Bytes of postings after which a chunk may end (at a word picked by its hash).
const MIN_CHUNK: usize = 12 * 1024;
/// Bytes of postings after which a chunk ends whatever the word.
const MAX_CHUNK: usize = 32 * 1024;
/// The base-64 digits of the postings.
pub(crate) const DIGITS: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
/// Text occurrences counted per word and page (the browser's score stops there too).
const MAX_COUNT: u32 = 10;

/// Postings by word, built page by page in page-number order.
#[derive(Default)]
pub(crate) struct Postings {
    /// Per word: `page << 5 | weight`, pages ascending.
    map: FxHashMap<Box<str>, Vec<u32>>,
}

impl Postings {
    /// Adds one page's words (from `page_words`), keeping each word's pages in order.
    pub(crate) fn add(&mut self, page: u32, folded: &str, words: &[(u32, u32, u32)]) {
        for &(start, end, weight) in words {
            let word = &folded[start as usize..end as usize];
            let posting = page << 5 | weight;
            match self.map.get_mut(word) {
                Some(list) => match list.last() {
                    Some(last) if *last >> 5 >= page => {
                        let at = list.partition_point(|p| p >> 5 < page);
                        list.insert(at, posting);
                    }
                    _ => list.push(posting),
                },
                None => {
                    self.map.insert(word.into(), vec![posting]);
                }
            }
        }
    }

    /// Every word and its postings, in no particular order (for the build cache).
    pub(crate) fn words(&self) -> impl Iterator<Item = (&str, &[u32])> {
        self.map.iter().map(|(w, p)| (w.as_ref(), p.as_slice()))
    }

    /// Postings as `words` gave them; `None` unless every list is non-empty with its pages
    /// ascending and below `pages`, and no word comes twice.
    pub(crate) fn from_words(words: Vec<(Box<str>, Vec<u32>)>, pages: usize) -> Option<Postings> {
        let mut map = Postings::default().map;
        map.reserve(words.len());
        for (word, list) in words {
            let ascending = list.windows(2).all(|w| w[0] >> 5 < w[1] >> 5);
            let last = list.last()?;
            if !ascending || (*last >> 5) as usize >= pages || map.insert(word, list).is_some() {
                return None;
            }
        }
        Some(Postings { map })
    }

    /// Removes one page from every word (a word left without pages goes).
    pub(crate) fn remove(&mut self, page: u32) {
        self.map.retain(|_, list| {
            if let Ok(at) = list.binary_search_by(|p| (p >> 5).cmp(&page)) {
                list.remove(at);
            }
            !list.is_empty()
        });
    }

    /// The chunks: each its first word and its script's payload, a JSON array of word,
    /// postings, word, postings… in word order.
    pub(crate) fn chunks(&self) -> Vec<(String, String)> {
        let mut words: Vec<(&str, &Vec<u32>)> =
            self.map.iter().map(|(w, p)| (w.as_ref(), p)).collect();
        words.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let mut chunks: Vec<(String, String)> = Vec::new();
        let mut current = String::new();
        let mut first = String::new();
        let mut entry = String::new();
        for (word, postings) in words {
            entry.clear();
            entry.push('"');
            entry.push_str(word);
            entry.push_str("\",\"");
            encode(postings, &mut entry);
            entry.push('"');
            // A chunk that this word would take past the maximum ends before it.
            if !current.is_empty() && current.len() + entry.len() >= MAX_CHUNK {
                current.push(']');
                chunks.push((std::mem::take(&mut first), std::mem::take(&mut current)));
            }
            if current.is_empty() {
                current.push('[');
                first = word.to_string();
            } else {
                current.push(',');
            }
            current.push_str(&entry);
            if current.len() >= MIN_CHUNK && hash(word).trailing_zeros() >= 3 {
                current.push(']');
                chunks.push((std::mem::take(&mut first), std::mem::take(&mut current)));
            }
        }
        if !current.is_empty() {
            current.push(']');
            chunks.push((first, current));
        }
        chunks
    }
}

/// A page's distinct words, as `(start, end, weight)` in its folded text.
pub(crate) type PageWords = Vec<(u32, u32, u32)>;

/// The distinct words of a page and their weights, as `(start, end, weight)` in `folded`: its
/// folded words, each followed by a space (see `words::words_of_json`), the first `title_len`
/// bytes those of its title.
pub(crate) fn page_words(folded: &str, title_len: usize) -> PageWords {
    // Each distinct word once (where it first appears, whether the title has it, how often
    // the text does), then in word order.
    let mut seen: FxHashMap<&str, (u32, bool, u32)> = FxHashMap::default();
    let mut start = 0;
    for (i, b) in folded.bytes().enumerate() {
        if b == b' ' {
            let word = seen
                .entry(&folded[start..i])
                .or_insert((start as u32, false, 0));
            if start < title_len {
                word.1 = true;
            } else {
                word.2 += 1;
            }
            start = i + 1;
        }
    }
    let mut words: Vec<(&str, (u32, bool, u32))> = seen.into_iter().collect();
    words.sort_unstable_by(|a, b| a.0.cmp(b.0));
    words
        .into_iter()
        .map(|(word, (at, in_title, in_text))| {
            let weight = 11 * u32::from(in_title) + in_text.min(MAX_COUNT);
            (at, at + word.len() as u32, weight)
        })
        .collect()
}

/// FNV-1a: a fixed hash, so the cuts are the same on every machine and every run.
fn hash(word: &str) -> u32 {
    word.bytes().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

/// Appends the postings as base-64 digits: per page its gap and its weight.
pub(crate) fn encode(postings: &[u32], out: &mut String) {
    let mut next = 0u32;
    for &p in postings {
        let page = p >> 5;
        let mut gap = page - next;
        next = page + 1;
        loop {
            let more = gap >= 32;
            out.push(DIGITS[((gap & 31) | if more { 32 } else { 0 }) as usize] as char);
            gap >>= 5;
            if !more {
                break;
            }
        }
        out.push(DIGITS[(p & 31) as usize] as char);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pages_words_are_distinct_in_word_order_with_their_weights() {
        // Title "plan media", then the text.
        let folded = "plan media media plan zeta a a a a a a a a a a a a ";
        let words: Vec<(&str, u32)> = page_words(folded, "plan media ".len())
            .into_iter()
            .map(|(start, end, weight)| (&folded[start as usize..end as usize], weight))
            .collect();
        assert_eq!(
            words,
            [("a", MAX_COUNT), ("media", 12), ("plan", 12), ("zeta", 1)]
        );
        assert!(page_words("", 0).is_empty());
    }

    fn decode(s: &str) -> Vec<(u32, u32)> {
        let digit = |c: u8| DIGITS.iter().position(|d| *d == c).unwrap() as u32;
        let (mut out, mut next, mut bytes) = (Vec::new(), 0, s.bytes());
        while let Some(mut d) = bytes.next().map(digit) {
            let (mut gap, mut shift) = (0, 0);
            loop {
                gap |= (d & 31) << shift;
                shift += 5;
                if d < 32 {
                    break;
                }
                d = digit(bytes.next().unwrap());
            }
            let page = next + gap;
            next = page + 1;
            out.push((page, digit(bytes.next().unwrap())));
        }
        out
    }

    #[test]
    fn postings_round_trip_with_weights() {
        let mut p = Postings::default();
        for (page, title, text) in [
            (0, "equipe ", "equipe equipe budget "),
            (40, "", "equipe "),
            (5000, "budget ", ""),
        ] {
            let folded = format!("{title}{text}");
            p.add(page, &folded, &page_words(&folded, title.len()));
        }
        let chunks = p.chunks();
        assert_eq!(chunks.len(), 1);
        let words: Vec<String> = serde_json::from_str(&chunks[0].1).unwrap();
        assert_eq!(words[0], "budget");
        assert_eq!(decode(&words[1]), [(0, 1), (5000, 11)]);
        assert_eq!(words[2], "equipe");
        assert_eq!(decode(&words[3]), [(0, 13), (40, 1)]);
    }

    #[test]
    fn a_page_replaced_gives_the_postings_of_a_fresh_build() {
        let pages = [("alpha beta ", 0), ("beta gamma ", 1), ("gamma delta ", 2)];
        let build = |pages: &[(&str, u32)]| {
            let mut p = Postings::default();
            for (text, n) in pages {
                p.add(*n, text, &page_words(text, 0));
            }
            p
        };
        let mut p = build(&pages);
        p.remove(1);
        p.add(1, "alpha omega ", &page_words("alpha omega ", 0));
        let fresh = build(&[pages[0], ("alpha omega ", 1), pages[2]]);
        assert_eq!(p.chunks(), fresh.chunks());
    }

    #[test]
    fn chunks_are_cut_by_size_in_word_order() {
        let mut p = Postings::default();
        for page in 0..2000 {
            let text: String = (0..40)
                .map(|w| format!("w{:03} ", (page * 7 + w) % 600))
                .collect();
            p.add(page, &text, &page_words(&text, 0));
        }
        let chunks = p.chunks();
        assert!(chunks.len() > 2, "{}", chunks.len());
        for pair in chunks.windows(2) {
            assert!(pair[0].0 < pair[1].0);
            assert!(pair[0].1.len() <= MAX_CHUNK);
        }
    }
}
