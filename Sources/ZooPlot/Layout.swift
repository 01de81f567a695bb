// Where everything on a figure goes, worked out once (text measured with cairo) as a list of
// shapes, then drawn onto whichever surface is asked for.

import CCairo
import Foundation

/// Something to draw, in pixels (y down).
enum Shape {
    enum Anchor { case start, middle, end }

    /// A straight line; 1-pixel lines are put on pixel centres by the layout.
    case line(x1: Double, y1: Double, x2: Double, y2: Double, color: Color, width: Double, dashed: Bool)
    /// A data curve, clipped to the data area.
    case curve(points: [(x: Double, y: Double)], color: Color, width: Double, dashed: Bool, clip: ChartLayout)
    case dot(x: Double, y: Double, radius: Double, color: Color)
    case box(x: Double, y: Double, width: Double, height: Double, fill: Color, stroke: Color)
    /// Text whose baseline starts (or centres, or ends) at x, y; rotated text reads bottom to top.
    case text(String, x: Double, y: Double, size: Double, bold: Bool, color: Color, anchor: Anchor, rotated: Bool)
}

struct FigureLayout {
    struct ChartDrawing {
        var placement: ChartLayout
        var shapes: [Shape]
    }

    static let padding = 16.0
    static let titleSize = 20.0
    static let subtitleSize = 13.0
    static let labelSize = 14.0
    static let tickSize = 13.0
    static let tickLength = 6.0
    static let gridColor = Color(hex: 0xE1E1E1)
    static let background = Color(red: 1, green: 1, blue: 1)

    private(set) var charts: [ChartDrawing] = []
    private(set) var shapes: [Shape] = []

    init(_ figure: Figure) throws(PlotError) {
        let (surface, context) = try CairoSurface.measuringContext()
        defer {
            cairo_destroy(context)
            cairo_surface_destroy(surface)
        }
        let measure = TextMeasure(context: context)
        var top = 0.0
        if !figure.title.isEmpty {
            let size = measure.fittingSize(
                figure.title, size: Self.titleSize + 2, bold: true,
                width: Double(figure.width) - 2 * Self.padding)
            shapes.append(
                .text(
                    figure.title, x: Double(figure.width) / 2, y: Self.padding + size * 0.8, size: size,
                    bold: true, color: .black, anchor: .middle, rotated: false))
            top = Self.padding + size + 4
        }
        let count = max(1, figure.charts.count)
        let columns = max(1, min(figure.columns ?? count, count))
        let rows = (count + columns - 1) / columns
        let cellWidth = Double(figure.width) / Double(columns)
        let cellHeight = (Double(figure.height) - top) / Double(rows)
        for (index, chart) in figure.charts.enumerated() {
            let cell = (x: Double(index % columns) * cellWidth, y: top + Double(index / columns) * cellHeight)
            charts.append(
                ChartPainter(chart: chart, measure: measure).layout(
                    x: cell.x, y: cell.y, width: cellWidth, height: cellHeight))
        }
    }

    func draw(on context: OpaquePointer) throws(PlotError) {
        cairo_set_source_rgb(context, Self.background.red, Self.background.green, Self.background.blue)
        cairo_paint(context)
        for shape in shapes + charts.flatMap(\.shapes) { Self.draw(shape, on: context) }
        try CairoSurface.check(cairo_status(context))
    }

