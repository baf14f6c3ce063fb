//! Uploaded images (group QR codes, poster templates): raw PNG or JPEG
//! bodies, decoded in full before they are stored, so a broken or hostile
//! file is refused at the door rather than served to visitors.

use crate::error::{ApiError, ApiResult};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use image::{DynamicImage, ImageFormat, ImageReader, Limits};
use std::io::Cursor;

/// Largest side of an uploaded image, in pixels: a printed poster at
/// phone resolution is well under this, and it bounds decoding memory.
pub const MAX_SIDE: u32 = 4096;

/// The body of an upload, with a too-large body answered in the API's shape.
pub fn body(raw: Result<Bytes, BytesRejection>, limit: usize) -> ApiResult<Bytes> {
    let bytes = raw.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                format!("the image is over the limit of {limit} bytes"),
            )
        } else {
            ApiError::bad_request("unreadable_body", e.body_text())
        }
    })?;
    if bytes.is_empty() {
        return Err(ApiError::unprocessable(
            "invalid_image",
            "send the image (PNG or JPEG) as the request body",
        )
        .field("body"));
    }
    Ok(bytes)
}

/// Decodes a PNG or JPEG; answers the picture and its MIME type.
pub fn decode(bytes: &[u8]) -> ApiResult<(DynamicImage, &'static str)> {
    let bad = |m: String| ApiError::unprocessable("invalid_image", m).field("body");
    let format = image::guess_format(bytes)
        .map_err(|_| bad("the body is not a PNG or JPEG image".into()))?;
    let mime = match format {
        ImageFormat::Png => "image/png",
        ImageFormat::Jpeg => "image/jpeg",
        other => {
            return Err(bad(format!(
                "{other:?} images are not taken; send a PNG or JPEG"
            )));
        }
    };
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    reader.limits(limits);
    let img = reader
        .decode()
        .map_err(|e| bad(format!("the image cannot be read: {e}")))?;
    Ok((img, mime))
}
