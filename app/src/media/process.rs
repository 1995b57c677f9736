//! Turning an uploaded file into the images the portal stores: checked by its content, limited
//! in bytes and pixels before any pixel is decoded, turned upright, flattened onto white,
//! resized to each stored width and re-encoded as JPEG. Re-encoding keeps only pixels, so
//! metadata (EXIF, which can hold where and when a photo was taken) never reaches the site.
//! CPU-bound: call it from a blocking thread ([`super::store_image`] does).

use super::domain::{
    scaled_height, variant_widths, UploadRefusal, MAX_PIXELS, MAX_SIDE, MAX_UPLOAD_BYTES,
};
use image::{
    imageops::FilterType, DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits, RgbImage,
};
use sha2::{Digest, Sha256};
use std::io::Cursor;

/// JPEG quality of every stored variant: visually clean for photographs at about a tenth of
/// the size of quality 100.
pub const JPEG_QUALITY: u8 = 82;

/// One stored width of an image, encoded.
#[derive(Clone, Debug)]
pub struct Variant {
    pub width: u32,
    pub height: u32,
    pub jpeg: Vec<u8>,
}

/// An upload made ready to store: its key and every variant, widest first.
#[derive(Clone, Debug)]
pub struct ProcessedImage {
    /// SHA-256 (lowercase hex) of the widest variant's bytes.
    pub hash: String,
    pub width: u32,
    pub height: u32,
    pub variants: Vec<Variant>,
}

/// Checks and converts one uploaded file. The format is read from the bytes, never from a file
/// name or a declared type: only JPEG, PNG and WebP are accepted.
pub fn process_image(bytes: &[u8]) -> Result<ProcessedImage, UploadRefusal> {
    if bytes.is_empty() {
        return Err(UploadRefusal::Required);
    }
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(UploadRefusal::TooLarge);
    }
    let image = decode(bytes)?;
    let upright = flatten_onto_white(image);
    resize_and_encode(upright)
}

fn decode(bytes: &[u8]) -> Result<DynamicImage, UploadRefusal> {
    let format = match image::guess_format(bytes) {
        Ok(f @ (ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP)) => f,
        _ => return Err(UploadRefusal::NotAnImage),
    };
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    // Room for the decoded pixels of the largest accepted image at 8 bits per RGBA channel,
    // plus the decoder's own buffers.
    limits.max_alloc = Some(MAX_PIXELS * 4 + 64 * 1024 * 1024);
    reader.limits(limits);
    // The header alone gives the size: a bomb is refused here, before anything is allocated.
    let mut decoder = reader.into_decoder().map_err(refusal)?;
    let (w, h) = decoder.dimensions();
    if w == 0 || h == 0 {
        return Err(UploadRefusal::Damaged);
    }
    if u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(UploadRefusal::TooManyPixels);
    }
    // Phones store "rotate me" in EXIF; apply it now, as the EXIF itself is dropped.
    let orientation = decoder.orientation().ok();
    let mut image = DynamicImage::from_decoder(decoder).map_err(refusal)?;
    if let Some(orientation) = orientation {
        image.apply_orientation(orientation);
    }
    Ok(image)
}

fn refusal(e: image::ImageError) -> UploadRefusal {
    match e {
        image::ImageError::Limits(_) => UploadRefusal::TooManyPixels,
        image::ImageError::Unsupported(_) => UploadRefusal::NotAnImage,
        _ => UploadRefusal::Damaged,
    }
}

/// Any transparency composited onto white (JPEG has none; white is the page's background).
fn flatten_onto_white(image: DynamicImage) -> RgbImage {
    if !image.color().has_alpha() {
        return image.into_rgb8();
    }
    let rgba = image.into_rgba8();
    let (w, h) = rgba.dimensions();
    RgbImage::from_fn(w, h, |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let over = |c: u8| {
            let (c, a) = (u16::from(c), u16::from(a));
            // c·a + 255·(1 − a), rounded, in 0..=255.
            u8::try_from((c * a + 255 * (255 - a) + 127) / 255).unwrap_or(u8::MAX)
        };
        image::Rgb([over(r), over(g), over(b)])
    })
}

fn resize_and_encode(image: RgbImage) -> Result<ProcessedImage, UploadRefusal> {
    let (w, h) = image.dimensions();
    let mut variants = Vec::new();
    // Each width is made from the one before, which is faster than from the original and as
    // sharp. `DynamicImage::resize_exact` rather than the generic `imageops::resize`: the
    // former is compiled (and optimised) inside the image crate, the latter here, which made
    // debug builds ten times slower.
    let mut source = DynamicImage::ImageRgb8(image);
    for width in variant_widths(w) {
        if source.width() != width {
            let height = scaled_height(w, h, width);
            source = source.resize_exact(width, height, FilterType::Lanczos3);
        }
        let jpeg = match source.as_rgb8() {
            Some(rgb) => encode_jpeg(rgb)?,
            None => encode_jpeg(&source.to_rgb8())?,
        };
        variants.push(Variant {
            width,
            height: source.height(),
            jpeg,
        });
    }
    let full = variants.first().ok_or(UploadRefusal::Damaged)?;
    Ok(ProcessedImage {
        hash: sha256_hex(&full.jpeg),
        width: full.width,
        height: full.height,
        variants,
    })
}

