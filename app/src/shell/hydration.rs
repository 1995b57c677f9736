use leptos::prelude::*;

/// Marks `<html data-hydrated="true">` once the page's islands have hydrated. Islands hydrate in
/// document order, so this one is placed last. Browser tests and monitoring wait on it.
#[island]
pub fn HydrationMarker() -> impl IntoView {
    #[cfg(feature = "hydrate")]
    Effect::new(|_| {
        if let Some(root) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
        {
            // Nothing useful can be done if the attribute cannot be set; the page still works.
            let _ = root.set_attribute("data-hydrated", "true");
        }
    });
}
