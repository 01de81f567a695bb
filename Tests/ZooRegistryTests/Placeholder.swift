import Testing
@testable import ZooRegistry
