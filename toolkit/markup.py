"""Researcher text (Markdown, with whatever raw HTML it holds) → HTML that loads nothing it was not given.

One rule for every surface that shows researchers' Markdown — the review pages in the browser, the report
preview and the PDF (WeasyPrint fetches what HTML and CSS point at; a browser requests every image, also
same-origin GETs that the CSP allows). Every reference to a resource is taken out here, before anything
renders: each becomes a visible placeholder (``[image not included: …]``) and is told to the ``media``
policy (``media.refuse(where, url)``), which may record it. The one exception is a figure,
``![caption](attachment:<id>)``: ``media.figure("attachment:<id>")`` returns the key (a URL) its image
may be loaded from, or None, and the figure becomes ``<img src=key alt=caption>`` with its caption; the
policy decides which attachments qualify (the same assessment's images). Links stay links: they are
followed only by a reader's click.

How: Markdown → HTML; the HTML is parsed as the HTML5 parser of a browser (and of WeasyPrint) would
(tinyhtml5), every element is inspected — images, ``srcset``, ``<link>``, ``<style>``/``style=`` with
``url()`` or ``@import``, SVG ``href``, ``<object>``, ``<iframe>``, ``<embed>``, media, forms — and the
result is cleaned once more by nh3 with a short allow-list (no style, no link, no object; an ``img`` only
with a source the policy issued for a figure of this very text).
"""

import io
import re
import unicodedata
from xml.etree.ElementTree import Element

import markdown as md
import nh3
import tinycss2
import tinyhtml5
from django.utils.html import escape
from django.utils.translation import gettext as _

