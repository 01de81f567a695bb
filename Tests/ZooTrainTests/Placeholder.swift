import Testing
@testable import ZooTrain
