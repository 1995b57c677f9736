// "Stay signed in": one call to the server function that touches the session. Plain JavaScript
// so the idle warning's WASM carries no server-function client (JSON and form encoding).
// Resolves to the seconds now left; rejects when the session is gone or the call failed.
export async function staySignedIn(path) {
  const res = await fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
    body: "",
    credentials: "same-origin",
  });
  if (!res.ok) throw res.status;
  return Number(await res.text());
}
