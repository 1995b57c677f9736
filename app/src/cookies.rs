//! Reading cookies from requests: one parser for the language choice, the session token and the
//! sign-in form's remembered email.

/// The value of cookie `name` in one `Cookie` header value (`a=1; b=2`).
pub fn find<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value)
}

/// The value of cookie `name` in the request being handled, whichever `Cookie` header holds it.
#[cfg(feature = "ssr")]
pub fn from_request(name: &str) -> Option<String> {
    let parts = leptos::prelude::use_context::<http::request::Parts>()?;
    parts
        .headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|header| find(header, name))
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::find;

    #[test]
    fn a_cookie_is_found_by_its_whole_name() {
        let header = "lang=es; __Host-session=abc; sign_in_email=a%40b";
        assert_eq!(find(header, "lang"), Some("es"));
        assert_eq!(find(header, "__Host-session"), Some("abc"));
        assert_eq!(find(header, "session"), None, "not a suffix match");
        assert_eq!(find(header, "missing"), None);
        assert_eq!(find("", "lang"), None);
    }
}
