//! A fragment of raw HTML parsed the way a browser parses the inside of `<body>`, into a small
//! tree the sanitizer compares and walks. `html5ever` (the parser `ammonia` runs on, so no
//! second parser) builds it through its `TreeSink`: nodes live in one list and point at each
//! other by index (parent, siblings, first and last child), so every step of the parser's
//! tree building — foster parenting, adoption, reparenting — relinks the nodes it moves and
//! never searches a list of siblings, whatever the fragment's size.

use std::borrow::Cow;
use std::cell::{Ref, RefCell};

use html5ever::tendril::{StrTendril, TendrilSink};
use html5ever::tree_builder::{ElementFlags, NodeOrText, QuirksMode, TreeSink};
use html5ever::{local_name, ns, Attribute, QualName};

/// A node's place in its tree.
pub(crate) type Id = usize;

/// What a node is.
pub(crate) enum Data {
    Document,
    /// The contents of a `<template>`, its first child.
    Fragment,
    Element {
        name: QualName,
        attrs: Vec<Attribute>,
        mathml_integration_point: bool,
    },
    Text(StrTendril),
    Comment(StrTendril),
    /// A doctype or a processing instruction.
    Other,
}

struct Node {
    data: Data,
    parent: Option<Id>,
    prev: Option<Id>,
    next: Option<Id>,
    first: Option<Id>,
    last: Option<Id>,
}

/// A parsed fragment: the document node, the `<html>` element the parser puts the fragment
/// in, and every node the parser made (those it left out of the tree too).
pub(crate) struct Tree {
    nodes: Vec<Node>,
    /// What `elem_name` answers for a node that is not an element (the parser never asks).
    no_name: QualName,
}

const DOCUMENT: Id = 0;

impl Tree {
    /// Parses `html` as the children of a `<body>`.
    pub(crate) fn fragment(html: &str) -> Tree {
        let tree = Tree {
            nodes: Vec::new(),
            no_name: QualName::new(None, ns!(), local_name!("")),
        };
        let sink = Sink(RefCell::new(tree));
        sink.0.borrow_mut().push(Data::Document);
        let body = QualName::new(None, ns!(html), local_name!("body"));
        html5ever::parse_fragment(sink, Default::default(), body, Vec::new(), false).one(html)
    }

    /// The `<html>` element holding the fragment.
    pub(crate) fn root_element(&self) -> Id {
        self.children(DOCUMENT)
            .find(|&id| matches!(self.nodes[id].data, Data::Element { .. }))
            .unwrap_or(DOCUMENT)
    }

    pub(crate) fn data(&self, id: Id) -> &Data {
        &self.nodes[id].data
    }

