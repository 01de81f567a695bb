// libFuzzer target for the pickle parser (docs/fuzzing.md). Built with ZOO_FUZZING and
// -sanitize=fuzzer it fuzzes; a plain build replays the files named on its command line.
import Foundation
@_spi(Fuzzing) import ZooCheckpoint

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    CheckpointFuzzing.pickle(UnsafeRawBufferPointer(start: start, count: count))
    return 0
}

#if ZOO_FUZZING
// SwiftPM links executables with main = <target>_main; here that entry hands over to libFuzzer.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ body: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

@_cdecl("ZooFuzzPickle_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, fuzzOneInput)
}
#else
@main enum Replay {
    static func main() {
        exit(CheckpointFuzzing.replay(Array(CommandLine.arguments.dropFirst())) {
            _ = fuzzOneInput($0.baseAddress?.assumingMemoryBound(to: UInt8.self), $0.count)
        })
    }
}
#endif
