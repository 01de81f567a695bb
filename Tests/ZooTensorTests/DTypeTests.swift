import Foundation
import Testing

@testable import ZooTensor

/// Storage dtypes convert as PyTorch's `.to(dtype)` does (fixtures from real PyTorch).
@Suite struct DTypeTests {
    struct Conversions: Decodable {
        let float32_bits: [UInt32]
        let float16_bits: [UInt16]
        let bfloat16_bits: [UInt16]
        let int_sources: [Double]
        let int64: [Int]
        let int32: [Int]
        let uint8_from_positive: [Int]
        let bool: [Int]
    }

    static func conversions() throws -> Conversions {
        struct File: Decodable { let conversions: Conversions }
        return try JSONDecoder().decode(File.self, from: Data(contentsOf: opsFixtureURL())).conversions
    }

    @Test func halfAndBFloat16RoundLikePyTorch() throws {
        let c = try Self.conversions()
        let floats = c.float32_bits.map { Float(bitPattern: $0) }
        let x = Tensor(floats, shape: [floats.count])
        let half = x.to(.float16), brain = x.to(.bfloat16)
        for i in floats.indices {
            let h = half.storage.bytes.load(fromByteOffset: i * 2, as: UInt16.self)
            let b = brain.storage.bytes.load(fromByteOffset: i * 2, as: UInt16.self)
            #expect(h == c.float16_bits[i], "float16 of \(floats[i]): \(h) vs \(c.float16_bits[i])")
            #expect(b == c.bfloat16_bits[i], "bfloat16 of \(floats[i]): \(b) vs \(c.bfloat16_bits[i])")
        }
        // Back to float32 is exact: every half and bfloat16 value is a float32 value.
        #expect(half.to(.float32).to(.float16).contiguousBytes() == half.contiguousBytes())
        #expect(brain.to(.float32).to(.bfloat16).contiguousBytes() == brain.contiguousBytes())
    }

    @Test func integerAndBoolConversions() throws {
        let c = try Self.conversions()
        let x = Tensor(c.int_sources.map { Float($0) }, shape: [c.int_sources.count])
        #expect(x.to(.int64).toInts() == c.int64)
        #expect(x.to(.int32).toInts() == c.int32)
        #expect(x.abs().to(.uint8).toInts() == c.uint8_from_positive)
        #expect(x.to(.bool).toInts() == c.bool)
    }

    @Test func everyDTypeRoundTripsThroughFloat64() {
        let values: [Double] = [0, 1, 2, 100, 7]
        for dtype in DType.allCases {
            let t = Tensor(values, shape: [5], dtype: dtype)
            let expected = dtype == .bool ? values.map { $0 != 0 ? 1 : 0 } : values
            #expect(t.to(.float64).toDoubles() == expected, "\(dtype)")
            #expect(t.contiguousBytes().count == 5 * dtype.byteSize)
        }
    }

    @Test func viewsShareStorage() {
        let x = Tensor((0..<12).map(Float.init), shape: [3, 4])
        let column = x.slice(1, 1, 2)
        #expect(column.storage === x.storage && column.toArray() == [1, 5, 9])
        column.assign(Tensor([-1, -2, -3], shape: [3, 1]))
        #expect(x.toArray()[1] == -1 && x.toArray()[9] == -3)
        #expect(x.T.isContiguous == false && x.T.contiguous().isContiguous)
        #expect(x.T.contiguous().toArray() == [0, 4, 8, -1, -2, -3, 2, 6, 10, 3, 7, 11])
        #expect(x.expand([2, 3, 4]).strides == [0, 4, 1])
        #expect(x.reshape([4, 3]).storage === x.storage)
    }

    @Test func noGraphWhereNothingRequiresGrad() {
        let w = Tensor([1, 2], requiresGrad: true)
        let frozen = Tensor([3, 4])
        #expect((frozen * 2).gradFn == nil)
        #expect((frozen * w).gradFn != nil)
        withNoGrad { #expect((frozen * w).gradFn == nil) }
        let y = (frozen * w).sum()
        y.backward()
        #expect(w.grad?.toArray() == [3, 4] && frozen.grad == nil)
    }

    @Test func gradientsAccumulateIntoLeaves() {
        let w = Tensor([1, 2, 3], requiresGrad: true)
        (w * w).sum().backward()
        (w * 3).sum().backward()
        #expect(w.grad?.toArray() == [5, 7, 9])
    }
}
