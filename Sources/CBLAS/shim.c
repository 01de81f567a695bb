// Empty: CBLAS is a header-only target that links the system BLAS.
