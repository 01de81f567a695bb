extension Zoo {
    /// This package's version (`zoo --version`).
    public static let version = "0.1.0"

    /// Which kernels run the engine on this machine, for `zoo --version`: the convolution and GEMM
    /// path (`KernelPath.summary`) and the BLAS build.
    public static var kernelPath: String {
        "\(KernelPath.summary); \(BLAS.configuration)"
    }
}