    private static func draw(_ shape: Shape, on cr: OpaquePointer) {
        cairo_save(cr)
        defer { cairo_restore(cr) }
        switch shape {
        case .line(let x1, let y1, let x2, let y2, let color, let width, let dashed):
            setColor(color, cr)
            cairo_set_line_width(cr, width)
            if dashed { setDash([5, 4], cr) }
            cairo_move_to(cr, x1, y1)
            cairo_line_to(cr, x2, y2)
            cairo_stroke(cr)
        case .curve(let points, let color, let width, let dashed, let clip):
            guard let first = points.first else { return }
            cairo_rectangle(cr, clip.left - width, clip.top - width, clip.width + 2 * width, clip.height + 2 * width)
            cairo_clip(cr)
            setColor(color, cr)
            cairo_set_line_width(cr, width)
            cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND)
            cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND)
            if dashed { setDash([7, 5], cr) }
            cairo_move_to(cr, first.x, first.y)
            for point in points.dropFirst() { cairo_line_to(cr, point.x, point.y) }
            cairo_stroke(cr)
        case .dot(let x, let y, let radius, let color):
            setColor(color, cr)
            cairo_arc(cr, x, y, radius, 0, 2 * .pi)
            cairo_fill(cr)
        case .box(let x, let y, let width, let height, let fill, let stroke):
            cairo_rectangle(cr, x, y, width, height)
            setColor(fill, cr)
            cairo_fill_preserve(cr)
            setColor(stroke, cr)
            cairo_set_line_width(cr, 1)
            cairo_stroke(cr)
        case .text(let string, let x, let y, let size, let bold, let color, let anchor, let rotated):
            TextMeasure.select(size: size, bold: bold, cr)
            var extents = cairo_text_extents_t()
            cairo_text_extents(cr, string, &extents)
            let shift = anchor == .start ? 0 : anchor == .middle ? extents.x_advance / 2 : extents.x_advance
            setColor(color, cr)
            cairo_translate(cr, x, y)
            if rotated { cairo_rotate(cr, -.pi / 2) }
            cairo_move_to(cr, -shift, 0)
            cairo_show_text(cr, string)
        }
    }

    private static func setColor(_ color: Color, _ cr: OpaquePointer) {
        cairo_set_source_rgb(cr, color.red, color.green, color.blue)
    }

    private static func setDash(_ pattern: [Double], _ cr: OpaquePointer) {
        pattern.withUnsafeBufferPointer { cairo_set_dash(cr, $0.baseAddress, Int32($0.count), 0) }
    }
}

/// Text widths from cairo's toy font API on the measuring context.
struct TextMeasure {
    let context: OpaquePointer

    static func select(size: Double, bold: Bool, _ cr: OpaquePointer) {
        cairo_select_font_face(
            cr, CairoSurface.fontFamily, CAIRO_FONT_SLANT_NORMAL,
            bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(cr, size)
    }

    func width(_ text: String, size: Double, bold: Bool = false) -> Double {
        Self.select(size: size, bold: bold, context)
        var extents = cairo_text_extents_t()
        cairo_text_extents(context, text, &extents)
        return extents.x_advance
    }

    /// The largest size up to `size` (and no smaller than 9) at which `text` fits `width`.
    func fittingSize(_ text: String, size: Double, bold: Bool, width available: Double) -> Double {
        let natural = width(text, size: size, bold: bold)
        return natural <= available ? size : max(9, (size * available / natural).rounded(.down))
    }
}

/// Lays out one chart in its cell.
private struct ChartPainter {
    let chart: Chart
    let measure: TextMeasure

