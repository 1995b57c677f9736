// The browser's WebAuthn API speaks ArrayBuffers; the server speaks the JSON form of the
// WebAuthn options and answers, with binary fields as base64url. These two functions convert at
// the boundary and nothing else, so the passkey islands stay in Rust. Older browsers lack
// PublicKeyCredential.parseCreationOptionsFromJSON and toJSON(), hence the conversions here.

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

export async function createPasskey(optionsJson) {
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

export async function usePasskey(optionsJson) {
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