fn encode_jpeg(image: &RgbImage) -> Result<Vec<u8>, UploadRefusal> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY)
        .encode_image(image)
        .map_err(|e| {
            tracing::error!(error = %e, "jpeg encoding failed");
            UploadRefusal::Damaged
        })?;
    Ok(out)
}

pub(super) fn sha256_hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    Sha256::digest(bytes)
        .iter()
        .fold(String::with_capacity(64), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use image::{ImageEncoder, Rgba, RgbaImage};

    /// A picture with some detail, so encoders have something to keep.
    pub(crate) fn picture(w: u32, h: u32) -> RgbaImage {
        RgbaImage::from_fn(w, h, |x, y| {
            Rgba([
                u8::try_from(x % 256).unwrap_or(0),
                u8::try_from(y % 256).unwrap_or(0),
                128,
                255,
            ])
        })
    }

    pub(crate) fn png(w: u32, h: u32) -> Vec<u8> {
        let mut out = Vec::new();
        image::codecs::png::PngEncoder::new(&mut out)
            .write_image(
                picture(w, h).as_raw(),
                w,
                h,
                image::ExtendedColorType::Rgba8,
            )
            .unwrap_or_default();
        out
    }

    pub(crate) fn jpeg(w: u32, h: u32) -> Vec<u8> {
        let rgb = DynamicImage::ImageRgba8(picture(w, h)).into_rgb8();
        encode_jpeg(&rgb).unwrap_or_default()
    }

    fn webp(w: u32, h: u32) -> Vec<u8> {
        let mut out = Vec::new();
        image::codecs::webp::WebPEncoder::new_lossless(&mut out)
            .write_image(
                picture(w, h).as_raw(),
                w,
                h,
                image::ExtendedColorType::Rgba8,
            )
            .unwrap_or_default();
        out
    }

    /// A JPEG with an EXIF segment (APP1) holding a made-up location right after its start.
    fn jpeg_with_exif(w: u32, h: u32) -> Vec<u8> {
        let plain = jpeg(w, h);
        let payload = b"Exif\0\0MM\0*\0\0\0\x08GPS 40.4168 N 3.7038 W";
        let len = u16::try_from(payload.len() + 2).unwrap_or(0).to_be_bytes();
        let mut out = plain.get(..2).unwrap_or_default().to_vec();
        out.extend_from_slice(&[0xFF, 0xE1]);
        out.extend_from_slice(&len);
        out.extend_from_slice(payload);
        out.extend_from_slice(plain.get(2..).unwrap_or_default());
        out
    }

    fn decoded(jpeg: &[u8]) -> RgbImage {
        image::load_from_memory_with_format(jpeg, ImageFormat::Jpeg)
            .map(DynamicImage::into_rgb8)
            .unwrap_or_default()
    }

    #[test]
    fn media_png_jpeg_and_webp_are_accepted_and_stored_as_jpeg() {
        for (name, bytes) in [
            ("png", png(640, 360)),
            ("jpeg", jpeg(640, 360)),
            ("webp", webp(640, 360)),
        ] {
            let image = process_image(&bytes).unwrap_or_else(|e| panic!("{name}: {e:?}"));
            assert_eq!((image.width, image.height), (640, 360), "{name}");
            assert_eq!(image.hash.len(), 64);
            assert_eq!(image.hash, sha256_hex(&image.variants[0].jpeg));
            for v in &image.variants {
                assert_eq!(
                    image::guess_format(&v.jpeg).ok(),
                    Some(ImageFormat::Jpeg),
                    "{name}"
                );
                assert_eq!(decoded(&v.jpeg).dimensions(), (v.width, v.height));
            }
        }
    }

    #[test]
    fn media_resizing_never_enlarges_and_keeps_the_aspect_ratio() {
        let large = process_image(&png(2000, 1000)).unwrap_or_else(|e| panic!("{e:?}"));
        let sizes: Vec<(u32, u32)> = large.variants.iter().map(|v| (v.width, v.height)).collect();
        assert_eq!(sizes, [(1600, 800), (800, 400), (400, 200)]);
        let small = process_image(&png(300, 200)).unwrap_or_else(|e| panic!("{e:?}"));
        let sizes: Vec<(u32, u32)> = small.variants.iter().map(|v| (v.width, v.height)).collect();
        assert_eq!(sizes, [(300, 200)]);
    }

    #[test]
    fn media_output_carries_no_exif() {
        let upload = jpeg_with_exif(500, 300);
        assert!(
            upload.windows(4).any(|w| w == b"Exif"),
            "the fixture has EXIF"
        );
        let image = process_image(&upload).unwrap_or_else(|e| panic!("{e:?}"));
        for v in &image.variants {
            assert!(!v.jpeg.windows(4).any(|w| w == b"Exif"));
            assert!(!v.jpeg.windows(3).any(|w| w == b"GPS"));
            // No APP1 (EXIF/XMP) segment at all.
            assert!(!v.jpeg.windows(2).any(|w| w == [0xFF, 0xE1]));
        }
    }

    #[test]
    fn media_transparency_is_flattened_onto_white() {
        let clear = RgbaImage::from_pixel(64, 64, Rgba([0, 0, 0, 0]));
        let mut bytes = Vec::new();
        image::codecs::png::PngEncoder::new(&mut bytes)
            .write_image(clear.as_raw(), 64, 64, image::ExtendedColorType::Rgba8)
            .unwrap_or_default();
        let image = process_image(&bytes).unwrap_or_else(|e| panic!("{e:?}"));
        let pixel = decoded(&image.variants[0].jpeg).get_pixel(32, 32).0;
        assert!(pixel.iter().all(|c| *c > 245), "{pixel:?}");
    }

    #[test]
    fn media_text_html_and_svg_named_as_images_are_refused() {
        for bytes in [
            &b"just some text, saved as photo.jpg"[..],
            b"<!doctype html><html><script>alert(1)</script></html>",
            b"<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>",
            b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
        ] {
            assert_eq!(
                process_image(bytes).err(),
                Some(UploadRefusal::NotAnImage),
                "{}",
                String::from_utf8_lossy(bytes)
            );
        }
        assert_eq!(process_image(b"").err(), Some(UploadRefusal::Required));
    }

    #[test]
    fn media_truncated_images_are_refused() {
        let whole = png(300, 200);
        let cut = whole.get(..whole.len() / 2).unwrap_or_default();
        assert_eq!(process_image(cut).err(), Some(UploadRefusal::Damaged));
        let header_only = jpeg(300, 200);
        let cut = header_only.get(..100).unwrap_or_default();
        assert_eq!(process_image(cut).err(), Some(UploadRefusal::Damaged));
    }

    /// A PNG that declares `w` × `h` pixels in a few hundred bytes.
    fn bomb(w: u32, h: u32) -> Vec<u8> {
        fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
            out.extend_from_slice(&u32::try_from(data.len()).unwrap_or(0).to_be_bytes());
            let start = out.len();
            out.extend_from_slice(kind);
            out.extend_from_slice(data);
            let crc = crc32(out.get(start..).unwrap_or_default());
            out.extend_from_slice(&crc.to_be_bytes());
        }
        fn crc32(bytes: &[u8]) -> u32 {
            let mut crc = 0xFFFF_FFFFu32;
            for b in bytes {
                crc ^= u32::from(*b);
                for _ in 0..8 {
                    crc = if crc & 1 == 1 {
                        (crc >> 1) ^ 0xEDB8_8320
                    } else {
                        crc >> 1
                    };
                }
            }
            !crc
        }
        let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(&w.to_be_bytes());
        ihdr.extend_from_slice(&h.to_be_bytes());
        ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB
        chunk(&mut out, b"IHDR", &ihdr);
        chunk(
            &mut out,
            b"IDAT",
            &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
        );
        chunk(&mut out, b"IEND", &[]);
        out
    }

    #[test]
    fn media_decompression_bombs_are_refused_before_decoding() {
        assert!(bomb(50_000, 50_000).len() < 200);
        assert_eq!(
            process_image(&bomb(50_000, 50_000)).err(),
            Some(UploadRefusal::TooManyPixels)
        );
        // Within each side's limit, over the pixel limit.
        assert_eq!(
            process_image(&bomb(10_000, 10_000)).err(),
            Some(UploadRefusal::TooManyPixels)
        );
    }

    #[test]
    fn media_files_over_the_size_limit_are_refused_unread() {
        let mut huge = png(16, 16);
        huge.resize(MAX_UPLOAD_BYTES + 1, 0);
        assert_eq!(process_image(&huge).err(), Some(UploadRefusal::TooLarge));
    }

    #[test]
    fn media_the_same_picture_gives_the_same_key() {
        let a = process_image(&jpeg(400, 300)).unwrap_or_else(|e| panic!("{e:?}"));
        let b = process_image(&jpeg_with_exif(400, 300)).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(a.hash, b.hash, "metadata does not change what is stored");
    }
}
