import ZooTensor
