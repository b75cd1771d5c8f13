/// Smooth, seeded value noise on the plane: the texture behind skin mottling, lesion pigment, ground-glass
/// haze and tissue fibres.
///
/// Contract: a pure function of `key` and the point, so a patient's texture keyed by their stream stays
/// the same in each of their images while the pose moves it.
///
/// Maths: lattice values in [−1, 1] hashed from (key, i, j) with SplitMix64, interpolated with the
/// smoothstep 3t² − 2t³ (Perlin 1985, value-noise variant); `fbm` sums octaves k = 0..<n of
/// 2^(−k)·value(2^k·f·p), divided by Σ 2^(−k) so the result stays in [−1, 1].
struct NoiseField: Sendable {
    let key: UInt64

    init(key: UInt64) { self.key = key }

    /// A field keyed by a stream of the generator (draws one value).
    init(_ random: inout SynthRandom) { key = random.next() }

    func lattice(_ i: Int, _ j: Int) -> Double {
        var x = key ^ (UInt64(bitPattern: Int64(i)) &* 0x9E37_79B9_7F4A_7C15)
            ^ (UInt64(bitPattern: Int64(j)) &* 0xC2B2_AE3D_27D4_EB4F)
        return Double(SynthRandom.splitMix(&x) >> 11) * 0x1p-52 - 1
    }

    /// Value noise at (x, y), lattice spacing 1.
    func value(_ x: Double, _ y: Double) -> Double {
        let fx = x.rounded(.down), fy = y.rounded(.down)
        let i = Int(fx), j = Int(fy)
        let tx = x - fx, ty = y - fy
        let sx = tx * tx * (3 - 2 * tx), sy = ty * ty * (3 - 2 * ty)
        let a = lattice(i, j), b = lattice(i + 1, j), c = lattice(i, j + 1), d = lattice(i + 1, j + 1)
        let top = a + (b - a) * sx, bottom = c + (d - c) * sx
        return top + (bottom - top) * sy
    }

    /// Fractal sum of `octaves` octaves starting at `frequency` cycles per unit.
    func fbm(_ x: Double, _ y: Double, frequency: Double, octaves: Int = 3) -> Double {
        var sum = 0.0, norm = 0.0, amplitude = 1.0, f = frequency
        for octave in 0..<octaves {
            // Offset each octave so that lattice points of different octaves do not line up.
            let shift = Double(octave) * 17.31
            sum += amplitude * value(x * f + shift, y * f - shift)
            norm += amplitude
            amplitude *= 0.5
            f *= 2
        }
        return sum / norm
    }
}