    func layout(x originX: Double, y originY: Double, width: Double, height: Double) -> FigureLayout.ChartDrawing {
        typealias L = FigureLayout
        var shapes: [Shape] = []
        let inner = width - 2 * L.padding
        let colors = seriesColors()

        // Title and subtitle, centred over the cell.
        var top = originY + L.padding
        if !chart.title.isEmpty {
            let size = measure.fittingSize(chart.title, size: L.titleSize, bold: true, width: inner)
            shapes.append(
                .text(
                    chart.title, x: originX + width / 2, y: top + size * 0.8, size: size, bold: true,
                    color: .black, anchor: .middle, rotated: false))
            top += size + 6
        }
        for line in wrap(chart.subtitle, size: L.subtitleSize, width: inner) {
            shapes.append(
                .text(
                    line, x: originX + width / 2, y: top + L.subtitleSize * 0.8, size: L.subtitleSize,
                    bold: false, color: .gray, anchor: .middle, rotated: false))
            top += L.subtitleSize + 4
        }

        // Domains and ticks first: the y tick labels' width sets the left margin.
        let xDomain = domain(chart.x, values: chart.series.flatMap { $0.points.map(\.x) } + chart.markers.map(\.x))
        let yDomain = domain(
            chart.y, values: chart.series.flatMap { $0.points.map(\.y) } + chart.markers.compactMap(\.y))
        let xTicks = Ticks.make(in: xDomain, scale: chart.x.scale, targetCount: 8, integers: chart.x.integerTicks)
        let yTicks = Ticks.make(in: yDomain, scale: chart.y.scale, targetCount: 6, integers: chart.y.integerTicks)
        let widestYTick = yTicks.map { measure.width($0.label, size: L.tickSize) }.max() ?? 0
        let lastXTick = xTicks.last.map { measure.width($0.label, size: L.tickSize) / 2 } ?? 0

        let left = (originX + L.padding + L.labelSize + 10 + widestYTick + 6 + L.tickLength).rounded()
        let right = (originX + width - L.padding - max(8, lastXTick)).rounded()
        let plotTop = (top + 10).rounded()
        let bottom = (originY + height - L.padding - L.labelSize - 10 - L.tickSize - 6 - L.tickLength).rounded()
        let placement = ChartLayout(
            left: left, top: plotTop, width: max(1, right - left), height: max(1, bottom - plotTop),
            xDomain: xDomain, yDomain: yDomain, xScale: chart.x.scale, yScale: chart.y.scale)

        // Grid, frame and ticks on pixel centres so 1-pixel lines stay sharp.
        var gridLines: [Shape] = [], frameLines: [Shape] = []
        for tick in xTicks {
            guard let u = ChartLayout.fraction(tick.value, in: xDomain, scale: chart.x.scale) else { continue }
            let x = (left + u * placement.width).rounded() + 0.5
            gridLines.append(.line(x1: x, y1: plotTop, x2: x, y2: bottom, color: L.gridColor, width: 1, dashed: false))
            frameLines.append(
                .line(
                    x1: x, y1: bottom, x2: x, y2: bottom + L.tickLength, color: .black, width: 1,
                    dashed: false))
            shapes.append(
                .text(
                    tick.label, x: x, y: bottom + L.tickLength + 4 + L.tickSize * 0.8, size: L.tickSize,
                    bold: false, color: .black, anchor: .middle, rotated: false))
        }
        for tick in yTicks {
            guard let v = ChartLayout.fraction(tick.value, in: yDomain, scale: chart.y.scale) else { continue }
            let y = (bottom - v * placement.height).rounded() + 0.5
            gridLines.append(.line(x1: left, y1: y, x2: right, y2: y, color: L.gridColor, width: 1, dashed: false))
            frameLines.append(
                .line(
                    x1: left - L.tickLength, y1: y, x2: left, y2: y, color: .black, width: 1,
                    dashed: false))
            shapes.append(
                .text(
                    tick.label, x: left - L.tickLength - 5, y: y + L.tickSize * 0.35, size: L.tickSize,
                    bold: false, color: .black, anchor: .end, rotated: false))
        }
        for (x1, y1, x2, y2) in [
            (left, plotTop, right, plotTop), (left, bottom, right, bottom),
            (left, plotTop, left, bottom), (right, plotTop, right, bottom),
        ] {
            let offset = 0.5
            frameLines.append(
                .line(
                    x1: x1 + (x1 == x2 ? offset : 0), y1: y1 + (y1 == y2 ? offset : 0),
                    x2: x2 + (x1 == x2 ? offset : 0), y2: y2 + (y1 == y2 ? offset : 0),
                    color: .black, width: 1, dashed: false))
        }
        shapes = gridLines + shapes

        // Axis titles.
        shapes.append(
            .text(
                chart.x.label, x: (left + right) / 2, y: originY + height - L.padding, size: L.labelSize,
                bold: false, color: .black, anchor: .middle, rotated: false))
        shapes.append(
            .text(
                chart.y.label, x: originX + L.padding + L.labelSize * 0.8, y: (plotTop + bottom) / 2,
                size: L.labelSize, bold: false, color: .black, anchor: .middle, rotated: true))

        // Markers, then the data on top of the grid, then the frame over the data's ends.
        for marker in chart.markers {
            guard let u = ChartLayout.fraction(marker.x, in: xDomain, scale: chart.x.scale), (0...1).contains(u) else {
                continue
            }
            let x = left + u * placement.width
            shapes.append(.line(x1: x, y1: plotTop, x2: x, y2: bottom, color: marker.color, width: 1.5, dashed: true))
            let labelWidth = measure.width(marker.label, size: L.tickSize)
            let onLeft = x + 6 + labelWidth > right
            shapes.append(
                .text(
                    marker.label, x: onLeft ? x - 6 : x + 6, y: plotTop + 6 + L.tickSize, size: L.tickSize,
                    bold: false, color: marker.color, anchor: onLeft ? .end : .start, rotated: false))
        }
        var drawnRuns: [[(x: Double, y: Double)]] = []
        for (series, color) in zip(chart.series, colors) {
            for run in runs(of: series, in: placement) {
                drawnRuns.append(run)
                var points = Self.thinned(run)
                if points.count == 1 && !series.showsPoints {
                    points.append((x: right, y: points[0].y))  // one value: it holds across the axis
                }
                shapes.append(
                    .curve(
                        points: points, color: color, width: series.lineWidth, dashed: series.dashed,
                        clip: placement))
                if series.showsPoints {
                    shapes += run.map { .dot(x: $0.x, y: $0.y, radius: series.lineWidth + 1.5, color: color) }
                }
            }
        }
        for marker in chart.markers {
            if let y = marker.y, let position = placement.position(of: Point(x: marker.x, y: y)) {
                shapes.append(.dot(x: position.x, y: position.y, radius: 5, color: marker.color))
            }
        }
        shapes += frameLines
        shapes += legend(colors: colors, placement: placement, avoiding: drawnRuns)
        return FigureLayout.ChartDrawing(placement: placement, shapes: shapes)
    }

