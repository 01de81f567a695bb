import Foundation

#if canImport(Glibc)
    import Glibc
    private let systemWrite = Glibc.write
#elseif canImport(Darwin)
    import Darwin
    private let systemWrite = Darwin.write
#endif

/// Writes a file so that it appears complete or not at all: bytes go to a temporary file in the
/// destination's directory, which is fsynced and renamed over the destination on success and
/// removed on any failure. Public for the other layers' files that matter (plots, training checkpoints).
public final class AtomicFileWriter {
    let destination: String
    let temporaryPath: String
    private var descriptor: Int32
    private var buffer: [UInt8] = []
    private(set) var offset: Int = 0
    private var finished = false

    init(destination: String) throws {
        self.destination = destination
        let url = URL(fileURLWithPath: destination)
        let directory = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CheckpointError.io(
                path: destination, operation: "create", reason: "directory \(directory) does not exist")
        }
        temporaryPath =
            directory + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        if descriptor < 0 {
            throw CheckpointError.io(path: destination, operation: "create \(temporaryPath)", reason: errnoText())
        }
        buffer.reserveCapacity(1 << 16)
    }

    deinit { abandon() }

    /// Small writes are gathered; large ones go straight to the file.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        if bytes.count >= 1 << 16 {
            try flush()
            try writeAll(bytes)
        } else {
            buffer.append(contentsOf: bytes)
            if buffer.count >= 1 << 16 { try flush() }
        }
        offset += bytes.count
    }

    public func write(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try write($0) } }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { try writeAll($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < bytes.count {
            let written = systemWrite(descriptor, bytes.baseAddress! + done, min(bytes.count - done, 1 << 30))
            if written < 0 {
                if errno == EINTR { continue }
                throw CheckpointError.io(path: destination, operation: "write", reason: errnoText())
            }
            done += written
        }
    }

    /// Makes the file durable and visible under its final name.
    func commit() throws {
        try flush()
        if fsync(descriptor) != 0 {
            throw CheckpointError.io(path: destination, operation: "fsync", reason: errnoText())
        }
        close(descriptor)
        descriptor = -1
        if rename(temporaryPath, destination) != 0 {
            let reason = errnoText()
            unlink(temporaryPath)
            finished = true
            throw CheckpointError.io(
                path: destination, operation: "rename the finished file into place", reason: reason)
        }
        finished = true
        // The rename itself is durable only once the directory is synced.
        let directory = open(URL(fileURLWithPath: destination).deletingLastPathComponent().path, O_RDONLY | O_CLOEXEC)
        if directory >= 0 { fsync(directory); close(directory) }
    }

    /// Removes the temporary file; nothing is left behind.
    func abandon() {
        guard !finished else { return }
        finished = true
        if descriptor >= 0 { close(descriptor); descriptor = -1 }
        unlink(temporaryPath)
    }

    /// Runs `body` against a fresh writer and commits; any error removes the partial file.
    public static func write(to destination: String, _ body: (AtomicFileWriter) throws -> Void) throws {
        let writer = try AtomicFileWriter(destination: destination)
        do {
            try body(writer)
            try writer.commit()
        } catch {
            writer.abandon()
            throw error
        }
    }
}
