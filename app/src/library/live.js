// The library's two live islands, in plain JavaScript: the islands (live.rs) only start them.
// Written in Rust they cost 23 kB of brotli'd WASM on every page (measured: 56.6 → 79.7 kB,
// against a 60 kB budget), here under 1 kB. Both call their server function directly, never
// render Markdown, and only ever put the server's sanitised preview into innerHTML; search
// results are built from text nodes. A newer request aborts the one before it, and an answer
// that is no longer the newest is ignored.

const $ = (id) => document.getElementById(id);

// The page's words for an island (see shell/island_data.rs).
function words(dataId) {
  const out = {};
  for (const span of $(dataId)?.querySelectorAll("[data-key]") ?? []) {
    out[span.dataset.key] = span.textContent;
  }
  return out;
}

// Calls `run(value)` for each `input` from one of `ids`, once typing has paused for `wait` ms,
// with a `fresh()` that stays true only while no newer input has come.
function onPause(ids, wait, run) {
  let timer;
  let latest = 0;
  document.addEventListener("input", (e) => {
    if (!ids.includes(e.target.id)) return;
    const mine = ++latest;
    clearTimeout(timer);
    timer = setTimeout(() => run(() => mine === latest, true), wait);
    run(() => mine === latest, false);
  });
}

let controllers = {};
async function call(kind, path, fields) {
  controllers[kind]?.abort();
  const controller = (controllers[kind] = new AbortController());
  const res = await fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
    body: new URLSearchParams(fields),
    credentials: "same-origin",
    signal: controller.signal,
  });
  if (!res.ok) throw res.status;
  return res.json();
}

function el(tag, className, ...children) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  e.append(...children);
  return e;
}

// A function, so `$` in the value is never read as a replacement pattern.
const fill = (template, key, value) => template.replace(`{${key}}`, () => value);

// Search as you type under the box `#library-q` (and `#library-category`, if the page has it):
// results in the same markup as the search page's own list, the count said in `statusId`
// (a polite live region), the address kept in step without adding history entries. The form
// itself is untouched, so Enter still submits it.
export function startSearch(path, dataId, statusId, listId, serverResultsId) {
  const w = words(dataId);
  const status = $(statusId);
  const list = $(listId);
  const start = location.pathname;
  const value = (id) => $(id)?.value ?? "";
  onPause(["library-q", "library-category"], 250, async (fresh, paused) => {
    const q = value("library-q").trim();
    const category = value("library-category");
    if (q.length < 2) {
      // Emptied: nothing to show, and the address the person started from.
      controllers.search?.abort();
      list.replaceChildren();
      status.textContent = "";
      history.replaceState(history.state, "", start);
      return;
    }
    if (!paused) return;
    const params = new URLSearchParams({ q });
    if (category) params.set("category", category);
    const href = `/library/search?${params}`;
    history.replaceState(history.state, "", href);
    let r;
    try {
      r = await call("search", path, { language: w.language, q, category });
    } catch (e) {
      // What was shown stays; pressing Search still works.
      if (fresh()) status.textContent = w.failed;
      return;
    }
    if (!fresh()) return;
    // The server's own results were for what the page was opened with.
    $(serverResultsId)?.setAttribute("hidden", "");
    const { total, pages, items } = r.hits;
    if (!total) {
      list.replaceChildren();
      status.textContent = w.empty;
      return;
    }
    const ul = el("ul", "article-cards");
    ul.setAttribute("aria-label", w.results);
    for (const { card, snippet } of items) {
      const link = el("a", "", card.title);
      link.href = `/library/${card.slug}`;
      const meta = [card.kind === "condition_guide" ? w.guide : w.article];
      if (card.category) meta.push(card.category.name);
      meta.push(fill(w.minutes, "n", card.reading_minutes));
      ul.append(
        el(
          "li",
          "article-card",
          el("h2", "article-card__title", link),
          el("p", "article-card__meta muted", meta.join(" · ")),
          // Odd pieces are the matched words; all of it is text, never markup.
          el("p", "article-card__snippet", ...snippet.map((p, i) => (i % 2 ? el("mark", "", p) : p))),
          el("p", "article-card__reviewed muted", fill(w.reviewed, "date", card.last_reviewed)),
        ),
      );
    }
    const shown = [ul];
    if (pages > 1) {
      const more = el("a", "", w.more);
      more.href = href;
      shown.push(el("p", "", more));
    }
    list.replaceChildren(...shown);
    // Searches rank at most 1,000 matches (SEARCH_CAP); more is said as "more than 1,000".
    status.textContent =
      (total > 1000 ? w.many : fill(w.count, "n", total)) +
      (r.corrected ? " " + fill(w.showing, "words", r.corrected) : "");
  });
}

// The editor's preview of `#article-body`: rendered and sanitised by the server (the same
// renderer as publication) and put in place of `previewId`'s content. The summary is plain text
// and follows `#article-summary` at once, as text.
export function startPreview(path, dataId, statusId, previewId, leadId) {
  const w = words(dataId);
  const status = $(statusId);
  document.addEventListener("input", (e) => {
    if (e.target.id !== "article-summary" || !$(leadId)) return;
    $(leadId).textContent = e.target.value;
    status.textContent = w.unsaved;
  });
  onPause(["article-body"], 400, async (fresh, paused) => {
    if (!paused) return;
    let html;
    try {
      html = await call("preview", path, { body: $("article-body").value });
    } catch (code) {
      if (fresh()) status.textContent = code === 422 ? w.too_long : w.failed;
      return;
    }
    if (!fresh()) return;
    $(previewId).innerHTML = html;
    status.textContent = w.unsaved;
  });
}
