//! Uploading an image: the server function a plain `<form enctype="multipart/form-data">` posts
//! to, and [`store_image`] for server code that already holds the bytes (clinician photos, the
//! demo library).
//!
//! The upload form has its own body encoding, [`UploadForm`], rather than server_fn's
//! `MultipartFormData`: that one panics on a request that is not multipart (any client can send
//! one), and it would hand the body over before the function has checked who is calling. Here
//! the body is wrapped unread in an [`ImageUpload`], and read only after the role check.

use crate::error::AppError;
use leptos::prelude::*;
use server_fn::{
    codec::{Encoding, FromReq, IntoReq},
    error::{FromServerFnError, ServerFnErrorErr},
    request::{ClientReq, Req},
    ContentType, ServerFn,
};

#[cfg(feature = "ssr")]
use super::domain::{ImageRef, StoredImage, UploadRefusal, MAX_UPLOAD_BYTES};

/// The upload form's body: `multipart/form-data`, as a browser posts a form with a file.
pub struct UploadForm;

impl ContentType for UploadForm {
    const CONTENT_TYPE: &'static str = "multipart/form-data";
}

impl Encoding for UploadForm {
    const METHOD: http::Method = http::Method::POST;
}

/// An upload's body, not yet read.
pub struct ImageUpload {
    #[cfg(feature = "ssr")]
    body: Option<multer::Multipart<'static>>,
}

impl std::fmt::Debug for ImageUpload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImageUpload").finish_non_exhaustive()
    }
}

/// Stores one image — a JPEG, PNG or WebP of at most 10 MB, posted as the form field `image` —
/// resized for the web, and sends the form back to the field `return_to` (a path on this site,
/// `/editor` by default) with `?uploaded=<key>`. Returns the key. Editors (article images) and
/// administrators (clinician photos), with a second factor; the role is checked before the body
/// is read.
#[server(input = UploadForm, input_derive = ())]
pub async fn upload_image(upload: ImageUpload) -> Result<String, AppError> {
    crate::error::with_status(upload_inner(upload).await)
}

impl<E, R> FromReq<UploadForm, R, E> for UploadImage
where
    R: Req<E> + Send + 'static,
    E: FromServerFnError + Send + Sync,
{
    async fn from_req(req: R) -> Result<Self, E> {
        #[cfg(feature = "ssr")]
        {
            use futures::StreamExt;
            let boundary = req
                .to_content_type()
                .and_then(|ct| multer::parse_boundary(ct).ok());
            let Some(boundary) = boundary else {
                // Not multipart: the function says "choose a file" once it knows who asked.
                return Ok(ImageUpload { body: None }.into());
            };
            let stream = req
                .try_into_stream()?
                .map(|chunk| chunk.map_err(|_| std::io::Error::other("upload interrupted")));
            let limits = multer::Constraints::new().size_limit(
                multer::SizeLimit::new()
                    .whole_stream(UPLOAD_BODY_LIMIT as u64)
                    .per_field(MAX_UPLOAD_BYTES as u64)
                    .for_field("return_to", 1024),
            );
            Ok(ImageUpload {
                body: Some(multer::Multipart::with_constraints(
                    stream, boundary, limits,
                )),
            }
            .into())
        }
        #[cfg(not(feature = "ssr"))]
        {
            let _ = req;
            Ok(ImageUpload {}.into())
        }
    }
}

impl<E, R> IntoReq<UploadForm, R, E> for UploadImage
where
    R: ClientReq<E>,
    E: FromServerFnError,
{
    /// The browser posts the form itself; nothing calls this function from Rust.
    fn into_req(self, _path: &str, _accepts: &str) -> Result<R, E> {
        Err(E::from_server_fn_error(ServerFnErrorErr::Request(
            "an image is uploaded by posting its form".into(),
        )))
    }
}

/// The error an upload came back with, when a post without JavaScript returned to the page
/// with it in the address.
pub fn upload_error() -> Option<AppError> {
    use_context::<leptos::server::ServerActionError>()
        .filter(|e| e.path() == <UploadImage as ServerFn>::PATH)
        .map(|e| server_fn::error::ServerFnUrlError::<AppError>::decode_err(e.err()))
}

/// The largest request body the upload function accepts: the file plus the form's other
/// fields and the multipart framing.
pub const UPLOAD_BODY_LIMIT: usize = super::domain::MAX_UPLOAD_BYTES + 64 * 1024;

/// The body limit for a request to `path`, when it is the upload function's (whose files are
/// larger than the portal's general request limit).
pub fn upload_body_limit(path: &str) -> Option<usize> {
    (path == <UploadImage as ServerFn>::PATH).then_some(UPLOAD_BODY_LIMIT)
}

