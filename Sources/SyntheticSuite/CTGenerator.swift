#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// CT-like axial chest slices in Hounsfield units.
///
/// Anatomy (per patient, shared by all their slices): body ellipse with a fat layer, two lungs with
/// parenchymal texture and the patient's own vessel pattern, heart, aorta (contrast-enhanced for some
/// patients), vertebra with cortex and spinous process, ribs, and the site where a finding sits.
/// Each slice has its own level z ∈ [−1, 1] (lungs shrink towards apex and base, vessels shift), a small
/// pose change and quantum noise. The scanner table comes from the hospital.
///
/// Classes (`Task.ct.classes`): normal; round-nodule (smooth, radius 0.07–0.13); spiculated-nodule (core
/// 0.06–0.1 with 7–14 spikes); ground-glass (a patchy −600…−400 HU haze, radius 0.13–0.24); cavity
/// (a 0.02–0.035 thick wall around air); effusion (dependent fluid, 0–25 HU, filling the posterior
/// 12–35 % of one or both lungs). 30 % of all slices carry a small calcified granuloma as a distractor.
/// Finding sizes are multiplied by the patient's factor (1.1–1.5) and ±15 % per slice; the finding sits at
/// the patient's own site (±0.06 per slice). Units: the image spans [−1, 1].
///
/// Maths: HU are painted back to front with coverage blending (`Canvas`); the hospital applies
/// HU ↦ (HU + 1000)·g − 1000 + offset, a Gaussian blur and Gaussian noise of σ HU; values are then
/// rounded and clipped to [−1024, 3071].
enum CTGenerator {
    struct Signature: Sendable {
        var gain: Double
        var offset: Double
        var noise: Double
        var blur: Double
        var tableY: Double
        var tableHU: Double
        var tableCurve: Double
        /// How the vendor stores HU: 0 unsigned 12-bit (intercept −1024), 1 signed 16-bit (intercept 0),
        /// 2 unsigned 16-bit (intercept −1024).
        var storage: Int

        init(_ random: inout SynthRandom) {
            gain = random.uniform(0.96, 1.04)
            offset = random.uniform(-25, 25)
            noise = random.uniform(8, 30)
            blur = random.uniform(0, 0.015)
            tableY = random.uniform(0.8, 0.92)
            tableHU = random.uniform(150, 600)
            tableCurve = random.uniform(0, 0.12)
            storage = random.integer(in: 0...2)
        }
    }

    struct Anatomy: Sendable {
        var bodyA: Double, bodyB: Double, fat: Double
        var lungX: Double, lungY: Double, lungA: Double, lungB: Double, lungTilt: Double, lungHU: Double
        var heartA: Double, heartB: Double, heartX: Double
        var aortaHU: Double
        var spineR: Double
        var ribs: [(x: Double, y: Double)]
        var vessels: [(side: Double, u: Double, v: Double, r: Double, drift: Double)]
        var texture: NoiseField
        var site: (side: Double, u: Double, v: Double)
        var findingScale: Double
        var effusionBoth: Bool

        init(_ random: inout SynthRandom) {
            bodyA = random.uniform(0.78, 0.93)
            bodyB = random.uniform(0.52, 0.68)
            fat = random.uniform(0.03, 0.1)
            lungX = random.uniform(0.34, 0.42)
            lungY = random.uniform(-0.05, 0.03)
            lungA = random.uniform(0.21, 0.29)
            lungB = random.uniform(0.32, 0.44) * bodyB / 0.6
            lungTilt = random.uniform(-0.15, 0.15)
            lungHU = random.uniform(-880, -820)
            heartA = random.uniform(0.2, 0.27)
            heartB = random.uniform(0.18, 0.25)
            heartX = random.uniform(-0.02, 0.1)
            aortaHU = random.chance(0.5) ? random.uniform(150, 280) : random.uniform(35, 50)
            spineR = random.uniform(0.07, 0.1)
            ribs = (0..<random.integer(in: 7...11)).map { _ in
                let t = random.uniform(-2.4, 2.4)
                return (cos(t + .pi / 2), sin(t + .pi / 2))
            }
            vessels = (0..<random.integer(in: 14...30)).map { _ in
                let angle = random.uniform(0, 2 * .pi), distance = random.unit().squareRoot() * 0.85
                return (random.chance(0.5) ? -1 : 1, distance * cos(angle), distance * sin(angle),
                    random.uniform(0.01, 0.024), random.uniform(-0.08, 0.08))
            }
            texture = NoiseField(&random)
            let angle = random.uniform(0, 2 * .pi), distance = random.unit().squareRoot() * 0.5
            site = (random.chance(0.5) ? -1 : 1, distance * cos(angle), distance * sin(angle))
            findingScale = random.uniform(1.1, 1.5)
            effusionBoth = random.chance(0.4)
        }

