//! Discovery: walks `content/` and hands on one `SourceFile` per Markdown file, named
//! `<section>/<id>.<lang>.md` (or `_index.<lang>.md` for a section page, `<id>.md` for a
//! diagnostic node). Every other file is a picture or an attachment (`Media`, any depth) or,
//! when its type is not one the site publishes, an error. Hidden files and editor temporary
//! files are skipped, so a half-saved file never reaches the build. A file name that does not
//! fit the scheme is an error here, before anything is parsed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use walkdir::WalkDir;

use crate::content::media::{self, Media, MediaKind};
use crate::content::model::FileStamp;
use crate::content::settings::Settings;
use crate::errors::{Diagnostic, Diagnostics, Fatal};

/// The section holding the decision tree, whose node files carry both languages.
pub(crate) const DIAGNOSTIC_SECTION: &str = "diagnostic";

/// One Markdown file of the content, read but not yet parsed.
#[derive(Debug, Clone)]
pub(crate) struct SourceFile {
    /// Path relative to the site root, e.g. `content/steps/champion.fr.md`.
    pub(crate) rel: String,
    /// Folder under `content/`, empty for top-level pages.
    pub(crate) section: String,
    /// File stem without language: `champion`, or `_index` for a section page.
    pub(crate) id: String,
    /// `None` only for diagnostic node files, which hold every language.
    pub(crate) lang: Option<String>,
    /// Empty when the file was not read (`known`).
    pub(crate) bytes: Vec<u8>,
    /// Where the file is.
    pub(crate) path: PathBuf,
    /// The file as it was just before it was read (see `FileStamp::of`).
    pub(crate) stamp: Option<FileStamp>,
    /// What the build cache recorded of the file, when its stamp says it is unchanged: it was
    /// not read then.
    pub(crate) known: Option<Known>,
}

impl SourceFile {
    /// A file whose bytes are at hand (an old version from git, a generated test file).
    pub(crate) fn from_bytes(
        rel: String,
        section: String,
        id: String,
        lang: Option<String>,
        bytes: Vec<u8>,
    ) -> SourceFile {
        SourceFile {
            rel,
            section,
            id,
            lang,
            bytes,
            path: PathBuf::new(),
            stamp: None,
            known: None,
        }
    }
}

/// What the build cache recorded of a page file that parsed: the file is not read again while
/// its stamp is this one.
#[derive(Debug, Clone)]
pub(crate) struct Known {
    /// `None` for a file changed just before it was read (`FileStamp::of`): always read again,
    /// its head recorded only to tell whether its front matter changed since.
    pub(crate) stamp: Option<FileStamp>,
    /// The text up to the end of its front matter.
    pub(crate) head: String,
    /// The hash of the whole text.
    pub(crate) hash: blake3::Hash,
    /// Whether the body holds the text `playbook new` writes.
    pub(crate) placeholder: bool,
}

#[cfg(test)]
impl Known {
    /// A record with `head` and `hash` and no stamp (such a file is read again).
    pub(crate) fn unstamped(head: &str, hash: blake3::Hash) -> Known {
        Known {
            stamp: None,
            head: head.into(),
            hash,
            placeholder: false,
        }
    }
}

/// The build cache's records, by path (`content/…`).
pub(crate) type KnownFiles = HashMap<String, Known>;

/// True for files an editor writes while saving (swap, backup and lock files) and for the
/// files an operating system leaves in folders of pictures.
pub(crate) fn is_temporary(name: &str) -> bool {
    name.starts_with('.')
        || name.starts_with('#')
        || name.contains('~')
        || ["thumbs.db", "ehthumbs.db", "desktop.ini"].contains(&name.to_ascii_lowercase().as_str())
        || name == "4913"
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".swo")
        || name.ends_with(".tmp")
        || name.ends_with(".bak")
        || name.ends_with(".kate-swp")
        || name.contains("___jb_tmp___")
        || name.contains("___jb_old___")
        || name.ends_with(".crdownload")
}

