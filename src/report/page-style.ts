/** The report's CSS (inline: the page fetches nothing). */
export const PAGE_STYLE = `body{font:14px system-ui,sans-serif;margin:24px;color:#222;max-width:1400px}
h2{margin-top:28px;border-bottom:1px solid #ddd}table{border-collapse:collapse;margin:8px 0}caption{text-align:left;color:#555;padding:4px 0;caption-side:top}
td,th{border-bottom:1px solid #ddd;padding:3px 8px;text-align:right;vertical-align:top;white-space:nowrap}th{font-weight:600}
thead th{position:sticky;top:0;background:#fafafa}tbody th{text-align:left;font-weight:normal}
th.flags,td.flags,td.why{white-space:normal;text-align:left;min-width:12em;max-width:28em}td.why{color:#666}table.facts td{text-align:right}
tr.flagged td,tr.flagged th{background:#fff4e5}.axis{stroke:#888;fill:none}.tick{font-size:10px;fill:#555}.mid{text-anchor:middle}.end{text-anchor:end}
.title{font-size:11px;fill:#333}.se-title{fill:#d62728}.icc,.info{fill:none;stroke:#1f77b4;stroke-width:1.5}.se{fill:none;stroke:#d62728;stroke-dasharray:4 3;stroke-width:1.5}
.density{fill:none;stroke:#d62728;stroke-width:1.5}.bar{fill:#1f77b4;opacity:.8}.bar.items{fill:#ff7f0e}.bar-key{stroke:#1f77b4;stroke-width:6;opacity:.8}
.item-info{fill:none;stroke:#1f77b4;stroke-width:.7;opacity:.5}.flagged-line{stroke:#ff7f0e;opacity:.9;stroke-width:1}
.obs{fill:none;stroke:#d62728;stroke-width:5;stroke-linecap:round}.item-mark{fill:#a0522d}
.tag{font-size:11px;background:#e8eefc;padding:0 4px;border-radius:3px}.charts{display:flex;gap:24px;flex-wrap:wrap}
figure{margin:8px 0}figcaption{max-width:460px;font-size:12px;color:#444}.note{background:#fff4e5;padding:4px 8px}
.headline{font-size:16px}.headline .big{font-size:32px;font-weight:600;margin-right:6px}.headline small{color:#555;font-size:13px}
dl{display:grid;grid-template-columns:max-content auto;gap:2px 12px}dt{color:#666}dd{margin:0}
.curves{display:flex;flex-wrap:wrap;gap:4px 8px}figure.item{margin:0}figure.item figcaption{text-align:center;font-size:11px}
figure.item.flagged figcaption{color:#b35900;font-weight:600}svg.defs{position:absolute}details summary{cursor:pointer;margin:8px 0}`;
