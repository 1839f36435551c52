//! Avatar images: decoded under limits, cropped square, stored as 256×256 PNG.

use crate::{Error, Result};
use image::{ImageFormat, ImageReader, Limits};
use std::io::Cursor;

pub const MAX_BYTES: usize = 5 * 1024 * 1024;
pub const SIZE: u32 = 256;
/// Largest decoded dimension accepted: guards against decompression bombs.
const MAX_DIMENSION: u32 = 8192;

pub fn normalise(bytes: &[u8]) -> Result<Vec<u8>> {
    let rule_format = "must be a PNG, JPEG or WebP image";
    if bytes.is_empty() {
        return Err(Error::invalid("avatar", rule_format));
    }
    if bytes.len() > MAX_BYTES {
        return Err(Error::invalid("avatar", "must be at most 5 MiB"));
    }
    let format = image::guess_format(bytes).map_err(|_| Error::invalid("avatar", rule_format))?;
    if !matches!(
        format,
        ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::WebP
    ) {
        return Err(Error::invalid("avatar", rule_format));
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DIMENSION);
    limits.max_image_height = Some(MAX_DIMENSION);
    limits.max_alloc = Some(256 * 1024 * 1024);
    reader.limits(limits);
    let img = reader.decode().map_err(|_| {
        Error::invalid(
            "avatar",
            "could not be decoded (corrupt or too large an image)",
        )
    })?;
    let side = img.width().min(img.height());
    if side == 0 {
        return Err(Error::invalid("avatar", rule_format));
    }
    let x = (img.width() - side) / 2;
    let y = (img.height() - side) / 2;
    let square = img.crop_imm(x, y, side, side);
    let resized = square.resize_exact(SIZE, SIZE, image::imageops::FilterType::Lanczos3);
    let mut out = Cursor::new(Vec::new());
    resized
        .to_rgba8()
        .write_to(&mut out, ImageFormat::Png)
        .map_err(|e| Error::internal(format!("encoding avatar: {e}")))?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbaImage::from_pixel(w, h, image::Rgba([200, 30, 30, 255]));
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn crops_and_resizes_to_256_square() {
        let out = normalise(&png(600, 300)).unwrap();
        let img = image::load_from_memory(&out).unwrap();
        assert_eq!((img.width(), img.height()), (256, 256));
    }

    #[test]
    fn refuses_other_formats_garbage_and_oversize() {
        assert!(normalise(b"GIF89a....")
            .unwrap_err()
            .to_string()
            .starts_with("avatar: "));
        assert!(normalise(b"not an image").is_err());
        assert!(normalise(&[]).is_err());
        let mut big = png(10, 10);
        big.resize(MAX_BYTES + 1, 0);
        assert!(normalise(&big).unwrap_err().to_string().contains("5 MiB"));
        // A PNG header claiming a huge image is refused by the limits, not decoded.
        let huge = png(MAX_DIMENSION + 1, 1);
        assert!(normalise(&huge).is_err());
    }
}
