//! What both targets know of an image: its key, its size, the widths it is stored at and the
//! addresses those are served from. Pure, so pages can build `src`/`srcset` without a query.

use serde::{Deserialize, Serialize};

/// The widths an image is stored at, widest first; an upload narrower than one is stored at its
/// own width instead (never enlarged).
pub const VARIANT_WIDTHS: [u32; 3] = [1600, 800, 400];

/// The largest upload accepted, in bytes.
pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;

/// The most pixels an upload may declare (a 40-megapixel camera). A small file that declares
/// more is a decompression bomb, refused before any pixel is decoded.
pub const MAX_PIXELS: u64 = 40_000_000;

/// The longest side an upload may have.
pub const MAX_SIDE: u32 = 12_000;

/// The longest description (alt text) of an image.
pub const MAX_ALT: usize = 250;

/// Why an upload was refused: the code under the `image` field of
/// [`crate::error::AppError::Validation`], for the form to say what to do next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UploadRefusal {
    /// No file was chosen.
    Required,
    /// Over [`MAX_UPLOAD_BYTES`].
    TooLarge,
    /// Not a JPEG, PNG or WebP by its content (whatever its name says).
    NotAnImage,
    /// Over [`MAX_PIXELS`] or [`MAX_SIDE`].
    TooManyPixels,
    /// It starts like an image but cannot be read to the end (cut short or damaged).
    Damaged,
}

impl UploadRefusal {
    pub const FIELD: &'static str = "image";

    pub fn code(self) -> &'static str {
        match self {
            UploadRefusal::Required => "required",
            UploadRefusal::TooLarge => "too_large",
            UploadRefusal::NotAnImage => "not_an_image",
            UploadRefusal::TooManyPixels => "too_many_pixels",
            UploadRefusal::Damaged => "damaged",
        }
    }

    pub fn into_error(self) -> crate::error::AppError {
        crate::error::AppError::Validation(
            [(Self::FIELD.to_string(), self.code().to_string())].into(),
        )
    }
}

/// A stored image: its key (the SHA-256 of its full-size bytes) and full size in pixels.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ImageRef {
    pub hash: String,
    pub width: u32,
    pub height: u32,
}

/// What [`crate::media::store_image`] returns.
pub type StoredImage = ImageRef;

impl ImageRef {
    /// The widths this image is stored at, widest first.
    pub fn widths(&self) -> Vec<u32> {
        variant_widths(self.width)
    }

    /// The address of the stored width closest to `wanted` without being narrower (or the
    /// widest there is).
    pub fn url(&self, wanted: u32) -> String {
        let widths = self.widths();
        let width = widths
            .iter()
            .rev()
            .find(|w| **w >= wanted)
            .or(widths.first())
            .copied()
            .unwrap_or(self.width);
        image_url(&self.hash, width)
    }

    /// The full-size address (for Open Graph and structured data, made absolute by the caller).
    pub fn full_url(&self) -> String {
        image_url(&self.hash, self.width)
    }

    /// `srcset` listing every stored width.
    pub fn srcset(&self) -> String {
        srcset(&self.hash, self.width)
    }
}

/// Where one stored width of an image is served: `/media/{hash}-{width}.jpg`. The address never
/// changes what it serves, so it is cached for a year.
pub fn image_url(hash: &str, width: u32) -> String {
    format!("/media/{hash}-{width}.jpg")
}

