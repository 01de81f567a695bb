import Testing
@testable import ZooCheckpoint
