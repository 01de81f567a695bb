// An RGB pixel buffer with just what a line plot needs: rectangles, anti-aliased polylines and
// bitmap text (horizontal, or turned to read bottom to top for a y-axis title).

struct RGB: Sendable, Equatable {
    var red: UInt8
    var green: UInt8
    var blue: UInt8

    static let white = RGB(red: 255, green: 255, blue: 255)
}

struct RasterCanvas {
    enum Anchor { case start, middle, end }

    let width: Int
    let height: Int
    /// Row-major RGB triples.
    private(set) var pixels: [UInt8]

    init(width: Int, height: Int, background: RGB = .white) {
        self.width = width
        self.height = height
        pixels = Array(repeating: 0, count: width * height * 3)
        fillRect(x: 0, y: 0, width: width, height: height, color: background)
    }

    mutating func fillRect(x: Int, y: Int, width rectWidth: Int, height rectHeight: Int, color: RGB) {
        for row in max(0, y)..<min(height, y + rectHeight) {
            for column in max(0, x)..<min(width, x + rectWidth) {
                blend(column, row, color, coverage: 1)
            }
        }
    }

    /// Strokes the segments joining `points` with a line `lineWidth` pixels wide, anti-aliased.
    /// Coverage is accumulated as a maximum, so joints are not drawn darker than the line.
    mutating func strokePolyline(_ points: [(x: Double, y: Double)], color: RGB, lineWidth: Double) {
        guard let first = points.first else { return }
        var coverage = [Float](repeating: 0, count: width * height)
        let radius = lineWidth / 2
        let segments = points.count == 1 ? [(first, first)] : Array(zip(points, points.dropFirst()))
        for (start, end) in segments {
            let left = max(0, Int((min(start.x, end.x) - radius - 1).rounded(.down)))
            let right = min(width - 1, Int((max(start.x, end.x) + radius + 1).rounded(.up)))
            let top = max(0, Int((min(start.y, end.y) - radius - 1).rounded(.down)))
            let bottom = min(height - 1, Int((max(start.y, end.y) + radius + 1).rounded(.up)))
            guard left <= right, top <= bottom else { continue }
            for row in top...bottom {
                for column in left...right {
                    // Distance from the pixel centre to the segment; coverage fades over one pixel.
                    let distance = Self.distance(from: (Double(column) + 0.5, Double(row) + 0.5), to: start, end)
                    let value = Float(min(1, max(0, radius + 0.5 - distance)))
                    let index = row * width + column
                    if value > coverage[index] { coverage[index] = value }
                }
            }
        }
        for index in coverage.indices where coverage[index] > 0 {
            blend(index % width, index / width, color, coverage: Double(coverage[index]))
        }
    }

    /// Draws `text` with the bitmap font magnified `scale` times. (`x`, `top`) is the anchor point
    /// at the top of the capitals; with `rotated`, the text reads upwards and `x`/`top` become the
    /// left edge and the vertical anchor.
    mutating func drawText(_ text: String, x: Int, top: Int, scale: Int, color: RGB,
                           anchor: Anchor = .start, rotated: Bool = false) {
        let length = BitmapFont.width(of: text) * scale
        let offset: Int
        switch anchor {
        case .start: offset = 0
        case .middle: offset = length / 2
        case .end: offset = length
        }
        for (index, character) in text.enumerated() {
            let rows = BitmapFont.rows(of: character)
            for (rowIndex, bits) in rows.enumerated() where bits != 0 {
                for column in 0..<BitmapFont.glyphWidth where bits & (1 << (BitmapFont.glyphWidth - 1 - column)) != 0 {
                    let along = index * BitmapFont.advance * scale + column * scale - offset
                    let across = rowIndex * scale
                    if rotated {
                        fillRect(x: x + across, y: top - along - scale, width: scale, height: scale, color: color)
                    } else {
                        fillRect(x: x + along, y: top + across, width: scale, height: scale, color: color)
                    }
                }
            }
        }
    }

    private mutating func blend(_ column: Int, _ row: Int, _ color: RGB, coverage: Double) {
        let index = (row * width + column) * 3
        let source = [color.red, color.green, color.blue]
        for channel in 0..<3 {
            let old = Double(pixels[index + channel])
            pixels[index + channel] = UInt8((old + (Double(source[channel]) - old) * coverage).rounded())
        }
    }

    private static func distance(from point: (Double, Double), to start: (x: Double, y: Double),
                                 _ end: (x: Double, y: Double)) -> Double {
        let (dx, dy) = (end.x - start.x, end.y - start.y)
        let lengthSquared = dx * dx + dy * dy
        var t = 0.0
        if lengthSquared > 0 {
            t = max(0, min(1, ((point.0 - start.x) * dx + (point.1 - start.y) * dy) / lengthSquared))
        }
        let (px, py) = (start.x + t * dx - point.0, start.y + t * dy - point.1)
        return (px * px + py * py).squareRoot()
    }
}
