// The embedded default zoo travels inside the binary (CEmbeddedZoo) and is unpacked once into
// the zoo home, so an installed or copied `zoo` finds it without the source tree it was built from.

import CEmbeddedZoo
import Foundation
import ZooCheckpoint

/// The files of the repository's `zoo/` folder as compiled in, and their unpacked copy.
public enum EmbeddedZoo {
    /// Each file's path inside the zoo folder and its bytes (static memory of the binary).
    public static var files: [(path: String, bytes: UnsafeBufferPointer<UInt8>)] {
        var count = 0
        guard let table = zoo_embedded_files(&count) else { return [] }
        return (0..<count).map { index in
            let file = table[index]
            return (String(cString: file.path), UnsafeBufferPointer(start: file.bytes, count: file.size))
        }
    }

    /// The folder the embedded files are unpacked into: `<home>/embedded/<digest of the files>`,
    /// written once (a scratch folder renamed into place, so concurrent processes agree) and
    /// reused while its files have the embedded sizes.
    public static func unpacked(in home: ZooHome) throws -> URL {
        let files = self.files
        let folder = home.root.appendingPathComponent("embedded").appendingPathComponent(digest)
        if isComplete(folder, files) { return folder }
        let manager = FileManager.default
        try manager.createDirectory(at: folder.deletingLastPathComponent(), withIntermediateDirectories: true)
        let scratch = folder.deletingLastPathComponent()
            .appendingPathComponent(".\(folder.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? manager.removeItem(at: scratch) }
        for file in files {
            let url = scratch.appendingPathComponent(file.path)
            try manager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(buffer: file.bytes).write(to: url, options: .atomic)
        }
        if manager.fileExists(atPath: folder.path) {
            // A damaged copy (a file of the wrong size): moved aside first, as rename cannot replace a folder.
            let damaged = scratch.appendingPathExtension("damaged")
            if rename(folder.path, damaged.path) == 0 { try? manager.removeItem(at: damaged) }
        }
        if rename(scratch.path, folder.path) != 0 && !isComplete(folder, files) {
            throw CheckpointError.io(
                path: folder.path, operation: "unpack the embedded zoo",
                reason: String(cString: strerror(errno)))
        }
        return folder
    }

    /// Names the unpacked folder: another build's zoo never reuses this one's files.
    private static let digest: String = {
        let hasher = SHA256Hasher()
        for file in files {
            hasher.update(Data(file.path.utf8))
            hasher.update(UnsafeRawBufferPointer(file.bytes))
        }
        return String(hasher.finalizeHex().prefix(16))
    }()

    private static func isComplete(_ folder: URL, _ files: [(path: String, bytes: UnsafeBufferPointer<UInt8>)]) -> Bool
    {
        files.allSatisfy { file in
            let attributes = try? FileManager.default.attributesOfItem(
                atPath: folder.appendingPathComponent(file.path).path)
            return (attributes?[.size] as? NSNumber)?.intValue == file.bytes.count
        }
    }
}
