//! The import form's body: `patient_id` and one file, `bundle`, posted as
//! `multipart/form-data` (and staff's document upload the same way, its file `document`). The body is read only once the caller is known to be signed in, and
//! nothing of it is stored before their access to the patient has been checked; a file over
//! [`MAX_BUNDLE_BYTES`](super::domain::MAX_BUNDLE_BYTES) stops the reading and is reported as too
//! large.

use server_fn::{error::FromServerFnError, request::Req};

/// The whole request may carry a little more than the largest bundle, so that a file just over
/// the limit reaches the import (which says "too large" on the page) instead of being cut off
/// with a bare 413.
pub const FORM_BODY_LIMIT: usize = super::domain::MAX_BUNDLE_BYTES + 1024 * 1024;

/// The import form, not yet read.
pub struct BundleForm {
    #[cfg(feature = "ssr")]
    body: crate::media::PostedBody,
}

impl std::fmt::Debug for BundleForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BundleForm").finish_non_exhaustive()
    }
}

impl<E, R> server_fn::codec::FromReq<crate::media::UploadForm, R, E> for super::ImportBundle
where
    R: Req<E> + Send + 'static,
    E: FromServerFnError + Send + Sync,
{
    async fn from_req(req: R) -> Result<Self, E> {
        #[cfg(feature = "ssr")]
        {
            let body =
                crate::media::posted_body(req, FORM_BODY_LIMIT, super::domain::MAX_BUNDLE_BYTES)
                    .await?;
            Ok(BundleForm { body }.into())
        }
        #[cfg(not(feature = "ssr"))]
        {
            let _ = req;
            Ok(BundleForm {}.into())
        }
    }
}

impl<E, R> server_fn::codec::FromReq<crate::media::UploadForm, R, E>
    for super::upload::UploadRecordDocument
where
    R: Req<E> + Send + 'static,
    E: FromServerFnError + Send + Sync,
{
    async fn from_req(req: R) -> Result<Self, E> {
        #[cfg(feature = "ssr")]
        {
            let body = crate::media::posted_body(
                req,
                DOCUMENT_BODY_LIMIT,
                super::upload::MAX_DOCUMENT_BYTES,
            )
            .await?;
            Ok(BundleForm { body }.into())
        }
        #[cfg(not(feature = "ssr"))]
        {
            let _ = req;
            Ok(BundleForm {}.into())
        }
    }
}

impl<E, R> server_fn::codec::IntoReq<crate::media::UploadForm, R, E>
    for super::upload::UploadRecordDocument
where
    R: server_fn::request::ClientReq<E>,
    E: FromServerFnError,
{
    fn into_req(self, _path: &str, _accepts: &str) -> Result<R, E> {
        Err(crate::media::posted_only())
    }
}

impl<E, R> server_fn::codec::IntoReq<crate::media::UploadForm, R, E> for super::ImportBundle
where
    R: server_fn::request::ClientReq<E>,
    E: FromServerFnError,
{
    fn into_req(self, _path: &str, _accepts: &str) -> Result<R, E> {
        Err(crate::media::posted_only())
    }
}

/// As [`FORM_BODY_LIMIT`], for staff's document upload.
pub const DOCUMENT_BODY_LIMIT: usize = super::upload::MAX_DOCUMENT_BYTES + 1024 * 1024;

/// The body limit for a request to `path`, when it is the import form or the document upload.
pub fn import_body_limit(path: &str) -> Option<usize> {
    use server_fn::ServerFn;
    if path == <super::ImportBundle as ServerFn>::PATH {
        Some(FORM_BODY_LIMIT)
    } else if path == <super::upload::UploadRecordDocument as ServerFn>::PATH {
        Some(DOCUMENT_BODY_LIMIT)
    } else {
        None
    }
}

/// A read import form: its text fields and the file's bytes (or why they were not read).
#[cfg(feature = "ssr")]
pub struct PostedBundle {
    pub fields: std::collections::BTreeMap<String, String>,
    pub file: Result<Vec<u8>, super::fhir::ProblemKind>,
}

#[cfg(feature = "ssr")]
impl BundleForm {
    /// Reads the form. A file over the limit gives `TooLarge`; no file gives `Missing`.
    pub async fn read(self) -> PostedBundle {
        use super::fhir::ProblemKind;
        let mut posted = PostedBundle {
            fields: Default::default(),
            file: Err(ProblemKind::Missing),
        };
        let mut body = match self.body {
            crate::media::PostedBody::Multipart(body) => body,
            crate::media::PostedBody::Fields(fields) => {
                posted.fields = fields.into_iter().collect();
                return posted;
            }
        };
        loop {
            let field = match body.next_field().await {
                Ok(Some(field)) => field,
                Ok(None) => break,
                Err(_) => {
                    posted.file = Err(ProblemKind::TooLarge);
                    break;
                }
            };
            let name = field.name().unwrap_or_default().to_string();
            if field.file_name().is_some() {
                // Each form has one file: the import's bundle or staff's document.
                if name != "bundle" && name != "document" {
                    continue;
                }
                match field.bytes().await {
                    Ok(bytes) if bytes.is_empty() => {}
                    Ok(bytes) => posted.file = Ok(bytes.to_vec()),
                    Err(_) => {
                        posted.file = Err(ProblemKind::TooLarge);
                        break;
                    }
                }
            } else if let Ok(value) = field.text().await {
                posted.fields.insert(name, value);
            }
        }
        posted
    }
}
