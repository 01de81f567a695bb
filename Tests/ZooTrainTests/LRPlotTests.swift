// The learning-rate plot shows the schedule: its curve's pixels (PNG) and path points (SVG) sit
// at the schedule's values, read back from the written files.

import Foundation
import Testing
import ZooPlot
import ZooPlotTesting

@testable import ZooTrain

@Suite struct LRPlotTests {
    let trace = try! SchedulerSpec(name: "StepLR", lr: 0.1, options: ["step_size": .int(30)]).trace(epochs: 100)
    var plot: LRPlot { trace.plot(title: "StepLR", subtitle: "lr=0.1, step_size=30") }
    var schedule: [Point] { trace.rows.map { Point(x: Double($0.epoch), y: $0.lr) } }

    @Test func pngCurveFollowsTheSchedule() throws {
        let chart = try #require(try plot.figure.layout().first)
        // Epochs across from the first to the last, rates up from zero.
        #expect(chart.xDomain == 0...99 && chart.yDomain.lowerBound == 0)
        let raster = try Raster(png: try plot.png())
        let off = raster.pointsWithoutCurve(schedule, color: Color.cycle[0], chart: chart)
        #expect(off.isEmpty, "no curve pixel at \(off.prefix(5))")
        // And nothing of the curve's colour where the schedule is not: above the first step's rate.
        let above = try #require(chart.position(of: Point(x: 50, y: 0.05)))
        #expect(!raster.hasColor(Color.cycle[0], near: above.x, above.y, radius: 3))
    }

    @Test func svgPathPointsAreTheSchedule() throws {
        let chart = try #require(try plot.figure.layout().first)
        try LRPlotTests.expectPathIsSchedule(svg: try plot.svg(), schedule: schedule, chart: chart)
    }

    @Test func writesAtomicallyByExtension() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-plot-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try plot.write(to: directory.appendingPathComponent("lr.png").path)
        try plot.write(to: directory.appendingPathComponent("lr.SVG").path)
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(names == ["lr.SVG", "lr.png"])
        #expect(throws: PlotError.unsupportedFormat(path: "lr.jpg")) { try plot.write(to: "lr.jpg") }
        #expect(throws: PlotError.self) { try plot.write(to: "/nonexistent-zoo-dir/lr.png") }
    }

    /// The curve's path: each point is a schedule point (thinning keeps a subset), the first and
    /// last epochs and both sides of every change of rate are there.
    static func expectPathIsSchedule(svg: String, schedule: [Point], chart: ChartLayout) throws {
        let curve = try #require(
            SVGStroke.all(in: svg).first { $0.color.isClose(to: Color.cycle[0], tolerance: 0.002) })
        let indices = curve.dataIndices(of: schedule, chart: chart)
        #expect(indices.count >= 4 && !indices.contains(nil), "path points off the schedule: \(indices)")
        let matched = Set(indices.compactMap { $0 })
        #expect(matched.contains(0) && matched.contains(schedule.count - 1))
        for index in schedule.indices.dropFirst() where schedule[index].y != schedule[index - 1].y {
            #expect(matched.contains(index) && matched.contains(index - 1), "the step at \(schedule[index].x)")
        }
    }
}
