//! Keeping what was typed when a form posted without JavaScript fails: the server function puts
//! the fields (never a password) in a short-lived cookie scoped to the form's page, and the page
//! fills them back in. HttpOnly, SameSite=Strict, five minutes; cleared once the form succeeds.

use serde::{de::DeserializeOwned, Serialize};

/// The `Set-Cookie` value that remembers `fields` for the page at `path`.
pub fn remember_cookie(name: &str, path: &str, fields: &impl Serialize) -> String {
    let json = serde_json::to_string(fields).unwrap_or_default();
    format!(
        "{name}={}; Path={path}; Max-Age=300; HttpOnly; SameSite=Strict",
        url::form_urlencoded::byte_serialize(json.as_bytes()).collect::<String>()
    )
}

/// The `Set-Cookie` value that forgets the remembered fields.
pub fn forget_cookie(name: &str, path: &str) -> String {
    format!("{name}=; Path={path}; Max-Age=0; HttpOnly; SameSite=Strict")
}

/// The fields remembered under `name` in this request's cookies, if any.
pub fn recall<T: DeserializeOwned>(name: &str) -> Option<T> {
    let value = crate::cookies::from_request(name)?;
    let encoded = format!("f={value}");
    let (_, json) = url::form_urlencoded::parse(encoded.as_bytes()).next()?;
    serde_json::from_str(&json).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_remembered_form_is_one_cookie_value_and_round_trips() {
        let fields = ("Ana María; x=1".to_string(), vec!["records".to_string()]);
        let cookie = remember_cookie("f", "/me/people", &fields);
        assert!(cookie.contains("Path=/me/people") && cookie.contains("HttpOnly"));
        let value = cookie
            .split_once('=')
            .and_then(|(_, rest)| rest.split_once(';'))
            .map(|(v, _)| v)
            .unwrap_or_default();
        assert!(!value.contains(';') && !value.contains(' '));
        let encoded = format!("f={value}");
        let (_, json) = url::form_urlencoded::parse(encoded.as_bytes())
            .next()
            .unwrap_or_default();
        assert_eq!(
            serde_json::from_str::<(String, Vec<String>)>(&json).ok(),
            Some(fields)
        );
    }
}