    pub(crate) fn children(&self, id: Id) -> impl Iterator<Item = Id> + '_ {
        std::iter::successors(self.nodes[id].first, |&c| self.nodes[c].next)
    }

    /// The nodes under `id`, in document order (`id` itself first).
    pub(crate) fn descendants(&self, id: Id) -> impl Iterator<Item = Id> + '_ {
        std::iter::successors(Some(id), move |&n| {
            if let Some(first) = self.nodes[n].first {
                return Some(first);
            }
            let mut at = n;
            while at != id {
                if let Some(next) = self.nodes[at].next {
                    return Some(next);
                }
                at = self.nodes[at].parent?;
            }
            None
        })
    }

    /// Every node the parser made, in the tree or not.
    pub(crate) fn all(&self) -> impl Iterator<Item = &Data> {
        self.nodes.iter().map(|n| &n.data)
    }

    fn push(&mut self, data: Data) -> Id {
        self.nodes.push(Node {
            data,
            parent: None,
            prev: None,
            next: None,
            first: None,
            last: None,
        });
        self.nodes.len() - 1
    }

    fn detach(&mut self, id: Id) {
        let Node {
            parent, prev, next, ..
        } = self.nodes[id];
        let Some(parent) = parent else { return };
        match prev {
            Some(p) => self.nodes[p].next = next,
            None => self.nodes[parent].first = next,
        }
        match next {
            Some(n) => self.nodes[n].prev = prev,
            None => self.nodes[parent].last = prev,
        }
        let node = &mut self.nodes[id];
        (node.parent, node.prev, node.next) = (None, None, None);
    }

    fn append(&mut self, parent: Id, id: Id) {
        self.detach(id);
        let last = self.nodes[parent].last;
        self.link(id, parent, (last, None));
    }

    fn insert_before(&mut self, sibling: Id, id: Id) {
        let Some(parent) = self.nodes[sibling].parent else {
            return;
        };
        self.detach(id);
        let prev = self.nodes[sibling].prev;
        self.link(id, parent, (prev, Some(sibling)));
    }

    /// Puts the detached node `id` under `parent`, between two neighbours (`None`: at that end).
    fn link(&mut self, id: Id, parent: Id, (prev, next): (Option<Id>, Option<Id>)) {
        match prev {
            Some(p) => self.nodes[p].next = Some(id),
            None => self.nodes[parent].first = Some(id),
        }
        match next {
            Some(n) => self.nodes[n].prev = Some(id),
            None => self.nodes[parent].last = Some(id),
        }
        let node = &mut self.nodes[id];
        (node.parent, node.prev, node.next) = (Some(parent), prev, next);
    }

    /// Adds `text` to the text node `at`, when it is one.
    fn extend_text(&mut self, at: Option<Id>, text: &StrTendril) -> bool {
        match at.map(|id| &mut self.nodes[id].data) {
            Some(Data::Text(t)) => {
                t.push_tendril(text);
                true
            }
            _ => false,
        }
    }
}

/// The parser's view of a `Tree` being built.
struct Sink(RefCell<Tree>);

impl TreeSink for Sink {
    type Handle = Id;
    type Output = Tree;
    type ElemName<'a> = Ref<'a, QualName>;

    fn finish(self) -> Tree {
        self.0.into_inner()
    }

