#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Dermoscopy-like images: a pigmented lesion on skin, seen through a hospital's dermatoscope.
///
/// Classes (`Task.derm.classes`) differ by morphology: round-uniform (near-circular, sharp, one colour);
/// irregular-border (harmonics 4–9 of the border); multicolour (2–4 blotches of black, blue-grey, red,
/// tan); streaks (radial lines crossing the border); dots-globules (8–22 dark dots); fuzzy-border
/// (edge 0.12–0.22 wide instead of 0.012–0.05); annular (a pale centre inside a pigmented ring).
/// Lesion size, colour and skin tone vary per patient across the same ranges in every class, so no
/// single intensity statistic decides the class.
///
/// One patient is one lesion: `Anatomy` holds everything about it (skin tone, mottling, freckles,
/// hairs, border harmonics, pigment texture, blotch and dot layout); each image re-poses it (rotation,
/// ±15 % zoom, ±0.12 shift), changes the lighting and adds gel bubbles and sensor noise.
///
/// Maths: the border in polar model coordinates is r(θ) = R·(1 + Σ_k a_k·cos(kθ + φ_k)); pigment
/// coverage is clamp(½ − (ρ − r(θ))/e, 0, 1) for edge width e; colours are linear RGB in [0, 1]; the
/// hospital maps c ↦ ½ + κ·((g·c)^γ − ½), blurs (σ in model units) and adds Gaussian noise.
enum DermGenerator {
    struct Signature: Sendable {
        var gain: [Double]
        var gamma: Double
        var contrast: Double
        var noise: Double
        var blur: Double
        /// Radius of the dermatoscope's circular field, or nil for a full-frame camera.
        var vignette: Double?

        init(_ random: inout SynthRandom) {
            gain = (0..<3).map { _ in random.uniform(0.86, 1.14) }
            gamma = random.uniform(0.8, 1.25)
            contrast = random.uniform(0.8, 1.15)
            noise = random.uniform(0.01, 0.035)
            blur = random.uniform(0, 0.02)
            vignette = random.chance(0.5) ? random.uniform(0.95, 1.15) : nil
        }
    }

    struct Anatomy: Sendable {
        var skin: [Double]
        var lesion: [Double]
        var radius: Double
        var harmonics: [(k: Double, amplitude: Double, phase: Double)]
        var edge: Double
        var textureAmount: Double
        var centreDarkening: Double
        var ring: Double?
        var mottle: NoiseField
        var redness: NoiseField
        var texture: NoiseField
        var freckles: [(x: Double, y: Double, r: Double)]
        var hairs: [[Double]]
        var blotches: [(x: Double, y: Double, a: Double, b: Double, angle: Double, colour: [Double])]
        var streaks: [(angle: Double, inner: Double, outer: Double, width: Double)]
        var dots: [(x: Double, y: Double, r: Double)]

