// The passkey ceremonies' browser side: the two server-function calls around the browser's
// WebAuthn prompt, and the conversion between the WebAuthn JSON the server speaks (binary fields
// as base64url) and the ArrayBuffers the browser API wants. This is plain JavaScript rather than
// Rust so that the WASM carries no JSON or form-encoding code: calling server functions from
// Rust added about 60 kB (brotli) to every page's WASM. The islands keep the state and the words.
// Older browsers lack PublicKeyCredential.parseCreationOptionsFromJSON and toJSON(), hence the
// conversions here. Failures are thrown as one of: cancelled, expired, refused, too_many, failed.

function fromB64url(text) {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const padded = b64 + "===".slice((b64.length + 3) % 4);
  const bytes = atob(padded);
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = bytes.charCodeAt(i);
  return out.buffer;
}

function toB64url(buffer) {
  if (!buffer) return null;
  const bytes = new Uint8Array(buffer);
  let text = "";
  for (let i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function withIds(list) {
  return (list || []).map((c) => ({ ...c, id: fromB64url(c.id) }));
}

export function passkeysSupported() {
  return typeof window.PublicKeyCredential === "function" && !!navigator.credentials;
}

// Posts a form to a server function and returns its JSON answer, or throws a failure code.
async function call(path, fields) {
  let res;
  try {
    res = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
      body: new URLSearchParams(fields),
      credentials: "same-origin",
    });
  } catch {
    throw "failed";
  }
  const text = await res.text();
  if (res.ok) return JSON.parse(text);
  if (res.status === 429) throw "too_many";
  if (res.status === 409) throw text.includes("passkey_expired") ? "expired" : "refused";
  throw "failed";
}

async function prompt(make, optionsJson) {
  try {
    return await make(optionsJson);
  } catch {
    throw "cancelled";
  }
}

/** Signs in with any passkey of this site; resolves to the address to go to next. */
export async function signInWithPasskey(startPath, finishPath) {
  const challenge = await call(startPath, {});
  const credential = await prompt(usePasskey, challenge.options);
  return call(finishPath, { ceremony: challenge.ceremony, credential });
}

/** Adds a passkey named `name` to the signed-in account; resolves to the next address. */
export async function addPasskey(startPath, finishPath, name) {
  const challenge = await call(startPath, {});
  const credential = await prompt(createPasskey, challenge.options);
  return call(finishPath, { ceremony: challenge.ceremony, name, credential });
}

async function createPasskey(optionsJson) {
  const publicKey = JSON.parse(optionsJson).publicKey;
  publicKey.challenge = fromB64url(publicKey.challenge);
  publicKey.user.id = fromB64url(publicKey.user.id);
  publicKey.excludeCredentials = withIds(publicKey.excludeCredentials);
  const cred = await navigator.credentials.create({ publicKey });
  const r = cred.response;
  return JSON.stringify({
    id: cred.id,
    rawId: toB64url(cred.rawId),
    type: cred.type,
    response: {
      attestationObject: toB64url(r.attestationObject),
      clientDataJSON: toB64url(r.clientDataJSON),
      transports: typeof r.getTransports === "function" ? r.getTransports() : undefined,
    },
    extensions: cred.getClientExtensionResults(),
  });
}

async function usePasskey(optionsJson) {
  const publicKey = JSON.parse(optionsJson).publicKey;
  publicKey.challenge = fromB64url(publicKey.challenge);
  publicKey.allowCredentials = withIds(publicKey.allowCredentials);
  const cred = await navigator.credentials.get({ publicKey });
  const r = cred.response;
  return JSON.stringify({
    id: cred.id,
    rawId: toB64url(cred.rawId),
    type: cred.type,
    response: {
      authenticatorData: toB64url(r.authenticatorData),
      clientDataJSON: toB64url(r.clientDataJSON),
      signature: toB64url(r.signature),
      userHandle: toB64url(r.userHandle),
    },
    extensions: cred.getClientExtensionResults(),
  });
}
