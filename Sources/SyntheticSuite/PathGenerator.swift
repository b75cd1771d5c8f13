#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Histology-like H&E tiles: tissue drawn as hematoxylin and eosin optical densities, then coloured by
/// the patient's stains and the hospital's scanner.
///
/// Classes (`Task.path.classes`) differ by texture and cell layout: adipose (Voronoi cells with thin
/// membranes); stroma (wavy fibres, sparse spindle nuclei); muscle (straighter, denser fibres, aligned
/// cigar nuclei); lymphocytes (600–1000 small round dark nuclei); tumour (crowded large pleomorphic
/// nuclei with coarse chromatin); glands (lumens ringed by radially oriented nuclei); necrosis (mottled
/// eosin with nuclear dust); mucus (pale wisps with a few floating cells).
///
/// Per patient: stain colours, stain strength (±35 %), nuclear size and the tissue's fibre frequency and
/// waviness. Per image: a new field of the patient's slide (object layout, texture keys), orientation,
/// stain strength ±25 %, in 70 % of tiles a minority (15–49 %) of another tissue behind a wavy
/// boundary, tissue cracks, noise. The label is the majority tissue.
///
/// Maths: Beer–Lambert with Ruifrok & Johnston's stain vectors (Anal. Quant. Cytol. Histol. 2001):
/// I_c = exp(−(H·h_c + E·e_c)) for optical densities H, E; the hospital scales H and E, applies a colour
/// gain, gamma and blur, and adds Gaussian noise. Adipose cells are the F2 − F1 < w boundaries of a
/// jittered-grid Voronoi diagram (Worley 1996).
enum PathGenerator {
    struct Signature: Sendable {
        var hStrength: Double
        var eStrength: Double
        var gain: [Double]
        var gamma: Double
        var noise: Double
        var blur: Double

        init(_ random: inout SynthRandom) {
            hStrength = random.uniform(0.75, 1.3)
            eStrength = random.uniform(0.7, 1.35)
            gain = (0..<3).map { _ in random.uniform(0.9, 1.08) }
            gamma = random.uniform(0.85, 1.2)
            noise = random.uniform(0.008, 0.03)
            blur = random.uniform(0, 0.012)
        }
    }

    struct Anatomy: Sendable {
        var h: [Double]
        var e: [Double]
        var hStrength: Double
        var eStrength: Double
        var nucleus: Double
        var fibreFrequency: Double
        var waviness: Double
        var cellSpacing: Double

        init(_ random: inout SynthRandom) {
            h = [0.65, 0.70, 0.29].map { $0 + random.uniform(-0.08, 0.08) }
            e = [0.07, 0.99, 0.11].map { $0 + random.uniform(-0.06, 0.06) }
            hStrength = random.uniform(0.7, 1.35)
            eStrength = random.uniform(0.7, 1.35)
            nucleus = random.uniform(0.85, 1.2)
            fibreFrequency = random.uniform(0.8, 1.25)
            waviness = random.uniform(0.6, 1.6)
            cellSpacing = random.uniform(0.22, 0.32)
        }
    }

