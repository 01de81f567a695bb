// `zoo finetune --val-split F`: one folder split into train and validation, the same split for the
// same seed, disjoint and covering every sample.

import Testing
import ZooTensor

@testable import ZooData

@Suite struct DatasetSubsetTests {
    static let base = InMemoryDataset(
        inputs: Tensor(zeros: [20, 1, 2, 2]), labels: (0..<20).map { $0 % 2 }, classNames: ["a", "b"])

    @Test func aSplitIsFixedBySeedDisjointAndComplete() {
        let first = DatasetSubset.split(Self.base, validationFraction: 0.25, seed: 7)
        let again = DatasetSubset.split(Self.base, validationFraction: 0.25, seed: 7)
        let other = DatasetSubset.split(Self.base, validationFraction: 0.25, seed: 8)
        #expect(first.validation.indices == again.validation.indices)
        #expect(first.validation.indices != other.validation.indices)
        #expect(first.validation.count == 5 && first.train.count == 15)
        #expect(Set(first.train.indices + first.validation.indices) == Set(0..<20))
        #expect(first.train.indices == first.train.indices.sorted())
        #expect(first.validation.classNames == ["a", "b"])
        let index = first.validation.indices[0]
        #expect(first.validation.sample(at: 0).label == index % 2)
        // The held-out part is never empty nor everything.
        #expect(DatasetSubset.split(Self.base, validationFraction: 0.001, seed: 1).validation.count == 1)
        #expect(DatasetSubset.split(Self.base, validationFraction: 0.999, seed: 1).train.count == 1)
    }
}
