//! The PNG backend: plotters' [`BitMapBackend`] with text rasterised here.
//!
//! plotters 0.3.7 draws `ab_glyph` text glyph by glyph at each glyph's bounding box, dropping the
//! side bearing and the sub-pixel pen position, so letters come out unevenly spaced ("Mexi co",
//! "I ran"). [`GlyphBitMap`] forwards every drawing call to the bitmap backend except text, which
//! it rasterises with `ab_glyph` at the true pen position (advances plus kerning). The text box is
//! plotters' own (width = advances, height = size / 1.24), so layouts do not move; the baseline is
//! placed so that capitals are centred in that box. The SVG output is unaffected: there text
//! stays text, drawn by the viewer.

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};
use plotters::prelude::BitMapBackend;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
    FontStyle,
};

/// Baseline below the top of the text box, in units of the font size (capitals centred in the
/// box of height `size / 1.24`: DejaVu Sans capitals are 0.626 of the ab_glyph pixel scale).
const BASELINE: f32 = 0.716;

/// A bitmap backend whose text is placed glyph by glyph at the pen position.
pub struct GlyphBitMap<'a> {
    inner: BitMapBackend<'a>,
    regular: FontRef<'static>,
    bold: FontRef<'static>,
}

impl<'a> GlyphBitMap<'a> {
    /// Wraps `inner`, drawing text with the given regular and bold fonts (TrueType bytes).
    pub fn new(
        inner: BitMapBackend<'a>,
        regular: &'static [u8],
        bold: &'static [u8],
    ) -> Result<Self, String> {
        let load = |bytes: &'static [u8]| {
            FontRef::try_from_slice(bytes).map_err(|e| format!("embedded font: {e}"))
        };
        Ok(Self {
            inner,
            regular: load(regular)?,
            bold: load(bold)?,
        })
    }
}

/// Width of `text` in pixels: the sum of advances and kerning, as plotters measures it.
fn advance_width<F: Font>(font: &F, scale: PxScale, text: &str) -> f32 {
    let scaled = font.as_scaled(scale);
    let mut width = 0.0;
    let mut prev = None;
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(p) = prev {
            width += scaled.kern(p, id);
        }
        width += scaled.h_advance(id);
        prev = Some(id);
    }
    width
}

type Error<'a> = DrawingErrorKind<<BitMapBackend<'a> as DrawingBackend>::ErrorType>;