    private func seriesColors() -> [Color] {
        var next = 0
        return chart.series.map { series in
            if let color = series.color { return color }
            defer { next += 1 }
            return Color.cycle[next % Color.cycle.count]
        }
    }

    /// The stretches of a series the scales can show, in pixels: a NaN or a log of zero breaks the line.
    private func runs(of series: Series, in placement: ChartLayout) -> [[(x: Double, y: Double)]] {
        var runs: [[(x: Double, y: Double)]] = [[]]
        for point in series.points {
            if let position = placement.position(of: point) {
                runs[runs.count - 1].append(position)
            } else if !runs[runs.count - 1].isEmpty {
                runs.append([])
            }
        }
        return runs.filter { !$0.isEmpty }
    }

    /// The axis's fixed range, or the data's span widened when flat, with headroom.
    private func domain(_ axis: Axis, values: [Double]) -> ClosedRange<Double> {
        if let range = axis.range { return range }
        let usable = values.filter { $0.isFinite && (axis.scale == .linear || $0 > 0) }
        switch axis.scale {
        case .log:
            guard var low = usable.min(), var high = usable.max() else { return 1...10 }
            if high / low < 1.0001 { low /= 2; high *= 2 }
            let headroom = pow(high / low, axis.headroom)
            return low / headroom...high * headroom
        case .linear:
            var low = usable.min() ?? 0, high = usable.max() ?? 1
            if axis.includesZero { low = min(0, low); high = max(0, high) }
            if !(high - low > 0) { high = low + (low == 0 ? 1 : abs(low)) }
            let span = high - low
            high += axis.headroom * span
            if low < 0 || !axis.includesZero { low -= axis.headroom * span }
            return low...high
        }
    }