    /// Renders one tile as interleaved 8-bit RGB, `size`² pixels.
    static func render(
        label: Int, anatomy a: Anatomy, signature s: Signature, size: Int, random: inout SynthRandom
    ) -> [UInt8] {
        let classes = SyntheticSuite.Task.path.classes
        let pose = Pose(angle: random.uniform(0, 2 * .pi), scale: random.uniform(0.9, 1.1), dx: random.uniform(-5, 5), dy: random.uniform(-5, 5))
        let canvas = Canvas(size: size, pose: pose)
        var (hd, ed) = tissue(classes[label], anatomy: a, canvas: canvas, random: &random)
        // Most tiles also hold a minority of another tissue, behind a wavy boundary.
        if random.chance(0.7) {
            var other = random.integer(in: 0...(classes.count - 2))
            if other >= label { other += 1 }
            let (h2, e2) = tissue(classes[other], anatomy: a, canvas: canvas, random: &random)
            let beta = random.uniform(0, 2 * .pi), cut = random.uniform(0.02, 0.7)
            let boundary = NoiseField(&random)
            let image = Canvas(size: size, pose: .identity)
            for i in 0..<hd.count {
                let x = image.modelX[i], y = image.modelY[i]
                let t = x * cos(beta) + y * sin(beta) - cut + 0.25 * boundary.fbm(x, y, frequency: 2)
                let m = Float(min(max(0.5 + t / 0.06, 0), 1))
                hd[i] += (h2[i] - hd[i]) * m
                ed[i] += (e2[i] - ed[i]) * m
            }
        }
        let stain = (random.uniform(0.75, 1.25), random.uniform(0.75, 1.25))
        // Per-image: a crack in the section.
        if random.chance(0.3) {
            let (x0, y0) = pose.inverse(random.uniform(-1, 1), random.uniform(-1, 1))
            let t = random.uniform(0, 2 * .pi), length = random.uniform(0.4, 1.2)
            let width = random.uniform(0.02, 0.05)
            canvas.segment(&ed, x0, y0, x0 + length * cos(t), y0 + length * sin(t), width: width, value: 0, edge: 0.01)
            canvas.segment(&hd, x0, y0, x0 + length * cos(t), y0 + length * sin(t), width: width, value: 0, edge: 0.01)
        }

        var rgb = (0..<3).map { c in
            (0..<hd.count).map { i -> Float in
                let od = Double(hd[i]) * a.h[c] * a.hStrength * s.hStrength * stain.0
                    + Double(ed[i]) * a.e[c] * a.eStrength * s.eStrength * stain.1
                return Float(pow(min(max(exp(-od) * s.gain[c], 0), 1), s.gamma))
            }
        }
        let image = Canvas(size: size, pose: .identity)
        var out = [UInt8](repeating: 0, count: size * size * 3)
        for c in 0..<3 { image.blur(&rgb[c], sigma: s.blur * Double(size) / 2) }
        for i in 0..<(size * size) {
            for c in 0..<3 {
                let v = Double(rgb[c][i]) + s.noise * random.normal()
                out[i * 3 + c] = UInt8(min(max((v * 255).rounded(), 0), 255))
            }
        }
        return out
    }

