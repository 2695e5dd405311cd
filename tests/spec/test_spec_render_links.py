"""`gonogo prd --format md`: PRD text never becomes a live link, image or reference (L6)."""

from markdown_it import MarkdownIt
from spec_helpers import VALID, load

from gonogo.spec import render_markdown

LINKS = VALID.replace(
    "owner: pm@example.com",
    'owner: "[click me](javascript:alert(1))"\nproblem: "![pixel](https://tracker.example/p.png)'
    ' and [ref][r]\\n\\n[r]: javascript:alert(2)"',
).replace(
    "    what: States something the help centre does not say\n",
    '    what: "[docs](https://evil.example) ![x](https://tracker.example/y.png)"\n',
)


def test_links_images_and_reference_definitions_stay_text():
    md = render_markdown(load(LINKS).prd)
    html = MarkdownIt("commonmark").enable("table").render(md)
    assert "<a " not in html and "<img" not in html and "href" not in html, html
    # the text is all still there, readable
    for text in ("click me", "javascript:alert(1)", "tracker.example/p.png", "[r]: javascript"):
        assert text in html, text
