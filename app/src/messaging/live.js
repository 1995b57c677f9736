// Refreshes a page's live regions (elements with `data-live` and an id) from the server's own
// rendering of the same address, after messaging's event stream says something changed (see
// live.rs). Only markup the server rendered for this page goes into innerHTML: message text in
// it is escaped text, and DOMParser runs no scripts. Changes arriving close together cause one
// fetch (one at a time, and one more if changes came while it ran — no waiting, so a single
// change shows as soon as it can); a fetch that fails leaves the page as it was (the next change
// or a reload catches up).

let running = false;
let again = false;

// An event from the stream: `ready` once connected, then a conversation id (or `*`) per change.
export function liveEvent(statusId, message, data) {
  if (data === "ready") document.documentElement.dataset.live = "ready";
  else liveRefresh(statusId, message);
}

async function liveRefresh(statusId, message) {
  if (running) {
    again = true;
    return;
  }
  running = true;
  try {
    const res = await fetch(location.href, {
      // Not activity: the idle timeout counts what the person does, not what arrives.
      headers: { "X-Background-Refresh": "1" },
      credentials: "same-origin",
      cache: "no-store",
    });
    if (res.ok) swap(new DOMParser().parseFromString(await res.text(), "text/html"), statusId, message);
  } catch (_) {
    // Offline or the server is restarting: the page stays as it was.
  } finally {
    running = false;
    if (again) {
      again = false;
      liveRefresh(statusId, message);
    }
  }
}

function swap(doc, statusId, message) {
  let changed = false;
  for (const region of document.querySelectorAll("[data-live]")) {
    const fresh = doc.getElementById(region.id);
    if (!fresh || fresh.innerHTML === region.innerHTML) continue;
    // Keep keyboard focus on the same link if it is still there.
    const focused = region.contains(document.activeElement) ? document.activeElement.getAttribute("href") : null;
    region.innerHTML = fresh.innerHTML;
    if (focused) region.querySelector(`[href="${CSS.escape(focused)}"]`)?.focus();
    changed = true;
  }
  if (changed) {
    const status = document.getElementById(statusId);
    if (status) {
      status.textContent = "";
      // A fresh text node, so screen readers announce it again.
      setTimeout(() => (status.textContent = message), 50);
    }
    document.documentElement.dataset.liveUpdates = String(Number(document.documentElement.dataset.liveUpdates ?? 0) + 1);
  }
}
