// Line plots of a learning-rate schedule, written as SVG or PNG with nothing but the standard
// library: one layout (margins, ranges, ticks) feeds both the SVG writer and the rasteriser.

import Foundation

/// A line plot with a title, labelled axes and ticks, writable as SVG or PNG.
///
/// ```swift
/// let trace = try SchedulerSpec(name: "StepLR", lr: 0.1, options: ["step_size": .int(30)]).trace(epochs: 100)
/// try trace.plot(title: "StepLR").write(to: "steplr.png")
/// ```
public struct LRPlot: Sendable {
    public struct Point: Sendable, Equatable {
        public var x: Double
        public var y: Double

        public init(x: Double, y: Double) {
            self.x = x
            self.y = y
        }
    }

    public var title: String
    /// A smaller line under the title (the options, say); wrapped when long.
    public var subtitle: String
    public var xLabel: String
    public var yLabel: String
    public var points: [Point]
    public var width = 900
    public var height = 560

    public init(title: String, subtitle: String = "", xLabel: String, yLabel: String, points: [Point]) {
        self.title = title
        self.subtitle = subtitle
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.points = points
    }

    /// Writes the plot to `path`, SVG or PNG by its extension, through a temporary file renamed
    /// into place so that a reader never sees half a file.
    public func write(to path: String) throws(PlotError) {
        let bytes: [UInt8]
        switch try PlotFormat(path: path) {
        case .svg: bytes = Array(svg().utf8)
        case .png: bytes = png()
        }
        try writeAtomically(bytes, to: path)
    }

    /// The plot as an SVG document.
    public func svg() -> String {
        let layout = PlotLayout(self)
        let font = "font-family=\"DejaVu Sans Mono, Menlo, Consolas, monospace\""
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)">
            <rect width="100%" height="100%" fill="\(Palette.background.hex)"/>

