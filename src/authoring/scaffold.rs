//! `playbook new obstacle|step|page <id>`: writes one file per site language with the front
//! matter that kind of page requires and a short guide in comments, so an editor starts from
//! something that builds. Never overwrites an existing file.

use std::path::Path;

use crate::content::discover::{is_temporary, is_valid_id};
use crate::content::kinds::{placeholder, Placeholder};
use crate::content::settings::Settings;
use crate::errors::Fatal;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum NewKind {
    Obstacle,
    Step,
    Page,
}

/// Creates the files and returns their paths relative to the root.
pub(crate) fn create(
    root: &Path,
    settings: &Settings,
    kind: NewKind,
    id: &str,
) -> Result<Vec<String>, Fatal> {
    if !is_valid_id(id) {
        return Err(Fatal(format!("`{id}` is not a valid page id: use lowercase letters, digits and hyphens, e.g. `working-group`")));
    }
    let folder = match kind {
        NewKind::Obstacle => "content/obstacles",
        NewKind::Step => "content/steps",
        NewKind::Page => "content",
    };
    let paths: Vec<String> = settings
        .languages
        .iter()
        .map(|l| format!("{folder}/{id}.{l}.md"))
        .collect();
    if let Some(existing) = paths.iter().find(|p| root.join(p).exists()) {
        return Err(Fatal(format!(
            "`{existing}` already exists; playbook new never overwrites a page"
        )));
    }
    let next_order = match kind {
        NewKind::Step => largest(&root.join("content/steps"), "order") + 1,
        NewKind::Obstacle => largest(&root.join("content/obstacles"), "weight") + 1,
        NewKind::Page => 10,
    };
    std::fs::create_dir_all(root.join(folder))
        .map_err(|e| Fatal(format!("cannot create `{folder}`: {e}")))?;
    for (lang, path) in settings.languages.iter().zip(&paths) {
        let source = lang == settings.default_language();
        let text = template(kind, id, lang, source, next_order);
        std::fs::write(root.join(path), text)
            .map_err(|e| Fatal(format!("cannot write `{path}`: {e}")))?;
    }
    Ok(paths)
}

/// The largest `key = N` (or `key: N`) in the front matter of the pages of `dir`, in any
/// language, 0 if none: numbers need not be contiguous (a step may have been removed), and a
/// step's number must be unique.
fn largest(dir: &Path, key: &str) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .filter(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            n.ends_with(".md") && !n.starts_with("_index") && !is_temporary(&n)
        })
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .filter_map(|text| {
            // The front matter: the lines between the first two `+++` or `---`.
            text.lines()
                .skip(1)
                .take_while(|l| !matches!(l.trim(), "+++" | "---"))
                .find_map(|l| {
                    let rest = l.trim().strip_prefix(key)?.trim_start();
                    let value = rest.strip_prefix('=').or_else(|| rest.strip_prefix(':'))?;
                    value.trim().parse::<usize>().ok()
                })
        })
        .max()
        .unwrap_or(0)
}

fn template(kind: NewKind, id: &str, lang: &str, source: bool, n: usize) -> String {
    let fr = lang == "fr";
    let Placeholder {
        title,
        summary,
        body,
    } = placeholder(lang);
    let mut s = String::from("+++\n");
    s.push_str(&format!(
        "# {} `{id}`. {}\n",
        if fr { "Nouvelle page" } else { "New page" },
        if fr {
            "Les lignes qui commencent par # sont des commentaires."
        } else {
            "Lines starting with # are comments."
        }
    ));
    // The id in the placeholder title keeps the URLs (made from the title) of two new pages
    // of a section apart until they get real titles.
    s.push_str(&format!(
        "title = \"{title}{} {id}\"\nsummary = \"{summary}\"\n",
        if fr { " :" } else { ":" }
    ));
    match kind {
        NewKind::Obstacle => {
            s.push_str(&format!(
                "# {}\nweight = {n}\n",
                if fr {
                    "Place dans la liste des obstacles (la même dans chaque langue)."
                } else {
                    "Position in the list of obstacles (the same in every language)."
                }
            ));
            s.push_str(&format!("# {}\nsignals = []\n", if fr { "Comment le reconnaître : des phrases courtes, par exemple [\"Personne n’a de temps\"]." } else { "How to recognise it: short sentences, e.g. [\"Nobody has time\"]." }));
        }
        NewKind::Step => {
            s.push_str(&format!(
                "# {}\norder = {n}\n",
                if fr {
                    "Numéro de l’étape, unique (le même dans chaque langue)."
                } else {
                    "Step number, unique (the same in every language)."
                }
            ));
            s.push_str(&format!(
                "# {}\naddresses = []\n",
                if fr {
                    "Les obstacles traités, par identifiant : [\"budget\", \"management-support\"]."
                } else {
                    "The obstacles it addresses, by id: [\"budget\", \"management-support\"]."
                }
            ));
        }
        NewKind::Page => {
            s.push_str(&format!(
                "# {}\nweight = {n}\n",
                if fr {
                    "Ordre dans la navigation."
                } else {
                    "Order in the navigation."
                }
            ));
        }
    }
    s.push_str(&format!(
        "# {}\n# sources = [\"allemann-2011\"]\n",
        if fr {
            "Sources citées, déclarées dans content/site.toml :"
        } else {
            "Sources cited, declared in content/site.toml:"
        }
    ));
    if !source {
        s.push_str(&format!(
            "# {}\n",
            if fr {
                "Une fois la traduction faite : playbook translated <ce fichier>"
            } else {
                "Once translated, run: playbook translated <this file>"
            }
        ));
    }
    s.push_str("+++\n");
    s.push_str(&format!(
        "{body} {}\n",
        if fr {
            "Liens vers une autre page : [texte](@/steps/champion.md)."
        } else {
            "Link to another page: [text](@/steps/champion.md)."
        }
    ));
    s
}
