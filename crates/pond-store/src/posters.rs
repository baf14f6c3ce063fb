//! Member posters (任务宝): one template per program, the shop's image with
//! where each member's QR code and name are drawn.

use crate::time::ms;
use crate::{Result, Tx, on_conn};
use jiff::Timestamp;

/// Where things go on a template, in pixels from its top-left corner.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct Layout {
    /// Template width.
    pub width: i64,
    /// Template height.
    pub height: i64,
    /// The QR code's square: left edge.
    pub qr_x: i64,
    /// Top edge.
    pub qr_y: i64,
    /// Side.
    pub qr_size: i64,
    /// The name's anchor: x (left edge, or centre when centred).
    pub name_x: i64,
    /// Top of the text.
    pub name_y: i64,
    /// Text height in pixels.
    pub name_size: i64,
    /// `#rrggbb`.
    pub name_color: String,
    /// `left` or `center`.
    pub name_align: String,
}

/// A template: its image bytes and layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// The program.
    pub program_id: i64,
    /// The image as uploaded (PNG or JPEG).
    pub image: Vec<u8>,
    /// Where things go.
    pub layout: Layout,
    /// Last changed (ms).
    pub updated_at: i64,
}

const LAYOUT: &str = "width, height, qr_x, qr_y, qr_size, name_x, name_y, name_size, \
                      name_color, name_align";

/// Stores (or replaces) a program's template.
pub async fn put(tx: &mut Tx, program: i64, image: &[u8], l: &Layout, at: Timestamp) -> Result<()> {
    let sql = format!(
        "INSERT INTO poster_templates (program_id, image, {LAYOUT}, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
         ON CONFLICT (program_id) DO UPDATE SET image = excluded.image,
           width = excluded.width, height = excluded.height, qr_x = excluded.qr_x,
           qr_y = excluded.qr_y, qr_size = excluded.qr_size, name_x = excluded.name_x,
           name_y = excluded.name_y, name_size = excluded.name_size,
           name_color = excluded.name_color, name_align = excluded.name_align,
           updated_at = excluded.updated_at"
    );
    on_conn!(tx, |c| sqlx::query(&sql)
        .bind(program)
        .bind(image)
        .bind(l.width)
        .bind(l.height)
        .bind(l.qr_x)
        .bind(l.qr_y)
        .bind(l.qr_size)
        .bind(l.name_x)
        .bind(l.name_y)
        .bind(l.name_size)
        .bind(&l.name_color)
        .bind(&l.name_align)
        .bind(ms(at))
        .execute(c)
        .await
        .map(|_| ()))?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct Row {
    program_id: i64,
    image: Vec<u8>,
    updated_at: i64,
    #[sqlx(flatten)]
    layout: Layout,
}

/// A program's template, if it has one.
pub async fn get(tx: &mut Tx, program: i64) -> Result<Option<Template>> {
    let sql = format!(
        "SELECT program_id, image, updated_at, {LAYOUT} FROM poster_templates WHERE program_id = $1"
    );
    let row: Option<Row> = on_conn!(tx, |c| sqlx::query_as(&sql)
        .bind(program)
        .fetch_optional(c)
        .await)?;
    Ok(row.map(|r| Template {
        program_id: r.program_id,
        image: r.image,
        layout: r.layout,
        updated_at: r.updated_at,
    }))
}

/// When a program's template last changed (ms), if it has one: the
/// template's version, read without its image.
pub async fn version(tx: &mut Tx, program: i64) -> Result<Option<i64>> {
    Ok(on_conn!(tx, |c| sqlx::query_scalar(
        "SELECT updated_at FROM poster_templates WHERE program_id = $1"
    )
    .bind(program)
    .fetch_optional(c)
    .await)?)
}
