//! Member posters (任务宝): the shop's template image with the member's
//! link as a QR code and their name drawn where the template says.
//!
//! Text is drawn with `ab_glyph`'s outline rasteriser directly (already in
//! the build through plotters): a name is one line, so a layout engine or
//! imageproc's drawing toolkit would add weight for nothing. Chinese names
//! need a CJK font, taken from the system (Debian's fonts-noto-cjk) or a
//! configured path; without one the embedded Latin font draws what it can
//! and skips the glyphs it lacks, so a poster is never refused for a name.

use ab_glyph::{Font, FontArc, FontVec, PxScale, ScaleFont, point};
use image::{DynamicImage, ImageFormat, Luma, Rgba, RgbaImage};
pub use pond_store::posters::{Layout, Template};
use qrcode::QrCode;
use std::io::Cursor;
use std::path::{Path, PathBuf};

/// Where Debian and Ubuntu packages put CJK fonts, best first:
/// fonts-noto-cjk, then fonts-wqy-microhei, fonts-wqy-zenhei and
/// fonts-droid-fallback.
const SYSTEM_FONTS: &[&str] = &[
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Medium.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
];

/// Longest name drawn; a longer one is cut, so it stays on the poster.
const MAX_NAME_CHARS: usize = 24;

/// The face to read from a font file. Noto's CJK collections hold JP, KR,
/// SC, TC and HK faces in that order; a shop's customers read Simplified
/// Chinese, so SC (index 2). Other collections: their first face.
fn face_index(path: &Path) -> u32 {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    if name.starts_with("Noto") && name.contains("CJK") && name.ends_with(".ttc") {
        2
    } else {
        0
    }
}

fn read(path: &Path) -> Result<FontArc, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    FontVec::try_from_vec_and_index(bytes, face_index(path))
        .map(FontArc::new)
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// Loads the poster font: the configured file, else the first CJK font
/// found on the system, else the embedded Latin font (said in the log).
pub fn load_font(configured: Option<&Path>) -> Option<FontArc> {
    if let Some(path) = configured {
        match read(path) {
            Ok(f) => {
                tracing::info!(font = %path.display(), "poster font loaded");
                return Some(f);
            }
            Err(e) => {
                tracing::error!(error = %e, "the configured poster font cannot be read; looking for a system font")
            }
        }
    }
    for path in SYSTEM_FONTS.iter().map(PathBuf::from) {
        if path.is_file()
            && let Ok(f) = read(&path)
        {
            tracing::info!(font = %path.display(), "poster font loaded");
            return Some(f);
        }
    }
    tracing::warn!(
        "no CJK font found (install fonts-noto-cjk or set POND_POSTER_FONT): \
         poster names use the embedded Latin font and skip Chinese characters"
    );
    // The same embedded font the charts use. Should it ever fail to parse,
    // posters carry the QR code without the name rather than fail.
    FontArc::try_from_slice(epaint_default_fonts::UBUNTU_LIGHT).ok()
}

/// A rendering failure (a stored template that no longer decodes).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct PosterError(String);

/// Draws a poster: `template` (PNG or JPEG bytes) with a QR code of `url`
/// in the layout's square and `name` at its anchor (when there is a font). Answers PNG bytes of
/// the template's size.
pub fn render(
    template: &[u8],
    layout: &Layout,
    url: &str,
    name: Option<&str>,
    font: Option<&FontArc>,
) -> Result<Vec<u8>, PosterError> {
    let err = |e: &dyn std::fmt::Display| PosterError(e.to_string());
    let mut canvas = image::load_from_memory(template)
        .map_err(|e| err(&e))?
        .to_rgba8();
    let qr = qr_square(url, u32::try_from(layout.qr_size).unwrap_or(0)).map_err(|e| err(&e))?;
    image::imageops::overlay(&mut canvas, &qr, layout.qr_x, layout.qr_y);
    if let Some(font) = font
        && let Some(name) = name.map(str::trim).filter(|n| !n.is_empty())
    {
        let name: String = name.chars().take(MAX_NAME_CHARS).collect();
        draw_text(&mut canvas, font, &name, layout);
    }
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgba8(canvas)
        .write_to(&mut out, ImageFormat::Png)
        .map_err(|e| err(&e))?;
    Ok(out.into_inner())
}

