#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where an image sits on its subject: rotation, scale and shift from model coordinates (the patient's
/// own frame, the body or the lesion) to image coordinates.
///
/// Image coordinates are normalised: x and y in [−1, 1] across the image, y pointing down, so every
/// generator draws the same scene at any `--size`. Maths: image = scale·R(angle)·model + (dx, dy).
struct Pose: Sendable {
    var angle = 0.0
    var scale = 1.0
    var dx = 0.0
    var dy = 0.0

    static let identity = Pose()

    func forward(_ x: Double, _ y: Double) -> (Double, Double) {
        let c = cos(angle), s = sin(angle)
        return (scale * (c * x - s * y) + dx, scale * (s * x + c * y) + dy)
    }

    func inverse(_ x: Double, _ y: Double) -> (Double, Double) {
        let c = cos(angle), s = sin(angle)
        let u = (x - dx) / scale, v = (y - dy) / scale
        return (c * u + s * v, -s * u + c * v)
    }
}

/// One square image being drawn: single-channel Float layers of `size`² pixels and the pose that maps
/// the model into it. Shapes are given in model coordinates and rasterised with analytic coverage,
/// so edges are anti-aliased at every size.
///
/// Maths: a pixel's coverage by a shape with signed distance d (model units, negative inside) is
/// clamp(½ − d/e, 0, 1), with e the requested edge width but at least one pixel; for an ellipse d is
/// approximated by (ρ − 1)·min(a, b), ρ² = (u/a)² + (v/b)²; for a segment by the distance to the
/// segment minus half the width.
struct Canvas {
    enum Blend { case add, over, max }

    let size: Int
    let pose: Pose
    /// Model coordinates of each pixel centre, row-major.
    let modelX: [Double]
    let modelY: [Double]
    /// One pixel in model units.
    let pixel: Double

    init(size: Int, pose: Pose) {
        self.size = size
        self.pose = pose
        var xs = [Double](repeating: 0, count: size * size)
        var ys = xs
        for row in 0..<size {
            for column in 0..<size {
                let (mx, my) = pose.inverse(Canvas.coordinate(column, size), Canvas.coordinate(row, size))
                xs[row * size + column] = mx
                ys[row * size + column] = my
            }
        }
        modelX = xs
        modelY = ys
        pixel = 2 / Double(size) / pose.scale
    }

    /// The normalised coordinate of pixel centre `index`.
    static func coordinate(_ index: Int, _ size: Int) -> Double {
        (Double(index) + 0.5) / Double(size) * 2 - 1
    }

    func layer(_ value: Float = 0) -> [Float] { [Float](repeating: value, count: size * size) }

    /// Fills `layer` with `field(x, y)` evaluated at each pixel's model coordinates.
    func fill(_ layer: inout [Float], _ field: (Double, Double) -> Double) {
        for i in 0..<layer.count { layer[i] = Float(field(modelX[i], modelY[i])) }
    }

    /// An ellipse centred at (cx, cy) with semi-axes a, b rotated by `angle`; `value` blended by coverage.
    func ellipse(
        _ layer: inout [Float], _ cx: Double, _ cy: Double, _ a: Double, _ b: Double, angle: Double = 0,
        value: Double, edge: Double = 0, blend: Blend = .over
    ) {
        let e = Swift.max(edge, pixel)
        let c = cos(angle), s = sin(angle)
        let reach = Swift.max(a, b) + e
        let small = Swift.min(a, b)
        paint(&layer, cx, cy, reach: reach, value: value, blend: blend) { x, y in
            let u = (c * (x - cx) + s * (y - cy)) / a
            let v = (-s * (x - cx) + c * (y - cy)) / b
            let rho = (u * u + v * v).squareRoot()
            return Swift.min(Swift.max(0.5 - (rho - 1) * small / e, 0), 1)
        }
    }

    /// A segment from (x0, y0) to (x1, y1) of the given width with round caps.
    func segment(
        _ layer: inout [Float], _ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double, width: Double,
        value: Double, edge: Double = 0, blend: Blend = .over
    ) {
        let e = Swift.max(edge, pixel)
        let vx = x1 - x0, vy = y1 - y0
        let length2 = Swift.max(vx * vx + vy * vy, 1e-12)
        let reach = (length2.squareRoot() / 2) + width / 2 + e
        paint(&layer, (x0 + x1) / 2, (y0 + y1) / 2, reach: reach, value: value, blend: blend) { x, y in
            let t = Swift.min(Swift.max(((x - x0) * vx + (y - y0) * vy) / length2, 0), 1)
            let px = x0 + t * vx - x, py = y0 + t * vy - y
            let d = (px * px + py * py).squareRoot() - width / 2
            return Swift.min(Swift.max(0.5 - d / e, 0), 1)
        }
    }

    /// Visits the pixels within `reach` (model units) of (cx, cy) and blends `value` by `coverage`.
    private func paint(
        _ layer: inout [Float], _ cx: Double, _ cy: Double, reach: Double, value: Double, blend: Blend,
        coverage: (Double, Double) -> Double
    ) {
        let (ix, iy) = pose.forward(cx, cy)
        let r = reach * pose.scale * Double(size) / 2 + 1
        let column = (ix + 1) * Double(size) / 2 - 0.5, row = (iy + 1) * Double(size) / 2 - 0.5
        let c0 = Swift.max(Int((column - r).rounded(.down)), 0), c1 = Swift.min(Int((column + r).rounded(.up)), size - 1)
        let r0 = Swift.max(Int((row - r).rounded(.down)), 0), r1 = Swift.min(Int((row + r).rounded(.up)), size - 1)
        guard c0 <= c1, r0 <= r1 else { return }
        for y in r0...r1 {
            for x in c0...c1 {
                let i = y * size + x
                let k = coverage(modelX[i], modelY[i])
                if k <= 0 { continue }
                switch blend {
                case .add: layer[i] += Float(value * k)
                case .over: layer[i] += Float((value - Double(layer[i])) * k)
                case .max: layer[i] = Swift.max(layer[i], Float(value * k))
                }
            }
        }
    }

    /// Separable Gaussian blur with standard deviation `sigma` pixels, edges clamped; no-op below 0.2 px.
    func blur(_ layer: inout [Float], sigma: Double) {
        guard sigma >= 0.2 else { return }
        let radius = Int((3 * sigma).rounded(.up))
        var kernel = (-radius...radius).map { Float(exp(-Double($0 * $0) / (2 * sigma * sigma))) }
        let total = kernel.reduce(0, +)
        kernel = kernel.map { $0 / total }
        var scratch = layer
        for row in 0..<size {
            for column in 0..<size {
                var sum: Float = 0
                for k in -radius...radius {
                    let c = Swift.min(Swift.max(column + k, 0), size - 1)
                    sum += kernel[k + radius] * layer[row * size + c]
                }
                scratch[row * size + column] = sum
            }
        }
        for row in 0..<size {
            for column in 0..<size {
                var sum: Float = 0
                for k in -radius...radius {
                    let r = Swift.min(Swift.max(row + k, 0), size - 1)
                    sum += kernel[k + radius] * scratch[r * size + column]
                }
                layer[row * size + column] = sum
            }
        }
    }
}