        init(label: Int, _ random: inout SynthRandom) {
            let name = SyntheticSuite.Task.derm.classes[label]
            let tone = random.unit()
            skin = zip([0.93, 0.80, 0.72], [0.52, 0.34, 0.25]).map { $0 + ($1 - $0) * tone }
            let shade = random.unit()
            lesion = zip([0.62, 0.42, 0.30], [0.24, 0.13, 0.08]).map { $0 + ($1 - $0) * shade }
            radius = random.uniform(0.26, 0.5)
            harmonics = [
                (2, random.uniform(0, 0.08), random.uniform(0, 2 * .pi)),
                (3, random.uniform(0, 0.05), random.uniform(0, 2 * .pi)),
            ]
            if name == "irregular-border" {
                for k in 4...9 where random.chance(0.7) {
                    harmonics.append((Double(k), random.uniform(0.03, 0.075), random.uniform(0, 2 * .pi)))
                }
            }
            edge = name == "fuzzy-border" ? random.uniform(0.12, 0.22) : random.uniform(0.012, 0.05)
            textureAmount = random.uniform(0.05, 0.25)
            centreDarkening = random.uniform(0, 0.5)
            ring = name == "annular" ? random.uniform(0.45, 0.7) : nil
            mottle = NoiseField(&random)
            redness = NoiseField(&random)
            texture = NoiseField(&random)
            freckles = (0..<random.integer(in: 0...20)).map { _ in
                (random.uniform(-1.4, 1.4), random.uniform(-1.4, 1.4), random.uniform(0.01, 0.025))
            }
            hairs = []
            if random.chance(0.5) {
                for _ in 0..<random.integer(in: 1...7) {
                    var x = random.uniform(-1.4, 1.4), y = random.uniform(-1.4, 1.4)
                    var heading = random.uniform(0, 2 * .pi)
                    let width = random.uniform(0.008, 0.016)
                    for _ in 0..<3 {
                        let step = random.uniform(0.3, 0.8)
                        let nx = x + step * cos(heading), ny = y + step * sin(heading)
                        hairs.append([x, y, nx, ny, width])
                        (x, y) = (nx, ny)
                        heading += random.uniform(-0.35, 0.35)
                    }
                }
            }
            blotches = []
            if name == "multicolour" {
                let palette: [[Double]] = [[0.10, 0.06, 0.05], [0.36, 0.42, 0.55], [0.72, 0.32, 0.33], [0.70, 0.52, 0.36]]
                for _ in 0..<random.integer(in: 2...4) {
                    let angle = random.uniform(0, 2 * .pi), distance = random.uniform(0, 0.6)
                    blotches.append(
                        (distance * cos(angle), distance * sin(angle), random.uniform(0.25, 0.5), random.uniform(0.18, 0.4),
                         random.uniform(0, .pi), palette[random.integer(in: 0...3)]))
                }
            }
            streaks = []
            if name == "streaks" {
                let n = random.integer(in: 10...22)
                let start = random.uniform(0, 2 * .pi)
                for i in 0..<n {
                    streaks.append(
                        (start + 2 * .pi * Double(i) / Double(n) + random.uniform(-0.12, 0.12), random.uniform(0.65, 0.85),
                         random.uniform(1.25, 1.55), random.uniform(0.035, 0.055)))
                }
            }
            let dotCount = name == "dots-globules" ? random.integer(in: 8...22) : (random.chance(0.3) ? random.integer(in: 1...3) : 0)
            dots = (0..<dotCount).map { _ in
                let angle = random.uniform(0, 2 * .pi), distance = random.uniform(0, 1.15)
                return (distance * cos(angle), distance * sin(angle), random.uniform(0.03, 0.055))
            }
        }

        func border(_ theta: Double) -> Double {
            var f = 1.0
            for h in harmonics { f += h.amplitude * cos(h.k * theta + h.phase) }
            return radius * f
        }
    }

