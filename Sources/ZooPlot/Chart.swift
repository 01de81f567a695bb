// What a chart shows, as plain values: series of points on two axes, markers, a title. Drawing
// happens in Renderer.swift; a Figure puts one or more charts on a page.

/// A data point in the chart's own units (epochs, learning rates, losses).
public struct Point: Sendable, Equatable {
    public var x: Double
    public var y: Double

    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }
}

/// An sRGB colour with components in 0...1.
public struct Color: Sendable, Equatable {
    public var red: Double
    public var green: Double
    public var blue: Double

    public init(red: Double, green: Double, blue: Double) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    /// `Color(hex: 0x1f77b4)`.
    public init(hex: UInt32) {
        self.init(
            red: Double(hex >> 16 & 0xFF) / 255, green: Double(hex >> 8 & 0xFF) / 255,
            blue: Double(hex & 0xFF) / 255)
    }

    /// matplotlib's default cycle, so pictures look like the ones people know.
    public static let cycle: [Color] = [0x1F77B4, 0xFF7F0E, 0x2CA02C, 0xD62728, 0x9467BD, 0x8C564B].map(
        Color.init(hex:))
    public static let black = Color(hex: 0x222222)
    public static let gray = Color(hex: 0x5A5A5A)
}

/// How an axis maps values to positions.
public enum Scale: Sendable, Equatable {
    case linear
    /// Base-10 logarithmic; values <= 0 are left out.
    case log
}

public struct Axis: Sendable, Equatable {
    public var label: String
    public var scale: Scale
    /// Fixed bounds; nil fits the data.
    public var range: ClosedRange<Double>?
    /// Extend a fitted range to 0 (learning rates, accuracies).
    public var includesZero: Bool
    /// Ticks only at whole numbers (epochs).
    public var integerTicks: Bool
    /// Room added beyond the fitted data, as a fraction of its span.
    public var headroom: Double

    public init(
        _ label: String, scale: Scale = .linear, range: ClosedRange<Double>? = nil, includesZero: Bool = false,
        integerTicks: Bool = false, headroom: Double = 0
    ) {
        self.label = label
        self.scale = scale
        self.range = range
        self.includesZero = includesZero
        self.integerTicks = integerTicks
        self.headroom = headroom
    }
}

/// One line (and optionally its points) with a name for the legend.
public struct Series: Sendable, Equatable {
    /// The legend's label; an empty name keeps the series out of the legend.
    public var name: String
    public var points: [Point]
    /// nil takes the next colour of `Color.cycle`.
    public var color: Color?
    public var lineWidth: Double
    /// Draw a dot on every point (short series such as per-epoch metrics).
    public var showsPoints: Bool
    public var dashed: Bool

    public init(
        _ name: String = "", points: [Point], color: Color? = nil, lineWidth: Double = 2.5,
        showsPoints: Bool = false, dashed: Bool = false
    ) {
        self.name = name
        self.points = points
        self.color = color
        self.lineWidth = lineWidth
        self.showsPoints = showsPoints
        self.dashed = dashed
    }
}

/// A labelled vertical line at `x`, with a dot at `y` when given (a suggested learning rate).
public struct Marker: Sendable, Equatable {
    public var x: Double
    public var y: Double?
    public var label: String
    public var color: Color

    public init(x: Double, y: Double? = nil, label: String, color: Color = Color(hex: 0xD62728)) {
        self.x = x
        self.y = y
        self.label = label
        self.color = color
    }
}

/// Where the legend goes; `.automatic` picks the corner that hides the fewest points.
public enum LegendPlacement: Sendable, Equatable {
    case automatic, topLeft, topRight, bottomLeft, bottomRight, hidden
}

/// One set of axes with its series.
///
/// ```swift
/// let chart = Chart(title: "loss", x: Axis("epoch", integerTicks: true), y: Axis("loss"),
///                   series: [Series("train", points: train), Series("validation", points: validation)])
/// try Figure(chart).write(to: "loss.png")
/// ```
public struct Chart: Sendable, Equatable {
    public var title: String
    /// A smaller line (or lines, wrapped after ", ") under the title.
    public var subtitle: String
    public var x: Axis
    public var y: Axis
    public var series: [Series]
    public var markers: [Marker]
    public var legend: LegendPlacement

    public init(
        title: String, subtitle: String = "", x: Axis, y: Axis, series: [Series], markers: [Marker] = [],
        legend: LegendPlacement = .automatic
    ) {
        self.title = title
        self.subtitle = subtitle
        self.x = x
        self.y = y
        self.series = series
        self.markers = markers
        self.legend = legend
    }
}
