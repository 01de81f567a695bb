import Foundation
import ZooTensor

/// Where one sample's pixels come from.
public enum Sample: Sendable {
    /// An image file, decoded when the loader needs it.
    case file(String)
    case image(Image)
    /// A ready model input [C, H, W], used as is (no transform).
    case tensor(Tensor)
}

/// Labelled samples and the names of their classes (which travel into checkpoints).
public protocol ImageDataset: Sendable {
    var count: Int { get }
    var classNames: [String] { get }
    func sample(at index: Int) -> (sample: Sample, label: Int)
}

/// torchvision's `ImageFolder`: one class per subfolder of `root`, classes sorted by name (byte
/// order, as Python's `sorted`; hidden folders count, as in torchvision), files sorted within each
/// class and kept by extension (torchvision's IMG_EXTENSIONS, case-insensitive).
public struct ImageFolder: ImageDataset {
    public static let extensions: Set<String> = ["jpg", "jpeg", "png", "ppm", "bmp", "pgm", "tif", "tiff", "webp"]

    public let root: String
    public let classNames: [String]
    public let files: [(path: String, label: Int)]

    public init(root: String) throws {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DataError.badDataset(path: root, reason: "not a directory")
        }
        let entries = try fm.contentsOfDirectory(atPath: root)
        let classes = entries.filter { name in
            var dir: ObjCBool = false
            return fm.fileExists(atPath: root + "/" + name, isDirectory: &dir) && dir.boolValue
        }.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        guard !classes.isEmpty else {
            throw DataError.badDataset(path: root, reason: "no class folders (expected ROOT/CLASS/IMAGE)")
        }
        var files = [(String, Int)]()
        for (label, name) in classes.enumerated() {
            let directory = root + "/" + name
            guard let walker = fm.enumerator(atPath: directory) else { continue }
            var found = [String]()
            while let relative = walker.nextObject() as? String {
                let last = (relative as NSString).lastPathComponent
                if Self.extensions.contains((last as NSString).pathExtension.lowercased()) {
                    found.append(directory + "/" + relative)
                }
            }
            files += found.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }.map { ($0, label) }
        }
        guard !files.isEmpty else {
            throw DataError.badDataset(path: root, reason: "no image files in any class folder")
        }
        (self.root, self.classNames, self.files) = (root, classes, files)
    }

    public var count: Int { files.count }
    public func sample(at index: Int) -> (sample: Sample, label: Int) { (.file(files[index].path), files[index].label) }
}

/// A CSV of `path,label` lines (an optional `path,label` header; paths relative to the CSV's
/// folder). Labels are class names, or integers when `classNames` is given; names are sorted.
public struct CSVDataset: ImageDataset {
    public let classNames: [String]
    public let files: [(path: String, label: Int)]

    public init(csv: String, classNames given: [String]? = nil) throws {
        guard let data = FileManager.default.contents(atPath: csv), let text = String(data: data, encoding: .utf8)
        else {
            throw DataError.badDataset(path: csv, reason: "cannot read the CSV file")
        }
        let base = (csv as NSString).deletingLastPathComponent
        var rows = [(String, String)]()
        for (number, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || (number == 0 && trimmed.lowercased().hasPrefix("path,")) { continue }
            guard let comma = trimmed.lastIndex(of: ",") else {
                throw DataError.badDataset(path: csv, reason: "line \(number + 1): expected path,label")
            }
            var path = String(trimmed[..<comma]).trimmingCharacters(in: .whitespaces)
            if path.hasPrefix("\"") && path.hasSuffix("\"") && path.count >= 2 {
                path = String(path.dropFirst().dropLast())
            }
            if !path.hasPrefix("/") { path = base.isEmpty ? path : base + "/" + path }
            rows.append((path, String(trimmed[trimmed.index(after: comma)...]).trimmingCharacters(in: .whitespaces)))
        }
        guard !rows.isEmpty else { throw DataError.badDataset(path: csv, reason: "no path,label lines") }
        if let given {
            files = try rows.enumerated().map { number, row in
                guard let label = Int(row.1), given.indices.contains(label) else {
                    throw DataError.badDataset(
                        path: csv, reason: "row \(number + 1): label \"\(row.1)\" is not in 0..<\(given.count)")
                }
                return (row.0, label)
            }
            classNames = given
        } else {
            let names = Set(rows.map(\.1)).sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
            let index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
            files = rows.map { ($0.0, index[$0.1]!) }
            classNames = names
        }
    }

    public var count: Int { files.count }
    public func sample(at index: Int) -> (sample: Sample, label: Int) { (.file(files[index].path), files[index].label) }
}

/// Samples already in memory: images (transformed by the loader) or model-ready tensors.
public struct InMemoryDataset: ImageDataset {
    public let samples: [Sample]
    public let labels: [Int]
    public let classNames: [String]

    public init(images: [Image], labels: [Int], classNames: [String]) {
        precondition(images.count == labels.count, "one label per image")
        (self.samples, self.labels, self.classNames) = (images.map(Sample.image), labels, classNames)
    }

    /// `inputs` [N, C, H, W], one sample per row, used without transforms.
    public init(inputs: Tensor, labels: [Int], classNames: [String]) {
        precondition(inputs.rank == 4 && inputs.shape[0] == labels.count, "inputs [N, C, H, W] with one label per row")
        (self.samples, self.labels, self.classNames) = (
            (0..<labels.count).map { .tensor(inputs.select(0, $0)) }, labels, classNames
        )
    }

    public var count: Int { samples.count }
    public func sample(at index: Int) -> (sample: Sample, label: Int) { (samples[index], labels[index]) }
}

/// Some samples of another dataset, in the order given: one folder split into train and validation.
public struct DatasetSubset: ImageDataset {
    public let base: any ImageDataset
    public let indices: [Int]

    public init(_ base: any ImageDataset, indices: [Int]) {
        self.base = base
        self.indices = indices
    }

    public var count: Int { indices.count }
    public var classNames: [String] { base.classNames }
    public func sample(at index: Int) -> (sample: Sample, label: Int) { base.sample(at: indices[index]) }

    /// A split fixed by `seed`: the samples shuffled, the first `validationFraction` of them
    /// (rounded, at least one, never all) for validation; each part keeps the base's order.
    public static func split(
        _ base: any ImageDataset, validationFraction: Double, seed: UInt64
    ) -> (train: DatasetSubset, validation: DatasetSubset) {
        var order = Array(0..<base.count)
        var generator = RandomGenerator(seed: seed)
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, generator.randint(0, i)) }
        let held = min(max(1, Int((Double(base.count) * validationFraction).rounded())), max(0, base.count - 1))
        return (
            DatasetSubset(base, indices: order[held...].sorted()), DatasetSubset(base, indices: order[..<held].sorted())
        )
    }
}
