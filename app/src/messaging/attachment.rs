//! Files attached to messages, and the message forms' body that carries them.
//!
//! A file is accepted only when its content is a photo (JPEG, PNG or WebP, whose header the
//! image decoder reads) or a PDF; the name and the type the browser claims are never trusted,
//! and the stored name gets the extension of what the file really is. Files are served only by
//! `/messages/attachments/{id}` as downloads (`Content-Disposition: attachment`, `nosniff`) to
//! whoever may read the message, so a file can never run as a page of this site.
//!
//! The message forms post `multipart/form-data` (with files) or a plain url-encoded form (a
//! client without files); either way the body is bounded by [`FORM_BODY_LIMIT`], and nothing in
//! it is stored before the caller's access to the patient or conversation has been checked.

#[cfg(feature = "ssr")]
use crate::error::AppError;
use server_fn::{error::FromServerFnError, request::Req};

/// The largest file: 10 MB.
pub const MAX_ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;
/// Files on one message.
pub const MAX_ATTACHMENTS: usize = 4;
/// What the file picker offers (the server checks the content whatever is chosen).
pub const ACCEPTED_TYPES: &str =
    "image/jpeg,image/png,image/webp,application/pdf,.jpg,.jpeg,.png,.webp,.pdf";
/// A message form's whole body: its files, the text fields and the multipart framing.
pub const FORM_BODY_LIMIT: usize = MAX_ATTACHMENTS * MAX_ATTACHMENT_BYTES + 256 * 1024;
/// The form field the files are posted in.
pub const FILE_FIELD: &str = "attachment";

/// The body of a message form, not yet read.
pub struct MessageForm {
    #[cfg(feature = "ssr")]
    body: crate::media::PostedBody,
}

impl std::fmt::Debug for MessageForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MessageForm").finish_non_exhaustive()
    }
}

impl MessageForm {
    /// Wraps a request's body: a multipart body unread, a url-encoded one decoded (it is no
    /// larger than any other form post).
    pub async fn from_request<R, E>(req: R) -> Result<Self, E>
    where
        R: Req<E> + Send + 'static,
        E: FromServerFnError + Send + Sync,
    {
        #[cfg(feature = "ssr")]
        {
            Ok(MessageForm {
                body: crate::media::posted_body(req, FORM_BODY_LIMIT, MAX_ATTACHMENT_BYTES).await?,
            })
        }
        #[cfg(not(feature = "ssr"))]
        {
            let _ = req;
            Ok(MessageForm {})
        }
    }
}

/// The client side of a message form function: the browser posts the form itself.
pub fn posted_only<E: FromServerFnError>() -> E {
    crate::media::posted_only()
}

/// Implements the request decoding of a server function whose only argument is a
/// [`MessageForm`] (its input encoding being [`crate::media::UploadForm`]).
macro_rules! message_form_fn {
    ($name:ident) => {
        impl<E, R> server_fn::codec::FromReq<crate::media::UploadForm, R, E> for $name
        where
            R: server_fn::request::Req<E> + Send + 'static,
            E: server_fn::error::FromServerFnError + Send + Sync,
        {
            async fn from_req(req: R) -> Result<Self, E> {
                $crate::messaging::attachment::MessageForm::from_request(req)
                    .await
                    .map(Into::into)
            }
        }

        impl<E, R> server_fn::codec::IntoReq<crate::media::UploadForm, R, E> for $name
        where
            R: server_fn::request::ClientReq<E>,
            E: server_fn::error::FromServerFnError,
        {
            fn into_req(self, _path: &str, _accepts: &str) -> Result<R, E> {
                Err($crate::messaging::attachment::posted_only())
            }
        }
    };
}
pub(super) use message_form_fn;

/// The body limit for a request to `path`, when it is one of the message forms (whose files
/// are larger than the portal's general request limit).
pub fn message_body_limit(path: &str) -> Option<usize> {
    use server_fn::ServerFn;
    (path == <super::SendMessage as ServerFn>::PATH
        || path == <super::StartConversation as ServerFn>::PATH)
        .then_some(FORM_BODY_LIMIT)
}

