//! Member posters (任务宝) over real HTTP on both backends: a program's
//! template with the member's link as a QR code a phone can read, their
//! name drawn, the template's size kept; bad templates refused.

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is the failure message

mod support;

use image::{GenericImageView, ImageFormat, Rgba, RgbaImage};
use pond_store::testing::TestDb;
use serde_json::{Value, json};
use std::io::Cursor;
use support::TestApp;

pond_store::both_backends!(
    a_poster_carries_the_members_link_and_name,
    bad_templates_are_refused,
);

const BACKGROUND: Rgba<u8> = Rgba([250, 236, 210, 255]);

fn template(format: ImageFormat) -> Vec<u8> {
    let img = RgbaImage::from_pixel(600, 900, BACKGROUND);
    let mut out = Cursor::new(Vec::new());
    let img = image::DynamicImage::ImageRgba8(img);
    if format == ImageFormat::Jpeg {
        img.to_rgb8().write_to(&mut out, format).unwrap();
    } else {
        img.write_to(&mut out, format).unwrap();
    }
    out.into_inner()
}

async fn put(app: &TestApp, program: i64, query: &str, body: Vec<u8>) -> (u16, Value) {
    let r = app
        .http
        .put(app.url(&format!("/api/v1/programs/{program}/poster?{query}")))
        .bearer_auth(&app.token)
        .header("content-type", "image/png")
        .body(body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

async fn png(app: &TestApp, path: &str, auth: bool) -> image::DynamicImage {
    let mut r = app.http.get(app.url(path));
    if auth {
        r = r.bearer_auth(&app.token);
    }
    let r = r.send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200, "{path}");
    assert_eq!(r.headers()["content-type"], "image/png");
    image::load_from_memory(&r.bytes().await.unwrap()).unwrap()
}

fn qr_content(img: &image::DynamicImage) -> String {
    let mut prepared = rqrr::PreparedImage::prepare(img.to_luma8());
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1);
    grids[0].decode().unwrap().1
}

/// Pixels clearly darker than the background in a band of rows.
fn dark_pixels(img: &image::DynamicImage, rows: std::ops::Range<u32>) -> usize {
    rows.flat_map(|y| (0..img.width()).map(move |x| (x, y)))
        .filter(|&(x, y)| img.get_pixel(x, y)[0] < 150)
        .count()
}

async fn a_poster_carries_the_members_link_and_name(db: TestDb) {
    let app = support::spawn(db).await;
    let program = app.program(support::dropbox(0)).await;
    let member = app
        .member(json!({"name": "Mei 王美", "phone": "13800000001"}))
        .await["id"]
        .as_i64()
        .unwrap();
    let (s, t) = put(
        &app,
        program,
        "qr_x=150&qr_y=300&qr_size=300&name_size=48&name_color=%23202020",
        template(ImageFormat::Png),
    )
    .await;
    assert_eq!(s, 200, "{t}");
    assert_eq!(
        (&t["layout"]["name_x"], &t["layout"]["name_y"]),
        (&json!(300), &json!(616)),
        "the name goes under the QR code by default: {t}"
    );
    let (s, got) = app.get(&format!("/api/v1/programs/{program}/poster")).await;
    assert_eq!((s, &got["layout"]["qr_size"]), (200, &json!(300)), "{got}");

    let poster = png(
        &app,
        &format!("/api/v1/members/{member}/poster.png?program={program}"),
        true,
    )
    .await;
    assert_eq!(poster.dimensions(), (600, 900));
    // The poster made the member's link; it is the one the API hands out.
    let code = app.code(program, member).await;
    let link = app.url(&format!("/r/{code}"));
    assert_eq!(qr_content(&poster), link);
    // The name is drawn below the QR code, and nothing above it.
    assert!(dark_pixels(&poster, 616..670) > 50, "no name drawn");
    assert_eq!(dark_pixels(&poster, 0..290), 0);

    // The member's own link serves the same poster, without a token.
    let public = png(&app, &format!("/r/{code}/poster.png"), false).await;
    assert_eq!(qr_content(&public), link);

    // A JPEG template works as well.
    let (s, t) = put(
        &app,
        program,
        "qr_x=20&qr_y=20&qr_size=200&name_align=left&name_x=20&name_y=240",
        template(ImageFormat::Jpeg),
    )
    .await;
    assert_eq!(s, 200, "{t}");
    let poster = png(&app, &format!("/r/{code}/poster.png"), false).await;
    assert_eq!(poster.dimensions(), (600, 900));
    assert_eq!(qr_content(&poster), link);
}

async fn bad_templates_are_refused(db: TestDb) {
    let app = support::spawn(db).await;
    let program = app.program(support::dropbox(0)).await;
    let member = app.member(json!({"phone": "13800000002"})).await["id"]
        .as_i64()
        .unwrap();
    // No template yet.
    let (s, e) = app
        .get(&format!(
            "/api/v1/members/{member}/poster.png?program={program}"
        ))
        .await;
    assert_eq!(s, 404, "{e}");

    let ok = "qr_x=150&qr_y=300&qr_size=300";
    let (s, e) = put(&app, program, ok, b"GIF89a nonsense".to_vec()).await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (422, Some("invalid_image")),
        "{e}"
    );
    let (s, e) = put(&app, program, ok, Vec::new()).await;
    assert_eq!(
        (s, e["error"]["field"].as_str()),
        (422, Some("body")),
        "{e}"
    );
    for (query, field) in [
        ("qr_x=400&qr_y=300&qr_size=300", "qr_x"),
        ("qr_x=0&qr_y=0&qr_size=10", "qr_size"),
        ("qr_x=0&qr_y=0&qr_size=100&name_y=5000", "name_y"),
        ("qr_x=0&qr_y=0&qr_size=100&name_color=red", "name_color"),
        ("qr_x=0&qr_y=0&qr_size=100&name_size=2", "name_size"),
        ("qr_x=0&qr_y=0&qr_size=100&name_align=right", "name_align"),
    ] {
        let (s, e) = put(&app, program, query, template(ImageFormat::Png)).await;
        assert_eq!(
            (s, e["error"]["field"].as_str()),
            (422, Some(field)),
            "{query}: {e}"
        );
    }
    let (s, e) = put(&app, program, "qr_x=1", template(ImageFormat::Png)).await;
    assert_eq!(
        (s, e["error"]["field"].as_str()),
        (422, Some("qr_y")),
        "missing qr_y and qr_size: {e}"
    );
    let (s, _) = put(&app, 999_999, ok, template(ImageFormat::Png)).await;
    assert_eq!(s, 404);
    let r = app
        .http
        .get(app.url("/r/ZZZZZZZZZZ/poster.png"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
}
