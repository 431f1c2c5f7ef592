"""A corpus of cross-site-scripting payloads: what a hostile (or careless) member might type into any field.

Each payload that could run sets ``window.__xss`` or opens a dialog, so the browser test can tell.
"""

MARK = "window.__xss=1"

PAYLOADS = [
    f"<script>{MARK}</script>",
    f"<SCRIPT SRC=//evil.example/x.js></SCRIPT><script>{MARK}</script>",
    f"<img src=x onerror={MARK}>",
    '<img src="x" onerror="alert(1)">',
    f"<svg onload={MARK}>",
    f"<svg><script>{MARK}</script></svg>",
    f'<iframe src="javascript:{MARK}"></iframe>',
    '<iframe srcdoc="<script>parent.__xss=1</script>"></iframe>',
    f'"><script>{MARK}</script>',
    f"'><img src=x onerror={MARK}>",
    f'" onmouseover="{MARK}" x="',
    f"' autofocus onfocus='{MARK}' x='",
    f"</textarea><script>{MARK}</script>",
    f"</title><script>{MARK}</script>",
    f'<a href="javascript:{MARK}">click</a>',
    f'<a href="JaVaScRiPt:{MARK}">click</a>',
    f'<a href="&#106;avascript:{MARK}">entity</a>',
    f'<a href="java\tscript:{MARK}">tab</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD53aW5kb3cuX194c3M9MTwvc2NyaXB0Pg==">data</a>',
    f"[markdown link](javascript:{MARK})",
    "[data link](data:text/html,<script>window.__xss=1</script>)",
    f'![markdown image](x" onerror="{MARK})',
    f"![img](javascript:{MARK})",
    f"[ref link][r]\n\n[r]: javascript:{MARK}",
    f'<div style="background:url(javascript:{MARK})">style</div>',
    '<div style="width: expression(alert(1))">expression</div>',
    f'<object data="javascript:{MARK}"></object>',
    '<embed src="data:image/svg+xml,<svg onload=alert(1)>">',
    f"<math><mtext><table><mglyph><style><img src=x onerror={MARK}>",
    f"<details open ontoggle={MARK}>",
    f"<body onload={MARK}>",
    f'<form action="javascript:{MARK}"><button>go</button></form>',
    f'<button formaction="javascript:{MARK}">go</button>',
    '<base href="//evil.example/">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "<link rel=stylesheet href=//evil.example/x.css>",
    f"&lt;script&gt;{MARK}&lt;/script&gt;",
    f"%3Cscript%3E{MARK}%3C/script%3E",
    f"\\u003cscript\\u003e{MARK}\\u003c/script\\u003e",
    f"<scr<script>ipt>{MARK}</scr</script>ipt>",
    f"<<script>script>{MARK}<</script>/script>",
    f'<noscript><p title="</noscript><img src=x onerror={MARK}>">',
    f"<input autofocus onfocus={MARK}>",
    f"<video><source onerror={MARK}></video>",
    "{{ 7|add:7 }} {% csrf_token %} ${7*7}",
    f"`<script>{MARK}</script>`",
    f"    <script>{MARK}</script>",  # a Markdown code block: shown as code, never run
    '=HYPERLINK("http://evil.example","click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
]

# Short ones, for fields of 50 characters or fewer.
SHORT = [p for p in PAYLOADS if len(p) <= 50]

# Source URLs a form or the API must refuse (they never reach a page).
BAD_URLS = [
    f"javascript:{MARK}",
    "JAVASCRIPT:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    " javascript:alert(1)",
]
