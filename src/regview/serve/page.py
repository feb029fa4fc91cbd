"""The page a browser tab loads: textual-serve's terminal, with nothing from the internet.

textual-serve's own template loads a Google Fonts stylesheet; this one declares the
Roboto Mono font textual-serve ships in its static files, and runs only scripts this
server sends (the bundled ``textual.js`` and one inline script carrying the page's CSP
nonce). The inline script takes the token out of the address bar (the cookie set with
this page authorises the websocket) and points the terminal at this server's websocket.
"""

from __future__ import annotations

from html import escape
from string import Template

__all__ = ["render_page"]

_PAGE = Template(
    """<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>$title</title>
    <link rel="icon" href="data:," />
    <link rel="preload" href="/static/fonts/RobotoMono-VariableFont_wght.ttf" as="font"
          type="font/ttf" crossorigin="anonymous" />
    <link rel="stylesheet" href="/static/css/xterm.css" />
    <style>
      @font-face {
        font-family: "Roboto Mono";
        src: url("/static/fonts/RobotoMono-VariableFont_wght.ttf") format("truetype");
        font-weight: 100 700;
        font-style: normal;
      }
      @font-face {
        font-family: "Roboto Mono";
        src: url("/static/fonts/RobotoMono-Italic-VariableFont_wght.ttf") format("truetype");
        font-weight: 100 700;
        font-style: italic;
      }
      html, body { margin: 0; height: 100%; background: #0c181f; }
      .textual-terminal { position: absolute; inset: 0; opacity: 0; }
      body.-first-byte .textual-terminal { opacity: 1; transition: opacity 0.2s ease-out; }
      .dialog {
        position: absolute; inset: 0; z-index: 10; display: flex;
        align-items: center; justify-content: center; background: #0c181f;
        font: 16px "Roboto Mono", monospace; color: rgba(255, 255, 255, 0.95);
      }
      .dialog .box {
        width: 560px; padding: 48px 32px; text-align: center; background: #12232d;
      }
      body.-first-byte .intro { display: none; }
      /* at the bottom: what the app said last stays readable above it */
      .ended { display: none; align-items: flex-end; background: none; pointer-events: none; }
      .ended .box { margin-bottom: 24px; padding: 24px 32px; pointer-events: auto; }
      body.-closed .ended { display: flex; }
      button {
        margin-top: 24px; padding: 12px 32px; border: none; cursor: pointer;
        background: #5e0ba7; color: rgba(255, 255, 255, 0.95); font: inherit;
      }
      button:hover { background: #ac5af4; }
    </style>
    <script src="/static/js/textual.js"></script>
  </head>
  <body>
    <div class="dialog intro"><div class="box">$title<br />starting&hellip;</div></div>
    <div class="dialog ended">
      <div class="box">
        <div>Session ended.</div>
        <button type="button" id="restart">Restart</button>
      </div>
    </div>
    <div id="start" hidden></div><!-- textual.js looks it up for ?delay= -->
    <div id="terminal" class="textual-terminal" data-font-size="$font_size"></div>
    <script nonce="$nonce">
      (function () {
        var url = new URL(window.location.href);
        if (url.searchParams.has("token")) {
          url.searchParams.delete("token");
          window.history.replaceState(null, "", url.pathname + url.search);
        }
        var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
        document.getElementById("terminal").dataset.sessionWebsocketUrl =
          scheme + window.location.host + "/ws";
        document.getElementById("restart").addEventListener("click", function () {
          window.location.reload();
        });
      })();
    </script>
  </body>
</html>
"""
)


def render_page(*, title: str, font_size: int, nonce: str) -> str:
    """The HTML of the page; ``title`` is escaped (it may hold a registry's name)."""
    return _PAGE.substitute(title=escape(title), font_size=str(int(font_size)), nonce=escape(nonce))
