// The pictures a fine-tuning run leaves: its curves per epoch, and the learning-rate range test.

import Foundation

extension Figure {
    /// Loss (training and validation) and validation accuracy (top-1, top-5) per epoch, side by side.
    /// Accuracies are fractions and drawn as percentages; a missing value (nil or NaN) leaves a gap.
    ///
    /// ```swift
    /// try Figure.trainingCurves(epochs: [1, 2, 3], trainLoss: [2.1, 1.4, 0.9], validationLoss: [1.9, 1.3, 1.1],
    ///                           top1: [0.4, 0.6, 0.7]).write(to: "out/curves.png")
    /// ```
    public static func trainingCurves(
        title: String = "", epochs: [Int], trainLoss: [Double],
        validationLoss: [Double?] = [], top1: [Double?] = [],
        top5: [Double?] = []
    ) -> Figure {
        func points(_ values: [Double?], scale: Double = 1) -> [Point] {
            zip(epochs, values).map { Point(x: Double($0), y: ($1 ?? .nan) * scale) }
        }
        var losses = [Series("train", points: points(trainLoss), showsPoints: true)]
        if validationLoss.contains(where: { $0 != nil }) {
            losses.append(Series("validation", points: points(validationLoss), showsPoints: true))
        }
        var accuracies: [Series] = []
        if top1.contains(where: { $0 != nil }) {
            accuracies.append(
                Series("top-1", points: points(top1, scale: 100), color: Color.cycle[2], showsPoints: true))
        }
        if top5.contains(where: { $0 != nil }) {
            accuracies.append(
                Series(
                    "top-5", points: points(top5, scale: 100), color: Color.cycle[3], showsPoints: true,
                    dashed: true))
        }
        let epochAxis = Axis("epoch", integerTicks: true, headroom: 0.03)
        var charts = [
            Chart(
                title: "loss", x: epochAxis, y: Axis("loss", includesZero: true, headroom: 0.05),
                series: losses)
        ]
        if !accuracies.isEmpty {
            charts.append(
                Chart(
                    title: "validation accuracy", x: epochAxis, y: Axis("accuracy (%)", range: 0...100),
                    series: accuracies))
        }
        return Figure(title: title, charts: charts, width: charts.count == 1 ? 900 : 1200, height: 520)
    }

    /// The learning-rate range test: smoothed loss against a logarithmic learning rate, with the
    /// suggested rate marked.
    public static func lrFinder(
        title: String = "learning-rate range test", learningRates: [Double],
        losses: [Double], suggestion: Double? = nil
    ) -> Figure {
        let points = zip(learningRates, losses).map { Point(x: $0, y: $1) }
        var markers: [Marker] = []
        if let suggestion {
            let nearest = zip(learningRates, losses).min { abs(log($0.0 / suggestion)) < abs(log($1.0 / suggestion)) }
            markers.append(Marker(x: suggestion, y: nearest?.1, label: String(format: "suggested %.3g", suggestion)))
        }
        return Figure(
            Chart(
                title: title, x: Axis("learning rate", scale: .log), y: Axis("loss (smoothed)", headroom: 0.05),
                series: [Series(points: points)], markers: markers))
    }
}