    fn parse_error(&self, _msg: Cow<'static, str>) {}

    fn get_document(&self) -> Id {
        DOCUMENT
    }

    fn elem_name<'a>(&'a self, target: &'a Id) -> Ref<'a, QualName> {
        Ref::map(self.0.borrow(), |t| match &t.nodes[*target].data {
            Data::Element { name, .. } => name,
            _ => &t.no_name,
        })
    }

    fn create_element(&self, name: QualName, attrs: Vec<Attribute>, flags: ElementFlags) -> Id {
        let mut t = self.0.borrow_mut();
        let id = t.push(Data::Element {
            name,
            attrs,
            mathml_integration_point: flags.mathml_annotation_xml_integration_point,
        });
        if flags.template {
            let contents = t.push(Data::Fragment);
            t.append(id, contents);
        }
        id
    }

    fn create_comment(&self, text: StrTendril) -> Id {
        self.0.borrow_mut().push(Data::Comment(text))
    }

    fn create_pi(&self, _target: StrTendril, _data: StrTendril) -> Id {
        self.0.borrow_mut().push(Data::Other)
    }

    fn append(&self, parent: &Id, child: NodeOrText<Id>) {
        let mut t = self.0.borrow_mut();
        match child {
            NodeOrText::AppendNode(id) => t.append(*parent, id),
            NodeOrText::AppendText(text) => {
                let last = t.nodes[*parent].last;
                if !t.extend_text(last, &text) {
                    let id = t.push(Data::Text(text));
                    t.append(*parent, id);
                }
            }
        }
    }

    fn append_based_on_parent_node(&self, element: &Id, prev_element: &Id, child: NodeOrText<Id>) {
        let has_parent = self.0.borrow().nodes[*element].parent.is_some();
        if has_parent {
            self.append_before_sibling(element, child);
        } else {
            self.append(prev_element, child);
        }
    }

    fn append_doctype_to_document(&self, _: StrTendril, _: StrTendril, _: StrTendril) {
        let mut t = self.0.borrow_mut();
        let id = t.push(Data::Other);
        t.append(DOCUMENT, id);
    }

    fn get_template_contents(&self, target: &Id) -> Id {
        let t = self.0.borrow();
        t.nodes[*target]
            .first
            .filter(|&c| matches!(t.nodes[c].data, Data::Fragment))
            .unwrap_or(*target)
    }

    fn same_node(&self, x: &Id, y: &Id) -> bool {
        x == y
    }

    fn set_quirks_mode(&self, _mode: QuirksMode) {}

    fn append_before_sibling(&self, sibling: &Id, new_node: NodeOrText<Id>) {
        let mut t = self.0.borrow_mut();
        match new_node {
            NodeOrText::AppendNode(id) => {
                t.detach(id);
                t.insert_before(*sibling, id);
            }
            NodeOrText::AppendText(text) => {
                if t.nodes[*sibling].parent.is_none() {
                    return;
                }
                let prev = t.nodes[*sibling].prev;
                if !t.extend_text(prev, &text) {
                    let id = t.push(Data::Text(text));
                    t.insert_before(*sibling, id);
                }
            }
        }
    }

    fn add_attrs_if_missing(&self, target: &Id, new: Vec<Attribute>) {
        if let Data::Element { attrs, .. } = &mut self.0.borrow_mut().nodes[*target].data {
            for attr in new {
                if !attrs.iter().any(|a| a.name == attr.name) {
                    attrs.push(attr);
                }
            }
        }
    }

    fn remove_from_parent(&self, target: &Id) {
        self.0.borrow_mut().detach(*target);
    }

    fn reparent_children(&self, node: &Id, new_parent: &Id) {
        if node == new_parent {
            return;
        }
        let mut t = self.0.borrow_mut();
        while let Some(child) = t.nodes[*node].first {
            t.append(*new_parent, child);
        }
    }

    fn is_mathml_annotation_xml_integration_point(&self, handle: &Id) -> bool {
        matches!(
            self.0.borrow().nodes[*handle].data,
            Data::Element {
                mathml_integration_point: true,
                ..
            }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tree written back as markup-like text, to compare with what a browser builds.
    fn show(t: &Tree, id: Id) -> String {
        t.children(id)
            .map(|c| match t.data(c) {
                Data::Element { name, attrs, .. } => {
                    let mut attrs: Vec<String> = attrs
                        .iter()
                        .map(|a| format!(" {}=\"{}\"", a.name.local, a.value))
                        .collect();
                    attrs.sort(); // scraper keeps them sorted
                    let attrs = attrs.concat();
                    format!("<{}{attrs}>{}</{}>", name.local, show(t, c), name.local)
                }
                Data::Text(s) => s.to_string(),
                Data::Comment(s) => format!("<!--{s}-->"),
                Data::Fragment => format!("#fragment({})", show(t, c)),
                Data::Document | Data::Other => String::new(),
            })
            .collect()
    }

    fn parsed(html: &str) -> String {
        let t = Tree::fragment(html);
        show(&t, t.root_element())
    }

    #[test]
    fn builds_what_a_browser_builds() {
        // Implied end tags, foster parenting (text and elements out of a table go before
        // it), the adoption agency (misnested formatting), template contents, text merged.
        for (html, tree) in [
            ("<p>a<p>b", "<p>a</p><p>b</p>"),
            (
                "<table><tr><td>1</td></tr>x<b>y</b></table>",
                "x<b>y</b><table><tbody><tr><td>1</td></tr></tbody></table>",
            ),
            ("<b>1<i>2</b>3</i>", "<b>1<i>2</i></b><i>3</i>"),
            (
                "<template><td>c</td></template>",
                "<template>#fragment(<td>c</td>)</template>",
            ),
            ("a<!--c-->b&amp;c", "a<!--c-->b&c"),
            ("<a href=x title=t>l</a>", "<a href=\"x\" title=\"t\">l</a>"),
            ("</p>", "<p></p>"),
            // An HTML integration point: HTML inside MathML stays there (scraper, which does
            // not record it, moves the div out; browsers do not).
            (
                "<math><annotation-xml encoding=text/html><div>d</div></annotation-xml></math>",
                "<math><annotation-xml encoding=\"text/html\"><div>d</div></annotation-xml></math>",
            ),
        ] {
            assert_eq!(parsed(html), tree, "{html}");
        }
    }

    #[test]
    fn descendants_walk_the_tree_in_order_and_stay_under_their_node() {
        let t = Tree::fragment("<div><p>a<b>b</b></p><p>c</p></div><hr>");
        let names: Vec<String> = t
            .descendants(t.root_element())
            .map(|id| match t.data(id) {
                Data::Element { name, .. } => name.local.to_string(),
                Data::Text(s) => s.to_string(),
                _ => "?".into(),
            })
            .collect();
        assert_eq!(names, ["html", "div", "p", "a", "b", "b", "p", "c", "hr"]);
        let div = t.children(t.root_element()).next().unwrap();
        assert_eq!(t.descendants(div).count(), 7);
    }

    #[test]
    fn a_large_fragment_with_foster_parenting_keeps_every_node() {
        // 20,000 runs of text and elements moved out of a table, before it.
        let html = format!("<table>{}</table>", "x<i>y</i>".repeat(20_000));
        let t = Tree::fragment(&html);
        assert_eq!(t.children(t.root_element()).count(), 40_001);
        assert_eq!(
            t.descendants(t.root_element()).count(),
            1 + 40_000 + 20_000 + 1
        );
    }

    /// scraper's tree (a test dependency) written the same way as `show`.
    fn show_scraper(node: ego_tree::NodeRef<scraper::Node>) -> String {
        node.children()
            .map(|c| match c.value() {
                scraper::Node::Element(e) => {
                    let mut attrs: Vec<String> = e
                        .attrs
                        .iter()
                        .map(|(name, value)| format!(" {}=\"{value}\"", name.local))
                        .collect();
                    attrs.sort();
                    let attrs = attrs.concat();
                    format!("<{}{attrs}>{}</{}>", e.name(), show_scraper(c), e.name())
                }
                scraper::Node::Text(s) => s.to_string(),
                scraper::Node::Comment(s) => format!("<!--{}-->", s.comment),
                scraper::Node::Fragment => format!("#fragment({})", show_scraper(c)),
                _ => String::new(),
            })
            .collect()
    }

    #[test]
    fn the_same_trees_as_scraper_on_every_attack_of_the_test_corpus() {
        // What the sanitizer compared before this module: scraper's trees, on the same parser.
        // The attacks of tests/fixtures/xss (whole files: Markdown around the HTML is text to
        // the parser) and fragments that exercise each step of the tree building.
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/xss");
        let mut fragments: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
            .collect();
        assert!(fragments.len() > 40);
        fragments.extend(
            [
                "<table><tr><td>1<table><tr>x</table></td></tr>y</table>z",
                "<a><p><a>b</a></p></a>",
                "<b><p>1</b>2</p>",
                "<select><option>a<option>b</select><p>",
                "<svg><foreignObject><p>x</p></foreignObject><desc><b>y</svg>",
                "<template><tr><td>a</template><template></template>",
                "<ul><li>1<li>2</ul><dl><dt>a<dd>b</dl>",
                "<p title=a title=b class=c>x</p><br/><hr><img src=x onerror=y>",
                "<!-- open comment",
                "<a href=\"x",
                "<frameset><frame></frameset>",
                "</div></span>text<textarea><b>t</textarea><noscript><i>n</i></noscript>",
            ]
            .map(String::from),
        );
        for html in &fragments {
            let ours = Tree::fragment(html);
            let theirs = scraper::Html::parse_fragment(html);
            assert_eq!(
                show(&ours, ours.root_element()),
                show_scraper(*theirs.root_element()),
                "{html}"
            );
        }
    }
}
