//! The markup of pictures and attachments in a body. A picture is an `<img>` with its width and
//! height (no layout shift), `loading="lazy"`, `decoding="async"` and, when it was resized, a
//! `srcset` of its copies; a picture with a title alone in its paragraph becomes a `<figure>`
//! whose `<figcaption>` is the title. A link to a file says its type and size in the text's
//! language: « (PDF, 240 Ko) ».

use crate::content::model::{ui_string, Strings};
use crate::render::highlight::escape;
use crate::render::media::{Item, Picture, SIZES};

/// `<img …>` for a picture; `root` leads from the page to the site root.
pub(crate) fn img(picture: &Picture, root: &str, alt: &str, title: Option<&str>) -> String {
    let mut html = format!(
        "<img src=\"{}\" alt=\"{}\"",
        escape(&format!("{root}{}", picture.src)),
        escape(alt)
    );
    if let Some(title) = title {
        html.push_str(&format!(" title=\"{}\"", escape(title)));
    }
    html.push_str(&format!(
        " width=\"{}\" height=\"{}\" loading=\"lazy\" decoding=\"async\"",
        picture.width, picture.height
    ));
    if !picture.srcset.is_empty() {
        html.push_str(" srcset=\"");
        for (i, (w, path)) in picture.srcset.iter().enumerate() {
            if i > 0 {
                html.push_str(", ");
            }
            html.push_str(&format!("{} {w}w", escape(&format!("{root}{path}"))));
        }
        html.push_str(&format!("\" sizes=\"{SIZES}\""));
    }
    html.push('>');
    html
}

/// `<figure>` around a picture alone in its paragraph, captioned by its title.
pub(crate) fn figure(img: &str, caption: &str) -> String {
    format!(
        "<figure>{img}<figcaption>{}</figcaption></figure>\n",
        escape(caption)
    )
}

/// ` <span class="attachment-meta">(PDF, 240 Ko)</span>`, placed inside the link so that it is
/// part of the link's name for screen readers.
pub(crate) fn attachment_meta(item: &Item, strings: &Strings, lang: &str) -> String {
    format!(
        " <span class=\"attachment-meta\">({}, {})</span>",
        item.label,
        size(item.len, strings, lang)
    )
}

/// A file size the way readers of `lang` write it: `240 Ko`, `1,2 Mo` / `240 KB`, `1.2 MB`.
pub(crate) fn size(len: u64, strings: &Strings, lang: &str) -> String {
    let s = |key| ui_string(strings, lang, key);
    const K: u64 = 1024;
    let nbsp = '\u{a0}';
    if len < K {
        return format!("{len}{nbsp}{}", s("size_bytes"));
    }
    if len < K * K {
        return format!("{}{nbsp}{}", len.div_ceil(K), s("size_kb"));
    }
    let tenths = (len * 10 + K * K / 2) / (K * K);
    let number = if tenths >= 100 {
        (tenths / 10).to_string()
    } else {
        format!("{}{}{}", tenths / 10, s("decimal_separator"), tenths % 10)
    };
    format!("{number}{nbsp}{}", s("size_mb"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn strings() -> Strings {
        let lang = |b: &str, k: &str, m: &str, d: &str| -> BTreeMap<String, String> {
            [
                ("size_bytes", b),
                ("size_kb", k),
                ("size_mb", m),
                ("decimal_separator", d),
            ]
            .into_iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
        };
        [
            ("fr".to_string(), lang("octets", "Ko", "Mo", ",")),
            ("en".to_string(), lang("bytes", "KB", "MB", ".")),
        ]
        .into_iter()
        .collect()
    }

    #[test]
    fn sizes_in_each_language() {
        let s = strings();
        assert_eq!(size(240 * 1024, &s, "fr"), "240\u{a0}Ko");
        assert_eq!(size(240 * 1024 - 100, &s, "en"), "240\u{a0}KB");
        assert_eq!(size(1_258_291, &s, "fr"), "1,2\u{a0}Mo");
        assert_eq!(size(1_258_291, &s, "en"), "1.2\u{a0}MB");
        assert_eq!(size(12 * 1024 * 1024, &s, "en"), "12\u{a0}MB");
        assert_eq!(size(812, &s, "fr"), "812\u{a0}octets");
    }

    #[test]
    fn pictures_carry_their_size_and_copies() {
        let p = Picture {
            src: "media/a@1344.jpg".into(),
            width: 1344,
            height: 896,
            srcset: vec![
                (672, "media/a@672.jpg".into()),
                (1344, "media/a@1344.jpg".into()),
            ],
        };
        assert_eq!(
            img(&p, "../../", "Un \"atelier\"", None),
            "<img src=\"../../media/a@1344.jpg\" alt=\"Un &quot;atelier&quot;\" width=\"1344\" height=\"896\" loading=\"lazy\" decoding=\"async\" srcset=\"../../media/a@672.jpg 672w, ../../media/a@1344.jpg 1344w\" sizes=\"(min-width: 44rem) 42rem, calc(100vw - 2rem)\">"
        );
    }
}
