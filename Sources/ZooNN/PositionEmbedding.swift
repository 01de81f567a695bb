import Foundation
import ZooTensor

/// Load-time resampling of learned embeddings, as timm's `layers/pos_embed.py` and
/// `layers/patch_embed.py`: what lets a checkpoint trained at one image or patch size load into a
/// model built for another.
public enum PositionEmbedding {
    /// timm's `resample_abs_pos_embed`: `posEmbed` [1, prefix + H·W, C] resized to `newGrid`, the
    /// `prefixTokens` (class, register) kept as they are. `oldGrid` defaults to a square.
    public static func resampleAbsolute(
        _ posEmbed: Tensor, newGrid: (Int, Int), oldGrid: (Int, Int)? = nil,
        prefixTokens: Int, mode: InterpolationMode = .bicubic,
        antialias: Bool = true
    ) -> Tensor {
        let tokens = posEmbed.shape[1] - prefixTokens, dim = posEmbed.shape[2]
        let side = Int(Double(tokens).squareRoot())
        let old = oldGrid ?? (side, side)
        if old == newGrid { return posEmbed }
        precondition(old.0 * old.1 == tokens, "position embedding of \(tokens) tokens is not a \(old.0)×\(old.1) grid")
        let grid = posEmbed.slice(1, prefixTokens, posEmbed.shape[1]).reshape([1, old.0, old.1, dim]).permute(
            0, 3, 1, 2)
        let resized = grid.interpolate(size: newGrid, mode: mode, antialias: antialias)
            .permute(0, 2, 3, 1).reshape([1, newGrid.0 * newGrid.1, dim])
        guard prefixTokens > 0 else { return resized.contiguous() }
        return Tensor.concat([posEmbed.slice(1, 0, prefixTokens), resized], dim: 1)
    }

    /// timm's `resample_patch_embed` (FlexiViT): a patch-embedding kernel [out, in, h, w] resized
    /// to `newSize` so that, on images resized by the same factor, the embedding is unchanged: each
    /// kernel is multiplied by the pseudo-inverse of the transposed resize matrix. The resize is
    /// separable, so the pseudo-inverse is the Kronecker product of each axis's.
    public static func resamplePatchKernel(
        _ weight: Tensor, newSize: (Int, Int), mode: InterpolationMode = .bicubic,
        antialias: Bool = true
    ) -> Tensor {
        let (o, i, h, w) = (weight.shape[0], weight.shape[1], weight.shape[2], weight.shape[3])
        if (h, w) == newSize { return weight }
        // F.interpolate of a basis image: rows of resize = output pixels.
        let rows = pseudoInverseOfTranspose(
            Tensor.interpolationMatrix(
                input: h, output: newSize.0, mode: mode,
                alignCorners: false, antialias: antialias))
        let cols = pseudoInverseOfTranspose(
            Tensor.interpolationMatrix(
                input: w, output: newSize.1, mode: mode,
                alignCorners: false, antialias: antialias))
        // kernel' = P_rows · kernel · P_colsᵀ for every (out, in) pair.
        let kernels = weight.to(.float32).reshape([o * i, h, w])
        return rows.matmul(kernels.matmul(cols.T)).reshape([o, i, newSize.0, newSize.1]).contiguous()
    }

    /// pinv(Mᵀ) for a full-rank [new, old] resize matrix M, computed in Double: M(MᵀM)⁻¹ when it
    /// grows (new ≥ old), (MMᵀ)⁻¹M when it shrinks.
    static func pseudoInverseOfTranspose(_ matrix: Tensor) -> Tensor {
        let rows = matrix.shape[0], cols = matrix.shape[1]
        let m = matrix.toArray().map(Double.init)
        func at(_ r: Int, _ c: Int) -> Double { m[r * cols + c] }
        var result = [Double](repeating: 0, count: rows * cols)
        if rows >= cols {
            // G = MᵀM [old, old]; result = M·G⁻¹ [new, old]
            var g = [Double](repeating: 0, count: cols * cols)
            for a in 0..<cols {
                for b in 0..<cols { g[a * cols + b] = (0..<rows).reduce(0) { $0 + at($1, a) * at($1, b) } }
            }
            let inverse = invert(g, cols)
            for r in 0..<rows {
                for c in 0..<cols {
                    result[r * cols + c] = (0..<cols).reduce(0) { $0 + at(r, $1) * inverse[$1 * cols + c] }
                }
            }
        } else {
            // G = MMᵀ [new, new]; result = G⁻¹·M [new, old]
            var g = [Double](repeating: 0, count: rows * rows)
            for a in 0..<rows {
                for b in 0..<rows { g[a * rows + b] = (0..<cols).reduce(0) { $0 + at(a, $1) * at(b, $1) } }
            }
            let inverse = invert(g, rows)
            for r in 0..<rows {
                for c in 0..<cols {
                    result[r * cols + c] = (0..<rows).reduce(0) { $0 + inverse[r * rows + $1] * at($1, c) }
                }
            }
        }
        return Tensor(result.map(Float.init), shape: [rows, cols])
    }

    /// Gauss-Jordan inverse with partial pivoting of an n×n matrix.
    private static func invert(_ matrix: [Double], _ n: Int) -> [Double] {
        var a = matrix, inverse = [Double](repeating: 0, count: n * n)
        for i in 0..<n { inverse[i * n + i] = 1 }
        for column in 0..<n {
            let pivot = (column..<n).max { Swift.abs(a[$0 * n + column]) < Swift.abs(a[$1 * n + column]) }!
            if pivot != column {
                for j in 0..<n {
                    a.swapAt(pivot * n + j, column * n + j); inverse.swapAt(pivot * n + j, column * n + j)
                }
            }
            let scale = 1 / a[column * n + column]
            for j in 0..<n { a[column * n + j] *= scale; inverse[column * n + j] *= scale }
            for r in 0..<n where r != column {
                let factor = a[r * n + column]
                if factor == 0 { continue }
                for j in 0..<n {
                    a[r * n + j] -= factor * a[column * n + j]; inverse[r * n + j] -= factor * inverse[column * n + j]
                }
            }
        }
        return inverse
    }
}

/// A model that adapts a checkpoint made for another configuration of itself before loading it,
/// as timm's per-family `checkpoint_filter_fn` does with the model in hand: position embeddings
/// resampled to its grid, patch kernels to its patch size, relative-position tables to its windows.
public protocol CheckpointAdapting: Module {
    func adaptCheckpoint(_ tensors: [(name: String, tensor: Tensor)]) -> [(name: String, tensor: Tensor)]
}
