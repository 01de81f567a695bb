// `zoo lr --plot` draws the schedule it prints: the PNG's curve pixels and the SVG's path points
// sit at the rates the library computes for the same options.

import Foundation
import Testing
import ZooPlot
import ZooPlotTesting
import ZooTrain

@Suite struct LRPlotCommandTests {
    static let arguments = ["lr", "cosine", "--lr", "0.1", "--epochs", "60", "--t-max", "50", "--warmup-steps", "5"]

    func expected() throws -> (schedule: [Point], chart: ChartLayout) {
        let spec = try SchedulerSpec(name: "cosine", lr: 0.1, options: ["T_max": .int(50), "warmup_steps": .int(5)])
        let trace = try spec.trace(epochs: 60)
        let plot = trace.plot(title: spec.kind.rawValue, subtitle: spec.optionSummary)
        return (trace.rows.map { Point(x: Double($0.epoch), y: $0.lr) }, try #require(try plot.figure.layout().first))
    }

    @Test func pngShowsTheSchedule() throws {
        let scratch = try TemporaryDirectory()
        let result = try ZooProcess.run(Self.arguments + ["--plot", scratch.path("cos.png")])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("wrote plot to \(scratch.path("cos.png"))"))
        let raster = try Raster(png: Array(try Data(contentsOf: scratch.url.appendingPathComponent("cos.png"))))
        #expect(raster.width == 900 && raster.height == 560)
        let (schedule, chart) = try expected()
        let missing = raster.pointsWithoutCurve(schedule, color: Color.cycle[0], chart: chart)
        #expect(missing.isEmpty, "no curve pixel at \(missing.prefix(5))")
    }

    @Test func svgShowsTheSchedule() throws {
        let scratch = try TemporaryDirectory()
        let result = try ZooProcess.run(Self.arguments + ["--plot", scratch.path("cos.svg")])
        #expect(result.status == 0, "\(result.stderr)")
        let svg = try String(contentsOf: scratch.url.appendingPathComponent("cos.svg"), encoding: .utf8)
        let (schedule, chart) = try expected()
        let curve = try #require(
            SVGStroke.all(in: svg).first { $0.color.isClose(to: Color.cycle[0], tolerance: 0.002) })
        let indices = curve.dataIndices(of: schedule, chart: chart)
        #expect(indices.count == schedule.count && !indices.contains(nil), "path points off the schedule: \(indices)")
    }

    @Test func unknownExtensionWritesNothing() throws {
        let scratch = try TemporaryDirectory()
        let result = try ZooProcess.run(Self.arguments + ["--plot", scratch.path("cos.jpg")])
        #expect(result.status != 0 && result.stderr.contains(".svg or .png"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.url.path).isEmpty)
    }
}
