"""E-mail newsletters: `.eml` files and mbox mailboxes (issue #22)."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

from indexer.errors import ParseError
from indexer.model import Article
from indexer.readers import parse_file

PARAGRAPHS = (
    "President Volodymyr Zelensky visited positions near Bakhmut on Wednesday, his office said.",
    '"We will hold Bakhmut as long as we can," Zelensky said, standing beside the commanders.',
    "The visit came as Russian forces pressed their assault on the city for a seventh month.",
)


def newsletter(subject: str, html: bool = True) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "The Kyiv Brief <brief@kyivindependent.com>"
    message["To"] = "reader@example.org"
    message["Subject"] = subject
    message["Date"] = "Wed, 22 Mar 2023 18:00:00 +0200"
    text = "\n\n".join(PARAGRAPHS)
    message.set_content(text)
    if html:
        markup = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
        message.add_alternative(f"<html><body><article>{markup}</article></body></html>", "html")
    return message


def test_an_eml_newsletter(tmp_path: Path) -> None:
    path = tmp_path / "brief.eml"
    path.write_bytes(bytes(newsletter("Zelensky at the Bakhmut front")))
    (article,) = parse_file(str(path))
    assert isinstance(article, Article) and article.format == "mail"
    assert (article.title, article.source, article.site) == (
        "Zelensky at the Bakhmut front",
        "The Kyiv Brief",
        "kyivindependent.com",
    )
    assert article.date == "2023-03-22T18:00:00+02:00"
    assert article.body.startswith("President Volodymyr Zelensky visited positions")
    assert [q.speaker for q in article.quotes] == ["Volodymyr Zelensky"]


def test_an_mbox_of_newsletters(tmp_path: Path) -> None:
    path = tmp_path / "letters.mbox"
    parts = []
    for n, html in enumerate((True, False), start=1):
        message = newsletter(f"Brief {n}", html=html)
        parts.append(b"From brief@kyivindependent.com Wed Mar 22 18:00:00 2023\n" + bytes(message))
    empty = EmailMessage()
    empty["Subject"] = "Nothing"
    empty["From"] = "x@example.org"
    parts.append(b"From x@example.org Wed Mar 22 19:00:00 2023\n" + bytes(empty))
    path.write_bytes(b"\n".join(parts))
    first, second, third = parse_file(str(path))
    assert isinstance(first, Article) and isinstance(second, Article)
    assert (first.title, second.title) == ("Brief 1", "Brief 2")
    assert second.body.startswith("President Volodymyr Zelensky")  # the text part alone
    assert isinstance(third, ParseError) and third.line == 3