    /// Keeps, for each pixel column, the first, lowest, highest and last points: the picture is
    /// unchanged, but a run of a million iterations does not become a million segments.
    static func thinned(_ points: [(x: Double, y: Double)]) -> [(x: Double, y: Double)] {
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

    /// A box naming the series, in the corner that covers the fewest drawn points.
    private func legend(colors: [Color], placement: ChartLayout, avoiding runs: [[(x: Double, y: Double)]]) -> [Shape] {
        let entries = zip(chart.series, colors).filter { !$0.0.name.isEmpty }
        guard !entries.isEmpty, chart.legend != .hidden else { return [] }
        let size = FigureLayout.tickSize, row = size + 8, sample = 24.0, margin = 10.0
        let boxWidth = 8 + sample + 6 + (entries.map { measure.width($0.0.name, size: size) }.max() ?? 0) + 10
        let boxHeight = 6 + Double(entries.count) * row
        let corners: [LegendPlacement] = [.topRight, .topLeft, .bottomRight, .bottomLeft]
        func origin(_ corner: LegendPlacement) -> (x: Double, y: Double) {
            let leftSide = corner == .topLeft || corner == .bottomLeft
            let topSide = corner == .topLeft || corner == .topRight
            return (
                leftSide ? placement.left + margin : placement.left + placement.width - margin - boxWidth,
                topSide ? placement.top + margin : placement.top + placement.height - margin - boxHeight
            )
        }
        let corner =
            chart.legend != .automatic
            ? chart.legend
            : corners.min { a, b in
                covered(origin(a), boxWidth, boxHeight, runs) < covered(origin(b), boxWidth, boxHeight, runs)
            }!
        let (x, y) = origin(corner)
        var shapes: [Shape] = [
            .box(
                x: x.rounded() + 0.5, y: y.rounded() + 0.5, width: boxWidth.rounded(),
                height: boxHeight.rounded(), fill: FigureLayout.background, stroke: Color(hex: 0xCCCCCC))
        ]
        for (index, (series, color)) in entries.enumerated() {
            let middle = y + 3 + (Double(index) + 0.5) * row
            shapes.append(
                .line(
                    x1: x + 8, y1: middle, x2: x + 8 + sample, y2: middle, color: color,
                    width: series.lineWidth, dashed: series.dashed))
            shapes.append(
                .text(
                    series.name, x: x + 8 + sample + 6, y: middle + size * 0.35, size: size, bold: false,
                    color: .black, anchor: .start, rotated: false))
        }
        return shapes
    }

    /// How much of the drawn lines a box would hide: the runs are walked in steps of 2 pixels, so a
    /// segment crossing the box counts even with its ends outside, and the box is grown by a line's width.
    private func covered(
        _ origin: (x: Double, y: Double), _ width: Double, _ height: Double,
        _ runs: [[(x: Double, y: Double)]]
    ) -> Int {
        let margin = 4.0
        func inside(_ x: Double, _ y: Double) -> Bool {
            x >= origin.x - margin && x <= origin.x + width + margin && y >= origin.y - margin
                && y <= origin.y + height + margin
        }
        var count = 0
        for run in runs {
            if let only = run.first, run.count == 1, inside(only.x, only.y) { count += 1 }
            for (a, b) in zip(run, run.dropFirst()) {
                let steps = max(1, Int((hypot(b.x - a.x, b.y - a.y) / 2).rounded(.up)))
                for step in 0..<steps {
                    let t = Double(step) / Double(steps)
                    if inside(a.x + t * (b.x - a.x), a.y + t * (b.y - a.y)) { count += 1 }
                }
            }
        }
        return count
    }

    /// Greedy line breaking after ", " so that no line is wider than `width` when avoidable.
    private func wrap(_ text: String, size: Double, width: Double) -> [String] {
        guard !text.isEmpty else { return [] }
        var lines: [String] = []
        var current = ""
        for part in text.components(separatedBy: ", ") {
            let candidate = current.isEmpty ? part : current + ", " + part
            if measure.width(candidate, size: size) > width && !current.isEmpty {
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
