//! The two pieces pages use: an image at the size the layout gives it, and the upload form
//! (a plain multipart post, so it works without JavaScript).

use super::api::{upload_error, UploadImage};
use super::domain::{ImageRef, UploadRefusal};
use crate::error::AppError;
use crate::i18n::td_string;
use crate::locale::{use_locale, Locale};
use leptos::prelude::*;
use server_fn::ServerFn;

/// An image with every stored width in `srcset` for the browser to choose from by `sizes`, and
/// its `width`/`height` so the page does not move when it arrives. `eager` for the page's main
/// image (loaded at once, at high priority); others load when scrolled near.
#[component]
pub fn ResponsiveImage(
    image: ImageRef,
    alt: String,
    /// The `sizes` attribute: how wide the image is shown, e.g. `(min-width: 48rem) 44rem, 100vw`.
    sizes: &'static str,
    #[prop(optional)] eager: bool,
    #[prop(optional)] class: Option<&'static str>,
) -> impl IntoView {
    view! {
        <img
            class=class
            src=image.url(800)
            srcset=image.srcset()
            sizes=sizes
            width=image.width
            height=image.height
            alt=alt
            loading=if eager { "eager" } else { "lazy" }
            decoding=if eager { "auto" } else { "async" }
            fetchpriority=if eager { "high" } else { "auto" }
        />
    }
}

/// What to tell the person about a refused upload.
pub fn refusal_message(l: Locale, code: &str) -> &'static str {
    match code {
        c if c == UploadRefusal::Required.code() => td_string!(l, media_required),
        c if c == UploadRefusal::TooLarge.code() => td_string!(l, media_too_large),
        c if c == UploadRefusal::NotAnImage.code() => td_string!(l, media_not_an_image),
        c if c == UploadRefusal::TooManyPixels.code() => td_string!(l, media_too_many_pixels),
        c if c == UploadRefusal::Damaged.code() => td_string!(l, media_damaged),
        _ => td_string!(l, media_failed),
    }
}

/// A form that uploads one image and comes back to `return_to` (a path on this site) with the
/// new image's key in `?uploaded=`. Shows why the last upload was refused, if it was.
#[component]
pub fn ImageUploadForm(
    /// Where the browser returns after the upload: this page's path, without a query.
    return_to: String,
    /// The file input's id (unique on the page).
    id: &'static str,
    label: &'static str,
    hint: &'static str,
    button: &'static str,
) -> impl IntoView {
    let l = use_locale();
    let problem = upload_error().map(|e| match e {
        AppError::Validation(fields) => fields
            .get(UploadRefusal::FIELD)
            .map_or(td_string!(l, media_failed), |code| refusal_message(l, code)),
        AppError::Unauthenticated | AppError::Forbidden | AppError::SecondFactorRequired => {
            td_string!(l, media_not_allowed)
        }
        _ => td_string!(l, media_failed),
    });
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described = match problem {
        Some(_) => format!("{error_id} {hint_id}"),
        None => hint_id.clone(),
    };
    view! {
        <form class="form upload-form" method="post" action={<UploadImage as ServerFn>::PATH}
            enctype="multipart/form-data">
            <input type="hidden" name="return_to" value=return_to />
            <div class="field" class:field--invalid=problem.is_some()>
                <label for=id>{label}</label>
                <p class="field__hint" id=hint_id>{hint}</p>
                {problem.map(|p| view! { <p class="field__error" id=error_id role="alert">{p}</p> })}
                <input id=id name="image" type="file" required
                    accept="image/jpeg,image/png,image/webp"
                    aria-invalid=problem.map(|_| "true") aria-describedby=described />
            </div>
            <button class="button button--secondary" type="submit">{button}</button>
        </form>
    }
}
