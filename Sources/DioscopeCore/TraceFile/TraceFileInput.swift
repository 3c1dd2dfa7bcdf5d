#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only trace file seen through one reused buffer ("window"):
/// ``bytes(at:count:)`` returns a pointer to any byte range, refilling the
/// window with `pread` when the range is not in it. Sequential readers thus
/// use memory independent of the file's length. An input made from bytes
/// in memory (``init(bytes:name:)``) is one window holding everything.
final class TraceFileInput {
    let path: String
    /// File size when opened; bytes appended later are not read.
    let size: Int
    private let fd: Int32
    private var buffer: UnsafeMutableRawPointer
    /// Bytes of the window (it grows only for a single range larger than it).
    private(set) var capacity: Int
    private var windowStart = 0
    private var windowLength = 0

    /// Default window: 1 MiB (a few 4096-record chunks per `pread`).
    static let defaultCapacity = 1 << 20

    init(path: String, capacity: Int = TraceFileInput.defaultCapacity) throws {
        self.path = path
        var st = stat()
        if stat(path, &st) != 0 {
            throw TraceFileError.cannotOpen(path: path, reason: TraceFileError.errnoText())
        }
        let kind = st.st_mode & S_IFMT
        if kind == S_IFDIR { throw TraceFileError.isDirectory(path: path) }
        if kind != S_IFREG { throw TraceFileError.notARegularFile(path: path) }
        fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw TraceFileError.cannotOpen(path: path, reason: TraceFileError.errnoText()) }
        var fst = stat()
        if fstat(fd, &fst) != 0 {
            let e = TraceFileError.errnoText()
            close(fd)
            throw TraceFileError.cannotOpen(path: path, reason: e)
        }
        size = Int(fst.st_size)
        self.capacity = capacity
        buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
    }

    /// An input over a copy of `bytes` (fuzzing, tests): no file, no reads.
    init(bytes: UnsafeRawBufferPointer, name: String) {
        path = name
        size = bytes.count
        fd = -1
        capacity = Swift.max(1, bytes.count)
        buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        if let base = bytes.baseAddress, bytes.count > 0 { buffer.copyMemory(from: base, byteCount: bytes.count) }
        windowLength = bytes.count
    }

    deinit {
        if fd >= 0 { close(fd) }
        buffer.deallocate()
    }

    /// The bytes `[offset, offset + count)`, valid until the next call; nil
    /// if the file ends before `offset + count`.
    @inline(__always)
    func bytes(at offset: Int, count: Int) throws -> UnsafeRawPointer? {
        if offset >= windowStart && offset + count <= windowStart + windowLength {
            return UnsafeRawPointer(buffer + (offset - windowStart))
        }
        return try refill(at: offset, count: count)
    }

    /// Up to `max` bytes starting at `offset`, for scanning: the pointer and
    /// how many bytes it covers (nil at EOF). Serves what the window already
    /// holds when that is at least 64 bytes, so scanning from one position to
    /// the next never re-reads the file.
    func bytes(at offset: Int, upTo max: Int) throws -> (UnsafeRawPointer, Int)? {
        let n = Swift.min(max, size - offset, capacity)
        if n <= 0 { return nil }
        let windowEnd = windowStart + windowLength
        if offset >= windowStart && offset < windowEnd && (windowEnd - offset >= 64 || windowEnd == size) {
            return (UnsafeRawPointer(buffer + (offset - windowStart)), Swift.min(n, windowEnd - offset))
        }
        guard let p = try bytes(at: offset, count: n) else { return nil }
        return (p, n)
    }

    private func refill(at offset: Int, count: Int) throws -> UnsafeRawPointer? {
        if offset < 0 || count < 0 || offset + count > size { return nil }
        // in memory the window is the whole input: nothing more to read
        if fd < 0 { return nil }
        if count > capacity {
            buffer.deallocate()
            capacity = (count + 0xFFFF) & ~0xFFFF
            buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
            windowLength = 0
        }
        let want = Swift.min(capacity, size - offset)
        var got = 0
        while got < want {
            let n = pread(fd, buffer + got, want - got, off_t(offset + got))
            if n < 0 {
                if errno == EINTR { continue }
                windowLength = 0
                throw TraceFileError.io(path: path, operation: "read at byte \(offset + got)",
                                        reason: TraceFileError.errnoText())
            }
            if n == 0 { break }  // the file shrank since it was opened
            got += n
        }
        windowStart = offset
        windowLength = got
        return got >= count ? UnsafeRawPointer(buffer) : nil
    }
}