            """
        for text in layout.texts {
            let size = Double(text.scale) * 10  // the bitmap font's cap height is 7 of 10 units
            let anchor = text.anchor.svgName
            let baseline = text.top + BitmapFont.baseline * text.scale
            if text.rotated {
                svg += "<text \(font) font-size=\"\(size)\" fill=\"\(text.color.hex)\" text-anchor=\"\(anchor)\""
                    + " transform=\"translate(\(text.x + BitmapFont.baseline * text.scale),\(text.top)) rotate(-90)\">"
                    + "\(escapeXML(text.string))</text>\n"
            } else {
                svg += "<text \(font) font-size=\"\(size)\" fill=\"\(text.color.hex)\" text-anchor=\"\(anchor)\""
                    + " x=\"\(text.x)\" y=\"\(baseline)\">\(escapeXML(text.string))</text>\n"
            }
        }
        for line in layout.lines {
            svg += "<line x1=\"\(line.x1)\" y1=\"\(line.y1)\" x2=\"\(line.x2)\" y2=\"\(line.y2)\""
                + " stroke=\"\(line.color.hex)\" stroke-width=\"1\"/>\n"
        }
        let curve = layout.curve.map { String(format: "%.2f,%.2f", $0.x, $0.y) }.joined(separator: " ")
        svg += "<polyline fill=\"none\" stroke=\"\(Palette.curve.hex)\" stroke-width=\"\(Palette.curveWidth)\""
            + " stroke-linejoin=\"round\" stroke-linecap=\"round\" points=\"\(curve)\"/>\n</svg>\n"
        return svg
    }

    /// The plot as PNG file bytes.
    public func png() -> [UInt8] {
        let layout = PlotLayout(self)
        var canvas = RasterCanvas(width: width, height: height, background: Palette.background)
        for line in layout.lines {
            // Axis-parallel lines of one pixel, aligned on the pixel grid.
            canvas.fillRect(x: Int(min(line.x1, line.x2)), y: Int(min(line.y1, line.y2)),
                            width: Int(abs(line.x2 - line.x1)) + 1, height: Int(abs(line.y2 - line.y1)) + 1,
                            color: line.color)
        }
        canvas.strokePolyline(layout.curve, color: Palette.curve, lineWidth: Palette.curveWidth)
        for text in layout.texts {
            canvas.drawText(text.string, x: text.x, top: text.top, scale: text.scale, color: text.color,
                            anchor: text.anchor, rotated: text.rotated)
        }
        return PNGEncoder.encodeRGB(width: width, height: height, pixels: canvas.pixels)
    }
}

/// The image formats `LRPlot.write(to:)` knows, chosen by file extension.
public enum PlotFormat: String, CaseIterable, Sendable {
    case svg
    case png

    /// ```swift
    /// try PlotFormat(path: "lr.png")  // .png
    /// ```
    public init(path: String) throws(PlotError) {
        guard let format = PlotFormat(rawValue: (path as NSString).pathExtension.lowercased()) else {
            throw .unsupportedFormat(path: path)
        }
        self = format
    }
}

public enum PlotError: Error, Equatable, CustomStringConvertible {
    case unsupportedFormat(path: String)
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .unsupportedFormat(let path):
            return "cannot tell the image format of '\(path)': use a name ending in .svg or .png"
        case .writeFailed(let path, let reason):
            return "could not write '\(path)': \(reason)"
        }
    }
}

// MARK: - Layout shared by SVG and PNG

private enum Palette {
    static let background = RGB.white
    static let text = RGB(red: 34, green: 34, blue: 34)
    static let subtitle = RGB(red: 90, green: 90, blue: 90)
    static let axis = RGB(red: 51, green: 51, blue: 51)
    static let grid = RGB(red: 225, green: 225, blue: 225)
    static let curve = RGB(red: 31, green: 119, blue: 180)
    static let curveWidth = 2.5
}

private extension RGB {
    var hex: String { String(format: "#%02x%02x%02x", red, green, blue) }
}

private extension RasterCanvas.Anchor {
    var svgName: String {
        switch self {
        case .start: return "start"
        case .middle: return "middle"
        case .end: return "end"
        }
    }
}

/// Where everything goes, in pixels (y down), for a given plot.
private struct PlotLayout {
    struct Text {
        var string: String
        var x: Int
        var top: Int
        var scale: Int
        var color: RGB
        var anchor: RasterCanvas.Anchor = .start
        var rotated = false
    }

    struct Line {
        var x1: Double, y1: Double, x2: Double, y2: Double
        var color: RGB
    }

    static let labelScale = 2
    static let titleScale = 3
    static let tickLength = 6
    static let padding = 16

    private(set) var texts: [Text] = []
    /// Grid lines first, then the frame and tick marks, so the frame draws on top.
    private(set) var lines: [Line] = []
    private(set) var curve: [(x: Double, y: Double)] = []

    init(_ plot: LRPlot) {
        let xs = plot.points.map(\.x)
        let ys = plot.points.map(\.y)
        let xRange = Self.dataRange(min: xs.min() ?? 0, max: xs.max() ?? 1, includeZero: false, headroom: 0)
        let yRange = Self.dataRange(min: ys.min() ?? 0, max: ys.max() ?? 1, includeZero: true, headroom: 0.05)
        let xTicks = Self.ticks(in: xRange, targetCount: 8, integers: true)
        let yTicks = Self.ticks(in: yRange, targetCount: 6, integers: false)

        let label = Self.labelScale
        let glyphHeight = BitmapFont.glyphHeight * label
        let widestYTick = yTicks.map { BitmapFont.width(of: $0.label) * label }.max() ?? 0

        // Title and subtitle, centred over the whole image.
        var top = Self.padding
        let titleScale = BitmapFont.width(of: plot.title) * Self.titleScale <= plot.width - 2 * Self.padding
            ? Self.titleScale : label
        texts.append(Text(string: plot.title, x: plot.width / 2, top: top, scale: titleScale,
                          color: Palette.text, anchor: .middle))
        top += BitmapFont.glyphHeight * titleScale + 8
        let subtitleScale = BitmapFont.width(of: plot.subtitle) * label <= 2 * (plot.width - 2 * Self.padding) ? label : 1
        let maxCharacters = (plot.width - 2 * Self.padding) / (BitmapFont.advance * subtitleScale)
        for line in Self.wrap(plot.subtitle, maxCharacters: maxCharacters) {
            texts.append(Text(string: line, x: plot.width / 2, top: top, scale: subtitleScale,
                              color: Palette.subtitle, anchor: .middle))
            top += (BitmapFont.glyphHeight + 2) * subtitleScale
        }

        // The plot area: room on the left for the y title and tick labels, below for the x ones.
        let plotLeft = Double(Self.padding + glyphHeight + 12 + widestYTick + 8 + Self.tickLength)
        let plotRight = Double(plot.width - Self.padding - 24)
        let plotTop = Double(top + 12)
        let plotBottom = Double(plot.height - Self.padding - glyphHeight - 14 - glyphHeight - 8 - Self.tickLength)
        func pixelX(_ x: Double) -> Double {
            plotLeft + (x - xRange.lowerBound) / (xRange.upperBound - xRange.lowerBound) * (plotRight - plotLeft)
        }
        func pixelY(_ y: Double) -> Double {
            plotBottom - (y - yRange.lowerBound) / (yRange.upperBound - yRange.lowerBound) * (plotBottom - plotTop)
        }

        for tick in xTicks {
            let x = pixelX(tick.value).rounded()
            lines.append(Line(x1: x, y1: plotTop, x2: x, y2: plotBottom, color: Palette.grid))
            texts.append(Text(string: tick.label, x: Int(x), top: Int(plotBottom) + Self.tickLength + 6,
                              scale: label, color: Palette.text, anchor: .middle))
        }
        for tick in yTicks {
            let y = pixelY(tick.value).rounded()
            lines.append(Line(x1: plotLeft, y1: y, x2: plotRight, y2: y, color: Palette.grid))
            texts.append(Text(string: tick.label, x: Int(plotLeft) - Self.tickLength - 6,
                              top: Int(y) - BitmapFont.baseline * label / 2, scale: label,
                              color: Palette.text, anchor: .end))
        }
        let frame = [(plotLeft, plotTop, plotRight, plotTop), (plotLeft, plotBottom, plotRight, plotBottom),
                     (plotLeft, plotTop, plotLeft, plotBottom), (plotRight, plotTop, plotRight, plotBottom)]
        for (x1, y1, x2, y2) in frame {
            lines.append(Line(x1: x1, y1: y1, x2: x2, y2: y2, color: Palette.axis))
        }
        for tick in xTicks {
            let x = pixelX(tick.value).rounded()
            lines.append(Line(x1: x, y1: plotBottom, x2: x, y2: plotBottom + Double(Self.tickLength), color: Palette.axis))
        }
        for tick in yTicks {
            let y = pixelY(tick.value).rounded()
            lines.append(Line(x1: plotLeft - Double(Self.tickLength), y1: y, x2: plotLeft, y2: y, color: Palette.axis))
        }

        // Axis titles.
        texts.append(Text(string: plot.xLabel, x: Int((plotLeft + plotRight) / 2),
                          top: plot.height - Self.padding - glyphHeight, scale: label,
                          color: Palette.text, anchor: .middle))
        texts.append(Text(string: plot.yLabel, x: Self.padding, top: Int((plotTop + plotBottom) / 2),
                          scale: label, color: Palette.text, anchor: .middle, rotated: true))

        curve = Self.thinned(plot.points.map { (x: pixelX($0.x), y: pixelY($0.y)) })
        if curve.count == 1 {
            curve.append((x: plotRight, y: curve[0].y))  // one epoch: its rate holds across the axis
        }
    }

    /// Keeps, for each pixel column, the first, lowest, highest and last points: the picture is
    /// unchanged, but a run of a million iterations does not draw a million segments.
    private static func thinned(_ points: [(x: Double, y: Double)]) -> [(x: Double, y: Double)] {
        var kept: [(x: Double, y: Double)] = []
        var start = 0
        while start < points.count {
            let column = points[start].x.rounded(.down)
            var end = start
            while end + 1 < points.count && points[end + 1].x.rounded(.down) == column { end += 1 }
            let group = start...end
            let lowest = group.min { points[$0].y < points[$1].y }!
            let highest = group.max { points[$0].y < points[$1].y }!
            var previous = -1
            for index in [start, lowest, highest, end].sorted() where index != previous {
                kept.append(points[index])
                previous = index
            }
            start = end + 1
        }
        return kept
    }

    /// The span of the data, widened when flat, from zero for learning rates, with headroom on top.
    private static func dataRange(min low: Double, max high: Double, includeZero: Bool,
                                  headroom: Double) -> ClosedRange<Double> {
        var low = includeZero ? Swift.min(0, low) : low
        var high = includeZero ? Swift.max(0, high) : high
        if high - low <= 0 || !(high - low).isFinite {
            high = low + (low == 0 ? 1 : abs(low))
        }
        let span = high - low
        high += headroom * span
        if low < 0 { low -= headroom * span }
        return low...high
    }

    /// Ticks at 1, 2 or 5 × 10ⁿ apart, about `targetCount` of them.
    private static func ticks(in range: ClosedRange<Double>, targetCount: Int,
                              integers: Bool) -> [(value: Double, label: String)] {
        let rough = (range.upperBound - range.lowerBound) / Double(targetCount)
        let magnitude = pow(10, (log10(rough)).rounded(.down))
        let normalized = rough / magnitude
        var step = (normalized < 1.5 ? 1 : normalized < 3 ? 2 : normalized < 7 ? 5 : 10) * magnitude
        if integers { step = Swift.max(1, step.rounded()) }
        let first = Int((range.lowerBound / step - 1e-9).rounded(.up))
        let last = Int((range.upperBound / step + 1e-9).rounded(.down))
        guard first <= last else { return [] }
        // Enough significant digits to tell neighbouring ticks apart, no float noise (0.30000000000000004).
        let stepExponent = Int(log10(step).rounded(.down))
        return (first...last).map { index in
            let value = Double(index) * step
            if index == 0 { return (0, "0") }
            if integers { return (value, String(Int(value))) }
            let digits = Swift.min(17, Swift.max(1, Int(log10(abs(value)).rounded(.down)) - stepExponent + 1))
            return (value, String(format: "%.*g", digits, value))
        }
    }

    /// Greedy line breaking after ", " so that no line exceeds `maxCharacters` when avoidable.
    private static func wrap(_ text: String, maxCharacters: Int) -> [String] {
        guard !text.isEmpty else { return [] }
        var lines: [String] = []
        var current = ""
        for part in text.components(separatedBy: ", ") {
            let candidate = current.isEmpty ? part : current + ", " + part
            if candidate.count > maxCharacters && !current.isEmpty {
                lines.append(current + ",")
                current = part
            } else {
                current = candidate
            }
        }
        lines.append(current)
        return lines
    }
}

// MARK: - Files

private func escapeXML(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
}

/// Writes to a temporary file next to `path`, flushes it to disk, then renames it over `path`.
private func writeAtomically(_ bytes: [UInt8], to path: String) throws(PlotError) {
    let url = URL(fileURLWithPath: path)
    let temporary = url.deletingLastPathComponent()
        .appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp").path
    let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard descriptor >= 0 else { throw .writeFailed(path: path, reason: String(cString: strerror(errno))) }
    var written = 0
    let failure: String? = bytes.withUnsafeBytes { buffer in
        while written < buffer.count {
            let result = Foundation.write(descriptor, buffer.baseAddress! + written, buffer.count - written)
            if result < 0 {
                if errno == EINTR { continue }
                return String(cString: strerror(errno))
            }
            written += result
        }
        return fsync(descriptor) == 0 ? nil : String(cString: strerror(errno))
    }
    close(descriptor)
    if let failure {
        unlink(temporary)
        throw .writeFailed(path: path, reason: failure)
    }
    guard rename(temporary, path) == 0 else {
        let reason = String(cString: strerror(errno))
        unlink(temporary)
        throw .writeFailed(path: path, reason: reason)
    }
}
