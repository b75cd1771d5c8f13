import Testing

@testable import Partitioning

@Suite struct BitmapFontTests {
    @Test func glyphsAreTheDrawnPictures() {
        let one = BitmapFont.glyph("1")
        #expect(one.count == BitmapFont.height)
        // The stem of "1" runs down the middle column (bit 2) on every row above the baseline.
        #expect(one.prefix(BitmapFont.capHeight).allSatisfy { $0 & 0b00100 != 0 })
        #expect(one == [0b00100, 0b01100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110, 0])
        // Lowercase has its own glyphs; a descender reaches the last row; unknown characters are a box.
        #expect(BitmapFont.glyph("a") != BitmapFont.glyph("A"))
        #expect(BitmapFont.glyph("g")[BitmapFont.height - 1] != 0 && BitmapFont.glyph("G")[BitmapFont.height - 1] == 0)
        #expect(BitmapFont.glyph("é") == BitmapFont.box && BitmapFont.glyph("0") != BitmapFont.box)
        #expect(BitmapFont.width(of: "12", scale: 2) == 22 && BitmapFont.truncated("abcdef", to: 4) == "ab..")
        #expect(BitmapFont.truncated("ab cdef", to: 5) == "ab.." && BitmapFont.truncated("abc", to: 3) == "abc")
    }
}
