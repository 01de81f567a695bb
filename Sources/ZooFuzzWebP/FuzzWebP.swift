// libFuzzer target for the WebP decoder (docs/fuzzing.md). Built with ZOO_FUZZING and
// -sanitize=fuzzer it fuzzes; a plain build replays the files named on its command line.
import Foundation
@_spi(Fuzzing) import ZooCheckpoint
@_spi(Fuzzing) import ZooData

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    ImageFuzzing.webp(UnsafeRawBufferPointer(start: start, count: count))
    return 0
}

#if ZOO_FUZZING
    // SwiftPM links executables with main = <target>_main; here that entry hands over to libFuzzer.
    @_cdecl("ZooFuzzWebP_main")
    public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
        CheckpointFuzzing.runLibFuzzer(argc, argv, fuzzOneInput)
    }
#else
    @main enum Replay { static func main() { CheckpointFuzzing.replay(fuzzOneInput) } }
#endif