/// What `content/` holds: its pages and its media.
#[derive(Debug, Default)]
pub(crate) struct Discovered {
    pub(crate) pages: Vec<SourceFile>,
    pub(crate) media: Vec<Media>,
    /// Every page file is one the build cache's record holds, with the front matter it
    /// recorded (read again or not), and none it holds is gone: the pages' front matter, and
    /// so most likely the cache's site key, is the last build's.
    pub(crate) fronts_as_recorded: bool,
}

/// Lists and reads every content file under `root/content`, except the page files `known`
/// records as they still are (their stamp is the recorded one); `known` is asked once the
/// folder is walked (the build cache reads its record meanwhile).
pub(crate) fn discover(
    root: &Path,
    settings: &Settings,
    known: impl FnOnce() -> KnownFiles,
) -> Result<(Discovered, Diagnostics), Fatal> {
    let now = std::time::SystemTime::now();
    let content = root.join("content");
    let mut files = Vec::new();
    let mut found_media = Vec::new();
    let mut problems = Diagnostics::default();
    if !content.is_dir() {
        return Err(Fatal(format!(
            "no `content/` folder in `{}`; run playbook from the site folder or pass --root",
            root.display()
        )));
    }
    // Each top-level folder (a section) is walked on its own, in parallel; what they hold is
    // put together in name order, as one walk would give it.
    let top = WalkDir::new(&content)
        .min_depth(1)
        .max_depth(1)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| !is_temporary(&e.file_name().to_string_lossy()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Fatal(format!("cannot read `content/`: {e}")))?;
    let walked: Vec<Walked> = top
        .into_par_iter()
        .map(|entry| {
            // A file at the top gives itself.
            let mut walked = Walked::default();
            let walker = WalkDir::new(entry.path())
                .sort_by_file_name()
                .into_iter()
                .filter_entry(|e| {
                    e.depth() == 0 || !is_temporary(&e.file_name().to_string_lossy())
                });
            for entry in walker {
                let entry = entry.map_err(|e| Fatal(format!("cannot read `content/`: {e}")))?;
                walked.add(entry, &content, settings)?;
            }
            Ok(walked)
        })
        .collect::<Result<_, Fatal>>()?;
    for w in walked {
        files.extend(w.pages);
        found_media.extend(w.media);
        problems.extend(w.problems);
    }
    // What the record holds, kept only if the file's stamp still is its (below).
    let mut known = known();
    let recorded = !known.is_empty();
    let mut all_recorded = true;
    for file in &mut files {
        file.known = known.remove(&file.rel);
        all_recorded &= file.known.is_some();
    }
    let fronts_as_recorded = recorded && all_recorded && known.is_empty();
    // The pages' files are read in parallel once all are found.
    // Whether each file read again still starts with the front matter recorded.
    let same_fronts = files
        .par_iter_mut()
        .map(|file| {
            let recorded = file.known.take();
            if let Some(k) = recorded.as_ref().filter(|k| {
                k.stamp.is_some()
                    && std::fs::symlink_metadata(&file.path)
                        .is_ok_and(|m| FileStamp::of(&m, now) == k.stamp)
            }) {
                file.stamp = k.stamp;
                file.known = recorded;
                return Ok(true);
            }
            let (bytes, stamp) = read_stamped(&file.path, now)
                .map_err(|e| Fatal(format!("cannot read `{}`: {e}", file.rel)))?;
            file.bytes = bytes;
            file.stamp = stamp;
            Ok(recorded.is_some_and(|k| file.bytes.starts_with(k.head.as_bytes())))
        })
        .try_reduce(|| true, |a, b| Ok(a && b))?;
    Ok((
        Discovered {
            pages: files,
            media: found_media,
            fronts_as_recorded: fronts_as_recorded && same_fronts,
        },
        problems,
    ))
}

/// What part of `content/` holds.
#[derive(Default)]
struct Walked {
    pages: Vec<SourceFile>,
    media: Vec<Media>,
    problems: Diagnostics,
}