/// An editor or an administrator, with a second factor.
#[cfg(feature = "ssr")]
async fn require_uploader() -> Result<crate::auth::server::Caller, AppError> {
    use crate::auth::{account::Role, server};
    match server::require_role(Role::Editor).await {
        Err(AppError::Forbidden) => server::require_role(Role::Administrator).await,
        other => other,
    }
}

#[cfg(feature = "ssr")]
async fn upload_inner(upload: ImageUpload) -> Result<String, AppError> {
    use crate::audit::{self, AuditEvent, Outcome};
    let caller = require_uploader().await?;
    let (return_to, bytes) = read_form(upload).await?;
    let processed = process(bytes).await?;
    let mut tx = crate::state::db()?.begin().await?;
    let image = super::db::insert_image(&mut tx, caller.account.account_id, &processed).await?;
    let client = crate::auth::server::current_client();
    let event = AuditEvent::new("media.upload", Outcome::Success)
        .by(caller.account.account_id)
        .on("media_image", &image.hash)
        .from_client(client.ip, client.user_agent.as_deref());
    audit::record(&mut *tx, &event).await?;
    tx.commit().await?;
    let back = return_to
        .as_deref()
        .and_then(super::domain::local_return_path)
        .unwrap_or("/editor");
    leptos_axum::redirect(&super::domain::with_uploaded(back, &image.hash));
    Ok(image.hash)
}

/// The form's `return_to` and the bytes of its `image` file.
#[cfg(feature = "ssr")]
async fn read_form(upload: ImageUpload) -> Result<(Option<String>, Vec<u8>), AppError> {
    let too_large = |e: &multer::Error| {
        matches!(
            e,
            multer::Error::FieldSizeExceeded { .. } | multer::Error::StreamSizeExceeded { .. }
        )
    };
    let unreadable = |e: multer::Error| {
        if too_large(&e) {
            UploadRefusal::TooLarge.into_error()
        } else {
            AppError::Transport("request".into())
        }
    };
    let Some(mut body) = upload.body else {
        return Err(UploadRefusal::Required.into_error());
    };
    let (mut return_to, mut bytes) = (None, None);
    while let Some(field) = body.next_field().await.map_err(unreadable)? {
        match field.name() {
            Some("image") if bytes.is_none() => {
                bytes = Some(field.bytes().await.map_err(unreadable)?.to_vec());
            }
            Some("return_to") => return_to = Some(field.text().await.map_err(unreadable)?),
            // Anything else is skipped unread (multer discards it on the next field).
            _ => {}
        }
    }
    Ok((return_to, bytes.unwrap_or_default()))
}

/// At most this many images are decoded at once per process: a large upload holds a few
/// hundred megabytes while it is resized.
#[cfg(feature = "ssr")]
static PROCESSING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// Checks and converts `bytes` on a blocking thread (see [`super::process::process_image`]).
#[cfg(feature = "ssr")]
pub async fn process(bytes: Vec<u8>) -> Result<super::process::ProcessedImage, AppError> {
    let _permit = PROCESSING
        .acquire()
        .await
        .map_err(|_| AppError::Unavailable)?;
    tokio::task::spawn_blocking(move || super::process::process_image(&bytes))
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "image processing stopped");
            AppError::Internal
        })?
        .map_err(UploadRefusal::into_error)
}

/// Checks, resizes and stores an image from server code, as the upload form does; storing the
/// same picture again returns the image already stored. Refusals are
/// `AppError::Validation({"image": code})` with the codes of [`UploadRefusal`]. The caller is
/// responsible for having checked who `uploaded_by` is and that they may upload.
#[cfg(feature = "ssr")]
pub async fn store_image(
    pool: &sqlx::PgPool,
    uploaded_by: uuid::Uuid,
    bytes: Vec<u8>,
) -> Result<StoredImage, AppError> {
    let processed = process(bytes).await?;
    let mut conn = pool.acquire().await?;
    Ok(super::db::insert_image(&mut conn, uploaded_by, &processed).await?)
}

/// The stored image with key `hash` (for showing an image chosen in a form, and for checking a
/// key a form sent back).
#[cfg(feature = "ssr")]
pub async fn find_image(pool: &sqlx::PgPool, hash: &str) -> Result<Option<ImageRef>, AppError> {
    if !super::domain::is_media_hash(hash) {
        return Ok(None);
    }
    Ok(super::db::find_image(pool, hash).await?)
}
