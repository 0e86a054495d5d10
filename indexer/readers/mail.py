"""E-mail newsletters: `.eml` messages and mbox mailboxes, one article per message.

A newsletter's HTML part is a page: it goes through the HTML reader's body extraction, and the
message's own headers give what the page may not: the subject as title, the sender's name as
source, the Date header as date. A message with only a plain-text part has that text as body.
Parsed by the standard library's `email` package (policy.default); an mbox is split on its
"From " lines by `mailbox`.
"""

from __future__ import annotations

import email
import email.policy
import mailbox
import re
import tempfile
from collections.abc import Iterator
from email.message import EmailMessage
from email.utils import parseaddr, parsedate_to_datetime

from indexer.errors import ParseError
from indexer.model import Article
from indexer.readers import MAX_FILE_BYTES, Source
from indexer.readers.html import parse_page

_HEADER = re.compile(rb"^[A-Za-z][A-Za-z0-9-]{1,40}:[ \t]")  # "From: ...", "Received: ..."
_SUBJECT = re.compile(rb"^Subject:", re.M | re.I)
_FROM = re.compile(rb"^From:", re.M | re.I)


class MailReader:
    name = "mail"
    many_records = True
    max_bytes = MAX_FILE_BYTES

    def sniff(self, source: Source) -> float:
        head = source.data[:4096]
        if head.startswith(b"From ") and _SUBJECT.search(head):
            return 0.95  # an mbox
        headers = head.split(b"\n\n", 1)[0]
        if _HEADER.match(head) and _SUBJECT.search(headers) and _FROM.search(headers):
            return 0.96  # one message: its headers come first, before any markup
        return 0.0

    def read(self, source: Source) -> Iterator[Article | ParseError]:
        """Each message's article; a ParseError naming the message for one with no text."""
        for n, message in enumerate(_messages(source), start=source.first_line):
            try:
                article = _article(source, message, n)
            except ParseError as exc:
                yield ParseError(source.path, f"message {n}: {exc.reason}", line=n)
                continue
            article.format = self.name
            article.line = n
            yield article


def _messages(source: Source) -> Iterator[EmailMessage]:
    if not source.data.startswith(b"From "):
        yield email.message_from_bytes(source.data, policy=email.policy.default)
        return
    with tempfile.NamedTemporaryFile(suffix=".mbox") as box:  # mailbox reads from a path
        box.write(source.data)
        box.flush()
        messages = mailbox.mbox(box.name, factory=None, create=False)
        try:
            for message in messages:
                yield email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
        finally:
            messages.close()


def _article(source: Source, message: EmailMessage, n: int) -> Article:
    html_part = message.get_body(preferencelist=("html",))
    text_part = message.get_body(preferencelist=("plain",))
    if html_part is not None:
        page = Source(f"{source.path}#{n}", str(html_part.get_content()).encode(), source.key)
        article = parse_page(page)
    elif text_part is not None and str(text_part.get_content()).strip():
        article = Article(body=str(text_part.get_content()).strip())
        article.explain["body"] = "mail: text part"
    else:
        raise ParseError(source.path, "no text")
    subject = " ".join(str(message.get("Subject", "")).split())
    if subject:
        article.title, article.explain["title"] = subject, "mail: Subject"
    name, address = parseaddr(str(message.get("From", "")))
    if name or address:
        article.source, article.explain["source"] = name or address, "mail: From"
        article.site = address.rsplit("@", 1)[-1].lower() if "@" in address else article.site
    if message.get("Date"):
        try:
            when = parsedate_to_datetime(str(message["Date"]))
            article.date, article.explain["date"] = when.isoformat(), "mail: Date"
        except (TypeError, ValueError):
            pass
    return article


READER = MailReader()
