//! One language's index as a value: the pages' numbers (title order) and the postings of every
//! word, from which the manifest, the term chunks and the page files (`PER_FILE` pages each)
//! are written. The full build makes one and writes all of it; watch mode keeps one per
//! language and, after a text edit, replaces the edited pages' postings and writes the
//! manifest, the chunks and the page files holding those pages only (`update`, `files` with the changed positions), which gives the bytes a
//! full build would. The build cache keeps one per language between runs the same way
//! (`parts`, `from_parts`, `page_path`). Pages are known by their position in `site.entries`,
//! which a text edit does not move; this file knows nothing of keys or bodies.

use std::borrow::Cow;

use rayon::prelude::*;

use super::terms::{self, PageWords, Postings};
use super::words;

/// Pages folded per parallel batch: bounds what is held besides the postings.
const BATCH: usize = 256;

/// Pages per page file: page `n` is in `pages/<n / PER_FILE>.js`. One file per page made a
/// site of 5,000 pages per language write 10,000 small files (a third of a cold build's
/// files, each a file system entry to create); four to a file cuts that by three quarters
/// while a query's ten results still load ten small files at most (~8 KB each on average).
pub(crate) const PER_FILE: usize = 4;

pub(crate) struct Index {
    folder: String,
    /// Page number → position of its line.
    order: Vec<usize>,
    /// Position → page number.
    numbers: Vec<u32>,
    postings: Postings,
}

/// A page's folded title and text, and its distinct words in them.
fn fold(line: &str) -> (String, PageWords) {
    let fields = words::json_strings(line);
    let field = |n: usize| fields.get(n).copied().unwrap_or("");
    let mut folded = String::new();
    words::words_of_json(field(0), &mut folded);
    let title_len = folded.len();
    words::words_of_json(field(3), &mut folded);
    let words = terms::page_words(&folded, title_len);
    (folded, words)
}

/// `head`, `body` and `tail` as one file's bytes, allocated once at their size.
fn file(head: &str, body: &str, tail: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(head.len() + body.len() + tail.len());
    out.extend_from_slice(head.as_bytes());
    out.extend_from_slice(body.as_bytes());
    out.extend_from_slice(tail.as_bytes());
    out
}

impl Index {
    /// The index of the pages' lines (`entry`), to be written under `folder`.
    pub(crate) fn build(folder: &str, lines: &[Cow<str>]) -> Index {
        // Pages in title order (folded, then as written, then by address): a page's number is
        // its rank, so equal scores in the browser need no title to break the tie.
        let fields: Vec<Vec<&str>> = lines.par_iter().map(|e| words::json_strings(e)).collect();
        let field = |i: usize, n: usize| fields[i].get(n).copied().unwrap_or("");
        let mut order: Vec<(String, usize)> = (0..lines.len())
            .into_par_iter()
            .map(|i| {
                let mut folded = String::new();
                words::words_of_json(field(i, 0), &mut folded);
                (folded, i)
            })
            .collect();
        order.par_sort_by(|a, b| {
            (&a.0, field(a.1, 0), field(a.1, 2)).cmp(&(&b.0, field(b.1, 0), field(b.1, 2)))
        });
        let order: Vec<usize> = order.into_iter().map(|(_, i)| i).collect();
        let mut numbers = vec![0; lines.len()];
        for (n, &i) in order.iter().enumerate() {
            numbers[i] = n as u32;
        }
        let mut postings = Postings::default();
        for (b, batch) in order.chunks(BATCH).enumerate() {
            let folded: Vec<(String, PageWords)> =
                batch.par_iter().map(|&i| fold(&lines[i])).collect();
            for (n, (text, words)) in folded.iter().enumerate() {
                postings.add((b * BATCH + n) as u32, text, words);
            }
        }
        Index {
            folder: folder.to_string(),
            order,
            numbers,
            postings,
        }
    }

    /// The positions in page-number order and every word's postings: what the build cache
    /// keeps of a language's index between runs (`from_parts` takes them back).
    pub(crate) fn parts(&self) -> (&[usize], impl Iterator<Item = (&str, &[u32])>) {
        (&self.order, self.postings.words())
    }

