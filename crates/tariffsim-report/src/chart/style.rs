//! The house style: the font family, colours and the axes' common look.

use super::*;

/// Font family registered at start-up (the embedded DejaVu Sans).
pub const FAMILY: &str = "sans-serif";
/// Width of a legend column, pixels.
pub(super) const LEGEND_WIDTH: u32 = 300;

pub(crate) const INK: RGBColor = RGBColor(33, 33, 33);
pub(crate) const MUTED: RGBColor = RGBColor(96, 96, 96);
pub(crate) const BLUE: RGBColor = RGBColor(31, 119, 180);
pub(crate) const ORANGE: RGBColor = RGBColor(230, 126, 34);
pub(crate) const RED: RGBColor = RGBColor(200, 30, 45);
pub(crate) const GREEN: RGBColor = RGBColor(44, 160, 44);
pub(crate) const PURPLE: RGBColor = RGBColor(148, 103, 189);
const GRID: RGBColor = RGBColor(225, 225, 225);
pub(super) const SHADE: RGBColor = RGBColor(240, 240, 240);
/// Layer colours of the timeline: Okabe–Ito (colour-blind safe) first, then four darker tones.
pub(super) const PALETTE: [RGBColor; 12] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(213, 94, 0),
    RGBColor(240, 228, 66),
    RGBColor(120, 120, 120),
    RGBColor(110, 40, 120),
    RGBColor(140, 90, 40),
    RGBColor(30, 60, 110),
    RGBColor(100, 130, 30),
];

/// The axes' common look: label and description sizes, no light grid, a pale bold grid, muted
/// axis lines.
pub(super) fn house_style<'m, 'a, 'b, X, Y, DB>(
    mesh: &'m mut plotters::chart::MeshStyle<'a, 'b, X, Y, DB>,
) -> &'m mut plotters::chart::MeshStyle<'a, 'b, X, Y, DB>
where
    X: plotters::coord::ranged1d::Ranged,
    Y: plotters::coord::ranged1d::Ranged,
    DB: DrawingBackend,
{
    mesh.label_style(font(15))
        .axis_desc_style(font(16))
        .light_line_style(WHITE)
        .bold_line_style(GRID)
        .axis_style(MUTED)
}

pub(super) fn font(size: u32) -> TextStyle<'static> {
    TextStyle::from((FAMILY, size).into_font()).color(&INK)
}

pub(super) fn bold(size: u32) -> TextStyle<'static> {
    TextStyle::from((FAMILY, size, FontStyle::Bold).into_font()).color(&INK)
}
