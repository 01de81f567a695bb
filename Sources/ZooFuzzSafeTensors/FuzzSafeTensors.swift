// libFuzzer target for the safetensors parser (docs/fuzzing.md). Built with ZOO_FUZZING and
// -sanitize=fuzzer it fuzzes; a plain build replays the files named on its command line.
import Foundation
@_spi(Fuzzing) import ZooCheckpoint

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    CheckpointFuzzing.safetensors(UnsafeRawBufferPointer(start: start, count: count))
    return 0
}

#if ZOO_FUZZING
    // SwiftPM links executables with main = <target>_main; here that entry hands over to libFuzzer.
    @_cdecl("ZooFuzzSafeTensors_main")
    public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
        CheckpointFuzzing.runLibFuzzer(argc, argv, fuzzOneInput)
    }
#else
    @main enum Replay { static func main() { CheckpointFuzzing.replay(fuzzOneInput) } }
#endif
