//! The SMART Health Links wire formats (<https://docs.smarthealthit.org/smart-health-links/spec/>):
//! the `shlink:/` payload and the compact JWE the shared file travels in. The cipher is
//! RustCrypto's AES-256-GCM; only the framing is written here.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use serde_json::json;

/// The JWE protected header: direct encryption with A256GCM of a FHIR resource.
const HEADER: &str = r#"{"alg":"dir","enc":"A256GCM","cty":"application/fhir+json"}"#;

/// 32 random bytes as 43 base64url characters: a manifest address or a file ticket.
pub fn random_token() -> String {
    B64.encode(rand::random::<[u8; 32]>())
}

pub fn new_key() -> [u8; 32] {
    rand::random()
}

/// `plaintext` encrypted under `key` as a compact JWE (`header..iv.ciphertext.tag`: no
/// encrypted key with `dir`; the header's base64url text is the additional data).
pub fn encrypt(key: &[u8; 32], plaintext: &[u8]) -> Option<String> {
    let header = B64.encode(HEADER);
    let iv: [u8; 12] = rand::random();
    let cipher = Aes256Gcm::new_from_slice(key).ok()?;
    let mut sealed = cipher
        .encrypt(
            Nonce::from_slice(&iv),
            Payload {
                msg: plaintext,
                aad: header.as_bytes(),
            },
        )
        .ok()?;
    let tag = sealed.split_off(sealed.len().checked_sub(16)?);
    Some(format!(
        "{header}..{}.{}.{}",
        B64.encode(iv),
        B64.encode(&sealed),
        B64.encode(&tag)
    ))
}

/// The plaintext of a compact JWE made by [`encrypt`] (or any `dir`/A256GCM JWE), if `key`
/// opens it.
pub fn decrypt(key: &[u8], jwe: &str) -> Option<Vec<u8>> {
    let parts: Vec<&str> = jwe.split('.').collect();
    let [header, "", iv, ciphertext, tag] = parts.as_slice() else {
        return None;
    };
    let mut sealed = B64.decode(ciphertext).ok()?;
    sealed.extend(B64.decode(tag).ok()?);
    let iv = B64.decode(iv).ok()?;
    if iv.len() != 12 {
        return None;
    }
    Aes256Gcm::new_from_slice(key)
        .ok()?
        .decrypt(
            Nonce::from_slice(&iv),
            Payload {
                msg: &sealed,
                aad: header.as_bytes(),
            },
        )
        .ok()
}

/// What a link says: where its manifest is, its key, when it ends (seconds since the epoch),
/// whether it needs a passcode, and its label.
pub struct Link<'a> {
    pub manifest_url: &'a str,
    pub key: &'a [u8],
    pub expires: i64,
    pub passcode: bool,
    pub label: &'a str,
}

/// `shlink:/` and the base64url of the link's JSON.
pub fn shlink(link: &Link<'_>) -> String {
    let mut payload = json!({
        "url": link.manifest_url,
        "key": B64.encode(link.key),
        "exp": link.expires,
        "label": link.label,
        "v": 1,
    });
    if link.passcode {
        if let Some(map) = payload.as_object_mut() {
            map.insert("flag".into(), json!("P"));
        }
    }
    format!("shlink:/{}", B64.encode(payload.to_string()))
}

/// The JSON inside a `shlink:/…` text.
pub fn read_shlink(text: &str) -> Option<serde_json::Value> {
    let encoded = text.rsplit_once("shlink:/")?.1;
    serde_json::from_slice(&B64.decode(encoded).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_jwe_opens_with_its_key_only_and_any_change_breaks_it() {
        let key = new_key();
        let jwe = encrypt(&key, br#"{"resourceType":"Bundle"}"#).unwrap_or_default();
        assert_eq!(jwe.split('.').count(), 5);
        assert_eq!(
            decrypt(&key, &jwe).as_deref(),
            Some(&br#"{"resourceType":"Bundle"}"#[..])
        );
        assert_eq!(decrypt(&new_key(), &jwe), None);
        // The header is authenticated: a different one is refused.
        let other = jwe.replacen(
            &B64.encode(HEADER),
            &B64.encode(r#"{"alg":"dir","enc":"A256GCM"}"#),
            1,
        );
        assert_eq!(decrypt(&key, &other), None);
        // Each encryption has its own IV.
        assert_ne!(encrypt(&key, b"x"), encrypt(&key, b"x"));
    }

    #[test]
    fn a_link_names_its_manifest_key_end_and_passcode_flag() {
        let key = [7u8; 32];
        let text = shlink(&Link {
            manifest_url: "https://portal.example.org/shl/abc",
            key: &key,
            expires: 1_800_000_000,
            passcode: true,
            label: "For Dr. Lee",
        });
        assert!(text.starts_with("shlink:/"));
        let read =
            read_shlink(&format!("https://portal.example.org/share#{text}")).unwrap_or_default();
        assert_eq!(read["url"], "https://portal.example.org/shl/abc");
        assert_eq!(read["key"].as_str().map(str::len), Some(43));
        assert_eq!(read["flag"], "P");
        assert_eq!(read["exp"], 1_800_000_000);
        assert_eq!(read["v"], 1);
        let open = shlink(&Link {
            passcode: false,
            ..Link {
                manifest_url: "u",
                key: &key,
                expires: 1,
                passcode: true,
                label: "x",
            }
        });
        assert!(read_shlink(&open).is_some_and(|v| v.get("flag").is_none()));
        assert_eq!(random_token().len(), 43);
    }
}
