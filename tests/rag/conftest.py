"""Fixtures for the RAG app's tests: a small help-desk corpus, indexed once per session."""

import pytest

from gonogo.rag import Document, RagIndex

# Built so each retriever alone misses something the fusion finds:
# - "fault-codes" shares the rare token XR-7 with a question but little meaning, while
#   "screen" means nearly the same as that question without sharing a word with it;
# - "refunds" answers a paraphrased question with no word in common.
HELPDESK = {
    "fault-codes": "XR-7: flue sensor blocked. Clear the outside vent, then restart.",
    "screen": "The screen shows error messages that explain which malfunction occurred.",
    "refunds": (
        "If you are unhappy with something you bought, we give your money back within "
        "fourteen days of delivery."
    ),
    "delivery": (
        "Orders placed before noon ship the same day. Delivery takes two to four working days."
    ),
    "warranty": "Every boiler comes with a five-year warranty covering parts and labour.",
    "noise": (
        "Banging pipes at night usually mean trapped air. Bleed the radiators with a radiator key."
    ),
    "founder": (
        "The company was founded in Leeds in 1987 by Margaret Holloway. It moved its head "
        "office to Manchester in 2004."
    ),
    "account": "You can change the email address of your account on the settings page.",
}


@pytest.fixture(scope="session")
def helpdesk_docs():
    return [Document(id=k, text=v, source=f"{k}.txt") for k, v in HELPDESK.items()]


@pytest.fixture(scope="session")
def helpdesk_index(helpdesk_docs):
    return RagIndex.build(helpdesk_docs, workers=1)
