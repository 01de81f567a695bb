/// Shell-style wildcards, matched exactly as timm's `list_models` matches them.
///
/// timm filters names with Python's `fnmatch.filter`, which on Linux and macOS is case-sensitive
/// (`fnmatchcase`). The pattern language:
///
/// - `*` matches any run of characters, including none and including `.`;
/// - `?` matches one character;
/// - `[seq]` matches one character in `seq` (`a-z` ranges allowed), `[!seq]` one not in it;
/// - a `[` without a closing `]` is a literal `[`; there is no escape character.
///
/// The bracket rules follow CPython 3.11's `fnmatch.translate` to the letter (a `]` right after
/// `[` or `[!` is a member, a reversed range like `z-a` is dropped, a `-` first or last is a member),
/// because the fixtures that check us come from Python.
///
/// ```swift
/// let pattern = FnMatchPattern("resnet5?d*")
/// pattern.matches("resnet50d")        // true
/// pattern.matches("resnet50d.ra2_in1k") // true
/// ```
public struct FnMatchPattern: Sendable, Hashable, CustomStringConvertible {
    /// The pattern as written.
    public let pattern: String
    private let elements: [Element]

    /// Compiles `pattern`; every string is a valid pattern.
    public init(_ pattern: String) {
        self.pattern = pattern
        self.elements = Self.compile(Array(pattern.unicodeScalars))
    }

    public var description: String { pattern }

    /// Whether the whole of `name` matches the pattern (case-sensitive).
    public func matches(_ name: String) -> Bool {
        // Classic wildcard matching with one backtrack point: every element but `*` consumes exactly
        // one character, so retrying from the most recent `*` is enough (Python gets the same result
        // with atomic groups).
        let name = Array(name.unicodeScalars)
        var patternIndex = 0, nameIndex = 0
        var lastStar: (patternIndex: Int, nameIndex: Int)? = nil
        while nameIndex < name.count {
            if patternIndex < elements.count {
                switch elements[patternIndex] {
                case .anyRun:
                    lastStar = (patternIndex, nameIndex)
                    patternIndex += 1
                    continue
                case .one(let set) where set.contains(name[nameIndex]):
                    patternIndex += 1
                    nameIndex += 1
                    continue
                case .one:
                    break
                }
            }
            guard let star = lastStar else { return false }
            lastStar = (star.patternIndex, star.nameIndex + 1)
            patternIndex = star.patternIndex + 1
            nameIndex = star.nameIndex + 1
        }
        while patternIndex < elements.count, elements[patternIndex] == .anyRun { patternIndex += 1 }
        return patternIndex == elements.count
    }
}

/// Whether `name` matches the shell-style `pattern`; see ``FnMatchPattern``.
public func fnmatch(_ name: String, _ pattern: String) -> Bool {
    FnMatchPattern(pattern).matches(name)
}

// MARK: - Compiling

extension FnMatchPattern {
    /// One step of a compiled pattern.
    fileprivate enum Element: Hashable, Sendable {
        case anyRun  // `*`
        case one(CharacterSet)  // a literal, `?` or a bracket expression
    }

    /// A set of single characters: ranges of scalar values, possibly negated.
    fileprivate struct CharacterSet: Hashable, Sendable {
        var negated: Bool
        var ranges: [ClosedRange<UInt32>]

        static func literal(_ scalar: Unicode.Scalar) -> Self {
            Self(negated: false, ranges: [scalar.value...scalar.value])
        }
        static let anyCharacter = Self(negated: true, ranges: [])
        static let noCharacter = Self(negated: false, ranges: [])

        func contains(_ scalar: Unicode.Scalar) -> Bool {
            ranges.contains { $0.contains(scalar.value) } != negated
        }
    }

    fileprivate static func compile(_ pattern: [Unicode.Scalar]) -> [Element] {
        var elements: [Element] = []
        var index = 0
        while index < pattern.count {
            let scalar = pattern[index]
            index += 1
            switch scalar {
            case "*":
                if elements.last != .anyRun { elements.append(.anyRun) }
            case "?":
                elements.append(.one(.anyCharacter))
            case "[":
                // Find the closing bracket; a `]` right after `[` or `[!` is a member, not the end.
                var end = index
                if end < pattern.count, pattern[end] == "!" { end += 1 }
                if end < pattern.count, pattern[end] == "]" { end += 1 }
                while end < pattern.count, pattern[end] != "]" { end += 1 }
                if end >= pattern.count {
                    elements.append(.one(.literal("[")))
                } else {
                    elements.append(.one(bracketExpression(Array(pattern[index..<end]))))
                    index = end + 1
                }
            default:
                elements.append(.one(.literal(scalar)))
            }
        }
        return elements
    }

    /// The set for the text between `[` and `]`, following CPython 3.11's `fnmatch.translate`
    /// (which cuts the text into chunks at range hyphens and drops reversed ranges) and then the
    /// way Python's regex engine reads the resulting character class.
    private static func bracketExpression(_ body: [Unicode.Scalar]) -> CharacterSet {
        let negated = body.first == "!"
        let hyphen: Unicode.Scalar = "-"

        // Chunks are the runs between range hyphens; the first member (after `!`) is never a range start.
        var chunks: [[Unicode.Scalar]] = []
        var chunkStart = 0
        var searchFrom = negated ? 2 : 1
        while searchFrom < body.count, let found = body[searchFrom...].firstIndex(of: hyphen) {
            chunks.append(Array(body[chunkStart..<found]))
            chunkStart = found + 1
            searchFrom = found + 3
        }
        let lastChunk = Array(body[min(chunkStart, body.count)...])
        if !lastChunk.isEmpty || chunks.isEmpty {
            chunks.append(lastChunk)
        } else {
            chunks[chunks.count - 1].append(hyphen)  // a trailing `-` is a member
        }

        // Drop reversed ranges such as `z-a` by joining their neighbours.
        var chunkIndex = chunks.count - 1
        while chunkIndex > 0 {
            if let rangeStart = chunks[chunkIndex - 1].last, let rangeEnd = chunks[chunkIndex].first,
                rangeStart.value > rangeEnd.value
            {
                chunks[chunkIndex - 1] = chunks[chunkIndex - 1].dropLast() + chunks[chunkIndex].dropFirst()
                chunks.remove(at: chunkIndex)
            }
            chunkIndex -= 1
        }

        // Read members left to right: chunk characters are literals, and a chunk boundary makes a
        // range of the characters on either side unless the left one already ended a range.
        enum Token: Equatable {
            case character(Unicode.Scalar)
            case rangeOperator
        }
        var tokens: [Token] = []
        for (position, chunk) in chunks.enumerated() {
            if position > 0 { tokens.append(.rangeOperator) }
            tokens += chunk.map(Token.character)
        }
        if negated { tokens.removeFirst() }  // the `!`
        if tokens.isEmpty { return negated ? .anyCharacter : .noCharacter }

        func scalarValue(_ token: Token) -> UInt32 {
            if case .character(let scalar) = token { return scalar.value }
            return hyphen.value
        }
        var ranges: [ClosedRange<UInt32>] = []
        var position = 0
        while position < tokens.count {
            let low = scalarValue(tokens[position])
            position += 1
            if position + 1 < tokens.count, tokens[position] == .rangeOperator {
                let high = scalarValue(tokens[position + 1])
                position += 2
                if low <= high { ranges.append(low...high) }
            } else {
                ranges.append(low...low)
            }
        }
        return CharacterSet(negated: negated, ranges: ranges)
    }
}