/// The QR code of `url` centred in a white square of `size` pixels, with
/// whole pixels per module so that it stays sharp for scanners.
fn qr_square(url: &str, size: u32) -> Result<RgbaImage, qrcode::types::QrError> {
    let code = QrCode::new(url.as_bytes())?;
    let modules = u32::try_from(code.width())
        .unwrap_or(u32::MAX)
        .saturating_add(8);
    let module = (size / modules).max(1);
    let qr = code
        .render::<Luma<u8>>()
        .quiet_zone(true)
        .module_dimensions(module, module)
        .build();
    let mut square = RgbaImage::from_pixel(size, size, Rgba([255, 255, 255, 255]));
    let offset = i64::from(size.saturating_sub(qr.width()) / 2);
    image::imageops::overlay(
        &mut square,
        &DynamicImage::ImageLuma8(qr).to_rgba8(),
        offset,
        offset,
    );
    Ok(square)
}

/// `#rrggbb` as RGB; black for anything else (checked at upload).
pub fn parse_color(s: &str) -> Option<[u8; 3]> {
    let hex = s.strip_prefix('#')?;
    if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
    Some([byte(0)?, byte(2)?, byte(4)?])
}

/// Draws one line of text, skipping characters the font has no glyph for.
fn draw_text(canvas: &mut RgbaImage, font: &FontArc, text: &str, layout: &Layout) {
    let (px, x, top) = (
        layout.name_size as f32,
        layout.name_x as f32,
        layout.name_y as f32,
    );
    let scale = PxScale::from(px);
    let scaled = font.as_scaled(scale);
    let mut caret = 0.0f32;
    let mut last = None;
    let mut glyphs = Vec::new();
    for ch in text.chars().filter(|c| !c.is_control()) {
        let id = font.glyph_id(ch);
        if id.0 == 0 {
            continue; // .notdef: the font lacks it; a gap beats a box
        }
        if let Some(prev) = last {
            caret += scaled.kern(prev, id);
        }
        glyphs.push((id, caret));
        caret += scaled.h_advance(id);
        last = Some(id);
    }
    let left = if layout.name_align == "center" {
        x - caret / 2.0
    } else {
        x
    };
    let baseline = top + scaled.ascent();
    let [r, g, b] = parse_color(&layout.name_color).unwrap_or([0, 0, 0]);
    let (w, h) = canvas.dimensions();
    for (id, dx) in glyphs {
        let glyph = id.with_scale_and_position(scale, point(left + dx, baseline));
        let Some(outline) = font.outline_glyph(glyph) else {
            continue; // a space
        };
        let bounds = outline.px_bounds();
        outline.draw(|gx, gy, coverage| {
            let (cx, cy) = (
                bounds.min.x as i64 + i64::from(gx),
                bounds.min.y as i64 + i64::from(gy),
            );
            let (Ok(cx), Ok(cy)) = (u32::try_from(cx), u32::try_from(cy)) else {
                return;
            };
            if cx >= w || cy >= h {
                return;
            }
            let a = coverage.clamp(0.0, 1.0);
            let p = canvas.get_pixel_mut(cx, cy);
            // Float-to-int `as` saturates, so a rounding overshoot stays 255.
            let mix =
                |dst: u8, src: u8| (f32::from(src) * a + f32::from(dst) * (1.0 - a)).round() as u8;
            let alpha = (255.0 * a + f32::from(p[3]) * (1.0 - a)).round() as u8;
            *p = Rgba([mix(p[0], r), mix(p[1], g), mix(p[2], b), alpha]);
        });
    }
}

/// What a member's poster is drawn from: the program's template, the
/// member's link code and their name.
pub struct PosterParts {
    /// The program's template.
    pub template: Template,
    /// The member's referral code in that program.
    pub code: String,
    /// The member's name, when known.
    pub name: Option<String>,
}