/// `srcset` for an image whose full size is `full_width` wide: `"/media/…-1600.jpg 1600w, …"`.
pub fn srcset(hash: &str, full_width: u32) -> String {
    variant_widths(full_width)
        .into_iter()
        .map(|w| format!("{} {w}w", image_url(hash, w)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The widths an image `full_width` wide is stored at, widest first: the standard widths it is
/// wider than, headed by its own width when it is narrower than the widest.
pub fn variant_widths(full_width: u32) -> Vec<u32> {
    let full = full_width.min(VARIANT_WIDTHS[0]);
    let mut widths = vec![full];
    widths.extend(VARIANT_WIDTHS.iter().copied().filter(|w| *w < full));
    widths
}

/// The height of an image `width` × `height` scaled to `new_width`, at least one pixel.
pub fn scaled_height(width: u32, height: u32, new_width: u32) -> u32 {
    if width == 0 {
        return height.max(1);
    }
    let h = (u64::from(height) * u64::from(new_width) + u64::from(width) / 2) / u64::from(width);
    u32::try_from(h).unwrap_or(u32::MAX).max(1)
}

/// Whether `s` is an image key: 64 lowercase hexadecimal digits.
pub fn is_media_hash(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The key and width named by a file name in a media address (`{hash}-{width}.jpg`).
pub fn parse_media_file(name: &str) -> Option<(&str, u32)> {
    let stem = name.strip_suffix(".jpg")?;
    let (hash, width) = stem.split_once('-')?;
    if !is_media_hash(hash) || width.is_empty() || width.len() > 4 || width.starts_with('0') {
        return None;
    }
    let width = width
        .bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| width.parse().ok())??;
    Some((hash, width))
}

/// Where an upload form sends the browser back to: a path on this site, with at most a simple
/// query (never another site's address, so the field cannot make an open redirect). Anything
/// else gives `None`.
pub fn local_return_path(path: &str) -> Option<&str> {
    let (route, query) = path.split_once('?').unwrap_or((path, ""));
    let ok = route.starts_with('/')
        && !route.starts_with("//")
        && path.len() <= 200
        && route
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_'))
        && query
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'=' | b'&' | b'-' | b'_'));
    ok.then_some(path)
}

/// The address to go back to after an upload, carrying the new image's key as `uploaded`.
pub fn with_uploaded(path: &str, hash: &str) -> String {
    let sep = if path.contains('?') { '&' } else { '?' };
    format!("{path}{sep}uploaded={hash}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn media_variant_widths_never_exceed_the_upload() {
        assert_eq!(variant_widths(4000), [1600, 800, 400]);
        assert_eq!(variant_widths(1600), [1600, 800, 400]);
        assert_eq!(variant_widths(1000), [1000, 800, 400]);
        assert_eq!(variant_widths(800), [800, 400]);
        assert_eq!(variant_widths(300), [300]);
        assert_eq!(scaled_height(1600, 900, 800), 450);
        assert_eq!(scaled_height(3, 1, 1), 1);
    }

    #[test]
    fn media_addresses_round_trip_and_nothing_else_parses() {
        let url = image_url(HASH, 800);
        let file = url.rsplit('/').next().unwrap_or_default();
        assert_eq!(parse_media_file(file), Some((HASH, 800)));
        for bad in [
            "x-800.jpg",
            &format!("{HASH}-800.png"),
            &format!("{HASH}-0800.jpg"),
            &format!("{HASH}-.jpg"),
            &format!("{HASH}-99999.jpg"),
            &format!("{}-800.jpg", HASH.to_uppercase()),
            &format!("{HASH}-+80.jpg"),
        ] {
            assert_eq!(parse_media_file(bad), None, "{bad}");
        }
    }

    #[test]
    fn media_srcset_lists_every_stored_width_and_url_picks_the_nearest_wider() {
        let image = ImageRef {
            hash: HASH.into(),
            width: 1000,
            height: 500,
        };
        assert_eq!(
            image.srcset(),
            format!(
                "/media/{HASH}-1000.jpg 1000w, /media/{HASH}-800.jpg 800w, /media/{HASH}-400.jpg 400w"
            )
        );
        assert_eq!(image.url(400), image_url(HASH, 400));
        assert_eq!(image.url(500), image_url(HASH, 800));
        assert_eq!(image.url(5000), image_url(HASH, 1000));
        assert_eq!(image.full_url(), image_url(HASH, 1000));
    }

    #[test]
    fn media_upload_forms_only_return_to_paths_on_this_site() {
        assert_eq!(
            local_return_path("/editor/articles/new"),
            Some("/editor/articles/new")
        );
        assert_eq!(
            with_uploaded("/editor/articles/new?language=es", "ab"),
            "/editor/articles/new?language=es&uploaded=ab"
        );
        assert_eq!(with_uploaded("/editor", "ab"), "/editor?uploaded=ab");
        for bad in [
            "https://evil.example/",
            "//evil.example",
            "/\\evil.example",
            "/a?b=c?d",
            "/a?b=<c>",
            "",
            "editor",
        ] {
            assert_eq!(local_return_path(bad), None, "{bad}");
        }
    }
}
