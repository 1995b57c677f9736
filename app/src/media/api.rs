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
        ImageUpload::from_req(req, UPLOAD_BODY_LIMIT).map(Into::into)
    }
}

impl<E, R> IntoReq<UploadForm, R, E> for UploadImage
where
    R: ClientReq<E>,
    E: FromServerFnError,
{
    fn into_req(self, _path: &str, _accepts: &str) -> Result<R, E> {
        Err(posted_only())
    }
}

impl ImageUpload {
    /// Wraps a request's body, unread, for a server function whose input is [`UploadForm`];
    /// the body may be at most `limit` bytes, and any one field at most the largest upload.
    pub fn from_req<R, E>(req: R, limit: usize) -> Result<Self, E>
    where
        R: Req<E> + Send + 'static,
        E: FromServerFnError + Send + Sync,
    {
        #[cfg(feature = "ssr")]
        {
            let Some(boundary) = multipart_boundary(&req) else {
                // Not multipart: the function says "choose a file" once it knows who asked.
                return Ok(ImageUpload { body: None });
            };
            Ok(ImageUpload {
                body: Some(multipart_body(req, boundary, limit, MAX_UPLOAD_BYTES)?),
            })
        }
        #[cfg(not(feature = "ssr"))]
        {
            let _ = (req, limit);
            Ok(ImageUpload {})
        }
    }
}

/// The boundary of a `multipart/form-data` request, or `None` for any other body.
#[cfg(feature = "ssr")]
pub fn multipart_boundary<R: Req<E>, E>(req: &R) -> Option<String> {
    req.to_content_type()
        .and_then(|ct| multer::parse_boundary(ct).ok())
}

/// A multipart request's body as a stream of fields, not yet read: at most `whole` bytes in
/// all and `per_field` in any one field.
#[cfg(feature = "ssr")]
pub fn multipart_body<R, E>(
    req: R,
    boundary: String,
    whole: usize,
    per_field: usize,
) -> Result<multer::Multipart<'static>, E>
where
    R: Req<E> + Send + 'static,
    E: FromServerFnError + Send + Sync,
{
    use futures::StreamExt;
    let stream = req
        .try_into_stream()?
        .map(|chunk| chunk.map_err(|_| std::io::Error::other("upload interrupted")));
    let limits = multer::Constraints::new().size_limit(
        multer::SizeLimit::new()
            .whole_stream(whole as u64)
            .per_field(per_field as u64),
    );
    Ok(multer::Multipart::with_constraints(
        stream, boundary, limits,
    ))
}

/// A posted form's body: multipart unread (files are read only once the caller is known), or
/// the fields of a url-encoded one (a client posting no file; no larger than any form post).
#[cfg(feature = "ssr")]
pub enum PostedBody {
    Multipart(multer::Multipart<'static>),
    Fields(Vec<(String, String)>),
}

/// Wraps a request's body as a [`PostedBody`], a multipart one limited as [`multipart_body`].
#[cfg(feature = "ssr")]
pub async fn posted_body<R, E>(req: R, whole: usize, per_field: usize) -> Result<PostedBody, E>
where
    R: Req<E> + Send + 'static,
    E: FromServerFnError + Send + Sync,
{
    Ok(match multipart_boundary(&req) {
        Some(boundary) => PostedBody::Multipart(multipart_body(req, boundary, whole, per_field)?),
        None => PostedBody::Fields(
            url::form_urlencoded::parse(&req.try_into_bytes().await?)
                .into_owned()
                .collect(),
        ),
    })
}

/// What an [`UploadForm`] function's client side answers: the browser posts the form itself,
/// and nothing calls these functions from Rust.
pub fn posted_only<E: FromServerFnError>() -> E {
    E::from_server_fn_error(ServerFnErrorErr::Request(
        "an image is uploaded by posting its form".into(),
    ))
}

/// The error an upload came back with, when a post without JavaScript returned to the page
/// with it in the address.
pub fn upload_error() -> Option<AppError> {
    crate::shell::posted_error(<UploadImage as ServerFn>::PATH)
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
    let caller = require_uploader().await?;
    let posted = read_upload(upload).await?;
    let image = store_upload(&caller, posted.image).await?;
    let back = posted
        .fields
        .get("return_to")
        .and_then(|r| super::domain::local_return_path(r))
        .unwrap_or("/editor");
    leptos_axum::redirect(&super::domain::with_uploaded(back, &image.hash));
    Ok(image.hash)
}

/// A posted upload form: the bytes of its `image` file (empty when none was chosen) and its
/// other fields as text (the last value of a repeated name).
#[cfg(feature = "ssr")]
pub struct PostedUpload {
    pub image: Vec<u8>,
    pub fields: std::collections::BTreeMap<String, String>,
}

/// Reads an upload form. Call only once the caller may upload: this is where the body is read.
#[cfg(feature = "ssr")]
pub async fn read_upload(upload: ImageUpload) -> Result<PostedUpload, AppError> {
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
    let mut posted = PostedUpload {
        image: Vec::new(),
        fields: Default::default(),
    };
    let mut have_image = false;
    while let Some(field) = body.next_field().await.map_err(unreadable)? {
        match field.name().map(str::to_owned) {
            Some(name) if name == "image" => {
                let bytes = field.bytes().await.map_err(unreadable)?;
                if !have_image {
                    posted.image = bytes.to_vec();
                    have_image = true;
                }
            }
            Some(name) if field.file_name().is_none() => {
                let value = field.text().await.map_err(unreadable)?;
                posted.fields.insert(name, value);
            }
            // Any other file is skipped unread (multer discards it on the next field).
            _ => {}
        }
    }
    Ok(posted)
}

/// Checks, resizes and stores an uploaded image for `caller`, and audits the upload, in one
/// transaction. Refusals are as for [`store_image`].
#[cfg(feature = "ssr")]
pub async fn store_upload(
    caller: &crate::auth::server::Caller,
    bytes: Vec<u8>,
) -> Result<StoredImage, AppError> {
    use crate::audit::{self, AuditEvent, Outcome};
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
    Ok(image)
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