    /// An index from the `parts` of one made earlier; `None` unless `order` is a permutation
    /// of the positions and the postings point at its pages.
    pub(crate) fn from_parts(
        folder: &str,
        order: Vec<usize>,
        words: Vec<(Box<str>, Vec<u32>)>,
    ) -> Option<Index> {
        let mut numbers = vec![u32::MAX; order.len()];
        for (n, &i) in order.iter().enumerate() {
            let slot = numbers.get_mut(i)?;
            if *slot != u32::MAX {
                return None;
            }
            *slot = u32::try_from(n).ok()?;
        }
        let postings = Postings::from_words(words, order.len())?;
        Some(Index {
            folder: folder.to_string(),
            order,
            numbers,
            postings,
        })
    }

    /// How many pages the index holds.
    pub(crate) fn len(&self) -> usize {
        self.order.len()
    }

    /// What decides a page's number: its line's title and address. An edit that keeps them
    /// keeps every page's number.
    pub(crate) fn order_key(line: &str) -> String {
        let fields = words::json_strings(line);
        let field = |n: usize| fields.get(n).copied().unwrap_or("");
        format!("{}\u{0}{}", field(0), field(2))
    }

    /// The path of the file that holds the page at `position` (`files` writes it when asked
    /// for that position).
    pub(crate) fn page_path(&self, position: usize) -> String {
        self.file_path(self.file_of(position))
    }

    /// The number of the page file holding the page at `position`.
    fn file_of(&self, position: usize) -> usize {
        self.numbers[position] as usize / PER_FILE
    }

    /// The path of page file `f`.
    fn file_path(&self, f: usize) -> String {
        format!("{}pages/{f}.js", self.folder)
    }

    /// Replaces the postings of the page at `position` with those of its new line.
    pub(crate) fn update(&mut self, position: usize, line: &str) {
        let n = self.numbers[position];
        self.postings.remove(n);
        let (folded, words) = fold(line);
        self.postings.add(n, &folded, &words);
    }

    /// The index's files: the page files holding the pages at `positions` (every page file
    /// when `None`), the manifest and the term chunks.
    pub(crate) fn files(
        &self,
        lines: &[Cow<str>],
        positions: Option<&[usize]>,
    ) -> Vec<(String, Vec<u8>)> {
        let folder = &self.folder;
        let page_files: Vec<usize> = match positions {
            Some(positions) => {
                let mut wanted: Vec<usize> = positions.iter().map(|&i| self.file_of(i)).collect();
                wanted.sort_unstable();
                wanted.dedup();
                wanted
            }
            None => (0..self.order.len().div_ceil(PER_FILE)).collect(),
        };
        let mut files: Vec<(String, Vec<u8>)> = page_files
            .into_par_iter()
            .map(|f| {
                let first = f * PER_FILE;
                let pages = &self.order[first..(first + PER_FILE).min(self.order.len())];
                let size: usize = pages.iter().map(|&i| lines[i].len() + 1).sum();
                let mut bytes = Vec::with_capacity(size + 48);
                bytes
                    .extend_from_slice(format!("window.playbookSearch.pages({first},[").as_bytes());
                for (k, &i) in pages.iter().enumerate() {
                    if k > 0 {
                        bytes.push(b',');
                    }
                    bytes.extend_from_slice(lines[i].as_bytes());
                }
                bytes.extend_from_slice(b"]);\n");
                (self.file_path(f), bytes)
            })
            .collect();
        let chunks = self.postings.chunks();
        let firsts: Vec<&str> = chunks.iter().map(|(first, _)| first.as_str()).collect();
        let manifest =
            serde_json::json!({ "pages": lines.len(), "per": PER_FILE, "chunks": firsts });
        files.push((
            format!("{folder}index.js"),
            format!("window.playbookSearch.manifest({manifest});\n").into_bytes(),
        ));
        for (n, (_, words)) in chunks.iter().enumerate() {
            let head = format!("window.playbookSearch.terms({n},");
            files.push((format!("{folder}terms/{n}.js"), file(&head, words, ");\n")));
        }
        files
    }
}
