import Testing
@testable import ZooTensor
