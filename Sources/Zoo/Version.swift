extension Zoo {
    /// This package's version (`zoo --version`).
    public static let version = "0.1.0"

    /// Which kernels run the engine's matrix products on this machine, for `zoo --version` and
    /// benchmark reports: the BLAS build and the core type it chose for this CPU.
    public static var kernelPath: String {
        let configuration = BLAS.configuration
        let core = BLAS.coreName
        return configuration == core ? core : "\(configuration) (core \(core), \(BLAS.threads) threads)"
    }
}
