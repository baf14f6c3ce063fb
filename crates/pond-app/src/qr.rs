//! QR codes of referral links, through the `qrcode` crate.

use qrcode::QrCode;
use qrcode::render::svg;

/// Renders `data` as an SVG document.
pub fn svg(data: &str) -> Result<String, qrcode::types::QrError> {
    let code = QrCode::new(data.as_bytes())?;
    Ok(code
        .render::<svg::Color<'_>>()
        .min_dimensions(240, 240)
        .quiet_zone(true)
        .build())
}

/// Renders `data` as a PNG image.
pub fn png(data: &str) -> Result<Vec<u8>, String> {
    let code = QrCode::new(data.as_bytes()).map_err(|e| e.to_string())?;
    let img = code
        .render::<image::Luma<u8>>()
        .min_dimensions(360, 360)
        .build();
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .map_err(|e| e.to_string())?;
    Ok(out.into_inner())
}
