"""The report as a Word file (python-docx), from the same chapters as the PDF (reports/document.py), so
both have the same content in the same order.

The chapters' HTML — researchers' Markdown already sanitised by ``toolkit.markup`` — is walked element
by element and written as Word content: headings as Word's heading styles (so Word's navigation pane and
its contents field see them), paragraphs with bold, italic and code runs, lists as Word lists
(recommendations as numbered lists that restart for each stakeholder group), tables as Word tables, the
annex as one table per theme with one row per indicator, and figures (``roamx-attachment:`` keys) as
pictures from the bytes ``reports.media`` read through storage, captioned "Figure N". Nothing is fetched:
an image the report does not carry is left out. Links become their text (and address) — a Word file
from roamx holds no field or hyperlink from user text; the one field is the contents (TOC), which Word
fills when the reader updates fields (``w:updateFields`` asks it to on opening).

The category chart is SVG, which Word shows only with a PNG fallback; the Word file gives the chart's
numbers as the table that follows it in the PDF too.
"""

import io
import re

import lxml.html
from django.utils.translation import gettext as _
from docx import Document
from docx.enum.section import WD_ORIENT  # noqa: F401 (kept for readers adjusting the layout)
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from reports.document import ReportDocument

HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 4, "h6": 4}
BLOCKS = {"p", "div", "section", "ul", "ol", "table", "blockquote", "pre", "figure", "hr", *HEADINGS}
SPACES = re.compile(r"[ \t\r\n]+")
MAX_IMAGE_WIDTH = Cm(15)
# The annex's columns: code, indicator (with its evidence), status, score, sources.
ANNEX_WIDTHS = [Cm(1.7), Cm(7.3), Cm(2.2), Cm(2.4), Cm(3.4)]


