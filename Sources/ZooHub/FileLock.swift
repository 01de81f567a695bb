import Foundation

/// An exclusive advisory lock on a file (flock): concurrent pulls of one file, in this process or
/// another, wait for each other so the file is downloaded once. Released on close or process exit.
public final class FileLock {
    private let descriptor: Int32
    public let path: String

    /// Blocks until the lock at `path` is held.
    public init(path: String) throws {
        self.path = path
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true)
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw HubError.lockFailed(path, String(cString: strerror(errno))) }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else {
                let reason = String(cString: strerror(errno))
                close(descriptor)
                throw HubError.lockFailed(path, reason)
            }
        }
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }

    /// Runs `body` holding the lock at `path`.
    public static func withLock<R>(at path: String, _ body: () throws -> R) throws -> R {
        let lock = try FileLock(path: path)
        return try withExtendedLifetime(lock) { try body() }
    }
}
