/// Errors of datasets, options and the loader; each says what to fix.
public enum DataError: Error, CustomStringConvertible, Equatable {
    case badOption(String)
    case badDataset(path: String, reason: String)
    /// A sample failed to load and the loader was told to stop on the first failure.
    case sampleFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .badOption(let message): message
        case .badDataset(let path, let reason): "\(path): \(reason)"
        case .sampleFailed(let path, let reason): "\(path): \(reason)"
        }
    }
}
