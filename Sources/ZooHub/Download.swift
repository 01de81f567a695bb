import CCurl
import Foundation

/// Bytes received so far of one transfer, for progress bars.
public struct TransferProgress: Sendable {
    public let url: String
    public let received: Int64
    /// Total size when the server said it.
    public let total: Int64?
    public let elapsed: Double
}

/// Downloads one URL (http, https, file) into a `.part` file with libcurl, resuming what an earlier
/// attempt left with a Range request, and retrying when the connection drops mid-file.
public enum Download {
    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    /// A bearer token for one origin (the Hugging Face endpoint): sent only to a URL on that
    /// origin, and never along a redirect to another host or port.
    public struct Authorization: Sendable, Equatable {
        public let origin: String
        public let token: String

        public init(origin: String, token: String) {
            self.origin = origin
            self.token = token
        }
    }

    /// Whether two URLs share scheme, host and port (the default port filled in).
    public static func sameOrigin(_ a: String, _ b: String) -> Bool {
        func origin(_ text: String) -> (String, String, Int)? {
            guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(),
                let host = url.host?.lowercased(), !host.isEmpty
            else { return nil }
            let port = url.port ?? (scheme == "https" ? 443 : scheme == "http" ? 80 : -1)
            return (scheme, host, port)
        }
        guard let left = origin(a), let right = origin(b) else { return false }
        return left == right
    }

    /// Fetches `url` into `partial`, appending to what is already there. Returns the final size.
    /// HTTP errors (4xx, 5xx) fail at once, naming the URL; dropped connections are resumed up to
    /// `attempts` times.
    ///
    /// With a `hasher` (following `partial`), every write is reported to it, so the file's SHA-256
    /// is computed alongside the transfer on another core.
    @discardableResult
    public static func fetch(
        _ url: String, to partial: URL, attempts: Int = 5, hasher: GrowingFileHasher? = nil,
        authorization: Authorization? = nil,
        progress: ((TransferProgress) -> Void)? = nil
    ) throws -> Int64 {
        _ = globalInit
        var lastReason = ""
        let start = Date()
        for _ in 0..<max(attempts, 1) {
            let existing = (try? FileManager.default.attributesOfItem(atPath: partial.path)[.size] as? Int64) ?? 0
            let outcome = try transfer(
                url, to: partial, resumeFrom: existing, start: start, hasher: hasher,
                authorization: authorization, progress: progress)
            switch outcome {
            case .complete(let size):
                progress?(
                    TransferProgress(url: url, received: size, total: size, elapsed: Date().timeIntervalSince(start)))
                return size
            case .retry(let reason): lastReason = reason
            }
        }
        throw HubError.transfer(url: url, reason: "\(lastReason) (gave up after \(attempts) attempts)")
    }

    private enum Outcome { case complete(Int64), retry(String) }

    /// State the C write callback reaches through its context pointer.
    private final class Transfer {
        let url: String
        let descriptor: Int32
        let resumeFrom: Int64
        let handle: UnsafeMutableRawPointer
        let start: Date
        let hasher: GrowingFileHasher?
        let progress: ((TransferProgress) -> Void)?
        var written: Int64 = 0
        var status = 0
        var checkedStatus = false
        /// Whether the bytes continue the file's existing prefix (206, or file:// which honors it silently).
        var continues = false
        var reportedToHasher: Int64 = 0
        var lastReport = Date.distantPast
        var failure: Error?

        init(
            url: String, descriptor: Int32, resumeFrom: Int64, handle: UnsafeMutableRawPointer, start: Date,
            hasher: GrowingFileHasher?, progress: ((TransferProgress) -> Void)?
        ) {
            (self.url, self.descriptor, self.resumeFrom, self.handle, self.start, self.hasher, self.progress) = (
                url, descriptor, resumeFrom, handle, start, hasher, progress
            )
        }

        /// Bytes of the file on disk: what an earlier attempt kept plus what this one wrote.
        var total: Int64 { (continues ? resumeFrom : 0) + written }

        func receive(_ data: UnsafeRawPointer, _ count: Int) -> Int {
            if !checkedStatus {
                checkedStatus = true
                status = zoo_curl_response_code(handle)
                if status >= 400 { return 0 }  // aborts; reported as an HTTP error
                // file:// reports no status and honors the offset; a server that ignores Range
                // answers 200 with the whole file: start over.
                continues = resumeFrom > 0 && (status == 206 || status == 0)
                if resumeFrom > 0 && !continues {
                    hasher?.restart()  // first: it must stop reading before the file shrinks
                    ftruncate(descriptor, 0)
                    lseek(descriptor, 0, SEEK_SET)
                }
            }
            var offset = 0
            while offset < count {
                let n = write(descriptor, data + offset, count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = HubError.transfer(
                        url: url, reason: "writing the download: \(String(cString: strerror(errno)))")
                    return 0
                }
                offset += n
            }
            written += Int64(count)
            // Wake the hashing thread per megabyte, not per chunk; `finish` covers the tail.
            if let hasher, total - reportedToHasher >= 1 << 20 {
                reportedToHasher = total
                hasher.advance(to: total)
            }
            if let progress, Date().timeIntervalSince(lastReport) >= 0.1 {
                lastReport = Date()
                let length = zoo_curl_content_length(handle)
                let expected: Int64? = length > 0 ? Int64(length) + (continues ? resumeFrom : 0) : nil
                progress(
                    TransferProgress(
                        url: url, received: total, total: expected, elapsed: Date().timeIntervalSince(start)))
            }
            return count
        }
    }

