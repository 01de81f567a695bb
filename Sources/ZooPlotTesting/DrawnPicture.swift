// Reads a written picture back, for tests that check what was drawn rather than how the file is
// laid out: PNG pixels (decoded by cairo) and the stroked paths of an SVG (as cairo writes them).

import CCairo
import Foundation
import ZooPlot

/// The pixels of a PNG file.
public struct Raster: Sendable {
    public let width: Int
    public let height: Int
    /// Row-major 0xRRGGBB values.
    public let pixels: [UInt32]

    public struct DecodeError: Error, CustomStringConvertible {
        public let description: String
    }

    public init(png: [UInt8]) throws {
        final class Source {
            var bytes: [UInt8]
            var offset = 0
            init(_ bytes: [UInt8]) { self.bytes = bytes }
        }
        let source = Source(png)
        let read: cairo_read_func_t = { closure, data, length in
            let source = Unmanaged<Source>.fromOpaque(closure!).takeUnretainedValue()
            guard let data, source.offset + Int(length) <= source.bytes.count else { return CAIRO_STATUS_READ_ERROR }
            source.bytes.withUnsafeBufferPointer { buffer in
                data.update(from: buffer.baseAddress! + source.offset, count: Int(length))
            }
            source.offset += Int(length)
            return CAIRO_STATUS_SUCCESS
        }
        guard
            let surface = cairo_image_surface_create_from_png_stream(read, Unmanaged.passUnretained(source).toOpaque())
        else { throw DecodeError(description: "cairo returned no surface") }
        defer { cairo_surface_destroy(surface) }
        withExtendedLifetime(source) {}
        let status = cairo_surface_status(surface)
        guard status == CAIRO_STATUS_SUCCESS else {
            throw DecodeError(
                description: "not a PNG cairo can read: \(String(cString: cairo_status_to_string(status)))")
        }
        cairo_surface_flush(surface)
        width = Int(cairo_image_surface_get_width(surface))
        height = Int(cairo_image_surface_get_height(surface))
        let stride = Int(cairo_image_surface_get_stride(surface))
        let data = cairo_image_surface_get_data(surface)!
        var pixels: [UInt32] = []
        pixels.reserveCapacity(width * height)
        for row in 0..<height {
            let line = UnsafeRawPointer(data + row * stride).assumingMemoryBound(to: UInt32.self)
            for column in 0..<width { pixels.append(line[column] & 0xFF_FFFF) }  // native-endian xRGB
        }
        self.pixels = pixels
    }

    public func pixel(x: Int, y: Int) -> Color {
        Color(hex: pixels[y * width + x])
    }

    /// Whether a pixel within `radius` of (x, y) has `color` (each channel within `tolerance`).
    public func hasColor(_ color: Color, near x: Double, _ y: Double, radius: Int = 1, tolerance: Double = 0.1) -> Bool
    {
        let column = Int(x.rounded(.down)), row = Int(y.rounded(.down))
        for dy in -radius...radius {
            for dx in -radius...radius {
                let (px, py) = (column + dx, row + dy)
                guard px >= 0, py >= 0, px < width, py < height else { continue }
                if pixel(x: px, y: py).isClose(to: color, tolerance: tolerance) { return true }
            }
        }
        return false
    }

    /// How many pixels in the rectangle have `color`.
    public func count(_ color: Color, x: Range<Int>, y: Range<Int>, tolerance: Double = 0.1) -> Int {
        var count = 0
        for row in y.clamped(to: 0..<height) {
            for column in x.clamped(to: 0..<width)
            where pixel(x: column, y: row).isClose(to: color, tolerance: tolerance) {
                count += 1
            }
        }
        return count
    }
}

extension Color {
    public func isClose(to other: Color, tolerance: Double) -> Bool {
        abs(red - other.red) <= tolerance && abs(green - other.green) <= tolerance
            && abs(blue - other.blue) <= tolerance
    }
}

/// A stroked path of an SVG document written by cairo: its colour, width and the points of its
/// move-to and line-to commands.
public struct SVGStroke: Sendable {
    public var color: Color
    public var width: Double
    public var points: [(x: Double, y: Double)]

    /// Every `<path>` with a stroke colour, in document order (glyph outlines have none).
    public static func all(in svg: String) -> [SVGStroke] {
        var strokes: [SVGStroke] = []
        for element in svg.components(separatedBy: "<path").dropFirst() {
            let tag = String(element.prefix { $0 != ">" })
            guard let color = value(after: "stroke:rgb(", until: ")", in: tag),
                let width = value(after: "stroke-width:", until: ";", in: tag).flatMap(Double.init),
                let path = value(after: " d=\"", until: "\"", in: tag)
            else { continue }
            let channels = color.split(separator: ",").compactMap { Double($0.replacingOccurrences(of: "%", with: "")) }
            guard channels.count == 3 else { continue }
            var points: [(x: Double, y: Double)] = []
            let tokens = path.split(separator: " ")
            var index = 0
            while index < tokens.count {
                if tokens[index] == "M" || tokens[index] == "L", index + 2 < tokens.count,
                    let x = Double(tokens[index + 1]), let y = Double(tokens[index + 2])
                {
                    points.append((x, y))
                    index += 3
                } else {
                    index += 1
                }
            }
            strokes.append(
                SVGStroke(
                    color: Color(red: channels[0] / 100, green: channels[1] / 100, blue: channels[2] / 100),
                    width: width, points: points))
        }
        return strokes
    }

    private static func value(after start: String, until end: String, in text: String) -> String? {
        guard let from = text.range(of: start), let to = text[from.upperBound...].range(of: end) else { return nil }
        return String(text[from.upperBound..<to.lowerBound])
    }
}

extension Raster {
    /// The data points with no pixel of `color` where `chart` puts them: empty when a curve is drawn through all.
    public func pointsWithoutCurve(_ points: [Point], color: Color, chart: ChartLayout) -> [Point] {
        points.filter { point in
            guard let position = chart.position(of: point) else { return true }
            return !hasColor(color, near: position.x, position.y)
        }
    }
}

extension SVGStroke {
    /// For each point of the path, the index of the data point `chart` puts there, nil when none is.
    public func dataIndices(of points: [Point], chart: ChartLayout, tolerance: Double = 0.01) -> [Int?] {
        let positions = points.map { chart.position(of: $0) }
        return self.points.map { drawn in
            positions.firstIndex { expected in
                guard let expected else { return false }
                return abs(drawn.x - expected.x) < tolerance && abs(drawn.y - expected.y) < tolerance
            }
        }
    }
}
