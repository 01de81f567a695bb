// A page of charts written as PNG or SVG by cairo: one layout and one drawing routine feed both
// surfaces, so the two files show the same picture.

import Foundation
import ZooCheckpoint

/// One or more charts on a page (side by side unless `columns` says otherwise), with an optional
/// title over all of them, written as PNG or SVG.
///
/// ```swift
/// let figure = Figure(Chart(title: "loss", x: Axis("epoch"), y: Axis("loss"), series: [Series(points: points)]))
/// try figure.write(to: "loss.svg")   // or .png, from the same drawing code
/// ```
public struct Figure: Sendable, Equatable {
    public var title: String
    public var charts: [Chart]
    public var width: Int
    public var height: Int
    /// Charts per row; nil puts them all in one row.
    public var columns: Int?

    public init(title: String = "", charts: [Chart], width: Int = 900, height: Int = 560, columns: Int? = nil) {
        self.title = title
        self.charts = charts
        self.width = width
        self.height = height
        self.columns = columns
    }

    public init(_ chart: Chart, width: Int = 900, height: Int = 560) {
        self.init(charts: [chart], width: width, height: height)
    }

    /// Where each chart's data area landed and how it maps data to pixels (y down), in chart order.
    public func layout() throws(PlotError) -> [ChartLayout] {
        try FigureLayout(self).charts.map(\.placement)
    }

    /// The figure as PNG file bytes (8-bit RGB with alpha, antialiased).
    public func png() throws(PlotError) -> [UInt8] {
        let layout = try FigureLayout(self)
        return try CairoSurface.png(width: width, height: height) { context throws(PlotError) in
            try layout.draw(on: context)
        }
    }

    /// The figure as an SVG document (text drawn as glyph outlines, so it looks the same everywhere).
    public func svg() throws(PlotError) -> String {
        let layout = try FigureLayout(self)
        let bytes = try CairoSurface.svg(width: width, height: height) { context throws(PlotError) in
            try layout.draw(on: context)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Writes the figure to `path`, SVG or PNG by its extension, atomically (temporary file,
    /// fsync, rename) so that a reader never sees half a picture.
    public func write(to path: String) throws(PlotError) {
        let bytes: [UInt8]
        switch try PlotFormat(path: path) {
        case .svg: bytes = Array(try svg().utf8)
        case .png: bytes = try png()
        }
        do {
            try AtomicFileWriter.write(to: path) { try $0.write(bytes) }
        } catch CheckpointError.io(_, let operation, let reason) {
            throw .writeFailed(path: path, reason: "cannot \(operation): \(reason)")
        } catch {
            throw .writeFailed(path: path, reason: "\(error)")
        }
    }
}

/// Where a chart's data area is on the page and how data maps to it.
public struct ChartLayout: Sendable, Equatable {
    /// The data area in pixels: left, top, width, height (y grows downward).
    public var left: Double
    public var top: Double
    public var width: Double
    public var height: Double
    /// The data values at the area's left/right and bottom/top edges.
    public var xDomain: ClosedRange<Double>
    public var yDomain: ClosedRange<Double>
    public var xScale: Scale
    public var yScale: Scale

    /// The pixel position of a data point, nil when the scale cannot show it (log of a value <= 0,
    /// NaN, infinity).
    public func position(of point: Point) -> (x: Double, y: Double)? {
        guard let u = Self.fraction(point.x, in: xDomain, scale: xScale),
            let v = Self.fraction(point.y, in: yDomain, scale: yScale)
        else { return nil }
        return (left + u * width, top + height - v * height)
    }

    static func fraction(_ value: Double, in domain: ClosedRange<Double>, scale: Scale) -> Double? {
        guard value.isFinite else { return nil }
        switch scale {
        case .linear:
            return (value - domain.lowerBound) / (domain.upperBound - domain.lowerBound)
        case .log:
            guard value > 0 else { return nil }
            return (log10(value) - log10(domain.lowerBound)) / (log10(domain.upperBound) - log10(domain.lowerBound))
        }
    }
}

/// The image formats `Figure.write(to:)` knows, chosen by file extension.
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
    /// cairo refused (out of memory, an impossible size).
    case drawingFailed(reason: String)

    public var description: String {
        switch self {
        case .unsupportedFormat(let path):
            return "cannot tell the image format of '\(path)': use a name ending in .svg or .png"
        case .writeFailed(let path, let reason):
            return "could not write '\(path)': \(reason)"
        case .drawingFailed(let reason):
            return "could not draw the plot: \(reason)"
        }
    }
}