/// A file as posted: its name as the browser gave it, and its bytes.
#[cfg(feature = "ssr")]
pub struct PostedFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// A read message form: its text fields (the last value of a repeated name) and its files (an
/// empty file input posts one nameless empty file, which is left out).
#[cfg(feature = "ssr")]
pub struct PostedForm {
    pub fields: std::collections::BTreeMap<String, String>,
    pub files: Vec<PostedFile>,
    /// More than [`MAX_ATTACHMENTS`] files, or one too large: the rest was not read.
    pub refused: Option<&'static str>,
}

#[cfg(feature = "ssr")]
impl MessageForm {
    /// Reads the form. Call once the caller is known to be signed in: this is where a multipart
    /// body is read. A body that breaks the limits still gives the fields read before the
    /// problem, so what was typed can be kept.
    pub async fn read(self) -> Result<PostedForm, AppError> {
        let mut posted = PostedForm {
            fields: Default::default(),
            files: Vec::new(),
            refused: None,
        };
        let mut body = match self.body {
            crate::media::PostedBody::Fields(fields) => {
                posted.fields = fields.into_iter().collect();
                return Ok(posted);
            }
            crate::media::PostedBody::Multipart(body) => body,
        };
        loop {
            let field = match body.next_field().await {
                Ok(Some(field)) => field,
                Ok(None) => break,
                Err(e) => return too_large(e, posted),
            };
            let Some(name) = field.name().map(str::to_owned) else {
                continue;
            };
            match field.file_name().map(str::to_owned) {
                None => match field.text().await {
                    Ok(value) => {
                        posted.fields.insert(name, value);
                    }
                    Err(e) => return too_large(e, posted),
                },
                Some(file_name) if name == FILE_FIELD => {
                    let bytes = match field.bytes().await {
                        Ok(bytes) => bytes,
                        Err(e) => return too_large(e, posted),
                    };
                    if bytes.is_empty() && file_name.is_empty() {
                        continue;
                    }
                    if posted.files.len() == MAX_ATTACHMENTS {
                        posted.refused = Some("too_many");
                        // The fields after the files (a button's name) are still wanted.
                        continue;
                    }
                    posted.files.push(PostedFile {
                        name: file_name,
                        bytes: bytes.to_vec(),
                    });
                }
                // Any other file is skipped unread (multer discards it on the next field).
                Some(_) => {}
            }
        }
        Ok(posted)
    }
}

/// A limit broken while reading: the form as read so far, marked refused; anything else that
/// went wrong reading the body is the connection's problem.
#[cfg(feature = "ssr")]
fn too_large(e: multer::Error, mut posted: PostedForm) -> Result<PostedForm, AppError> {
    match e {
        multer::Error::FieldSizeExceeded { .. } | multer::Error::StreamSizeExceeded { .. } => {
            posted.refused = Some("too_large");
            posted.files.clear();
            Ok(posted)
        }
        _ => Err(AppError::Transport("request".into())),
    }
}

/// What a file really is.
#[cfg(feature = "ssr")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Jpeg,
    Png,
    Webp,
    Pdf,
}

#[cfg(feature = "ssr")]
impl FileKind {
    pub fn content_type(self) -> &'static str {
        match self {
            FileKind::Jpeg => "image/jpeg",
            FileKind::Png => "image/png",
            FileKind::Webp => "image/webp",
            FileKind::Pdf => "application/pdf",
        }
    }

    /// The usual extension first.
    fn extensions(self) -> (&'static str, &'static [&'static str]) {
        match self {
            FileKind::Jpeg => ("jpg", &["jpeg"]),
            FileKind::Png => ("png", &[]),
            FileKind::Webp => ("webp", &[]),
            FileKind::Pdf => ("pdf", &[]),
        }
    }
}