class WordWriter:
    def __init__(self, doc: ReportDocument):
        self.doc = doc
        self.word = Document()
        self.figures = 0
        style = self.word.styles["Normal"]
        style.font.name = "Noto Sans"
        style.font.size = Pt(10.5)

    # -- inline ---------------------------------------------------------------------------------------
    def runs(self, paragraph, element, bold=False, italic=False, code=False):
        """Write the text of ``element`` and its inline children into ``paragraph``."""
        if element.text:
            self.run(paragraph, element.text, bold, italic, code)
        for child in element:
            if not isinstance(child.tag, str):
                pass
            elif child.tag == "br":
                paragraph.add_run().add_break()
            elif child.tag == "img":
                pass  # figures are blocks (see ``figure``); a stray image is left out
            elif child.tag == "a":
                self.runs(paragraph, child, bold, italic, code)
                href = child.get("href", "")
                if href.startswith(("http://", "https://")) and href != (child.text_content() or "").strip():
                    self.run(paragraph, f" ({href})", bold, italic, code)
            else:
                self.runs(
                    paragraph,
                    child,
                    bold or child.tag in ("strong", "b", "th"),
                    italic or child.tag in ("em", "i", "cite"),
                    code or child.tag in ("code", "kbd", "samp"),
                )
            if isinstance(child.tag, str) and child.tail:
                self.run(paragraph, child.tail, bold, italic, code)

    def run(self, paragraph, text, bold, italic, code):
        text = SPACES.sub(" ", text)
        if not text.strip() and not paragraph.runs:
            return
        run = paragraph.add_run(text)
        run.bold = bold or None
        run.italic = italic or None
        if code:
            run.font.name = "Courier New"

    # -- blocks ---------------------------------------------------------------------------------------
    def blocks(self, element, list_style=None):
        """Write the block content of ``element``: inline text between blocks becomes a paragraph."""
        pending = []

        def flush():
            if pending:
                holder = lxml.html.Element("p")
                holder.text = ""
                for item in pending:
                    if isinstance(item, str):
                        if len(holder):
                            holder[-1].tail = (holder[-1].tail or "") + item
                        else:
                            holder.text += item
                    else:
                        holder.append(item)
                pending.clear()
                if holder.text_content().strip():
                    self.paragraph(holder)

        if element.text and element.text.strip():
            pending.append(element.text)
        for child in list(element):
            if not isinstance(child.tag, str):
                continue
            tail, child.tail = child.tail, None
            if child.tag in BLOCKS or self.is_figure(child) or child.get("class") == "figure":
                flush()
                self.block(child)
            else:
                pending.append(child)
            if tail and tail.strip():
                pending.append(tail)
        flush()

    def is_figure(self, element):
        return element.tag == "span" and "figure" in (element.get("class") or "").split()

    def block(self, element):
        tag, classes = element.tag, (element.get("class") or "").split()
        if tag in HEADINGS:
            self.word.add_heading(SPACES.sub(" ", element.text_content()).strip(), level=HEADINGS[tag])
        elif tag == "p":
            if element.find(".//span[@class='figure']") is not None:
                self.blocks(element)  # a figure inside a paragraph: the figure, then the text around it
            else:
                self.paragraph(element, style="Caption" if "rec-meta" in classes else None)
        elif tag in ("ul", "ol"):
            self.list(element, numbered=tag == "ol")
        elif tag == "table":
            self.annex_table(element) if "annex" in classes else self.table(element)
        elif tag == "blockquote":
            self.blocks(element)
        elif tag == "pre":
            paragraph = self.word.add_paragraph()
            self.run(paragraph, element.text_content(), False, False, True)
        elif tag == "hr":
            self.word.add_paragraph("—")
        elif tag == "span" and "figure" in classes:
            self.figure(element)
        elif tag == "figure":
            # The category chart (SVG): its numbers are in the summary table after it.
            caption = element.find("figcaption")
            if caption is not None:
                self.paragraph(caption, style="Caption")
        else:
            self.blocks(element)

    def paragraph(self, element, style=None):
        paragraph = self.word.add_paragraph(style=style)
        self.runs(paragraph, element)
        return paragraph

    def list(self, element, numbered):
        style = "List Number" if numbered else "List Bullet"
        num_id = self.new_numbering() if numbered else None
        for item in element.findall("li"):
            paragraph = self.word.add_paragraph(style=style)
            if num_id is not None:
                numbering = paragraph._p.get_or_add_pPr().get_or_add_numPr()
                numbering.get_or_add_ilvl().val = 0
                numbering.get_or_add_numId().val = num_id
            first_block = True
            if item.text and item.text.strip():
                self.run(paragraph, item.text, False, False, False)
            for child in item:
                tail, child.tail = child.tail, None
                if child.tag == "p" and first_block:
                    self.runs(paragraph, child)
                    first_block = False
                elif child.tag == "p":
                    self.paragraph(
                        child, style="Caption" if "rec-meta" in (child.get("class") or "") else None
                    )
                elif child.tag in ("ul", "ol"):
                    self.list(child, numbered=child.tag == "ol")
                elif self.is_figure(child):
                    self.figure(child)
                else:
                    holder = lxml.html.Element("span")
                    holder.append(child)
                    self.runs(paragraph, holder)
                if tail and tail.strip():
                    self.run(paragraph, tail, False, False, False)

    def new_numbering(self):
        """A numbering instance of the "List Number" style that starts at 1 (each list restarts)."""
        numbering = self.word.part.numbering_part.numbering_definitions._numbering
        style = self.word.styles["List Number"]
        abstract = numbering.num_having_numId(style.element.pPr.numPr.numId.val).abstractNumId.val
        num = numbering.add_num(abstract)
        num.add_lvlOverride(ilvl=0).add_startOverride(1)
        return num.numId

    def table(self, element):
        rows = element.findall(".//tr")
        if not rows:
            return
        width = max(len(row.findall("th") + row.findall("td")) for row in rows)
        table = self.word.add_table(rows=0, cols=width)
        table.style = "Table Grid"
        for row in rows:
            cells = table.add_row().cells
            for cell, source in zip(cells, [c for c in row if c.tag in ("th", "td")], strict=False):
                paragraph = cell.paragraphs[0]
                self.runs(paragraph, source, bold=source.tag == "th")
        self.word.add_paragraph()

    def annex_table(self, element):
        """One row per indicator: code, indicator (with its evidence below), status, score, sources."""
        header = [SPACES.sub(" ", th.text_content()).strip() for th in element.findall("thead/tr/th")]
        table = self.word.add_table(rows=1, cols=len(header))
        table.style = "Table Grid"
        table.autofit = False
        for cell, text in zip(table.rows[0].cells, header, strict=True):
            cell.paragraphs[0].add_run(text).bold = True
        for body in element.findall("tbody"):
            main = body.find("tr")
            if main is None:
                continue
            cells = table.add_row().cells
            values = [c for c in main if c.tag in ("th", "td")]
            for cell, source in zip(cells, values, strict=False):
                self.runs(cell.paragraphs[0], source, bold=source.tag == "th")
            evidence = body.find("tr[@class='aevidence']")
            if evidence is not None:
                for part in evidence.findall("td")[-1]:
                    for block in part if part.get("class") == "anarr" else [part]:
                        if isinstance(block.tag, str):
                            paragraph = cells[1].add_paragraph()
                            self.runs(paragraph, block)
                            for run in paragraph.runs:
                                run.font.size = Pt(8.5)
                                run.font.color.rgb = RGBColor(0x44, 0x4C, 0x5A)
        if len(header) == len(ANNEX_WIDTHS):
            for column, width in zip(table.columns, ANNEX_WIDTHS, strict=True):
                column.width = width  # the grid, which LibreOffice reads
            for row in table.rows:
                for cell, width in zip(row.cells, ANNEX_WIDTHS, strict=True):
                    cell.width = width
        self.word.add_paragraph()

    def figure(self, element):
        img = element.find("img")
        resource = (
            self.doc.media.resources.get(img.get("src", "")) if img is not None and self.doc.media else None
        )
        if resource is None:
            return
        self.figures += 1
        picture = self.word.add_picture(io.BytesIO(resource[1]))
        if picture.width > MAX_IMAGE_WIDTH:  # never wider than the text; small images keep their size
            picture.height = int(picture.height * MAX_IMAGE_WIDTH / picture.width)
            picture.width = MAX_IMAGE_WIDTH
        caption = (img.get("alt") or "").strip()
        label = _("Figure %(n)d") % {"n": self.figures}
        self.word.add_paragraph(f"{label}: {caption}" if caption else label, style="Caption")

    # -- front matter ---------------------------------------------------------------------------------
    def title_page(self):
        front = self.doc.front_context
        for key in ("logo", "partner_logo"):
            resource = self.doc.media.resources.get(front.get(key) or "") if self.doc.media else None
            if resource:
                self.word.add_picture(io.BytesIO(resource[1]), height=Cm(2))
        if front.get("series"):
            self.word.add_paragraph(front["series"], style="Subtitle")
        self.word.add_paragraph(front["title"], style="Title")
        if front.get("local_title"):
            self.word.add_paragraph(front["local_title"], style="Subtitle")
        self.word.add_paragraph(front["subtitle"], style="Subtitle")
        for line in (front.get("scope_note"), front.get("date")):
            if line:
                self.word.add_paragraph(line)
        if self.doc.is_draft:
            paragraph = self.word.add_paragraph()
            run = paragraph.add_run(_("DRAFT — for validation"))
            run.bold = True
            run.font.color.rgb = RGBColor(0xB0, 0x30, 0x30)
        self.page_break()
        self.contents()
        self.page_break()

    def contents(self):
        """Word's own contents: a TOC field over heading levels 1–2. Word fills in the page numbers when
        fields are updated; until then the field shows the headings it will list (its last result)."""
        self.word.add_paragraph(_("Contents"), style="Title")

        def field_char(kind):
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
            return element

        instruction = OxmlElement("w:instrText")
        instruction.set(qn("xml:space"), "preserve")
        instruction.text = 'TOC \\o "1-2" \\h \\z \\u'
        start = self.word.add_paragraph().add_run()
        for part in (field_char("begin"), instruction, field_char("separate")):
            start._r.append(part)
        for _anchor, title, level in self.doc.toc_entries():
            paragraph = self.word.add_paragraph(title)
            paragraph.paragraph_format.left_indent = Cm(0.6 * (level - 1))
            paragraph.paragraph_format.space_after = Pt(2)
        hint = self.word.add_paragraph()
        hint.add_run(_("Update the field (F9) to add page numbers.")).italic = True
        hint.add_run()._r.append(field_char("end"))
        # Ask Word (and LibreOffice) to update fields when the file opens.
        settings = self.word.settings.element
        update = OxmlElement("w:updateFields")
        update.set(qn("w:val"), "true")
        settings.append(update)

    def page_break(self):
        self.word.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    # -- the whole --------------------------------------------------------------------------------------
    def write(self):
        core = self.word.core_properties
        core.title = self.doc.front_context["title"][:255]
        core.subject = self.doc.short_title[:255]
        core.author = "roamx"
        self.title_page()
        for chapter in self.doc.chapters:
            if chapter.html.lstrip().startswith("<h1") and chapter is not self.doc.chapters[0]:
                self.page_break()
            root = lxml.html.fragment_fromstring(chapter.html, create_parent="div")
            self.blocks(root)
        buffer = io.BytesIO()
        self.word.save(buffer)
        return buffer.getvalue()


def render_docx(doc: ReportDocument):
    """The report as .docx bytes."""
    return WordWriter(doc).write()
