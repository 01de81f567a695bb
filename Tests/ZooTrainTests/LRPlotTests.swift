// The plot writers: PNG structure and checksums, SVG content, atomic files.
// The pictures themselves were checked by eye (see the report of the sched branch).

import Foundation
import Testing
@testable import ZooTrain

@Suite struct LRPlotTests {
    let plot = try! SchedulerSpec(name: "StepLR", lr: 0.1, options: ["step_size": .int(30)])
        .trace(epochs: 100).plot(title: "StepLR", subtitle: "lr=0.1, step_size=30")

    @Test func checksumsMatchTheirCheckValues() {
        #expect(PNGEncoder.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(PNGEncoder.adler32(Array("Wikipedia".utf8)) == 0x11E6_0398)
        #expect(PNGEncoder.adler32(Array(repeating: 255, count: 100_000)) == adler32Slowly(Array(repeating: 255, count: 100_000)))
    }

    @Test func storedZlibBlocksHoldTheBytes() {
        let data = (0..<150_000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        let stream = PNGEncoder.zlibStored(data)
        #expect(stream.count == 2 + 3 * 5 + data.count + 4)  // header, 3 block headers, data, Adler-32
        #expect(stream[2] == 0 && stream[2 + 5 + 65535] == 0 && stream[2 + 2 * (5 + 65535)] == 1)
        let payload = Array(stream[7..<(7 + 65535)])
        #expect(payload == Array(data[0..<65535]))
    }

    @Test func pngIsWellFormed() throws {
        let bytes = plot.png()
        #expect(Array(bytes.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        var offset = 8
        var chunkTypes: [String] = []
        while offset < bytes.count {
            let length = Int(bytes[offset..<offset + 4].reduce(0) { $0 << 8 | UInt32($1) })
            let type = String(decoding: bytes[offset + 4..<offset + 8], as: UTF8.self)
            let stored = bytes[offset + 8 + length..<offset + 12 + length].reduce(0) { $0 << 8 | UInt32($1) }
            #expect(PNGEncoder.crc32(bytes[offset + 4..<offset + 8 + length]) == stored, "CRC of \(type)")
            chunkTypes.append(type)
            offset += 12 + length
        }
        #expect(chunkTypes == ["IHDR", "IDAT", "IEND"])
        #expect(offset == bytes.count)
    }

    @Test func svgHasTitleAxesAndCurve() {
        let svg = plot.svg()
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(svg.contains(">StepLR</text>") && svg.contains(">epoch</text>") && svg.contains(">learning rate</text>"))
        #expect(svg.contains(">0.1</text>") && svg.contains(">50</text>"))
        #expect(svg.contains("<polyline"))
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

    private func adler32Slowly(_ data: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in data {
            a = (a + UInt32(byte)) % 65521
            b = (b + a) % 65521
        }
        return b << 16 | a
    }
}