    /// Renders one image as interleaved 8-bit RGB, `size`² pixels.
    static func render(anatomy a: Anatomy, signature s: Signature, size: Int, random: inout SynthRandom) -> [UInt8] {
        let pose = Pose(
            angle: random.uniform(0, 2 * .pi), scale: random.uniform(0.85, 1.15), dx: random.uniform(-0.12, 0.12),
            dy: random.uniform(-0.12, 0.12))
        let canvas = Canvas(size: size, pose: pose)
        var skin = [canvas.layer(), canvas.layer(), canvas.layer()]
        var lesion = skin
        var coverage = canvas.layer()
        let edge = max(a.edge, canvas.pixel)
        for i in 0..<(size * size) {
            let x = canvas.modelX[i], y = canvas.modelY[i]
            let m = a.mottle.fbm(x, y, frequency: 1.5), red = a.redness.fbm(x, y, frequency: 2.5)
            let skinColour = [a.skin[0] * (1 + 0.06 * m) + 0.05 * red, a.skin[1] * (1 + 0.06 * m), a.skin[2] * (1 + 0.06 * m)]
            let rho = (x * x + y * y).squareRoot()
            let boundary = a.border(atan2(y, x))
            let depth = min(max(1 - rho / boundary, 0), 1)
            let t = a.texture.fbm(x, y, frequency: 3 / a.radius)
            var shade = (1 + a.textureAmount * t) * (1 - a.centreDarkening * depth)
            var paleness = 0.0
            if let ring = a.ring { paleness = min(max(0.5 - (rho - ring * boundary) / 0.06, 0), 1) * 0.75 }
            if a.edge > 0.1 { shade *= 1 - 0.4 * (1 - depth) }
            coverage[i] = Float(min(max(0.5 - (rho - boundary) / edge, 0), 1))
            for c in 0..<3 {
                skin[c][i] = Float(skinColour[c])
                let pigment = a.lesion[c] * shade
                lesion[c][i] = Float(pigment + (skinColour[c] - pigment) * paleness)
            }
        }
        for blotch in a.blotches {
            for c in 0..<3 {
                canvas.ellipse(
                    &lesion[c], blotch.x * a.radius, blotch.y * a.radius, blotch.a * a.radius, blotch.b * a.radius,
                    angle: blotch.angle, value: blotch.colour[c], edge: 0.04)
            }
        }
        var rgb = skin
        for c in 0..<3 {
            for i in 0..<(size * size) { rgb[c][i] += (lesion[c][i] - skin[c][i]) * coverage[i] }
        }
        for f in a.freckles {
            for c in 0..<3 { canvas.ellipse(&rgb[c], f.x, f.y, f.r, f.r, value: a.skin[c] * 0.78, edge: 0.01) }
        }
        for streak in a.streaks {
            let r = a.border(streak.angle)
            let (cx, cy) = (cos(streak.angle), sin(streak.angle))
            for c in 0..<3 {
                canvas.segment(
                    &rgb[c], cx * r * streak.inner, cy * r * streak.inner, cx * r * streak.outer, cy * r * streak.outer,
                    width: streak.width, value: a.lesion[c] * 0.55, edge: 0.01)
            }
        }
        for dot in a.dots {
            for c in 0..<3 {
                canvas.ellipse(
                    &rgb[c], dot.x * a.radius, dot.y * a.radius, dot.r, dot.r, value: [0.16, 0.09, 0.07][c], edge: 0.012)
            }
        }
        for hair in a.hairs {
            for c in 0..<3 {
                canvas.segment(&rgb[c], hair[0], hair[1], hair[2], hair[3], width: hair[4], value: [0.12, 0.09, 0.07][c])
            }
        }
        // Per-image detail: gel bubbles with a specular highlight, lighting gain and gradient.
        let image = Canvas(size: size, pose: .identity)
        for _ in 0..<(random.chance(0.4) ? random.integer(in: 1...3) : 0) {
            let bx = random.uniform(-0.9, 0.9), by = random.uniform(-0.9, 0.9), br = random.uniform(0.015, 0.035)
            for c in 0..<3 { image.ellipse(&rgb[c], bx, by, br, br, value: 0.98, edge: 0.01) }
        }
        let gain = random.uniform(0.9, 1.1)
        let slope = (random.uniform(-0.08, 0.08), random.uniform(-0.08, 0.08))
        return finish(rgb, size: size, signature: s, gain: gain, slope: slope, random: &random)
    }

    /// The hospital's acquisition: colour gain, gamma, contrast, blur, vignette, noise; then 8-bit.
    static func finish(
        _ input: [[Float]], size: Int, signature s: Signature, gain: Double, slope: (Double, Double),
        random: inout SynthRandom
    ) -> [UInt8] {
        let canvas = Canvas(size: size, pose: .identity)
        var rgb = input
        for c in 0..<3 {
            for i in 0..<(size * size) {
                let x = canvas.modelX[i], y = canvas.modelY[i]
                let lit = Double(rgb[c][i]) * s.gain[c] * gain * (1 + slope.0 * x + slope.1 * y)
                let v = pow(min(max(lit, 0), 1), s.gamma)
                rgb[c][i] = Float(0.5 + s.contrast * (v - 0.5))
            }
            canvas.blur(&rgb[c], sigma: s.blur * Double(size) / 2)
        }
        var out = [UInt8](repeating: 0, count: size * size * 3)
        for i in 0..<(size * size) {
            var field = 1.0
            if let radius = s.vignette {
                let x = canvas.modelX[i], y = canvas.modelY[i]
                field = min(max((radius - (x * x + y * y).squareRoot()) / 0.04, 0), 1)
            }
            for c in 0..<3 {
                let v = (Double(rgb[c][i]) + s.noise * random.normal()) * field + 0.03 * (1 - field)
                out[i * 3 + c] = UInt8(min(max((v * 255).rounded(), 0), 255))
            }
        }
        return out
    }
}