impl<'a> DrawingBackend for GlyphBitMap<'a> {
    type ErrorType = <BitMapBackend<'a> as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), Error<'a>> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), Error<'a>> {
        self.inner.present()
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Result<(), Error<'a>> {
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), Error<'a>> {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), Error<'a>> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), Error<'a>> {
        self.inner.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), Error<'a>> {
        self.inner.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), Error<'a>> {
        self.inner.fill_polygon(vert, style)
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), Error<'a>> {
        self.inner.blit_bitmap(pos, size, src)
    }

    fn estimate_text_size<TStyle: BackendTextStyle>(
        &self,
        text: &str,
        style: &TStyle,
    ) -> Result<(u32, u32), Error<'a>> {
        let font = match style.style() {
            FontStyle::Bold => &self.bold,
            _ => &self.regular,
        };
        let size = style.size() as f32;
        let width = advance_width(font, PxScale::from(size), text);
        Ok((width.max(0.0) as u32, (size / 1.24) as u32))
    }

    fn draw_text<TStyle: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &TStyle,
        pos: BackendCoord,
    ) -> Result<(), Error<'a>> {
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        let font = match style.style() {
            FontStyle::Bold => self.bold.clone(),
            _ => self.regular.clone(),
        };
        let size = style.size() as f32;
        let scale = PxScale::from(size);
        let scaled = font.as_scaled(scale);
        let width = advance_width(&font, scale, text) as i32;
        let height = (size / 1.24) as i32;
        let anchor = style.anchor();
        let dx = match anchor.h_pos {
            HPos::Left => 0,
            HPos::Right => -width,
            HPos::Center => -width / 2,
        };
        let dy = match anchor.v_pos {
            VPos::Top => 0,
            VPos::Center => -height / 2,
            VPos::Bottom => -height,
        };
        let transform = style.transform();
        let (w, h) = self.inner.get_size();
        let mut pen = 0.0f32;
        let mut prev = None;
        for c in text.chars() {
            let id = scaled.glyph_id(c);
            if let Some(p) = prev {
                pen += scaled.kern(p, id);
            }
            prev = Some(id);
            let glyph = id.with_scale_and_position(scale, point(pen, BASELINE * size));
            pen += scaled.h_advance(id);
            let Some(outline) = font.outline_glyph(glyph) else {
                continue;
            };
            let bounds = outline.px_bounds();
            let mut result = Ok(());
            let inner = &mut self.inner;
            outline.draw(|gx, gy, coverage| {
                if result.is_err() || coverage <= 0.0 {
                    return;
                }
                let x = bounds.min.x as i32 + gx as i32 + dx;
                let y = bounds.min.y as i32 + gy as i32 + dy;
                let (x, y) = transform.transform(x, y);
                let (x, y) = (pos.0 + x, pos.1 + y);
                if x >= 0 && y >= 0 && (x as u32) < w && (y as u32) < h {
                    result = inner.draw_pixel(
                        (x, y),
                        BackendColor {
                            alpha: color.alpha * f64::from(coverage.min(1.0)),
                            rgb: color.rgb,
                        },
                    );
                }
            });
            result?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plotters::prelude::*;
    use plotters::style::text_anchor::Pos;

    /// Ink columns and rows (non-white pixels) of `text` drawn at `pos` with `anchor`.
    fn ink(text: &str, size: u32, pos: (i32, i32), anchor: Pos) -> (Vec<usize>, Vec<usize>) {
        crate::register_fonts().unwrap();
        let (w, h) = (400u32, 120u32);
        let mut buf = vec![255u8; 3 * (w * h) as usize];
        {
            let backend = GlyphBitMap::new(
                BitMapBackend::with_buffer(&mut buf, (w, h)),
                crate::REGULAR,
                crate::BOLD,
            )
            .unwrap();
            let root = backend.into_drawing_area();
            let style = TextStyle::from((super::super::chart::FAMILY, size).into_font())
                .color(&BLACK)
                .pos(anchor);
            root.draw(&Text::new(text.to_string(), pos, style)).unwrap();
            root.present().unwrap();
        }
        let dark = |x: usize, y: usize| buf[3 * (y * w as usize + x)] < 128;
        let cols = (0..w as usize)
            .filter(|&x| (0..h as usize).any(|y| dark(x, y)))
            .collect();
        let rows = (0..h as usize)
            .filter(|&y| (0..w as usize).any(|x| dark(x, y)))
            .collect();
        (cols, rows)
    }

    #[test]
    fn glyphs_sit_at_the_pen_position_not_their_bounding_box() {
        // plotters 0.3.7 drew each glyph at its bounding box ("Mexi co", "I ran"). Here the
        // inked columns are exactly those of each glyph outline at its pen position (advances
        // plus kerning), up to a column of rounding.
        let font = FontRef::try_from_slice(crate::REGULAR).unwrap();
        let text = "Mexico Iran Viet Nam";
        let size = 30.0;
        let x0 = 10;
        let (cols, _) = ink(text, 30, (x0, 60), Pos::new(HPos::Left, VPos::Center));
        let scaled = font.as_scaled(PxScale::from(size));
        let mut expected = std::collections::BTreeSet::new();
        let (mut pen, mut prev) = (0.0f32, None);
        for c in text.chars() {
            let id = scaled.glyph_id(c);
            if let Some(p) = prev {
                pen += scaled.kern(p, id);
            }
            prev = Some(id);
            let glyph = id.with_scale_and_position(size, point(pen, 30.0));
            pen += scaled.h_advance(id);
            if let Some(o) = font.outline_glyph(glyph) {
                let b = o.px_bounds();
                o.draw(|gx, _, cov| {
                    if cov > 0.5 {
                        expected.insert((x0 + b.min.x as i32 + gx as i32) as usize);
                    }
                });
            }
        }
        let got: std::collections::BTreeSet<usize> = cols.into_iter().collect();
        let off = got.symmetric_difference(&expected).count();
        assert!(off <= 2, "{off} columns differ from the font's layout");
    }

    #[test]
    fn centred_text_is_centred() {
        let (cols, rows) = ink("HEH", 40, (200, 60), Pos::new(HPos::Center, VPos::Center));
        let mid_x = (cols[0] + cols[cols.len() - 1]) as f32 / 2.0;
        let mid_y = (rows[0] + rows[rows.len() - 1]) as f32 / 2.0;
        assert!((mid_x - 200.0).abs() <= 3.0, "{mid_x}");
        // Capitals centred on the anchor (within 2 px at 40 px).
        assert!((mid_y - 60.0).abs() <= 2.0, "{mid_y}");
    }
}