/// Stores a program's poster template (its image already decoded and its
/// layout checked against it).
#[tracing::instrument(skip_all, fields(program = program))]
pub async fn put_template(
    tx: &mut crate::Tx,
    program: i64,
    image: &[u8],
    layout: &Layout,
    now: jiff::Timestamp,
) -> crate::Result<()> {
    if pond_store::programs::get(tx, program).await?.is_none() {
        return Err(crate::Error::not_found("program"));
    }
    Ok(pond_store::posters::put(tx, program, image, layout, now).await?)
}

async fn template_in(tx: &mut crate::Tx, program: i64) -> crate::Result<Template> {
    pond_store::posters::get(tx, program)
        .await?
        .ok_or_else(|| crate::Error::not_found("poster template").field("program"))
}

/// A program's poster template.
pub async fn template(pond: &crate::Pond, program: i64) -> crate::Result<Template> {
    let mut tx = pond.store.read().await?;
    template_in(&mut tx, program).await
}

/// A member's poster parts in a program, making their link if they have
/// none yet.
#[tracing::instrument(skip_all, fields(member = member, program = program))]
pub async fn of_member(
    pond: &crate::Pond,
    member: i64,
    program: i64,
    now: jiff::Timestamp,
) -> crate::Result<PosterParts> {
    pond.store
        .write(move |tx| {
            Box::pin(async move {
                let m = pond_store::members::get(tx, member)
                    .await?
                    .ok_or_else(|| crate::Error::not_found("member"))?;
                if pond_store::programs::get(tx, program).await?.is_none() {
                    return Err(crate::Error::not_found("program").field("program"));
                }
                let template = template_in(tx, program).await?;
                let link = pond_store::links::get_or_create(tx, program, member, now).await?;
                Ok(PosterParts {
                    template,
                    code: link.code,
                    name: m.name,
                })
            })
        })
        .await
}

/// The poster parts of the member whose link has `code`.
pub async fn of_link(pond: &crate::Pond, code: &str) -> crate::Result<PosterParts> {
    let mut tx = pond.store.read().await?;
    let link = pond_store::links::by_code(&mut tx, code)
        .await?
        .ok_or_else(|| crate::Error::not_found("referral code"))?;
    let template = template_in(&mut tx, link.program_id).await?;
    let name = pond_store::members::get(&mut tx, link.member_id)
        .await?
        .and_then(|m| m.name);
    Ok(PosterParts {
        template,
        code: link.code,
        name,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn colors_parse() {
        assert_eq!(parse_color("#ff8000"), Some([255, 128, 0]));
        assert_eq!(parse_color("ff8000"), None);
        assert_eq!(parse_color("#ff80"), None);
        assert_eq!(parse_color("#gg8000"), None);
    }

    #[test]
    fn a_name_the_font_cannot_draw_is_skipped_not_refused() {
        let font = FontArc::try_from_slice(epaint_default_fonts::UBUNTU_LIGHT).unwrap();
        let mut template = Cursor::new(Vec::new());
        RgbaImage::from_pixel(300, 400, Rgba([255, 255, 255, 255]))
            .write_to(&mut template, ImageFormat::Png)
            .unwrap();
        let layout = Layout {
            width: 300,
            height: 400,
            qr_x: 50,
            qr_y: 50,
            qr_size: 200,
            name_x: 150,
            name_y: 280,
            name_size: 32,
            name_color: "#000000".into(),
            name_align: "center".into(),
        };
        let template = template.into_inner();
        for name in ["王美", "Mei 王", ""] {
            let png = render(
                &template,
                &layout,
                "https://x/r/ABC",
                Some(name),
                Some(&font),
            )
            .unwrap();
            let img = image::load_from_memory(&png).unwrap();
            assert_eq!((img.width(), img.height()), (300, 400));
        }
    }

    #[test]
    fn noto_collections_read_their_simplified_chinese_face() {
        assert_eq!(face_index(Path::new("/x/NotoSansCJK-Regular.ttc")), 2);
        assert_eq!(face_index(Path::new("/x/wqy-microhei.ttc")), 0);
    }
}
