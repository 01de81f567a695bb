// What the figures show, read back from the files: curve pixels (PNG) and path points (SVG) at
// the data's positions, logarithmic spacing, legends, antialiased text, the training pictures.

import Foundation
import Testing
import ZooPlot
import ZooPlotTesting

@Suite struct FigureTests {
    static let decay = (0..<40).map { Point(x: Double($0), y: 0.1 * pow(0.9, Double($0))) }
    static let rise = (0..<40).map { Point(x: Double($0), y: 0.1 - 0.1 * pow(0.9, Double($0))) }
    // Headroom above the curves leaves the legend a place where it hides no data.
    let figure = Figure(
        Chart(
            title: "two curves", x: Axis("epoch", integerTicks: true), y: Axis("value", headroom: 0.25),
            series: [Series("decay", points: decay), Series("rise", points: rise)]))

    @Test func pngCurvesPassThroughEveryDataPoint() throws {
        let chart = try #require(try figure.layout().first)
        let raster = try Raster(png: try figure.png())
        #expect(raster.width == 900 && raster.height == 560)
        for (points, color) in [(Self.decay, Color.cycle[0]), (Self.rise, Color.cycle[1])] {
            let missing = try points.filter { point in
                let position = try #require(chart.position(of: point))
                return !raster.hasColor(color, near: position.x, position.y)
            }
            #expect(missing.isEmpty, "no curve pixel at \(missing)")
        }
        // The data span the area: first point on the left edge, the extremes at top and bottom.
        #expect(chart.xDomain == 0...39)
        let span = Self.decay[0].y - Self.rise[0].y
        #expect(abs(chart.yDomain.lowerBound - (Self.rise[0].y - 0.25 * span)) < 1e-12)
        #expect(abs(chart.yDomain.upperBound - (Self.decay[0].y + 0.25 * span)) < 1e-12)
    }