impl Walked {
    /// Adds the file `entry` (under `content`) as a page or a medium, or the problem with it;
    /// folders add nothing.
    fn add(
        &mut self,
        entry: walkdir::DirEntry,
        content: &Path,
        settings: &Settings,
    ) -> Result<(), Fatal> {
        if !entry.file_type().is_file() {
            return Ok(());
        }
        let relative = entry
            .path()
            .strip_prefix(content)
            .expect("walked under content");
        let parts: Vec<String> = relative
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        let rel = format!("content/{}", parts.join("/"));
        let name = parts.last().expect("a file has a name").clone();
        if parts.len() == 1 && media::NOT_MEDIA.contains(&name.as_str()) {
            return Ok(()); // read elsewhere
        }
        let problems = &mut self.problems;
        if !name.ends_with(".md") {
            if let Some(m) = read_media(entry.path(), &rel, &parts, problems)? {
                self.media.push(m);
            }
            return Ok(());
        }
        if parts.len() > 2 {
            problems.push(
                Diagnostic::file(
                    &rel,
                    "pages live at most one folder deep: `content/<section>/<id>.<lang>.md`",
                )
                .help("move the file up into its section folder"),
            );
            return Ok(());
        }
        let section = if parts.len() == 2 {
            parts[0].clone()
        } else {
            String::new()
        };
        let stem = &name[..name.len() - 3];
        let (id, lang) = match stem.rsplit_once('.') {
            Some((id, lang)) => (id.to_string(), Some(lang.to_string())),
            None => (stem.to_string(), None),
        };
        if let Some(lang) = &lang {
            if !settings.languages.contains(lang) {
                problems.push(
                    Diagnostic::file(&rel, format!("unknown language `{lang}` in the file name"))
                        .help(format!(
                            "this site's languages are {}; name the file `{id}.<language>.md`",
                            settings.languages.join(", ")
                        )),
                );
                return Ok(());
            }
        } else if section != DIAGNOSTIC_SECTION || id == "_index" {
            problems.push(
                Diagnostic::file(&rel, "the file name has no language").help(format!(
                    "name it `{id}.{}.md` (one file per language)",
                    settings.default_language()
                )),
            );
            return Ok(());
        }
        if !is_valid_id(&id) && id != "_index" {
            problems.push(
                Diagnostic::file(&rel, format!("`{id}` is not a valid page id")).help(
                    match crate::content::urls::slugify(&id) {
                        s if s.is_empty() => "use lowercase letters, digits and hyphens in file names, e.g. `working-group.fr.md`".to_string(),
                        s => format!(
                            "use lowercase letters, digits and hyphens in file names: rename it `{s}{}`",
                            &name[id.len()..]
                        ),
                    },
                ),
            );
            return Ok(());
        }
        if !section.is_empty() && !is_valid_id(&section) {
            problems.push(
                Diagnostic::file(
                    &rel,
                    format!("`{section}` is not a valid section folder name"),
                )
                .help("use lowercase letters, digits and hyphens in folder names"),
            );
            return Ok(());
        }
        self.pages.push(SourceFile {
            rel,
            section,
            id,
            lang,
            bytes: Vec::new(),
            path: entry.into_path(),
            stamp: None,
            known: None,
        });
        Ok(())
    }
}

/// A file's bytes, and its stamp as it was before they were read (a change while it is read
/// then shows at the next build).
fn read_stamped(
    path: &Path,
    now: std::time::SystemTime,
) -> std::io::Result<(Vec<u8>, Option<FileStamp>)> {
    use std::io::Read as _;
    let mut file = std::fs::File::open(path)?;
    let m = file.metadata()?;
    let mut bytes = Vec::with_capacity(usize::try_from(m.len()).unwrap_or(0));
    // Through `take`: the file's own `read_to_end` would ask for its size again.
    (&mut file).take(u64::MAX).read_to_end(&mut bytes)?;
    Ok((bytes, FileStamp::of(&m, now)))
}