/// What `bytes` are, judged by their content: an image whose header the decoder reads, or a
/// PDF (its signature first, its end-of-file marker near the end). Anything else is `None`.
#[cfg(feature = "ssr")]
pub fn recognise(bytes: &[u8]) -> Option<FileKind> {
    if bytes.starts_with(b"%PDF-") {
        let tail = bytes
            .get(bytes.len().saturating_sub(1024)..)
            .unwrap_or_default();
        return tail
            .windows(5)
            .any(|w| w == b"%%EOF")
            .then_some(FileKind::Pdf);
    }
    let reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .ok()?;
    let kind = match reader.format()? {
        image::ImageFormat::Jpeg => FileKind::Jpeg,
        image::ImageFormat::Png => FileKind::Png,
        image::ImageFormat::WebP => FileKind::Webp,
        _ => return None,
    };
    let (width, height) = reader.into_dimensions().ok()?;
    (width > 0 && height > 0).then_some(kind)
}

/// The name a file is stored and downloaded under: the last part of what the browser sent,
/// without control characters, at most 120 characters, ending in an extension of what the file
/// really is.
#[cfg(feature = "ssr")]
pub fn stored_name(posted: &str, kind: FileKind) -> String {
    let base = posted.rsplit(['/', '\\']).next().unwrap_or_default();
    let mut name: String = base
        .chars()
        .filter(|c| !c.is_control())
        .collect::<String>()
        .trim()
        .trim_start_matches('.')
        .chars()
        .take(120)
        .collect();
    if name.is_empty() {
        name = "attachment".into();
    }
    let lower = name.to_lowercase();
    let (usual, others) = kind.extensions();
    let fits = std::iter::once(&usual)
        .chain(others)
        .any(|ext| lower.ends_with(&format!(".{ext}")));
    if !fits {
        name.push('.');
        name.push_str(usual);
    }
    name
}

/// A checked file, ready to store.
#[cfg(feature = "ssr")]
pub struct CheckedFile {
    pub name: String,
    pub kind: FileKind,
    pub bytes: Vec<u8>,
}

/// Checks every posted file; the first problem refuses them all (`too_large`, `too_many`,
/// `type`, as a code for the field `attachment`). The text fields come back either way.
#[cfg(feature = "ssr")]
pub fn check_files(posted: PostedForm) -> (PostedFields, Result<Vec<CheckedFile>, &'static str>) {
    let fields = PostedFields(posted.fields);
    if let Some(code) = posted.refused {
        return (fields, Err(code));
    }
    let mut out = Vec::with_capacity(posted.files.len());
    for file in posted.files {
        if file.bytes.len() > MAX_ATTACHMENT_BYTES {
            return (fields, Err("too_large"));
        }
        let Some(kind) = recognise(&file.bytes) else {
            return (fields, Err("type"));
        };
        out.push(CheckedFile {
            name: stored_name(&file.name, kind),
            kind,
            bytes: file.bytes,
        });
    }
    (fields, Ok(out))
}

/// A read form's text fields.
#[cfg(feature = "ssr")]
pub struct PostedFields(pub std::collections::BTreeMap<String, String>);

#[cfg(feature = "ssr")]
impl PostedFields {
    pub fn text(&self, name: &str) -> String {
        self.0.get(name).cloned().unwrap_or_default()
    }

    pub fn optional(&self, name: &str) -> Option<String> {
        self.0.get(name).filter(|v| !v.is_empty()).cloned()
    }
}

/// The `Content-Disposition` of a download named `name`: an ASCII fallback and the exact name
/// (RFC 6266 and RFC 8187).
#[cfg(feature = "ssr")]
pub fn content_disposition(name: &str) -> String {
    let fallback: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut exact = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            exact.push(char::from(b));
        } else {
            exact.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{exact}")
}

#[cfg(test)]
#[cfg(feature = "ssr")]
mod tests {
    use super::*;