    @Test func svgPathsAreTheDataPoints() throws {
        let chart = try #require(try figure.layout().first)
        let strokes = SVGStroke.all(in: try figure.svg()).filter { $0.width == 2.5 }
        for (points, color) in [(Self.decay, Color.cycle[0]), (Self.rise, Color.cycle[1])] {
            let curve = try #require(
                strokes.first { $0.color.isClose(to: color, tolerance: 0.002) && $0.points.count > 2 })
            #expect(curve.points.count == points.count)
            for (drawn, point) in zip(curve.points, points) {
                let expected = try #require(chart.position(of: point))
                #expect(abs(drawn.x - expected.x) < 0.01 && abs(drawn.y - expected.y) < 0.01, "\(point)")
            }
        }
    }

    @Test func logAxisSpacesDecadesEvenlyAndMarksTheSuggestion() throws {
        let rates = (0...60).map { 1e-6 * pow(10, Double($0) / 10) }
        let losses = rates.map { 2.3 - 0.1 * log10($0 / 1e-6) }
        let finder = Figure.lrFinder(learningRates: rates, losses: losses, suggestion: 1e-3)
        let chart = try #require(try finder.layout().first)
        #expect(chart.xScale == .log)
        let xs = try [1e-5, 1e-4, 1e-3, 1e-2].map { try #require(chart.position(of: Point(x: $0, y: 2))).x }
        let gaps = zip(xs.dropFirst(), xs).map { $0 - $1 }
        #expect(gaps.allSatisfy { abs($0 - gaps[0]) < 1e-6 } && gaps[0] > 50)
        let raster = try Raster(png: try finder.png())
        let marker = try #require(chart.position(of: Point(x: 1e-3, y: 2.0)))
        let red = Color(hex: 0xD62728)
        #expect(
            raster.count(
                red, x: Int(marker.x) - 2..<Int(marker.x) + 3,
                y: Int(chart.top)..<Int(chart.top + chart.height)) > Int(chart.height) / 3)
        // A straight line on a log axis: every drawn point lies on it.
        let strokes = SVGStroke.all(in: try finder.svg()).filter {
            $0.color.isClose(to: Color.cycle[0], tolerance: 0.002)
        }
        let line = try #require(strokes.first)
        for point in line.points {
            let rate = pow(
                10,
                log10(chart.xDomain.lowerBound) + (point.x - chart.left) / chart.width
                    * (log10(chart.xDomain.upperBound) - log10(chart.xDomain.lowerBound)))
            let loss =
                chart.yDomain.lowerBound + (chart.top + chart.height - point.y) / chart.height
                * (chart.yDomain.upperBound - chart.yDomain.lowerBound)
            #expect(abs(loss - (2.3 - 0.1 * log10(rate / 1e-6))) < 0.002)
        }
    }

    @Test func legendTakesTheEmptyCorner() throws {
        // A falling diagonal runs through the top-left and bottom-right corners, a rising one through
        // the others: the legend goes to the first free corner, top right or top left.
        let falling = (0...10).map { Point(x: Double($0), y: Double(10 - $0)) }
        let rising = (0...10).map { Point(x: Double($0), y: Double($0)) }
        for (series, corner) in [(falling, "top-right"), (rising, "top-left")] {
            let figure = Figure(Chart(title: "", x: Axis("x"), y: Axis("y"), series: [Series("named", points: series)]))
            let chart = try #require(try figure.layout().first)
            let raster = try Raster(png: try figure.png())
            let border = Color(hex: 0xCCCCCC)
            let left = corner == "top-left"
            let xs =
                left
                ? Int(chart.left)..<Int(chart.left + chart.width / 2)
                : Int(chart.left + chart.width / 2)..<Int(chart.left + chart.width)
            let ys = Int(chart.top)..<Int(chart.top + 60)
            #expect(raster.count(border, x: xs, y: ys, tolerance: 0.02) > 100, "legend box in the \(corner) corner")
            let unnamed = Figure(Chart(title: "", x: Axis("x"), y: Axis("y"), series: [Series(points: series)]))
            #expect(try Raster(png: try unnamed.png()).count(border, x: xs, y: ys, tolerance: 0.02) == 0)
        }
    }

    @Test func textIsAntialiased() throws {
        let raster = try Raster(png: try figure.png())
        let chart = try #require(try figure.layout().first)
        var levels = Set<UInt32>()
        for row in 0..<Int(chart.top) {
            for column in 0..<raster.width { levels.insert(raster.pixels[row * raster.width + column]) }
        }
        #expect(levels.count > 16, "the title uses \(levels.count) colours: not antialiased")
    }

    @Test func trainingCurvesShowLossAndAccuracyPerEpoch() throws {
        let figure = Figure.trainingCurves(
            title: "run", epochs: [1, 2, 3, 4], trainLoss: [2.0, 1.5, 1.0, 0.8],
            validationLoss: [1.8, nil, 1.2, 1.1], top1: [0.3, 0.5, 0.6, 0.7],
            top5: [0.7, 0.8, 0.9, 0.95])
        let charts = try figure.layout()
        #expect(charts.count == 2)
        let raster = try Raster(png: try figure.png())
        let expectations: [(chart: Int, values: [Double?], color: Color)] = [
            (0, [2.0, 1.5, 1.0, 0.8], Color.cycle[0]), (0, [1.8, nil, 1.2, 1.1], Color.cycle[1]),
            (1, [30, 50, 60, 70], Color.cycle[2]), (1, [70, 80, 90, 95], Color.cycle[3]),
        ]
        for (index, values, color) in expectations {
            for (epoch, value) in zip(1..., values) {
                guard let value else { continue }
                let position = try #require(charts[index].position(of: Point(x: Double(epoch), y: value)))
                #expect(raster.hasColor(color, near: position.x, position.y), "epoch \(epoch) value \(value)")
            }
        }
        // The missing validation loss of epoch 2 breaks the line: nothing of its colour halfway to it.
        let gap = try #require(charts[0].position(of: Point(x: 1.5, y: 1.6)))
        #expect(!raster.hasColor(Color.cycle[1], near: gap.x, gap.y, radius: 3))
        #expect(charts[1].yDomain == 0...100)
    }

    @Test func writesAtomicallyByExtension() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-plot-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try figure.write(to: directory.appendingPathComponent("a.png").path)
        try figure.write(to: directory.appendingPathComponent("a.SVG").path)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == ["a.SVG", "a.png"])
        let png = try Data(contentsOf: directory.appendingPathComponent("a.png"))
        #expect(try Raster(png: Array(png)).width == 900)
        #expect(throws: PlotError.unsupportedFormat(path: "a.jpg")) { try figure.write(to: "a.jpg") }
        #expect(throws: PlotError.self) { try figure.write(to: "/nonexistent-zoo-dir/a.png") }
    }
}