    private static func transfer(
        _ url: String, to partial: URL, resumeFrom: Int64, start: Date,
        hasher: GrowingFileHasher?, authorization: Authorization?,
        progress: ((TransferProgress) -> Void)?
    ) throws -> Outcome {
        guard let handle = curl_easy_init() else {
            throw HubError.transfer(url: url, reason: "libcurl could not start")
        }
        defer { curl_easy_cleanup(handle) }
        // The token goes in a header only when the URL is on its origin. libcurl drops an
        // Authorization header on a redirect to another host or port unless UNRESTRICTED_AUTH
        // is on, which is set off explicitly (the Hub redirects large files to a CDN).
        var headers: UnsafeMutablePointer<curl_slist>?
        if let authorization, sameOrigin(url, authorization.origin) {
            headers = curl_slist_append(nil, "Authorization: Bearer \(authorization.token)")
        }
        defer { curl_slist_free_all(headers) }
        zoo_curl_set_long(handle, CURLOPT_UNRESTRICTED_AUTH, 0)
        if let headers { zoo_curl_set_pointer(handle, CURLOPT_HTTPHEADER, headers) }
        let descriptor = open(partial.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw HubError.transfer(
                url: url, reason: "cannot write \(partial.path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        let state = Transfer(
            url: url, descriptor: descriptor, resumeFrom: resumeFrom, handle: handle, start: start,
            hasher: hasher, progress: progress)
        let context = Unmanaged.passUnretained(state).toOpaque()

        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let code: CURLcode = url.withCString { cURL in
            errorBuffer.withUnsafeMutableBufferPointer { errors in
                zoo_curl_set_string(handle, CURLOPT_URL, cURL)
                zoo_curl_set_pointer(handle, CURLOPT_ERRORBUFFER, errors.baseAddress)
                zoo_curl_set_long(handle, CURLOPT_FOLLOWLOCATION, 1)
                zoo_curl_set_long(handle, CURLOPT_MAXREDIRS, 10)
                zoo_curl_set_long(handle, CURLOPT_NOSIGNAL, 1)
                zoo_curl_set_long(handle, CURLOPT_CONNECTTIMEOUT, 30)
                // A transfer slower than 1 KB/s for 60 s counts as dropped and is resumed.
                zoo_curl_set_long(handle, CURLOPT_LOW_SPEED_LIMIT, 1024)
                zoo_curl_set_long(handle, CURLOPT_LOW_SPEED_TIME, 60)
                zoo_curl_set_long(handle, CURLOPT_BUFFERSIZE, 2 * 1024 * 1024)
                zoo_curl_set_string(handle, CURLOPT_USERAGENT, "zoo/0.1")
                // CURLOPT_RANGE, not RESUME_FROM: libcurl then leaves a 200 answer (a server that
                // ignores Range) to the write callback, which starts the file over.
                if resumeFrom > 0 { zoo_curl_set_string(handle, CURLOPT_RANGE, "\(resumeFrom)-") }
                zoo_curl_set_pointer(handle, CURLOPT_WRITEDATA, context)
                zoo_curl_set_write_callback(handle) { data, size, count, context in
                    guard let data, let context else { return 0 }
                    let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
                    return transfer.receive(UnsafeRawPointer(data), size * count)
                }
                return curl_easy_perform(handle)
            }
        }
        if let failure = state.failure { throw failure }
        let status = state.status != 0 ? state.status : zoo_curl_response_code(handle)
        if status >= 400 {
            // 416: the partial file already holds every byte; the caller's checksum decides.
            if status == 416 && resumeFrom > 0 { return .complete(resumeFrom) }
            throw HubError.httpStatus(url: url, status: status)
        }
        switch code {
        case CURLE_OK:
            // No fsync here: the hub verifies, converts and syncs what it keeps; a crash before
            // that leaves a .part that the next pull resumes and re-verifies.
            return .complete(state.checkedStatus ? state.total : resumeFrom)
        case CURLE_PARTIAL_FILE, CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_GOT_NOTHING, CURLE_OPERATION_TIMEDOUT,
            CURLE_HTTP2, CURLE_HTTP2_STREAM:
            return .retry(cString(errorBuffer))
        default:
            let message = cString(errorBuffer)
            throw HubError.transfer(
                url: url, reason: message.isEmpty ? String(cString: curl_easy_strerror(code)) : message)
        }
    }
}

private func cString(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
