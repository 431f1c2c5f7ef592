"""Find anything executable in an HTML page: the XSS tests assert this list is empty.

Pages are parsed with tinyhtml5 (WeasyPrint's HTML5 parser), which builds the same tree a browser does,
so markup that only becomes dangerous after the browser's error recovery is seen too.
"""

import io
import re

import tinyhtml5

DANGEROUS_TAGS = {"script", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "portal"}
URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "data", "poster", "background", "lowsrc", "dynsrc",
    "xlink:href", "{http://www.w3.org/1999/xlink}href", "ping", "codebase", "cite", "manifest",
}  # fmt: skip
BAD_SCHEMES = ("javascript:", "vbscript:", "data:", "livescript:")
# Browsers drop tabs and newlines anywhere in a URL ("java\tscript:" runs) and C0 controls and spaces
# around it; a space inside the scheme makes it a relative URL, which is harmless.
TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")


def _local(tag):
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _ours(element, name, value):
    """Markup that roamx's own templates put there on purpose."""
    tag = _local(element.tag)
    if tag == "script":
        # Our scripts are files from our own origin (/static/, the admin's /admin/jsi18n/); none inline.
        src = element.get("src", "")
        same_origin = src.startswith("/") and not src.startswith("//")
        return name is None and same_origin and not (element.text or "").strip()
    if tag == "link" and name == "href":
        rel = element.get("rel", "")
        return value.startswith("/static/") or (rel == "icon" and value.startswith("data:image/svg+xml"))
    return False


def offences(html):
    """[description] of every element or attribute in ``html`` that could run script or load a foreign page."""
    found = []
    # A stream, because tinyhtml5 takes a short string for a file name when such a file exists.
    root = tinyhtml5.parse(io.StringIO(f"{html}"))
    for element in root.iter():
        tag = _local(element.tag)
        if tag in DANGEROUS_TAGS and not _ours(element, None, None):
            found.append(f"<{tag}> {dict(element.attrib)}")
        if tag == "meta" and element.get("http-equiv", "").lower() == "refresh":
            found.append(f"<meta refresh> {element.get('content')}")
        if tag == "link" and not _ours(element, "href", element.get("href", "")):
            found.append(f"<link> {element.get('href')}")
        for name, value in element.attrib.items():
            attr = _local(name) if name.startswith("{") else name.lower()
            if attr.startswith("on"):
                found.append(f"<{tag} {attr}={value!r}>")
            elif attr == "srcdoc":
                found.append(f"<{tag} srcdoc>")
            elif attr in URL_ATTRIBUTES or name in URL_ATTRIBUTES:
                scheme = (
                    TAB_OR_NEWLINE.sub("", value)
                    .strip(
                        "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f "
                    )
                    .lower()
                )
                if scheme.startswith(BAD_SCHEMES) and not _ours(element, attr, value):
                    found.append(f"<{tag} {attr}={value[:60]!r}>")
            elif attr == "style" and re.search(r"expression|url\s*\(|javascript:", value, re.IGNORECASE):
                found.append(f"<{tag} style={value[:60]!r}>")
    return found
