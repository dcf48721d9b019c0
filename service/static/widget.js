/*
 * Cablewise chat widget: one file, no framework, no build step.
 *
 *   <script src="https://HOST/widget.js" data-endpoint="https://HOST" data-title="Cable help" defer></script>
 *
 * Configured by its own tag's data-* attributes:
 *   data-endpoint     API base URL (default: the origin this script was loaded from)
 *   data-title        panel title and launcher text (default "Cable help")
 *   data-accent       CSS colour of the launcher, header and buttons (default #1f5fbf)
 *   data-position     "right" (default) or "left"
 *   data-greeting     first message shown in the panel
 *   data-placeholder  input placeholder
 *   data-timeout      seconds to wait for an answer before offering a retry (default 15)
 *   data-starters     suggested first questions, separated by "|"
 *
 * Rules this file keeps:
 *   - It renders inside a shadow root, so the shop's CSS cannot reach in and ours cannot leak out.
 *   - Text from the server is never parsed as HTML: every string goes in through textContent or createTextNode.
 *   - Loading the script twice mounts one widget (window.__cablewiseWidget is the guard).
 *   - The server keeps no conversation: the last answer's `context` is sent back with the next question.
 */
(function () {
  "use strict";

  var GUARD = "__cablewiseWidget";
  if (window[GUARD]) return; // a second copy of the tag: the first one already mounted the widget

  var MAX_QUESTION = 1000; // the contract's limit, checked here so the user need not wait for a 422
  var DEFAULT_STARTERS = [
    "Is TRS to TS balanced?",
    "Can I connect an XLR mic to a 1/4-inch input?",
    "Which cable goes from my mixer to powered speakers?",
    "Is phantom power safe with a dynamic mic?"
  ];
  var SVG_NS = "http://www.w3.org/2000/svg";
  var CIRCLE = "M21 12a9 9 0 1 1-18 0a9 9 0 1 1 18 0z";
  var ICONS = {
    chat: ["M4 5.5h16v10.5H10l-4.5 3.5V16H4z", "M8 9.5h8", "M8 12.5h5"],
    close: ["M6.5 6.5l11 11", "M17.5 6.5l-11 11"],
    check: [CIRCLE, "M7.8 12.3l2.8 2.8 5.6-5.8"],
    minus: [CIRCLE, "M7.5 12h9"],
    question: [CIRCLE, "M9.7 9.6a2.4 2.4 0 1 1 3.3 2.2c-.6.3-1 .8-1 1.5v.5", "M12 16.6v.3"],
    alert: ["M12 3.6L2.6 20h18.8z", "M12 10v4.4", "M12 17.1v.3"],
    cross: [CIRCLE, "M9 9l6 6", "M15 9l-6 6"],
    stop: ["M8.3 3h7.4L21 8.3v7.4L15.7 21H8.3L3 15.7V8.3z", "M12 7.6v5.4", "M12 16.2v.3"],
    info: [CIRCLE, "M12 11v5.5", "M12 7.9v.3"],
    plug: ["M9 2.5v4", "M15 2.5v4", "M6 6.5h12v4a6 6 0 0 1-12 0z", "M12 16.5v5"],
    link: ["M14 4h6v6", "M20 4l-8.5 8.5", "M18 14v6H4V6h6"]
  };
  // Every verdict is shown with colour AND words AND an icon, never colour alone.
  var BALANCE = {
    "true": { key: "balanced", label: "Balanced", tone: "good", icon: "check" },
    "false": { key: "unbalanced", label: "Unbalanced", tone: "warn", icon: "minus" },
    "null": { key: "depends", label: "Depends", tone: "info", icon: "question" }
  };
  var COMPATIBILITY = {
    works: { key: "works", label: "Works", tone: "good", icon: "check" },
    works_with_caveat: { key: "caveat", label: "Works, with a caveat", tone: "warn", icon: "alert" },
    does_not_work: { key: "does-not-work", label: "Does not work", tone: "bad", icon: "cross" },
    unsafe: { key: "unsafe", label: "Unsafe", tone: "danger", icon: "stop" }
  };
  // Stock shown in words and an icon, never colour alone.
  var STOCK = {
    in_stock: { label: "In stock", icon: "check" },
    preorder: { label: "Pre-order", icon: "info" },
    backorder: { label: "Backorder", icon: "info" },
    out_of_stock: { label: "Out of stock", icon: "cross" }
  };
  var SEVERITY = {
    danger: { label: "Danger", icon: "stop" },
    warning: { label: "Warning", icon: "alert" },
    caution: { label: "Caution", icon: "alert" },
    info: { label: "Note", icon: "info" }
  };

  // ---- configuration, from this script's own tag ------------------------------------------------------------

  var script = document.currentScript || lastWidgetScript();
  var data = (script && script.dataset) || {};
  var scriptOrigin = originOf(script && script.src) || window.location.origin;
  var config = Object.freeze({
    endpoint: endpointOf(data.endpoint) || scriptOrigin,
    title: textOption(data.title, "Cable help", 60),
    accent: colourOption(data.accent, "#1f5fbf"),
    position: data.position === "left" ? "left" : "right",
    greeting: textOption(
      data.greeting,
      "Hi! Ask me about studio cables and connectors: whether a connection is balanced, what fits, and what is safe.",
      400
    ),
    placeholder: textOption(data.placeholder, "Ask about a cable\u2026", 80),
    timeoutSeconds: numberOption(data.timeout, 15, 1, 120),
    starters: startersOption(data.starters)
  });

  function lastWidgetScript() {
    var all = document.querySelectorAll('script[src*="widget.js"]');
    return all.length ? all[all.length - 1] : null;
  }
  function originOf(url) {
    try { return url ? new URL(url, window.location.href).origin : ""; } catch (e) { return ""; }
  }
  function endpointOf(value) {
    if (!value) return "";
    try {
      var url = new URL(value, window.location.href);
      if (url.protocol !== "https:" && url.protocol !== "http:") return "";
      return url.origin + url.pathname.replace(/\/+$/, "");
    } catch (e) { return ""; }
  }
  function textOption(value, fallback, max) {
    value = (value || "").trim();
    return value ? value.slice(0, max) : fallback;
  }
  function colourOption(value, fallback) {
    value = (value || "").trim();
    return value && window.CSS && CSS.supports && CSS.supports("color", value) ? value : fallback;
  }
  function numberOption(value, fallback, min, max) {
    var n = parseFloat(value);
    return isFinite(n) ? Math.min(max, Math.max(min, n)) : fallback;
  }
  function startersOption(value) {
    if (value === undefined) return DEFAULT_STARTERS;
    return value.split("|").map(function (s) { return s.trim().slice(0, 200); }).filter(Boolean).slice(0, 6);
  }

  // ---- DOM helpers: text only, never HTML ------------------------------------------------------------------

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === null || value === undefined || value === false) return;
      if (name === "class") node.className = value;
      else if (name === "text") node.textContent = value;
      else node.setAttribute(name, value === true ? "" : String(value));
    });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }
  function icon(name, className) {
    var svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.setAttribute("class", "icon" + (className ? " " + className : ""));
    ICONS[name].forEach(function (d) {
      var path = document.createElementNS(SVG_NS, "path");
      path.setAttribute("d", d);
      svg.appendChild(path);
    });
    return svg;
  }
  function srOnly(text) {
    return el("span", { class: "sr-only", text: text });
  }
  // Light Markdown, as the contract allows: paragraphs, "- " lists and **bold**, built as DOM nodes.
  function markdown(text) {
    var fragment = document.createDocumentFragment();
    var paragraph = [];
    var list = null;
    function flush() {
      if (!paragraph.length) return;
      fragment.appendChild(inline(el("p"), paragraph.join(" ")));
      paragraph = [];
    }
    String(text).replace(/\r\n?/g, "\n").split("\n").forEach(function (line) {
      var item = /^\s*-\s+(.*)$/.exec(line);
      if (item) {
        flush();
        if (!list) list = fragment.appendChild(el("ul"));
        list.appendChild(inline(el("li"), item[1]));
      } else if (!line.trim()) {
        flush();
        list = null;
      } else {
        list = null;
        paragraph.push(line.trim());
      }
    });
    flush();
    return fragment;
  }
  function inline(parent, text) {
    text.split(/\*\*(.+?)\*\*/).forEach(function (part, i) {
      if (!part) return;
      parent.appendChild(i % 2 ? el("strong", { text: part }) : document.createTextNode(part));
    });
    return parent;
  }
  function plain(text) {
    return String(text).replace(/\*\*(.+?)\*\*/g, "$1").replace(/^\s*-\s+/gm, "").replace(/\s+/g, " ").trim();
  }

  // ---- styles (px only: the shop's root font size must not scale the widget) --------------------------------

  var FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
  var CSS_TEXT = [
    // The host lives in the shop's DOM: reset everything the shop's CSS could set on it. Inside the shadow
    // tree, !important beats the page's own !important rules for the host.
    ":host { all: initial !important; display: block !important; position: static !important;",
    "  width: 0 !important; height: 0 !important; overflow: visible !important; }",
    ":host::before, :host::after { content: none !important; display: none !important; }",
    "*, *::before, *::after { box-sizing: border-box; }",
    ".cw { font: 400 14px/1.45 " + FONT + "; color: #1d2330; text-align: left; direction: ltr;",
    "  -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }",
    "[hidden] { display: none !important; }",
    ".sr-only { position: absolute !important; width: 1px; height: 1px; margin: -1px; padding: 0; border: 0;",
    "  overflow: hidden; clip: rect(0 0 0 0); clip-path: inset(50%); white-space: nowrap; }",
    "button, input { font-family: " + FONT + "; margin: 0; }",
    "button { touch-action: manipulation; -webkit-tap-highlight-color: transparent; }",
    ".icon { width: 18px; height: 18px; flex: none; fill: none; stroke: currentColor; stroke-width: 2;",
    "  stroke-linecap: round; stroke-linejoin: round; }",
    ":focus { outline: none; }",
    ":focus-visible { outline: 3px solid #0b57d0; outline-offset: 2px; }",

    ".launcher { position: fixed; bottom: 20px; right: 20px; z-index: 2147483000; display: inline-flex;",
    "  align-items: center; gap: 8px; min-height: 52px; min-width: 52px; padding: 0 20px 0 16px; border: 0;",
    "  border-radius: 26px; background: var(--cw-accent); color: #fff; font: 600 15px/1 " + FONT + ";",
    "  cursor: pointer; box-shadow: 0 4px 16px rgba(16, 24, 40, 0.3); }",
    ".launcher .icon { width: 22px; height: 22px; }",
    ".launcher:focus-visible { outline: 3px solid #fff; outline-offset: 2px; box-shadow: 0 0 0 7px #111; }",
    ".left .launcher { left: 20px; right: auto; }",
    // Under a full-screen panel the launcher would still take Tab stops; the panel's close button replaces it.
    "@media (max-width: 480px) { .open .launcher { display: none; } }",

    ".panel { position: fixed; z-index: 2147483001; bottom: 88px; right: 20px; width: 380px;",
    "  max-width: calc(100vw - 40px); height: 600px; max-height: calc(100vh - 108px); display: flex;",
    "  flex-direction: column; background: #fff; border: 1px solid #d5d9e0; border-radius: 14px;",
    "  box-shadow: 0 12px 40px rgba(16, 24, 40, 0.28); overflow: hidden; }",
    ".left .panel { left: 20px; right: auto; }",
    // Phones and narrow windows: the panel takes the whole screen.
    "@media (max-width: 480px) { .panel, .left .panel { top: 0; right: 0; bottom: 0; left: 0; width: 100%;",
    "  max-width: 100%; height: 100%; max-height: none; border: 0; border-radius: 0; } }",

    ".head { display: flex; align-items: center; gap: 6px; padding: 8px 8px 8px 16px; background: var(--cw-accent);",
    "  color: #fff; flex: none; }",
    ".head h2 { flex: 1; margin: 0; font: 700 16px/1.2 " + FONT + "; color: #fff; overflow: hidden;",
    "  text-overflow: ellipsis; white-space: nowrap; }",
    ".head button { display: inline-flex; align-items: center; justify-content: center; min-width: 44px;",
    "  min-height: 44px; padding: 0 10px; background: transparent; color: #fff;",
    "  border: 1px solid rgba(255, 255, 255, 0.55); border-radius: 8px; font: 600 13px/1.1 " + FONT + ";",
    "  cursor: pointer; }",
    ".head button:hover { background: rgba(255, 255, 255, 0.15); }",
    ".head button.close { border-color: transparent; }",
    ".head button.close .icon { width: 22px; height: 22px; }",
    ".head :focus-visible { outline: 3px solid #fff; outline-offset: 1px; }",

    ".scroll { flex: 1; overflow-y: auto; padding: 12px; background: #f5f6f8; position: relative;",
    "  overscroll-behavior: contain; }",
    ".messages { list-style: none; margin: 0; padding: 0; }",
    ".msg { margin: 0 0 10px; padding: 10px 12px; border-radius: 12px; max-width: 92%; overflow-wrap: anywhere; }",
    ".msg p { margin: 0 0 6px; } .msg p:last-child { margin-bottom: 0; }",
    ".msg ul { margin: 0 0 6px; padding-left: 20px; } .msg li { margin: 0 0 2px; }",
    ".msg strong { font-weight: 700; }",
    ".user { margin-left: auto; background: #e7edf7; background: color-mix(in srgb, var(--cw-accent) 14%, #fff);",
    "  color: #1d2330; border-bottom-right-radius: 4px; white-space: pre-wrap; }",
    ".bot { background: #fff; border: 1px solid #e1e4ea; border-bottom-left-radius: 4px; }",
    ".answer, .error { max-width: 100%; }",
    ".pending { display: flex; align-items: center; gap: 10px; color: #4a5263; }",
    ".spinner { width: 18px; height: 18px; flex: none; border: 2.5px solid #c9ced8;",
    "  border-top-color: var(--cw-accent); border-radius: 50%; animation: cw-spin 0.8s linear infinite; }",
    "@keyframes cw-spin { to { transform: rotate(360deg); } }",
    "@media (prefers-reduced-motion: reduce) { .spinner { animation-duration: 2.5s; } }",

    ".badges { display: flex; flex-wrap: wrap; gap: 6px; margin: 0 0 8px; }",
    ".badge { display: inline-flex; align-items: center; gap: 5px; padding: 3px 10px 3px 6px;",
    "  border-radius: 999px; border: 1.5px solid; font: 700 13px/1.3 " + FONT + "; }",
    ".badge .icon { width: 17px; height: 17px; }",
    ".tone-good { background: #e7f5ec; color: #0f5a2a; border-color: #2e9d57; }",
    ".tone-warn { background: #fff3df; color: #6e3b00; border-color: #d98b0b; }",
    ".tone-info { background: #e9effb; color: #1f3f7a; border-color: #5b7fc7; }",
    ".tone-bad { background: #fdeceb; color: #8a1c12; border-color: #d6453a; }",
    ".tone-danger { background: #8a1c12; color: #fff; border-color: #8a1c12; }",

    ".warning { display: flex; gap: 8px; align-items: flex-start; margin: 0 0 8px; padding: 8px 10px;",
    "  border-radius: 8px; border: 1px solid; border-left-width: 5px; font-size: 13.5px; }",
    ".warning .icon { margin-top: 1px; }",
    ".warning strong { font-weight: 700; }",
    ".sev-danger { background: #fdeceb; border-color: #b3261e; color: #5f130d; }",
    ".sev-warning { background: #fff3df; border-color: #d98b0b; color: #5c3300; }",
    ".sev-caution { background: #fffae3; border-color: #bf9b00; color: #4d4000; }",
    ".sev-info { background: #e9effb; border-color: #5b7fc7; color: #1f3f7a; }",

    ".cable { display: flex; align-items: center; gap: 6px; margin: 8px 0 0; font-size: 13px; color: #3b4353; }",
    ".wiring { margin: 8px 0 0; }",
    ".wiring img { display: block; width: 100%; max-width: 340px; height: auto; border: 1px solid #e1e4ea;",
    "  border-radius: 8px; background: #fff; }",
    ".wiring figcaption { margin: 4px 0 0; font-size: 12px; color: #5a6272; }",
    ".products { margin: 10px 0 0; padding: 8px 0 0; border-top: 1px solid #e7e9ee; }",
    ".products h3 { margin: 0 0 6px; font: 700 12px/1.2 " + FONT + "; letter-spacing: 0.04em;",
    "  text-transform: uppercase; color: #5a6272; }",
    ".products ul { list-style: none; margin: 0; padding: 0; display: grid; gap: 6px; }",
    ".product { min-width: 0; padding: 8px 10px; border: 1px solid #e1e4ea; border-radius: 8px; background: #fafbfc;",
    "  overflow-wrap: anywhere; }",
    ".product .title { display: block; font: 600 13.5px/1.35 " + FONT + "; color: #1d2330; }",
    ".product a.title { display: inline-flex; align-items: flex-start; gap: 4px; min-height: 32px; color: #0b57d0;",
    "  text-decoration: underline; }",
    ".product a.title .icon { width: 14px; height: 14px; margin-top: 3px; }",
    ".product .facts { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 10px; margin: 2px 0 0;",
    "  font-size: 13px; color: #3b4353; }",
    ".product .price { font-weight: 700; color: #1d2330; }",
    ".stock { display: inline-flex; align-items: center; gap: 4px; font-weight: 600; }",
    ".stock .icon { width: 15px; height: 15px; }",
    ".stock-in_stock { color: #0f5a2a; } .stock-preorder, .stock-backorder { color: #6e3b00; }",
    ".stock-out_of_stock { color: #8a1c12; }",
    ".sources { margin: 10px 0 0; padding: 8px 0 0; border-top: 1px solid #e7e9ee; }",
    ".sources h3 { margin: 0 0 6px; font: 700 12px/1.2 " + FONT + "; letter-spacing: 0.04em;",
    "  text-transform: uppercase; color: #5a6272; }",
    ".sources details { margin: 0 0 6px; border: 1px solid #e1e4ea; border-radius: 8px; background: #fafbfc; }",
    ".sources summary { display: list-item; cursor: pointer; min-height: 44px; padding: 12px 10px;",
    "  font: 600 13px/1.4 " + FONT + "; color: #1d2330; border-radius: 8px; }",
    ".sources details p { margin: 0; padding: 0 10px 4px; font-size: 13px; color: #3b4353; }",
    ".sources a { display: inline-flex; align-items: center; gap: 4px; min-height: 32px; padding: 4px 10px 8px;",
    "  font-size: 13px; font-weight: 600; color: #0b57d0; text-decoration: underline; }",
    ".sources a .icon { width: 14px; height: 14px; }",

    ".error { background: #fdeceb; border: 1px solid #e6a8a2; color: #5f130d; }",
    ".error .row { display: flex; gap: 8px; align-items: flex-start; }",
    ".error .detail { margin: 4px 0 0; font-size: 13px; color: #5f130d; overflow-wrap: anywhere; }",
    ".retry { margin: 8px 0 0; min-height: 40px; padding: 0 16px; border: 1.5px solid #8a1c12; border-radius: 8px;",
    "  background: #fff; color: #8a1c12; font: 600 14px/1 " + FONT + "; cursor: pointer; }",
    ".note { margin: 0 0 10px; font-size: 13px; color: #8a1c12; }",

    ".rate { display: flex; flex-wrap: wrap; align-items: center; gap: 6px; margin: 10px 0 0; padding: 8px 0 0;",
    "  border-top: 1px solid #e7e9ee; font-size: 13px; color: #3b4353; }",
    ".rate button { min-height: 44px; min-width: 44px; padding: 0 14px; background: #fff; color: #1d2330;",
    "  border: 1.5px solid var(--cw-accent); border-radius: 10px; font: 600 13.5px/1 " + FONT + "; cursor: pointer; }",
    ".rate button:hover { background: #f0f4fb; }",

    ".starters { display: flex; flex-direction: column; align-items: flex-start; gap: 6px; margin: 0 0 10px; }",
    ".starters p { margin: 0 0 2px; font-size: 12px; font-weight: 700; color: #5a6272; }",
    ".starter { min-height: 44px; max-width: 100%; padding: 8px 12px; text-align: left; background: #fff;",
    "  border: 1.5px solid var(--cw-accent); border-radius: 10px; color: #1d2330; font: 500 13.5px/1.3 " + FONT + ";",
    "  cursor: pointer; }",
    ".starter:hover { background: #f0f4fb; }",

    ".ask { display: flex; gap: 8px; padding: 10px; border-top: 1px solid #e1e4ea; background: #fff; flex: none; }",
    ".ask input { flex: 1; min-width: 0; width: auto; height: 44px; padding: 0 12px; border: 1.5px solid #9aa3b2;",
    "  border-radius: 10px; background: #fff; color: #1d2330; font: 400 16px/1.2 " + FONT + "; }",
    ".ask input::placeholder { color: #6b7383; }",
    ".ask input:focus-visible { border-color: var(--cw-accent); outline-offset: 1px; }",
    ".ask button { flex: none; height: 44px; min-width: 64px; padding: 0 18px; border: 0; border-radius: 10px;",
    "  background: var(--cw-accent); color: #fff; font: 600 15px/1 " + FONT + "; cursor: pointer; }",
    ".ask button[aria-disabled='true'] { opacity: 0.55; cursor: progress; }"
  ].join("\n");

  // ---- the widget --------------------------------------------------------------------------------------------

  var api = Object.freeze({
    version: "1",
    config: config,
    open: function () { if (ui) openPanel(); },
    close: function () { if (ui) closePanel(false); },
    reset: function () { if (ui) resetConversation(); }
  });
  window[GUARD] = api; // set before mounting, so a second tag loaded meanwhile sees it

  var ui = null;
  var state = { context: null, busy: false, controller: null, generation: 0, open: false };

  function mount() {
    if (document.querySelector("cablewise-widget")) return;
    var host = document.createElement("cablewise-widget");
    var root = host.attachShadow({ mode: "open" });
    root.appendChild(el("style", { text: CSS_TEXT }));

    var launcher = el("button", {
      type: "button", class: "launcher", "aria-expanded": "false", "aria-controls": "cw-panel",
      "aria-haspopup": "dialog"
    }, [icon("chat"), el("span", { text: config.title })]);
    var newButton = el("button", { type: "button", class: "new", text: "New conversation" });
    var closeButton = el("button", { type: "button", class: "close", "aria-label": "Close " + config.title },
      [icon("close")]);
    var messages = el("ol", { class: "messages", "aria-label": "Conversation" });
    var starters = el("div", { class: "starters" });
    var scroll = el("div", { class: "scroll" }, [messages, starters]);
    var input = el("input", {
      id: "cw-input", type: "text", autocomplete: "off", maxlength: String(MAX_QUESTION),
      placeholder: config.placeholder, enterkeyhint: "send"
    });
    var send = el("button", { type: "submit", class: "send", "aria-disabled": "false", text: "Ask" });
    var form = el("form", { class: "ask", novalidate: true }, [
      el("label", { for: "cw-input", class: "sr-only", text: "Your question about cables" }), input, send
    ]);
    var panel = el("div", {
      id: "cw-panel", class: "panel", role: "dialog", "aria-label": config.title, hidden: true
    }, [el("div", { class: "head" }, [el("h2", { text: config.title }), newButton, closeButton]), scroll, form]);
    // The one live region: it holds only the newest answer (or error), replaced each time.
    var live = el("div", { class: "sr-only", "aria-live": "polite", "aria-atomic": "true" });
    var wrapper = el("div", { class: "cw " + config.position }, [launcher, panel, live]);
    wrapper.style.setProperty("--cw-accent", config.accent);
    root.appendChild(wrapper);

    ui = {
      host: host, root: root, wrapper: wrapper, launcher: launcher, panel: panel, messages: messages,
      starters: starters, scroll: scroll, input: input, send: send, live: live
    };

    launcher.addEventListener("click", function () { if (state.open) closePanel(true); else openPanel(); });
    closeButton.addEventListener("click", function () { closePanel(true); });
    newButton.addEventListener("click", resetConversation);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      submit(input.value);
    });
    wrapper.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && state.open) {
        event.preventDefault();
        event.stopPropagation();
        closePanel(true);
      }
    });

    startConversation();
    document.body.appendChild(host);
  }

  function openPanel() {
    state.open = true;
    ui.wrapper.classList.add("open");
    ui.panel.hidden = false;
    ui.launcher.setAttribute("aria-expanded", "true");
    ui.input.focus();
  }

  function closePanel(returnFocus) {
    state.open = false;
    ui.wrapper.classList.remove("open");
    ui.panel.hidden = true;
    ui.launcher.setAttribute("aria-expanded", "false");
    if (returnFocus) ui.launcher.focus();
  }

  function startConversation() {
    ui.messages.appendChild(el("li", { class: "msg bot greeting" }, [el("p", { text: config.greeting })]));
    ui.starters.textContent = "";
    if (config.starters.length) {
      ui.starters.appendChild(el("p", { text: "Try asking:" }));
      config.starters.forEach(function (question) {
        var button = el("button", { type: "button", class: "starter", text: question });
        button.addEventListener("click", function () { submit(question); });
        ui.starters.appendChild(button);
      });
    }
    ui.starters.hidden = !config.starters.length;
  }

  function resetConversation() {
    state.generation += 1; // an answer still on its way belongs to the old conversation: drop it
    if (state.controller) state.controller.abort();
    state.context = null;
    setBusy(false);
    ui.messages.textContent = "";
    ui.live.textContent = "";
    ui.input.value = "";
    startConversation();
    ui.input.focus();
  }

  function submit(raw) {
    var question = String(raw || "").trim();
    if (!question || state.busy) return;
    clearNotes();
    if (question.length > MAX_QUESTION) {
      ui.messages.appendChild(el("li", {
        class: "note", text: "Please keep the question under " + MAX_QUESTION + " characters."
      }));
      return;
    }
    ui.starters.hidden = true;
    ui.messages.appendChild(el("li", { class: "msg user" }, [srOnly("You: "), question]));
    ui.input.value = "";
    ask(question, state.context);
  }

  function ask(question, context) {
    var generation = state.generation;
    var controller = new AbortController();
    var timedOut = false;
    var timer = setTimeout(function () { timedOut = true; controller.abort(); }, config.timeoutSeconds * 1000);
    var pending = el("li", { class: "msg bot pending", "aria-busy": "true" }, [
      el("span", { class: "spinner", "aria-hidden": "true" }), el("span", { text: "Looking that up\u2026" })
    ]);
    state.controller = controller;
    setBusy(true);
    ui.messages.appendChild(pending);
    reveal(pending);

    function settle() {
      clearTimeout(timer);
      if (generation !== state.generation) return false;
      pending.remove();
      state.controller = null;
      setBusy(false);
      return true;
    }

    fetch(config.endpoint + "/api/v1/ask", {
      method: "POST",
      mode: "cors",
      credentials: "omit",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify({ question: question, context: context, channel: "widget" }),
      signal: controller.signal
    }).then(function (response) {
      return readJson(response).then(function (body) { return { response: response, body: body }; });
    }).then(function (result) {
      if (!settle()) return;
      var body = result.body;
      if (result.response.ok && body && typeof body.answer === "string") {
        state.context = body.context && typeof body.context === "object" ? body.context : null;
        showAnswer(body);
      } else {
        showFailure(describeFailure(result.response, body), question, context);
      }
    }).catch(function () {
      if (!settle()) return;
      showFailure(timedOut ? {
        text: "No answer after " + config.timeoutSeconds + " s. The service may be busy; please retry.",
        retry: true
      } : {
        text: "Could not reach the cable help service. Check your connection and retry.",
        retry: true
      }, question, context);
    });
  }

  function readJson(response) {
    var type = response.headers.get("Content-Type") || "";
    if (!/json/i.test(type)) return response.text().then(function () { return null; }, function () { return null; });
    return response.json().catch(function () { return null; });
  }

  function retryAfterSeconds(value) {
    if (!value) return 0;
    if (/^\d+$/.test(value.trim())) return Math.max(1, parseInt(value, 10));
    var when = Date.parse(value);
    return isNaN(when) ? 0 : Math.max(1, Math.ceil((when - Date.now()) / 1000));
  }

  function describeFailure(response, body) {
    var status = response.status;
    var detail = body && typeof body.detail === "string" ? body.detail : "";
    var wait = retryAfterSeconds(response.headers.get("Retry-After"));
    if (status === 429) {
      return {
        text: "Too many questions right now. Please try again in " + (wait || 60) + " s.",
        retry: true
      };
    }
    if (status === 503) {
      return {
        text: "Cable help is not ready yet. " +
          (wait ? "Please try again in " + wait + " s." : "Please try again shortly."),
        detail: detail, retry: true
      };
    }
    if (status >= 500 || !status) {
      return { text: "Something went wrong on the server (error " + status + "). Please retry.", detail: detail,
        retry: true };
    }
    return { text: "That question could not be answered (error " + status + ").", detail: detail, retry: false };
  }

  function showAnswer(body) {
    var item = el("li", { class: "msg bot answer" });
    var verdict = body.verdict && typeof body.verdict === "object" ? body.verdict : null;
    var badges = verdictBadges(body.intent, verdict);
    if (badges.length) {
      item.appendChild(el("div", { class: "badges" }, badges.map(function (badge) {
        return el("span", { class: "badge tone-" + badge.tone, "data-verdict": badge.key }, [
          icon(badge.icon), srOnly(badge.kind + ": "), el("span", { class: "badge-label", text: badge.label })
        ]);
      })));
    }
    var warnings = verdict && Array.isArray(verdict.warnings) ? verdict.warnings : [];
    warnings.forEach(function (warning) {
      if (!warning || typeof warning.text !== "string") return;
      var severity = SEVERITY[warning.severity] || SEVERITY.warning;
      item.appendChild(el("div", {
        class: "warning sev-" + (SEVERITY[warning.severity] ? warning.severity : "warning"), role: "note"
      }, [icon(severity.icon), el("div", {}, [el("strong", { text: severity.label + ": " }), warning.text])]));
    });
    item.appendChild(el("div", { class: "text" }, [markdown(body.answer)]));
    if (body.cable && typeof body.cable.name === "string") {
      item.appendChild(el("p", { class: "cable" }, [
        icon("plug"), el("span", {}, [el("strong", { text: "Cable: " }), body.cable.name])
      ]));
    }
    var picture = wiringFigure(body.wiring_url, body.wiring_alt, body.cable);
    if (picture) item.appendChild(picture);
    var products = Array.isArray(body.products) ? body.products.filter(function (p) {
      return p && typeof p.title === "string";
    }) : [];
    if (products.length) {
      var list = el("ul", {}, products.map(productCard));
      item.appendChild(el("div", { class: "products" }, [el("h3", { text: "Cables that fit" }), list]));
    }
    var sources = Array.isArray(body.sources) ? body.sources : [];
    if (sources.length) {
      var box = el("div", { class: "sources" }, [el("h3", { text: "Sources" })]);
      sources.forEach(function (source) { box.appendChild(sourceItem(source)); });
      item.appendChild(box);
    }
    var rating = ratingRow(body);
    if (rating) item.appendChild(rating);
    ui.messages.appendChild(item);
    reveal(item);
    announce(["Answer:"].concat(badges.map(function (b) { return b.label + "."; }),
      warnings.map(function (w) { return (SEVERITY[w.severity] || SEVERITY.warning).label + ": " + w.text; }),
      [plain(body.answer)]).join(" "));
  }

  // "Was this helpful?": one vote per answer to POST /api/v1/feedback (the answer's id, question and intent); the
  // buttons then give way to a thank-you. A vote that cannot be sent says so and may be sent again.
  function ratingRow(body) {
    if (typeof body.answer_id !== "string" || !/^[0-9a-f]{16}$/.test(body.answer_id)) return null;
    var status = el("span", { role: "status" });
    var buttons = [[true, "Yes", "Helpful"], [false, "No", "Not helpful"]].map(function (choice) {
      var button = el("button", { type: "button", "aria-label": choice[2], text: choice[1] });
      button.addEventListener("click", function () { rate(choice[0]); });
      return button;
    });
    var row = el("div", { class: "rate" }, [el("span", { text: "Was this helpful?" })].concat(buttons, [status]));

    function rate(helpful) {
      buttons.forEach(function (b) { b.disabled = true; });
      status.textContent = "Sending\u2026";
      fetch(config.endpoint + "/api/v1/feedback", {
        method: "POST",
        mode: "cors",
        credentials: "omit",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
          answer_id: body.answer_id, question: String(body.question || "").slice(0, MAX_QUESTION),
          intent: body.intent, helpful: helpful, channel: "widget"
        })
      }).then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        buttons.forEach(function (b) { b.remove(); });
        status.textContent = "Thanks for the feedback!";
      }).catch(function () {
        buttons.forEach(function (b) { b.disabled = false; });
        status.textContent = "Could not send that; please try again.";
      });
    }
    return row;
  }

  function verdictBadges(intent, verdict) {
    var badges = [];
    if (!verdict) return badges;
    if ((intent === "balanced_check" || intent === "chain") && String(verdict.balanced) in BALANCE) {
      badges.push(Object.assign({ kind: "Balance" }, BALANCE[String(verdict.balanced)]));
    }
    if (COMPATIBILITY[verdict.compatibility]) {
      badges.push(Object.assign({ kind: "Compatibility" }, COMPATIBILITY[verdict.compatibility]));
    }
    return badges;
  }

  function sourceItem(source) {
    var title = String(source.title || source.id || "Guide passage");
    var anchor = String(source.id || "").split("#")[1] || "";
    var label = anchor && anchor !== "overview" && title.toLowerCase().indexOf(anchor.replace(/-/g, " ")) < 0
      ? title + " \u2013 " + humanize(anchor, title + " " + (source.snippet || ""))
      : title;
    var details = el("details", {}, [el("summary", { text: label })]);
    if (source.snippet) details.appendChild(el("p", { text: String(source.snippet) }));
    var url = String(source.url || "");
    // Only a path on the endpoint is linked: a server bug can never turn into a javascript: or foreign link.
    if (url.charAt(0) === "/" && url.charAt(1) !== "/" && url.charAt(1) !== "\\") {
      details.appendChild(el("a", { href: config.endpoint + url, target: "_blank", rel: "noopener" }, [
        "Read the passage", srOnly(" (opens in a new tab)"), icon("link")
      ]));
    }
    return details;
  }

  // The wiring picture is shown only from the endpoint itself (a path, or a URL on the endpoint's origin), so a
  // server bug cannot make the widget load an image from anywhere else.
  function wiringFigure(url, alt, cable) {
    if (typeof url !== "string" || !url) return null;
    var src = "";
    if (url.charAt(0) === "/" && url.charAt(1) !== "/" && url.charAt(1) !== "\\") src = config.endpoint + url;
    else if (originOf(url) === originOf(config.endpoint) && /^https?:/i.test(url)) src = url;
    if (!src) return null;
    var caption = cable && typeof cable.name === "string" ? "Wiring of the " + cable.name + " cable" : "Wiring";
    return el("figure", { class: "wiring" }, [
      el("img", {
        src: src, alt: typeof alt === "string" && alt ? alt : caption, width: "320", loading: "lazy",
        decoding: "async", referrerpolicy: "no-referrer"
      }),
      el("figcaption", { text: caption })
    ]);
  }

  function webLink(value) {
    try {
      var url = new URL(String(value));
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : "";
    } catch (e) { return ""; }
  }

  function money(price, currency) {
    var amount = parseFloat(price);
    if (!isFinite(amount)) return "";
    try {
      return new Intl.NumberFormat(undefined, { style: "currency", currency: String(currency) }).format(amount);
    } catch (e) {
      return String(price) + (currency ? " " + String(currency) : "");
    }
  }

  function productCard(product) {
    var link = webLink(product.link);
    var title = link
      ? el("a", { class: "title", href: link, target: "_blank", rel: "noopener noreferrer" }, [
        product.title, srOnly(" (opens in a new tab)"), icon("link")
      ])
      : el("span", { class: "title", text: product.title });
    var stock = STOCK[product.availability];
    var facts = [];
    var price = money(product.price, product.currency);
    if (price) facts.push(el("span", { class: "price", text: price }));
    if (stock) {
      facts.push(el("span", { class: "stock stock-" + product.availability }, [icon(stock.icon), stock.label]));
    }
    if (typeof product.length_m === "number" && isFinite(product.length_m)) {
      facts.push(el("span", { class: "length", text: String(Math.round(product.length_m * 100) / 100) + " m" }));
    }
    return el("li", { class: "product" }, [title, el("div", { class: "facts" }, facts)]);
  }

  // "ts-plug-in-a-balanced-trs-jack" -> "TS plug in a balanced TRS jack": acronyms get their case back from the
  // title and snippet, the rest stays as the slug has it.
  function humanize(anchor, reference) {
    var acronyms = {};
    (String(reference).match(/\b[A-Z][A-Z0-9]+\b/g) || []).forEach(function (word) {
      acronyms[word.toLowerCase()] = word;
    });
    var words = anchor.split("-").map(function (word) { return acronyms[word] || word; }).join(" ");
    return words.charAt(0).toUpperCase() + words.slice(1);
  }

  function showFailure(failure, question, context) {
    var item = el("li", { class: "msg bot error", "data-kind": "error" });
    item.appendChild(el("div", { class: "row" }, [icon("alert"), el("p", { text: failure.text })]));
    if (failure.detail) item.appendChild(el("p", { class: "detail", text: failure.detail }));
    if (failure.retry) {
      var retry = el("button", { type: "button", class: "retry", text: "Retry" });
      retry.addEventListener("click", function () {
        if (state.busy) return;
        item.remove();
        ask(question, context);
        ui.input.focus();
      });
      item.appendChild(retry);
    } else if (!ui.input.value) {
      ui.input.value = question; // let the user fix the question instead of typing it again
    }
    ui.messages.appendChild(item);
    reveal(item);
    announce(failure.text + (failure.detail ? " " + failure.detail : ""));
  }

  function clearNotes() {
    Array.prototype.forEach.call(ui.messages.querySelectorAll(".note"), function (note) { note.remove(); });
  }

  function setBusy(busy) {
    state.busy = busy;
    ui.send.setAttribute("aria-disabled", busy ? "true" : "false");
    ui.messages.setAttribute("aria-busy", busy ? "true" : "false");
  }

  function announce(text) {
    ui.live.textContent = text; // replaced, never appended: only the newest answer is read out
  }

  function reveal(item) {
    // Scroll so the newest message shows from its first line, under the question it answers: a long answer
    // is read from the top, not from its sources.
    var question = item.previousElementSibling;
    var top = question && question.classList.contains("user") ? question : item;
    ui.scroll.scrollTop = Math.max(0, top.offsetTop - 12);
  }

  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