FIGURE_REF = re.compile(r"^attachment:(\d{1,18})$")
FIGURE_IDS = re.compile(r"attachment:(\d{1,18})")
# Elements never kept (with their content): they load, embed or run something.
DROP = {
    "applet", "audio", "base", "embed", "frame", "frameset", "iframe", "input", "link", "meta", "noembed",
    "noframes", "noscript", "object", "param", "picture", "portal", "script", "source", "style",
    "template", "track", "video", "image", "button", "select", "textarea", "form",
}  # fmt: skip
# Attributes through which HTML loads something (a link's href is followed only by a reader's click).
URL_ATTRIBUTES = {
    "src", "srcset", "href", "data", "poster", "background", "codebase", "archive", "lowsrc", "dynsrc",
    "longdesc", "manifest", "icon", "imagesrcset", "classid", "usemap", "action", "formaction", "profile",
}  # fmt: skip
LINKS = {"a"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
ATTRIBUTE_NAME = re.compile(r"^[a-zA-Z][a-zA-Z0-9_.:-]*$")
SCHEME = re.compile(r"^\s*([a-zA-Z][a-zA-Z0-9+.-]*):")
CSS_URL_FUNCTIONS = {"url", "src", "image", "image-set", "-webkit-image-set", "cross-fade", "element"}

# The final allow-list (nh3): nothing that loads, lays out or styles from user text.
TAGS = set(nh3.ALLOWED_TAGS) - {"area", "map"}
ATTRIBUTES = {tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()}
ATTRIBUTES["img"] = {"src", "alt"}
ATTRIBUTES["a"] = {"href"}
CLASSES = {"span": {"refused", "figure", "figure-caption", "figure-number"}}
LINK_SCHEMES = {"http", "https", "mailto"}


def figure_ids(texts):
    """The attachment ids a set of texts may name as figures (to load them all in one query)."""
    return {int(n) for text in texts for n in FIGURE_IDS.findall(text or "")}


def clean_url(url, limit=120):
    """A URL as a placeholder or the export's list shows it: no control or format characters, one line."""
    cleaned = "".join(
        " " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c
        for c in str(url)
        if unicodedata.category(c) != "Cf"
    )
    cleaned = " ".join(cleaned.split())
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def css_urls(css):
    """The resources a piece of CSS (a stylesheet or a style attribute) would load."""
    found = []

    def walk(tokens):
        for token in tokens:
            kind = getattr(token, "type", None)
            if kind == "url":
                found.append(token.value)
            elif kind == "function":
                if token.lower_name in CSS_URL_FUNCTIONS:
                    found.extend(t.value for t in token.arguments if getattr(t, "type", None) == "string")
                walk(token.arguments)
            elif kind == "at-rule":
                if token.lower_at_keyword == "import":
                    found.extend(t.value for t in token.prelude if getattr(t, "type", None) == "string")
                walk(token.prelude)
                walk(token.content or [])
            elif kind in ("() block", "[] block", "{} block"):
                walk(token.content)
            elif kind == "qualified-rule":
                walk(token.prelude)
                walk(token.content)

    walk(tinycss2.parse_stylesheet(css))
    walk(tinycss2.parse_component_value_list(css))
    return list(dict.fromkeys(found)) or ([css.strip()[:80]] if "url" in css.lower() else [])


def _scheme(url):
    match = SCHEME.match(url)
    return match.group(1).lower() if match else ""


def _local(name):
    return name.rsplit("}", 1)[-1]


def _own_urls(element):
    """The URLs one element (not its children) would load: attributes, style attribute, style text."""
    tag = _local(element.tag)
    urls = []
    for name, value in element.attrib.items():
        local = _local(name).lower()
        if local in URL_ATTRIBUTES and not (tag in LINKS and local == "href"):
            if local.endswith("srcset"):
                urls.extend(part.strip().split(" ")[0] for part in value.split(",") if part.strip())
            else:
                urls.append(value)
        elif local == "style":
            urls.extend(css_urls(value))
    if tag == "style":
        urls.extend(css_urls("".join(element.itertext())))
    return [u for u in urls if u.strip()] or []


def _subtree_urls(element):
    urls = []
    for node in element.iter():
        if isinstance(node.tag, str):
            urls.extend(_own_urls(node))
    return urls


class NoFigures:
    """The policy where nothing is recorded and no figure resolves: every image is a placeholder."""

    def refuse(self, where, url):
        pass

    def figure(self, ref):
        return None


class Sanitiser:
    """One piece of text at a time. ``media`` is the policy: ``figure(ref)`` → the URL or key of an image
    for ``attachment:<id>`` (or None: refused), ``refuse(where, url)`` hears of each placeholder."""

    def __init__(self, media=None, where="", *, link_rel="noopener noreferrer"):
        self.media = media or NoFigures()
        self.where = where
        self.link_rel = link_rel
        self.keys = set()  # the image sources this text's figures were given: the only ones kept

    def placeholder(self, url):
        url = clean_url(url)
        self.media.refuse(self.where, url)
        element = Element("span", {"class": "refused"})
        element.text = _("[image not included: %(url)s]") % {"url": url}
        return element

    def figure(self, img):
        ref = img.get("src", "").strip()
        key = self.media.figure(ref) if FIGURE_REF.match(ref) and not img.get("srcset") else None
        if key is None:
            return [self.placeholder(url) for url in _own_urls(img) or [ref or "img"]]
        self.keys.add(key)
        caption = img.get("alt", "").strip()
        figure = Element("span", {"class": "figure"})
        figure.append(Element("img", {"src": key, "alt": caption}))
        # A policy that numbers figures (the report's, across the whole report) gives the next number.
        number = self.media.number_figure() if hasattr(self.media, "number_figure") else None
        if caption or number:
            text = Element("span", {"class": "figure-caption"})
            if number:
                label = Element("span", {"class": "figure-number"})
                label.text = _("Figure %(n)d") % {"n": number}
                label.tail = f": {caption}" if caption else ""
                text.append(label)
            else:
                text.text = caption
            figure.append(text)
        return [figure]

    def walk(self, parent):
        for child in list(parent):
            if not isinstance(child.tag, str):  # a comment
                _replace(parent, child, [])
                continue
            tag = child.tag
            if tag.startswith("{") or tag in DROP:  # SVG and MathML, and what loads or runs
                urls = _subtree_urls(child)
                _replace(parent, child, [self.placeholder(url) for url in urls])
            elif tag == "img":
                _replace(parent, child, self.figure(child))
            else:
                urls = _own_urls(child)
                for name in list(child.attrib):
                    local = _local(name).lower()
                    if (
                        not ATTRIBUTE_NAME.match(name)
                        or local == "style"
                        or (local in URL_ATTRIBUTES and not (tag in LINKS and local == "href"))
                    ):
                        del child.attrib[name]
                self.walk(child)
                if urls:  # the element stays, without its style; the placeholders open its content
                    placeholders = [self.placeholder(url) for url in urls]
                    placeholders[-1].tail, child.text = child.text, None
                    child[0:0] = placeholders

    def html(self, markdown_text):
        html = md.markdown(markdown_text or "", extensions=["extra", "sane_lists"], output_format="html")
        # A stream, not a str: tinyhtml5 takes a short str for a file path and stats it, which fails
        # (ENAMETOOLONG) for a short Khmer paragraph — under 200 characters but over 255 bytes.
        body = tinyhtml5.parse(
            io.StringIO("<!doctype html><body>" + html), namespace_html_elements=False
        ).find("body")
        self.walk(body)
        out = [escape(body.text or "")] + [_serialise(child) for child in body]
        # The schemes of the figures' keys (e.g. roamx-attachment: for the PDF) are allowed for them only.
        key_schemes = {_scheme(key) for key in self.keys} - {""}
        return nh3.clean(
            "".join(out),
            tags=TAGS,
            attributes=ATTRIBUTES,
            allowed_classes=CLASSES,
            url_schemes=LINK_SCHEMES | key_schemes,
            attribute_filter=self._attribute_filter,
            link_rel=self.link_rel,
        )

    def _attribute_filter(self, tag, attribute, value):
        # Only our figures carry an image source; a figure's key is never a link.
        if tag == "img" and attribute == "src":
            return value if value in self.keys else None
        if attribute in ("href", "src"):
            scheme = _scheme(value)
            if value.strip() in self.keys or (scheme and scheme not in LINK_SCHEMES):
                return None
        return value


def _replace(parent, child, replacements):
    """Put ``replacements`` where ``child`` was, keeping the text that followed it."""
    index = list(parent).index(child)
    parent.remove(child)
    for n, element in enumerate(replacements):
        parent.insert(index + n, element)
    tail = child.tail or ""
    if replacements:
        replacements[-1].tail = (replacements[-1].tail or "") + tail
    elif index > 0:
        previous = parent[index - 1]
        previous.tail = (previous.tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail


def _serialise(element):
    if not isinstance(element.tag, str):
        return escape(element.tail or "")
    attrs = "".join(f' {name}="{escape(value)}"' for name, value in element.attrib.items())
    parts = [f"<{element.tag}{attrs}>", escape(element.text or "")]
    parts += [_serialise(child) for child in element]
    if element.tag not in VOID:
        parts.append(f"</{element.tag}>")
    parts.append(escape(element.tail or ""))
    return "".join(parts)
