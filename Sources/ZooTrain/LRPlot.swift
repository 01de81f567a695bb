// A learning-rate schedule as a picture: epochs (or iterations) across, the rate up from zero,
// drawn by ZooPlot.

import ZooPlot

/// A line plot of a learning-rate schedule with a title and labelled axes, writable as SVG or PNG.
///
/// ```swift
/// let trace = try SchedulerSpec(name: "StepLR", lr: 0.1, options: ["step_size": .int(30)]).trace(epochs: 100)
/// try trace.plot(title: "StepLR").write(to: "steplr.png")
/// ```
public struct LRPlot: Sendable {
    public typealias Point = ZooPlot.Point

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

    /// The chart this plot draws: integer ticks across, the rate from zero with a little headroom.
    public var figure: Figure {
        Figure(
            Chart(
                title: title, subtitle: subtitle, x: Axis(xLabel, integerTicks: true),
                y: Axis(yLabel, includesZero: true, headroom: 0.05), series: [Series(points: points)]),
            width: width, height: height)
    }

    /// Writes the plot to `path`, SVG or PNG by its extension, atomically.
    public func write(to path: String) throws(PlotError) { try figure.write(to: path) }

    /// The plot as an SVG document.
    public func svg() throws(PlotError) -> String { try figure.svg() }

    /// The plot as PNG file bytes.
    public func png() throws(PlotError) -> [UInt8] { try figure.png() }
}
