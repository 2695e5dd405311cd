import pytest

from gonogo.errors import UserError
from gonogo.rag import Document, chunk_document, chunk_documents
from gonogo.text import sentences

SENTENCES = [f"Sentence {i} is about topic {i} and nothing else at all." for i in range(40)]
TEXT = " ".join(SENTENCES)


def test_sentences_split_on_ends_but_not_on_abbreviations_decimals_or_initials():
    text = (
        "Mr. Smith met J. R. R. Tolkien in St. Louis. It is 6.213 km long! "
        "Arthur's Magazine was founded in 1844.First for Women is newer."
    )
    assert [s.text for s in sentences(text)] == [
        "Mr. Smith met J. R. R. Tolkien in St. Louis.",
        "It is 6.213 km long!",
        "Arthur's Magazine was founded in 1844.",
        "First for Women is newer.",
    ]


def test_chunks_respect_the_size_keep_whole_sentences_and_overlap():
    doc = Document("d", TEXT, "d.txt")
    chunks = chunk_document(doc, chunk_size=300, overlap=120)
    assert len(chunks) > 5
    for c in chunks:
        assert len(c.text) <= 300
        assert TEXT[c.start : c.start + len(c.text)] == c.text
        assert c.text.startswith("Sentence") and c.text.endswith(".")
    for a, b in zip(chunks, chunks[1:], strict=False):
        assert b.start < a.start + len(a.text), "consecutive chunks share a sentence"
        shared = TEXT[b.start : a.start + len(a.text)]
        assert 0 < len(shared) <= 120
    covered = " ".join(c.text for c in chunks)
    assert all(s in covered for s in SENTENCES)


def test_no_overlap_means_chunks_tile_the_text():
    chunks = chunk_document(Document("d", TEXT, "d.txt"), chunk_size=300, overlap=0)
    for a, b in zip(chunks, chunks[1:], strict=False):
        assert b.start >= a.start + len(a.text)


def test_chunk_ids_are_stable_and_unique():
    docs = [Document("a", TEXT, "a"), Document("b", TEXT[:500], "b")]
    first = chunk_documents(docs, chunk_size=250, overlap=60)
    again = chunk_documents(docs, chunk_size=250, overlap=60)
    assert [c.id for c in first] == [c.id for c in again]
    assert len({c.id for c in first}) == len(first)
    assert first[0].id == "a#0" and first[-1].id.startswith("b#")


def test_a_sentence_longer_than_a_chunk_is_cut_into_windows():
    long = "word " * 300
    chunks = chunk_document(Document("l", long.strip(), "l"), chunk_size=200, overlap=40)
    assert len(chunks) >= 7
    assert all(len(c.text) <= 200 for c in chunks)
    assert all(not c.text.startswith(" ") and "wor " not in c.text for c in chunks)


def test_markdown_headings_become_heading_paths_not_chunk_text():
    md = (
        "# Manual\n\nIntro.\n\n## Install\n\nRun the installer.\n\n"
        "```bash\n# a comment, not a heading\n```\n\n### Linux\n\nUse apt.\n\n## Use\n\nClick go.\n"
    )
    chunks = chunk_document(Document("m", md, "m.md", format="markdown"))
    assert [(c.heading, c.text.split("\n")[0]) for c in chunks] == [
        ("Manual", "Intro."),
        ("Manual > Install", "Run the installer."),
        ("Manual > Install > Linux", "Use apt."),
        ("Manual > Use", "Click go."),
    ]
    assert "# a comment" in chunks[1].text
    assert chunks[2].context == "Manual > Install > Linux\nUse apt."


@pytest.mark.parametrize("size,overlap", [(10, 0), (300, 300), (300, -1)])
def test_impossible_sizes_are_user_errors(size, overlap):
    with pytest.raises(UserError):
        chunk_documents([Document("d", TEXT, "d")], chunk_size=size, overlap=overlap)