    /// Hematoxylin and eosin densities of one tissue type over the canvas.
    static func tissue(
        _ name: String, anatomy a: Anatomy, canvas: Canvas, random: inout SynthRandom
    ) -> ([Float], [Float]) {
        let pose = canvas.pose
        let (ox, oy) = pose.inverse(0, 0)
        var hd = canvas.layer(), ed = canvas.layer()
        let field = NoiseField(&random), detail = NoiseField(&random)
        let n = a.nucleus
        // Random points around the tile centre (model coordinates), `count` per unit area of the image.
        func scatter(_ count: Int) -> [(Double, Double)] {
            (0..<count).map { _ in
                pose.inverse(random.uniform(-1.1, 1.1), random.uniform(-1.1, 1.1))
            }
        }
        func fibres(base: Double, amount: Double, frequency: Double, warp: Double, angle: Double) {
            let c = cos(angle), sn = sin(angle)
            canvas.fill(&ed) { x, y in
                let phase = 2 * .pi * frequency * (x * c + y * sn) + warp * field.fbm(x, y, frequency: 1.5)
                return base + amount * (0.5 + 0.5 * sin(phase)) + 0.05 * detail.fbm(x, y, frequency: 10)
            }
        }
        func nuclei(_ points: [(Double, Double)], a ra: ClosedRange<Double>, b rb: ClosedRange<Double>, angle: Double?, spread: Double, density: ClosedRange<Double>) {
            for (x, y) in points {
                let t = (angle ?? random.uniform(0, .pi)) + random.uniform(-spread, spread)
                canvas.ellipse(
                    &hd, x, y, random.uniform(ra.lowerBound, ra.upperBound) * n, random.uniform(rb.lowerBound, rb.upperBound) * n,
                    angle: t, value: random.uniform(density.lowerBound, density.upperBound), edge: 0.008, blend: .max)
            }
        }


        let orientation = random.uniform(0, .pi)
        switch name {
        case "adipose":
            let spacing = a.cellSpacing
            let key = random.next()
            canvas.fill(&ed) { x, y in
                let gap = voronoiGap(x / spacing, y / spacing, key: key) * spacing
                return 0.06 + 0.55 * min(max(1 - gap / 0.03, 0), 1)
            }
            nuclei(scatter(random.integer(in: 3...8)), a: 0.025...0.035, b: 0.01...0.014, angle: nil, spread: 0, density: 0.6...0.9)
        case "stroma":
            fibres(base: 0.3, amount: 0.3, frequency: 7 * a.fibreFrequency, warp: 2.5 * a.waviness, angle: orientation)
            nuclei(scatter(random.integer(in: 25...45)), a: 0.035...0.05, b: 0.009...0.014, angle: orientation, spread: 0.5, density: 0.7...1.0)
        case "muscle":
            fibres(base: 0.5, amount: 0.22, frequency: 10 * a.fibreFrequency, warp: 1.0 * a.waviness, angle: orientation)
            nuclei(scatter(random.integer(in: 20...40)), a: 0.05...0.07, b: 0.011...0.015, angle: orientation, spread: 0.1, density: 0.6...0.9)
        case "lymphocytes":
            canvas.fill(&ed) { x, y in 0.15 + 0.05 * field.fbm(x, y, frequency: 4) }
            nuclei(scatter(random.integer(in: 600...1000)), a: 0.024...0.032, b: 0.022...0.03, angle: nil, spread: 0, density: 1.0...1.4)
        case "tumour":
            canvas.fill(&ed) { x, y in 0.3 + 0.1 * field.fbm(x, y, frequency: 3) }
            nuclei(scatter(random.integer(in: 90...160)), a: 0.045...0.07, b: 0.03...0.05, angle: nil, spread: 0, density: 0.6...1.1)
            for i in 0..<hd.count where hd[i] > 0 {
                hd[i] *= Float(0.75 + 0.35 * detail.fbm(canvas.modelX[i], canvas.modelY[i], frequency: 30))
            }
        case "glands":
            canvas.fill(&ed) { x, y in 0.28 + 0.08 * field.fbm(x, y, frequency: 4) }
            for (gx, gy) in scatter(random.integer(in: 3...6)) {
                let ra = random.uniform(0.15, 0.28), rb = ra * random.uniform(0.6, 1), t = random.uniform(0, .pi)
                canvas.ellipse(&ed, gx, gy, ra + 0.07, rb + 0.07, angle: t, value: 0.45, edge: 0.02)
                canvas.ellipse(&ed, gx, gy, ra, rb, angle: t, value: 0.02, edge: 0.01)
                let count = Int((ra + rb) * .pi / (0.035 * n))
                for k in 0..<count {
                    let phi = 2 * .pi * Double(k) / Double(count)
                    let lx = (ra + 0.035) * cos(phi), ly = (rb + 0.035) * sin(phi)
                    let x = gx + cos(t) * lx - sin(t) * ly, y = gy + sin(t) * lx + cos(t) * ly
                    canvas.ellipse(&hd, x, y, 0.03 * n, 0.013 * n, angle: atan2(y - gy, x - gx), value: random.uniform(0.7, 1), edge: 0.008, blend: .max)
                }
            }
        case "necrosis":
            canvas.fill(&ed) { x, y in 0.42 + 0.22 * field.fbm(x, y, frequency: 6) }
            nuclei(scatter(random.integer(in: 150...300)), a: 0.006...0.015, b: 0.005...0.012, angle: nil, spread: 0, density: 0.6...1.1)
            nuclei(scatter(random.integer(in: 10...25)), a: 0.03...0.045, b: 0.025...0.04, angle: nil, spread: 0, density: 0.15...0.3)
        default:  // mucus
            canvas.fill(&ed) { x, y in
                0.06 + 0.06 * max(field.fbm((x - ox) * 1.2 + ox, (y - oy) * 5 + oy, frequency: 1.5), 0)
            }
            canvas.fill(&hd) { x, y in 0.12 + 0.12 * max(detail.fbm(x * 5, y * 1.2, frequency: 1.5), 0) }
            nuclei(scatter(random.integer(in: 5...15)), a: 0.025...0.035, b: 0.02...0.03, angle: nil, spread: 0, density: 0.6...0.9)
        }
        return (hd, ed)
    }

    /// F2 − F1 of a jittered-grid Voronoi diagram at (x, y), in cell units (0 on a membrane).
    static func voronoiGap(_ x: Double, _ y: Double, key: UInt64) -> Double {
        let cx = Int(x.rounded(.down)), cy = Int(y.rounded(.down))
        var f1 = Double.infinity, f2 = Double.infinity
        for j in (cy - 1)...(cy + 1) {
            for i in (cx - 1)...(cx + 1) {
                var h = key ^ (UInt64(bitPattern: Int64(i)) &* 0x9E37_79B9_7F4A_7C15) ^ (UInt64(bitPattern: Int64(j)) &* 0xD6E8_FEB8_6659_FD93)
                let px = Double(i) + 0.15 + 0.7 * Double(SynthRandom.splitMix(&h) >> 11) * 0x1p-53
                let py = Double(j) + 0.15 + 0.7 * Double(SynthRandom.splitMix(&h) >> 11) * 0x1p-53
                let d = ((x - px) * (x - px) + (y - py) * (y - py)).squareRoot()
                if d < f1 { f2 = f1; f1 = d } else if d < f2 { f2 = d }
            }
        }
        return f2 - f1
    }
}
