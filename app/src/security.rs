//! The Content-Security-Policy of HTML pages. Each response gets a fresh nonce (Leptos provides
//! it and puts it on its own hydration scripts); nothing inline runs without it. Responses that
//! are not pages get the stricter default set in `server`'s security layer.

/// The page policy for one response.
pub fn page_csp(nonce: &str, https: bool) -> String {
    let mut csp = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    );
    if https {
        csp.push_str("; upgrade-insecure-requests");
    }
    csp
}

/// Sets the page's CSP header with this response's nonce.
pub fn set_page_csp() {
    use leptos::prelude::use_context;
    let https = crate::state::config().is_ok_and(|c| c.sends_hsts());
    if let (Some(nonce), Some(res)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) {
        if let Ok(value) = http::HeaderValue::from_str(&page_csp(&nonce, https)) {
            res.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_allow_only_their_own_scripts_and_never_framing() {
        let csp = page_csp("abc123", false);
        assert!(csp.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval'"));
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(!csp.contains("unsafe-inline"));
        assert!(!csp.contains("upgrade-insecure-requests"));
        assert!(page_csp("n", true).ends_with("upgrade-insecure-requests"));
    }
}
