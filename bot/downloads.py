"""``/exports/{token}``: the file behind a download link from the report card.

``GET`` shows a small Swedish page with a download button and uses nothing up: link
checkers (Microsoft Defender's Safe Links, chat previews) open links before people do. The
button ``POST``s to the same address, which uses the link up (storage/exports.py: once,
atomically) and answers with the file, made from the data as it is now. An unknown, forged,
used or expired link gets 404 and no data, on both.
"""

from __future__ import annotations

import asyncio
import html
from urllib.parse import quote

from aiohttp import web

from domain.report_export import MEDIA_TYPES, ExportedReport, render
from storage import exports
from storage.gateway import Database

# Nothing on these pages may be cached, indexed, framed, or leak the address onwards.
_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                               "frame-ancestors 'none'",
}
_PAGE = """<!doctype html>
<html lang="sv"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{title}</title>
<style>body{{font-family:"Segoe UI",system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;
color:#242424}}button{{font:inherit;padding:.6rem 1.2rem;border:0;border-radius:4px;background:#5b5fc7;
color:#fff;cursor:pointer}}p.small{{color:#616161;font-size:.9rem}}</style></head>
<body><h1>{title}</h1>{body}</body></html>
"""
_GONE = _PAGE.format(title="Länken fungerar inte", body=(
    "<p>Länken finns inte, har redan använts eller har gått ut. Be Uppdragsboten om en ny: skriv "
    "till exempel ”rapport T1 2022” i chatten med boten.</p>"))


def _gone() -> web.Response:
    return web.Response(status=404, text=_GONE, content_type="text/html", charset="utf-8", headers=_HEADERS)


_KINDS = {"docx": "Word-fil", "md": "Markdown-fil", "text": "textfil"}


def add_routes(app: web.Application, db: Database, municipality: str) -> None:
    """``GET`` and ``POST /exports/{token}`` on ``app``, reading ``db``."""

    async def page(request: web.Request) -> web.Response:
        """The download page: what the link is for, and a button. Uses nothing up."""
        wanted = await db.run(exports.peek_link, token=request.match_info["token"])
        if wanted is None:
            return _gone()
        what = f"Uppföljning av uppdrag {wanted.period.label}" + (f", {wanted.committee}" if wanted.committee else "")
        body = (f"<p>{html.escape(municipality)}: {html.escape(what)}, som {_KINDS[wanted.format]}.</p>"
                '<form method="post"><button type="submit">Ladda ner</button></form>'
                '<p class="small">Länken kan användas en gång. Filen görs av uppgifterna som de är nu.</p>')
        return web.Response(text=_PAGE.format(title="Ladda ner rapporten", body=body), content_type="text/html",
                            charset="utf-8", headers=_HEADERS)

    async def download(request: web.Request) -> web.Response:
        """The file; the link is used up."""

        def redeem(*, session) -> tuple[ExportedReport, str] | None:
            wanted = exports.use_link(session=session, token=request.match_info["token"])
            if wanted is None:
                return None
            return exports.exported_report(session=session, period=wanted.period, committee=wanted.committee,
                                           municipality=municipality), wanted.format

        found = await db.run(redeem)
        if found is None:
            return _gone()
        report, fmt = found
        data = await asyncio.to_thread(render, report, fmt)  # a Word file takes a moment of CPU
        name = report.filename(fmt)
        return web.Response(body=data, headers={
            **_HEADERS,
            "Content-Type": MEDIA_TYPES[fmt],
            "Content-Disposition": f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}",
        })

    app.router.add_get("/exports/{token}", page)
    app.router.add_post("/exports/{token}", download)
