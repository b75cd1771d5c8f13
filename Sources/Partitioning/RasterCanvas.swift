/// An 8-bit RGB colour.
struct RGB: Sendable, Equatable {
    var red: UInt8
    var green: UInt8
    var blue: UInt8

    static let white = RGB(red: 255, green: 255, blue: 255)
    static let black = RGB(red: 0, green: 0, blue: 0)
}

/// A white RGB picture, 8 bits per sample, rows top to bottom, samples interleaved (what `PNGWriter`
/// takes with `channels: 3`), with the two things the heatmap draws: filled rectangles and bitmap text.
/// Anything drawn past an edge is clipped.
struct RasterCanvas {
    let width: Int
    let height: Int
    private(set) var samples: [UInt8]

    init(width: Int, height: Int) {
        precondition(width > 0 && height > 0, "a canvas has at least one pixel")
        self.width = width
        self.height = height
        samples = [UInt8](repeating: 255, count: width * height * 3)
    }

    /// Fills the rectangle whose top-left pixel is (`x`, `y`).
    mutating func fill(x: Int, y: Int, width w: Int, height h: Int, _ colour: RGB) {
        let left = max(0, x)
        let right = min(width, x + w)
        let top = max(0, y)
        let bottom = min(height, y + h)
        guard left < right, top < bottom else { return }
        for row in top..<bottom {
            var offset = (row * width + left) * 3
            for _ in left..<right {
                samples[offset] = colour.red
                samples[offset + 1] = colour.green
                samples[offset + 2] = colour.blue
                offset += 3
            }
        }
    }

    /// Draws `text` in `BitmapFont`, each font pixel a `scale`×`scale` square.
    ///
    /// Horizontal text starts at (`x`, `y`), the top-left corner of its first glyph. Vertical text reads
    /// bottom to top (turned a quarter counter-clockwise): it starts at the bottom edge `y` and climbs,
    /// with the glyphs' tops facing left, so `x` is the left edge of the turned line.
    mutating func draw(_ text: String, x: Int, y: Int, scale: Int, _ colour: RGB, vertical: Bool = false) {
        for (index, character) in text.enumerated() {
            let glyph = BitmapFont.glyph(character)
            for (row, mask) in glyph.enumerated() {
                for column in 0..<BitmapFont.width where mask & (1 << (BitmapFont.width - 1 - column)) != 0 {
                    // Distance along the line, in font pixels, and across it (down in the glyph).
                    let along = index * BitmapFont.advance + column
                    if vertical {
                        fill(x: x + row * scale, y: y - (along + 1) * scale, width: scale, height: scale, colour)
                    } else {
                        fill(x: x + along * scale, y: y + row * scale, width: scale, height: scale, colour)
                    }
                }
            }
        }
    }
}