        /// ρ of the model point (x, y) in the lung on `side`: below 1 inside.
        func lungRadius(side: Double, _ x: Double, _ y: Double, level: Double) -> Double {
            let c = cos(lungTilt * side), s = sin(lungTilt * side)
            let dx = x - side * lungX, dy = y - lungY
            let u = (c * dx + s * dy) / (lungA * level), v = (-s * dx + c * dy) / (lungB * level)
            return (u * u + v * v).squareRoot()
        }

        /// Lung-local (u, v) in the unit disc → model coordinates, on side −1 (right) or +1 (left).
        func lungPoint(side: Double, _ u: Double, _ v: Double, level: Double) -> (Double, Double) {
            let a = lungA * level, b = lungB * level
            let c = cos(lungTilt * side), s = sin(lungTilt * side)
            return (side * lungX + c * u * a - s * v * b, lungY + s * u * a + c * v * b)
        }
    }

    /// Renders one slice in HU, `size`² values, row-major.
    static func render(
        label: Int, anatomy a: Anatomy, signature s: Signature, size: Int, random: inout SynthRandom
    ) -> [Int16] {
        let name = SyntheticSuite.Task.ct.classes[label]
        let z = random.uniform(-1, 1)
        let level = 0.8 + 0.2 * (1 - z * z)
        let pose = Pose(
            angle: random.uniform(-0.06, 0.06), scale: random.uniform(0.92, 1.05), dx: random.uniform(-0.05, 0.05),
            dy: random.uniform(-0.04, 0.04))
        let canvas = Canvas(size: size, pose: pose)
        var hu = canvas.layer(-1000)
        canvas.ellipse(&hu, 0, 0.05, a.bodyA, a.bodyB, value: -100, edge: 0.01)
        canvas.ellipse(&hu, 0, 0.05, a.bodyA - a.fat, a.bodyB - a.fat, value: 40, edge: 0.015)
        for rib in a.ribs {
            let rx = rib.x * (a.bodyA - a.fat - 0.04), ry = 0.05 + rib.y * (a.bodyB - a.fat - 0.04)
            canvas.ellipse(&hu, rx, ry, 0.035, 0.02, angle: atan2(ry, rx) + .pi / 2, value: 650, edge: 0.01)
        }
        for side in [-1.0, 1.0] {
            canvas.ellipse(
                &hu, side * a.lungX, a.lungY, a.lungA * level, a.lungB * level, angle: a.lungTilt * side, value: a.lungHU,
                edge: 0.012)
        }
        canvas.ellipse(&hu, a.heartX, 0.12, a.heartA, a.heartB, angle: 0.3, value: 45, edge: 0.015)
        canvas.ellipse(&hu, -0.06, 0.32, 0.06, 0.06, value: a.aortaHU, edge: 0.01)
        canvas.ellipse(&hu, 0, 0.47, a.spineR + 0.018, a.spineR + 0.012, value: 950, edge: 0.01)
        canvas.ellipse(&hu, 0, 0.47, a.spineR, a.spineR - 0.006, value: 320, edge: 0.01)
        canvas.segment(&hu, 0, 0.5, 0, 0.5 + 0.12 + a.spineR, width: 0.035, value: 700)

        // Lung texture and vessels, then the finding.
        for i in 0..<hu.count where hu[i] < -700 {
            hu[i] += Float(35 * a.texture.fbm(canvas.modelX[i], canvas.modelY[i], frequency: 6))
        }
        for vessel in a.vessels {
            let (x, y) = a.lungPoint(side: vessel.side, vessel.u + vessel.drift * z, vessel.v, level: level)
            canvas.ellipse(&hu, x, y, vessel.r, vessel.r, value: 40, edge: 0.008)
        }
        let jitter = (random.uniform(-0.06, 0.06), random.uniform(-0.06, 0.06))
        let (fx, fy) = a.lungPoint(side: a.site.side, a.site.u + jitter.0, a.site.v + jitter.1, level: level)
        let scale = a.findingScale * random.uniform(0.85, 1.15)
        switch name {
        case "round-nodule":
            let r = random.uniform(0.07, 0.13) * scale
            canvas.ellipse(&hu, fx, fy, r, r * random.uniform(0.85, 1), angle: random.uniform(0, .pi), value: random.uniform(20, 60), edge: 0.012)
        case "spiculated-nodule":
            let r = random.uniform(0.06, 0.1) * scale
            let value = random.uniform(20, 60)
            for _ in 0..<random.integer(in: 7...14) {
                let t = random.uniform(0, 2 * .pi), length = random.uniform(0.06, 0.14) * scale
                canvas.segment(
                    &hu, fx, fy, fx + (r + length) * cos(t), fy + (r + length) * sin(t), width: random.uniform(0.012, 0.022),
                    value: value, edge: 0.01)
            }
            canvas.ellipse(&hu, fx, fy, r, r, value: value, edge: 0.012)
        case "ground-glass":
            var haze = canvas.layer()
            let r = random.uniform(0.13, 0.24) * scale
            canvas.ellipse(&haze, fx, fy, r, r * random.uniform(0.7, 1), angle: random.uniform(0, .pi), value: 1, edge: 0.06)
            let patch = NoiseField(&random)
            let target = random.uniform(-600, -400)
            for i in 0..<hu.count where haze[i] > 0 && hu[i] < -600 {
                let k = Double(haze[i]) * min(max(0.75 + 0.5 * patch.fbm(canvas.modelX[i], canvas.modelY[i], frequency: 8), 0), 1)
                hu[i] += Float((target - Double(hu[i])) * k)
            }
        case "cavity":
            let r = random.uniform(0.08, 0.13) * scale
            let wall = random.uniform(0.02, 0.035)
            canvas.ellipse(&hu, fx, fy, r, r, value: random.uniform(25, 55), edge: 0.01)
            canvas.ellipse(&hu, fx + random.uniform(-0.01, 0.01), fy, r - wall, r - wall, value: -980, edge: 0.008)
        case "effusion":
            let depth = random.uniform(0.12, 0.35)
            let fluid = random.uniform(0, 25)
            let sides: [Double] = a.effusionBoth ? [-1, 1] : [a.site.side]
            for side in sides {
                let (_, bottom) = a.lungPoint(side: side, 0, 1, level: level)
                let top = bottom - 2 * depth * a.lungB * level
                for i in 0..<hu.count where hu[i] < -500 {
                    let x = canvas.modelX[i], y = canvas.modelY[i]
                    guard a.lungRadius(side: side, x, y, level: level) < 1.02 else { continue }
                    let meniscus = top - 0.25 * pow(x - side * a.lungX, 2) / max(a.lungA * level, 0.01)
                    let k = min(max(0.5 + (y - meniscus) / max(canvas.pixel, 0.015), 0), 1)
                    hu[i] += Float((fluid - Double(hu[i])) * k)
                }
            }
        default:
            break
        }
        if random.chance(0.3) {
            let (gx, gy) = a.lungPoint(side: random.chance(0.5) ? -1 : 1, random.uniform(-0.6, 0.6), random.uniform(-0.6, 0.6), level: level)
            let r = random.uniform(0.015, 0.03)
            canvas.ellipse(&hu, gx, gy, r, r, value: random.uniform(250, 500), edge: 0.006)
        }

        // The scanner: table (fixed in the image), calibration, blur, noise.
        let image = Canvas(size: size, pose: .identity)
        image.segment(&hu, -1.2, s.tableY, 1.2, s.tableY, width: 0.04, value: s.tableHU, edge: 0.01)
        image.segment(&hu, -1.1, s.tableY - s.tableCurve, -0.6, s.tableY, width: 0.025, value: s.tableHU, edge: 0.01)
        image.segment(&hu, 1.1, s.tableY - s.tableCurve, 0.6, s.tableY, width: 0.025, value: s.tableHU, edge: 0.01)
        for i in 0..<hu.count { hu[i] = Float((Double(hu[i]) + 1000) * s.gain - 1000 + s.offset) }
        canvas.blur(&hu, sigma: s.blur * Double(size) / 2)
        return hu.map { value in
            let noisy = (Double(value) + s.noise * random.normal()).rounded()
            return Int16(min(max(noisy, -1024), 3071))
        }
    }
}
