@_exported import ZooCheckpoint
@_exported import ZooData
@_exported import ZooDistributed
@_exported import ZooHub
@_exported import ZooModels
@_exported import ZooNN
@_exported import ZooPlot
@_exported import ZooRegistry
// The umbrella library: `import Zoo` brings the whole public API.
@_exported import ZooTensor
@_exported import ZooTrain