/// A picture or attachment, or the error saying why the file cannot be published.
fn read_media(
    path: &Path,
    rel: &str,
    parts: &[String],
    problems: &mut Diagnostics,
) -> Result<Option<Media>, Fatal> {
    let name = parts.last().expect("a file has a name");
    let Some(kind) = MediaKind::of(&name.to_ascii_lowercase()) else {
        problems.push(
            Diagnostic::file(
                rel,
                format!("`{name}` is not a type of file the site publishes"),
            )
            .help(format!(
                "content/ holds pages (`.md`), {}; move other files out of content/",
                media::allowed_types()
            )),
        );
        return Ok(None);
    };
    if let Some(bad) = parts.iter().find(|p| !media::is_valid_name(p)) {
        let renamed: Vec<String> = parts.iter().map(|p| media::suggested_name(p)).collect();
        problems.push(
            Diagnostic::file(rel, format!("`{bad}` is not a valid name for a published file"))
                .help(format!(
                    "file and folder names become URLs: use lowercase letters, digits, `-`, `_` and `.`, e.g. `content/{}`",
                    renamed.join("/")
                )),
        );
        return Ok(None);
    }
    let bytes = std::fs::read(path).map_err(|e| Fatal(format!("cannot read `{rel}`: {e}")))?;
    Ok(Some(Media {
        rel: rel.to_string(),
        path: parts.join("/"),
        kind,
        bytes,
    }))
}

/// Ids name files and appear in links and relations: lowercase ASCII, digits, `-` and `_`.
pub(crate) fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('-')
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether discovery says the front matter is all as the build cache recorded it (what
    /// decides whether the cache is decoded ahead).
    #[test]
    fn front_matter_as_recorded_needs_every_file_recorded_with_the_same_head() {
        let dir = tempfile::tempdir().unwrap();
        let content = dir.path().join("content/steps");
        std::fs::create_dir_all(&content).unwrap();
        let head = |title: &str| format!("+++\ntitle = \"{title}\"\n+++\n");
        for (name, title) in [
            ("champion.fr.md", "Champion"),
            ("champion.en.md", "Champion"),
        ] {
            std::fs::write(content.join(name), format!("{}Body.\n", head(title))).unwrap();
        }
        let record = |heads: &[(&str, String)]| -> KnownFiles {
            heads
                .iter()
                // Not the files' stamp (they are too new to have one): they are read, and
                // their heads compared.
                .map(|(name, head)| {
                    let known = Known::unstamped(head, blake3::hash(b""));
                    (format!("content/steps/{name}"), known)
                })
                .collect()
        };
        let as_recorded = |known: KnownFiles| {
            discover(dir.path(), &Settings::default(), || known)
                .unwrap()
                .0
                .fronts_as_recorded
        };
        let both = [
            ("champion.fr.md", head("Champion")),
            ("champion.en.md", head("Champion")),
        ];
        assert!(as_recorded(record(&both)));
        // A record without a stamp never spares reading the file.
        let found = discover(dir.path(), &Settings::default(), || record(&both)).unwrap();
        assert!(found
            .0
            .pages
            .iter()
            .all(|p| p.known.is_none() && p.bytes.starts_with(b"+++")));
        // No record, a file it lacks, a file it has that is gone, a front matter changed.
        assert!(!as_recorded(KnownFiles::new()));
        assert!(!as_recorded(record(&both[..1])));
        let mut gone = both.to_vec();
        gone.push(("budget.fr.md", head("Budget")));
        assert!(!as_recorded(record(&gone)));
        let edited = [both[0].clone(), ("champion.en.md", head("A champion"))];
        assert!(!as_recorded(record(&edited)));
    }

    #[test]
    fn editor_files_are_temporary() {
        for name in [
            ".budget.fr.md.swp",
            "budget.fr.md~",
            "4913",
            "#budget.fr.md#",
            ".#budget.fr.md",
            "budget.fr.md___jb_tmp___",
            "budget.fr.md.kate-swp",
            "budget.fr.md.~1~",
            "Thumbs.db",
            "desktop.ini",
        ] {
            assert!(is_temporary(name), "{name}");
        }
        assert!(!is_temporary("budget.fr.md"));
    }
}