    fn png() -> Vec<u8> {
        use image::{ImageEncoder, Rgb, RgbImage};
        let picture = RgbImage::from_fn(8, 4, |x, y| Rgb([x as u8, y as u8, 7]));
        let mut out = Vec::new();
        image::codecs::png::PngEncoder::new(&mut out)
            .write_image(picture.as_raw(), 8, 4, image::ExtendedColorType::Rgb8)
            .expect("png");
        out
    }

    fn form(files: Vec<(&str, Vec<u8>)>) -> PostedForm {
        PostedForm {
            fields: [("body".to_string(), "Hello".to_string())].into(),
            files: files
                .into_iter()
                .map(|(name, bytes)| PostedFile {
                    name: name.into(),
                    bytes,
                })
                .collect(),
            refused: None,
        }
    }

    #[test]
    fn files_are_recognised_by_content_not_by_name() {
        assert_eq!(recognise(&png()), Some(FileKind::Png));
        assert_eq!(
            recognise(b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"),
            Some(FileKind::Pdf)
        );
        // A PDF signature without an end, a PNG signature on nothing, a script, a GIF.
        assert_eq!(recognise(b"%PDF-1.7\n1 0 obj"), None);
        assert_eq!(recognise(b"\x89PNG\r\n\x1a\nnot really"), None);
        assert_eq!(recognise(b"<script>alert(1)</script>"), None);
        assert_eq!(recognise(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"), None);
        assert_eq!(recognise(b""), None);
    }

    #[test]
    fn stored_names_keep_the_name_and_tell_the_truth_about_the_type() {
        assert_eq!(stored_name("rash.PNG", FileKind::Png), "rash.PNG");
        assert_eq!(
            stored_name("C:\\Users\\me\\scan.pdf", FileKind::Pdf),
            "scan.pdf"
        );
        assert_eq!(stored_name("../../etc/passwd", FileKind::Pdf), "passwd.pdf");
        assert_eq!(stored_name("page.html", FileKind::Png), "page.html.png");
        assert_eq!(stored_name("foto.jpeg", FileKind::Jpeg), "foto.jpeg");
        assert_eq!(stored_name(" \u{7}", FileKind::Webp), "attachment.webp");
        assert_eq!(stored_name(".hidden", FileKind::Jpeg), "hidden.jpg");
        let long = "a".repeat(300);
        assert_eq!(stored_name(&long, FileKind::Pdf).chars().count(), 124);
    }

    #[test]
    fn one_bad_file_refuses_them_all_and_keeps_the_fields() {
        let (fields, checked) = check_files(form(vec![
            ("a.png", png()),
            ("b.pdf", b"MZ\x90\x00 an executable".to_vec()),
        ]));
        assert_eq!(fields.text("body"), "Hello");
        assert!(
            matches!(checked, Err("type")),
            "a program is not an attachment"
        );

        let mut too_big = png();
        too_big.resize(MAX_ATTACHMENT_BYTES + 1, 0);
        assert!(matches!(
            check_files(form(vec![("big.png", too_big)])).1,
            Err("too_large")
        ));

        let mut refused = form(vec![]);
        refused.refused = Some("too_many");
        assert!(matches!(check_files(refused).1, Err("too_many")));

        let Ok(files) = check_files(form(vec![("x", png())])).1 else {
            panic!("a PNG is an attachment");
        };
        assert_eq!(files.len(), 1);
        assert_eq!(
            (files[0].name.as_str(), files[0].kind),
            ("x.png", FileKind::Png)
        );
    }

    #[test]
    fn downloads_are_named_safely() {
        assert_eq!(
            content_disposition("informe médico \"final\".pdf"),
            "attachment; filename=\"informe m_dico _final_.pdf\"; \
             filename*=UTF-8''informe%20m%C3%A9dico%20%22final%22.pdf"
        );
        assert_eq!(
            content_disposition("a\r\nb.png"),
            "attachment; filename=\"a__b.png\"; filename*=UTF-8''a%0D%0Ab.png"
        );
    }
}
